"""Fit the rule that decides which new question a verified answer is served to.

    python -m training.verified_match [--realqa ../shared/data/realqa] [--out FILE]
        [--max-near-miss 0.02] [--features-cache runs/vm_parts.npz] [--json]

Pairs (verified question with its passage and span, new question), each labelled:

- **the field test's fit half** (`training/verified_match_field.py`): agents' own
  phrasings of one question are paraphrases; questions of the half's other groups are
  near misses. The held half is never read here: `python -m bench.learning` teaches and
  asks only its groups.
- **dev split** (`training/data/stylesprint_dev.jsonl`): two questions of one fact are
  paraphrases (serving is right); two of one section or product about different facts are
  near misses (`training.verified_threshold.question_pairs`). The knowledge base of the
  retrieval features is the split's distinct passages.
- **real QA** (`../shared/data/realqa`, read in place, never copied): questions about one
  passage with the same answer are paraphrases of one fact; questions about one passage
  with different answers are near misses (the hardest kind: same passage, same words).
  The knowledge base is the file's sampled passages.

Only pairs serving would ask the rule about are kept (question cosine >= the verified
index's `PREFILTER`). The features are `qa_engine.retrieve.verified_match.features`, computed with
the project's embedder and the shipped reader as the serving side computes them (one
reader pass per new question and verified passage: about half an hour on two cores for
every source, hence `--features-cache`). A scikit-learn `HistGradientBoostingClassifier`
(a well-kept, deterministic fitter: no reason to write one) is fitted on every pair, the
field half weighing as much as the other sources together (`fit_trees`). The serving
threshold is the lowest probability at which the field half's near misses, scored out of
fold (the rule refitted without each fifth of them), are served at most
`--max-near-miss`. Figures per source (paraphrases served, near misses captured) are
printed in sample, with the source left out of the fit, and out of fold; the trees are
written as plain JSON to `qa_engine/retrieve/assets/verified_match.json` (`to_rule`).
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

from qa_engine.retrieve.verified_index import PREFILTER
from qa_engine.retrieve.verified_match import (
    RULE_FILE,
    MatchRule,
    Tree,
    features,
    key_conflict,
    reading,
)
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
    span_start: list[int] = field(default_factory=list)  # the span's offset in its passage
    #: what retrieval embeds of each passage (the KB stores "title | section | text");
    #: empty = the passages themselves
    passage_keys: list[str] = field(default_factory=list)
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
        src.span_start.append(int(row.get("answer_start", ctx.find(str(row["answer_text"])))))
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
            src.span_start.append(int(q["answers"][0].get("answer_start", -1)))
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


FIELD_FIT = "field test (fit half)"  # training.verified_match_field.field_source("fit")
Read = Callable[[str, str], list[Any]]  # (question, passage text) -> the reader's n-best


def pair_features(src: Source, embed: Callable[[Sequence[str]], Any], read: Read,
                  prefilter: float = PREFILTER) -> tuple[np.ndarray, np.ndarray, list[bool]]:
    """X (features), y (labels) and, per pair, whether the key-token veto refuses it.

    Only pairs that serving would ask the rule about: question cosine >= `PREFILTER`.
    """
    qv = np.asarray(embed(src.questions), dtype=np.float32)
    pv = np.asarray(embed(src.passage_keys or src.passages), dtype=np.float32)
    qq, qp = qv @ qv.T, qv @ pv.T
    spans: dict[tuple[int, int], list[Any]] = {}  # the reader's n-best, per question and passage
    rows, labels, vetoed = [], [], []
    for v, n, label in src.pairs:
        if qq[v, n] < prefilter:
            continue
        pid = src.passage_of[v]
        scores = qp[n].copy()
        own = float(scores[pid])
        scores[pid] = -1.0
        best_other = float(scores.max()) if len(scores) > 1 else 0.0
        if (n, pid) not in spans:
            spans[(n, pid)] = read(src.questions[n], src.passages[pid])
        start = src.span_start[v]
        read_n = reading(spans[(n, pid)], start, start + len(src.span[v]), src.span[v])
        rows.append(features(src.questions[n], src.questions[v], src.span[v],
                             src.passages[pid], float(qq[v, n]), own, best_other, read_n))
        labels.append(label)
        vetoed.append(key_conflict(src.questions[n], src.questions[v], src.span[v]))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels), vetoed


def rates(prob: np.ndarray, y: np.ndarray, vetoed: Sequence[bool], t: float,
          ) -> dict[str, Any]:
    served = (prob >= t) & ~np.asarray(vetoed, dtype=bool)
    para, miss = y == 1, y == 0
    return {"paraphrase_pairs": int(para.sum()), "near_miss_pairs": int(miss.sum()),
            "paraphrases_served": round(float(served[para].mean()), 4) if para.any() else None,
            "near_misses_captured": round(float(served[miss].mean()), 4) if miss.any() else None,
            "near_miss_pairs_captured": int(served[miss].sum())}


Parts = dict[str, tuple[np.ndarray, np.ndarray, list[bool]]]


def fit_trees(parts: Parts, anchor: str | None = FIELD_FIT) -> Any:
    """A gradient-boosted tree ensemble on every pair of `parts`, deterministic. Classes
    are balanced within each source; the `anchor` source (agents' own questions, when
    present) weighs as much as all the others together, which share the rest equally."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = np.vstack([p[0] for p in parts.values()])
    y = np.concatenate([p[1] for p in parts.values()])
    others = [name for name in parts if name != anchor]
    w = []
    for name, (_, ys, _) in parts.items():
        share = (0.5 if others else 1.0) if name == anchor else (
            (0.5 if anchor in parts else 1.0) / len(others))
        pos, neg = max(1, int(ys.sum())), max(1, int((ys == 0).sum()))
        w.append(np.where(ys == 1, 0.5 / pos, 0.5 / neg) * share)
    return HistGradientBoostingClassifier(
        max_depth=3, max_iter=200, learning_rate=0.05, l2_regularization=1.0,
        early_stopping=False, random_state=0).fit(X, y, sample_weight=np.concatenate(w) * len(y))


