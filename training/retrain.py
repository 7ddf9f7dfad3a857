"""The gated retrain: feedback + base data -> candidate reader -> promote only if not worse.

`run_retrain(settings)` is the one entry point (`stylesprint retrain --now` and the
scheduled job both call it). One run:

1. takes the retrain lock in the database (another run in progress: skipped; a lock
   whose owner died on this host, or past its expiry, is taken over, the dead run
   recorded failed and its training child stopped: `training.retrain_child`);
2. builds the feedback dataset from the records (`training.feedback`) and stops,
   recorded as skipped, if nothing became an example (no new data) or if the examples
   are exactly those of the last evaluated run (no new feedback);
3. trains a candidate warm-started from the serving version, with the serving
   version's hyperparameters (AdaLoRA as `stylesprint train`), on the base data plus
   the feedback examples, never on the frozen gold set (dev split + held-out
   corrections); recalibrates it on the dev split; evaluates serving version and
   candidate on the gold set — all of it in a child process with a time limit;
4. adds the candidate to the registry (complete copy, then rename) with parent,
   data counts, metrics, decision and reason, and switches the CURRENT pointer only
   if the gate passes.

Any failure (crash, timeout, out of memory, bad data) leaves CURRENT untouched, is
recorded with its reason in `retrain_runs`, and the next run starts in a fresh
directory. Feedback is only ever read.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qa_engine.settings import Settings
from training import retrain_child
from training.datasets import write_jsonl
from training.feedback import format_counts, write_dataset
from training.gate import GateDecision, fit_failure, format_deltas, gate, margins_from
from training.retrain_data import DATA_DIR, base_paths, feedback_dataset, gold_path, training_set
from training.runs import RetrainStore, default_owner, utcnow

logger = logging.getLogger(__name__)

FIELD_TEST_DIR = DATA_DIR / "field_test"


class RetrainFailed(RuntimeError):
    """A run could not produce an evaluated candidate; the message is the recorded reason."""


@dataclass
class RetrainOutcome:
    """What one run did: status is promoted, rejected, failed or skipped."""

    status: str
    reason: str
    run_id: int | None = None
    parent: str | None = None
    candidate: str | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    current_metrics: dict[str, Any] | None = None
    candidate_metrics: dict[str, Any] | None = None
    deltas: dict[str, float | None] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def promoted(self) -> bool:
        return self.status == "promoted"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line for the terminal and the Slack channel."""
        head = f"Retrain #{self.run_id or '-'} {self.status}"
        if self.candidate:
            head += f" {self.candidate}" + (f" (parent {self.parent})" if self.parent else "")
        parts = [f"{head}: {self.reason}"]
        deltas = format_deltas(self.current_metrics, self.candidate_metrics)
        if deltas:
            parts.append(deltas)
        if self.counts.get("examples") is not None:
            parts.append(f"{self.counts['examples']} feedback example(s) "
                         f"({self.counts.get('heldout', 0)} held out), "
                         f"{self.counts.get('review', 0)} for review")
        return " | ".join(parts)


__all__ = ["GateDecision", "RetrainFailed", "RetrainOutcome", "gate", "run_retrain"]


def field_gate(settings: Settings) -> tuple[Path, list[Path]] | None:
    """(questions, KB paths) of the field test the gate asks end to end; None = off."""
    gold = settings.retrain.field_gold
    if gold is not None and str(gold).strip().lower() in ("off", "none"):
        return None
    gold = Path(gold) if gold is not None else FIELD_TEST_DIR / "questions.jsonl"
    kb = [Path(p) for p in (settings.retrain.field_kb or [FIELD_TEST_DIR / "kb"])]
    if not gold.exists():
        if settings.retrain.field_gold is None:  # the package ships none: no field gate
            return None
        raise RetrainFailed(f"bad data: the field-test file {gold} does not exist")
    return gold, kb


def engine_settings(settings: Settings) -> dict[str, Any]:
    """The settings the retrain child rebuilds its engines from (no secrets)."""
    return settings.dump_without_secrets(mode="json")


