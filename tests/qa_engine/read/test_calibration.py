"""Platt scaling, the decline threshold, and the calibration file stored with a model."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qa_engine.read.calibration import CALIBRATION_FILE, Calibration, choose_threshold, fit_platt


def logistic_sample(n: int, temperature: float, bias: float, lo: float, hi: float, seed: int):
    """Margins uniform in [lo, hi], labels drawn from p = sigmoid((m - bias) / temperature)."""
    rng = np.random.default_rng(seed)
    margins = rng.uniform(lo, hi, n)
    p = 1.0 / (1.0 + np.exp(-(margins - bias) / temperature))
    return margins, rng.random(n) < p


@pytest.mark.parametrize(
    ("temperature", "bias", "lo", "hi"),
    [
        (2.0, 1.5, -12.0, 12.0),  # reader margins spread wide, as on a real dev split
        (0.5, -0.3, -3.0, 3.0),
        (4.0, 6.0, -5.0, 20.0),
    ],
)
def test_fit_platt_recovers_a_known_temperature_and_bias(temperature, bias, lo, hi):
    margins, correct = logistic_sample(4000, temperature, bias, lo, hi, seed=7)
    t, b = fit_platt(margins, correct)
    assert t == pytest.approx(temperature, rel=0.15)
    assert b == pytest.approx(bias, abs=0.15 * temperature + 0.1)


def test_fit_platt_is_a_maximum_likelihood_fit():
    """The fitted curve explains the data better than nearby alternatives."""
    margins, correct = logistic_sample(1500, 1.5, 0.5, -8.0, 8.0, seed=3)
    t, b = fit_platt(margins, correct)

    def nll(temp: float, bias: float) -> float:
        z = (margins - bias) / temp
        return float(np.sum(np.logaddexp(0, z) - correct * z))

    best = nll(t, b)
    for dt, db in [(1.2, 0), (0.8, 0), (1, 0.5), (1, -0.5)]:
        assert best < nll(t * dt, b + db)


def test_probability_is_monotone_in_the_margin():
    margins, correct = logistic_sample(800, 1.0, 0.0, -6.0, 6.0, seed=1)
    t, b = fit_platt(margins, correct)
    cal = Calibration(temperature=t, bias=b)
    grid = np.linspace(-50, 50, 401)
    probs = [cal.probability(m) for m in grid]
    assert all(0.0 <= p <= 1.0 for p in probs)
    assert all(p2 >= p1 for p1, p2 in zip(probs, probs[1:], strict=False))
    assert probs[0] < 0.01 and probs[-1] > 0.99
    assert cal.probability(b) == pytest.approx(0.5)
    # extreme margins do not overflow
    assert cal.probability(1e9) == pytest.approx(1.0) and cal.probability(-1e9) == pytest.approx(0)


def test_anti_correlated_data_never_makes_larger_margins_less_confident():
    t, b = fit_platt([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 0, 0])
    cal = Calibration(temperature=t, bias=b)
    assert t > 0 and cal.probability(6.0) >= cal.probability(1.0)
    # the margin carries no usable signal: every margin gets the base rate (3/6), not
    # a confident 1.0 or 0.0
    for m in (1.0, 3.5, 6.0):
        assert cal.probability(m) == pytest.approx(0.5, abs=0.01)


@pytest.mark.parametrize("label", [True, False])
def test_degenerate_dev_sets_give_finite_calibrations(label):
    margins = [0.5, 1.0, 2.0, 3.0, 7.5]
    t, b = fit_platt(margins, [label] * len(margins))
    assert math.isfinite(t) and math.isfinite(b) and t > 0
    cal = Calibration(temperature=t, bias=b)
    probs = [cal.probability(m) for m in margins]
    assert all(math.isfinite(p) and 0.0 <= p <= 1.0 for p in probs)
    # all right -> confident on what it saw; all wrong -> not
    assert all((p > 0.5) == label for p in probs)


def test_fit_platt_rejects_unusable_input():
    with pytest.raises(ValueError, match="at least two"):
        fit_platt([1.0], [True])
    with pytest.raises(ValueError, match="equal length"):
        fit_platt([1.0, 2.0, 3.0], [True, False])


def test_choose_threshold_respects_the_answerable_decline_limit():
    # Worked by hand (accuracy = right span when answered, decline when unanswerable):
    #   t <= 0.3      answers all:           4/7 right, declines 0% of answerable
    #   0.3 < t <= 0.4                         3/7,                 25%
    #   0.7 < t <= 0.8 declines 3 unans.:     5/7 right (best),     50%
    probs = [0.9, 0.8, 0.4, 0.3, 0.7, 0.6, 0.5]
    answerable = [True, True, True, True, False, False, False]
    correct = [True, True, True, True, False, False, False]
    strict = choose_threshold(probs, answerable, correct, max_answerable_declined=0.25)
    assert strict == pytest.approx(0.3)
    loose = choose_threshold(probs, answerable, correct, max_answerable_declined=0.5)
    assert 0.7 < loose <= 0.8
    for t, limit in ((strict, 0.25), (loose, 0.5)):
        answered = np.asarray(probs) >= t
        declined_answerable = np.mean(~answered[np.asarray(answerable)])
        assert declined_answerable <= limit


def test_choose_threshold_breaks_ties_towards_one_half():
    # Answerable questions with a wrong span count as wrong whether answered or declined,
    # so every threshold up to 0.6 is equally accurate (3/5); the tie goes to 0.5.
    probs = [0.95, 0.9, 0.6, 0.2, 0.1]
    answerable = [True, True, True, True, True]
    correct = [True, True, True, False, False]
    assert choose_threshold(probs, answerable, correct, max_answerable_declined=0.5) == 0.5


def test_calibration_roundtrips_through_the_model_dir(tmp_path):
    cal = Calibration(temperature=2.5, bias=-0.75, threshold=0.42, fitted_on="dev.jsonl",
                      stats={"examples": 120, "answerable": 80})
    path = cal.save(tmp_path)
    assert path == tmp_path / CALIBRATION_FILE
    assert json.loads(path.read_text())["temperature"] == 2.5
    loaded = Calibration.load(tmp_path)
    assert loaded == cal
    assert loaded.probability(1.0) == cal.probability(1.0)


def test_missing_calibration_file_means_uncalibrated_defaults(tmp_path):
    cal = Calibration.load(tmp_path)
    assert (cal.temperature, cal.bias, cal.threshold, cal.fitted_on) == (
        1.0, 0.0, 0.5, "uncalibrated")


def test_unknown_keys_in_the_file_are_ignored(tmp_path):
    (tmp_path / CALIBRATION_FILE).write_text(
        json.dumps({"temperature": 3.0, "bias": 1.0, "threshold": 0.6, "written_by": "v2"}))
    assert Calibration.load(tmp_path) == Calibration(temperature=3.0, bias=1.0, threshold=0.6)


@pytest.mark.parametrize("temperature", [0.0, -1.0, float("nan")])
def test_invalid_temperature_is_refused_with_a_hint(temperature):
    with pytest.raises(ValueError, match=r"temperature must be > 0.*refit calibration"):
        Calibration(temperature=temperature)


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan")])
def test_invalid_threshold_is_refused(threshold):
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        Calibration(threshold=threshold)


def test_a_corrupt_calibration_file_is_refused_on_load(tmp_path):
    (tmp_path / CALIBRATION_FILE).write_text(json.dumps({"temperature": 0, "threshold": 0.5}))
    with pytest.raises(ValueError, match="temperature"):
        Calibration.load(tmp_path)
