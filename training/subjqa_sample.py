"""`python -m training.subjqa_sample --out runs/subjqa_mix1400.csv`: a seeded SubjQA mix.

Review QA for training: a fixed number of rows from each SubjQA train split in
`../shared/data/subjqa/` (read there, never copied into the repository), shuffled with
a seed, written as one CSV in SubjQA's own columns so `stylesprint train --data` reads
it like any SubjQA file. The default mix is the one shipped-0.5 was trained on.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

DEFAULT_MIX = (("electronics", 700), ("grocery", 250), ("restaurants", 250), ("tripadvisor", 200))


def sample(data_dir: Path, mix: tuple[tuple[str, int], ...] = DEFAULT_MIX,
           seed: int = 0) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows): `n` seeded rows of each `<domain>-train.csv`."""
    header: list[str] = []
    rows: list[dict[str, str]] = []
    for domain, n in mix:
        path = data_dir / f"{domain}-train.csv"
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or header)
            split = list(reader)
        random.Random(seed).shuffle(split)
        rows += split[:n]
    return header, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.subjqa_sample",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data/subjqa"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        header, rows = sample(args.data_dir, seed=args.seed)
    except OSError as exc:
        print(f"error: cannot read SubjQA from {args.data_dir}: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} SubjQA rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
