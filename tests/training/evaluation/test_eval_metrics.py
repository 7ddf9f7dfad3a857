"""Metrics on hand-made cases whose values were worked out on paper."""

from __future__ import annotations

import math

import numpy as np
import pytest

from training.evaluation import metrics as m


def test_is_correct_judges_the_span_itself():
    assert m.is_correct("30 days", ["30 days"], "em")
    assert not m.is_correct("within 30 days", ["30 days"], "em")
    assert m.is_correct("within 30 days", ["30 days"], "f1")  # F1 0.8 >= 0.5
    assert not m.is_correct("30 days", [], "f1")  # any span on an unanswerable is wrong
    with pytest.raises(ValueError):
        m.is_correct("x", ["x"], "bleu")


def test_summary_splits_answerable_and_unanswerable():
    s = m.summarize_qa(
        em=[1.0, 0.0, 0.0, 1.0, 0.0],
        f1=[1.0, 0.5, 0.0, 1.0, 0.0],
        answerable=[True, True, True, False, False],
        answered=[True, True, False, False, True],
    )
    assert (s.n, s.n_answerable, s.n_unanswerable) == (5, 3, 2)
    assert s.exact_match == pytest.approx(2 / 5)
    assert s.f1 == pytest.approx(2.5 / 5)
    assert s.answerable_exact_match == pytest.approx(1 / 3)
    assert s.answerable_f1 == pytest.approx(0.5)
    assert s.unanswerable_declined == pytest.approx(0.5)
    assert s.answerable_declined == pytest.approx(1 / 3)


def test_consistency_averages_pairs_per_group_then_groups():
    e1, e2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    diag = np.array([1.0, 1.0])
    groups = [
        # pairs: (A, a.) cos 1 same span; (A, B) cos 0; (a., B) cos 0 -> 1/3 and 1/3
        [(e1, "A"), (e1, "a."), (e2, "B")],
        # one pair: cos 45 degrees, both declined (same "span")
        [(e1, None), (diag, None)],
        [(e2, "alone")],  # singleton: skipped
    ]
    c = m.consistency(groups)
    assert c.groups == 2 and c.pairs == 4
    assert c.reply_similarity == pytest.approx((1 / 3 + math.sqrt(0.5)) / 2)
    assert c.same_span_rate == pytest.approx((1 / 3 + 1.0) / 2)
    empty = m.consistency([[(e1, "x")]])
    assert empty.groups == 0 and empty.reply_similarity is None


def test_expected_calibration_error_hand_case():
    # bin 0.9-1.0: conf 0.95, accuracy 0.5 -> gap 0.45; bin 0.1-0.2: conf 0.15, acc 0 -> 0.15
    conf = [0.95, 0.95, 0.15, 0.15]
    correct = [True, False, False, False]
    assert m.expected_calibration_error(conf, correct) == pytest.approx(0.5 * 0.45 + 0.5 * 0.15)
    bins = m.reliability_bins(conf, correct)
    assert [b.count for b in bins] == [0, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[9].accuracy == 0.5 and bins[9].mean_confidence == pytest.approx(0.95)
    # perfectly calibrated: confidence 1.0 always right (1.0 falls in the last bin)
    assert m.expected_calibration_error([1.0, 1.0], [True, True]) == 0.0
    assert m.expected_calibration_error([], []) is None
    with pytest.raises(ValueError):
        m.reliability_bins([1.5], [True])


def test_coverage_curve_shows_what_the_threshold_trades():
    points = m.coverage_curve([0.9, 0.6, 0.3], [True, False, False], [True, True, False])
    assert [p.threshold for p in points][:4] == [0.0, 0.3, 0.6, 0.9]
    by_t = dict(zip([0.0, 0.3, 0.6, 0.9], points, strict=False))
    assert by_t[0.0].coverage == 1.0
    assert by_t[0.0].selective_accuracy == pytest.approx(1 / 3)
    assert by_t[0.0].overall_accuracy == pytest.approx(1 / 3)
    assert by_t[0.6].coverage == pytest.approx(2 / 3)
    assert by_t[0.6].selective_accuracy == pytest.approx(0.5)
    assert by_t[0.6].overall_accuracy == pytest.approx(2 / 3)  # right answer + right decline
    assert by_t[0.9].selective_accuracy == 1.0
    last = points[-1]
    assert last.threshold > 0.9 and last.coverage == 0.0 and last.selective_accuracy is None
    assert last.overall_accuracy == pytest.approx(1 / 3)


def test_recall_at_k_counts_answerable_questions_only():
    answers = [["30 days"], ["linen"], []]
    retrieved = [["Returns within 30 days.", "Other"], ["Cotton only", "Wool"], ["Anything"]]
    assert m.recall_at_k(answers, retrieved) == 0.5
    assert m.recall_at_k(answers, [["Other", "Returns within 30 days."], ["x"], []], k=1) == 0.0
    # whole-word match after normalisation: "linen" is not found inside "linens"
    assert not m.answer_in_passages(["linen"], ["Fine linens"])
    assert m.recall_at_k([[]], [["x"]]) is None


def test_latency_percentiles_and_cost_per_thousand():
    assert m.percentile([10, 20, 30, 40, 50], 50) == 30
    assert m.percentile([10, 20, 30, 40, 50], 95) == pytest.approx(48)
    assert m.percentile([], 50) is None
    cost = m.cost_per_1k([0.1, 0.3], [0.2, 0.4], [100, 300], price_per_1k_tokens=0.5)
    assert cost.cpu_seconds_per_1k == pytest.approx(200)
    assert cost.wall_seconds_per_1k == pytest.approx(300)
    assert cost.tokens_per_1k == pytest.approx(200_000)
    assert cost.dollars_per_1k == pytest.approx(100)  # 200k tokens at $0.5 per 1k
    assert m.cost_per_1k([0.1], [0.1], [0]).dollars_per_1k is None
