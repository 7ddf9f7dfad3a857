"""Typed results passed between the components of the answer engine.

Components (retriever, reader, composer) take and return these plain dataclasses,
so the Slack bot, the evaluator and the CLI share one vocabulary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class QuestionError(ValueError):
    """The question cannot be answered as asked (empty, too long, not text)."""


class KnowledgeBaseUnavailable(RuntimeError):
    """The vector store could not be reached; the caller should tell the agent so."""


@dataclass(frozen=True)
class Passage:
    """One retrievable chunk of the knowledge base, as stored in Chroma."""

    id: str
    text: str
    title: str
    source: str
    section: str = ""
    doc_id: str = ""
    kind: str = "document"
    # Reviews (kind "review", qa_engine/compose/reviews.py): what the review loaders store
    # in Chroma.
    product: str = ""
    rating: int | None = None  # 1-5; None when unknown (stored as -1)
    review_date: str = ""  # ISO date or ""
    verified_buyer: bool | None = None

    @property
    def label(self) -> str:
        """What an agent reads as the citation: "Returns & Exchanges › Online orders"."""
        if self.section and self.section != self.title:
            return f"{self.title} › {self.section}"
        return self.title


@dataclass(frozen=True)
class RetrievedPassage:
    passage: Passage
    score: float  # cosine similarity of question and passage, higher is better


@dataclass(frozen=True)
class SpanCandidate:
    """A span the reader proposes inside one passage (character offsets into its text)."""

    passage_id: str
    text: str
    start: int
    end: int
    score: float  # start logit + end logit
    null_score: float  # CLS start + end logit of the same window
    window: int = 0

    @property
    def margin(self) -> float:
        """How much the reader prefers this span over "no answer in this window"."""
        return self.score - self.null_score


@dataclass(frozen=True)
class ReaderResult:
    """The reader's verdict over all passages it was given."""

    best: SpanCandidate | None  # None only when there was nothing to read
    confidence: float  # calibrated probability that `best` is a right answer
    answered: bool  # confidence >= the model's threshold
    threshold: float
    candidates: tuple[SpanCandidate, ...] = ()


@dataclass(frozen=True)
class SourceRef:
    id: str
    title: str
    source: str
    score: float


@dataclass(frozen=True)
class VerifiedMark:
    """An answer served from a verified answer (qa_engine/retrieve/verified_index.py):
    which, and how close."""

    id: int  # the verified_answers row
    origin: str  # "correction" | "votes"
    similarity: float  # of the question to the verified question
    verified_by: tuple[str, ...] = ()  # user ids that vouched for it, its author first
    published: bool = True  # False: a pending correction, served to its author only


@dataclass
class Answer:
    """What the engine returns for one question: the CLI contract in object form."""

    question: str
    answered: bool
    answer: str  # customer-ready brand-voice reply, no decoration
    span: str | None
    confidence: float
    sources: list[SourceRef]
    model_version: str
    latency_ms: float
    passage: Passage | None = None  # the passage the span came from (as used)
    span_start: int | None = None
    span_end: int | None = None
    retrieved: list[RetrievedPassage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    verified: VerifiedMark | None = None  # "verified by an agent"

    @classmethod
    def read(cls, question: str, reply: str, passage: Passage, start: int, end: int, *,
             confidence: float, sources: list[SourceRef], model_version: str,
             retrieved: list[RetrievedPassage], verified: VerifiedMark | None = None,
             latency_ms: float = 0.0) -> Answer:
        """An answer read in `passage`: its span is `passage.text[start:end]`."""
        return cls(question=question, answered=True, answer=reply,
                   span=passage.text[start:end], confidence=confidence, sources=sources,
                   model_version=model_version, latency_ms=latency_ms, passage=passage,
                   span_start=start, span_end=end, retrieved=retrieved, verified=verified)

    @classmethod
    def declined(cls, question: str, reply: str, *, model_version: str,
                 confidence: float = 0.0, sources: list[SourceRef] | None = None,
                 retrieved: list[RetrievedPassage] | None = None,
                 nearest: tuple[Passage, int, int] | None = None,
                 latency_ms: float = 0.0) -> Answer:
        """A declined question: `reply` says why; `nearest` is the span the reader found
        and did not trust (passage, start, end), kept for the records."""
        passage, start, end = nearest if nearest is not None else (None, None, None)
        return cls(question=question, answered=False, answer=reply, span=None,
                   confidence=confidence, sources=list(sources or []),
                   model_version=model_version, latency_ms=latency_ms, passage=passage,
                   span_start=start, span_end=end, retrieved=list(retrieved or []))

    def to_json(self) -> dict[str, Any]:
        """The `stylesprint ask --json` object (field names are a public contract)."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "span": self.span,
            "confidence": round(self.confidence, 4),
            "sources": [asdict(s) for s in self.sources],
            "model_version": self.model_version,
            "latency_ms": round(self.latency_ms, 1),
            "verified": asdict(self.verified) if self.verified else None,
        }
