"""Knowledge-base ingestion: files -> passages -> embeddings -> the Chroma collection.

`loaders`, `chunking` and `passages` are pure (no models, no store) and unit-testable;
`ingestor` does the embedding and the writing. See docs/ingestion.md.
"""

from qa_engine.ingest.files import IngestPathError
from qa_engine.ingest.ingestor import (
    FileReport,
    Ingestor,
    IngestReport,
    demo_kb_path,
    ensure_demo_kb,
)
from qa_engine.ingest.loaders import LoadError

__all__ = [
    "FileReport",
    "IngestPathError",
    "IngestReport",
    "Ingestor",
    "LoadError",
    "demo_kb_path",
    "ensure_demo_kb",
]
