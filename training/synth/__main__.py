"""`python -m training.synth --n 20000 --seed 0 --out synth.jsonl`: write synthetic QA."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from training.datasets import write_jsonl
from training.synth.generator import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m training.synth",
        description="Generate synthetic extractive-QA examples over fictional stores "
        "(project JSONL; deterministic for a seed).",
    )
    parser.add_argument("--n", type=int, default=20000, help="number of examples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="output .jsonl path")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")
    started = time.perf_counter()
    records = generate(args.n, args.seed)
    write_jsonl(records, args.out)
    unanswerable = sum(1 for r in records if not r["answer_text"])
    print(f"wrote {len(records)} examples ({unanswerable / len(records):.1%} unanswerable) "
          f"to {args.out} in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
