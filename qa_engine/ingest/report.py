"""What one ingest run did: per-file outcomes and the totals (`stylesprint ingest --json`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FileStatus = Literal["ingested", "unchanged", "failed", "skipped"]


@dataclass
class FileReport:
    """What happened to one file."""

    path: str  # as found on disk
    source: str  # as stored in metadata and cited
    status: FileStatus
    passages: int = 0  # passages of this file in the store after the run
    added: int = 0
    removed: int = 0
    reason: str | None = None  # why it failed or was skipped
    warnings: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    """The outcome of one `Ingestor.run` (the `stylesprint ingest --json` object)."""

    collection: str
    files: list[FileReport] = field(default_factory=list)
    pruned_sources: list[str] = field(default_factory=list)
    passages_pruned: int = 0
    collection_size: int = 0
    reset: bool = False
    elapsed_s: float = 0.0
    #: passages of the demo knowledge base removed because the collection held only the
    #: demo KB and the user's own files were ingested into it (qa_engine/ingest/demo.py)
    demo_replaced: int = 0
    #: large files of this run, one warning each (qa_engine/ingest/progress.py)
    size_warnings: list[str] = field(default_factory=list)

    def _with(self, status: FileStatus) -> list[FileReport]:
        return [f for f in self.files if f.status == status]

    @property
    def ingested(self) -> list[FileReport]:
        return self._with("ingested")

    @property
    def unchanged(self) -> list[FileReport]:
        return self._with("unchanged")

    @property
    def failed(self) -> list[FileReport]:
        return self._with("failed")

    @property
    def skipped(self) -> list[FileReport]:
        return self._with("skipped")

    @property
    def passages_added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def passages_removed(self) -> int:
        """Stale passages of changed files plus passages of pruned files."""
        return sum(f.removed for f in self.files) + self.passages_pruned

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        """0 when every file was fine, 1 when some failed (the rest were still ingested)."""
        return 0 if self.ok else 1

    def summary(self) -> str:
        pruned = f" ({self.passages_pruned} pruned)" if self.pruned_sources else ""
        return (
            f"{len(self.ingested)} ingested, {len(self.unchanged)} unchanged, "
            f"{len(self.failed)} failed, {len(self.skipped)} skipped; "
            f"passages +{self.passages_added} -{self.passages_removed}{pruned}; "
            f"collection {self.collection!r} holds {self.collection_size} passages "
            f"({self.elapsed_s:.1f}s)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "collection": self.collection,
            "ok": self.ok,
            "reset": self.reset,
            "files_ingested": len(self.ingested),
            "files_unchanged": len(self.unchanged),
            "files_failed": len(self.failed),
            "files_skipped": len(self.skipped),
            "passages_added": self.passages_added,
            "passages_removed": self.passages_removed,
            "pruned_sources": list(self.pruned_sources),
            "collection_size": self.collection_size,
            "demo_kb_replaced": self.demo_replaced,
            "size_warnings": list(self.size_warnings),
            "elapsed_s": round(self.elapsed_s, 2),
            "files": [asdict(f) for f in self.files],
        }
