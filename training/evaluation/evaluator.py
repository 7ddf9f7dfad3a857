"""Runs gold questions through systems and turns their predictions into metrics.

The `Evaluator` owns the measuring (wall clock and `time.process_time` around every
answer) and the one embedder used for the similarity metrics; everything it
computes goes through the pure functions in `metrics.py`. One `EvalResult` per
system holds every row (for the report's worst answers) and the aggregated
`SystemMetrics` (for the table and `--json`).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from qa_engine.retrieve.embedder import Embedder
from qa_engine.types import QuestionError
from training.evaluation import metrics as m
from training.evaluation.base import DECLINE_REPLY, Prediction, System
from training.evaluation.gold import GoldRow
from training.evaluation.incontext import InContextError

log = logging.getLogger(__name__)

Mode = Literal["auto", "reader", "e2e"]

#: Failures that cost one question, not the run: recorded on the row as a decline.
ROW_ERRORS: tuple[type[Exception], ...] = (InContextError, QuestionError)


class EvaluationAborted(RuntimeError):
    """A system failed on so many questions in a row that going on is pointless."""


@dataclass(frozen=True)
class RowResult:
    gold: GoldRow
    prediction: Prediction
    mode: str  # "reader" (gold context given) or "e2e" (retrieved)
    exact_match: float
    f1: float
    correct: bool | None  # is the best span right (None: system has no confidence)
    span_similarity: float | None  # answer span vs short gold answer (answerable only)
    reply_similarity: float | None  # full reply vs reference (rows with a reference)
    sentence_similarity: float | None  # the verbatim KB sentence as the reply, vs reference
    cpu_seconds: float
    wall_seconds: float


@dataclass(frozen=True)
class SystemMetrics:
    qa: m.QASummary
    span_similarity: float | None
    reply_similarity: float | None
    sentence_similarity: float | None  # None: the system quotes no sentence (not a reader)
    n_references: int
    consistency: m.Consistency
    recall_at_k: float | None
    k: int | None
    ece: float | None
    n_confident: int  # rows with a confidence (ECE / coverage are computed on these)
    reliability: list[m.ReliabilityBin]
    coverage: list[m.CoveragePoint]
    threshold: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    cost: m.Cost
    errors: int
    by_category: dict[str, m.QASummary] = field(default_factory=dict)
    by_style: dict[str, m.QASummary] = field(default_factory=dict)
    #: retrieval recall@k per style / per category ("style" -> name -> recall), e2e rows
    recall_by: dict[str, dict[str, float | None]] = field(default_factory=dict)
    #: mean (reply, verbatim-sentence reply) similarity to the reference, per style/category
    similarity_by: dict[str, dict[str, tuple[float | None, float | None]]] = field(
        default_factory=dict)


@dataclass(frozen=True)
class EvalResult:
    system: str
    rows: list[RowResult]
    metrics: SystemMetrics
    details: dict[str, Any] = field(default_factory=dict)  # model version, endpoint, ...

    def to_json(self) -> dict[str, Any]:
        """Metrics only (rows stay in the report, the coverage curve in its plot)."""
        data = asdict(self.metrics)
        data.pop("coverage")
        return {"system": self.system, **self.details, "metrics": _rounded(data)}


@dataclass(frozen=True)
class SkippedSystem:
    system: str
    reason: str


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


class Evaluator:
    """Runs every gold row through every system; metrics per system.

    `mode`: "reader" gives each system the gold context (every row needs one),
    "e2e" always retrieves from the knowledge base, "auto" uses the context when a
    row has one and retrieves otherwise.
    """

    def __init__(
        self,
        embedder: Embedder,
        mode: Mode = "auto",
        criterion: str = "em",
        price_per_1k_tokens: float | None = None,
        n_bins: int = 10,
        progress: Callable[[str, int, int], None] | None = None,
        max_consecutive_errors: int = 5,
    ) -> None:
        if mode not in ("auto", "reader", "e2e"):
            raise ValueError(f"mode must be auto, reader or e2e, not {mode!r}")
        m.is_correct("", ["x"], criterion)  # validates the criterion early
        self.embedder = embedder
        self.mode = mode
        self.criterion = criterion
        self.price_per_1k_tokens = price_per_1k_tokens
        self.n_bins = n_bins
        self.progress = progress
        self.max_consecutive_errors = max_consecutive_errors

    def context_for(self, row: GoldRow) -> str | None:
        if self.mode == "e2e":
            return None
        if self.mode == "reader" and not row.context:
            raise ValueError(f"reader-only mode needs a context, but gold row {row.id} has none")
        return row.context

    def check(self, rows: Sequence[GoldRow]) -> None:
        """Fail before any model loads if the rows cannot be run in this mode."""
        if not rows:
            raise ValueError("no gold rows to evaluate")
        for row in rows:
            self.context_for(row)

    def scorable(self, rows: Sequence[GoldRow]) -> tuple[list[GoldRow], list[GoldRow]]:
        """(rows to evaluate, rows left out) in this mode.

        A row whose answer is "" only relative to its own passage (training JSONL,
        SQuAD, SubjQA) says nothing about the knowledge base: asked end to end,
        the right answer may well be there, and declining would be scored right.
        Such rows are left out when they would be retrieved for.
        """
        kept, dropped = [], []
        for row in rows:
            context_only = not row.answerable and row.unanswerable_in == "context"
            (dropped if context_only and self.context_for(row) is None else kept).append(row)
        return kept, dropped

    def needs_retrieval(self, rows: Sequence[GoldRow]) -> bool:
        return any(self.context_for(row) is None for row in rows)

    def run(self, system: System, rows: Sequence[GoldRow],
            details: dict[str, Any] | None = None) -> EvalResult:
        self.check(rows)
        system.warm_up()
        if not getattr(system, "billed", False):
            # One untimed answer first: the first forward pass pays for lazy
            # initialisation that no later question does, and would skew p95.
            try:
                system.answer(rows[0].question, self.context_for(rows[0]))
            except ROW_ERRORS:
                pass
        results: list[tuple[GoldRow, Prediction, str, float, float]] = []
        failing = 0
        for i, row in enumerate(rows):
            context = self.context_for(row)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            try:
                prediction = system.answer(row.question, context)
            except ROW_ERRORS as exc:
                log.warning("%s failed on %s: %s", system.name, row.id, exc)
                prediction = Prediction(None, None, DECLINE_REPLY, time.perf_counter() - wall0,
                                        error=str(exc))
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            failing = failing + 1 if prediction.error else 0
            if failing >= self.max_consecutive_errors:
                # An unreachable endpoint would otherwise cost every question its
                # full retry budget; one clear failure is more useful.
                raise EvaluationAborted(
                    f"{system.name} failed on {failing} questions in a row "
                    f"(last: {prediction.error})"
                )
            results.append((row, prediction, "e2e" if context is None else "reader", cpu, wall))
            if self.progress:
                self.progress(system.name, i + 1, len(rows))
        return self.score(system.name, results, details or {}, getattr(system, "threshold", None))

    # ------------------------------------------------------------------ scoring
    def score(
        self,
        name: str,
        results: Sequence[tuple[GoldRow, Prediction, str, float, float]],
        details: dict[str, Any],
        threshold: float | None = None,
    ) -> EvalResult:
        rows = [r[0] for r in results]
        preds = [r[1] for r in results]
        span_sims, reply_sims, sentence_sims, reply_vecs = self._similarities(rows, preds)
        row_results = []
        for i, (row, pred, mode, cpu, wall) in enumerate(results):
            correct = (m.is_correct(pred.candidate, row.answers, self.criterion)
                       if pred.confidence is not None else None)
            row_results.append(RowResult(
                gold=row, prediction=pred, mode=mode,
                exact_match=m.exact_match(pred.text, row.answers),
                f1=m.f1_score(pred.text, row.answers),
                correct=correct, span_similarity=span_sims[i], reply_similarity=reply_sims[i],
                sentence_similarity=sentence_sims[i], cpu_seconds=cpu, wall_seconds=wall,
            ))
        return EvalResult(name, row_results, self._aggregate(row_results, reply_vecs, threshold),
                          details)

    def _similarities(
        self, rows: Sequence[GoldRow], preds: Sequence[Prediction]
    ) -> tuple[list[float | None], list[float | None], list[float | None], np.ndarray]:
        """Embed spans, gold answers, replies, quoted sentences and references in one batch."""
        texts: list[str] = []

        def slot(text: str) -> int:
            texts.append(text)
            return len(texts) - 1

        reply_idx = [slot(p.reply) for p in preds]
        quotes = any(p.sentence for p in preds)
        # A bot without a composer: the sentence when it answers, its decline otherwise.
        sentence_idx = [slot(p.sentence) if p.sentence else reply_idx[i]
                        for i, p in enumerate(preds)] if quotes else []
        plans = []
        for row, pred in zip(rows, preds, strict=True):
            span = slot(pred.text) if row.answerable and pred.text else None
            golds = [slot(a) for a in row.answers] if span is not None else []
            ref = slot(row.reference) if row.reference else None
            plans.append((span, golds, ref))
        vectors = self.embedder.embed(texts)
        span_sims: list[float | None] = []
        reply_sims: list[float | None] = []
        sentence_sims: list[float | None] = []
        for i, (row, (span, golds, ref)) in enumerate(zip(rows, plans, strict=True)):
            if not row.answerable:
                span_sims.append(None)
            elif span is None:  # declined an answerable question: nothing said
                span_sims.append(0.0)
            else:
                span_sims.append(max(m.cosine(vectors[span], vectors[g]) for g in golds))
            reply_sims.append(
                m.cosine(vectors[reply_idx[i]], vectors[ref]) if ref is not None else None
            )
            sentence_sims.append(
                m.cosine(vectors[sentence_idx[i]], vectors[ref])
                if ref is not None and quotes else None
            )
        return (span_sims, reply_sims, sentence_sims,
                vectors[reply_idx] if reply_idx else vectors)

    def _aggregate(self, rows: Sequence[RowResult], reply_vecs: np.ndarray,
                   threshold: float | None) -> SystemMetrics:
        qa = _qa(rows)
        groups: dict[str, list[tuple[np.ndarray, str | None]]] = defaultdict(list)
        for i, r in enumerate(rows):
            if r.gold.group:
                groups[r.gold.group].append((reply_vecs[i], r.prediction.text))
        retrieved = [r for r in rows if r.mode == "e2e"]
        k = max((len(r.prediction.retrieved) for r in retrieved), default=0) or None
        confident = [r for r in rows if r.prediction.confidence is not None]
        confidences = [float(r.prediction.confidence) for r in confident]
        correct = [bool(r.correct) for r in confident]
        categories: dict[str, list[RowResult]] = defaultdict(list)
        styles: dict[str, list[RowResult]] = defaultdict(list)
        for r in rows:
            if r.gold.category:
                categories[r.gold.category].append(r)
            if r.gold.style:
                styles[r.gold.style].append(r)
        tokens = [r.prediction.tokens for r in rows]
        latencies = [r.prediction.latency * 1000 for r in rows]
        span_sims = [r.span_similarity for r in rows if r.span_similarity is not None]
        reply_sims = [r.reply_similarity for r in rows if r.reply_similarity is not None]
        sentence_sims = [r.sentence_similarity for r in rows
                         if r.sentence_similarity is not None]
        return SystemMetrics(
            qa=qa,
            span_similarity=float(np.mean(span_sims)) if span_sims else None,
            reply_similarity=float(np.mean(reply_sims)) if reply_sims else None,
            sentence_similarity=float(np.mean(sentence_sims)) if sentence_sims else None,
            n_references=len(reply_sims),
            consistency=m.consistency(list(groups.values())),
            recall_at_k=m.recall_at_k(
                [r.gold.answers for r in retrieved], [r.prediction.retrieved for r in retrieved]
            ) if retrieved else None,
            k=k,
            ece=m.expected_calibration_error(confidences, correct, self.n_bins),
            n_confident=len(confident),
            reliability=m.reliability_bins(confidences, correct, self.n_bins) if confident else [],
            coverage=m.coverage_curve(confidences, correct,
                                      [r.gold.answerable for r in confident]),
            threshold=threshold,
            latency_p50_ms=m.percentile(latencies, 50),
            latency_p95_ms=m.percentile(latencies, 95),
            cost=m.cost_per_1k(
                [r.cpu_seconds for r in rows], [r.wall_seconds for r in rows], tokens,
                self.price_per_1k_tokens if sum(tokens) > 0 else None,
            ),
            errors=sum(1 for r in rows if r.prediction.error),
            by_category={name: _qa(members) for name, members in categories.items()},
            by_style={name: _qa(members) for name, members in styles.items()},
            recall_by={"style": _recalls(styles), "category": _recalls(categories)},
            similarity_by={"style": _sims(styles), "category": _sims(categories)},
        )


def _sims(groups: dict[str, list[RowResult]]) -> dict[str, tuple[float | None, float | None]]:
    def mean(values: list[float | None]) -> float | None:
        kept = [v for v in values if v is not None]
        return float(np.mean(kept)) if kept else None

    return {name: (mean([r.reply_similarity for r in members]),
                   mean([r.sentence_similarity for r in members]))
            for name, members in groups.items()}


def _recalls(groups: dict[str, list[RowResult]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for name, members in groups.items():
        retrieved = [r for r in members if r.mode == "e2e"]
        out[name] = (m.recall_at_k([r.gold.answers for r in retrieved],
                                   [r.prediction.retrieved for r in retrieved])
                     if retrieved else None)
    return out


def _qa(rows: Sequence[RowResult]) -> m.QASummary:
    return m.summarize_qa(
        [r.exact_match for r in rows], [r.f1 for r in rows],
        [r.gold.answerable for r in rows], [r.prediction.answered for r in rows],
    )
