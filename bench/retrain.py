"""`python -m bench.retrain`: wall time and peak memory of `retrain --now` for 100 and 1,000
feedback examples.

For each size a fresh data directory gets the shipped reader as its serving
version and a records database holding that many answers with agents' feedback,
logged through `Records` exactly as the bot logs them: answers to questions from
the shipped train split, 80% confirmed with 👍 (answered spans and confirmed
declines), 20% given a wrong span and then a correction naming the right one.
Then `training.retrain.run_retrain` (what `stylesprint retrain --now` calls) runs
in a child process with the retrain settings in the environment; the bench
polls the resident memory of that process and of the training child it starts,
and reports the peak of their sum.

    python -m bench.retrain                                # 100 and 1,000, full settings
    python -m bench.retrain --sizes 100 --max-steps 20     # quick
"""

from __future__ import annotations

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


def child(data_dir: Path) -> None:
    """Runs in the child process: one retrain, its outcome as JSON on the last line."""
    import resource

    from qa_engine.logs import quiet_libraries
    from qa_engine.settings import Settings
    from training.retrain import run_retrain

    quiet_libraries()
    outcome = run_retrain(Settings(data_dir=data_dir, _env_file=None), trigger="manual",
                          notify=lambda _o: None)
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"status": outcome.status, "reason": outcome.reason,
                      "counts": outcome.counts, "seconds": outcome.seconds,
                      "deltas": outcome.deltas,
                      "max_rss_mb": {"retrain_process": round(self_kb / 1024, 1),
                                     "training_child": round(child_kb / 1024, 1)}}))


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


def one_size(n: int, env: dict[str, str]) -> dict[str, Any]:
    from qa_engine.registry import ModelRegistry
    from qa_engine.settings import Settings

    with tempfile.TemporaryDirectory(prefix=f"bench-retrain-{n}-") as tmp:
        data_dir = Path(tmp)
        settings = Settings(data_dir=data_dir, _env_file=None)
        serving = ModelRegistry(settings.models_dir).current().name  # installs the shipped one
        seeded = seed_feedback(settings, n)
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "bench.retrain", "--child", str(data_dir)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.5)
        out, err = proc.communicate()
        wall = time.monotonic() - started
        if proc.returncode != 0:
            raise RuntimeError(f"retrain child failed ({proc.returncode}):\n{err[-3000:]}")
        outcome = json.loads(out.strip().splitlines()[-1])
    return {"feedback_answers": n, "seeded": seeded, "serving": serving,
            "wall_s": round(wall, 1), "peak_tree_rss_mb": round(peak, 1), **outcome}


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0], default_n=None)
    p.add_argument("--sizes", default="100,1000", help="Comma-separated feedback counts.")
    p.add_argument("--max-steps", type=int, default=None,
                   help="Cap the training steps (STYLESPRINT_RETRAIN_MAX_STEPS) for a quick run.")
    p.add_argument("--child", type=Path, default=None, help=__import__("argparse").SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        child(args.child)
        return 0
    sizes = [args.n] if args.n else [int(s) for s in args.sizes.split(",") if s.strip()]
    env = os.environ.copy()
    if args.max_steps:
        env["STYLESPRINT_RETRAIN_MAX_STEPS"] = str(args.max_steps)
    results = [one_size(n, env) for n in sizes]

    from qa_engine.settings import Settings

    settings = Settings(_env_file=None,
                        retrain={"max_steps": args.max_steps} if args.max_steps else {})
    doc = report("retrain", {"runs": results, "retrain_epochs": settings.retrain.epochs,
                             "retrain_max_steps": settings.retrain.max_steps}, settings)
    rows = [[r["feedback_answers"], r["counts"].get("examples"), r["counts"].get("train_examples"),
             r["counts"].get("train_steps"), r["wall_s"], r["peak_tree_rss_mb"], r["status"]]
            for r in results]
    print(table(rows, ("feedback", "examples", "train examples", "steps", "wall s",
                       "peak RSS MiB", "outcome")))
    for r in results:
        print(f"{r['feedback_answers']}: {r['reason']}")
    m = doc["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, load average {m['load_average']}, "
          f"retrain epochs {settings.retrain.epochs}, max steps {settings.retrain.max_steps}")
    write(doc, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
