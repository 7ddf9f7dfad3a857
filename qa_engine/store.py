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


def make_client(settings: Settings) -> Any:
    """A Chroma client for the configured location, telemetry off."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    try:
        if settings.chroma_host:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    except Exception as exc:  # connection refused, bad host, ...
        where = (
            f"{settings.chroma_host}:{settings.chroma_port}"
            if settings.chroma_host
            else str(settings.chroma_dir)
        )
        raise KnowledgeBaseUnavailable(f"cannot open the knowledge base at {where}: {exc}") from exc


def get_collection(client: Any, name: str) -> Any:
    """The knowledge-base collection (cosine distance, no embedding function)."""
    try:
        return client.get_or_create_collection(
            name=name, metadata=COLLECTION_METADATA, embedding_function=None
        )
    except Exception as exc:
        raise KnowledgeBaseUnavailable(f"cannot open collection {name!r}: {exc}") from exc
