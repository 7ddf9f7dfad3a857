"""Fitting the verified-answer matching rule (training/verified_match.py): pairs from dev
groups and from a SQuAD-format file, a fit with the real embedder, the field test refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qa_engine.retrieve.verified_match import FEATURES, MatchRule
from training.verified_match import (
    dev_source,
    fit_trees,
    main,
    pair_features,
    realqa_source,
    run,
)

RETURNS = "Online orders can be returned within 30 days for a refund. Return shipping is free."
SHIPPING = "We ship to Canada and Mexico. Express shipping costs $12."
DEV = [
    ("How long is the return window?", RETURNS, "30 days", "returns/window/f0"),
    ("How many days do I have to send an online order back?", RETURNS, "30 days",
     "returns/window/f0"),
    ("Who pays for return shipping?", RETURNS, "free", "returns/window/f1"),
    ("Is return postage on us?", RETURNS, "free", "returns/window/f1"),
    ("How much is express shipping?", SHIPPING, "$12", "shipping/cost/f0"),
    ("Is the dress in green?", SHIPPING, "", "shipping/cost/f0~other"),  # distractor: skipped
]
SQUAD = {"version": "v2.0", "data": [{"title": "t", "paragraphs": [{
    "context": "The band formed in 1990 in Houston. She left the band in 2001 to go solo.",
    "qas": [
        {"id": "a", "question": "When did the band form?", "is_impossible": False,
         "answers": [{"text": "1990", "answer_start": 16}]},
        {"id": "b", "question": "In what year was the band formed?", "is_impossible": False,
         "answers": [{"text": "1990", "answer_start": 16}]},
        {"id": "c", "question": "When did she leave the band?", "is_impossible": False,
         "answers": [{"text": "2001", "answer_start": 48}]},
        {"id": "d", "question": "Who is the drummer?", "is_impossible": True, "answers": []},
    ]}]}]}


def write_dev(path: Path) -> Path:
    with path.open("w") as fh:
        for q, c, a, g in DEV:
            fh.write(json.dumps({"question": q, "context": c, "answer_text": a,
                                 "answer_start": c.find(a) if a else -1, "group": g}) + "\n")
    return path


def test_pairs_are_labelled_from_groups_and_from_answers(tmp_path: Path) -> None:
    dev = dev_source(write_dev(tmp_path / "dev.jsonl"))
    assert len(dev.questions) == 5 and len(dev.passages) == 2
    labels = {(dev.questions[v], dev.questions[n]): y for v, n, y in dev.pairs}
    assert labels[(DEV[0][0], DEV[1][0])] == 1  # one fact: a paraphrase
    assert labels[(DEV[0][0], DEV[2][0])] == 0  # one section, another fact: a near miss
    assert (DEV[0][0], DEV[4][0]) not in labels  # another section: not a hard pair
    (tmp_path / "squad.json").write_text(json.dumps(SQUAD))
    real = realqa_source(tmp_path / "squad.json")
    labels = {(real.questions[v], real.questions[n]): y for v, n, y in real.pairs}
    assert labels[("When did the band form?", "In what year was the band formed?")] == 1
    assert labels[("When did the band form?", "When did she leave the band?")] == 0
    assert "Who is the drummer?" not in real.questions


def reads_with(engine: Any) -> Any:
    """The shipped reader's n-best for a question on one passage, as serving reads it."""
    from qa_engine.types import Passage

    return lambda q, text: engine.reader.candidates(q, [Passage(id="p", text=text, title="",
                                                                 source="")])


def test_pairs_get_the_readers_evidence_and_serving_prefilter(tmp_path: Path, embedder: Any,
                                                             engine: Any) -> None:
    (tmp_path / "squad.json").write_text(json.dumps(SQUAD))
    src = realqa_source(tmp_path / "squad.json")
    X, y, vetoed = pair_features(src, embedder.embed, reads_with(engine))
    assert X.shape[1] == len(FEATURES) and len(y) == len(vetoed) <= len(src.pairs)
    agree = X[:, FEATURES.index("span_agree")]
    assert ((0.0 <= agree) & (agree <= 1.0)).all()
    # "In what year was the band formed?" read on the paragraph lands on 1990, the span
    # verified for "When did the band form?": the reader agrees with the verified span
    assert (y == 1).any() and max(agree[y == 1]) == 1.0


def test_the_exported_trees_give_scikit_learns_probabilities(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, len(FEATURES)))
    y = (X[:, 0] + 0.5 * X[:, 8] - X[:, 6] > 0).astype(int)
    parts = {"a": (X[:200], y[:200], [False] * 200), "b": (X[200:], y[200:], [False] * 200)}
    rule, figures = run(parts, "a", max_near_miss=0.05, folds=2)
    model = fit_trees(parts)
    want = model.predict_proba(X[:50])[:, 1]
    got = np.array([rule.probability(x) for x in X[:50]])
    assert np.allclose(got, want, atol=1e-6)
    assert figures["out_of_fold"]["a"]["near_misses_captured"] <= 0.05
    assert set(figures["left_out"]) == {"a", "b"}
    out = tmp_path / "rule.json"
    out.write_text(json.dumps(rule.to_json()))
    loaded = MatchRule.load(out)
    assert loaded.threshold == rule.threshold
    assert loaded.probability(X[0]) == pytest.approx(rule.probability(X[0]))


def test_the_field_tests_halves_are_fixed_and_the_fit_half_is_labelled_by_group() -> None:
    from training.verified_match_field import FIELD, field_half, field_source

    rows = [json.loads(line) for line in (FIELD / "questions.jsonl").read_text().splitlines()]
    halves = {field_half(r["group"]) for r in rows}
    assert halves == {"fit", "held"}
    assert field_half("reviews-261") == field_half("reviews-261")
    src = field_source("fit", known_words=[])
    assert src.pairs and {label for _, _, label in src.pairs} == {0, 1}
    assert len(src.questions) == sum(field_half(r["group"]) == "fit" for r in rows)
    verified = {v for v, _, _ in src.pairs}
    for v in verified:  # each verified answer is located in a passage, word for word
        start = src.span_start[v]
        assert src.passages[src.passage_of[v]][start:start + len(src.span[v])] == src.span[v]


def test_the_field_test_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["--data", "training/data/field_test/x.jsonl"])