def threshold_for(prob: np.ndarray, y: np.ndarray, vetoed: Sequence[bool],
                  max_near_miss: float) -> float:
    """The lowest probability at which at most `max_near_miss` of the near misses are
    served."""
    for t in np.round(np.arange(0.30, 1.0, 0.01), 2):
        if (rates(prob, y, vetoed, float(t))["near_misses_captured"] or 0.0) <= max_near_miss:
            return float(t)
    return 0.99


def to_rule(model: Any, threshold: float, fitted_on: str, X_check: np.ndarray) -> MatchRule:
    """The fitted ensemble as a `MatchRule` (plain JSON trees, evaluated without
    scikit-learn), checked to give scikit-learn's own probabilities."""
    trees = []
    for (predictor,) in model._predictors:  # one tree per boosting round (binary)
        nodes = predictor.nodes
        trees.append(Tree(
            feature=tuple(int(v) for v in nodes["feature_idx"]),
            threshold=tuple(float(v) for v in nodes["num_threshold"]),
            left=tuple(int(v) for v in nodes["left"]), right=tuple(int(v) for v in nodes["right"]),
            leaf=tuple(bool(v) for v in nodes["is_leaf"]),
            value=tuple(float(v) for v in nodes["value"])))
    rule = MatchRule(trees=tuple(trees), baseline=float(np.ravel(model._baseline_prediction)[0]),
                     threshold=threshold, fitted_on=fitted_on)
    mine = np.array([rule.probability(x) for x in X_check[:500]])
    theirs = model.predict_proba(X_check[:500])[:, 1]
    if not np.allclose(mine, theirs, atol=1e-6):
        raise RuntimeError("the exported trees do not reproduce scikit-learn's probabilities "
                           "(its tree layout changed?); pin scikit-learn or update to_rule")
    return rule


