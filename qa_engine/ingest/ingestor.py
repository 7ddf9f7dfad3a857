"""Ingesting knowledge-base files into the Chroma collection.

Per file the work is: load and chunk (pure, cheap) -> compare the passage ids
with those already stored for that source -> embed only the new passages ->
upsert them -> delete the source's stale ids. Ids are content hashes, so:

* re-ingesting unchanged files embeds and writes nothing ("unchanged");
* a changed file gets its new passages written *before* its old ones are
  deleted: a crash in between leaves old and new side by side (never neither),
  and the next run finishes the job because it recomputes the same ids;
* a file that fails to load or embed writes nothing, so its previous passages
  stay in place and keep answering questions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_engine.ingest.files import KBFile, NothingToIngest, discover
from qa_engine.ingest.loaders import LoadError, load_file
from qa_engine.ingest.passages import PassageRecord, build_passages
from qa_engine.ingest.progress import (
    LARGE_RUN_PASSAGES,
    Notify,
    Progress,
    cost_line,
    file_size_warning,
)
from qa_engine.ingest.report import FileReport, IngestReport
from qa_engine.retrieve.chroma_store import get_collection, make_client
from qa_engine.retrieve.embedder import Embedder
from qa_engine.settings import Settings
from qa_engine.types import KnowledgeBaseUnavailable

log = logging.getLogger(__name__)

#: Texts embedded per call; also the progress step. Passages are embedded in order of
#: length, so each call pads its texts to about the same length (bench.ingest: see
#: docs/ingestion.md, "Speed").
EMBED_BATCH = 256
#: Passages timed before the cost of a large run is estimated.
ESTIMATE_AFTER = 256


@dataclass
class _Prepared:
    """A loaded file waiting to be written."""

    file: KBFile
    records: list[PassageRecord]
    report: FileReport
    n_bytes: int = 0
    existing: set[str] = field(default_factory=set)

    @property
    def new(self) -> list[PassageRecord]:
        return [r for r in self.records if r.id not in self.existing]

    @property
    def stale(self) -> list[str]:
        wanted = {r.id for r in self.records}
        return sorted(self.existing - wanted)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Ingestor:
    """Loads, chunks, embeds and stores knowledge-base files; see the module docstring.

    `__init__` only stores its arguments. `collection` may be None (opened from
    `settings` on first use); `client` is only needed for `reset=True` and is
    likewise opened from `settings` when not given.
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        collection: Any | None = None,
        *,
        client: Any | None = None,
        progress: bool | None = None,
        notify: Notify | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self._collection = collection
        self._client = client
        #: None = on when the input is large and stderr is a terminal (a bar) or `notify`
        #: is given (plain progress lines)
        self.progress = progress
        #: where size warnings and progress lines go (the CLI: stderr); None = the log
        self.notify = notify

    # --- store access -------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = make_client(self.settings)
        return self._client

    @property
    def collection(self) -> Any:
        """The collection written to (a new object after a reset)."""
        if self._collection is None:
            self._collection = get_collection(self.client, self.settings.engine.collection)
        return self._collection

    def warm_up(self) -> None:
        self.embedder.warm_up()

    def _reset(self) -> None:
        name = (self._collection.name if self._collection is not None
                else self.settings.engine.collection)
        try:
            self.client.delete_collection(name)
        except Exception as exc:  # not there yet is fine; anything else is not
            if "not exist" not in str(exc).lower() and "not found" not in str(exc).lower():
                raise KnowledgeBaseUnavailable(f"cannot reset collection {name!r}: {exc}") from exc
        self._collection = get_collection(self.client, name)

    def _ids_where(self, where: dict[str, Any] | None) -> list[str]:
        """All ids matching `where`, paged so huge collections are fetched in pieces."""
        page = self._batch_size()
        ids: list[str] = []
        offset = 0
        while True:
            got = self.collection.get(where=where, include=[], limit=page, offset=offset)
            ids.extend(got["ids"])
            if len(got["ids"]) < page:
                return ids
            offset += page

    def _sources(self) -> set[str]:
        page = self._batch_size()
        sources: set[str] = set()
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            sources.update(str((m or {}).get("source", "")) for m in got["metadatas"] or [])
            if len(got["ids"]) < page:
                return sources
            offset += page

    def _batch_size(self) -> int:
        try:
            return max(1, min(int(self.client.get_max_batch_size()), 5000))
        except Exception:
            return 1000

    # --- the run ------------------------------------------------------------------------
    def run(
        self, paths: Sequence[Path | str], reset: bool = False, prune: bool = False,
        replace_demo: bool = True,
    ) -> IngestReport:
        """Ingest `paths` (files or folders).

        Raises IngestPathError if one does not exist, NothingToIngest if they hold no
        supported file, both before anything is touched. A collection that holds only
        the demo KB gets its demo passages removed once one of these files is in
        (`replace_demo`; see qa_engine/ingest/demo.py).
        """
        started = time.perf_counter()
        found = discover(paths)  # before anything is touched: a typo must not reset the store
        if not found.files and not found.unsupported:  # nor may an empty folder (--reset)
            raise NothingToIngest([str(p) for p in paths], len(found.skipped))
        report = IngestReport(collection=self.settings.engine.collection, reset=reset)
        prepared = self._load(found.files, report)
        for entry in found.unsupported:
            report.files.append(
                FileReport(str(entry.path), entry.source, "failed", reason=_unsupported(entry))
            )
        for entry in found.skipped:
            report.files.append(
                FileReport(str(entry.path), entry.source, "skipped", reason="unsupported type")
            )

        incoming = {r.id for item in prepared for r in item.records}
        demo_ids = self._demo_to_replace(incoming) if replace_demo and not reset else set()
        if reset:
            self._reset()
        collection = self.collection
        report.collection = collection.name
        if not reset:
            for item in prepared:
                item.existing = set(self._ids_where({"source": item.file.source}))

        todo = [p for p in prepared if p.new or p.stale]
        for item in prepared:
            if item not in todo:
                item.report.status = "unchanged"
                item.report.passages = len(item.records)
        total = sum(len(p.new) for p in todo)
        with Progress(total, self.notify, self.progress) as progress:
            self._warn_sizes(todo, report, progress)
            if todo:
                self.embedder.warm_up()
            progress.started = time.perf_counter()
            for item in todo:
                self._write(item, progress, estimate=total >= LARGE_RUN_PASSAGES)

        if demo_ids and any(f.status in ("ingested", "unchanged") for f in report.files):
            leftover = sorted((demo_ids - incoming) & set(self._ids_where(None)))
            for batch in _chunks(leftover, self._batch_size()):
                collection.delete(ids=list(batch))
            report.demo_replaced = len(leftover)
            log.info("replaced the demo knowledge base (%d passages removed)", len(leftover))

        if prune:
            keep = {f.source for f in found.files} | {f.source for f in found.unsupported}
            for source in sorted(self._sources() - keep - {""}):
                ids = self._ids_where({"source": source})
                for batch in _chunks(ids, self._batch_size()):
                    collection.delete(ids=list(batch))
                report.pruned_sources.append(source)
                report.passages_pruned += len(ids)
                log.info("pruned %s (%d passages)", source, len(ids))

        report.collection_size = int(collection.count())
        report.elapsed_s = time.perf_counter() - started
        return report

    def _warn_sizes(self, todo: list[_Prepared], report: IngestReport, out: Progress) -> None:
        """A warning for each large file, before anything is embedded (see progress.py)."""
        if not todo:
            return
        size = int(self.collection.count())
        after = size + sum(len(p.new) - len(p.stale) for p in todo)
        for item in todo:
            warning = file_size_warning(str(item.file.path), item.n_bytes, len(item.records),
                                        after)
            if warning:
                item.report.warnings.append(warning)
                report.size_warnings.append(warning)
                out.say(f"warning: {warning}")

    def _demo_to_replace(self, incoming: set[str]) -> set[str]:
        """The stored demo ids, when the collection holds only the demo KB and `incoming`
        is not the demo KB itself; else an empty set."""
        from qa_engine.ingest.demo import demo_only_ids, demo_passage_ids

        stored = demo_only_ids(self.settings, self.collection)
        return stored if stored and not incoming <= demo_passage_ids(self.settings) else set()

    def _load(self, files: list[KBFile], report: IngestReport) -> list[_Prepared]:
        prepared: list[_Prepared] = []
        by_source: dict[str, KBFile] = {}
        for entry in files:
            file_report = FileReport(str(entry.path), entry.source, "ingested")
            report.files.append(file_report)
            if entry.source in by_source:
                file_report.status = "failed"
                file_report.reason = (
                    f"same source name as {by_source[entry.source].path}; "
                    "ingest their folders instead or rename one"
                )
                continue
            by_source[entry.source] = entry
            try:
                loaded = load_file(entry.path, entry.source)
            except LoadError as exc:
                file_report.status, file_report.reason = "failed", str(exc)
                log.info("cannot ingest %s: %s", entry.path, exc)  # in the report too
                continue
            records, duplicates = build_passages(
                loaded.parts,
                entry.source,
                self.settings.engine.passage_max_words,
                self.settings.engine.passage_overlap_words,
            )
            file_report.warnings.extend(loaded.warnings)
            if duplicates:
                file_report.warnings.append(f"{duplicates} duplicate passage(s) stored once")
            try:
                n_bytes = entry.path.stat().st_size
            except OSError:
                n_bytes = 0
            prepared.append(_Prepared(entry, records, file_report, n_bytes))
        return prepared

    def _write(self, item: _Prepared, progress: Progress, estimate: bool = False) -> None:
        """Embed a file's new passages, upsert them, then delete its stale ones.

        The new passages are embedded shortest first, `EMBED_BATCH` at a time, so that
        each batch pads its texts to about the same length (the order of an upsert does
        not matter). With `estimate`, the cost of the run is said once `ESTIMATE_AFTER`
        passages have been timed.
        """
        new = sorted(item.new, key=lambda r: len(r.embed_text))
        stale, rep = item.stale, item.report
        try:
            vectors = []
            for batch in _chunks(new, EMBED_BATCH):
                vectors.extend(self.embedder.embed([r.embed_text for r in batch]))
                progress.update(len(batch))
                if estimate and not progress.estimated and progress.done >= min(
                        ESTIMATE_AFTER, progress.total):
                    progress.estimated = True
                    if progress.total > progress.done:
                        progress.say(cost_line(progress.total, progress.rate))
            for batch, vecs in zip(
                _chunks(new, self._batch_size()),
                _chunks(vectors, self._batch_size()),
                strict=True,
            ):
                self.collection.upsert(
                    ids=[r.id for r in batch],
                    embeddings=list(vecs),  # float32 rows, as Chroma keeps them
                    documents=[r.text for r in batch],
                    metadatas=[r.metadata for r in batch],
                )
            rep.added = len(new)
            for batch in _chunks(stale, self._batch_size()):
                self.collection.delete(ids=list(batch))
            rep.removed = len(stale)
        except Exception as exc:  # embedding or store failure: report it, go on with the rest
            rep.status = "failed"
            rep.reason = _store_failure(exc)
            log.info("cannot ingest %s: %s", item.file.path, rep.reason)  # in the report too
            log.debug("ingest failure for %s", item.file.path, exc_info=True)
            return
        rep.passages = len(item.records)
        log.info("ingested %s: +%d -%d", item.file.source, rep.added, rep.removed)


def _unsupported(entry: KBFile) -> str:
    from qa_engine.ingest.loaders import LOADERS

    suffix = entry.path.suffix or "(none)"
    return f"unsupported file type {suffix!r} (supported: {', '.join(sorted(LOADERS))})"


def _store_failure(exc: Exception) -> str:
    message = f"{type(exc).__name__}: {exc}"
    if "dimension" in str(exc).lower():
        message += " (the collection was built with another embedding model: use --reset)"
    return message


def ensure_demo_kb(settings: Settings, embedder: Embedder, collection: Any) -> IngestReport | None:
    """Fill an empty collection (or replace the demo KB): `qa_engine.ingest.demo.ensure_kb`.

    Called by `stylesprint ask` and the bot on first use so that a fresh install
    answers questions straight away.
    """
    from qa_engine.ingest.demo import ensure_kb

    return ensure_kb(settings, embedder, collection)
