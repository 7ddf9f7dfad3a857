"""Confidence calibration: from the reader's margin to a probability of being right.

The reader's raw preference for its best span (the margin of span score over the
no-answer score) is not a probability: its scale depends on the model, the
training run and the data. We fit a one-feature logistic model (Platt scaling,
i.e. temperature scaling with a bias: p = sigmoid((margin - bias) / temperature))
on a dev split, where the label is "the best span is a right answer" (for an
unanswerable question the right answer is to decline, so any span is wrong).
The decline threshold is then chosen on the same dev split and stored beside the
model, so every model version carries the numbers that make it safe to serve.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

CALIBRATION_FILE = "calibration.json"


@dataclass(frozen=True)
class Calibration:
    """p(right) = sigmoid((margin - bias) / temperature); decline below `threshold`."""

    temperature: float = 1.0
    bias: float = 0.0
    threshold: float = 0.5
    fitted_on: str = "uncalibrated"
    stats: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}; refit calibration")
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")

    def probability(self, margin: float) -> float:
        z = (margin - self.bias) / self.temperature
        return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))

    def save(self, model_dir: Path) -> Path:
        path = Path(model_dir) / CALIBRATION_FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, model_dir: Path) -> Calibration:
        """The calibration stored with a model; an uncalibrated default when absent."""
        path = Path(model_dir) / CALIBRATION_FILE
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def fit_platt(
    margins: Sequence[float], correct: Sequence[bool], l2: float = 1e-3, iters: int = 100
) -> tuple[float, float]:
    """Fit (temperature, bias) by regularised logistic regression (Newton's method).

    Returns a temperature > 0. With a degenerate dev set (all right or all wrong)
    the slope would run off to infinity; the small L2 penalty keeps it finite.
    """
    x = np.asarray(margins, dtype=np.float64)
    y = np.asarray(correct, dtype=np.float64)
    if x.shape != y.shape or x.size < 2:
        raise ValueError("need at least two (margin, correct) pairs of equal length to calibrate")

    def objective(w: float, b: float) -> float:  # penalised negative log-likelihood
        z = w * x + b
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * l2 * w * w)

    w, b = 1.0, 0.0
    for _ in range(iters):
        z = np.clip(w * x + b, -60, 60)
        p = 1.0 / (1.0 + np.exp(-z))
        g_w = np.sum((p - y) * x) + l2 * w
        g_b = np.sum(p - y)
        s = p * (1 - p)
        h_ww = np.sum(s * x * x) + l2
        h_wb = np.sum(s * x)
        h_bb = np.sum(s) + 1e-9
        det = h_ww * h_bb - h_wb * h_wb
        if abs(det) < 1e-12:
            break
        d_w = (h_bb * g_w - h_wb * g_b) / det
        d_b = (h_ww * g_b - h_wb * g_w) / det
        # Damped Newton: a full step from a saturated start (margins spread over +-10)
        # overshoots and diverges; halve it until the objective does not get worse.
        step, current = 1.0, objective(w, b)
        while step > 1e-6 and objective(w - step * d_w, b - step * d_b) > current:
            step /= 2
        d_w, d_b = step * d_w, step * d_b
        w, b = w - d_w, b - d_b
        if abs(d_w) < 1e-8 and abs(d_b) < 1e-8:
            break
    if w < 1e-3:
        # A larger margin must never mean lower confidence: flatten the slope and give
        # every margin the dev set's base rate (b fitted for the old slope is meaningless).
        w = 1e-3
        rate = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
        b = math.log(rate / (1 - rate)) - w * float(x.mean())
    return 1.0 / w, -b / w


def choose_threshold(
    probabilities: Sequence[float],
    answerable: Sequence[bool],
    correct: Sequence[bool],
    max_answerable_declined: float = 0.10,
    wrong_answer_cost: float = 0.5,
) -> float:
    """The decline threshold that best serves agents on the dev split.

    Each question scores 1 for the right behaviour (a right span when answerable, a
    decline when not), 0 for declining an answerable question, and
    `-wrong_answer_cost` for giving a wrong answer: a wrong answer pasted to a
    customer costs more than "let me check". Among thresholds that decline at most
    `max_answerable_declined` of the answerable questions take the best mean score;
    when none meets that limit, the best mean score overall.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    ans = np.asarray(answerable, dtype=bool)
    ok = np.asarray(correct, dtype=bool)
    candidates = np.unique(np.concatenate([[0.0, 0.5], p, np.clip(p + 1e-6, 0, 1)]))
    best_any, best_ok = None, None
    for t in candidates:
        answered = p >= t
        right = np.where(ans, answered & ok, ~answered)
        wrong = answered & ~(ans & ok)
        accuracy = right.mean() - wrong_answer_cost * wrong.mean()
        declined_answerable = (~answered[ans]).mean() if ans.any() else 0.0
        key = (accuracy, -abs(t - 0.5))
        if best_any is None or key > best_any[0]:
            best_any = (key, t)
        if declined_answerable <= max_answerable_declined and (best_ok is None or key > best_ok[0]):
            best_ok = (key, t)
    chosen = best_ok or best_any
    return float(chosen[1])
