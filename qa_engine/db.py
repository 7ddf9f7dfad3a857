"""One way to open the project database (records, retrain runs, scheduler jobs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for `url`, set up for several processes sharing it.

    SQLite: the file's folder is created, writers wait up to 30 s for a lock instead of
    failing at once, WAL lets readers (exports, the scheduler) work while the bot
    writes, and foreign keys are enforced (SQLite leaves them off by default).
    `synchronous=NORMAL` is SQLite's recommended pairing with WAL: a commit no longer
    waits for an fsync (the WAL is synced at checkpoints), so a burst of votes is
    not serialised behind the disk; the database cannot be corrupted by it, and only
    a power cut (not a crashed process) can lose the last commits before a checkpoint.
    Other databases: pre-ping pooled connections so a restarted server is survived.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
