"""`/healthz` that tells the truth: the records database, the knowledge base and a probe
answer from the model being served, each checked, not assumed.

- database: one write that changes nothing (`Records.ping`: a locked SQLite file
  still serves reads, so a read would say "ok" while no vote can be written) through
  the records' deadline guard (qa_engine/deadline.py), so a hung database makes the check
  fail within its timeout, and at once while the guard is open;
- knowledge base: the collection answers and holds passages;
- probe: the served reader reads the probe question and gives a real answer
  (`qa_engine.watcher.probe_reader`: a span, finite numbers). A forward pass costs
  tens of milliseconds, so its verdict is kept for `probe_every_s` per model version.

- database writes: a write the bot made that the database refused for lack of room or
  a storage fault ("database or disk is full", "disk I/O error", PostgreSQL's
  disk_full) keeps the database check failing until a write lands again
  (`qa_engine.write_failures`): the no-op ping alone would pass on a full disk;
- disk: the data directory's file system has at least `STYLESPRINT_MIN_FREE_DISK_MB`
  free (the SQLite records, the question queue and the vote spool live there);
- votes: none is held in memory because the vote spool cannot be written
  (bot/vote_queue.py).

`report()` is the body of `/healthz`; `ok` is False (HTTP 503, bot/server.py) when any
check fails. Each failure is a short reason (an exception type), never data.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

from bot.vote_queue import VoteQueue
from qa_engine.records import Records
from qa_engine.watcher import probe_reader
from qa_engine.write_failures import storage_failure

OK = "ok"


class Health:
    """The checks behind `/healthz` for one bot process."""

    def __init__(self, records: Records, engine: Any, probe_every_s: float = 30.0, *,
                 votes: VoteQueue | None = None, data_dir: Path | None = None,
                 min_free_disk_mb: float = 100.0) -> None:
        self.records = records
        self.engine = engine
        self.probe_every_s = probe_every_s
        self.votes = votes
        self.data_dir = data_dir
        self.min_free_bytes = int(min_free_disk_mb * 1024 * 1024)
        self._probe: tuple[str, float, str] | None = None  # (model version, when, verdict)
        self._lock = threading.Lock()

    def report(self) -> dict[str, Any]:
        checks = {"database": self.database()}
        if self.data_dir is not None:
            checks["disk"] = self.disk()
        if self.votes is not None:
            checks["votes"] = self.held_votes()
        if hasattr(self.engine, "retriever"):
            checks["knowledge_base"] = self.knowledge_base()
        if hasattr(self.engine, "reader"):
            checks["probe"] = self.probe()
        return {"ok": all(v == OK for v in checks.values()), "checks": checks}

    def database(self) -> str:
        try:
            self.records.ping()
        except Exception as exc:
            reason = storage_failure(exc) or self.records.write_failures.reason
            return f"failing: cannot write: {reason}" if reason else \
                f"failing: {type(exc).__name__}"
        reason = self.records.write_failures.reason
        return f"failing: cannot write: {reason}" if reason else OK

    def disk(self) -> str:
        assert self.data_dir is not None
        try:
            free = shutil.disk_usage(self.data_dir).free
        except OSError as exc:
            return f"failing: {type(exc).__name__}"
        if free < self.min_free_bytes:
            return (f"failing: disk full ({free // (1024 * 1024)} MB free, at least "
                    f"{self.min_free_bytes // (1024 * 1024)} MB wanted)")
        return OK

    def held_votes(self) -> str:
        assert self.votes is not None
        held = self.votes.held
        if held:
            return (f"failing: {held} vote(s) held in memory, the vote spool cannot be "
                    f"written ({self.votes.spool_error})")
        return OK

    def knowledge_base(self) -> str:
        try:
            passages = self.engine.retriever.count()
        except Exception as exc:
            return f"failing: {type(exc).__name__}"
        return OK if passages > 0 else "failing: the collection is empty"

    def probe(self) -> str:
        version = str(getattr(self.engine, "model_version", ""))
        with self._lock:
            cached = self._probe
            if cached and cached[0] == version and time.monotonic() - cached[1] < \
                    self.probe_every_s:
                return cached[2]
            try:
                probe_reader(self.engine.reader)
                verdict = OK
            except Exception as exc:
                verdict = f"failing: {type(exc).__name__}: {str(exc)[:120]}"
            self._probe = (version, time.monotonic(), verdict)
            return verdict
