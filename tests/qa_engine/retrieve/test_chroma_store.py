"""qa_engine.retrieve.chroma_store: embedded vs server client, the collection's distance,
telemetry off."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from qa_engine.retrieve.chroma_store import COLLECTION_METADATA, get_collection, make_client
from qa_engine.settings import Settings
from qa_engine.types import KnowledgeBaseUnavailable


def _settings(tmp_path: Path, **services) -> Settings:
    """`services`: Settings.services values (the Chroma server)."""
    return Settings(_env_file=None, data_dir=tmp_path / "data",
                    services={"chroma_host": None, **services})


def test_persistent_client_lives_under_the_data_dir_and_survives_reopening(tmp_path: Path):
    settings = _settings(tmp_path)
    client = make_client(settings)
    assert settings.chroma_dir.is_dir()
    collection = get_collection(client, "store_test")
    collection.upsert(ids=["a"], embeddings=[[1.0, 0.0, 0.0]], documents=["first"],
                      metadatas=[{"source": "a.md"}])
    again = get_collection(make_client(settings), "store_test")
    assert again.id == collection.id
    assert again.get(ids=["a"])["documents"] == ["first"]


def test_collection_uses_cosine_distance_and_never_chromas_embedding(tmp_path: Path):
    collection = get_collection(make_client(_settings(tmp_path)), "store_test")
    assert collection.metadata == COLLECTION_METADATA
    assert collection.configuration_json["hnsw"]["space"] == "cosine"
    # Chroma would otherwise download its default model for text queries: refused instead.
    with pytest.raises(Exception, match="embedding function is disabled"):
        collection.query(query_texts=["winter coats"], n_results=1)
    collection.upsert(
        ids=["x", "y"],
        embeddings=[[1.0, 0.0], [0.0, 1.0]],
        documents=["x", "y"],
    )
    hit = collection.query(query_embeddings=[[2.0, 0.0]], n_results=2, include=["distances"])
    # cosine ignores length: a parallel vector is at distance 0, an orthogonal one at 1
    assert hit["ids"][0] == ["x", "y"]
    assert hit["distances"][0] == pytest.approx([0.0, 1.0], abs=1e-5)


def test_telemetry_is_off(tmp_path: Path):
    client = make_client(_settings(tmp_path))
    assert client.get_settings().anonymized_telemetry is False
    assert os.environ.get("ANONYMIZED_TELEMETRY") == "False"


def test_unreachable_server_is_knowledge_base_unavailable(tmp_path: Path):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = _settings(tmp_path, chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(KnowledgeBaseUnavailable, match=f"127.0.0.1:{port}"):
        make_client(settings)
    assert not settings.chroma_dir.exists(), "server mode never creates the local directory"