def retrain_config(settings: Settings, current_dir: Path) -> dict[str, Any]:
    """The serving version's hyperparameters, with the retrain's epochs and step cap."""
    from training.adapters import TrainConfig

    meta_path = current_dir / "stylesprint.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    known = set(TrainConfig.__dataclass_fields__)
    cfg = {k: v for k, v in (meta.get("train_config") or {}).items() if k in known}
    # no checkpoints: a run never resumes (the next one starts in a fresh directory)
    cfg.update(epochs=settings.retrain.epochs, max_steps=settings.retrain.max_steps,
               warm_ranks="keep", checkpoint_every=0)
    TrainConfig(**cfg)  # validate here: a bad config fails the run before the child starts
    return cfg


def run_work(job: Any, job_path: Path, *, isolate: bool, timeout_s: float) -> dict[str, Any]:
    """Run `training.retrain_work` (in a child process unless `isolate=False`)."""
    from training.retrain_work import RESULT_FILE, run_job

    if not isolate:
        try:
            return run_job(job)
        except MemoryError as exc:
            raise RetrainFailed("out of memory while training or evaluating") from exc
        except Exception as exc:
            raise RetrainFailed(f"crash: {type(exc).__name__}: {exc}") from exc
    log_path = job_path.parent / "work.log"
    with log_path.open("w") as log:
        # recorded in the run folder, so a retrain killed meanwhile leaves no orphan
        # (the next one stops it: retrain_child.stop_orphans)
        proc = retrain_child.launch(
            [sys.executable, "-m", "training.retrain_work", str(job_path)], job_path.parent, log)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            proc.kill()
            proc.wait()
            raise RetrainFailed(f"timeout: training and evaluation did not finish within "
                                f"{timeout_s:g} s") from exc
        finally:
            retrain_child.forget(job_path.parent)
    result_path = job_path.parent / RESULT_FILE
    result = json.loads(result_path.read_text()) if result_path.exists() else None
    if proc.returncode < 0:
        signal = -proc.returncode
        hint = " (out of memory?)" if signal == 9 else ""
        raise RetrainFailed(f"killed by signal {signal}{hint}; see {log_path}")
    if proc.returncode != 0 or result is None or "error" in result:
        error = (result or {}).get("error") or f"exit code {proc.returncode}, see {log_path}"
        kind = (result or {}).get("kind", "crash")
        raise RetrainFailed(error if kind == "oom" else f"crash: {error}")
    return result


def run_retrain(
    settings: Settings,
    *,
    trigger: str = "manual",
    force: bool = False,
    isolate: bool = True,
    train_config: Mapping[str, Any] | None = None,
    store: RetrainStore | None = None,
    notify: Callable[[RetrainOutcome], None] | None = None,
    post: Callable[[str, str], None] | None = None,
) -> RetrainOutcome:
    """One gated retrain (see the module docstring); never raises for a failed run.

    `train_config` replaces the hyperparameters taken from the serving version (tests
    use a tiny one); `force` retrains even without new feedback; `notify` gets the
    outcome (default: the summary posted with `post(channel, text)` when
    STYLESPRINT_RETRAIN_CHANNEL is set: the composition root passes the bot's client).
    """
    t0 = time.perf_counter()
    store = store or RetrainStore(settings.resolved_database_url)
    owner = default_owner()
    if not store.acquire(owner, ttl_s=settings.retrain.timeout_s + 900):
        holder = store.holder()
        reason = f"another retrain is running ({holder[0] if holder else 'lock just released'})"
        run_id = store.record_event(trigger, "skipped", reason)
        outcome = RetrainOutcome("skipped", reason, run_id=run_id)
    else:
        try:
            # runs still 'running' died with their process (the lock was free, expired
            # or its owner gone): their training child is stopped, they are recorded failed
            retrain_child.stop_orphans(settings.data_dir, store.running_ids())
            store.fail_interrupted()
            outcome = _locked_run(settings, store, owner, trigger, force, isolate, train_config)
        finally:
            store.release(owner)
    outcome.seconds = round(time.perf_counter() - t0, 1)
    logger.info("%s", outcome.summary())
    try:
        (notify or (lambda o: post_summary(settings, o, post)))(outcome)
    except Exception:  # a summary that cannot be posted must not fail the run
        logger.warning("could not post the retrain summary", exc_info=True)
    return outcome


