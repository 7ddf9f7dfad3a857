"""One scheduler for every chat.postMessage of a process: per-channel pacing and Retry-After.

slack_sdk's `RateLimitErrorRetryHandler` honours Retry-After by sleeping in the
calling thread: two rate-limited answers put both answer workers to sleep and every
other question waited. Here a worker asks `reserve(channel)` before posting; when
the channel is rate-limited (a 429's Retry-After) or was posted to less than
`interval_s` ago (Slack allows about one message per second per channel), the
worker gets the time the channel is free again, hands the question back to the
durable queue until then (`QuestionStore.defer`) and moves on to the next question.
No library paces per key without blocking the caller, hence this small class.
"""

from __future__ import annotations

import threading
import time


class PostScheduler:
    """When each channel may next be posted to; thread-safe, shared by all workers."""

    def __init__(self, interval_s: float = 1.0) -> None:
        self.interval_s = interval_s
        self._next: dict[str, float] = {}  # channel -> epoch seconds it is free again
        self._lock = threading.Lock()
        self.rate_limited_count = 0

    def reserve(self, channel: str, now: float | None = None) -> float:
        """0.0 and the slot booked when `channel` may be posted to now; else when it may."""
        now = time.time() if now is None else now
        with self._lock:
            free_at = self._next.get(channel, 0.0)
            if free_at > now:
                return free_at
            self._next[channel] = now + self.interval_s
            if len(self._next) > 10_000:  # forget channels long free again
                self._next = {c: t for c, t in self._next.items() if t > now}
            return 0.0

    def rate_limited(self, channel: str, retry_after_s: float, now: float | None = None) -> float:
        """Slack answered 429: the channel waits `retry_after_s`; returns when it is free."""
        now = time.time() if now is None else now
        until = now + max(retry_after_s, self.interval_s)
        with self._lock:
            self._next[channel] = max(self._next.get(channel, 0.0), until)
            self.rate_limited_count += 1
        return until

    def blocked(self, now: float | None = None) -> int:
        """Channels waiting right now (for /healthz)."""
        now = time.time() if now is None else now
        with self._lock:
            return sum(1 for t in self._next.values() if t > now + self.interval_s)
