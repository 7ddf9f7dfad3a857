"""Verified answers: a question an agent fixed is answered right the next time anyone asks.

The `verified_answers` table (qa_engine/records/verified.py) is the source of truth; a
correction stored by one process is served by every other. Each serving process keeps a
`VerifiedIndex`: the active rows' questions embedded with the project's embedder in an
in-memory Chroma collection (telemetry off, Chroma's own embedding function refused). An
in-memory collection, not one in the knowledge base's directory, because it is a cache
of the table that any number of processes rebuild on their own; two processes writing
one persistent Chroma directory is what Chroma warns against.

Before each question the index compares one cheap aggregate of the table (row count,
highest id, latest change) with what it last read, and re-reads only when it moved: the
fix is served seconds after it is stored, before any retrain. A question whose
similarity to a verified question is at least the threshold (`verified_threshold`,
calibrated on paraphrase groups: `python -m training.verified_threshold`) is answered
from the verified passage and span, if that passage is still in the knowledge base
word for word; a verified answer whose passage changed or disappeared on re-ingest is
retired (kept in the table with the reason) and never served.

A correction waiting for approval (`pending`, qa_engine/records/verified.py) is indexed
too, but served only to its author (`lookup(question, asker=...)`); its approval moves
the marker, so everyone gets it from the next question on.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from qa_engine.composer import Composer
from qa_engine.corrections import (
    ChromaPassages,
    Located,
    NotLocated,
    PassageSource,
    locate_correction,
)
from qa_engine.db import TRANSIENT_ERRORS, DatabaseUnavailable
from qa_engine.embedder import Embedder
from qa_engine.records import Records
from qa_engine.records.schema import NOT_COVERED
from qa_engine.records.verified import Verified
from qa_engine.types import (
    Answer,
    KnowledgeBaseUnavailable,
    Passage,
    RetrievedPassage,
    SourceRef,
    VerifiedMark,
)

logger = logging.getLogger(__name__)

CANDIDATES = 3  # nearest verified questions checked per question
RETRY_AFTER_S = 30.0  # records or KB unreachable: answer from the reader this long


@dataclass(frozen=True)
class VerifiedHit:
    verified: Verified
    passage: Passage  # the knowledge base's passage now (same text as verified)
    similarity: float


def _memory_collection() -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from qa_engine.store import get_collection

    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    return client, get_collection(client, f"verified_{uuid.uuid4().hex[:12]}")


class VerifiedIndex:
    """The serving side of verified answers (see the module docstring).

    Args:
        records: the records database holding `verified_answers`.
        embedder: the project's sentence embedder (the retriever's).
        kb: the knowledge base, to check a verified passage is still there unchanged.
        threshold: cosine similarity of question embeddings from which a question is
            taken for a paraphrase of a verified one.
        embed_question: a question's vector (default: `embedder`; the engine passes its
            retriever's, which keeps recent questions' vectors).
    """

    def __init__(self, records: Records, embedder: Embedder, kb: ChromaPassages,
                 threshold: float,
                 embed_question: Callable[[str], list[float]] | None = None) -> None:
        self.records = records
        self.embedder = embedder
        self.embed_question = embed_question or (lambda q: embedder.embed([q])[0].tolist())
        self.kb = kb
        self.threshold = threshold
        self._client, self._collection = None, None
        self._rows: dict[str, Verified] = {}
        self._marker: tuple[int, int, str] | None = None
        self._lock = threading.Lock()
        self._retry_at = 0.0

    def sync(self) -> None:
        """Re-read the table if it changed since the last read (one aggregate query if not)."""
        marker = self._bounded(self.records.verified.marker)
        if marker == self._marker:
            return
        with self._lock:
            if marker == self._marker:
                return
            if self._collection is None:
                self._client, self._collection = _memory_collection()
            # keyed by id and status: a pending row that is published is indexed anew
            rows = {f"{v.id}:{v.status}": v
                    for v in self._bounded(self.records.verified.servable)}
            have = set(self._collection.get(include=[])["ids"])
            if stale := sorted(have - set(rows)):
                self._collection.delete(ids=stale)
            if new := sorted(set(rows) - have):
                vectors = self.embedder.embed([rows[i].question for i in new])
                self._collection.add(ids=new, embeddings=vectors.tolist())
            self._rows, self._marker = rows, marker

    def lookup(self, question: str, asker: str | None = None) -> VerifiedHit | None:
        """The verified answer for `question` as `asker` may be served it (published ones,
        and the asker's own pending corrections), or None; never fails the question.

        When the records database (or the knowledge base) does not answer, verified answers
        are skipped for `RETRY_AFTER_S`, so questions do not each wait on a connect timeout.
        """
        if time.monotonic() < self._retry_at:
            return None
        try:
            return self._lookup(question, asker)
        except (SQLAlchemyError, DatabaseUnavailable, KnowledgeBaseUnavailable, OSError) as exc:
            self._retry_at = time.monotonic() + RETRY_AFTER_S
            logger.warning("verified answers unavailable for %.0f s, answering from the "
                           "reader: %s", RETRY_AFTER_S, type(exc).__name__)
            return None

    def _bounded(self, read: Callable[[], Any]) -> Any:
        """`read()` under the records' deadline (`DeadlineGuard`): a database that hangs
        (a silent partition, where no driver timeout reaches) does not hold the question,
        on the bot's answer path with or without a record."""
        return self.records.guard.call(read, transient=TRANSIENT_ERRORS, proves_health=False)

    def _lookup(self, question: str, asker: str | None) -> VerifiedHit | None:
        self.sync()
        rows = self._rows
        if not rows or self._collection is None:
            return None
        hidden = sum(1 for v in rows.values() if not v.published)  # pending: not for all
        res = self._collection.query(query_embeddings=[self.embed_question(question)],
                                     n_results=min(CANDIDATES + hidden, len(rows)),
                                     include=["distances"])
        hits: list[tuple[Verified, float]] = []
        for vid, distance in zip(res["ids"][0], res["distances"][0], strict=True):
            similarity = 1.0 - float(distance)
            if similarity < self.threshold:
                break
            verified = rows.get(vid)
            if verified is not None and verified.served_to(asker):
                hits.append((verified, similarity))
        # the asker's own correction, waiting for approval, before a published answer it
        # says is wrong (a stable sort: nearest first within each)
        hits.sort(key=lambda hit: hit[0].published)
        for verified, similarity in hits:
            passage = self._current(verified)
            if passage is not None:
                return VerifiedHit(verified, passage, similarity)
        return None

    def _current(self, verified: Verified) -> Passage | None:
        """The verified passage as the knowledge base holds it now; retires it if gone."""
        found = self.kb.get([verified.passage_id])
        if found and found[0].text == verified.passage_text:
            return found[0]
        why = "its passage changed on re-ingest" if found else "its passage left the knowledge base"
        if self._bounded(lambda: self.records.verified.retire(verified.id, why)):
            logger.info("verified answer %d retired: %s", verified.id, why)
        self._marker = None  # re-read at the next question
        return None

    def close(self) -> None:
        if self._client is not None and self._collection is not None:
            self._client.delete_collection(self._collection.name)
        self._client, self._collection = None, None


def verified_answer(hit: VerifiedHit, question: str, query: str, composer: Composer,
                    model_version: str) -> Answer:
    """The reply to `question` from a verified passage and span, with the verified mark."""
    v, passage = hit.verified, hit.passage
    reply = composer.answer(passage, v.span_start, v.span_end, question=query)
    score = round(hit.similarity, 4)
    return Answer(
        question=question, answered=True, answer=reply, span=v.span, confidence=1.0,
        sources=[SourceRef(id=passage.id, title=passage.label, source=passage.source,
                           score=score)],
        model_version=model_version, latency_ms=0.0, passage=passage,
        span_start=v.span_start, span_end=v.span_end,
        retrieved=[RetrievedPassage(passage, hit.similarity)],
        verified=VerifiedMark(id=v.id, origin=v.origin, similarity=score,
                              verified_by=v.verified_by, published=v.published),
    )


def knowledge_base_of(engine: Any) -> Callable[[], ChromaPassages] | None:
    """A factory of fresh knowledge-base views over the engine's collection, or None when
    the engine has no Chroma retriever (a test double)."""
    collection = getattr(getattr(engine, "retriever", None), "collection", None)
    if collection is None:
        return None
    return lambda: ChromaPassages(collection)


def verify_correction(records: Records, correction_id: int,
                      kb: PassageSource | None,
                      publish: bool = True) -> Located | NotLocated | None:
    """Locate a stored correction and, if it is written in the knowledge base, verify it
    (`publish`: for everyone at once; otherwise pending, for its author until approved).

    Returns where it was found (or why not); None for a correction that is not to be
    located ("the knowledge base does not cover this"). Called off the request thread
    when a correction is saved.
    """
    correction = records.verified.correction(correction_id)
    if correction is None:
        raise LookupError(f"no correction with id {correction_id}")
    if correction["reason"] == NOT_COVERED:
        return None
    found = locate_correction(
        correction["text"], used_id=correction["passage_id"],
        used_text=correction["passage_text"], retrieved_ids=correction["retrieved_ids"],
        kb=kb, question=correction["question"], used_label=correction["passage_label"] or "")
    if isinstance(found, Located) and found.passage_id is not None:
        records.verified.add_from_correction(
            correction_id, passage_id=found.passage_id, passage_text=found.passage_text,
            passage_label=found.label or None, span=found.text, span_start=found.start,
            publish=publish)
    return found

