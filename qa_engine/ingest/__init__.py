"""Knowledge-base ingestion: files -> passages -> embeddings -> the Chroma collection.

`loaders`, `chunking` and `passages` are pure (no models, no store) and unit-testable;
`ingestor` does the embedding and the writing. See docs/ingestion.md.
"""

from qa_engine.ingest.demo import demo_kb_path
from qa_engine.ingest.files import IngestPathError, NothingToIngest
from qa_engine.ingest.ingestor import Ingestor, ensure_demo_kb
from qa_engine.ingest.loaders import LoadError
from qa_engine.ingest.report import FileReport, IngestReport

__all__ = [
    "FileReport",
    "IngestPathError",
    "IngestReport",
    "Ingestor",
    "LoadError",
    "NothingToIngest",
    "demo_kb_path",
    "ensure_demo_kb",
]
