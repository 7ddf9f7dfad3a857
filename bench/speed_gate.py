"""`python -m bench.speed_gate`: what a speed setting costs in quality, before it is taken.

Two figures under the speed settings in the environment, to compare with the
same run without them:

* reader dev F1: every dev question read against its own passage by the reader
  `build_reader(settings)` serves (int8, window length... applied), scored with
  the calibration stored with the model (decline applied), as `stylesprint
  calibrate` reports it but without refitting or writing anything;
* retrieval hit rate: the share of answerable dev questions whose answer text is
  in one of the top-k passages the retriever returns (question embedder int8
  applied) from the demo knowledge base;
* end-to-end dev F1 (`--e2e`): every dev question asked of the whole engine
  (retrieval from the demo KB, reading, decline), scored against the gold answer
  (a decline is right exactly when the question is unanswerable).

A speed option is taken only if it costs at most 1 point of dev F1.

    python -m bench.speed_gate --out base.json
    STYLESPRINT_READER_INT8=true python -m bench.speed_gate --out int8.json
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import DEV_FILE, parser, quiet, report, table, write


def reader_f1(settings: Any, dev: Path, n: int | None) -> dict[str, Any]:
    from qa_engine.read.build import build_reader
    from training.calibrate import reader_metrics, score_examples
    from training.datasets import load_examples

    examples = load_examples(dev)[: n or None]
    reader = build_reader(settings)
    reader.warm_up()
    started = time.perf_counter()
    scores = score_examples(reader, examples)
    seconds = time.perf_counter() - started
    metrics = reader_metrics(scores, reader.calibration)
    return {"model_version": reader.model_version, "seconds": round(seconds, 1),
            "ms_per_question": round(1000 * seconds / max(1, len(examples)), 1), **metrics}


def retrieval_hits(settings: Any, dev: Path, n: int | None, e2e: bool) -> dict[str, Any]:
    from bench.common import dev_questions
    from qa_engine.pipeline import AnswerEngine
    from training.evaluation.metrics import f1_score

    engine = AnswerEngine.from_settings(settings)
    engine.warm_up()
    rows = dev_questions(dev, n)
    answerable = [r for r in rows if r.get("answer_text")]
    hits = 0
    for row in answerable:
        passages = engine.retriever.run(row["question"], top_k=settings.engine.top_k)
        answer = row["answer_text"].lower()
        hits += any(answer in p.passage.text.lower() for p in passages)
    out: dict[str, Any] = {"answerable_questions": len(answerable), "top_k": settings.engine.top_k,
                           "hit_rate": round(hits / max(1, len(answerable)), 4)}
    if e2e:
        scores = []
        for row in rows:
            answer = engine.ask(row["question"])
            if row.get("answer_text"):
                scores.append(f1_score(answer.span if answer.answered else "",
                                       [row["answer_text"]]))
            else:
                scores.append(0.0 if answer.answered else 1.0)
        out["e2e_f1"] = round(sum(scores) / max(1, len(scores)), 4)
    return out


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0], default_n=None)
    p.add_argument("--dev", type=Path, default=DEV_FILE)
    p.add_argument("--skip-retrieval", action="store_true")
    p.add_argument("--e2e", action="store_true", help="Also the end-to-end dev F1 (slower).")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="Data directory with the KB already ingested (default: a fresh one, "
                        "ingested with the embedder as configured).")
    args = p.parse_args(argv)
    quiet()
    from qa_engine.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bench-gate-") as tmp:
        settings = Settings(data_dir=args.data_dir or Path(tmp))
        if settings.engine.torch_threads:  # as the serving engine does
            import torch

            torch.set_num_threads(settings.engine.torch_threads)
        reader = reader_f1(settings, args.dev, args.n)
        retrieval = (None if args.skip_retrieval
                     else retrieval_hits(settings, args.dev, args.n, args.e2e))
    doc = report("speed_gate", {"dev": str(args.dev), "reader": reader,
                                "retrieval": retrieval}, settings)
    rows = [["reader F1", reader["f1"]], ["reader EM", reader["exact_match"]],
            ["answerable declined", reader.get("answerable_declined")],
            ["unanswerable declined", reader.get("unanswerable_declined")],
            ["reader ms/question", reader["ms_per_question"]]]
    if retrieval:
        rows.append([f"answer in top {retrieval['top_k']}", retrieval["hit_rate"]])
        if "e2e_f1" in retrieval:
            rows.append(["end-to-end F1", retrieval["e2e_f1"]])
    print(f"dev {args.dev.name}: {reader['examples']} questions, model {reader['model_version']}")
    print(table(rows, ("figure", "value")))
    print("settings:", {k: v for k, v in doc["settings"].items() if v not in (None, False)})
    write(doc, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
