"""The vocabulary shared by every evaluated system: `System`, `Prediction`, `Retrieval`.

A system answers one question either from a given context (reader-only mode) or by
retrieving from the knowledge base first (end-to-end mode, `context=None`). Keeping
this contract tiny is what lets a fine-tuned reader, a sentence-matching baseline
and a chat model sit in one comparison table.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from qa_engine.types import Passage, RetrievedPassage

#: What a system says when it declines and has no composed reply of its own.
DECLINE_REPLY = "Sorry, I couldn't find that in the knowledge base."

#: Retrieval function shared by the systems in one run: (question, top_k) -> passages.
Retrieve = Callable[[str, int], Sequence[RetrievedPassage]]


class SystemUnavailable(RuntimeError):
    """A system cannot run here (no model directory, no endpoint); the message says why."""


@dataclass(frozen=True)
class Prediction:
    """One system's answer to one question.

    `text` is the span the system commits to (None = declined). `candidate` is the
    best span it had even when it declined, which calibration and the coverage
    curve need. `retrieved` holds the texts of the passages it read, in rank order
    (end-to-end mode only), for retrieval recall.
    """

    text: str | None
    confidence: float | None
    reply: str
    latency: float  # wall seconds for this answer
    tokens: int = 0  # billed API tokens (prompt + completion); 0 for local systems
    candidate: str | None = None
    retrieved: tuple[str, ...] = ()
    error: str | None = None  # set when the system failed on this question
    #: the whole knowledge-base sentence holding the span, verbatim (reader systems): the
    #: reply a bot without a composer would send, so the composer's share is measurable
    sentence: str | None = None

    @property
    def answered(self) -> bool:
        return self.text is not None


@runtime_checkable
class System(Protocol):
    """An evaluated question-answering system."""

    name: str

    def warm_up(self) -> None:
        """Load models / open connections; idempotent."""

    def answer(self, question: str, context: str | None) -> Prediction:
        """Answer from `context` when given, else retrieve from the knowledge base."""


def gold_passage(context: str) -> Passage:
    """The gold context wrapped as a passage, for reader-only mode."""
    return Passage(id="gold", text=context, title="gold", source="gold")


class Stopwatch:
    """Wall-clock timer for one answer (`with Stopwatch() as sw: ...; sw.seconds`)."""

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def passages_for(
    question: str, context: str | None, retrieve: Retrieve | None, top_k: int
) -> tuple[list[Passage], tuple[str, ...]]:
    """The passages a system should read, and the retrieved texts to record.

    Reader-only mode returns the gold passage and records nothing; end-to-end mode
    needs a retrieval function and records what it returned.
    """
    if context is not None:
        return [gold_passage(context)], ()
    if retrieve is None:
        raise SystemUnavailable(
            "end-to-end mode needs a knowledge base (this row has no context)"
        )
    hits = list(retrieve(question, top_k))
    return [h.passage for h in hits], tuple(h.passage.text for h in hits)
