"""Fixtures for the ingestion tests: a real Chroma PersistentClient in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_engine.settings import Settings


def _write(root: Path, relative: str, content: str | bytes) -> Path:
    """Create `root/relative` (and its folders) with the given text or bytes."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def write():
    """`write(root, "policies/a.md", text_or_bytes)` creates a knowledge-base file."""
    return _write


@pytest.fixture
def ingest_settings(tmp_path: Path) -> Settings:
    """Settings isolated from the developer's environment and `.env`."""
    return Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        services={"chroma_host": None},
        engine={"collection": "test_kb", "kb_paths": None,
                "passage_max_words": 120, "passage_overlap_words": 20},
    )


@pytest.fixture
def chroma_client(ingest_settings: Settings):
    from qa_engine.retrieve.chroma_store import make_client

    return make_client(ingest_settings)


@pytest.fixture
def make_ingestor(ingest_settings: Settings, chroma_client, embedder):
    """Build an Ingestor on the tmp-path store (fresh collection object each call)."""
    from qa_engine.ingest import Ingestor
    from qa_engine.retrieve.chroma_store import get_collection

    def build(settings: Settings | None = None, **kwargs) -> Ingestor:
        settings = settings or ingest_settings
        collection = get_collection(chroma_client, settings.engine.collection)
        return Ingestor(settings, kwargs.pop("embedder", embedder), collection,
                        client=chroma_client, **kwargs)

    return build
