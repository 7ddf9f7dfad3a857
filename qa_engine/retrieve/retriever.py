"""Dense retrieval of knowledge-base passages from Chroma."""

from __future__ import annotations

from typing import Any

from qa_engine.read.speed import LRUCache
from qa_engine.retrieve.embedder import Embedder
from qa_engine.types import KnowledgeBaseUnavailable, Passage, RetrievedPassage


def passage_from_record(pid: str, text: str, meta: dict[str, Any] | None) -> Passage:
    """A Passage from a Chroma record (id, document, metadata)."""
    meta = meta or {}
    rating = meta.get("rating")
    verified = meta.get("verified_buyer")
    return Passage(
        id=pid,
        text=text or "",
        title=str(meta.get("title") or meta.get("source") or pid),
        source=str(meta.get("source") or ""),
        section=str(meta.get("section") or ""),
        doc_id=str(meta.get("doc_id") or ""),
        kind=str(meta.get("kind") or "document"),
        product=str(meta.get("product") or ""),
        rating=int(rating) if isinstance(rating, (int, float)) and 1 <= rating <= 5 else None,
        review_date=str(meta.get("review_date") or ""),
        verified_buyer=bool(verified) if isinstance(verified, bool) else None,
    )


class ChromaRetriever:
    """Top-k passages for a question, by cosine similarity of MiniLM embeddings.

    The collection stores cosine *distances*; scores returned here are
    similarities (1 - distance), so higher is better and 1.0 is identical.
    The embeddings of the last `cache_size` distinct questions are kept (agents ask
    the same things); only the vector is cached, never the passages, so a freshly
    ingested knowledge base is searched at once.
    """

    def __init__(
        self, collection: Any, embedder: Embedder, top_k: int = 3, cache_size: int = 0
    ) -> None:
        self.collection = collection
        self.embedder = embedder
        self.top_k = top_k
        self.cache: LRUCache[list[float]] = LRUCache(cache_size)

    def warm_up(self) -> None:
        self.embedder.warm_up()

    def count(self) -> int:
        try:
            return int(self.collection.count())
        except Exception as exc:
            raise KnowledgeBaseUnavailable(f"knowledge base unavailable: {exc}") from exc

    def texts(self) -> list[str]:
        """Every passage's text, title and section (for the question normaliser's words)."""
        try:
            res = self.collection.get(include=["documents", "metadatas"])
        except Exception as exc:
            raise KnowledgeBaseUnavailable(f"knowledge base unavailable: {exc}") from exc
        metas = res.get("metadatas") or [{}] * len(res["documents"])
        return [f"{m.get('title', '')} {m.get('section', '')} {d or ''}"
                for d, m in zip(res["documents"], metas, strict=True)]

    def passages(self, where: dict[str, Any], limit: int = 500) -> list[Passage]:
        """Every passage whose metadata match `where` (Chroma's filter), in id order."""
        try:
            res = self.collection.get(where=where, limit=limit,
                                      include=["documents", "metadatas"])
        except Exception as exc:
            raise KnowledgeBaseUnavailable(f"knowledge base unavailable: {exc}") from exc
        metas = res.get("metadatas") or [{}] * len(res["ids"])
        found = [passage_from_record(i, d, m)
                 for i, d, m in zip(res["ids"], res["documents"], metas, strict=True)]
        return sorted(found, key=lambda p: p.id)

    def embed_question(self, question: str) -> list[float]:
        """The question's embedding (from the cache of recent questions when there)."""
        vector = self.cache.get(question)
        if vector is None:
            vector = self.embedder.embed([question])[0].tolist()
            self.cache.put(question, vector)
        return vector

    def run(self, question: str, top_k: int | None = None, kind: str | None = None,
            where: dict[str, Any] | None = None) -> list[RetrievedPassage]:
        """The top passages for `question`; `kind` keeps only passages of that kind,
        `where` only those whose metadata match (Chroma's `where` filter)."""
        k = top_k or self.top_k
        vector = self.embed_question(question)
        filters = [f for f in ({"kind": kind} if kind else None, where) if f]
        try:
            res = self.collection.query(
                query_embeddings=[vector],
                n_results=k,
                include=["documents", "metadatas", "distances"],
                **({"where": filters[0] if len(filters) == 1 else {"$and": filters}}
                   if filters else {}),
            )
        except Exception as exc:
            raise KnowledgeBaseUnavailable(f"knowledge base unavailable: {exc}") from exc
        ids = res["ids"][0]
        docs = res["documents"][0]
        metas = res["metadatas"][0]
        dists = res["distances"][0]
        return [
            RetrievedPassage(passage_from_record(i, d, m), 1.0 - float(dist))
            for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)
        ]
