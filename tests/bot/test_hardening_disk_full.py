"""Issue 22 item 5: a full disk. Field report: askers were told "busy", 👍 spooled to the
same disk were lost, `/healthz` said ok.

The bot runs for real (uvicorn, Bolt, the records on SQLite, the Slack stand-in). The disk
fills: from then on SQLite refuses every INSERT with its own error ("database or disk is
full", raised as sqlite3 raises it, from the engine's cursor) while an UPDATE of no rows
still passes, as on a real full disk, and appending to the vote spool fails with ENOSPC.
Then space is freed and everything held is written.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bot_harness import BotServer, eventually, post_answer
from sqlalchemy import event

from bot import vote_queue
from bot.answering import BUSY, NOT_STORED
from bot.blocks import VOTE_UP_ACTION
from bot.health import OK, Health
from bot.vote_queue import VOTE_HELD
from qa_engine.records import Records


class FullDisk:
    """A disk that fills up and is freed again (`full` set / cleared)."""

    def __init__(self, records: Records, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = threading.Event()
        self.engine = records.engine
        event.listen(self.engine, "before_cursor_execute", self._refuse)
        append, write = vote_queue.append_line, vote_queue.write_text

        def append_line(path: Path, line: str) -> None:
            self._no_space(path)
            append(path, line)

        def write_text(path: Path, text: str) -> None:
            self._no_space(path)
            write(path, text)

        monkeypatch.setattr(vote_queue, "append_line", append_line)
        monkeypatch.setattr(vote_queue, "write_text", write_text)

    def _refuse(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.full.is_set() and statement.lstrip()[:6].upper() == "INSERT":
            raise sqlite3.OperationalError("database or disk is full")

    def _no_space(self, path: Path) -> None:
        if self.full.is_set():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._refuse)


@pytest.fixture
def disk(records: Records, monkeypatch: pytest.MonkeyPatch) -> Iterator[FullDisk]:
    full = FullDisk(records, monkeypatch)
    yield full
    full.close()


def health(bot: BotServer) -> httpx.Response:
    return httpx.get(f"{bot.url}/healthz", timeout=30)


def test_a_full_disk_loses_no_vote_tells_askers_why_and_fails_health(
    bot_server: BotServer, records: Records, disk: FullDisk
) -> None:
    bot = bot_server
    ts, answer_id = post_answer(bot, channel="C0FULL")
    assert health(bot).status_code == 200

    disk.full.set()
    # 👍 by button and by reaction: the database refuses them and so does the spool
    bot.click(VOTE_UP_ACTION, str(answer_id), "UFULL1", channel="C0FULL")
    bot.reaction("reaction_added", "+1", "UFULL2", "C0FULL", ts)
    told = eventually(lambda: [c for c in bot.standin.calls_to("response_url")
                               if c.params.get("text") == VOTE_HELD])
    assert len(told) == 1  # the button's voter is told; a reaction has nowhere to be told

    report = eventually(lambda: (r := health(bot)).status_code == 503
                        and "2 vote(s) held" in r.json()["checks"].get("votes", "")
                        and r.json())  # both votes handled (the reaction after the ack)
    checks = report["checks"]
    assert report["ok"] is False
    assert checks["database"] == "failing: cannot write: database or disk is full"
    assert checks["votes"].startswith("failing: 2 vote(s) held in memory")
    assert "No space left on device" in checks["votes"]

    # A question that cannot be stored while every worker is busy: not "busy".
    release = threading.Event()
    blockers = [bot.pool.try_submit(release.wait, 60) for _ in range(bot.pool.capacity)]
    try:
        assert all(blockers) and bot.pool.try_submit(release.wait, 1) is None
        r = bot.command("ask What is the return window for online orders?", channel="C0FULL2")
        assert r.status_code == 200
        assert r.json()["text"] == NOT_STORED != BUSY
    finally:
        release.set()

    # Space is freed: the held votes are written, health is ok again.
    disk.full.clear()
    eventually(lambda: records.votes(answer_id)["up"] == 2, timeout=60)
    report = eventually(lambda: (r := health(bot)).status_code == 200 and r.json(), timeout=60)
    assert report["checks"]["database"] == OK and report["checks"]["votes"] == OK
    assert [row["question"] for row in records.export()] == [
        "What is the return window for online orders?"]  # the refused question: not stored


def test_health_fails_below_the_free_space_floor(records: Records, tmp_path: Path) -> None:
    """The disk check reads the real free space of the data directory's file system."""
    roomy = Health(records, engine=object(), data_dir=tmp_path, min_free_disk_mb=0)
    assert roomy.report()["checks"]["disk"] == OK
    beyond_any_disk = 1024.0 ** 4  # MB: an exabyte
    cramped = Health(records, engine=object(), data_dir=tmp_path,
                     min_free_disk_mb=beyond_any_disk)
    report = cramped.report()
    assert report["ok"] is False and report["checks"]["disk"].startswith("failing: disk full")
