"""Evaluation metrics as pure functions over plain values.

Nothing here loads a model or touches a file: embeddings come in as arrays, answers
as strings, so every number in the report can be checked by hand (the tests do).

Conventions (SQuAD v2): an unanswerable question has no gold answers; a system is
right on it iff it declined (EM = F1 = 1, else 0). A declined answerable question
scores 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from qa_engine.squad_metrics import (  # noqa: F401  (re-exported: evaluation's metrics)
    exact_match,
    f1_score,
    normalize_answer,
)


def is_correct(candidate: str | None, answers: Sequence[str], criterion: str = "em") -> bool:
    """Whether a proposed span is a right answer, for calibration and coverage curves.

    Unlike EM/F1 this judges the span itself, not the decision to answer: on an
    unanswerable question any span is wrong. `criterion` is "em" or "f1" (F1 >= 0.5,
    kinder to long review spans).
    """
    if not answers:
        return not normalize_answer(candidate)
    if candidate is None:
        return False
    if criterion == "em":
        return exact_match(candidate, answers) == 1.0
    if criterion == "f1":
        return f1_score(candidate, answers) >= 0.5
    raise ValueError(f"unknown correctness criterion {criterion!r} (use 'em' or 'f1')")


# --- answerable / unanswerable summary -----------------------------------------------------


@dataclass(frozen=True)
class QASummary:
    """EM/F1 overall and split by answerability, plus the decline behaviour."""

    n: int
    n_answerable: int
    n_unanswerable: int
    exact_match: float
    f1: float
    answerable_exact_match: float | None
    answerable_f1: float | None
    unanswerable_declined: float | None  # share of unanswerable questions declined
    answerable_declined: float | None  # share of answerable questions wrongly declined


def summarize_qa(
    em: Sequence[float], f1: Sequence[float], answerable: Sequence[bool], answered: Sequence[bool]
) -> QASummary:
    """Aggregate per-question scores (all sequences are aligned, one entry per question)."""
    if not (len(em) == len(f1) == len(answerable) == len(answered)):
        raise ValueError("em, f1, answerable and answered must have the same length")
    idx_a = [i for i, a in enumerate(answerable) if a]
    idx_u = [i for i, a in enumerate(answerable) if not a]
    return QASummary(
        n=len(em),
        n_answerable=len(idx_a),
        n_unanswerable=len(idx_u),
        exact_match=_mean(em),
        f1=_mean(f1),
        answerable_exact_match=_mean_or_none([em[i] for i in idx_a]),
        answerable_f1=_mean_or_none([f1[i] for i in idx_a]),
        unanswerable_declined=_mean_or_none([0.0 if answered[i] else 1.0 for i in idx_u]),
        answerable_declined=_mean_or_none([0.0 if answered[i] else 1.0 for i in idx_a]),
    )


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


def _mean_or_none(values: Sequence[float]) -> float | None:
    return float(sum(values) / len(values)) if values else None


# --- semantic similarity & consistency -------------------------------------------------------


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (need not be normalised)."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return float(np.dot(a, b) / (na * nb))


@dataclass(frozen=True)
class Consistency:
    """How alike a system's replies to paraphrases of one question are.

    Both numbers are averaged per group first, then over groups, so a big group does
    not drown out the others. A decline counts as the empty span: declining every
    paraphrase is consistent.
    """

    groups: int
    pairs: int
    reply_similarity: float | None  # mean pairwise cosine of reply embeddings
    same_span_rate: float | None  # share of pairs giving the identical normalised span


def consistency(groups: Sequence[Sequence[tuple[np.ndarray, str | None]]]) -> Consistency:
    """Consistency over paraphrase groups of (reply embedding, span or None) members.

    Groups with fewer than two members are skipped (nothing to compare).
    """
    sims: list[float] = []
    same: list[float] = []
    pairs = 0
    for members in groups:
        if len(members) < 2:
            continue
        group_pairs = list(combinations(members, 2))
        pairs += len(group_pairs)
        sims.append(_mean([cosine(a[0], b[0]) for a, b in group_pairs]))
        same.append(
            _mean([
                1.0 if normalize_answer(a[1]) == normalize_answer(b[1]) else 0.0
                for a, b in group_pairs
            ])
        )
    return Consistency(
        groups=len(sims), pairs=pairs,
        reply_similarity=_mean_or_none(sims), same_span_rate=_mean_or_none(same),
    )


# --- retrieval ---------------------------------------------------------------------------------


def answer_in_passages(answers: Sequence[str], passages: Sequence[str]) -> bool:
    """Whether any passage contains any gold answer (normalised substring match)."""
    golds = [normalize_answer(a) for a in answers if normalize_answer(a)]
    if not golds:
        return False
    texts = [f" {normalize_answer(p)} " for p in passages]
    return any(f" {gold} " in text for gold in golds for text in texts)


def recall_at_k(
    answers: Sequence[Sequence[str]], retrieved: Sequence[Sequence[str]], k: int | None = None
) -> float | None:
    """Share of answerable questions whose top-k passages contain a gold answer.

    Unanswerable questions are left out (there is nothing to find); None when no
    answerable question was retrieved for.
    """
    hits = [
        1.0 if answer_in_passages(golds, passages[:k] if k else passages) else 0.0
        for golds, passages in zip(answers, retrieved, strict=True)
        if golds
    ]
    return _mean_or_none(hits)


# --- confidence quality ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    mean_confidence: float | None
    accuracy: float | None


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10
) -> list[ReliabilityBin]:
    """Equal-width confidence bins on [0, 1]; the last bin includes 1.0."""
    if len(confidences) != len(correct):
        raise ValueError("confidences and correct must have the same length")
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    members: list[list[int]] = [[] for _ in range(n_bins)]
    for i, conf in enumerate(confidences):
        if not 0.0 <= conf <= 1.0 or math.isnan(conf):
            raise ValueError(f"confidence {conf!r} is outside [0, 1]")
        members[min(int(conf * n_bins), n_bins - 1)].append(i)
    bins = []
    for b, idx in enumerate(members):
        bins.append(
            ReliabilityBin(
                low=b / n_bins,
                high=(b + 1) / n_bins,
                count=len(idx),
                mean_confidence=_mean_or_none([confidences[i] for i in idx]),
                accuracy=_mean_or_none([1.0 if correct[i] else 0.0 for i in idx]),
            )
        )
    return bins


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = 10
) -> float | None:
    """ECE = sum over bins of (bin share) * |accuracy - mean confidence|."""
    if not confidences:
        return None
    total = len(confidences)
    return float(
        sum(
            b.count / total * abs(b.accuracy - b.mean_confidence)
            for b in reliability_bins(confidences, correct, n_bins)
            if b.count
        )
    )


@dataclass(frozen=True)
class CoveragePoint:
    threshold: float
    coverage: float  # share of questions answered at this threshold
    selective_accuracy: float | None  # share of the answered ones that are right
    overall_accuracy: float  # answered-and-right plus unanswerable-and-declined, over all


def coverage_curve(
    confidences: Sequence[float], correct: Sequence[bool], answerable: Sequence[bool]
) -> list[CoveragePoint]:
    """What each possible decline threshold trades: one point per distinct confidence.

    A question is answered when its confidence >= threshold. Declining an
    unanswerable question counts as right in `overall_accuracy`.
    """
    n = len(confidences)
    if not (n == len(correct) == len(answerable)):
        raise ValueError("confidences, correct and answerable must have the same length")
    if n == 0:
        return []
    thresholds = sorted(set(confidences) | {0.0})
    thresholds.append(math.nextafter(max(thresholds), math.inf))  # answer nothing
    points = []
    for t in thresholds:
        answered = [c >= t for c in confidences]
        n_answered = sum(answered)
        right = sum(1 for a, ok in zip(answered, correct, strict=True) if a and ok)
        declined_right = sum(
            1 for a, ans in zip(answered, answerable, strict=True) if not a and not ans
        )
        points.append(
            CoveragePoint(
                threshold=float(t),
                coverage=n_answered / n,
                selective_accuracy=right / n_answered if n_answered else None,
                overall_accuracy=(right + declined_right) / n,
            )
        )
    return points


# --- latency & cost ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation); None for no values."""
    if not values:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


@dataclass(frozen=True)
class Cost:
    """Cost of answering 1,000 questions at the measured per-question rate."""

    cpu_seconds_per_1k: float
    wall_seconds_per_1k: float
    tokens_per_1k: float
    dollars_per_1k: float | None  # only for systems billed per token


def cost_per_1k(
    cpu_seconds: Sequence[float],
    wall_seconds: Sequence[float],
    tokens: Sequence[int],
    price_per_1k_tokens: float | None = None,
) -> Cost:
    n = len(cpu_seconds)
    if n == 0 or not (n == len(wall_seconds) == len(tokens)):
        raise ValueError("need one cpu, wall and token count per question")
    tokens_1k = sum(tokens) / n * 1000
    return Cost(
        cpu_seconds_per_1k=sum(cpu_seconds) / n * 1000,
        wall_seconds_per_1k=sum(wall_seconds) / n * 1000,
        tokens_per_1k=tokens_1k,
        dollars_per_1k=tokens_1k / 1000 * price_per_1k_tokens
        if price_per_1k_tokens is not None else None,
    )
