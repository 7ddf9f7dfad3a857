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

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from qa_engine.compose.composer import Composer, sentence_around
from qa_engine.pipeline import AnswerEngine, clean_question
from qa_engine.read.reader import SpanReader
from qa_engine.retrieve.embedder import Embedder
from qa_engine.sentences import split_sentences  # lines too: one `Field: value` per line
from qa_engine.types import Passage, RetrievedPassage
from training.evaluation.base import (
    DECLINE_REPLY,
    Prediction,
    Retrieve,
    Stopwatch,
    SystemUnavailable,
    gold_passage,
    passages_for,
)


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

    End-to-end mode calls `AnswerEngine.ask()` exactly as the bot does; reader-only
    mode hands the gold context to the same reader and composes the reply with the
    same composer, so replies read alike in both modes. `adalora`, `lora` and
    `full-ft` are this class with different model directories.
    """

    def __init__(
        self,
        name: str,
        reader: SpanReader,
        composer: Composer,
        engine: AnswerEngine | None = None,
    ) -> None:
        self.name = name
        self.reader = reader
        self.composer = composer
        self.engine = engine  # AnswerEngine.assemble(...): exactly the bot's engine

    @property
    def model_version(self) -> str:
        return self.reader.model_version

    @property
    def threshold(self) -> float:
        return self.reader.threshold

    def warm_up(self) -> None:
        if self.engine is not None:
            self.engine.warm_up()
        self.reader.warm_up()

    def answer(self, question: str, context: str | None) -> Prediction:
        with Stopwatch() as watch:
            if context is None:
                prediction = self._end_to_end(question)
            else:
                prediction = self._reader_only(question, context)
        return replace(prediction, latency=watch.seconds)

    def _end_to_end(self, question: str) -> Prediction:
        if self.engine is None:
            raise SystemUnavailable(
                f"{self.name}: end-to-end mode needs a knowledge base (this row has no context)"
            )
        answer = self.engine.ask(question)
        candidate = answer.span
        if not answer.answered and answer.passage is not None and answer.span_start is not None:
            candidate = answer.passage.text[answer.span_start: answer.span_end]
        return Prediction(
            text=answer.span if answer.answered else None,
            confidence=answer.confidence,
            reply=answer.answer,
            latency=0.0,
            candidate=candidate,
            retrieved=tuple(r.passage.text for r in answer.retrieved),
            sentence=(verbatim_sentence(answer.passage.text, answer.span_start, answer.span_end)
                      if answer.answered and answer.passage is not None
                      and answer.span_start is not None and answer.span_end is not None
                      else None),
        )

    def _reader_only(self, question: str, context: str) -> Prediction:
        question = clean_question(question, 10**6)  # same cleaning as the engine
        passage = gold_passage(context)
        result = self.reader.run(question, [passage])
        best = result.best
        if result.answered and best is not None:
            reply = self.composer.answer(passage, best.start, best.end, question=question)
            sentence = verbatim_sentence(context, best.start, best.end)
        else:
            reply, sentence = self.composer.declined([]), None
        return Prediction(
            text=best.text if result.answered and best is not None else None,
            confidence=result.confidence,
            reply=reply,
            latency=0.0,
            candidate=best.text if best is not None else None,
            sentence=sentence,
        )


def verbatim_sentence(text: str, start: int, end: int) -> str:
    """The passage's sentence(s) around [start, end), exactly as written."""
    lo, hi = sentence_around(text, start, end)
    return text[lo:hi].strip()


def retrieval_function(retriever) -> Retrieve:  # noqa: ANN001
    """A `Retrieve` over a qa_engine `Retriever`.

    Not memoised on purpose: each system pays for its own retrieval, so latency
    and CPU cost compare like with like.
    """

    def retrieve(question: str, top_k: int) -> Sequence[RetrievedPassage]:
        return retriever.run(question, top_k=top_k)

    return retrieve
