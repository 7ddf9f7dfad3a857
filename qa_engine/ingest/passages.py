"""Passages ready for the store: text, metadata, stable id, and what gets embedded.

Ids are `"{source}::{hash16}"`, where the hash covers everything stored about the
passage (text, title, section, doc id, kind, position). The same file ingested
twice therefore yields the same ids, and the ingestor can tell from ids alone
which passages are new, which are unchanged and which are stale, without
embedding anything for an unchanged file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from qa_engine.ingest.chunking import chunk_text
from qa_engine.ingest.loaders import DocumentPart, MetaValue


@dataclass(frozen=True)
class PassageRecord:
    """One Chroma record: `id`, `text` (the document), `metadata`, and `embed_text`."""

    id: str
    text: str
    title: str
    section: str
    source: str
    doc_id: str
    kind: str
    content_hash: str
    chunk_index: int
    #: the part's extra metadata (a review's product, rating, review_date, verified_buyer)
    extra: tuple[tuple[str, MetaValue], ...] = ()

    @property
    def embed_text(self) -> str:
        """What is embedded: title and section give short passages their context."""
        return f"{self.title} | {self.section} | {self.text}"

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "section": self.section,
            "source": self.source,
            "doc_id": self.doc_id,
            "kind": self.kind,
            "content_hash": self.content_hash,
            "chunk_index": self.chunk_index,
            **dict(self.extra),
        }


def content_hash(part: DocumentPart, text: str, chunk_index: int) -> str:
    fields: list[Any] = [text, part.title, part.section, part.doc_id, part.kind, chunk_index]
    if part.extra:  # only parts with extra metadata hash it: older ids stay as they were
        fields.append([list(item) for item in part.extra])
    payload = json.dumps(fields, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def build_passages(
    parts: list[DocumentPart], source: str, max_words: int, overlap_words: int
) -> tuple[list[PassageRecord], int]:
    """Chunk every part into passage records; returns (records, duplicates dropped).

    `chunk_index` counts passages within one part (section or record); a `whole` part
    (a review) is one passage whatever its length. A passage
    identical in every stored field to an earlier one of the same file has the
    same id; it is dropped (storing it twice would add nothing) and counted.
    """
    records: list[PassageRecord] = []
    seen: set[str] = set()
    duplicates = 0
    for part in parts:
        texts = [part.text.strip()] if part.whole else chunk_text(
            part.text, max_words, overlap_words)
        for index, text in enumerate(texts):
            digest = content_hash(part, text, index)
            pid = f"{source}::{digest[:16]}"
            if pid in seen:
                duplicates += 1
                continue
            seen.add(pid)
            records.append(
                PassageRecord(
                    id=pid,
                    text=text,
                    title=part.title,
                    section=part.section,
                    source=source,
                    doc_id=part.doc_id,
                    kind=part.kind,
                    content_hash=digest,
                    chunk_index=index,
                    extra=part.extra,
                )
            )
    return records, duplicates
