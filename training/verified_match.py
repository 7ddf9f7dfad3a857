"""Fit the rule that decides which new question a verified answer is served to.

    python -m training.verified_match [--realqa ../shared/data/realqa] [--out FILE] [--json]

Pairs (verified question with its passage and span, new question), each labelled:

- **dev split** (`training/data/stylesprint_dev.jsonl`): two questions of one fact are
  paraphrases (serving is right); two of one section or product about different facts are
  near misses (`training.verified_threshold.question_pairs`). The knowledge base of the
  retrieval features is the split's distinct passages.
- **real QA** (`../shared/data/realqa`, read in place, never copied): questions about one
  passage with the same answer are paraphrases of one fact; questions about one passage
  with different answers are near misses (the hardest kind: same passage, same words).
  The knowledge base is the file's sampled passages.

The features are `qa_engine.retrieve.verified_match.features`, computed with the project's embedder
as the serving side computes them. A scikit-learn `LogisticRegression` (balanced classes;
a well-kept, deterministic fitter: no reason to write one) is fitted on every pair of every
source; the serving threshold is the lowest probability at which the dev split (agents'
questions about a StyleSprint-like help centre, the closest source to what the bot
serves) captures at most `--max-near-miss` of its near misses; the real-QA sources'
captures at that threshold are reported beside it (their near misses are same-passage
pairs, harder than any the bot meets, and PolicyQA and RCRC questions are fragments or
fixed wordings).
The figures per source (paraphrases served, near misses captured) are printed in-sample
and for each source with the rule fitted on the others (leave one source out). The field
test is never read here: `python -m bench.learning` measures the rule on it.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from qa_engine.retrieve.verified_match import FEATURES, RULE_FILE, MatchRule, features, key_conflict
from training.verified_threshold import DEV, fact_and_topic

REALQA = Path(__file__).resolve().parents[2] / "shared" / "data" / "realqa"
REALQA_FILES = ("squad2_train_first10.json", "squadshifts_amazon_train.json",
                "policyqa_dev.json", "rcrc_restaurant_train.json")


@dataclass
class Source:
    """Questions (with their passage and answer) and labelled pairs of one data source."""

    name: str
    questions: list[str] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)  # the source's knowledge base
    passage_of: list[int] = field(default_factory=list)  # question -> passage index
    span: list[str] = field(default_factory=list)  # "" = not servable (no answer)
    pairs: list[tuple[int, int, int]] = field(default_factory=list)  # (verified, new, label)


def dev_source(path: Path = DEV) -> Source:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    src = Source("dev split")
    pindex: dict[str, int] = {}
    facts: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        fact, topic = fact_and_topic(str(row["group"]))
        key = (fact, " ".join(str(row["question"]).casefold().split()))
        answered = bool(row.get("answer_text")) and "~" not in str(row["group"])
        if key in seen or not answered:
            continue
        seen.add(key)
        ctx = str(row["context"])
        src.passage_of.append(pindex.setdefault(ctx, len(pindex)))
        src.questions.append(str(row["question"]))
        src.span.append(str(row["answer_text"]))
        facts.append((fact, topic))
    src.passages = list(pindex)
    for i, j in combinations(range(len(src.questions)), 2):
        if facts[i][1] != facts[j][1]:
            continue
        label = int(facts[i][0] == facts[j][0])
        src.pairs += [(i, j, label), (j, i, label)]
    return src


def realqa_source(path: Path, max_paragraphs: int = 150, seed: int = 0) -> Source:
    """Same-passage pairs of a SQuAD-format file (see the module docstring)."""
    from training.evaluation.metrics import f1_score, normalize_answer

    data = json.loads(path.read_text())["data"]
    paragraphs = [p for art in data for p in art["paragraphs"]
                  if sum(bool(not q.get("is_impossible") and q["answers"]) for q in p["qas"]) >= 2]
    rng = random.Random(seed)
    paragraphs = rng.sample(paragraphs, min(max_paragraphs, len(paragraphs)))
    src = Source(path.stem)
    for p in paragraphs:
        base = len(src.questions)
        src.passages.append(p["context"])
        qas = [q for q in p["qas"] if not q.get("is_impossible") and q["answers"]]
        answers: list[list[str]] = []
        for q in qas:
            src.questions.append(q["question"])
            src.passage_of.append(len(src.passages) - 1)
            src.span.append(q["answers"][0]["text"])
            answers.append([a["text"] for a in q["answers"]])
        for a, b in combinations(range(len(qas)), 2):
            same = bool({normalize_answer(x) for x in answers[a]} &
                        {normalize_answer(x) for x in answers[b]})
            if " ".join(qas[a]["question"].split()) == " ".join(qas[b]["question"].split()):
                continue  # the same words (PolicyQA reuses its wordings): nothing to learn
            if same:
                label = 1
            elif max(f1_score(x, answers[b]) for x in answers[a]) < 0.2:
                label = 0
            else:
                continue  # overlapping answers: neither clearly right nor clearly wrong
            src.pairs += [(base + a, base + b, label), (base + b, base + a, label)]
    return src


def pair_features(src: Source, embed: Callable[[Sequence[str]], Any],
                  ) -> tuple[np.ndarray, np.ndarray, list[bool]]:
    """X (features), y (labels) and, per pair, whether the key-token veto refuses it."""
    qv = np.asarray(embed(src.questions), dtype=np.float32)
    pv = np.asarray(embed(src.passages), dtype=np.float32)
    qq, qp = qv @ qv.T, qv @ pv.T
    rows, labels, vetoed = [], [], []
    for v, n, label in src.pairs:
        pid = src.passage_of[v]
        scores = qp[n].copy()
        own = float(scores[pid])
        scores[pid] = -1.0
        best_other = float(scores.max()) if len(scores) > 1 else 0.0
        rows.append(features(src.questions[n], src.questions[v], src.span[v],
                             float(qq[v, n]), own, best_other))
        labels.append(label)
        vetoed.append(key_conflict(src.questions[n], src.questions[v]))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels), vetoed


def rates(prob: np.ndarray, y: np.ndarray, vetoed: Sequence[bool], t: float,
          ) -> dict[str, Any]:
    served = (prob >= t) & ~np.asarray(vetoed, dtype=bool)
    para, miss = y == 1, y == 0
    return {"paraphrase_pairs": int(para.sum()), "near_miss_pairs": int(miss.sum()),
            "paraphrases_served": round(float(served[para].mean()), 4) if para.any() else None,
            "near_misses_captured": round(float(served[miss].mean()), 4) if miss.any() else None,
            "near_miss_pairs_captured": int(served[miss].sum())}


def fit(parts: dict[str, tuple[np.ndarray, np.ndarray, list[bool]]], max_near_miss: float,
        threshold_on: Sequence[str] = ("dev split",)) -> tuple[Any, float]:
    """The fitted model and the lowest threshold at which each source of `threshold_on`
    (those present; all when none is) captures at most `max_near_miss` of its near
    misses."""
    from sklearn.linear_model import LogisticRegression

    X = np.vstack([p[0] for p in parts.values()])
    y = np.concatenate([p[1] for p in parts.values()])
    model = LogisticRegression(class_weight="balanced", C=1.0, max_iter=2000).fit(X, y)
    judged = [p for name, p in parts.items() if name in threshold_on] or list(parts.values())
    threshold = 0.99
    for t in np.round(np.arange(0.30, 1.0, 0.01), 2):
        if all((rates(model.predict_proba(Xs)[:, 1], ys, vs, float(t))["near_misses_captured"]
                or 0.0) <= max_near_miss for Xs, ys, vs in judged):
            threshold = float(t)
            break
    return model, threshold


def run(sources: list[Source], embed: Callable[[Sequence[str]], Any],
        max_near_miss: float) -> dict[str, Any]:
    parts = {s.name: pair_features(s, embed) for s in sources}
    model, threshold = fit(parts, max_near_miss)
    out: dict[str, Any] = {"threshold": threshold, "max_near_miss": max_near_miss,
                           "coef": [round(float(c), 5) for c in model.coef_[0]],
                           "intercept": round(float(model.intercept_[0]), 5),
                           "in_sample": {}, "left_out": {}, "cosine_0.92": {}}
    for name, (X, y, vetoed) in parts.items():
        out["in_sample"][name] = rates(model.predict_proba(X)[:, 1], y, vetoed, threshold)
        cos = np.where(X[:, 0] >= 0.92, 1.0, 0.0)  # the old rule, for comparison
        out["cosine_0.92"][name] = rates(cos, y, [False] * len(y), 0.5)
        others = {k: v for k, v in parts.items() if k != name}
        if others:
            m, t = fit(others, max_near_miss)
            out["left_out"][name] = {**rates(m.predict_proba(X)[:, 1], y, vetoed, t),
                                     "threshold": t}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--realqa", type=Path, default=REALQA)
    parser.add_argument("--paragraphs", type=int, default=150,
                        help="paragraphs sampled per real-QA file")
    parser.add_argument("--max-near-miss", type=float, default=0.005)
    parser.add_argument("--out", type=Path, default=RULE_FILE)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--embedding-model", default=None,
                        help="the embedder the bot serves with (default: the bundled MiniLM)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if "field_test" in args.data.parts or "field_test" in args.realqa.parts:
        parser.error("the field test is held out: fit on the dev split and real QA")
    from qa_engine.retrieve.embedder import Embedder
    from qa_engine.settings.engine import bundled_minilm_path

    # arguments, not Settings(): only the composition root (stylesprint/) reads the environment
    embedder = Embedder(args.embedding_model or bundled_minilm_path(), device=args.device)
    sources = [dev_source(args.data)]
    for name in REALQA_FILES:
        if (args.realqa / name).exists():
            sources.append(realqa_source(args.realqa / name, args.paragraphs))
    result = run(sources, embedder.embed, args.max_near_miss)
    fitted_on = ", ".join(f"{s.name} ({len(s.pairs)} pairs)" for s in sources)
    rule = MatchRule(coef=tuple(result["coef"]), intercept=result["intercept"],
                     threshold=result["threshold"], features=FEATURES, fitted_on=fitted_on)
    args.out.write_text(json.dumps({**rule.to_json(), "figures": {
        k: result[k] for k in ("in_sample", "left_out", "cosine_0.92")}}, indent=2) + "\n")
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"rule written to {args.out}: threshold {result['threshold']:.2f}, "
          f"coefficients {dict(zip(FEATURES, result['coef'], strict=True))}")
    head = f"{'SOURCE':<28} {'PAIRS +/-':>11}  {'SERVED':>7} {'CAPTURED':>9}"
    for title, key in (("in sample", "in_sample"), ("source left out of the fit", "left_out"),
                       ("old rule: cosine >= 0.92", "cosine_0.92")):
        print(f"\n{title}\n{head}")
        by: dict[str, dict[str, Any]] = defaultdict(dict, result[key])
        for name, r in by.items():
            print(f"{name:<28} {r['paraphrase_pairs']:>5}/{r['near_miss_pairs']:<5}  "
                  f"{r['paraphrases_served'] or 0:>7.1%} {r['near_misses_captured'] or 0:>8.2%}"
                  f" ({r['near_miss_pairs_captured']})")


if __name__ == "__main__":
    main()
