"""`python -m bench.levers`: each speed lever measured on its own, against the shipped defaults.

Two kinds of lever:

* **reader internals** (no setting; measured in this process on the same
  retrieved passages): the adapter merged into the base weights at load time
  (what `SpanReader` does) against the PEFT wrapper left in place, and all of a
  question's windows in one batched forward pass against one pass per window.
  Reported: reader milliseconds per question and the share of questions whose
  answer (span or decline) is identical to the shipped configuration's.
* **settings** (environment variables an operator can set): each variant runs
  `bench.latency` (warm `ask` p50/p95, resident memory) and `bench.speed_gate`
  (reader dev F1 with decline applied, answer-in-top-k retrieval hit rate) in
  fresh processes against one shared, already ingested data directory, so every
  row differs from the baseline row in exactly one setting.

A lever is worth taking only if it saves time and costs at most 1 point of dev
F1 (`docs/experiments.md`, "Speed", has the table this prints).

    python -m bench.levers --out bench/results/levers.json
    python -m bench.levers --n 100 --skip-settings      # quick: reader internals only
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

from bench.common import dev_questions, parser, quiet, report, stats, table, write

#: (name, environment) of every settings variant; the first is the baseline.
SETTING_VARIANTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("defaults (fp32, 256-token windows, 2 threads, cache on)", {}),
    ("torch threads 1", {"STYLESPRINT_TORCH_THREADS": "1"}),
    ("OMP wait policy ACTIVE (default PASSIVE)", {"STYLESPRINT_OMP_WAIT_POLICY": "ACTIVE"}),
    ("reader int8", {"STYLESPRINT_READER_INT8": "true"}),
    ("embedder int8 (questions)", {"STYLESPRINT_EMBEDDER_INT8": "true"}),
    ("reader + embedder int8", {"STYLESPRINT_READER_INT8": "true",
                                "STYLESPRINT_EMBEDDER_INT8": "true"}),
    ("windows 192 / stride 48", {"STYLESPRINT_MAX_SEQ_LENGTH": "192",
                                 "STYLESPRINT_DOC_STRIDE": "48"}),
    ("windows 128 / stride 32", {"STYLESPRINT_MAX_SEQ_LENGTH": "128",
                                 "STYLESPRINT_DOC_STRIDE": "32"}),
    ("question cache off", {"STYLESPRINT_QUESTION_CACHE_SIZE": "0"}),
)


def _timed_reads(reader: Any, work: list[tuple[str, list[Any]]]) -> tuple[list[float], list[Any]]:
    times, answers = [], []
    for question, passages in work:
        t0 = time.perf_counter()
        result = reader.run(question, passages)
        times.append((time.perf_counter() - t0) * 1000)
        answers.append(result.best.text if result.answered and result.best else None)
    return times, answers


def reader_internals(data_dir: Path, n: int) -> list[dict[str, Any]]:
    """Merged vs unmerged adapter, batched vs per-window forward passes, same passages."""
    from dataclasses import replace

    from qa_engine.pipeline import AnswerEngine
    from qa_engine.read.reader import load_qa_model
    from qa_engine.settings import Settings

    settings = Settings(data_dir=data_dir)
    engine = AnswerEngine.from_settings(settings)
    engine.warm_up()
    shipped = engine.reader
    work = [(row["question"], [r.passage for r in engine.retriever.run(row["question"])])
            for row in dev_questions(n=n)]
    for question, passages in work[:10]:  # warm the kernels before anything is timed
        shipped.run(question, passages)

    rows = []
    base_times, base_answers = _timed_reads(shipped, work)
    rows.append(("adapter merged, windows batched (shipped)", base_times, base_answers))

    unmerged = type(shipped)(shipped.model_dir, shipped.base_model, shipped.config,
                             threshold=shipped.threshold_override,
                             model_version=shipped.model_version)
    # the same tokenizer and calibration, only the model left unmerged (no second merged load)
    unmerged._model = load_qa_model(shipped.model_dir, shipped.base_model, merge=False)
    unmerged._tokenizer, unmerged.calibration = shipped._tokenizer, shipped.calibration
    rows.append(("adapter not merged (PEFT wrapper at inference)", *_timed_reads(unmerged, work)))

    per_window = type(shipped)(shipped.model_dir, shipped.base_model,
                               replace(shipped.config, batch_size=1),
                               threshold=shipped.threshold_override,
                               model_version=shipped.model_version)
    per_window._model, per_window._tokenizer = shipped._model, shipped._tokenizer
    per_window.calibration = shipped.calibration
    rows.append(("one forward pass per window", *_timed_reads(per_window, work)))

    return [{"lever": name, "read_ms": stats(times),
             "same_answer_as_shipped": round(
                 sum(a == b for a, b in zip(answers, base_answers, strict=True)) / len(work), 4)}
            for name, times, answers in rows]


def _child(module: str, args: list[str], env: dict[str, str], out: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", module, *args, "--out", str(out)],
                          env={**os.environ, **env}, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} with {env} failed:\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def setting_variants(data_dir: Path, n: int, tmp: Path) -> list[dict[str, Any]]:
    results = []
    for i, (name, env) in enumerate(SETTING_VARIANTS):
        lat = _child("bench.latency", ["--n", str(n), "--cold-runs", "0",
                                       "--data-dir", str(data_dir)], env, tmp / f"lat{i}.json")
        gate = _child("bench.speed_gate", ["--data-dir", str(data_dir)], env,
                      tmp / f"gate{i}.json")
        results.append({
            "lever": name, "env": env,
            "ask_ms": lat["warm_ms"]["ask"], "read_ms": lat["warm_ms"]["read"],
            "retrieve_ms": lat["warm_ms"]["retrieve"],
            "repeated_question_ms": lat["warm_ms"]["ask_repeated_question"],
            "rss_mb": lat["process_memory"].get("rss_mb"),
            "model_version": gate["reader"]["model_version"],
            "reader_f1": gate["reader"]["f1"],
            "unanswerable_declined": gate["reader"].get("unanswerable_declined"),
            "hit_rate": (gate["retrieval"] or {}).get("hit_rate"),
        })
        print(f"  measured: {name}", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0], default_n=300)
    p.add_argument("--skip-settings", action="store_true",
                   help="Only the reader internals (merge, batching).")
    p.add_argument("--skip-internals", action="store_true", help="Only the settings variants.")
    args = p.parse_args(argv)
    quiet()
    figures: dict[str, Any] = {"questions": args.n}
    with tempfile.TemporaryDirectory(prefix="bench-levers-") as tmp:
        data_dir = Path(tmp) / "data"
        if not args.skip_internals:
            figures["reader_internals"] = reader_internals(data_dir, args.n)
        if not args.skip_settings:
            if not data_dir.exists():  # ingest once, so no variant pays for it
                _child("bench.latency", ["--n", "1", "--warmup", "0", "--cold-runs", "0",
                                         "--data-dir", str(data_dir)], {},
                       Path(tmp) / "ingest.json")
            figures["settings"] = setting_variants(data_dir, args.n, Path(tmp))
    doc = report("levers", figures)

    if "reader_internals" in figures:
        print(f"\nreader internals ({args.n} dev questions, top-3 retrieved passages each)")
        print(table([[r["lever"], r["read_ms"]["p50"], r["read_ms"]["p95"],
                      r["same_answer_as_shipped"]] for r in figures["reader_internals"]],
                    ("lever", "read p50 ms", "read p95 ms", "same answer")))
    if "settings" in figures:
        print(f"\nsettings, one at a time (ask over {args.n} dev questions; F1 over all dev)")
        print(table([[r["lever"], r["ask_ms"]["p50"], r["ask_ms"]["p95"],
                      r["repeated_question_ms"]["p50"], r["rss_mb"], r["reader_f1"],
                      r["unanswerable_declined"], r["hit_rate"]] for r in figures["settings"]],
                    ("lever", "ask p50", "ask p95", "repeat p50", "rss MiB", "reader F1",
                     "unans. declined", "top-k hit")))
    m = doc["machine"]
    print(f"\n{m['cpu']}, {m['cores']} cores, load average {m['load_average']}")
    write(doc, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
