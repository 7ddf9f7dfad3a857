"""What a large ingest tells the operator: a size warning up front, then progress.

A 5 MB Markdown file once went in without a word and took 12 minutes (8,187
passages); its junk then crowded answers out of retrieval. So, before the
embedding starts:

* each file that makes `LARGE_FILE_PASSAGES` passages or more, or is
  `LARGE_FILE_BYTES` or larger, gets a warning saying so and what share of the
  collection it will be (one huge file can crowd other answers out of retrieval);
* a run with `LARGE_RUN_PASSAGES` passages or more to embed gets one line with the
  cost: passages, and the time it will take at the rate measured on the first batch
  on this machine.

While embedding, a terminal gets a tqdm bar (with passages/s); anything else (a log,
CI) gets a plain line about every tenth of the way: passages done, passages/s, time
left. Every message goes to the `notify` callback the composition root gives (stderr
for `stylesprint ingest`); without one they are logged.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

#: A file making this many passages (or more) gets a size warning.
LARGE_FILE_PASSAGES = 1000
#: A file of this size (or more) gets a size warning.
LARGE_FILE_BYTES = 1_000_000
#: A run embedding this many passages (or more) says up front what it will cost.
LARGE_RUN_PASSAGES = 1000
#: Show progress when at least this many passages need embedding.
PROGRESS_MIN_PASSAGES = 200

Notify = Callable[[str], None]


def duration(seconds: float) -> str:
    """`75` -> "1 min 15 s", `3900` -> "1 h 5 min"."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def size_in_mb(n_bytes: int) -> str:
    return f"{n_bytes / 1_000_000:.1f} MB"


def file_size_warning(path: str, n_bytes: int, passages: int, total_after: int) -> str | None:
    """The warning for one large file, or None when it is not large."""
    if passages < LARGE_FILE_PASSAGES and n_bytes < LARGE_FILE_BYTES:
        return None
    share = passages / max(1, total_after)
    return (f"large file: {path} ({size_in_mb(n_bytes)}) makes {passages:,} passages, "
            f"{share:.0%} of the collection; one huge file can crowd other answers out of "
            "retrieval: split it, or leave out what agents never need")


def cost_line(passages: int, rate: float) -> str:
    """What embedding `passages` will cost at `rate` passages/s."""
    return (f"{passages:,} passages to embed: about {duration(passages / max(rate, 1e-9))} "
            f"at {rate:.0f} passages/s on this machine")


class Progress:
    """Counts embedded passages; shows a tqdm bar on a terminal, plain lines elsewhere."""

    def __init__(self, total: int, notify: Notify | None, show: bool | None) -> None:
        self.total = total
        self.notify = notify
        self.done = 0
        self.estimated = False  # the cost line was said
        self.started = time.perf_counter()
        terminal = sys.stderr.isatty()
        if show is None:
            show = total >= PROGRESS_MIN_PASSAGES and (terminal or notify is not None)
        self._bar: Any = None
        self._lines = bool(show) and not terminal and notify is not None
        self._step = max(1, total // 10)
        self._next = self._step
        if show and not self._lines:
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=sys.stderr, unit="passage", desc="embed")

    @property
    def rate(self) -> float:
        """Passages per second so far."""
        return self.done / max(time.perf_counter() - self.started, 1e-9)

    def say(self, message: str) -> None:
        if self._bar is not None:
            self._bar.write(message, file=sys.stderr)
        elif self.notify is not None:
            self.notify(message)
        else:
            log.info("%s", message)

    def update(self, n: int) -> None:
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self._lines and (self.done >= self._next or self.done >= self.total):
            while self._next <= self.done:
                self._next += self._step
            left = (self.total - self.done) / max(self.rate, 1e-9)
            self.say(f"embedded {self.done:,}/{self.total:,} passages "
                     f"({self.done / max(1, self.total):.0%}), {self.rate:.0f} passages/s, "
                     f"about {duration(left)} left")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
