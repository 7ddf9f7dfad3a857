"""Votes survive a database that is locked or unreachable: retried, then queued on disk.

A vote is written at once, with a few quick retries (a locked SQLite file or a
PostgreSQL fail-over usually clears within a second). If the database still
refuses, the vote is appended to a spool file (JSON lines under the data
directory) and a background thread writes the spooled votes, oldest first, as
soon as the database answers again; a process that dies meanwhile leaves the
spool for the next one, which writes it on start. While anything is spooled,
new votes queue behind it. Each vote carries Slack's time of the event (`event_ts`,
a button's `action_ts`), and the records count an agent's latest vote by that time, so
votes written late or out of order (threads racing, a spool written after a fail-over)
still end in the state the agent left. The spool is private to the bot's user (0600).

A spool that cannot be written (the disk is full, like the database on it) loses
nothing either: the vote is held in memory (`HELD`, the voter is told), the flusher
writes it to the database, or to the spool as soon as one of them takes it, and
`/healthz` says so (`held`, bot/health.py) until then.

A reaction is spooled as it came (channel, message ts, user, emoji value): which
answer it votes on is looked up when it is written, because that lookup needs the
database too.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa_engine.db import TRANSIENT_ERRORS, secure_file
from qa_engine.records import AnswerRef, Records, UnknownAnswer

logger = logging.getLogger(__name__)

#: Errors that mean "the database is not answering right now" (a deadline passed included).
TRANSIENT = TRANSIENT_ERRORS
APPLIED, QUEUED, IGNORED = "applied", "queued", "ignored"
#: Queued in memory only: the database refused it and the spool could not be written
#: (a full disk). Written when either takes it; lost if the process stops first.
HELD = "held"
VOTE_HELD = (":warning: I can't save your vote right now (my storage is full or failing). "
             "I'm keeping it and will save it as soon as there is room, but it is lost if I "
             "restart before then.")


def append_line(path: Path, line: str) -> None:
    """`line` appended to `path` (created 0600) and flushed to the OS."""
    secure_file(path)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def write_text(path: Path, text: str) -> None:
    """`path` rewritten with `text`."""
    path.write_text(text, encoding="utf-8")


class WrongChannel(LookupError):
    """A button vote whose payload names another channel than its answer's."""


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TRANSIENT)


