"""The demo knowledge base: answers only while no knowledge base of the user's is there.

Rules (docs/ingestion.md, "The demo knowledge base"):

* an empty collection is filled on first use (`stylesprint ask`, the bot) from
  `STYLESPRINT_KB_PATHS`, or from the demo KB shipped in `qa_engine/demo_kb/` when
  that is not set;
* the demo KB is never mixed into a user's: ingesting the user's files into a
  collection that holds only the demo KB replaces it (the ingest report says so in
  one line), and so does setting `STYLESPRINT_KB_PATHS` later;
* "holds only the demo KB" is read from the passages themselves: every stored id is
  one of the demo KB's (ids are content hashes, so the check needs no marker and also
  recognises a collection filled by an earlier release).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_engine.ingest.files import IngestPathError, discover
from qa_engine.ingest.loaders import LoadError, load_file
from qa_engine.ingest.passages import build_passages
from qa_engine.settings import Settings
from qa_engine.types import KnowledgeBaseUnavailable

if TYPE_CHECKING:
    from qa_engine.ingest.report import IngestReport
    from qa_engine.retrieve.embedder import Embedder

log = logging.getLogger(__name__)

_PAGE = 1000


def demo_kb_path() -> Path:
    """The demo knowledge base shipped in the package (catalog + policies)."""
    return Path(__file__).resolve().parent.parent / "demo_kb"


@lru_cache(maxsize=4)
def _demo_ids(max_words: int, overlap_words: int) -> frozenset[str]:
    ids: set[str] = set()
    for entry in discover([demo_kb_path()]).files:
        try:
            loaded = load_file(entry.path, entry.source)
        except LoadError:  # pragma: no cover - the shipped files load
            continue
        records, _ = build_passages(loaded.parts, entry.source, max_words, overlap_words)
        ids.update(r.id for r in records)
    return frozenset(ids)


def demo_passage_ids(settings: Settings) -> frozenset[str]:
    """The ids the demo KB's passages get with these chunking settings (no model needed)."""
    return _demo_ids(settings.engine.passage_max_words, settings.engine.passage_overlap_words)


def stored_ids(collection: Any) -> list[str]:
    """Every id in `collection`, fetched in pages."""
    ids: list[str] = []
    offset = 0
    while True:
        got = collection.get(include=[], limit=_PAGE, offset=offset)
        ids.extend(got["ids"])
        if len(got["ids"]) < _PAGE:
            return ids
        offset += _PAGE


def demo_only_ids(settings: Settings, collection: Any, count: int | None = None) -> set[str]:
    """The stored ids when the collection holds the demo KB and nothing else; else empty."""
    count = int(collection.count()) if count is None else count
    demo = demo_passage_ids(settings)
    if not count or count > len(demo):
        return set()
    stored = set(stored_ids(collection))
    return stored if stored <= demo else set()


@dataclass(frozen=True)
class KBStatus:
    collection: str
    passages: int
    demo: bool
    location: str  # the Chroma directory, or host:port of a Chroma server


def location(settings: Settings) -> str:
    if settings.services.chroma_host:
        return f"Chroma server {settings.services.chroma_host}:{settings.services.chroma_port}"
    return str(settings.chroma_dir.resolve())


def kb_status(settings: Settings, collection: Any) -> KBStatus:
    """How many passages the collection holds, and whether they are the demo KB's."""
    try:
        count = int(collection.count())
        demo = bool(demo_only_ids(settings, collection, count))
    except Exception as exc:  # a Chroma server gone since the engine warmed up
        raise KnowledgeBaseUnavailable(f"knowledge base unavailable: {exc}") from exc
    return KBStatus(collection.name, count, demo, location(settings))


def _notice(message: str) -> None:
    """A one-line notice for the person who started the command (stderr, not the log)."""
    print(message, file=sys.stderr, flush=True)


def ensure_kb(settings: Settings, embedder: Embedder, collection: Any) -> IngestReport | None:
    """Fill an empty collection from `settings.engine.kb_paths` (or the demo KB); None if not
    needed.

    Also replaces a collection that holds only the demo KB when `STYLESPRINT_KB_PATHS`
    is set. Raises KnowledgeBaseUnavailable when the paths are missing or nothing at
    all could be ingested.
    """
    from qa_engine.ingest.ingestor import Ingestor

    try:
        count = int(collection.count())
    except Exception as exc:
        raise KnowledgeBaseUnavailable(f"knowledge base unavailable: {exc}") from exc
    where = f"collection {collection.name!r} ({location(settings)})"
    if settings.engine.kb_paths:
        if count and not demo_only_ids(settings, collection, count):
            return None
        paths = list(settings.engine.kb_paths)
        named = ", ".join(map(str, paths))
        _notice(f"Replacing the demo knowledge base in {where} with STYLESPRINT_KB_PATHS "
                f"({named}), once." if count else
                f"Ingesting STYLESPRINT_KB_PATHS ({named}) into {where}, once.")
    else:
        if count:
            return None
        paths = [demo_kb_path()]
        _notice(f"Ingesting the demo knowledge base ({len(demo_passage_ids(settings))} "
                f"passages) into {where}, once; `stylesprint ingest PATH` replaces it with "
                "your own.")
    try:
        report = Ingestor(settings, embedder, collection, progress=sys.stderr.isatty()).run(paths)
    except IngestPathError as exc:
        raise KnowledgeBaseUnavailable(f"cannot ingest the knowledge base: {exc}") from exc
    for failed in report.failed:
        log.warning("cannot ingest %s: %s", failed.path, failed.reason)
    if report.collection_size == 0:
        reasons = "; ".join(f"{f.source}: {f.reason}" for f in report.failed) or "no files"
        raise KnowledgeBaseUnavailable(f"the knowledge base is empty after ingesting: {reasons}")
    log.info("knowledge base initialised: %s", report.summary())
    return report
