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

RESULT_FILE = "result.json"
#: feedback examples of answers agents confirmed (👍 on an answer or on a decline)
CONFIRMED_KINDS = frozenset({"feedback-vote", "feedback-decline"})


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


def subset(scores: Any, idx: Sequence[int]) -> Any:
    """The ReaderScores of some examples only."""
    from training.calibrate import ReaderScores

    ix = np.asarray(idx, dtype=int)
    return ReaderScores(margins=scores.margins[ix],
                        predictions=[scores.predictions[i] for i in ix],
                        answerable=scores.answerable[ix],
                        f1_if_answered=scores.f1_if_answered[ix],
                        em_if_answered=scores.em_if_answered[ix])


def similarities(scores: Any, calibration: Any, examples: Sequence[Any], embedder: Any,
                 ) -> list[float | None]:
    """Per example: cosine(answered span, gold answer); 0 if declined; None if unanswerable."""
    answered = [calibration.probability(m) >= calibration.threshold for m in scores.margins]
    pairs = [(i, scores.predictions[i], ex.answer_text) for i, ex in enumerate(examples)
             if ex.answerable and answered[i] and scores.predictions[i]]
    sims: list[float | None] = [0.0 if ex.answerable else None for ex in examples]
    if pairs:
        vectors = embedder.embed([p for _, p, _ in pairs] + [g for _, _, g in pairs])
        n = len(pairs)
        for k, (i, _, _) in enumerate(pairs):
            sims[i] = float(np.dot(vectors[k], vectors[n + k]))
    return sims


def gold_metrics(scores: Any, calibration: Any, examples: Sequence[Any], embedder: Any,
                 parts: dict[str, list[int]]) -> dict[str, Any]:
    """reader_metrics and similarity on the whole gold set and on each part."""
    from training.calibrate import reader_metrics

    sims = similarities(scores, calibration, examples, embedder)

    def mean_sim(idx: Sequence[int]) -> float | None:
        values = [sims[i] for i in idx if sims[i] is not None]
        return round(float(np.mean(values)), 4) if values else None

    out: dict[str, Any] = reader_metrics(scores, calibration)
    out["similarity"] = mean_sim(range(len(examples)))
    out["parts"] = {name: {**reader_metrics(subset(scores, idx), calibration),
                           "similarity": mean_sim(idx)}
                    for name, idx in parts.items() if idx}
    return out


def cached_scores(reader: Any, examples: Sequence[Any], model_dir: Path, data_path: Path,
                  cache_dir: Path, job: WorkJob) -> Any:
    """`score_examples(reader, examples)`, kept on disk per model version and data file.

    Scores depend on the weights and the data only (not on the calibration), and neither
    a model version nor the frozen dev split changes, so the serving version's scores are
    read, not recomputed: the candidate's are stored as it is scored and, promoted, it is
    next week's serving version (the retrain otherwise reads the 888 dev questions twice).
    The key is the model's weight files, what of its metadata the reader is built from
    (base model, training config: window, rank pattern), the decoding settings and the
    data file.
    """
    import hashlib

    from training.calibrate import ReaderScores, score_examples

    h = hashlib.sha256()
    weights = sorted(p for p in Path(model_dir).iterdir()
                     if p.suffix in (".safetensors", ".bin", ".pt"))
    meta_path = Path(model_dir) / "stylesprint.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    reading = {k: meta.get(k) for k in ("base_model", "train_config", "rank_pattern")}
    for part in (str(job.max_answer_length), str(job.n_best), job.base_model,
                 json.dumps(reading, sort_keys=True, default=str)):
        h.update(part.encode() + b"\0")
    for f in [*weights, Path(data_path)]:
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    path = cache_dir / f"scores-{h.hexdigest()[:20]}.json"
    if path.exists():
        data = json.loads(path.read_text())
        if len(data["margins"]) == len(examples):
            return ReaderScores(margins=np.asarray(data["margins"], dtype=float),
                                predictions=data["predictions"],
                                answerable=np.asarray(data["answerable"], dtype=bool),
                                f1_if_answered=np.asarray(data["f1"], dtype=float),
                                em_if_answered=np.asarray(data["em"], dtype=float))
    scores = score_examples(reader, list(examples))
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"margins": scores.margins.tolist(),
                               "predictions": scores.predictions,
                               "answerable": scores.answerable.tolist(),
                               "f1": scores.f1_if_answered.tolist(),
                               "em": scores.em_if_answered.tolist()}))
    tmp.replace(path)
    return scores