def _locked_run(settings: Settings, store: RetrainStore, owner: str, trigger: str, force: bool,
                isolate: bool, train_config: Mapping[str, Any] | None) -> RetrainOutcome:
    from qa_engine.registry import ModelRegistry

    registry = ModelRegistry(settings.models_dir)
    run_id = store.start_run(trigger, owner=owner, parent=registry.current_name())
    outcome = RetrainOutcome("failed", "", run_id=run_id, parent=registry.current_name())
    run_dir = retrain_child.run_dir_of(settings.data_dir, run_id)
    try:
        shutil.rmtree(run_dir, ignore_errors=True)  # a fresh start, whatever was left before
        run_dir.mkdir(parents=True)
        _prepare_and_train(settings, store, registry, run_dir, outcome, force, isolate,
                           train_config)
    except RetrainFailed as exc:
        outcome.status, outcome.reason = "failed", str(exc)
    except Exception as exc:  # recorded, never raised: the scheduler keeps running
        logger.exception("retrain run %d crashed", run_id)
        outcome.status, outcome.reason = "failed", f"crash: {type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(run_dir / "candidate", ignore_errors=True)  # the registry has a copy
    store.finish_run(run_id, outcome.status, outcome.reason, candidate=outcome.candidate,
                     details=_details(outcome))
    return outcome


def _details(outcome: RetrainOutcome) -> dict[str, Any]:
    return {"counts": outcome.counts, "current_metrics": outcome.current_metrics,
            "candidate_metrics": outcome.candidate_metrics, "deltas": outcome.deltas}


