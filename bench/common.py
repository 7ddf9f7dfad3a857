"""What every benchmark shares: percentiles, the machine, memory, tables and JSON output."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEV_FILE = ROOT / "training" / "data" / "stylesprint_dev.jsonl"
#: The settings that change speed; every benchmark records them with its figures.
SPEED_SETTINGS = (  # (group, field) of Settings
    ("engine", "torch_threads"), ("engine", "reader_int8"), ("engine", "embedder_int8"),
    ("engine", "question_cache_size"), ("engine", "max_seq_length"), ("engine", "doc_stride"),
    ("engine", "top_k"), ("bot", "worker_threads"), ("bot", "max_queued"),
)


def quiet() -> None:
    """Offline and quiet, as the CLI runs (no hub lookups, no progress bars)."""
    from qa_engine.logs import quiet_libraries

    quiet_libraries()


def parser(description: str, default_n: int | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--out", type=Path, default=None, help="Write the figures to this JSON file.")
    p.add_argument("--n", type=int, default=default_n,
                   help=f"How many items to measure (default: {default_n or 'all'}).")
    return p


def stats(values_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99, mean, min and max of a list of milliseconds (empty -> zeros)."""
    if not len(values_ms):
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "mean": 0.0, "min": 0.0, "max": 0.0}
    a = np.asarray(values_ms, dtype=float)
    p50, p95, p99 = np.percentile(a, [50, 95, 99])
    return {"n": int(a.size), "p50": round(float(p50), 1), "p95": round(float(p95), 1),
            "p99": round(float(p99), 1), "mean": round(float(a.mean()), 1),
            "min": round(float(a.min()), 1), "max": round(float(a.max()), 1)}


def memory_mb(pid: int | None = None) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM) of a process, in MiB (Linux)."""
    out: dict[str, float] = {}
    try:
        text = Path(f"/proc/{pid or 'self'}/status").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = round(int(value.split()[0]) / 1024,
                                                                      1)
    return out


def machine() -> dict[str, Any]:
    """The machine and its state when the figures were taken (load average included:
    other processes on shared cores change every figure)."""
    import torch

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        mem_gib = None
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory_gib": mem_gib,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
    }


def speed_settings(settings: Any) -> dict[str, Any]:
    return {name: getattr(getattr(settings, group, None), name, None)
            for group, name in SPEED_SETTINGS}


def report(name: str, figures: dict[str, Any], settings: Any = None) -> dict[str, Any]:
    """The JSON document of one run: what, when, where, how invoked, under which settings."""
    return {
        "benchmark": name,
        "taken_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m " + " ".join(
            [f"bench.{name}", *(shlex.quote(a) for a in sys.argv[1:])]),
        "machine": machine(),
        "settings": speed_settings(settings) if settings is not None else {},
        **figures,
    }


def write(doc: dict[str, Any], out: Path | None) -> None:
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    print(f"\nwrote {out}")


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def stats_rows(named: dict[str, dict[str, float]]) -> list[list[Any]]:
    return [[name, s["n"], s["p50"], s["p95"], s["p99"], s["mean"], s["max"]]
            for name, s in named.items()]


STATS_HEADERS = ("ms", "n", "p50", "p95", "p99", "mean", "max")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1 else f"{value:.1f}"
    return str(value)


def dev_questions(path: Path = DEV_FILE, n: int | None = None) -> list[dict[str, Any]]:
    """The dev split's rows (question, context, answer_text, ...), first `n`."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows[:n] if n else rows


class Stopwatch:
    """`with Stopwatch() as sw: ...; sw.ms`"""

    def __enter__(self) -> Stopwatch:
        self._t0 = time.perf_counter()
        self.ms = 0.0
        return self

    def __exit__(self, *_exc: object) -> None:
        self.ms = (time.perf_counter() - self._t0) * 1000
