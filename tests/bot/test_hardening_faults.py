"""Hardening: Slack answering 429/5xx, the records database locked or unreachable.

Slack errors are injected by the stand-in (`fail_next`); retries are slack_sdk's own
retry handlers, configured in `bot.app.build_client`. The database faults are real:
an exclusive SQLite lock held by another connection, and a PostgreSQL reached
through a TCP relay that the test stops and starts again.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_harness import BotServer, eventually, post_answer, running_bot
from db_faults import Relay, relayed_pg_records
from sqlalchemy import text

from bot.blocks import VOTE_DOWN_ACTION
from qa_engine.records import Records

QUESTION = "What is the return window for online orders?"


# --- Slack answers 429 / 5xx -----------------------------------------------------------------


def test_429_with_retry_after_is_waited_out_and_the_answer_posted(bot_server: BotServer) -> None:
    slack = bot_server.standin
    slack.fail_next("chat.postMessage", 429, times=1, retry_after=1)
    ts, answer_id = post_answer(bot_server)
    (limited,) = slack.calls_to("chat.postMessage!")
    (posted,) = [c for c in slack.calls_to("chat.postMessage") if c.response.get("ok")]
    assert limited.params["status"] == 429
    assert posted.at - limited.at >= 1.0  # Retry-After honoured
    assert bot_server.records.find_by_message("C0SUPPORT", ts).id == answer_id


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried(bot_server: BotServer, status: int) -> None:
    slack = bot_server.standin
    slack.fail_next("chat.postMessage", status, times=2)  # build_client allows 2 retries
    post_answer(bot_server)
    assert len(slack.calls_to("chat.postMessage!")) == 2
    (row,) = list(bot_server.records.export())
    assert row["ts"] is not None


def test_response_url_errors_are_retried_too(bot_server: BotServer) -> None:
    slack = bot_server.standin
    slack.fail_next("response_url", 503, times=1)
    bot_server.command("ask " + "why " * 200)  # too long: the reason goes via response_url
    (note,) = slack.wait_for("response_url")
    assert "limit is" in note.params["text"]
    assert len(slack.calls_to("response_url!")) == 1


def test_slack_down_for_good_still_tells_the_asker_and_keeps_the_answer(
    bot_server: BotServer,
) -> None:
    slack = bot_server.standin
    slack.fail_next("chat.postMessage", 503, times=3)  # first try + both retries fail
    bot_server.command(f"ask {QUESTION}", response_url=slack.response_url("down"))
    (note,) = slack.wait_for("response_url", timeout=60)
    assert "something went wrong" in note.params["text"]
    (row,) = list(bot_server.records.export())
    assert row["question"] == QUESTION and row["ts"] is None  # logged, never posted


# --- the records database locked -------------------------------------------------------------


def test_votes_wait_for_a_locked_sqlite_database_and_are_counted_once(
    bot_server: BotServer, tmp_path: Path
) -> None:
    bot = bot_server
    ts, answer_id = post_answer(bot)
    path = bot.records.engine.url.database
    blocker = sqlite3.connect(path, timeout=1, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # nobody else may read or write until COMMIT
    try:
        replies: list[Any] = []
        sender = threading.Thread(target=lambda: replies.append(
            bot.reaction("reaction_added", "+1", "UAGENT2", "C0SUPPORT", ts, event_id="EvLK1")))
        sender.start()
        time.sleep(2.0)
        assert sender.is_alive() or replies  # the event waits for the lock, it is not dropped
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    sender.join(timeout=30)
    assert replies and replies[0].status_code == 200
    eventually(lambda: bot.records.votes(answer_id) == {"up": 1, "down": 0})
    # Slack's retry of the same event (it gave up waiting) is still counted once
    bot.reaction("reaction_added", "+1", "UAGENT2", "C0SUPPORT", ts, event_id="EvLK1",
                 retry_num=1)
    time.sleep(0.3)
    with bot.records.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM votes")) == 1


# --- the records database unreachable (PostgreSQL behind a relay the test can cut) -----------

@pytest.fixture
def pg_records() -> Iterator[tuple[Records, Relay]]:
    with relayed_pg_records() as (records, relay):
        yield records, relay


@pytest.mark.integration
def test_votes_made_while_the_database_is_unreachable_are_queued_then_written(
    engine: Any, standin: Any, pg_records: tuple[Records, Relay], tmp_path: Path
) -> None:
    records, relay = pg_records
    with running_bot(engine, standin, records, tmp_path) as bot:
        ts, answer_id = post_answer(bot)
        relay.stop()  # the database is gone
        # a 👍 reaction, a 👎 reaction by someone else, a button vote by a third agent
        up = bot.reaction("reaction_added", "+1", "UAGENT2", "C0SUPPORT", ts)
        down = bot.reaction("reaction_added", "-1", "UAGENT3", "C0SUPPORT", ts)
        click = bot.click(VOTE_DOWN_ACTION, str(answer_id), "UAGENT4")
        assert [r.status_code for r in (up, down, click)] == [200, 200, 200]
        spool = tmp_path / "pending-votes.jsonl"
        eventually(lambda: spool.exists() and len(spool.read_text().splitlines()) == 3,
                   timeout=30)
        # a question asked meanwhile cannot be queued: it is answered without a record
        # (bot/answering.py `_admit_unrecorded`), and the acknowledgement says so as usual
        reply = bot.command(f"ask {QUESTION}", channel="C0WHILEDOWN",
                            response_url=standin.response_url("while-down"))
        assert "Looking that up" in reply.json()["text"]
        eventually(lambda: [c for c in standin.calls_to("chat.postMessage")
                            if c.params.get("channel") == "C0WHILEDOWN"], timeout=60)

        relay.start()  # the database is back: the queued votes are written, in order
        eventually(lambda: not spool.exists(), timeout=30)
        assert records.votes(answer_id) == {"up": 1, "down": 2}
        assert records.user_vote(answer_id, "UAGENT4") == -1


def test_votes_queued_by_a_process_that_died_are_written_by_the_next(
    records: Records, tmp_path: Path
) -> None:
    import json

    from bot.vote_queue import VoteQueue
    from qa_engine.types import Answer

    answer = Answer(question=QUESTION, answered=False, answer="-", span=None, confidence=0.1,
                    sources=[], model_version="v1", latency_ms=1.0)
    answer_id = records.log_answer(answer, surface="command", channel="C1")
    records.mark_delivered(answer_id, delivery="channel", message_ts="1700000000.000001")
    spool = tmp_path / "pending-votes.jsonl"
    queued = [
        {"kind": "reaction", "channel": "C1", "ts": "1700000000.000001", "user": "U1",
         "value": 1, "action": "add"},
        {"kind": "button", "answer_id": answer_id, "user": "U2", "value": -1, "action": "add"},
        {"kind": "reaction", "channel": "C1", "ts": "1700000000.000001", "user": "U1",
         "value": 1, "action": "remove"},  # U1 changed their mind: order matters
        {"kind": "button", "answer_id": 424242, "user": "U3", "value": 1, "action": "add"},
    ]
    spool.write_text("".join(json.dumps(q) + "\n" for q in queued) + '{"kind": "reac')  # cut off
    queue = VoteQueue(records, spool, flush_interval_s=0.05)
    eventually(lambda: queue.pending == 0 and not spool.exists())
    assert records.votes(answer_id) == {"up": 0, "down": 1}  # the unknown answer's vote dropped
