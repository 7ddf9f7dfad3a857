"""SQuAD v2's answer metrics on hand-made cases whose values were worked out on paper."""

from __future__ import annotations

import pytest

from qa_engine.squad_metrics import exact_match, f1_score, normalize_answer


def test_normalisation_follows_squad_v2():
    assert normalize_answer("The  Cat's hat!") == "cats hat"
    assert normalize_answer("An apple, a pear") == "apple pear"
    assert normalize_answer(None) == ""


def test_exact_match_and_f1_on_answerable_questions():
    assert exact_match("the Linen dress.", ["linen dress"]) == 1.0
    assert exact_match("linen", ["linen dress"]) == 0.0
    # pred tokens [100, european, linen] vs gold [european, linen]: P=2/3, R=1 -> F1 0.8
    assert f1_score("100% European linen", ["European linen"]) == pytest.approx(0.8)
    # best of several gold answers counts
    assert f1_score("30 days", ["within 30 days of delivery", "30 days"]) == 1.0
    assert f1_score("blue", ["red"]) == 0.0
    # declining an answerable question scores nothing
    assert exact_match(None, ["linen"]) == 0.0
    assert f1_score(None, ["linen"]) == 0.0


def test_unanswerable_is_right_iff_declined():
    assert exact_match(None, []) == 1.0
    assert f1_score(None, []) == 1.0
    assert exact_match("free returns", []) == 0.0
    assert f1_score("free returns", []) == 0.0


def test_the_evaluation_judges_with_the_same_functions():
    """One metric for the engine's matching rule and training's evaluation (re-exported)."""
    from training.evaluation import metrics

    assert metrics.f1_score is f1_score and metrics.normalize_answer is normalize_answer
