"""A deadline on the bot's own database calls (`DeadlineGuard`): a database that hangs
makes a call fail with `DatabaseNotAnswering` within the deadline instead of holding the
caller, and the guard fails fast while it stays down. Connections and their timeouts
are `qa_engine/db.py`'s.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from sqlalchemy import Engine, event

from qa_engine.db import DatabaseNotAnswering

logger = logging.getLogger(__name__)
T = TypeVar("T")


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
