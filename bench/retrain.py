"""`python -m bench.retrain`: wall time, CPU time, peak memory and time per phase of
`retrain --now` for a week of feedback.

For each size a fresh data directory gets the shipped reader as its serving
version and a records database holding that many answers with agents' feedback,
logged through `Records` exactly as the bot logs them. Two sources:

- `--source field` (default; issue 23's week): the field-test knowledge base
  (`training/data/field_test/kb`) is ingested as the bot's knowledge base and the first
  question of that many field-test paraphrase groups (seeded) is asked of the real
  engine; a right answer (or a rightly declined question) gets 👍, a wrong answer to an
  answerable question a 👎 and a lead's correction (the gold answer, located and
  verified as the bot does it), a wrong answer to an unanswerable one a 👎 and a lead's
  "the knowledge base does not cover this";
- `--source train`: answers to questions of the shipped train split, 80% confirmed
  with 👍, 20% given a wrong span and then a correction naming the right one.

Then `training.retrain.run_retrain` (what `stylesprint retrain --now` calls) runs in a
child process with the retrain settings in the environment (the real training, the
real gate with its field test); the bench polls the resident memory of that process
and of the training child it starts, reports the peak of their sum, the CPU seconds
of both (shared cores: wall time alone depends on the neighbours) and the time of
each phase (`counts.seconds`).

    python -m bench.retrain --feedback 200 --out bench/results/retrain_speed.json
    python -m bench.retrain --source train --sizes 100,1000   # the train-split week
    python -m bench.retrain --feedback 50 --max-steps 20     # quick
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, parser, report, table, write

TRAIN_FILE = ROOT / "training" / "data" / "stylesprint_train.jsonl"
FIELD = ROOT / "training" / "data" / "field_test"
#: the child's phases in the order they run (training/retrain.py, training/retrain_work.py)
PHASES = ("data", "train", "candidate_dev", "calibration", "feedback_fit", "current_dev",
          "field_test", "child_total", "promotion")


def seed_feedback(settings: Any, n: int) -> dict[str, int]:
    """Log `n` answers with feedback into the settings' records database."""
    from qa_engine.records import UP, Records
    from qa_engine.types import Answer, Passage

    rows = [json.loads(x) for x in TRAIN_FILE.read_text().splitlines() if x.strip()]
    records = Records(settings.resolved_database_url)
    records.warm_up()
    done = {"up": 0, "corrections": 0}
    try:
        for i in range(n):
            row = rows[i % len(rows)]
            question = row["question"] if i < len(rows) else f"{row['question']} ({i})"
            passage = Passage(id=f"p{i}", text=row["context"], title=row.get("doc") or "kb",
                              source="bench")
            answerable = bool(row["answer_text"])
            correct = i % 5 != 4 or not answerable
            if answerable and correct:
                start = int(row["answer_start"])
                span, end = row["answer_text"], start + len(row["answer_text"])
            elif answerable:  # a wrong span (the passage's first words), corrected below
                span = " ".join(row["context"].split()[:3])
                start, end = 0, len(span)
            else:
                span = start = end = None
            answer = Answer(question=question, answered=span is not None, answer=span or "",
                            span=span, confidence=0.9, sources=[], model_version="bench",
                            latency_ms=50.0, passage=passage, span_start=start, span_end=end)
            answer_id = records.log_answer(answer, surface="command", channel="CBENCH",
                                           asker=f"U{i}", message_ts=f"1700000000.{i:06d}")
            if correct:
                records.record_vote(answer_id, f"UV{i}", UP, source="reaction")
                done["up"] += 1
            else:
                records.add_correction(answer_id, f"UV{i}", row["answer_text"])
                done["corrections"] += 1
    finally:
        records.close()
    return done