def run(parts: Parts, threshold_on: str, max_near_miss: float,
        folds: int = 5) -> tuple[MatchRule, dict[str, Any]]:
    """Fit on every source; the threshold is the one at which the `threshold_on` source's
    out-of-fold near misses (pairs split by verified question, `folds` folds) are served
    at most `max_near_miss`; figures per source in sample and with the source left out."""
    model = fit_trees(parts)
    Xt, yt, vt = parts[threshold_on]
    oof = np.zeros(len(yt))
    rng = np.random.default_rng(0)
    fold_of = rng.integers(0, folds, size=len(yt))
    for k in range(folds):
        m = fit_trees({**{n: p for n, p in parts.items() if n != threshold_on},
                       threshold_on: (Xt[fold_of != k], yt[fold_of != k],
                                      [v for v, f in zip(vt, fold_of, strict=True) if f != k])})
        oof[fold_of == k] = m.predict_proba(Xt[fold_of == k])[:, 1]
    threshold = threshold_for(oof, yt, vt, max_near_miss)
    figures: dict[str, Any] = {"threshold": threshold, "max_near_miss": max_near_miss,
                               "in_sample": {}, "left_out": {}, "out_of_fold": {
                                   threshold_on: rates(oof, yt, vt, threshold)}}
    for name, (X, y, vetoed) in parts.items():
        figures["in_sample"][name] = rates(model.predict_proba(X)[:, 1], y, vetoed, threshold)
        others = {k: v for k, v in parts.items() if k != name}
        if others:
            m = fit_trees(others)
            figures["left_out"][name] = rates(m.predict_proba(X)[:, 1], y, vetoed, threshold)
    fitted_on = ", ".join(f"{n} ({len(p[1])} pairs)" for n, p in parts.items())
    X_all = np.vstack([p[0] for p in parts.values()])
    return to_rule(model, threshold, fitted_on, X_all), figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEV)
    parser.add_argument("--realqa", type=Path, default=REALQA)
    parser.add_argument("--paragraphs", type=int, default=150,
                        help="paragraphs sampled per real-QA file")
    parser.add_argument("--max-near-miss", type=float, default=0.02,
                        help="share of the field fit half's near-miss pairs (out of fold) "
                             "the threshold may serve")
    parser.add_argument("--out", type=Path, default=RULE_FILE)
    parser.add_argument("--model", type=Path, default=None,
                        help="the reader to read with (default: the shipped one)")
    parser.add_argument("--features-cache", type=Path, default=None,
                        help="an .npz to reuse the sources' features from (and write to)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--embedding-model", default=None,
                        help="the embedder the bot serves with (default: the bundled MiniLM)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if "field_test" in args.data.parts or "field_test" in args.realqa.parts:
        parser.error("the field test's held half is never fitted on; its fit half is read "
                     "by itself")
    parts = load_parts(args)
    rule, figures = run(parts, FIELD_FIT, args.max_near_miss)
    args.out.write_text(json.dumps({**rule.to_json(), "figures": figures}) + "\n")
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"rule written to {args.out}: {len(rule.trees)} trees, threshold "
          f"{rule.threshold:.2f}")
    head = f"{'SOURCE':<28} {'PAIRS +/-':>11}  {'SERVED':>7} {'CAPTURED':>9}"
    for title, key in (("in sample", "in_sample"), ("source left out of the fit", "left_out"),
                       ("out of fold (the threshold's source)", "out_of_fold")):
        print(f"\n{title}\n{head}")
        by: dict[str, dict[str, Any]] = defaultdict(dict, figures[key])
        for name, r in by.items():
            print(f"{name:<28} {r['paraphrase_pairs']:>5}/{r['near_miss_pairs']:<5}  "
                  f"{r['paraphrases_served'] or 0:>7.1%} {r['near_misses_captured'] or 0:>8.2%}"
                  f" ({r['near_miss_pairs_captured']})")



def load_parts(args: argparse.Namespace) -> Parts:
    """Every source's features, computed with the serving embedder and reader (or read
    from `--features-cache`)."""
    cache = args.features_cache
    if cache is not None and cache.exists():
        data = np.load(cache, allow_pickle=False)
        names = [str(n) for n in data["names"]]
        return {n: (data[f"X{i}"], data[f"y{i}"], list(data[f"v{i}"]))
                for i, n in enumerate(names)}
    from qa_engine.read.reader import SpanReader
    from qa_engine.registry import SHIPPED_MODEL_DIR
    from qa_engine.retrieve.embedder import Embedder
    from qa_engine.settings.engine import bundled_minilm_path
    from qa_engine.types import Passage
    from training.verified_match_field import field_source

    # arguments, not Settings(): only the composition root (stylesprint/) reads the environment
    embedder = Embedder(args.embedding_model or bundled_minilm_path(), device=args.device)
    reader = SpanReader.from_model_dir(args.model or SHIPPED_MODEL_DIR, device=args.device)

    def read(question: str, passage: str) -> list[Any]:
        return reader.candidates(question, [Passage(id="p", text=passage, title="",
                                                    source="")])

    sources = [field_source("fit", sorted(embedder.vocabulary())), dev_source(args.data)]
    for name in REALQA_FILES:
        if (args.realqa / name).exists():
            sources.append(realqa_source(args.realqa / name, args.paragraphs))
    parts = {s.name: pair_features(s, embedder.embed, read) for s in sources}
    if cache is not None:
        arrays: dict[str, Any] = {"names": np.array(list(parts))}
        for i, (X, y, v) in enumerate(parts.values()):
            arrays.update({f"X{i}": X, f"y{i}": y, f"v{i}": np.array(v, dtype=bool)})
        np.savez(cache, **arrays)
    return parts


if __name__ == "__main__":
    main()