def _prepare_and_train(settings: Settings, store: RetrainStore, registry: Any, run_dir: Path,
                       outcome: RetrainOutcome, force: bool, isolate: bool,
                       train_config: Mapping[str, Any] | None) -> None:
    from qa_engine.read.reader import ModelLoadError
    from training.datasets import DatasetError, load_examples
    from training.retrain_work import WorkJob

    run_id = outcome.run_id
    assert run_id is not None
    try:
        current = registry.current()
    except (ModelLoadError, KeyError) as exc:
        raise RetrainFailed(f"no serving version to start from: {exc}") from exc
    outcome.parent = current.name
    started = time.perf_counter()
    try:
        ds = feedback_dataset(settings)
        base = [ex for path in base_paths(settings) for ex in load_examples(path)]
    except (DatasetError, OSError) as exc:
        raise RetrainFailed(f"bad data: {exc}") from exc
    paths = write_dataset(ds, run_dir / "feedback.jsonl")
    outcome.counts = dict(ds.counts)
    store.update_run(run_id, fingerprint=ds.fingerprint, details=_details(outcome))
    logger.info("feedback dataset:\n%s", format_counts(ds.counts))
    if ds.counts["examples"] == 0 and not force:
        # A quiet week is not a failure: a weekly job that fails every quiet week
        # teaches operators to ignore it.
        outcome.status = "skipped"
        outcome.reason = (f"no new data: no feedback has become a training example "
                          f"({ds.counts['review']} item(s) waiting for review)")
        return
    last = store.last_finished()
    if not force and last is not None and last.fingerprint == ds.fingerprint:
        outcome.status = "skipped"
        outcome.reason = (f"no new feedback since run #{last.id} "
                          f"({last.started_at:%Y-%m-%d %H:%M} UTC, {last.status})")
        return

    train, counts = training_set(settings, base, ds, run_id)
    write_jsonl(train, run_dir / "train.jsonl")
    data_s = time.perf_counter() - started
    outcome.counts.update(counts)
    field_set = field_gate(settings)
    cfg = dict(train_config) if train_config is not None else retrain_config(
        settings, current.path)
    job = WorkJob(
        run_dir=run_dir, train_path=run_dir / "train.jsonl", dev_path=gold_path(settings),
        heldout_path=paths["heldout"], current_dir=current.path,
        candidate_dir=run_dir / "candidate", base_model=settings.engine.resolved_base_model,
        embedding_model=settings.engine.resolved_embedding_model, train_config=cfg,
        max_answer_length=settings.engine.max_answer_tokens, n_best=settings.engine.n_best,
        torch_threads=settings.engine.torch_threads, current_name=current.name,
        omp_wait_policy=settings.engine.omp_wait_policy,
        feedback_path=paths["train"],
        field_gold=field_set[0] if field_set else None,
        field_kb=[str(p) for p in field_set[1]] if field_set else [],
        field_sample=settings.retrain.field_sample,
        field_data_dir=settings.data_dir / "retrain" / "field-kb",
        engine_settings=engine_settings(settings),
    )
    job_path = run_dir / "job.json"
    job.save(job_path)
    started = time.perf_counter()
    result = run_work(job, job_path, isolate=isolate, timeout_s=settings.retrain.timeout_s)
    child_s = time.perf_counter() - started
    outcome.current_metrics, outcome.candidate_metrics = result["current"], result["candidate"]
    outcome.counts.update(gold_examples=result["gold"]["examples"],
                          gold_corrections=result["gold"]["corrections"],
                          train_steps=result["train"]["steps"],
                          # where the time went: building the data here, the child's
                          # phases (training_work), the child as a whole, promotion
                          seconds={"data": round(data_s, 1), **(result.get("seconds") or {}),
                                   "child_total": round(child_s, 1)})
    fit = result.get("feedback_fit") or {}
    outcome.counts.update(feedback_fit=fit.get("share"), confirmed=fit.get("confirmed"),
                          confirmed_wrong=len(fit.get("confirmed_wrong") or []))
    failure = fit_failure(fit, settings.retrain.min_feedback_fit,
                          settings.retrain.require_confirmed)
    if failure:
        raise RetrainFailed(failure)
    replayed = result.get("replay") or {}
    outcome.counts.update(replay_broken=replayed.get("broken"), replay_fixed=replayed.get("fixed"))
    decision: GateDecision = gate(result["current"], result["candidate"],
                                  margins_from(settings), replay=replayed)
    outcome.deltas = decision.deltas
    started = time.perf_counter()
    name = f"retrain-{utcnow():%Y%m%d-%H%M%S}-r{run_id}"
    meta = json.loads((job.candidate_dir / "stylesprint.json").read_text())
    registry.add(job.candidate_dir, name, {
        "origin": "retrain", "run": run_id, "parent": current.name,
        "method": meta.get("method"), "data": outcome.counts, "train": result["train"],
        "dev_metrics": meta.get("dev_metrics"),
        "gold_metrics": {"current": result["current"], "candidate": result["candidate"]},
        "deltas": decision.deltas, "margins": margins_from(settings),
        "decision": "promoted" if decision.promote else "rejected", "reason": decision.reason,
    })
    outcome.candidate = name
    if decision.promote:
        registry.promote(name, reason=f"retrain run #{run_id}: {decision.reason}")
        outcome.status = "promoted"
    else:
        outcome.status = "rejected"
    outcome.reason = decision.reason
    outcome.counts["seconds"]["promotion"] = round(time.perf_counter() - started, 1)


def post_summary(settings: Settings, outcome: RetrainOutcome,
                 post: Callable[[str, str], None] | None) -> bool:
    """Post the one-line summary to STYLESPRINT_RETRAIN_CHANNEL (if set) with `post(channel,
    text)` (the bot's Slack client, wired by the composition root: stylesprint/jobs.py);
    True when posted."""
    if not settings.retrain.channel or post is None:
        return False
    text = f":robot_face: {outcome.summary()}"
    if settings.retrain.post_gaps:  # STYLESPRINT_RETRAIN_POST_GAPS: the week's knowledge gaps
        from qa_engine.gaps import week_report

        # agents' questions: Slack's control characters as entities, so none can ping
        report = week_report(settings).replace("&", "&amp;").replace("<", "&lt;")
        text += "\n*Knowledge gaps this week* (`stylesprint gaps`):\n" + report.replace(
            ">", "&gt;")[:3500]
    post(settings.retrain.channel, text)
    return True