def seed_field_feedback(settings: Any, n: int, seed: int = 0) -> dict[str, int]:
    """Ask the first question of `n` field-test groups of the real engine and give each
    answer the feedback a careful agent gives (see the module docstring)."""
    import random

    from qa_engine.pipeline import AnswerEngine
    from qa_engine.records import DOWN, UP, Records
    from qa_engine.records.schema import NOT_COVERED, WRONG_PASSAGE, WRONG_SPAN
    from qa_engine.retrieve.verified_index import knowledge_base_of, verify_correction
    from training.evaluation.metrics import f1_score

    groups: dict[str, list[dict[str, Any]]] = {}
    for line in (FIELD / "questions.jsonl").read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            groups.setdefault(row["group"], []).append(row)
    names = sorted(groups)
    random.Random(seed).shuffle(names)
    engine = AnswerEngine.from_settings(settings)
    engine.warm_up()
    records = Records(settings.resolved_database_url)
    records.warm_up()
    kb = knowledge_base_of(engine)
    done = {"up": 0, "confirmed_decline": 0, "corrections": 0, "down_unanswerable": 0}
    try:
        for i, name in enumerate(names[:n]):
            row = groups[name][0]
            raw = row["answer"]
            gold = [a for a in (raw if isinstance(raw, list) else [raw]) if a]
            answer = engine.ask(row["question"])
            answer_id = records.log_answer(answer, surface="command", channel="CBENCH",
                                           asker=f"U{i}", message_ts=f"1700000000.{i:06d}")
            span = answer.span or answer.answer
            if gold and answer.answered and f1_score(span, gold) >= 0.5:
                records.record_vote(answer_id, f"UV{i}", UP, source="reaction")
                done["up"] += 1
            elif not gold and not answer.answered:
                records.record_vote(answer_id, f"UV{i}", UP, source="reaction")
                done["confirmed_decline"] += 1
            elif gold:
                records.record_vote(answer_id, f"UV{i}", DOWN, source="reaction")
                used = answer.passage.text if answer.passage else ""
                correction = records.add_correction(
                    answer_id, "ULEAD", gold[0],
                    reason=WRONG_SPAN if gold[0] in used else WRONG_PASSAGE)
                verify_correction(records, correction, kb() if kb else None, publish=True)
                done["corrections"] += 1
            else:  # answered what the KB does not say: "the KB does not cover this"
                records.record_vote(answer_id, f"UV{i}", DOWN, source="reaction")
                correction = records.add_correction(answer_id, "ULEAD", "Not in the KB.",
                                                    reason=NOT_COVERED)
                verify_correction(records, correction, kb() if kb else None, publish=True)
                done["down_unanswerable"] += 1
    finally:
        records.close()
    return done


def child(data_dir: Path, force: bool = False) -> None:
    """Runs in the child process: one retrain, its outcome as JSON on the last line."""
    import resource

    from qa_engine.logs import quiet_libraries
    from qa_engine.settings import Settings
    from training.retrain import run_retrain

    quiet_libraries()
    outcome = run_retrain(Settings(data_dir=data_dir, _env_file=None), trigger="manual",
                          force=force, notify=lambda _o: None)
    own = resource.getrusage(resource.RUSAGE_SELF)
    kid = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"status": outcome.status, "reason": outcome.reason,
                      "counts": outcome.counts, "seconds": outcome.seconds,
                      "deltas": outcome.deltas,
                      "cpu_s": {"retrain_process": round(own.ru_utime + own.ru_stime, 1),
                                "training_child": round(kid.ru_utime + kid.ru_stime, 1)},
                      "max_rss_mb": {"retrain_process": round(own.ru_maxrss / 1024, 1),
                                     "training_child": round(kid.ru_maxrss / 1024, 1)}}))


def tree_rss_mb(pid: int) -> float:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


def timed_retrain(data_dir: Path, env: dict[str, str], force: bool) -> dict[str, Any]:
    """One `run_retrain` in a child process: its outcome, wall time and peak memory."""
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.monotonic()
    cmd = [sys.executable, "-m", "bench.retrain", "--child", str(data_dir)]
    proc = subprocess.Popen(cmd + (["--force"] if force else []), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.5)
    out, err = proc.communicate()
    wall = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"retrain child failed ({proc.returncode}):\n{err[-3000:]}")
    run = {"wall_s": round(wall, 1), "peak_tree_rss_mb": round(peak, 1),
           "load_average": {"before": load_before,
                            "after": [round(x, 2) for x in os.getloadavg()]},
           **json.loads(out.strip().splitlines()[-1])}
    print(json.dumps({k: run.get(k) for k in ("wall_s", "load_average", "cpu_s", "status")}
                     | {"seconds": run["counts"].get("seconds")}), flush=True)
    return run


