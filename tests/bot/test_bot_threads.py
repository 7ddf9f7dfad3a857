"""Threads and follow-ups over real HTTP (real engine and records, Slack stand-in)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from bot_harness import BotServer, eventually, running_bot

from bot.blocks import HANDOFF_ACTION, VOTE_DOWN_ACTION, VOTE_UP_ACTION

FIRST = "What is the return window for online orders?"
FOLLOW_UP = "and for sale items?"


def mention(bot: BotServer, text: str, ts: str, thread_ts: str | None = None) -> None:
    event = {"type": "app_mention", "user": "UAGENT1", "channel": "C0SUPPORT", "ts": ts,
             "text": f"<@{bot.standin.bot_user_id}> {text}"}
    if thread_ts:
        event["thread_ts"] = thread_ts
    assert bot.event(event).status_code == 200


def test_follow_up_in_a_thread_uses_the_earlier_question(bot_server: BotServer, engine) -> None:
    bot, slack = bot_server, bot_server.standin
    mention(bot, FIRST, "1700000600.000300")
    first = slack.wait_for("chat.postMessage")[0]
    assert first.params["thread_ts"] == "1700000600.000300"
    assert "as context" not in json.dumps(first.params["blocks"])

    mention(bot, FOLLOW_UP, "1700000700.000400", thread_ts="1700000600.000300")
    follow = slack.wait_for("chat.postMessage", 2)[1]
    assert follow.params["thread_ts"] == "1700000600.000300"  # answered in the same thread
    text = json.dumps(follow.params["blocks"], ensure_ascii=False)
    assert f"I took the earlier question *{FIRST}* as context" in text
    eventually(lambda: bot.records.find_by_message("C0SUPPORT", follow.response["ts"]))
    rows = {r["question"]: r for r in bot.records.export()}
    assert set(rows) == {FIRST, FOLLOW_UP}
    # The thread's question steered retrieval to the returns policy for sale items; the
    # follow-up alone would have found the promotions pages.
    steered = engine.ask(FOLLOW_UP, context=FIRST).sources
    alone = engine.ask(FOLLOW_UP).sources
    assert steered[0].title.startswith("Returns and Exchanges")
    found = set(rows[FOLLOW_UP]["retrieved_ids"])
    assert found == {s.id for s in steered} != {s.id for s in alone}
    assert "Returns and Exchanges" in text

def test_command_in_a_channel_without_thread_answers_in_the_channel(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin
    assert bot.command(f"ask {FIRST}").status_code == 200
    [post] = slack.wait_for("chat.postMessage")
    assert "thread_ts" not in post.params
    assert "as context" not in json.dumps(post.params["blocks"])


@pytest.fixture
def leads_bot(engine, standin, records, tmp_path) -> Iterator[BotServer]:
    with running_bot(engine, standin, records, tmp_path,
                     bot={"escalation_channel": "C0LEADS"}) as bot:
        yield bot


def test_ephemeral_fallback_keeps_vote_buttons_and_adds_the_handoff(leads_bot: BotServer) -> None:
    bot, slack = leads_bot, leads_bot.standin
    slack.close_channel("C0ARCHIVED", "is_archived")
    assert bot.command(f"ask {FIRST}", channel="C0ARCHIVED").status_code == 200
    [private] = slack.wait_for("response_url")
    actions = [[e["action_id"] for e in b["elements"]] for b in private.params["blocks"]
               if b["type"] == "actions"]
    assert actions == [[VOTE_UP_ACTION, VOTE_DOWN_ACTION], [HANDOFF_ACTION]]
