"""Keeping a long-running serving process's resident memory near what it actually uses.

Two glibc malloc controls, both no-ops (returning False) where glibc is absent
(macOS, musl), so nothing here is needed for correctness:

* `limit_malloc_arenas(n)`: glibc gives each thread that contends for the heap
  its own arena, up to 8 per core. A bot runs dozens of threads (Bolt's listener
  pool, Starlette's thread pool, the answer workers); every arena keeps freed
  memory of its own, so resident memory creeps up with concurrency although the
  live data does not. Capping the arenas early, before those threads exist, keeps
  the freed memory shared.
* `release_free_memory()`: loading the models and embedding the knowledge base
  peak well above the steady state; glibc keeps most of that freed memory mapped.
  `malloc_trim(0)` hands it back to the kernel. Called once the engine is warm and
  after a model swap.

`bench/slack_load` reports the serving process's resident memory with and without
these (docs/experiments.md, "Speed and memory").
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import lru_cache

logger = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # from glibc's malloc.h


@lru_cache(maxsize=1)
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018  (only glibc has it)
        libc.malloc_trim  # noqa: B018
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(arenas: int | None) -> bool:
    """Cap glibc's malloc arenas at `arenas` (None: leave glibc's default). True if applied."""
    if arenas is None:
        return False
    if arenas < 1:
        raise ValueError(f"malloc arenas must be at least 1, not {arenas}")
    libc = _glibc()
    if libc is None:
        return False
    applied = bool(libc.mallopt(_M_ARENA_MAX, int(arenas)))
    if applied:
        logger.debug("malloc arenas capped at %d", arenas)
    return applied


def release_free_memory() -> bool:
    """Return the heap's free pages to the kernel (glibc `malloc_trim(0)`). True if applied."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