def one_size(n: int, env: dict[str, str], source: str, seed: int = 0, again: bool = False,
             ) -> list[dict[str, Any]]:
    """The first retrain of a fresh install on `n` feedback items; with `again`, a second
    one on the same feedback (forced), whose serving version was scored by the first."""
    from qa_engine.registry import ModelRegistry
    from qa_engine.settings import Settings

    with tempfile.TemporaryDirectory(prefix=f"bench-retrain-{n}-") as tmp:
        data_dir = Path(tmp)
        engine = {"kb_paths": [FIELD / "kb"]} if source == "field" else {}
        settings = Settings(data_dir=data_dir, _env_file=None, engine=engine)
        serving = ModelRegistry(settings.models_dir).current().name  # installs the shipped one
        t0 = time.monotonic()
        seeded = (seed_field_feedback(settings, n, seed) if source == "field"
                  else seed_feedback(settings, n))
        head = {"feedback_answers": n, "source": source, "seeded": seeded,
                "seeding_s": round(time.monotonic() - t0, 1)}
        runs = [{**head, "run": "first retrain", "serving": serving,
                 **timed_retrain(data_dir, env, force=False)}]
        if again:
            serving = ModelRegistry(settings.models_dir).current_name()
            runs.append({**head, "run": "again, serving version scored", "serving": serving,
                         **timed_retrain(data_dir, env, force=True)})
    return runs


def phase_table(results: list[dict[str, Any]]) -> str:
    """Wall seconds per phase of each run (rows: phases, columns: runs)."""
    seconds = [r["counts"].get("seconds") or {} for r in results]
    names = [p for p in PHASES if any(p in s for s in seconds)]
    names += sorted({k for s in seconds for k in s} - set(names))
    rows = [[name, *(s.get(name, "—") for s in seconds)] for name in names]
    rows.append(["retrain --now, wall", *(r["wall_s"] for r in results)])
    rows.append(["CPU s (retrain + child)", *(round(sum(r["cpu_s"].values()), 1)
                                               for r in results)])
    return table(rows, ["phase (wall s)", *(f"{r['feedback_answers']} items, {r['run']}"
                                            for r in results)])


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0], default_n=None)
    p.add_argument("--sizes", default="200", help="Comma-separated feedback counts.")
    p.add_argument("--feedback", type=int, default=None,
                   help="One week of this many feedback items (instead of --sizes).")
    p.add_argument("--source", choices=("field", "train"), default="field",
                   help="Field-test KB week (default) or train-split answers.")
    p.add_argument("--seed", type=int, default=0, help="Which field-test groups are asked.")
    p.add_argument("--max-steps", type=int, default=None,
                   help="Cap the training steps (STYLESPRINT_RETRAIN_MAX_STEPS) for a quick run.")
    p.add_argument("--again", action="store_true",
                   help="Then retrain once more on the same feedback: the serving version's "
                        "figures are then in the eval cache, as in a weekly run.")
    p.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        child(args.child, args.force)
        return 0
    sizes = ([args.feedback or args.n] if (args.feedback or args.n)
             else [int(s) for s in args.sizes.split(",") if s.strip()])
    env = os.environ.copy()
    if args.max_steps:
        env["STYLESPRINT_RETRAIN_MAX_STEPS"] = str(args.max_steps)
    results = [run for n in sizes for run in one_size(n, env, args.source, args.seed, args.again)]

    from qa_engine.settings import Settings

    settings = Settings(_env_file=None,
                        retrain={"max_steps": args.max_steps} if args.max_steps else {})
    sizing = ("base_sample", "synthetic_replay", "feedback_repeat", "field_sample")
    doc = report("retrain", {"runs": results, "source": args.source,
                             "retrain": {k: getattr(settings.retrain, k) for k in sizing},
                             "retrain_epochs": settings.retrain.epochs,
                             "retrain_max_steps": settings.retrain.max_steps}, settings)
    rows = [[r["feedback_answers"], r["counts"].get("examples"), r["counts"].get("train_examples"),
             r["counts"].get("train_steps"), r["wall_s"], r["peak_tree_rss_mb"], r["status"]]
            for r in results]
    print(table(rows, ("feedback", "examples", "train examples", "steps", "wall s",
                       "peak RSS MiB", "outcome")))
    print()
    print(phase_table(results))
    for r in results:
        print(f"{r['feedback_answers']}, {r['run']}: seeded {r['seeded']}; load average "
              f"{r['load_average']['before']} -> {r['load_average']['after']}; "
              f"CPU s {r['cpu_s']}; {r['reason']}")
    m = doc["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, load average {m['load_average']}, "
          f"retrain epochs {settings.retrain.epochs}, max steps {settings.retrain.max_steps}")
    write(doc, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
