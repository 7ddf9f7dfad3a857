"""`python -m bench.verified`: what verified answers cost a question, and how fast a fix shows.

One engine built from settings (as `stylesprint ask` / the bot build it) over a fresh data
directory with the demo KB. `--n` dev questions are verified (logged, corrected with the
first words of their top passage, verified through `verify_correction`, as the bot does),
then timed:

- `lookup, unchanged table`: the per-question check when nothing changed (one aggregate
  query + one nearest-neighbour query of the in-memory index);
- `ask, verified hit` vs `ask, reader` (dev questions not verified, same engine);
- `new correction -> served`: from storing one more correction (another `Records`
  connection, as another process) to the next ask being answered from it.

Examples:
    python -m bench.verified --n 200
    python -m bench.verified --n 500 --out bench/results/verified.json
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import (
    STATS_HEADERS,
    dev_questions,
    parser,
    quiet,
    report,
    stats,
    stats_rows,
    table,
    write,
)


def _verify(records: Any, engine: Any, question: str) -> None:
    """Log the engine's answer and correct it with the start of the top passage."""
    from qa_engine.corrections import ChromaPassages
    from qa_engine.retrieve.verified_index import verify_correction

    answer = engine.ask(question)
    answer_id = records.log_answer(answer, surface="command")
    top = engine.retriever.run(question, top_k=1)[0].passage
    cid = records.add_correction(answer_id, "UBENCH", " ".join(top.text.split()[:6]))
    verify_correction(records, cid, ChromaPassages(engine.retriever.collection))


def run(data_dir: Path, n: int) -> dict[str, Any]:
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.records import Records
    from qa_engine.settings import Settings

    settings = Settings(data_dir=data_dir)
    engine = AnswerEngine.from_settings(settings)
    engine.warm_up()
    assert engine.verified is not None, "STYLESPRINT_VERIFIED_ANSWERS is off"
    other = Records(settings.resolved_database_url)  # "another process"
    rows = dev_questions(n=2 * n + 1)
    verified_qs = list(dict.fromkeys(r["question"] for r in rows[:n]))
    plain_qs = [r["question"] for r in rows[n:2 * n] if r["question"] not in verified_qs]
    for q in verified_qs:
        _verify(other, engine, q)
    engine.ask(verified_qs[0])  # the index syncs once
    lookup, hit, plain, hits = [], [], [], 0
    for q in verified_qs:
        t = time.perf_counter()
        engine.verified.lookup(q)
        lookup.append((time.perf_counter() - t) * 1000)
        answer = engine.ask(q)
        hits += answer.verified is not None
        hit.append(answer.latency_ms)
    for q in plain_qs:
        plain.append(engine.ask(q).latency_ms)
    last = rows[-1]["question"]
    t = time.perf_counter()
    _verify(other, engine, last)
    served = engine.ask(last)
    fix_ms = (time.perf_counter() - t) * 1000
    other.close()
    return {"settings_obj": settings, "verified_questions": len(verified_qs),
            "served_from_verified_share": round(hits / max(1, len(verified_qs)), 3),
            "threshold": settings.engine.verified_threshold,
            "ms": {"lookup, unchanged table": stats(lookup), "ask, verified hit": stats(hit),
                   "ask, reader": stats(plain)},
            "new_correction_to_served_ms": round(fix_ms, 1),
            "new_correction_served": served.verified is not None}


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0], default_n=200)
    args = p.parse_args(argv)
    quiet()
    with tempfile.TemporaryDirectory(prefix="bench-verified-") as tmp:
        figures = run(Path(tmp), args.n)
    settings = figures.pop("settings_obj")
    doc = report("verified", figures, settings)
    print(f"{figures['verified_questions']} verified questions, threshold "
          f"{figures['threshold']}; asked again, {figures['served_from_verified_share']:.0%} "
          "served from the verified answer")
    print(table(stats_rows(figures["ms"]), STATS_HEADERS))
    print(f"\nnew correction (other connection) -> next ask served from it: "
          f"{figures['new_correction_to_served_ms']} ms "
          f"({'served' if figures['new_correction_served'] else 'NOT served'}; includes the "
          "first ask, locating and one embedding)")
    write(doc, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