class VoteQueue:
    """Writes votes through `Records`, spooling the ones the database refuses.

    Args:
        records: the feedback records.
        spool: the JSON-lines file queued votes are kept in (created on demand).
        retry_delays: pauses between the quick retries of one vote, in seconds.
        flush_interval_s: how often the background thread retries the spool.
    """

    def __init__(
        self,
        records: Records,
        spool: Path,
        retry_delays: Sequence[float] = (0.05, 0.25, 1.0),
        flush_interval_s: float = 5.0,
    ) -> None:
        self.records = records
        self.spool = Path(spool)
        self.retry_delays = tuple(retry_delays)
        self.flush_interval_s = flush_interval_s
        self._lock = threading.RLock()
        self._pending: list[dict[str, Any]] = self._read_spool()
        #: why the spool cannot be written (votes then wait in memory), None when it can
        self.spool_error: str | None = None
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        if self._pending:
            logger.warning("%d vote(s) queued by an earlier run; writing them", len(self._pending))
            self._start_flusher()

    # --- what the listeners call ---------------------------------------------------------
    def reaction(
        self, channel: str, ts: str, user: str, value: int, action: str,
        event_ts: str | None = None,
    ) -> tuple[str, AnswerRef | None]:
        """A 👍/👎 added (`action="add"`) or removed ("remove") on message `ts` in `channel`,
        at Slack time `event_ts`."""
        item = {"kind": "reaction", "channel": channel, "ts": ts, "user": user,
                "value": value, "action": action, "event_ts": event_ts}
        return self._submit(item)

    def button(self, answer_id: int, user: str, value: int,
               event_ts: str | None = None,
               channel: str | None = None) -> tuple[str, AnswerRef | None]:
        """A click on an answer's 👍/👎 button (its `action_ts`) in `channel` (the payload's);
        raises UnknownAnswer for an unknown answer, WrongChannel when `channel` is not the
        answer's (checked against the record when the vote is written)."""
        item = {"kind": "button", "answer_id": answer_id, "user": user, "value": value,
                "action": "add", "event_ts": event_ts}
        if channel is not None:  # a payload without one is refused by the membership check
            item["channel"] = channel
        return self._submit(item)

    @property
    def held(self) -> int:
        """Votes waiting in memory only (the spool cannot be written: a full disk).

        Read without the queue's lock, which a flush holds while the database is slow:
        `/healthz` must not wait behind it."""
        return len(self._pending) if self.spool_error is not None else 0

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def discard(self, user: str | None = None) -> int:
        """Drop the waiting votes of `user` (every waiting vote when None) from memory and
        the spool: the person was forgotten, or the app uninstalled. How many went."""
        with self._lock:
            kept = [i for i in self._pending if user is not None and i.get("user") != user]
            dropped = len(self._pending) - len(kept)
            if dropped:
                self._pending = kept
                self._rewrite_spool()
            return dropped

    # --- writing ---------------------------------------------------------------------------
    def _submit(self, item: dict[str, Any]) -> tuple[str, AnswerRef | None]:
        item["queued_at"] = time.time()
        with self._lock:
            if self._pending:  # keep the order: behind what is already waiting
                return self._enqueue(item), None
        try:
            answer = self._retrying(lambda: self._apply(item))
        except Exception as exc:
            if not is_transient(exc):
                raise
            logger.warning("records unavailable (%s); vote queued", type(exc).__name__)
            with self._lock:
                return self._enqueue(item), None
        return (APPLIED if answer is not None else IGNORED), answer

    def _retrying(self, write: Callable[[], AnswerRef | None]) -> AnswerRef | None:
        for delay in (*self.retry_delays, None):
            try:
                return write()
            except Exception as exc:
                if not is_transient(exc) or delay is None:
                    raise
                time.sleep(delay)
        return None  # pragma: no cover (the loop returns or raises)

    def _apply(self, item: dict[str, Any]) -> AnswerRef | None:
        if item["kind"] == "reaction":
            answer = self.records.find_by_message(item["channel"], item["ts"])
            if answer is None:
                return None  # a reaction on some other message: not a vote
        else:
            answer = self.records.get(int(item["answer_id"]))
            if answer is None:
                raise UnknownAnswer(f"no answer with id {item['answer_id']}")
            # spools written before the check lack the key; a present one must match
            if "channel" in item and item["channel"] != answer.channel:
                raise WrongChannel(f"a vote on answer {answer.id} from another channel")
        event_ts = item.get("event_ts")  # spools written before it existed lack it
        if item["action"] == "add":
            self.records.record_vote(answer.id, item["user"], item["value"],
                                     source=item["kind"], event_ts=event_ts)
        else:
            self.records.retract_vote(answer.id, item["user"], item["value"], event_ts=event_ts)
        return answer

    # --- the spool -------------------------------------------------------------------------
    def _enqueue(self, item: dict[str, Any]) -> str:
        """Queue `item` in memory and on the spool: QUEUED, or HELD when the spool cannot
        be written (a full disk: the vote waits in memory, the flusher writes it)."""
        self._pending.append(item)
        self._start_flusher()
        if self.spool_error is not None:  # the spool is rewritten whole once it can be
            return HELD
        try:
            append_line(self.spool, json.dumps(item))
        except OSError as exc:
            self._spool_failed(exc)
            return HELD
        return QUEUED

    def _spool_failed(self, exc: OSError) -> None:
        reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
        if self.spool_error is None:
            logger.error("cannot write the vote spool (%s): %d vote(s) held in memory until "
                         "the database or the spool takes them", reason, len(self._pending))
        self.spool_error = reason

    def _persist_held(self) -> None:
        """Votes held in memory go to the spool once it can be written again."""
        if self.spool_error is None or not self._pending:
            return
        try:
            self._rewrite_spool()
        except OSError as exc:
            self._spool_failed(exc)
            return
        logger.info("vote spool writable again: %d held vote(s) written to it",
                    len(self._pending))
        self.spool_error = None

    def _read_spool(self) -> list[dict[str, Any]]:
        if not self.spool.exists():
            return []
        items = []
        for n, line in enumerate(self.spool.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError:  # a line cut off by a crash mid-write
                    logger.error("skipping unreadable line %d of %s", n, self.spool)
        return items

    def _rewrite_spool(self) -> None:
        if not self._pending:
            self.spool.unlink(missing_ok=True)
            return
        tmp = secure_file(self.spool.with_suffix(".tmp"))
        try:
            write_text(tmp, "".join(json.dumps(i) + "\n" for i in self._pending))
        except OSError:
            tmp.unlink(missing_ok=True)  # a half-written copy never replaces the spool
            raise
        tmp.replace(self.spool)

    def flush(self) -> int:
        """Write queued votes, oldest first, until the database refuses; how many were written."""
        written = 0
        with self._lock:
            while self._pending:
                item = self._pending[0]
                try:
                    self._apply(item)
                except Exception as exc:
                    if is_transient(exc):
                        break
                    logger.error("dropping a queued vote the records refuse: %s: %s",
                                 type(exc).__name__, str(exc)[:200])
                self._pending.pop(0)
                written += 1
            if written and self.spool_error is None:
                try:
                    self._rewrite_spool()
                except OSError as exc:
                    self._spool_failed(exc)
            elif written and not self._pending:
                self.spool.unlink(missing_ok=True)
                self.spool_error = None
            self._persist_held()
            if written:
                logger.info("wrote %d queued vote(s); %d still queued", written,
                            len(self._pending))
        return written

    def close(self, timeout: float = 10.0) -> None:
        """Stop the flusher thread (queued votes stay in the spool for the next start)."""
        self._closed.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self._thread = None

    def _start_flusher(self) -> None:
        if self._closed.is_set():
            return
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._flush_loop, name="vote-queue", daemon=True)
        self._thread.start()

    def _flush_loop(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(self.flush_interval_s)
            self._wake.clear()
            if self._closed.is_set():
                return
            try:
                self.flush()
            except Exception:  # never let the flusher die with votes still queued
                logger.exception("vote queue flush failed")
            with self._lock:
                if not self._pending:
                    self._thread = None
                    return
