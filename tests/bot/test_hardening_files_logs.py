"""Field report rows 12 and 13: retry log lines without response_urls; data files private.

Over real HTTP against the stand-in (which answers a response_url with 503 once, so
slack_sdk's retry handler logs its retry line), and with real SQLite files.
"""

from __future__ import annotations

import logging
import sqlite3
import stat
from pathlib import Path

import pytest
from bot_harness import BotServer
from records_cases import make_answer

from bot.vote_queue import QUEUED, VoteQueue
from qa_engine.db import DbTimeouts
from qa_engine.logs import redact
from qa_engine.records import UP, Records


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- row 12 -----------------------------------------------------------------------------------


def test_retry_log_lines_carry_no_response_url(
    bot_server: BotServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    slack = bot_server.standin
    slack.fail_next("response_url", 503, times=1)
    bot_server.command("ask " + "why " * 200, response_url=slack.response_url("secret-hook"))
    slack.wait_for("response_url", timeout=30)
    retries = [r for r in caplog.records if "retry" in r.getMessage()]
    assert retries, "slack_sdk logged no retry"
    assert not [r for r in caplog.records if "secret-hook" in r.getMessage()]


def test_retry_lines_keep_web_api_methods() -> None:
    kept = "Going to retry the same request: POST https://slack.com/api/chat.postMessage"
    assert redact(kept) == kept
    for line in ("Going to retry the same request: POST https://proxy.example/hook/T1/B2/x",
                 "A retry handler found: ServerErrorRetryHandler for POST "
                 "http://127.0.0.1:9/response/T1/B2/x - HTTP Error 503"):
        hidden = redact(line)
        assert "T1/B2" not in hidden and "[withheld]" in hidden


# --- row 13 -----------------------------------------------------------------------------------


def test_the_database_wal_and_data_directory_are_private(bot_server: BotServer,
                                                         tmp_path: Path) -> None:
    db = Path(bot_server.records.engine.url.database)
    bot_server.records.log_answer(make_answer(), surface="command")  # the WAL gets written
    files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    assert all(f.exists() for f in files)
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    assert mode(tmp_path) == 0o700  # the bot's data directory (build_vote_queue)


def test_existing_files_are_tightened_and_new_folders_created_private(tmp_path: Path) -> None:
    loose = tmp_path / "loose.db"
    loose.touch(mode=0o644)
    loose.chmod(0o644)
    records = Records(f"sqlite:///{loose}")
    records.warm_up()
    records.close()
    assert mode(loose) == 0o600
    nested = Records(f"sqlite:///{tmp_path / 'new' / 'deeper' / 'r.db'}")
    nested.warm_up()
    nested.close()
    assert mode(tmp_path / "new") == 0o700 and mode(tmp_path / "new" / "deeper") == 0o700


def test_the_vote_spool_is_private(tmp_path: Path) -> None:
    records = Records(f"sqlite:///{tmp_path / 'r.db'}",
                      timeouts=DbTimeouts(connect_s=0.5, statement_s=0.5, sqlite_busy_s=0.2))
    records.warm_up()
    answer_id = records.log_answer(make_answer(), surface="command")
    blocker = sqlite3.connect(records.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    queue = VoteQueue(records, tmp_path / "spool" / "pending-votes.jsonl", retry_delays=(),
                      flush_interval_s=60)
    try:
        outcome, _ = queue.button(answer_id, "U1", UP, event_ts="1700000000.000001")
        assert outcome == QUEUED
        assert mode(tmp_path / "spool" / "pending-votes.jsonl") == 0o600
        assert mode(tmp_path / "spool") == 0o700
    finally:
        blocker.execute("COMMIT")
        blocker.close()
        queue.close()
        records.close()
