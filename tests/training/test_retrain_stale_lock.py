"""Issue 22 item 6: a retrain killed with `kill -9` held its lock for hours (the next run
said "another retrain is running" and exited 0), stayed `running`, and its training child
kept going. Now the next run takes the lock over at once when its owner is dead on this
host, records the dead run as failed and stops its orphaned child; a live owner, or one
on another host, keeps its lock until it expires.

The dead run is a real process that takes the lock, starts its run and its child the way
`run_work` does (`retrain_child.launch`), and is killed with SIGKILL; the child is a
stand-in for training (a sleeping Python process), so the test needs no model.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from qa_engine.settings import Settings
from training import retrain_child
from training.retrain import run_retrain
from training.runs import RetrainStore, default_owner, owner_is_dead

ROOT = Path(__file__).resolve().parents[2]
DEAD_RUN = """
import sys, time
from pathlib import Path
from training.runs import RetrainStore, default_owner
from training import retrain_child

store = RetrainStore(sys.argv[1])
owner = default_owner()
assert store.acquire(owner, ttl_s=4 * 3600)
run_id = store.start_run("manual", owner=owner)
run_dir = retrain_child.run_dir_of(Path(sys.argv[2]), run_id)
run_dir.mkdir(parents=True)
with (run_dir / "work.log").open("w") as log:
    child = retrain_child.launch([sys.executable, "-c", "import time; time.sleep(900)"],
                                 run_dir, log)
print(run_id, child.pid, flush=True)
time.sleep(900)
"""


def killed_retrain(url: str, data_dir: Path) -> tuple[int, psutil.Process]:
    """A retrain process killed with SIGKILL mid-run: (its run id, its orphaned child)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", DEAD_RUN, url, str(data_dir)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        run_id, child_pid = map(int, proc.stdout.readline().split())
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    return run_id, psutil.Process(child_pid)


def test_a_retrain_killed_with_kill_9_is_taken_over_and_its_child_stopped(
    tmp_path: Path,
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    url = settings.resolved_database_url
    run_id, child = killed_retrain(url, settings.data_dir)
    try:
        assert child.is_running() and child.status() != psutil.STATUS_ZOMBIE  # orphaned
        store = RetrainStore(url)
        holder = store.holder()
        assert holder is not None and owner_is_dead(holder[0])  # 4 h to go, owner gone

        outcome = run_retrain(settings, store=store, notify=lambda _o: None)

        assert "another retrain is running" not in outcome.reason
        assert outcome.run_id != run_id
        runs = {r.id: r for r in store.history()}
        assert runs[run_id].status == "failed" and "interrupted" in runs[run_id].reason
        assert runs[run_id].finished_at is not None
        assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
        run_dir = retrain_child.run_dir_of(settings.data_dir, run_id)
        assert not (run_dir / retrain_child.CHILD_FILE).exists()
        assert store.holder() is None  # released after the run
        store.close()
    finally:
        if child.is_running():
            child.kill()


def test_a_live_owner_or_another_hosts_keeps_its_lock(tmp_path: Path) -> None:
    store = RetrainStore(f"sqlite:///{tmp_path / 'runs.db'}")
    alive = f"{socket.gethostname()}:{os.getppid()}:feedbeef"  # our parent runs
    assert not owner_is_dead(alive)
    assert store.acquire(alive, ttl_s=3600)
    assert not store.acquire(default_owner(), ttl_s=3600)
    store.release(alive)
    elsewhere = "another-host.example:1:feedbeef"  # pid 1 is never checked on another host
    assert not owner_is_dead(elsewhere)
    assert store.acquire(elsewhere, ttl_s=3600)
    assert not store.acquire(default_owner(), ttl_s=3600)
    assert store.holder() is not None and store.holder()[0] == elsewhere
    assert not owner_is_dead("not-an-owner") and not owner_is_dead("h:x:y")
    store.close()


@pytest.mark.parametrize("shift_s", [0.0, 3600.0])
def test_a_recorded_child_is_stopped_only_if_it_is_the_same_process(
    tmp_path: Path, shift_s: float
) -> None:
    """A pid reused by another process (another start time) is never signalled."""
    run_dir = retrain_child.run_dir_of(tmp_path, 7)
    run_dir.mkdir(parents=True)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(900)"])
    try:
        started = psutil.Process(other.pid).create_time()
        (run_dir / retrain_child.CHILD_FILE).write_text(json.dumps(
            {"host": socket.gethostname(), "pid": other.pid, "started": started - shift_s}))
        stopped = retrain_child.stop_orphans(tmp_path, [7], grace_s=10)
        if shift_s:
            assert stopped == 0 and other.poll() is None  # not ours: left alone
        else:
            assert stopped == 1 and other.wait(10) == -signal.SIGTERM
        assert not (run_dir / retrain_child.CHILD_FILE).exists()
    finally:
        if other.poll() is None:
            other.kill()
            other.wait(10)
