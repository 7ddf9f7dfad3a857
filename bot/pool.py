"""The bounded worker pool that answers questions off Bolt's request threads.

A `ThreadPoolExecutor` alone queues without limit; here a semaphore caps the
jobs running plus waiting. Questions do not wait here: they wait in the durable
queue (bot/state/questions.py), and `bot/queue.py` hands the pool only as
many as it has idle workers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

logger = logging.getLogger(__name__)


class QuestionPool:
    """`workers` threads, at most `workers + max_queued` questions admitted at once.

    `on_error` receives any exception a job lets escape (the bot passes its one
    global error handler), so failures are reported in one place.
    """

    def __init__(
        self,
        workers: int,
        max_queued: int,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if workers < 1 or max_queued < 0:
            raise ValueError("a pool needs at least one worker and a non-negative queue")
        self.workers = workers
        self.capacity = workers + max_queued
        self._closed = False
        self._slots = threading.BoundedSemaphore(self.capacity)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stylesprint-q")
        self._on_error = on_error
        self._admitted = 0
        self._count_lock = threading.Lock()

    @property
    def admitted(self) -> int:
        """Questions running or waiting right now."""
        return self._admitted

    def try_submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future | None:
        """Run `fn(*args, **kwargs)` on the pool, or return None at once when it is full."""
        if not self._slots.acquire(blocking=False):
            return None
        with self._count_lock:
            self._admitted += 1
        try:
            return self._executor.submit(self._run, fn, args, kwargs)
        except BaseException:  # executor shut down: give the slot back, let the caller see it
            self._release()
            raise

    def _run(self, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if self._on_error is None:
                raise
            self._on_error(exc)
            return None
        finally:
            self._release()

    def _release(self) -> None:
        with self._count_lock:
            self._admitted -= 1
        self._slots.release()

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        self._executor.shutdown(wait=wait, cancel_futures=not wait)
