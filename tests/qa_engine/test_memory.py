"""glibc malloc controls of a serving process (qa_engine/memory.py)."""

from __future__ import annotations

import platform

import pytest

from qa_engine.memory import _glibc, limit_malloc_arenas, release_free_memory

glibc_only = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="malloc_trim/mallopt are glibc functions"
)


def _rss_kib() -> int:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


@glibc_only
def test_release_free_memory_hands_freed_heap_back_to_the_kernel():
    # Many small blocks (below the mmap threshold) live on the heap; freeing them leaves
    # the pages mapped until malloc_trim returns them.
    blocks = [bytearray(64 * 1024) for _ in range(1500)]  # ~94 MiB on the heap
    for b in blocks:
        b[::4096] = b"\x01" * len(b[::4096])  # touch every page
    del blocks[::2]  # keep every other block alive so the heap top cannot simply shrink
    before = _rss_kib()
    assert release_free_memory() is True
    after = _rss_kib()
    assert before - after > 20 * 1024, (before, after)  # at least 20 MiB went back
    del blocks


@glibc_only
def test_arena_cap_is_applied_and_validated():
    assert _glibc() is not None
    assert limit_malloc_arenas(4) is True
    assert limit_malloc_arenas(None) is False
    with pytest.raises(ValueError, match="at least 1"):
        limit_malloc_arenas(0)
