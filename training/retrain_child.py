"""The retrain's training child, recorded so that a run killed with `kill -9` leaves no
orphan behind.

`run_work` starts `python -m training.retrain_work` with `launch` (a `subprocess.Popen`)
and writes `<run dir>/child.json`: host, pid and the child's start time. A process id
alone can be reused by an unrelated process once the child is gone; pid *and* start
time name one process (psutil reads the start time the same way on Linux, macOS and
Windows). The file is removed when the child has ended.

When the next retrain takes over the lock of a run whose process is dead
(`training.runs.owner_is_dead`), `stop_orphans` stops the child of every run
still marked running, if it is that same process on this host: SIGTERM, then SIGKILL
after `grace_s`.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import psutil

logger = logging.getLogger(__name__)

CHILD_FILE = "child.json"
#: Start times read back by psutil agree to well under this many seconds.
_SAME_START_S = 0.5


def run_dir_of(data_dir: Path, run_id: int) -> Path:
    """The working folder of retrain run `run_id` (training/retrain.py `_locked_run`)."""
    return data_dir / "retrain" / f"run-{run_id:05d}"


def launch(cmd: Sequence[str], run_dir: Path, log: IO[Any]) -> subprocess.Popen[bytes]:
    """Start `cmd` with its output in `log`, and record it in `run_dir/child.json`."""
    proc = subprocess.Popen(list(cmd), stdout=log, stderr=subprocess.STDOUT)
    try:
        started = psutil.Process(proc.pid).create_time()
    except psutil.Error:  # already gone: nothing to stop later
        return proc
    record = {"host": socket.gethostname(), "pid": proc.pid, "started": started}
    (run_dir / CHILD_FILE).write_text(json.dumps(record), encoding="utf-8")
    return proc


def forget(run_dir: Path) -> None:
    """The child of `run_dir` has ended: its record goes."""
    (run_dir / CHILD_FILE).unlink(missing_ok=True)


def recorded_child(run_dir: Path) -> psutil.Process | None:
    """The live process `run_dir/child.json` names, if it is still that process on this host."""
    try:
        record = json.loads((run_dir / CHILD_FILE).read_text(encoding="utf-8"))
        if record["host"] != socket.gethostname():
            return None
        proc = psutil.Process(int(record["pid"]))
        if abs(proc.create_time() - float(record["started"])) > _SAME_START_S:
            return None  # the pid now belongs to another process
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        return None


def _ended(proc: psutil.Process, timeout_s: float) -> bool:
    """Wait up to `timeout_s` for `proc` to end. An orphan is not our child (no waitpid):
    once it has exited it is gone, or a zombie until its new parent reaps it."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def stop_orphans(data_dir: Path, run_ids: Sequence[int], grace_s: float = 10.0) -> int:
    """Stop the training child of each of `run_ids` that still runs; how many were stopped."""
    stopped = 0
    for run_id in run_ids:
        run_dir = run_dir_of(data_dir, run_id)
        proc = recorded_child(run_dir)
        if proc is not None:
            logger.warning("stopping the training child (pid %d) of interrupted retrain run %d",
                           proc.pid, run_id)
            try:
                proc.terminate()
                if not _ended(proc, grace_s):
                    proc.kill()
                    if not _ended(proc, grace_s):
                        raise psutil.TimeoutExpired(grace_s, proc.pid)
            except psutil.NoSuchProcess:
                pass
            except psutil.Error as exc:
                logger.error("could not stop pid %d: %s", proc.pid, type(exc).__name__)
                continue
            stopped += 1
        forget(run_dir)
    return stopped
