"""Field report rows 4 and 5: votes in Slack's event order, requests handled exactly once.

Over real HTTP (uvicorn + Bolt, the Slack stand-in, real SQLite records), plus the
records-level checks on PostgreSQL when one answers (skipped with the reason if not).
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from bot_harness import BotServer, eventually, post_answer, running_bot
from records_cases import make_answer
from sqlalchemy import text

from bot.blocks import CORRECTION_BLOCK, CORRECTION_INPUT, CORRECTION_VIEW, VOTE_UP_ACTION
from bot.idempotency import Once, key_of
from qa_engine.db import DbTimeouts
from qa_engine.records import DOWN, UP, Records

QUESTION = "What is the return window for online orders?"
FORM, JSON = "application/x-www-form-urlencoded", "application/json"


def vote_rows(records: Records) -> int:
    with records.engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM votes")))


def replay(bot: BotServer, body: str, ctype: str, times: int = 10) -> list[int]:
    """The same signed request (same timestamp, same signature) sent `times` times."""
    ts = int(time.time())
    return [bot.signed_post(body, ctype, timestamp=ts).status_code for _ in range(times)]


# --- row 5: replays ---------------------------------------------------------------------------


def test_a_replayed_slash_command_is_answered_once(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin
    form = urlencode({"command": "/stylesprint", "text": f"ask {QUESTION}", "team_id": "T0TEST",
                      "api_app_id": "A0TEST",
                      "user_id": "UAGENT1", "channel_id": "C0REPLAY",
                      "response_url": slack.response_url("replay"),
                      "trigger_id": "7001.1234.replayed"})
    assert replay(bot, form, FORM) == [200] * 10
    eventually(lambda: [c for c in slack.calls_to("chat.postMessage")
                        if c.params.get("channel") == "C0REPLAY"], timeout=60)
    time.sleep(1.5)  # room for any duplicate to show up
    posted = [c for c in slack.calls_to("chat.postMessage")
              if c.params.get("channel") == "C0REPLAY"]
    assert len(posted) == 1, len(posted)
    assert len(list(bot.records.export())) == 1


def test_a_command_claimed_by_another_process_is_acknowledged_and_not_answered(
    bot_server: BotServer,
) -> None:
    """The durable claim (before the question is stored): a replay reaching another
    replica, or this one after a restart, finds the key taken and is not queued again."""
    bot, slack = bot_server, bot_server.standin
    assert Once(bot.records).claim("command:7004.1.elsewhere")  # the first delivery's claim
    r = bot.command(f"ask {QUESTION}", channel="C0ELSEWHERE", trigger_id="7004.1.elsewhere")
    assert "Looking that up" in r.json()["text"]
    time.sleep(1.5)
    assert not [c for c in slack.calls_to("chat.postMessage")
                if c.params.get("channel") == "C0ELSEWHERE"]
    assert list(bot.records.export()) == []


def test_a_command_refused_as_busy_releases_its_key(
    engine: Any, standin: Any, records: Records, tmp_path: Path
) -> None:
    """Told "busy", the agent may send the same request again (a retry with the same
    trigger_id): its key was released, so that one is queued and answered."""
    with running_bot(engine, standin, records, tmp_path, bot={"max_wait_s": 0.001}) as bot:  # busy
        r = bot.command(f"ask {QUESTION}", trigger_id="7005.1.busy")
        assert "try again in a moment" in r.json()["text"]
        eventually(lambda: Once(records).first_durably("command:7005.1.busy"))  # released
        Once(records).keys.release("command:7005.1.busy")


def test_a_replayed_modal_submission_is_stored_once(bot_server: BotServer) -> None:
    bot = bot_server
    _, answer_id = post_answer(bot)
    payload = {"type": "view_submission", "user": {"id": "UAGENT2"},
               "team": {"id": bot.standin.team_id}, "api_app_id": "A0TEST", "token": "legacy",
               "view": {"id": "V0REPLAY", "type": "modal", "callback_id": CORRECTION_VIEW,
                        "private_metadata": json.dumps({"answer_id": answer_id}),
                        "state": {"values": {CORRECTION_BLOCK: {CORRECTION_INPUT: {
                            "type": "plain_text_input", "value": "30 days from delivery."}}}}}}
    assert replay(bot, urlencode({"payload": json.dumps(payload)}), FORM) == [200] * 10
    (row,) = list(bot.records.export())
    assert [c["text"] for c in row["corrections"]] == ["30 days from delivery."]


def test_a_refused_submission_sent_again_with_the_field_filled_is_stored(
    bot_server: BotServer,
) -> None:
    bot = bot_server
    _, answer_id = post_answer(bot)

    def submit(value: str) -> dict:
        values = {CORRECTION_BLOCK: {CORRECTION_INPUT: {"type": "plain_text_input",
                                                        "value": value}}}
        r = bot.interaction({"type": "view_submission", "user": {"id": "UAGENT2"},
                             "view": {"id": "V0AGAIN", "type": "modal",
                                      "callback_id": CORRECTION_VIEW,
                                      "private_metadata": json.dumps({"answer_id": answer_id}),
                                      "state": {"values": values}}})
        return r.json() if r.content else {}

    assert submit("  ")["response_action"] == "errors"
    assert submit("  ")["response_action"] == "errors"  # the same refusal, refused again
    assert submit("30 days.") == {}
    (row,) = list(bot.records.export())
    assert [c["text"] for c in row["corrections"]] == ["30 days."]


def test_a_replayed_button_click_is_one_vote_event(bot_server: BotServer) -> None:
    bot = bot_server
    _, answer_id = post_answer(bot)
    payload = {"type": "block_actions", "user": {"id": "UAGENT3"}, "trigger_id": "7002.1.x",
               "team": {"id": bot.standin.team_id}, "api_app_id": "A0TEST", "token": "legacy",
               "response_url": bot.standin.response_url("click"),
               "channel": {"id": "C0SUPPORT"},
               "container": {"type": "message", "is_ephemeral": True,
                             "channel_id": "C0SUPPORT"},
               "actions": [{"type": "button", "action_id": VOTE_UP_ACTION, "block_id": "b",
                            "value": str(answer_id), "action_ts": "1700000100.000200"}]}
    assert replay(bot, urlencode({"payload": json.dumps(payload)}), FORM) == [200] * 10
    eventually(lambda: bot.records.votes(answer_id) == {"up": 1, "down": 0})
    time.sleep(1.0)
    assert vote_rows(bot.records) == 1
    assert len(bot.standin.wait_for("response_url")) == 1  # one "thanks", not ten


def test_claims_are_durable_across_processes(records: Records) -> None:
    assert Once(records).claim("command:7003.1.durable")
    assert not Once(records).claim("command:7003.1.durable")  # a new process: memory empty
    long_key = "view:" + "V" * 200  # stored hashed, still exact
    assert Once(records).claim(long_key) and not Once(records).claim(long_key)


def test_claims_fall_back_to_memory_while_the_database_is_locked(tmp_path: Path) -> None:
    records = Records(f"sqlite:///{tmp_path / 'r.db'}",
                      timeouts=DbTimeouts(connect_s=0.5, statement_s=0.5, sqlite_busy_s=0.2))
    records.warm_up()
    blocker = sqlite3.connect(records.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        once = Once(records)
        assert once.claim("event:EvLOCKED") is True
        assert once.claim("event:EvLOCKED") is False  # the in-memory record holds
    finally:
        blocker.execute("COMMIT")
        blocker.close()
        records.close()


@pytest.mark.parametrize("body, key", [
    ({"type": "event_callback", "event_id": "Ev1"}, "Ev1"),
    ({"command": "/stylesprint", "trigger_id": "1.2.3"}, "command:1.2.3"),
    ({"type": "block_actions", "user": {"id": "U1"},
      "actions": [{"action_id": "a", "action_ts": "17.1"}]}, "action:17.1:U1:a"),
    ({"type": "shortcut"}, None),
])
def test_idempotency_keys(body: dict, key: str | None) -> None:
    assert key_of(body) == key


# --- row 4: votes racing ----------------------------------------------------------------------


def reaction_event(kind: str, user: str, ts: str, event_ts: float) -> dict:
    return {"type": kind, "user": user, "reaction": "+1", "item_user": "UBOT",
            "item": {"type": "message", "channel": "C0SUPPORT", "ts": ts},
            "event_ts": f"{event_ts:.6f}"}


def test_racing_add_remove_add_ends_as_each_agent_left_it(bot_server: BotServer) -> None:
    bot = bot_server
    ts, answer_id = post_answer(bot)
    t0 = time.time()
    events = []
    for n in range(20):  # 👍 added, removed, added again, 2 ms apart: 20 up
        events += [reaction_event(k, f"UFLIP{n}", ts, t0 + n * 0.01 + i * 0.002)
                   for i, k in enumerate(("reaction_added", "reaction_removed", "reaction_added"))]
    for n in range(20):  # added then removed: no vote, and no phantom 👍
        events += [reaction_event(k, f"UGONE{n}", ts, t0 + n * 0.01 + i * 0.002)
                   for i, k in enumerate(("reaction_added", "reaction_removed"))]
    random.Random(4).shuffle(events)  # delivered and committed in any order
    with ThreadPoolExecutor(max_workers=8) as senders:
        codes = list(senders.map(lambda e: bot.event(e).status_code, events))
    assert codes == [200] * len(events)
    eventually(lambda: vote_rows(bot.records) == len(events), timeout=60)  # every event kept
    assert bot.records.votes(answer_id) == {"up": 20, "down": 0}
    (row,) = list(bot.records.export())  # what training reads
    assert row["votes"] == {"up": 20, "down": 0}


def ordering_cases(records: Records) -> None:
    answer_id = records.log_answer(make_answer(), surface="command", channel="C1")
    # committed remove-first, but Slack says the add came first: no vote
    records.retract_vote(answer_id, "U1", UP, event_ts="1700000000.000400")
    records.record_vote(answer_id, "U1", UP, source="reaction", event_ts="1700000000.000200")
    # 👍 then 👎 (committed the other way round): 👎 counts
    records.record_vote(answer_id, "U2", DOWN, source="reaction", event_ts="1700000001.5")
    records.record_vote(answer_id, "U2", UP, source="reaction", event_ts="1700000001.25")
    # a vote without a ts (written before the column existed) sorts by when it was stored
    records.record_vote(answer_id, "U3", UP, source="button")
    assert records.user_vote(answer_id, "U1") is None
    assert records.user_vote(answer_id, "U2") == DOWN
    assert records.votes(answer_id) == {"up": 1, "down": 1}


def test_votes_follow_slacks_order_on_sqlite(records: Records) -> None:
    ordering_cases(records)


@pytest.mark.integration
def test_votes_follow_slacks_order_on_postgresql(pg_url: str, pg_schema: str) -> None:
    records = Records(pg_url, schema=pg_schema)
    try:
        ordering_cases(records)
        assert Once(records).claim("command:pg") and not Once(records).claim("command:pg")
    finally:
        records.close()
