"""Feeds the durable question queue (bot/state/questions.py) to the worker pool.

One dispatcher thread per process claims questions from the database while the
pool has an idle worker, so no question waits in memory: what is not being
answered right now sits in the database, where a restarted process (or another
replica) finds it. It renews the leases of the questions its workers hold, and at
start makes the questions of a dead process on this host claimable at once (a
replica on another host waits for the lease to run out). Submitting a question
wakes it; otherwise it looks every `poll_s` (deferred questions, other replicas).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from bot.pool import QuestionPool
from bot.state import Job, QuestionStore

logger = logging.getLogger(__name__)


def new_owner() -> str:
    """This process's lease name: host, pid (to spot dead local owners), and a nonce."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _dead_local_owners(owners: list[str]) -> list[str]:
    host = socket.gethostname()[:80]
    dead = []
    for owner in owners:
        parts = owner.rsplit(":", 2)
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        if int(parts[1]) == os.getpid():
            continue
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            dead.append(owner)
        except PermissionError:  # alive, someone else's
            pass
    return dead


class QuestionDispatcher:
    """Claims questions for `pool` and runs `work(job, owner)` on it for each.

    `work` must end every question it is given (finish or defer it in the store);
    whatever it lets escape goes to the pool's error handler.
    """

    def __init__(
        self,
        store: QuestionStore,
        pool: QuestionPool,
        work: Callable[[Job, str], None],
        *,
        lease_s: float = 30.0,
        poll_s: float = 0.5,
    ) -> None:
        self.store, self.pool, self.work = store, pool, work
        self.lease_s, self.poll_s = lease_s, poll_s
        self.owner = new_owner()
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished_per_minute = 0  # all replicas: what the wait estimate divides by
        self.finished_per_s: float | None = None  # None until enough have finished
        self._counted = 0  # questions waiting at the last count (all replicas)
        self._admitted_since = 0  # admitted here since that count

    def start(self) -> QuestionDispatcher:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="stylesprint-dispatch",
                                            daemon=True)
            self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def waiting(self) -> int:
        """Questions waiting, as of the last count (every `poll_s` at most) plus those
        admitted here since: the acknowledgement path runs no count query."""
        with self._lock:
            return self._counted + self._admitted_since

    def admitted(self) -> None:
        with self._lock:
            self._admitted_since += 1

    def _count(self) -> None:
        with self._lock:
            before = self._admitted_since  # committed before the count: included in it
        counted = self.store.waiting()
        with self._lock:  # later ones stay added (at worst counted twice, never missed)
            self._counted, self._admitted_since = counted, self._admitted_since - before

    def _measure_pace(self) -> None:
        """Answers per second over the last minute, measured from the first of them (a
        burst after a quiet spell is not averaged with the quiet)."""
        n, span_s = self.store.finished_recently(60)
        self.finished_per_minute = n
        enough = n >= 2 * self.pool.workers and span_s >= 1.0
        self.finished_per_s = n / span_s if enough else None

    @property
    def held(self) -> int:
        with self._lock:
            return len(self._held)

    def stop(self, timeout: float = 10.0) -> None:
        """Claim nothing more (what the workers hold finishes; the rest stays queued)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _loop(self) -> None:
        try:
            released = self.store.release_dead(_dead_local_owners(self.store.running_owners()))
            if released:
                logger.warning("%d question(s) of a stopped process queued again", released)
            self._count()
        except Exception as exc:  # database away: the leases run out instead
            logger.warning("could not check for questions of stopped processes: %s",
                           type(exc).__name__)
        last_renew = last_rate = last_count = 0.0
        failing = False  # one line when the database stops answering, one when it is back
        while not self._stop.is_set() and not self.pool.closed:
            self._wake.wait(self.poll_s)
            self._wake.clear()
            if self._stop.is_set() or self.pool.closed:
                break
            now = time.monotonic()
            try:
                if now - last_renew > self.lease_s / 3:
                    with self._lock:
                        held = list(self._held)
                    self.store.renew(self.owner, held, self.lease_s)
                    last_renew = now
                if now - last_count >= self.poll_s:
                    self._count()
                    last_count = now
                if now - last_rate > 2:
                    self._measure_pace()
                    last_rate = now
                self._fill()
            except Exception as exc:  # the database is away: try again next round
                if not failing:
                    logger.warning("question queue: %s; retrying every %g s",
                                   type(exc).__name__, self.poll_s)
                failing = True
            else:
                if failing:
                    logger.info("question queue: claiming again")
                failing = False

    def _fill(self) -> None:
        while not self._stop.is_set() and self.held < self.pool.workers:
            job = self.store.claim(self.owner, self.lease_s)
            if job is None:
                return
            with self._lock:
                self._held.add(job.id)
            if self.pool.try_submit(self._run, job) is None:  # pool taken by other work
                with self._lock:
                    self._held.discard(job.id)
                self.store.unclaim(job.id, self.owner)
                return

    def _run(self, job: Job) -> None:
        try:
            self.work(job, self.owner)
        finally:
            with self._lock:
                self._held.discard(job.id)
            self._wake.set()
