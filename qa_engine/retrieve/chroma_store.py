"""The Chroma collection that holds the knowledge base.

Embedded (`PersistentClient` under the data directory) by default; `CHROMA_HOST`
switches to a Chroma server (`HttpClient`). Chroma never embeds anything itself
here: its default embedding function downloads a model, so the collection is
created with no embedding function and every call passes our own vectors.
"""

from __future__ import annotations

import os
from typing import Any

from qa_engine.settings import Settings
from qa_engine.types import KnowledgeBaseUnavailable

# Chroma reads this at import time; keep anonymous telemetry off everywhere.
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

COLLECTION_METADATA = {"hnsw:space": "cosine"}


def _refuse_embedding_function() -> Any:
    """An embedding function that refuses to run.

    In chromadb 1.x a collection opened with `embedding_function=None` still falls
    back to Chroma's default model (downloaded on first use) whenever a call passes
    texts instead of vectors. Installing this one turns such a call into a clear
    error instead of a download.
    """
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class RefuseEmbedding(EmbeddingFunction[Documents]):
        def __init__(self) -> None:
            pass

        def __call__(self, input: Documents) -> Embeddings:
            raise RuntimeError(
                "StyleSprint passes its own MiniLM vectors to Chroma; "
                "Chroma's own embedding function is disabled"
            )

        @staticmethod
        def name() -> str:
            return "stylesprint-refuse"

        def get_config(self) -> dict[str, Any]:
            return {}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> RefuseEmbedding:
            return RefuseEmbedding()

    return RefuseEmbedding()


def make_client(settings: Settings) -> Any:
    """A Chroma client for the configured location, telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    try:
        if settings.services.chroma_host:
            return chromadb.HttpClient(
                host=settings.services.chroma_host, port=settings.services.chroma_port,
                settings=chroma_settings,
            )
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as exc:  # connection refused, bad host, ...
        where = (
            f"{settings.services.chroma_host}:{settings.services.chroma_port}"
            if settings.services.chroma_host
            else str(settings.chroma_dir)
        )
        raise KnowledgeBaseUnavailable(f"cannot open the knowledge base at {where}: {exc}") from exc


def get_collection(client: Any, name: str) -> Any:
    """The knowledge-base collection (cosine distance, Chroma's own embedding disabled)."""
    try:
        return client.get_or_create_collection(
            name=name, metadata=COLLECTION_METADATA,
            embedding_function=_refuse_embedding_function(),
        )
    except Exception as exc:
        raise KnowledgeBaseUnavailable(f"cannot open collection {name!r}: {exc}") from exc
