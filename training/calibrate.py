"""Fit a reader's confidence calibration and decline threshold on a dev split.

Reader-only: each dev example's own passage is read, so the fit sees exactly the
hard cases the threshold must separate: the right passage (answer the span) and a
same-topic passage that does not hold the fact (decline). The fitted values are
stored in the model directory (`calibration.json`) and travel with the version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa_engine.protocols import Reader
from qa_engine.read.calibration import Calibration, choose_threshold, fit_platt
from qa_engine.types import Passage
from training.datasets import QAExample
from training.evaluation.metrics import exact_match, f1_score


@dataclass(frozen=True)
class ReaderScores:
    """The reader's best span and margin for each dev example."""

    margins: np.ndarray
    predictions: list[str | None]
    answerable: np.ndarray
    f1_if_answered: np.ndarray
    em_if_answered: np.ndarray


def score_examples(reader: Reader, examples: Sequence[QAExample]) -> ReaderScores:
    """Each example's question read against its own passage. A reader that reads many
    pairs at once (`SpanReader.best_spans`: windows of several questions per forward
    pass) is given them all at once; any other `Reader` one `score()` at a time."""
    margins, preds, f1s, ems = [], [], [], []
    passages = [Passage(id="ctx", text=ex.context, title=ex.doc or "context", source="dev")
                for ex in examples]
    many = getattr(reader, "best_spans", None)
    bests = (many([(ex.question, p) for ex, p in zip(examples, passages, strict=True)])
             if many is not None else
             [reader.score(ex.question, [p]) for ex, p in zip(examples, passages, strict=True)])
    for ex, best in zip(examples, bests, strict=True):
        gold = [ex.answer_text] if ex.answerable else []
        text = best.text if best else None
        margins.append(best.margin if best else -1e3)
        preds.append(text)
        f1s.append(f1_score(text, gold) if gold else 0.0)
        ems.append(exact_match(text, gold) if gold else 0.0)
    return ReaderScores(
        margins=np.asarray(margins), predictions=preds,
        answerable=np.asarray([e.answerable for e in examples]),
        f1_if_answered=np.asarray(f1s), em_if_answered=np.asarray(ems),
    )


def hold_declines(probs: np.ndarray, answerable: np.ndarray, threshold: float,
                  min_unanswerable_declined: float) -> float:
    """The lowest threshold at or above `threshold` that declines at least
    `min_unanswerable_declined` of the unanswerable questions (the parent's rate): a new
    reader may answer more, but not by declining fewer questions it cannot answer."""
    unans = probs[~answerable]
    if not len(unans):
        return threshold
    for t in np.unique(np.concatenate([[threshold], unans + 1e-9])):
        if t >= threshold and (unans < t).mean() >= min_unanswerable_declined:
            return float(t)
    return float(unans.max() + 1e-9)


def fit_calibration(scores: ReaderScores, source: str,
                    max_answerable_declined: float = 0.10,
                    min_unanswerable_declined: float | None = None) -> Calibration:
    """Platt-scale margins against "span is right" (F1 >= 0.5), then pick the threshold
    (raised, when `min_unanswerable_declined` is given, until it declines that share of
    the unanswerable questions)."""
    correct = scores.answerable & (scores.f1_if_answered >= 0.5)
    temperature, bias = fit_platt(scores.margins, correct)
    draft = Calibration(temperature=temperature, bias=bias)
    probs = np.asarray([draft.probability(m) for m in scores.margins])
    threshold = choose_threshold(probs, scores.answerable, correct, max_answerable_declined)
    if min_unanswerable_declined is not None:
        threshold = hold_declines(probs, scores.answerable, threshold,
                                  min_unanswerable_declined)
    return Calibration(temperature=temperature, bias=bias, threshold=threshold, fitted_on=source,
                       stats={"examples": int(len(probs)),
                              "answerable": int(scores.answerable.sum())})


def reader_metrics(scores: ReaderScores, calibration: Calibration) -> dict[str, float]:
    """Dev figures of the reader with this calibration (decline applied)."""
    probs = np.asarray([calibration.probability(m) for m in scores.margins])
    answered = probs >= calibration.threshold
    ans = scores.answerable
    em = np.where(ans, answered * scores.em_if_answered, ~answered)
    f1 = np.where(ans, answered * scores.f1_if_answered, ~answered)
    out = {
        "examples": int(len(ans)),
        "exact_match": float(em.mean()),
        "f1": float(f1.mean()),
    }
    if ans.any():
        out["answerable_f1"] = float(f1[ans].mean())
        out["answerable_exact_match"] = float(em[ans].mean())
        out["answerable_declined"] = float((~answered[ans]).mean())
    if (~ans).any():
        out["unanswerable_declined"] = float((~answered[~ans]).mean())
        out["unanswerable"] = int((~ans).sum())  # the gate counts its margin in questions
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}
