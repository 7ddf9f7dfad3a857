"""training/calibrate.py: holding the parent's decline rate (hand-written probabilities)."""

from __future__ import annotations

import numpy as np

from training.calibrate import ReaderScores, fit_calibration, hold_declines


def test_the_threshold_rises_until_enough_unanswerable_questions_are_declined() -> None:
    probs = np.array([0.9, 0.8, 0.7, 0.2, 0.3, 0.45, 0.6])
    answerable = np.array([True, True, True, False, False, False, False])
    # at 0.4 two of the four unanswerable are declined (0.2, 0.3): 50%
    t = hold_declines(probs, answerable, 0.4, 0.75)
    assert 0.45 < t <= 0.6
    assert (probs[~answerable] < t).mean() >= 0.75
    # a rate already held leaves the threshold alone
    assert hold_declines(probs, answerable, 0.4, 0.5) == 0.4


def test_fit_calibration_holds_the_rate_it_is_given() -> None:
    rng = np.random.default_rng(0)
    ans = np.array([True] * 60 + [False] * 40)
    margins = np.concatenate([rng.normal(3, 2, 60), rng.normal(-1, 2, 40)])
    f1 = np.where(ans, 1.0, 0.0)
    scores = ReaderScores(margins=margins, predictions=["x"] * 100, answerable=ans,
                          f1_if_answered=f1, em_if_answered=f1)
    free = fit_calibration(scores, "dev")
    held = fit_calibration(scores, "dev", min_unanswerable_declined=0.95)
    probs = np.array([held.probability(m) for m in margins])
    assert (probs[~ans] < held.threshold).mean() >= 0.95
    assert held.threshold >= free.threshold
