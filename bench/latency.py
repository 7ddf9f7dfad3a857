"""`python -m bench.latency`: warm `ask` latency, cold start to first answer, resident memory.

Warm: one engine (built exactly as `stylesprint ask` / the bot build it, from
settings, so every speed setting in the environment applies) answers the dev
questions one after another; `Answer.timings_ms` splits each into retrieval
(clean + embed + Chroma query) and reading (tokenise + reader forward + decode),
`latency_ms` is the whole `ask`. Cold: a fresh Python process is started against
the same data directory (knowledge base already ingested, as after a restart) and
timed from its creation to its first answer; it also reports its resident memory
after 50 more questions, which is the engine's share of a serving process.

Examples:
    python -m bench.latency --n 100                   # quick
    python -m bench.latency --out bench/results/latency.json
    STYLESPRINT_READER_INT8=true python -m bench.latency --n 300
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

from bench.common import (
    STATS_HEADERS,
    Stopwatch,
    dev_questions,
    memory_mb,
    parser,
    quiet,
    report,
    stats,
    stats_rows,
    table,
    write,
)

FIRST_QUESTION = "What is the return window for online orders?"


def build_engine(data_dir: Path) -> tuple[Any, Any]:
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.settings import Settings

    settings = Settings(data_dir=data_dir)
    return settings, AnswerEngine.from_settings(settings)


def warm_run(data_dir: Path, n: int | None, warmup: int) -> dict[str, Any]:
    with Stopwatch() as sw:
        settings, engine = build_engine(data_dir)
        engine.warm_up()  # a fresh data directory also ingests the demo KB here
    rows = dev_questions(n=n)
    for row in rows[:warmup]:
        engine.ask(row["question"])
    engine.retriever.cache.clear()  # the measured pass starts with nothing cached
    retrieve, read, total, answered = [], [], [], 0
    for row in rows:
        answer = engine.ask(row["question"])
        retrieve.append(answer.timings_ms["retrieve"])
        read.append(answer.timings_ms["read"])
        total.append(answer.latency_ms)
        answered += answer.answered
    repeated = []  # the same questions again: the question-embedding cache answers
    for row in rows[: min(len(rows), 100)]:
        repeated.append(engine.ask(row["question"]).latency_ms)
    return {
        "settings_obj": settings,
        "build_and_warm_up_s": round(sw.ms / 1000, 2),
        "questions": len(rows),
        "answered_share": round(answered / max(1, len(rows)), 3),
        "model_version": engine.model_version,
        "warm_ms": {"retrieve": stats(retrieve), "read": stats(read), "ask": stats(total),
                    "ask_repeated_question": stats(repeated)},
        "process_memory": memory_mb(),
    }


def cold_child(data_dir: Path, asks: int) -> None:
    """Runs in the child: report phase times (from process creation) and memory as JSON."""
    import psutil

    created = psutil.Process().create_time()
    quiet()
    import torch  # noqa: F401  (the import is part of the cold start)

    from qa_engine.pipeline import AnswerEngine

    imported = time.time()
    settings, engine = build_engine(data_dir)
    engine.warm_up()
    warmed = time.time()
    first = engine.ask(FIRST_QUESTION)
    answered = time.time()
    for row in dev_questions(n=asks):
        engine.ask(row["question"])
    print(json.dumps({
        "imports_s": round(imported - created, 2),
        "build_and_warm_up_s": round(warmed - imported, 2),
        "first_ask_ms": round(first.latency_ms, 1),
        "to_first_answer_s": round(answered - created, 2),
        "memory": memory_mb(),
        "asked_after_first": asks,
        "engine_class": AnswerEngine.__name__,
    }))


def cold_runs(data_dir: Path, runs: int, asks: int) -> list[dict[str, Any]]:
    results = []
    for _ in range(runs):
        started = time.time()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.latency", "--cold-child", "--data-dir", str(data_dir),
             "--n", str(asks)],
            capture_output=True, text=True, check=False, env=os.environ.copy(),
        )
        if proc.returncode != 0:
            raise RuntimeError(f"cold-start child failed:\n{proc.stderr[-3000:]}")
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
        figures["spawn_to_exit_s"] = round(time.time() - started, 2)
        results.append(figures)
    return results


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0], default_n=None)
    p.add_argument("--warmup", type=int, default=10, help="Unmeasured questions first.")
    p.add_argument("--cold-runs", type=int, default=3, help="Cold starts to time (0 = none).")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="Data directory (default: a fresh temporary one with the demo KB).")
    p.add_argument("--cold-child", action="store_true", help=argparse_hidden())
    args = p.parse_args(argv)
    if args.cold_child:
        cold_child(args.data_dir, args.n or 50)
        return 0
    quiet()
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        warm = warm_run(data_dir, args.n, args.warmup)
        settings = warm.pop("settings_obj")
        cold = cold_runs(data_dir, args.cold_runs, 50)
    doc = report("latency", {**warm, "cold_start": cold}, settings)

    print(f"warm ask over {warm['questions']} dev questions "
          f"(model {warm['model_version']}, answered {warm['answered_share']:.0%})")
    print(table(stats_rows(warm["warm_ms"]), STATS_HEADERS))
    mem = warm["process_memory"]
    print(f"\nthis process: rss {mem.get('rss_mb')} MiB, peak {mem.get('peak_rss_mb')} MiB")
    if cold:
        rows = [[i + 1, c["imports_s"], c["build_and_warm_up_s"], c["first_ask_ms"],
                 c["to_first_answer_s"], c["memory"].get("rss_mb")] for i, c in enumerate(cold)]
        print("\ncold start (fresh process, KB already ingested)")
        print(table(rows, ("run", "imports s", "load+warm s", "first ask ms",
                           "to first answer s", "rss MiB")))
    m = doc["machine"]
    print(f"\n{m['cpu']}, {m['cores']} cores, torch threads {m['torch_threads']}, "
          f"load average {m['load_average']}")
    write(doc, args.out)
    return 0


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    raise SystemExit(main())
