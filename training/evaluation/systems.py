"""The systems compared by `stylesprint eval --systems ...`.

* `RetrievalOnlySystem` — no reader: the sentence of the top passage closest to the
  question. The floor any reader must beat.
* `ReaderSystem` — a span reader behind the real `AnswerEngine` (retriever, reader,
  brand-voice composer); `adalora` (the served version), `lora` and `full-ft` are
  all this class with different model directories.
* `InContextSystem` (in `incontext.py`) — a prompted chat model.

Each is cheap to construct and loads in `warm_up()`, so the CLI can list what will
run (and skip what cannot) before paying for any model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa_engine.embedder import Embedder
from qa_engine.pipeline import AnswerEngine
from qa_engine.types import Passage, QuestionError, RetrievedPassage
from training.evaluation.base import (
    DECLINE_REPLY,
    Prediction,
    Retrieve,
    Stopwatch,
    gold_passage,
    passages_for,
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentences (and lines: catalog records are one `Field: value` per line)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


class RetrievalOnlySystem:
    """Answers with the top passage's sentence most similar to the question; never declines."""

    def __init__(
        self, embedder: Embedder, retrieve: Retrieve | None = None, top_k: int = 3,
        name: str = "retrieval-only",
    ) -> None:
        self.name = name
        self.embedder = embedder
        self.retrieve = retrieve
        self.top_k = top_k  # passages retrieved (for recall); the answer uses the first

    def warm_up(self) -> None:
        self.embedder.warm_up()

    def best_sentence(self, question: str, passage: Passage) -> str:
        sentences = split_sentences(passage.text) or [passage.text.strip()]
        if len(sentences) == 1:
            return sentences[0]
        vectors = self.embedder.embed([question, *sentences])
        scores = vectors[1:] @ vectors[0]
        return sentences[int(np.argmax(scores))]

    def answer(self, question: str, context: str | None) -> Prediction:
        with Stopwatch() as watch:
            passages, retrieved = passages_for(question, context, self.retrieve, self.top_k)
            text = self.best_sentence(question, passages[0]) if passages else None
        return Prediction(
            text=text,
            confidence=None,
            reply=text if text is not None else DECLINE_REPLY,
            latency=watch.seconds,
            candidate=text,
            retrieved=retrieved,
        )


class ReaderSystem:
    """A fine-tuned span reader, run through the production `AnswerEngine`.

    End-to-end mode calls `engine.ask()` exactly as the bot does; reader-only mode
    hands the gold context to the engine's reader and composes the reply with the
    engine's composer, so replies read the same in both modes.
    """

    def __init__(self, name: str, engine: AnswerEngine) -> None:
        self.name = name
        self.engine = engine

    @property
    def model_version(self) -> str:
        return self.engine.model_version

    def warm_up(self) -> None:
        self.engine.reader.warm_up()

    def answer(self, question: str, context: str | None) -> Prediction:
        with Stopwatch() as watch:
            try:
                if context is None:
                    prediction = self._end_to_end(question)
                else:
                    prediction = self._reader_only(question, context)
            except QuestionError as exc:
                prediction = Prediction(None, None, DECLINE_REPLY, 0.0, error=str(exc))
        return _with_latency(prediction, watch.seconds)

    def _end_to_end(self, question: str) -> Prediction:
        self.engine.warm_up()
        answer = self.engine.ask(question)
        candidate = None
        if answer.passage is not None and answer.span_start is not None:
            candidate = answer.passage.text[answer.span_start: answer.span_end]
        return Prediction(
            text=answer.span if answer.answered else None,
            confidence=answer.confidence,
            reply=answer.answer,
            latency=0.0,
            candidate=answer.span if answer.answered else candidate,
            retrieved=tuple(r.passage.text for r in answer.retrieved),
        )

    def _reader_only(self, question: str, context: str) -> Prediction:
        passage = gold_passage(context)
        result = self.engine.reader.run(question, [passage])
        best = result.best
        if result.answered and best is not None:
            reply = self.engine.composer.answer(passage, best.start, best.end)
        else:
            reply = self.engine.composer.declined([])
        return Prediction(
            text=best.text if result.answered and best is not None else None,
            confidence=result.confidence,
            reply=reply,
            latency=0.0,
            candidate=best.text if best is not None else None,
        )


def _with_latency(prediction: Prediction, seconds: float) -> Prediction:
    from dataclasses import replace

    return replace(prediction, latency=seconds)


def retrieval_function(retriever) -> Retrieve:  # noqa: ANN001
    """A `Retrieve` over a qa_engine `Retriever`.

    Not memoised on purpose: each system pays for its own retrieval, so latency
    and CPU cost compare like with like.
    """

    def retrieve(question: str, top_k: int) -> Sequence[RetrievedPassage]:
        return retriever.run(question, top_k=top_k)

    return retrieve
