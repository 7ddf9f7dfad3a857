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

from qa_engine.compose.composer import Composer
from qa_engine.corrections import (
    ChromaPassages,
    Located,
    NotLocated,
    PassageSource,
    locate_correction,
)
from qa_engine.db import TRANSIENT_ERRORS, DatabaseUnavailable
from qa_engine.protocols import Reader
from qa_engine.records import Records
from qa_engine.records.schema import NOT_COVERED
from qa_engine.records.verified import Verified
from qa_engine.retrieve.embedder import Embedder
from qa_engine.retrieve.verified_match import MatchRule, Reading, features, key_conflict, reading
from qa_engine.types import (
    Answer,
    KnowledgeBaseUnavailable,
    Passage,
    RetrievedPassage,
    SourceRef,
    VerifiedMark,
)

logger = logging.getLogger(__name__)

CANDIDATES = 5  # nearest verified questions checked per question
PREFILTER = 0.55  # below this question similarity the matching rule is not asked
RETRY_AFTER_S = 30.0  # records or KB unreachable: answer from the reader this long


@dataclass(frozen=True)
class VerifiedHit:
    verified: Verified
    passage: Passage  # the knowledge base's passage now (same text as verified)
    similarity: float


def _memory_collection() -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from qa_engine.retrieve.chroma_store import get_collection

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
        rule: the matching rule (`qa_engine.retrieve.verified_match`) that serves a verified answer
            to a paraphrase below `threshold`; None = near-copies only. Either way a
            question naming another number, size or country is never served.
    """

    def __init__(self, records: Records, embedder: Embedder, kb: ChromaPassages,
                 threshold: float,
                 embed_question: Callable[[str], list[float]] | None = None,
                 rule: MatchRule | None = None) -> None:
        self.records = records
        self.embedder = embedder
        self.embed_question = embed_question or (lambda q: embedder.embed([q])[0].tolist())
        self.kb = kb
        self.threshold = threshold
        self.rule = rule
        self._passage_vectors: dict[str, Any] = {}
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
            self._passage_vectors = {i: v for i, v in self._passage_vectors.items() if i in rows}
            self._rows, self._marker = rows, marker

    def lookup(self, question: str, asker: str | None = None,
               reader: Reader | None = None) -> VerifiedHit | None:
        """The verified answer for `question` as `asker` may be served it (published ones,
        and the asker's own pending corrections), or None; never fails the question.

        `reader` (the engine's, for this question) reads the question on a candidate's
        verified passage for the matching rule; without one only near-copies are served.

        When the records database (or the knowledge base) does not answer, verified answers
        are skipped for `RETRY_AFTER_S`, so questions do not each wait on a connect timeout.
        """
        if time.monotonic() < self._retry_at:
            return None
        try:
            return self._lookup(question, asker, reader)
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

    def _lookup(self, question: str, asker: str | None,
                reader: Reader | None) -> VerifiedHit | None:
        self.sync()
        rows = self._rows
        if not rows or self._collection is None:
            return None
        hidden = sum(1 for v in rows.values() if not v.published)  # pending: not for all
        vector = self.embed_question(question)
        res = self._collection.query(query_embeddings=[vector],
                                     n_results=min(CANDIDATES + hidden, len(rows)),
                                     include=["distances"])
        floor = PREFILTER if self.rule is not None else self.threshold
        kb_scores: dict[str, float] | None = None
        read: dict[str, list[Any]] = {}  # the reader's n-best per verified passage
        hits: list[tuple[Verified, float]] = []
        for vid, distance in zip(res["ids"][0], res["distances"][0], strict=True):
            similarity = 1.0 - float(distance)
            if similarity < floor:
                break
            verified = rows.get(vid)
            if verified is None or not verified.served_to(asker):
                continue
            if key_conflict(question, verified.question, verified.span):
                continue
            if similarity < self.threshold:  # not a near-copy: ask the matching rule
                if self.rule is None or reader is None:
                    continue
                if kb_scores is None:
                    kb_scores = self._kb_scores(vector)
                x = self._features(question, vector, vid, verified, similarity, kb_scores,
                                   self._reading(reader, question, verified, read))
                if not self.rule.serves(question, verified.question, verified.span, x):
                    continue
            hits.append((verified, similarity))
        # the asker's own correction, waiting for approval, before a published answer it
        # says is wrong (a stable sort: nearest first within each)
        hits.sort(key=lambda hit: hit[0].published)
        for verified, similarity in hits:
            passage = self._current(verified)
            if passage is not None:
                return VerifiedHit(verified, passage, similarity)
        return None

    def _kb_scores(self, vector: list[float]) -> dict[str, float]:
        """The knowledge base's best passages for the question: id -> cosine similarity."""
        try:
            res = self.kb.collection.query(query_embeddings=[vector], n_results=3,
                                           include=["distances"])
        except Exception as exc:
            raise KnowledgeBaseUnavailable(f"knowledge base unavailable: {exc}") from exc
        return {i: 1.0 - float(d) for i, d in zip(res["ids"][0], res["distances"][0],
                                                  strict=True)}

    @staticmethod
    def _reading(reader: Reader, question: str, verified: Verified,
                 read: dict[str, list[Any]]) -> Reading:
        """The reader's n-best for `question` on the verified passage alone (once per
        passage and question: `read`), against the verified span."""
        if verified.passage_id not in read:
            passage = Passage(id=verified.passage_id, text=verified.passage_text, title="",
                              source="")
            read[verified.passage_id] = reader.candidates(question, [passage])
        return reading(read[verified.passage_id], verified.span_start, verified.span_end,
                       verified.span)

    def _features(self, question: str, vector: list[float], vid: str, verified: Verified,
                  similarity: float, kb_scores: dict[str, float], read: Reading) -> list[float]:
        """The matching rule's inputs for `question` against one verified answer."""
        import numpy as np

        pv = self._passage_vectors.get(vid)
        if pv is None:  # the passage's vector as the knowledge base stores it (retrieval's)
            try:
                got = self.kb.collection.get(ids=[verified.passage_id], include=["embeddings"])
            except Exception as exc:
                raise KnowledgeBaseUnavailable(f"knowledge base unavailable: {exc}") from exc
            stored = got.get("embeddings")
            pv = (np.asarray(stored[0], dtype=np.float32) if stored is not None and len(stored)
                  else self.embedder.embed([verified.passage_text])[0])
            self._passage_vectors[vid] = pv
        own = float(np.dot(np.asarray(vector, dtype=np.float32), pv))
        others = [s for i, s in kb_scores.items() if i != verified.passage_id]
        return features(question, verified.question, verified.span, verified.passage_text,
                        similarity, own, max(others) if others else 0.0, read)

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
    return Answer.read(
        question, reply, passage, v.span_start, v.span_end, confidence=1.0,
        sources=[SourceRef(id=passage.id, title=passage.label, source=passage.source,
                           score=score)],
        model_version=model_version, retrieved=[RetrievedPassage(passage, hit.similarity)],
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
    located ("the knowledge base does not cover this": its publication is recorded on
    the correction itself, since training learns a decline from it). Called off the
    request thread when a correction is saved.
    """
    correction = records.verified.correction(correction_id)
    if correction is None:
        raise LookupError(f"no correction with id {correction_id}")
    if correction["reason"] == NOT_COVERED:
        records.verified.mark_unverifiable(correction_id, publish)
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

