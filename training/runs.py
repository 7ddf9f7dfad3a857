"""Retrain bookkeeping in the project database: the run log and the retrain lock.

Two tables next to the feedback records (same `settings.resolved_database_url`,
SQLite or PostgreSQL), in the one Alembic history (`qa_engine.records.migrate`):

- `retrain_runs`: one row per retrain attempt — started, finished, trigger
  (manual / schedule), status (running, promoted, rejected, failed, skipped,
  missed), reason, parent and candidate versions, data counts, metrics and the
  feedback fingerprint used to tell whether anything is new.
- `retrain_lock`: at most one row per lock name, holding the owner and an expiry.
  Acquiring is one atomic statement — an INSERT (fails on the primary key when
  someone holds the lock) or an UPDATE guarded by `expires_at < now` (takes over
  an expired lock) — so two scheduler processes on one database never retrain at
  the same time, on SQLite and PostgreSQL alike, without advisory-lock dialects.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psutil
from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from qa_engine.db import make_engine
from qa_engine.records.migrate import ensure_schema
from qa_engine.records.schema import utcnow

logger = logging.getLogger(__name__)

RETRAIN_LOCK = "retrain"
FINISHED = ("promoted", "rejected")  # runs that evaluated a candidate to the end


class _Base(DeclarativeBase):
    pass


class RunRow(_Base):
    __tablename__ = "retrain_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    parent: Mapped[str | None] = mapped_column(String(255), nullable=True)
    candidate: Mapped[str | None] = mapped_column(String(255), nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(255), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LockRow(_Base):
    __tablename__ = "retrain_lock"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    acquired_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


@dataclass(frozen=True)
class RunRecord:
    """One row of `retrain --history`."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    trigger: str
    status: str
    reason: str
    parent: str | None
    candidate: str | None
    fingerprint: str | None
    details: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.id,
            "started_at": self.started_at.isoformat() + "Z",
            "finished_at": self.finished_at.isoformat() + "Z" if self.finished_at else None,
            "trigger": self.trigger, "status": self.status, "reason": self.reason,
            "parent": self.parent, "candidate": self.candidate,
            "fingerprint": self.fingerprint, **self.details,
        }