def concat_scores(a: Any, b: Any) -> Any:
    from training.calibrate import ReaderScores

    return ReaderScores(margins=np.concatenate([a.margins, b.margins]),
                        predictions=list(a.predictions) + list(b.predictions),
                        answerable=np.concatenate([a.answerable, b.answerable]),
                        f1_if_answered=np.concatenate([a.f1_if_answered, b.f1_if_answered]),
                        em_if_answered=np.concatenate([a.em_if_answered, b.em_if_answered]))


def right_flags(scores: Any, calibration: Any, examples: Sequence[Any]) -> list[bool]:
    """Per example: answered with F1 >= 0.5 (answerable) or declined (unanswerable)."""
    out = []
    for i, ex in enumerate(examples):
        answered = calibration.probability(scores.margins[i]) >= calibration.threshold
        out.append(bool(answered and scores.f1_if_answered[i] >= 0.5) if ex.answerable
                   else not answered)
    return out


def replay(before: Sequence[bool], after: Sequence[bool], examples: Sequence[Any],
           ) -> dict[str, Any]:
    """What the candidate broke and fixed on the fixed replay set (the gold questions):
    broken = right with the serving version, wrong with the candidate; fixed = the reverse."""
    broken = [ex.id for ex, a, b in zip(examples, before, after, strict=True) if a and not b]
    fixed = [ex.id for ex, a, b in zip(examples, before, after, strict=True) if b and not a]
    return {"questions": len(examples), "right_before": int(sum(before)),
            "right_after": int(sum(after)), "broken": len(broken), "fixed": len(fixed),
            "broken_ids": broken[:50], "fixed_ids": fixed[:50]}


def feedback_fit(reader: Any, examples: Sequence[Any]) -> dict[str, Any]:
    """How many of the feedback examples trained on the candidate now answers right.

    Right: an answerable example answered with F1 >= 0.5 against the agents' span; a
    "rightly declined" example declined. These are training data, so a candidate that
    gets them wrong did not learn what it was taught (the parent fails the run).
    """
    from training.calibrate import score_examples

    if not examples:
        return {"examples": 0, "right": 0, "share": None, "wrong": [],
                "confirmed": 0, "confirmed_wrong": []}
    flags = right_flags(score_examples(reader, list(examples)), reader.calibration, examples)
    wrong = [ex.id for ex, ok in zip(examples, flags, strict=True) if not ok]
    right = len(examples) - len(wrong)
    confirmed = [ex for ex in examples if ex.kind in CONFIRMED_KINDS]
    return {"examples": len(examples), "right": right,
            "share": round(right / len(examples), 4), "wrong": wrong[:50],
            "confirmed": len(confirmed),
            "confirmed_wrong": [ex.id for ex, ok in zip(examples, flags, strict=True)
                                if not ok and ex.kind in CONFIRMED_KINDS]}


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
    files = sorted(p for p in Path(model_dir).iterdir()
                   if p.suffix in (".safetensors", ".bin", ".pt") or p.name == "calibration.json")
    meta_path = Path(model_dir) / "stylesprint.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    reading = {k: meta.get(k) for k in ("base_model", "train_config", "rank_pattern")}
    kb_files = sorted(f for p in job.field_kb for f in
                      ([Path(p)] if Path(p).is_file() else Path(p).rglob("*")) if f.is_file())
    assert job.field_gold is not None
    for f in [*files, job.field_gold, *kb_files]:
        h.update(str(f.name).encode() + b"\0" + f.read_bytes())
    settings = {k: v for k, v in job.engine_settings.items() if k not in ("data_dir",)}
    h.update(json.dumps([reading, job.field_sample, settings], sort_keys=True,
                        default=str).encode())
    return h.hexdigest()[:20]


def run_job(job: WorkJob) -> dict[str, Any]:
    """Train, calibrate and evaluate; the returned dict is what `result.json` holds."""
    from qa_engine.read.reader import MODEL_META_FILE
    from qa_engine.retrieve.embedder import Embedder
    from training.adapters import TrainConfig
    from training.calibrate import fit_calibration, reader_metrics, score_examples
    from training.datasets import load_examples, load_jsonl
    from training.model_card import write_model_card
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
