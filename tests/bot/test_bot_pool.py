"""The bounded question pool: full means an immediate refusal, errors reach one handler."""

from __future__ import annotations

import threading

from bot.pool import QuestionPool


def test_pool_refuses_when_full_and_recovers() -> None:
    release = threading.Event()
    started = threading.Semaphore(0)

    def job() -> str:
        started.release()
        release.wait(10)
        return "done"

    pool = QuestionPool(workers=1, max_queued=1)
    try:
        first = pool.try_submit(job)
        second = pool.try_submit(job)  # queued
        assert first is not None and second is not None
        assert started.acquire(timeout=5)
        assert pool.admitted == 2
        assert pool.try_submit(job) is None  # full: refused at once, nothing queued
        release.set()
        assert first.result(5) == "done" and second.result(5) == "done"
        assert pool.admitted == 0
        third = pool.try_submit(job)
        assert third is not None and third.result(5) == "done"
    finally:
        release.set()
        pool.shutdown()


def test_job_errors_go_to_the_error_handler_and_free_the_slot() -> None:
    seen: list[BaseException] = []
    pool = QuestionPool(workers=1, max_queued=0, on_error=seen.append)
    try:
        future = pool.try_submit(lambda: 1 / 0)
        assert future is not None
        assert future.result(5) is None
        assert len(seen) == 1 and isinstance(seen[0], ZeroDivisionError)
        assert pool.admitted == 0 and pool.try_submit(lambda: 2) is not None
    finally:
        pool.shutdown()
