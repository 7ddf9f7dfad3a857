"""One way to open the project database (records, retrain runs, scheduler jobs), with
timeouts on every connection (`DbTimeouts`); the deadline on the bot's own calls is
`qa_engine/deadline.py`'s (`DeadlineGuard`)."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout

from qa_engine.settings.engine import EngineSettings

#: PostgreSQL drivers SQLAlchemy can use, in the order they are preferred when a URL
#: names none (or one that is not installed): the `postgres` extra installs psycopg2.
POSTGRES_DRIVERS = ("psycopg2", "psycopg")
_POSTGRES_NAMES = ("postgresql", "postgres")


logger = logging.getLogger(__name__)
T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):
    """The records database (`DATABASE_URL`) cannot be used: bad URL, no driver, no server."""


class DatabaseNotAnswering(DatabaseUnavailable):
    """A call did not finish within its deadline, or the guard is open after one that did not."""


#: Errors that mean "the database is not answering right now", as opposed to bad data.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError, InterfaceError, DisconnectionError, PoolTimeout, DatabaseUnavailable,
)


@dataclass(frozen=True)
class DbTimeouts:
    """How long a connection may take to open, a statement to run, a dead peer to go unnoticed.

    `connect_s`: PostgreSQL `connect_timeout` (and SQLAlchemy's pool checkout wait).
    `statement_s`: PostgreSQL `statement_timeout` and `tcp_user_timeout` (unacknowledged
    data), and the bot's deadline for one call together with `connect_s` (`DeadlineGuard`).
    `keepalive_s`: TCP keepalives (idle time; probes every `keepalive_s / 2`, 3 of them),
    so a connection to a partitioned server is found dead instead of waiting for ever.
    `sqlite_busy_s`: how long SQLite waits for another writer's lock.
    """

    # defaults: the settings' own (EngineSettings), not copies
    connect_s: float = EngineSettings.field_default("db_connect_timeout_s")
    statement_s: float = EngineSettings.field_default("db_statement_timeout_s")
    keepalive_s: float = EngineSettings.field_default("db_keepalive_s")
    sqlite_busy_s: float = EngineSettings.field_default("sqlite_busy_timeout_s")

    @classmethod
    def from_settings(cls, settings: Any) -> DbTimeouts:
        return cls(connect_s=settings.engine.db_connect_timeout_s,
                   statement_s=settings.engine.db_statement_timeout_s,
                   keepalive_s=settings.engine.db_keepalive_s,
                   sqlite_busy_s=settings.engine.sqlite_busy_timeout_s)

    @property
    def deadline_s(self) -> float:
        """The longest one guarded call may take: a fresh connection plus one statement."""
        return self.connect_s + self.statement_s

    def postgres_args(self) -> dict[str, Any]:
        """libpq connection parameters (psycopg2 and psycopg 3 both pass them through)."""
        idle = max(1, round(self.keepalive_s))
        return {
            "connect_timeout": max(2, round(self.connect_s)),  # libpq's minimum is 2 s
            "keepalives": 1,
            "keepalives_idle": idle,
            "keepalives_interval": max(1, idle // 2),
            "keepalives_count": 3,
            "tcp_user_timeout": int(self.statement_s * 1000),
            "options": f"-c statement_timeout={int(self.statement_s * 1000)}",
        }


#: What SQLite says of a file that is not (or no longer) a sound database.
CORRUPT_SQLITE_MESSAGES = ("file is not a database", "database disk image is malformed")


def is_corrupt_sqlite(exc: BaseException) -> bool:
    """True for SQLite's "not a database" / "malformed" errors (bare or wrapped by SQLAlchemy)."""
    orig = getattr(exc, "orig", None) or exc
    return isinstance(orig, sqlite3.DatabaseError) and any(
        m in str(orig) for m in CORRUPT_SQLITE_MESSAGES)


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


def secure_dir(path: Path) -> Path:
    """`path` created if missing and made private to the bot's user (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _private_parents(path: Path) -> None:
    """Create the missing folders above `path` 0700 (an existing one is left as it is: it
    may be shared, e.g. /var/lib)."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):  # mkdir(parents=True) ignores `mode` for the parents
        folder.mkdir(mode=0o700, exist_ok=True)


def secure_file(path: Path) -> Path:
    """`path` created empty if missing and made 0600; a missing folder is created 0700.

    For the bot's own plain files (the vote spool). Never for a SQLite database: opening
    and closing a descriptor of a file drops every POSIX lock this process holds on it,
    SQLite's included (`secure_sqlite_file`)."""
    _private_parents(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


#: The files SQLite keeps next to a database in WAL mode.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def secure_sqlite_file(path: Path) -> Path:
    """The SQLite database `path` made private (0600, a missing folder 0700) without ever
    opening the live file outside SQLite.

    On Linux (POSIX record locks) closing *any* descriptor of a file drops every lock
    the process holds on it, SQLite's included; the next process to close the database
    then believes it is the last user, checkpoints and deletes the live `-wal`/`-shm`,
    and this process goes on writing into a deleted file (issue 22: answers and votes
    lost). So a missing database is created 0600 under a temporary name, closed while
    no connection can know it, and hard-linked into place (`os.link` fails, touching
    nothing, if another process created it first); an existing one is only chmod-ed by
    path. SQLite gives the `-wal`/`-shm` files the database file's mode; any that exist
    are chmod-ed by path too.
    """
    _private_parents(path)
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.new")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)  # the inode is reachable only as `tmp`: no SQLite connection holds it
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # created meanwhile by another process: chmod-ed below
        except OSError:  # a file system without hard links: SQLite creates it, chmod below
            pass
        finally:
            tmp.unlink(missing_ok=True)
    for file in (path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(file, 0o600)  # by path: no descriptor is opened
    return path


def make_engine(url: str, timeouts: DbTimeouts | None = None) -> Engine:
    """A SQLAlchemy engine for `url`, set up for several processes sharing it.

    PostgreSQL URLs are normalised first (`normalize_database_url`) and get the
    connect/statement/keepalive timeouts of `timeouts` (default `DbTimeouts()`).
    SQLite: the file's folder is created private (0700) and the file 0600 without the
    live file ever being opened outside SQLite (`secure_sqlite_file`; SQLite gives its
    -wal and -shm files the database file's mode), writers wait `sqlite_busy_s` for a
    lock instead of failing at once, WAL lets readers (exports, the scheduler) work
    while the bot writes, foreign keys are enforced (SQLite leaves them off by
    default), and a damaged file is DatabaseUnavailable naming it.
    `synchronous=NORMAL` is SQLite's recommended pairing with WAL: a commit no longer
    waits for an fsync (the WAL is synced at checkpoints), so a burst of votes is
    not serialised behind the disk; the database cannot be corrupted by it, and only
    a power cut (not a crashed process) can lose the last commits before a checkpoint.
    Other databases: pre-ping pooled connections so a restarted server is survived, and
    wait at most `connect_s` for a pooled connection.
    """
    timeouts = timeouts or DbTimeouts()
    if not url.startswith("sqlite"):
        url = normalize_database_url(url)
        connect_args = timeouts.postgres_args() if url.startswith("postgresql") else {}
        given = make_url(url).query.get("options") if connect_args else None
        if given:  # keep the URL's own `options` (e.g. -csearch_path=...): ours would replace it
            given = given if isinstance(given, str) else " ".join(given)
            connect_args["options"] = f"{given} {connect_args['options']}"
        try:
            return create_engine(url, pool_pre_ping=True, connect_args=connect_args,
                                 pool_timeout=timeouts.connect_s)
        except (NoSuchModuleError, ImportError) as exc:  # another database's missing driver
            raise DatabaseUnavailable(
                f"DATABASE_URL={describe_url(url)}: its driver is not installed ({exc})"
            ) from exc
    database = make_url(url).database
    on_disk = bool(database) and database != ":memory:" and not database.startswith("file:")
    if on_disk:
        secure_sqlite_file(Path(database))
    pool_args = {"pool_timeout": timeouts.connect_s} if on_disk else {}  # QueuePool only
    engine = create_engine(url, connect_args={"timeout": timeouts.sqlite_busy_s}, **pool_args)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:  # the first statement that reads the file
            if is_corrupt_sqlite(exc):
                raise DatabaseUnavailable(
                    f"the SQLite records file {database} is damaged ({exc}): restore it "
                    "from a backup, or move it aside to start with an empty one"
                ) from exc
            raise
        finally:
            cursor.close()

    return engine
