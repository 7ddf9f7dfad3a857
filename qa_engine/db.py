"""One way to open the project database (records, retrain runs, scheduler jobs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

#: PostgreSQL drivers SQLAlchemy can use, in the order they are preferred when a URL
#: names none (or one that is not installed): the `postgres` extra installs psycopg2.
POSTGRES_DRIVERS = ("psycopg2", "psycopg")
_POSTGRES_NAMES = ("postgresql", "postgres")


class DatabaseUnavailable(RuntimeError):
    """The records database (`DATABASE_URL`) cannot be used: bad URL, no driver, no server."""


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailable(
            f"DATABASE_URL is not a database URL ({exc}); e.g. "
            "postgresql://user@host:5432/dbname, or leave it empty for SQLite"
        ) from exc


def normalize_database_url(url: str) -> str:
    """`url` with its PostgreSQL driver set to one that is installed.

    People paste `postgresql://`, `postgres://` (Heroku, many hosting panels),
    `postgresql+psycopg2://` or `postgresql+psycopg://`. SQLAlchemy 2.1 reads a bare
    `postgresql://` as psycopg 3 and does not know `postgres://` at all, while the
    `postgres` extra installs psycopg2: each form is pointed at the driver named if it
    is installed, else at the first installed of `POSTGRES_DRIVERS`. Other databases
    are returned unchanged. Raises DatabaseUnavailable when no driver is installed.
    """
    parsed = _parse(url)
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in _POSTGRES_NAMES:
        return url
    if driver and _installed(driver):
        chosen = driver
    else:
        chosen = next((d for d in POSTGRES_DRIVERS if _installed(d)), "")
    if not chosen:
        raise DatabaseUnavailable(
            "DATABASE_URL names PostgreSQL but no PostgreSQL driver is installed: "
            "pip install 'stylesprint-assist[postgres]' (psycopg2)"
        )
    return parsed.set(drivername=f"postgresql+{chosen}").render_as_string(hide_password=False)


def describe_url(url: str) -> str:
    """The URL for messages: password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a URL>"


def unavailable(url: str, exc: BaseException) -> DatabaseUnavailable:
    """A one-line DatabaseUnavailable for a connection failure on `url`."""
    if isinstance(exc, DatabaseUnavailable):
        return exc
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        reason = reason or type(exc.orig).__name__
    else:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    where = "DATABASE_URL" if not url.startswith("sqlite") else "the SQLite records file"
    return DatabaseUnavailable(f"cannot open the records database ({where}={describe_url(url)}): "
                               f"{reason}")


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for `url`, set up for several processes sharing it.

    PostgreSQL URLs are normalised first (`normalize_database_url`). SQLite: the file's
    folder is created, writers wait up to 30 s for a lock instead of
    failing at once, WAL lets readers (exports, the scheduler) work while the bot
    writes, and foreign keys are enforced (SQLite leaves them off by default).
    `synchronous=NORMAL` is SQLite's recommended pairing with WAL: a commit no longer
    waits for an fsync (the WAL is synced at checkpoints), so a burst of votes is
    not serialised behind the disk; the database cannot be corrupted by it, and only
    a power cut (not a crashed process) can lose the last commits before a checkpoint.
    Other databases: pre-ping pooled connections so a restarted server is survived, and
    give up connecting after 10 s instead of hanging on an unreachable host.
    """
    if not url.startswith("sqlite"):
        url = normalize_database_url(url)
        connect_args = {"connect_timeout": 10} if url.startswith("postgresql") else {}
        try:
            return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
        except (NoSuchModuleError, ImportError) as exc:  # another database's missing driver
            raise DatabaseUnavailable(
                f"DATABASE_URL={describe_url(url)}: its driver is not installed ({exc})"
            ) from exc
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
