"""Fitting the verified-answer matching rule (training/verified_match.py): pairs from dev
groups and from a SQuAD-format file, a fit with the real embedder, the field test refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qa_engine.retrieve.verified_match import FEATURES, MatchRule
from training.verified_match import dev_source, main, realqa_source, run

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


def test_a_fit_with_the_real_embedder_gives_a_loadable_rule(tmp_path: Path,
                                                            embedder: Any) -> None:
    (tmp_path / "squad.json").write_text(json.dumps(SQUAD))
    sources = [dev_source(write_dev(tmp_path / "dev.jsonl")),
               realqa_source(tmp_path / "squad.json")]
    result = run(sources, embedder.embed, max_near_miss=0.0)
    assert len(result["coef"]) == len(FEATURES) and 0.0 < result["threshold"] < 1.0
    dev = result["in_sample"]["dev split"]
    assert dev["near_miss_pairs"] == 8 and dev["near_misses_captured"] == 0.0
    assert set(result["left_out"]) == {"dev split", "squad"}
    out = tmp_path / "rule.json"
    out.write_text(json.dumps({"features": list(FEATURES), "coef": result["coef"],
                               "intercept": result["intercept"],
                               "threshold": result["threshold"]}))
    assert MatchRule.load(out).threshold == result["threshold"]


def test_the_field_test_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["--data", "training/data/field_test/x.jsonl"])
