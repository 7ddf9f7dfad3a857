"""One way to open the project database (records, retrain runs, scheduler jobs), with
timeouts on every connection (`DbTimeouts`) and a deadline on the bot's own calls
(`DeadlineGuard`)."""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
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


#: The deadline of a database call made before Slack's acknowledgement (a slash command's
#: durable idempotency claim and its question stored in the queue): Slack allows 3 s.
ACK_DEADLINE_S = 1.5


class DeadlineGuard:
    """Runs the bot's database calls with a deadline, and fails fast while the database hangs.

    Connection and statement timeouts bound what the server and the kernel notice; a
    partition that leaves connections open but silent (packets dropped, or a proxy that
    stopped forwarding) blocks a call in the driver's socket read, where no Python
    timeout reaches. So each call runs on one of a few worker threads and the caller
    waits at most `deadline_s`; past it the caller gets DatabaseNotAnswering (a
    DatabaseUnavailable: callers treat it like a refused connection: votes are spooled,
    answers go out without a record), and the guard stays open for `cooloff_s`,
    failing every call at once instead of stacking more threads on the hung database.
    The first call after the cool-off goes through as a probe.

    A call given up on must not write later behind the caller's back (the caller has
    spooled the vote it carried): its connection is aborted at once (`abort_connection`:
    a PostgreSQL socket shut down, a SQLite statement interrupted), and should it still
    reach a COMMIT, `abandoned_here()` is true on its thread and the owner (Records)
    refuses that commit.

    Hand-written because circuit-breaker libraries (pybreaker and the like) count
    failures but cannot bound a call that never returns; the deadline is the point.
    One WARNING line when the database stops answering, one INFO line when it is back.
    """

    def __init__(self, deadline_s: float, cooloff_s: float | None = None, workers: int = 4,
                 name: str = "records") -> None:
        self.deadline_s = deadline_s
        self.cooloff_s = cooloff_s if cooloff_s is not None else max(1.0, deadline_s)
        self.name = name
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._down = False
        self._local = threading.local()  # on a worker: the call it is running
        self._connections: dict[int, Any] = {}  # worker thread id -> DBAPI connection in use

    @property
    def down(self) -> bool:
        """True from a call that timed out until one succeeds."""
        return self._down

    def call(self, fn: Callable[[], T], transient: tuple[type[BaseException], ...] = (),
             proves_health: bool = True, deadline_s: float | None = None) -> T:
        """`fn()`, or DatabaseNotAnswering when it takes longer than the deadline
        (`deadline_s` when shorter: a call made before an acknowledgement, ACK_DEADLINE_S).

        `proves_health=False` for reads: a SQLite file locked by another writer still
        serves reads (WAL), so only a call that writes ends the "not answering" state
        (else the state, and its log lines, would flap between reads and writes).

        A call made from inside a guarded call (on one of the guard's own workers) runs
        there and then: the outer call's deadline already bounds its caller, and waiting
        for a second worker of the same few could wait for ever when all are busy.
        """
        if getattr(self._local, "call", None) is not None:
            return fn()
        with self._lock:
            if time.monotonic() < self._open_until:
                raise DatabaseNotAnswering(f"the {self.name} database is not answering "
                                           "(waiting before trying again)")
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=self._workers,
                                                    thread_name_prefix=f"{self.name}-db")
            call = _Call()
            future = self._executor.submit(self._run, call, fn)
        limit_s = self.deadline_s if deadline_s is None else min(deadline_s, self.deadline_s)
        try:
            result = future.result(timeout=limit_s)
        except FutureTimeout:
            call.abandoned = True
            if not future.cancel() and call.thread is not None:
                abort_connection(self._connections.get(call.thread))
            self._trip(f"no answer within {limit_s:g} s")
            raise DatabaseNotAnswering(
                f"the {self.name} database did not answer within {limit_s:g} s"
            ) from None
        except transient as exc:
            self._trip(type(exc).__name__)
            raise
        if proves_health:
            self._recovered()
        return result

    def _run(self, call: _Call, fn: Callable[[], T]) -> T:
        call.thread = threading.get_ident()
        self._local.call = call
        try:
            return fn()
        finally:
            self._local.call = None
            self._connections.pop(call.thread, None)

    def abandoned_here(self) -> bool:
        """True on a worker whose caller gave up waiting (its writes must not commit)."""
        call = getattr(self._local, "call", None)
        return bool(call is not None and call.abandoned)

    def using(self, dbapi_connection: Any) -> None:
        """The current worker thread holds `dbapi_connection` (an engine checkout event)."""
        self._connections[threading.get_ident()] = dbapi_connection

    def watch(self, engine: Engine) -> None:
        """Learn every connection `engine` hands out, so a call past its deadline can be
        aborted wherever it blocks, the pool's pre-ping included.

        SQLAlchemy fires its "checkout" event only after the pre-ping (`pool_pre_ping`,
        make_engine) has run, and on a silent partition the pre-ping's `SELECT 1` is
        where a call blocks first: the connection is made known to the guard before the
        ping too (the dialect's public `do_ping`, wrapped on this engine's dialect).
        """
        event.listen(engine, "checkout", lambda dbapi, _rec, _proxy: self.using(dbapi))
        dialect = engine.dialect
        ping = dialect.do_ping

        def ping_known(dbapi_connection: Any) -> bool:
            self.using(dbapi_connection)
            return ping(dbapi_connection)

        dialect.do_ping = ping_known  # type: ignore[method-assign]

    def _trip(self, why: str) -> None:
        with self._lock:
            self._open_until = time.monotonic() + self.cooloff_s
            was_down, self._down = self._down, True
        if not was_down:
            logger.warning("%s database not answering (%s): votes are spooled and questions "
                           "answered without records until it answers again", self.name, why)

    def _recovered(self) -> None:
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            logger.info("%s database answering again", self.name)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            # Threads stuck on a hung connection cannot be joined; healthy ones finish.
            executor.shutdown(wait=not self._down, cancel_futures=True)


