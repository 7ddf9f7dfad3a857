"""What `AnswerEngine` needs of its parts, as protocols.

`qa_engine.read.reader.SpanReader` and `qa_engine.retrieve.retriever.ChromaRetriever`
are the project's implementations; anything with these methods can stand in (a test
double, another reader family). Construction is cheap; `warm_up()` loads models once and
is idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from qa_engine.types import Passage, ReaderResult, RetrievedPassage, SpanCandidate

#: The one warm-up probe: read by `AnswerEngine.warm_up()` (the first forward pass of a
#: fresh process pays for lazy initialisation) and by the model watcher before it swaps
#: a new reader in (a version that cannot read this is not served).
PROBE_QUESTION = "What is the return window for online orders?"
PROBE_PASSAGE = Passage(id="warm-up", title="warm-up", source="warm-up",
                        text="Online orders can be returned within 30 days of delivery.")


@runtime_checkable
class Reader(Protocol):
    """Finds the answer span for a question in a few passages, or declines."""

    model_version: str

    @property
    def threshold(self) -> float: ...

    def warm_up(self) -> None: ...

    def run(self, question: str, passages: Sequence[Passage]) -> ReaderResult:
        """The best span with its calibrated confidence; `answered` applies the threshold."""
        ...

    def candidates(self, question: str, passages: Sequence[Passage]) -> list[SpanCandidate]:
        """Every passage's n-best spans, merged and ranked by margin (uncalibrated)."""
        ...

    def score(self, question: str, passages: Sequence[Passage]) -> SpanCandidate | None:
        """The best span with its raw margin (what calibration fits on), or None."""
        ...


@runtime_checkable
class Retriever(Protocol):
    """The top passages of the knowledge base for a question."""

    def warm_up(self) -> None: ...

    def run(self, question: str, top_k: int | None = None, kind: str | None = None,
            where: dict[str, Any] | None = None) -> list[RetrievedPassage]: ...

    def passages(self, where: dict[str, Any], limit: int = 500) -> list[Passage]:
        """Every passage whose metadata match `where` (a product's reviews)."""
        ...

    def count(self) -> int:
        """How many passages the knowledge base holds (typo repair re-reads on a change)."""
        ...

    def texts(self) -> list[str]:
        """Every passage's text, title and section (the words typo repair corrects toward)."""
        ...


@runtime_checkable
class KBEmbedder(Protocol):
    """The retriever's sentence embedder, as the engine uses it: unit-length vectors (how
    many reviews agree) and the vocabulary typo repair corrects toward."""

    def embed(self, texts: Sequence[str]) -> Any: ...

    def vocabulary(self) -> set[str]: ...
