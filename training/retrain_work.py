"""The heavy half of a retrain: train the candidate, calibrate it, evaluate both readers.

`training.retrain` runs this in a child process (`python -m training.retrain_work
JOB.json`): a crash, an out-of-memory kill or a timeout then ends the child and
never the scheduler or the bot that started it, and each run starts from a clean
interpreter. The child reads a job file, writes `result.json` next to it and
exits 0; on any failure it writes `{"error": ...}` and exits 1. The parent decides
on promotion; nothing here touches the registry or the database.

Evaluation is reader-only on the frozen gold set (the dev split plus held-out
corrections): each gold question is read against its own passage, with each
model's own calibration and decline threshold. Three figures feed the gate:
F1 (SQuAD v2: a decline on an unanswerable question scores 1), similarity (cosine
of MiniLM embeddings of the answered span and the gold answer over answerable
questions, 0 when declined) and the share of unanswerable questions declined.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from training.retrain_scores import hash_model

RESULT_FILE = "result.json"


@dataclass
class WorkJob:
    """Everything the child needs; written as JSON by the parent."""

    run_dir: Path
    train_path: Path
    dev_path: Path
    heldout_path: Path
    current_dir: Path
    candidate_dir: Path
    base_model: str
    embedding_model: str
    train_config: dict[str, Any]
    max_answer_length: int = 48
    n_best: int = 20
    torch_threads: int | None = None
    current_name: str = ""
    #: the feedback examples trained on (once each), for the fit check
    feedback_path: Path | None = None
    #: field-test gate: questions, KB paths, sample size, where its Chroma lives, and the
    #: engine settings (secrets left out) the bot answers with
    field_gold: Path | None = None
    field_kb: list[str] = field(default_factory=list)
    field_sample: int = 0
    field_data_dir: Path | None = None
    engine_settings: dict[str, Any] = field(default_factory=dict)
    #: OMP_WAIT_POLICY of the child (STYLESPRINT_OMP_WAIT_POLICY, set before torch loads):
    #: PASSIVE, or OpenMP's spinning threads burn the shared cores another process needs
    omp_wait_policy: str | None = None

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2, default=str) + "\n")

    @classmethod
    def load(cls, path: Path) -> WorkJob:
        data = json.loads(Path(path).read_text())
        paths = {"run_dir", "train_path", "dev_path", "heldout_path", "current_dir",
                 "candidate_dir", "feedback_path", "field_gold", "field_data_dir"}
        return cls(**{k: Path(v) if k in paths and v is not None else v
                      for k, v in data.items()})


def _reader(model_dir: Path, job: WorkJob) -> Any:
    from qa_engine.read.reader import SpanReader

    return SpanReader.from_model_dir(model_dir, job.base_model,
                                     max_answer_length=job.max_answer_length, n_best=job.n_best)


def field_metrics(job: WorkJob, clock: dict[str, float] | None = None,
                  ) -> dict[str, dict[str, Any]] | None:
    """End-to-end figures of current and candidate on the field test (None: no field gate).

    Each model not in the eval cache is asked on its own, its seconds recorded in `clock`
    (`field_test_current`, `field_test_candidate`: the serving version's are read from the
    cache from its second week on)."""
    if job.field_gold is None:
        return None
    from qa_engine.settings import Settings
    from training.evaluation.e2e import e2e_metrics

    values = job.engine_settings
    settings = Settings.model_validate({**values,
                                        "data_dir": str(job.field_data_dir or job.run_dir),
                                        "services": {**values.get("services", {}),
                                                     "chroma_host": None}})
    models = {"current": job.current_dir, "candidate": job.candidate_dir}
    cache_dir = job.run_dir.parent / "eval-cache"
    keys = {name: _field_key(path, job) for name, path in models.items()}
    out: dict[str, dict[str, Any]] = {}
    for name, key in keys.items():
        cached = cache_dir / f"field-{key}.json"
        if cached.exists():
            out[name] = json.loads(cached.read_text())
    for name, path in models.items():
        if name in out:
            continue
        started = time.perf_counter()
        fresh = e2e_metrics(settings, {name: path}, job.field_gold,
                            [Path(p) for p in job.field_kb], sample=job.field_sample or None)
        cache_dir.mkdir(parents=True, exist_ok=True)
        (cache_dir / f"field-{keys[name]}.json").write_text(json.dumps(fresh[name]))
        out[name] = fresh[name]
        if clock is not None:
            clock[f"field_test_{name}"] = time.perf_counter() - started
    return out


def _field_key(model_dir: Path, job: WorkJob) -> str:
    """What a model's field-test figures depend on: its weights, calibration and reading
    metadata, the questions, the sample, the knowledge base's files, the engine settings.
    A registry version never changes, so the serving version's figures are read from the
    run that scored it (as the candidate, or as the serving version last week)."""
    import hashlib

    h = hashlib.sha256()
    hash_model(h, model_dir, with_calibration=True)
    kb_files = sorted(f for p in job.field_kb for f in
                      ([Path(p)] if Path(p).is_file() else Path(p).rglob("*")) if f.is_file())
    assert job.field_gold is not None
    for f in [job.field_gold, *kb_files]:
        h.update(str(f.name).encode() + b"\0" + f.read_bytes())
    settings = {k: v for k, v in job.engine_settings.items() if k not in ("data_dir",)}
    h.update(json.dumps([job.field_sample, settings], sort_keys=True, default=str).encode())
    return h.hexdigest()[:20]


def run_job(job: WorkJob) -> dict[str, Any]:
    """Train, calibrate and evaluate; the returned dict is what `result.json` holds."""
    from qa_engine.read.reader import MODEL_META_FILE
    from qa_engine.retrieve.embedder import Embedder
    from training.adapters import TrainConfig
    from training.calibrate import fit_calibration, reader_metrics, score_examples
    from training.datasets import load_examples, load_jsonl
    from training.model_card import write_model_card
    from training.retrain_scores import (
        cached_scores,
        concat_scores,
        feedback_fit,
        gold_metrics,
        replay,
        right_flags,
        subset,
    )
    from training.trainer import train_reader

    if job.torch_threads:
        import torch

        torch.set_num_threads(job.torch_threads)
    known = {f.name for f in fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in job.train_config.items() if k in known})
    cfg = replace(cfg, target_modules=tuple(cfg.target_modules))
    train = load_jsonl(job.train_path)
    dev = load_examples(job.dev_path)  # the gold/dev file may be JSONL, SQuAD or SubjQA
    heldout = load_jsonl(job.heldout_path) if job.heldout_path.exists() else []
    gold = dev + heldout
    parts = {"dev": list(range(len(dev))),
             "corrections": list(range(len(dev), len(gold)))}

    t0 = time.perf_counter()
    result = train_reader(
        train, job.candidate_dir, job.base_model, cfg, init_from=job.current_dir,
        progress=False, group_by_length=True,
        meta={"command": "stylesprint retrain", "init_from": job.current_name or
              str(job.current_dir),
              "data": [{"path": str(job.train_path), "examples": len(train)}]},
    )
    train_s = time.perf_counter() - t0
    trained_at = datetime.now(timezone.utc).isoformat(timespec="seconds")

    clock = {"train": train_s}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        clock[name] = now - mark
        mark = now

    embedder = Embedder(job.embedding_model)
    candidate = _reader(job.candidate_dir, job)
    cache_dir = job.run_dir.parent / "eval-cache"
    cand_scores = cached_scores(candidate, dev, job.candidate_dir, job.dev_path, cache_dir, job)
    if heldout:
        cand_scores = concat_scores(cand_scores, score_examples(candidate, heldout))
    lap("candidate_dev")
    current = _reader(job.current_dir, job)
    current.warm_up()
    cur_scores = cached_scores(current, dev, job.current_dir, job.dev_path, cache_dir, job)
    if heldout:
        cur_scores = concat_scores(cur_scores, score_examples(current, heldout))
    current_calibration = current.calibration
    current_metrics = gold_metrics(cur_scores, current_calibration, gold, embedder, parts)
    before = right_flags(cur_scores, current_calibration, gold)
    del current
    lap("current_dev")
    # The candidate's threshold declines at least the share of the dev split's unanswerable
    # questions the serving version declines: the gate's rule, applied when fitting (a
    # free threshold fell below the serving version's and the gate refused every retrain
    # of a version calibrated that way, shipped-0.7 included).
    held = reader_metrics(subset(cur_scores, parts["dev"]), current_calibration)
    calibration = fit_calibration(subset(cand_scores, parts["dev"]), source=str(job.dev_path),
                                  min_unanswerable_declined=held.get("unanswerable_declined"))
    calibration.save(job.candidate_dir)
    meta_path = job.candidate_dir / MODEL_META_FILE
    meta = json.loads(meta_path.read_text())
    meta.update({"trained_at": trained_at, "dev_path": str(job.dev_path),
                 "dev_metrics": reader_metrics(subset(cand_scores, parts["dev"]), calibration)})
    meta_path.write_text(json.dumps(meta, indent=2, default=str) + "\n")
    write_model_card(job.candidate_dir, command="stylesprint retrain")
    candidate_metrics = gold_metrics(cand_scores, calibration, gold, embedder, parts)
    after = right_flags(cand_scores, calibration, gold)
    lap("calibration")

    candidate.calibration = calibration  # as a fresh load of the saved candidate reads it
    fit = feedback_fit(candidate, load_jsonl(job.feedback_path) if job.feedback_path else [])
    del candidate
    lap("feedback_fit")

    field_clock: dict[str, float] = {}
    field_figures = field_metrics(job, field_clock)
    lap("field_test")
    clock.update(field_clock)
    if field_figures:
        current_metrics["parts"]["field"] = field_figures["current"]
        candidate_metrics["parts"]["field"] = field_figures["candidate"]
    return {
        "feedback_fit": fit,
        "replay": replay(before, after, gold),
        "seconds": {k: round(v, 1) for k, v in clock.items()},
        "train": {"steps": result.steps, "seconds": round(train_s, 1),
                  "examples": len(train), "features": result.n_features,
                  "final_loss": round(float(np.mean(result.losses[-50:])), 4)
                  if result.losses else None},
        "gold": {"examples": len(gold), "dev": len(dev), "corrections": len(heldout)},
        "current": current_metrics,
        "candidate": candidate_metrics,
        "calibration": {"temperature": calibration.temperature, "bias": calibration.bias,
                        "threshold": calibration.threshold},
    }


def main(argv: Sequence[str] | None = None) -> int:
    from qa_engine.logs import quiet_libraries
    from qa_engine.read.speed import apply_omp_wait_policy

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m training.retrain_work JOB.json", file=sys.stderr)
        return 2
    job_path = Path(args[0])
    out = job_path.parent / RESULT_FILE
    try:
        job = WorkJob.load(job_path)
        apply_omp_wait_policy(job.omp_wait_policy)  # before anything loads torch
        quiet_libraries()
        result = run_job(job)
    except MemoryError:
        out.write_text(json.dumps({"error": "out of memory while training or evaluating",
                                   "kind": "oom"}) + "\n")
        return 1
    except BaseException as exc:  # reported to the parent, which records the failure
        out.write_text(json.dumps({"error": f"{type(exc).__name__}: {exc}", "kind": "crash",
                                   "traceback": traceback.format_exc()[-4000:]}) + "\n")
        return 1
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
