"""Calibrate `STYLESPRINT_VERIFIED_THRESHOLD` on the paraphrase groups of the dev split.

    python -m training.verified_threshold [--data training/data/stylesprint_dev.jsonl] [--json]

A verified answer is served to a new question whose embedding (the project's embedder,
as qa_engine/retrieve/verified_index.py uses it) is at least the threshold similar to the verified
question. In the dev split every question has a `group`: `<doc>/<section>/<fact>` for a
policy fact (`~<other section>` marks the same question asked against a distractor
passage), `<sku>/<attribute>` for a product. Two questions of one fact are paraphrases:
serving one's verified answer to the other is right. Two questions of one section (or one
product) about different facts are near misses ("how long is the return window" vs. "who
pays return shipping"): serving would be wrong, and these pairs are the hardest wrong
captures there are. For each threshold the command prints the share of paraphrase pairs
captured (recall) and of near-miss pairs captured (wrong answers served), and recommends
the lowest threshold whose near-miss capture is at most `--max-near-miss` (default 0.1%).
The held-out field test (training/data/field_test) is never read.
"""

from __future__ import annotations

import argparse
import json
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

DEV = Path(__file__).parent / "data" / "stylesprint_dev.jsonl"


def fact_and_topic(group: str) -> tuple[str, str]:
    """("returns/online/f1", "returns/online") of a dev `group` (distractor suffix dropped)."""
    fact = group.split("~", 1)[0]
    return fact, fact.rsplit("/", 1)[0]


def question_pairs(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[int, int]],
                                                        list[tuple[int, int]]]:
    """Distinct questions, paraphrase pairs and near-miss pairs (indices into the questions)."""
    seen: dict[tuple[str, str], int] = {}
    facts: list[tuple[str, str]] = []
    questions: list[str] = []
    for row in rows:
        fact, topic = fact_and_topic(str(row["group"]))
        key = (fact, " ".join(str(row["question"]).casefold().split()))
        if key not in seen:
            seen[key] = len(questions)
            questions.append(str(row["question"]))
            facts.append((fact, topic))
    same, near = [], []
    for i, j in combinations(range(len(questions)), 2):
        if facts[i][0] == facts[j][0]:
            same.append((i, j))
        elif facts[i][1] == facts[j][1]:
            near.append((i, j))
    return questions, same, near


def calibrate(rows: list[dict[str, Any]], embed: Any, *, max_near_miss: float = 0.001,
              thresholds: np.ndarray | None = None) -> dict[str, Any]:
    """The figures for each threshold and the recommended one (see the module docstring)."""
    questions, same, near = question_pairs(rows)
    vectors = np.asarray(embed(questions), dtype=np.float32)
    sims = vectors @ vectors.T
    para = np.array([sims[i, j] for i, j in same])
    miss = np.array([sims[i, j] for i, j in near])
    grid = thresholds if thresholds is not None else np.round(np.arange(0.70, 1.0, 0.01), 2)
    table = [{"threshold": float(t), "paraphrase_recall": float((para >= t).mean()),
              "near_miss_captured": float((miss >= t).mean()),
              "near_miss_pairs_captured": int((miss >= t).sum())} for t in grid]
    ok = [r for r in table if r["near_miss_captured"] <= max_near_miss]
    return {"questions": len(questions), "paraphrase_pairs": len(same),
            "near_miss_pairs": len(near), "max_near_miss": max_near_miss,
            "recommended": ok[0]["threshold"] if ok else None, "table": table}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--max-near-miss", type=float, default=0.001)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--embedding-model", default=None,
                        help="the embedder the bot serves with (default: the bundled MiniLM)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if "field_test" in args.data.parts:
        parser.error("the field test is held out: calibrate on the dev split")
    from qa_engine.retrieve.embedder import Embedder
    from qa_engine.settings import bundled_minilm_path

    # arguments, not Settings(): only the composition root (stylesprint/) reads the environment
    embedder = Embedder(args.embedding_model or bundled_minilm_path(), device=args.device)
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    result = calibrate(rows, embedder.embed, max_near_miss=args.max_near_miss)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['questions']} questions: {result['paraphrase_pairs']} paraphrase pairs, "
          f"{result['near_miss_pairs']} near-miss pairs (same section or product, other fact)")
    print(f"{'THRESHOLD':>9}  {'PARAPHRASES SERVED':>18}  {'NEAR MISSES SERVED':>18}")
    for r in result["table"]:
        print(f"{r['threshold']:>9.2f}  {r['paraphrase_recall']:>18.1%}  "
              f"{r['near_miss_captured']:>12.2%} ({r['near_miss_pairs_captured']:>3})")
    print(f"recommended (near misses <= {args.max_near_miss:.1%}): {result['recommended']}")


if __name__ == "__main__":
    main()