class _Call:
    """One guarded call: the worker thread running it, and whether its caller gave up."""

    __slots__ = ("abandoned", "thread")

    def __init__(self) -> None:
        self.thread: int | None = None
        self.abandoned = False


def abort_connection(dbapi_connection: Any) -> None:
    """Make a call blocked on `dbapi_connection` fail now (best effort, from any thread).

    sqlite3: `interrupt()` stops the running statement. A socket-based driver
    (psycopg2, psycopg): the socket is shut down, so the blocked read returns an error;
    the server rolls back the transaction when it notices, or at its statement_timeout.
    """
    if dbapi_connection is None:
        return
    with contextlib.suppress(Exception):
        if hasattr(dbapi_connection, "interrupt"):
            dbapi_connection.interrupt()
            return
        fileno = getattr(dbapi_connection, "fileno", None)
        if fileno is not None:
            sock = socket.socket(fileno=os.dup(fileno()))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.close()


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


def secure_file(path: Path) -> Path:
    """`path` created empty if missing and made 0600; a missing folder is created 0700
    (an existing one is left as it is: it may be shared, e.g. /var/lib)."""
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):  # mkdir(parents=True) ignores `mode` for the parents
        folder.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return path


def make_engine(url: str, timeouts: DbTimeouts | None = None) -> Engine:
    """A SQLAlchemy engine for `url`, set up for several processes sharing it.

    PostgreSQL URLs are normalised first (`normalize_database_url`) and get the
    connect/statement/keepalive timeouts of `timeouts` (default `DbTimeouts()`).
    SQLite: the file's folder is created private (0700) and the file 0600 (SQLite gives
    its -wal and -shm files the database file's mode), writers wait `sqlite_busy_s` for
    a lock instead of failing at once, WAL lets readers (exports, the scheduler) work while the bot
    writes, and foreign keys are enforced (SQLite leaves them off by default).
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
        secure_file(Path(database))
    pool_args = {"pool_timeout": timeouts.connect_s} if on_disk else {}  # QueuePool only
    engine = create_engine(url, connect_args={"timeout": timeouts.sqlite_busy_s}, **pool_args)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