def default_owner() -> str:
    """Who holds the lock: host, process and a random suffix (two runners in one process)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str) -> bool:
    """True when `owner` (`default_owner()`: host:pid:suffix) was a process on this host
    that no longer runs (or is a zombie nobody reaped). An owner on another host, or one
    that cannot be read, is never presumed dead: its lock waits for its expiry."""
    parts = owner.split(":")
    if len(parts) < 3 or not (parts[-2].isascii() and parts[-2].isdigit()):
        return False
    host, pid = ":".join(parts[:-2]), int(parts[-2])
    if host != socket.gethostname() or pid <= 0 or pid == os.getpid():
        return False
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # access denied: it exists
        return False


def _record(row: RunRow) -> RunRecord:
    return RunRecord(row.id, row.started_at, row.finished_at, row.trigger, row.status,
                     row.reason, row.parent, row.candidate, row.fingerprint,
                     dict(row.details or {}))


class RetrainStore:
    """The run log and the lock; `__init__` is cheap, `warm_up()` checks the schema
    (the embedded SQLite upgraded, any other database refused unless at the head)."""

    def __init__(self, url: str, *, schema: str | None = None,
                 auto_upgrade: bool | None = None) -> None:
        self.url = url
        self.schema = schema
        self.auto_upgrade = auto_upgrade
        self._engine: Engine | None = None
        self._guard = threading.Lock()

    def warm_up(self) -> None:
        if self._engine is not None:
            return
        with self._guard:
            if self._engine is not None:
                return
            engine = make_engine(self.url)
            if self.schema:
                engine = engine.execution_options(schema_translate_map={None: self.schema})
            ensure_schema(engine, self.schema, auto_upgrade=self.auto_upgrade)
            self._engine = engine

    @property
    def engine(self) -> Engine:
        self.warm_up()
        assert self._engine is not None
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None

    # ------------------------------------------------------------------ the lock
    def acquire(self, owner: str, ttl_s: float, name: str = RETRAIN_LOCK) -> bool:
        """Take the lock for `ttl_s` seconds; False when someone else holds it.

        A lock is taken over when it has expired, or at once when its owner was a
        process on this host that no longer runs (`owner_is_dead`: a `kill -9`, the OOM
        killer): the UPDATE names the dead owner, so of two processes taking it over
        at the same time one wins."""
        now = utcnow()
        expires = now + timedelta(seconds=ttl_s)
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(LockRow).values(name=name, owner=owner, acquired_at=now,
                                                    expires_at=expires))
            return True
        except IntegrityError:
            pass
        stale = LockRow.expires_at < now
        with self.engine.connect() as conn:
            current = conn.execute(select(LockRow.owner).where(LockRow.name == name)).scalar()
        if current is not None and current != owner and owner_is_dead(current):
            stale = stale | (LockRow.owner == current)
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(LockRow)
                .where(LockRow.name == name)
                .where(stale | (LockRow.owner == owner))
                .values(owner=owner, acquired_at=now, expires_at=expires)
            )
        if taken.rowcount and current not in (None, owner):
            logger.warning("took over the %s lock of %s (%s)", name, current,
                           "its process is gone" if owner_is_dead(current) else "expired")
        return bool(taken.rowcount)

    def release(self, owner: str, name: str = RETRAIN_LOCK) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(LockRow).where(LockRow.name == name, LockRow.owner == owner))

    def holder(self, name: str = RETRAIN_LOCK) -> tuple[str, datetime] | None:
        """(owner, expires_at) of a live lock, None when free or expired."""
        with self.engine.connect() as conn:
            row = conn.execute(select(LockRow.owner, LockRow.expires_at)
                               .where(LockRow.name == name)).first()
        if row is None or row.expires_at < utcnow():
            return None
        return row.owner, row.expires_at

    # ------------------------------------------------------------------ the run log
    def start_run(self, trigger: str, *, owner: str | None = None, status: str = "running",
                  reason: str = "", parent: str | None = None) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(insert(RunRow).values(
                started_at=utcnow(), trigger=trigger, status=status, reason=reason,
                parent=parent, owner=owner, details={}))
            return int(result.inserted_primary_key[0])

    def update_run(self, run_id: int, **fields: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(RunRow).where(RunRow.id == run_id).values(**fields))

    def finish_run(self, run_id: int, status: str, reason: str, **fields: Any) -> None:
        self.update_run(run_id, status=status, reason=reason, finished_at=utcnow(), **fields)

    def record_event(self, trigger: str, status: str, reason: str,
                     details: dict[str, Any] | None = None) -> int:
        """A run that did not start (missed by the scheduler, lock held): logged all the same."""
        run_id = self.start_run(trigger, status=status, reason=reason)
        self.update_run(run_id, finished_at=utcnow(), details=details or {})
        return run_id

    def running_ids(self) -> list[int]:
        """Runs marked running (alive, or died with their process)."""
        with self.engine.connect() as conn:
            return list(conn.scalars(select(RunRow.id).where(RunRow.status == "running")))

    def fail_interrupted(self) -> int:
        """Runs still 'running' when the lock was free died with their process: say so."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(RunRow).where(RunRow.status == "running")
                .values(status="failed", finished_at=utcnow(),
                        reason="interrupted: the process running it stopped before it finished")
            )
        return int(result.rowcount or 0)

    def get(self, run_id: int) -> RunRecord | None:
        from sqlalchemy.orm import Session

        with Session(self.engine) as session:
            row = session.get(RunRow, run_id)
            return _record(row) if row else None

    def history(self, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first."""
        from sqlalchemy.orm import Session

        with Session(self.engine) as session:
            query = select(RunRow).order_by(RunRow.id.desc())
            if limit:
                query = query.limit(limit)
            return [_record(r) for r in session.scalars(query)]

    def last_finished(self) -> RunRecord | None:
        """The newest run that evaluated a candidate (promoted or rejected)."""
        from sqlalchemy.orm import Session

        with Session(self.engine) as session:
            row = session.scalar(select(RunRow).where(RunRow.status.in_(FINISHED))
                                 .order_by(RunRow.id.desc()).limit(1))
            return _record(row) if row else None
