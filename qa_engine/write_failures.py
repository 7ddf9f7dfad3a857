"""Whether the records database has lately refused a write for lack of room or a storage
fault, as its own errors say it (`WriteFailures`).

A health check cannot find a full disk by writing nothing (`Records.ping`'s UPDATE of no
rows needs no new page, so it succeeds on a full disk) and should not fill the database
itself to find out. So the writes the bot makes anyway are watched through SQLAlchemy's
engine events: a statement or commit that fails with SQLite's "database or disk is
full", "disk I/O error" or "readonly database", or PostgreSQL's disk_full (SQLSTATE
53100), marks the database as not writable; the next commit of a write that changed
rows clears it.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: What drivers say when storage refuses a write (lower case).
STORAGE_MESSAGES = (
    "database or disk is full",  # SQLITE_FULL
    "disk i/o error",  # SQLITE_IOERR
    "attempt to write a readonly database",  # SQLITE_READONLY
    "no space left on device",  # PostgreSQL, and any OSError text
    "could not extend file",  # PostgreSQL
)
DISK_FULL_SQLSTATE = "53100"
_WROTE = "stylesprint_wrote_rows"


def storage_failure(exc: BaseException | None) -> str | None:
    """The driver's one-line reason when `exc` (or its DBAPI original) is a storage failure."""
    if exc is None:
        return None
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "pgcode", None) == DISK_FULL_SQLSTATE:
        return "disk full"
    text = (str(orig).strip().splitlines() or [""])[0]
    return text[:120] if any(m in text.lower() for m in STORAGE_MESSAGES) else None


def is_storage_failure(exc: BaseException | None) -> bool:
    return storage_failure(exc) is not None


class WriteFailures:
    """The last storage failure of a write on the engines it watches, until a write lands."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None

    @property
    def reason(self) -> str | None:
        """Why the last write failed for storage, or None when the last one landed."""
        with self._lock:
            return self._reason

    def watch(self, engine: Engine) -> WriteFailures:
        event.listen(engine, "handle_error", self._failed)
        event.listen(engine, "after_cursor_execute", self._executed)
        event.listen(engine, "commit", self._committed)
        return self

    def _failed(self, context: Any) -> None:
        reason = storage_failure(context.original_exception)
        if reason is not None:
            with self._lock:
                self._reason = reason

    @staticmethod
    def _executed(conn: Any, cursor: Any, statement: str, _params: Any, _context: Any,
                  _executemany: bool) -> None:
        verb = statement.lstrip()[:6].upper()
        if verb in ("INSERT", "UPDATE", "DELETE") and (cursor.rowcount or 0) > 0:
            conn.info[_WROTE] = True

    def _committed(self, conn: Any) -> None:
        # Fired before the DBAPI commit: a commit that then fails sets the reason again
        # (handle_error runs after this).
        if conn.info.pop(_WROTE, False):
            with self._lock:
                self._reason = None
