"""Hand-off to a human over real HTTP: "Ask a team lead" → the escalation post → the lead's
reply in that thread → relayed to the agent (real engine, real records, Slack stand-in)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from bot_harness import BotServer, eventually, running_bot
from sqlalchemy import text as sql

from bot.blocks import HANDOFF_ACTION
from bot.state import Teamwork

QUESTION = "Do you ship parcels to Mars?"


@pytest.fixture
def leads_bot(engine, standin, records, tmp_path) -> Iterator[BotServer]:
    with running_bot(engine, standin, records, tmp_path,
                     bot={"escalation_channel": "C0LEADS",
                          "escalation_usergroup": "S0LEADS"}) as server:
        yield server


def handoff_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]
            if e.get("action_id") == HANDOFF_ACTION]


def ask(bot: BotServer, question: str) -> tuple[Any, int]:
    assert bot.command(f"ask {question}").status_code == 200
    post = bot.standin.wait_for("chat.postMessage")[-1]
    ref = eventually(lambda: bot.records.find_by_message("C0SUPPORT", post.response["ts"]))
    return post, ref.id


def test_handoff_posts_to_the_leads_and_relays_the_reply(leads_bot: BotServer) -> None:
    bot, slack = leads_bot, leads_bot.standin
    post, answer_id = ask(bot, QUESTION)
    row = next(iter(bot.records.export()))
    [button] = handoff_buttons(post.params["blocks"])
    assert button["value"] == str(answer_id)
    assert (button.get("style") == "primary") == (not row["answered"])  # declines stand out

    # The button: one post in the escalation channel, mentioning the leads' group.
    assert bot.click(HANDOFF_ACTION, button["value"], "UAGENT1").status_code == 200
    escalation = slack.wait_for("chat.postMessage", 2)[1]
    assert escalation.params["channel"] == "C0LEADS"
    text = json.dumps(escalation.params["blocks"], ensure_ascii=False)
    assert "<!subteam^S0LEADS>" in text and "<@UAGENT1>" in text and QUESTION in text
    assert row["answer"][:40] in text and "original message" in text
    if row["answered"] is False:
        assert "The bot declined" in text and "Top sources" in text
    # ...and the agent gets the thread's link (ephemeral, through response_url).
    told = eventually(lambda: [c for c in slack.calls_to("response_url")
                               if "team leads" in c.params.get("text", "")])
    thread_ts = escalation.response["ts"]
    assert f"C0LEADS/p{thread_ts.replace('.', '')}" in told[0].params["text"]
    [handoff] = Teamwork(bot.records).handoffs_since(_long_ago())
    assert (handoff.answer_id, handoff.escalation_ts) == (answer_id, thread_ts)

    # A second click does not post again.
    bot.click(HANDOFF_ACTION, button["value"], "UAGENT1")
    eventually(lambda: sum("already asked" in c.params.get("text", "")
                           for c in slack.calls_to("response_url")) == 1)
    assert len(slack.calls_to("chat.postMessage")) == 2

    # Messages that are not a lead's reply in that thread are ignored; outside the
    # escalation channel's threads not even their event ids are written.
    processed = processed_events(bot)
    bot.event({"type": "message", "channel": "C0SUPPORT", "user": "UAGENT2", "text": "hello",
               "ts": "1800000000.000000", "thread_ts": "1700000000.000001"})
    bot.event({"type": "message", "channel": "C0LEADS", "user": "ULEAD", "text": "hi all",
               "ts": "1800000000.000001"})
    assert processed_events(bot) == processed
    bot.event({"type": "message", "channel": "C0LEADS", "user": "UBOT", "bot_id": "BBOT",
               "text": "bot", "ts": "1800000000.000002", "thread_ts": thread_ts})
    # The lead's reply in the thread reaches the agent in their DM with the bot.
    bot.event({"type": "message", "channel": "C0LEADS", "user": "ULEAD",
               "text": "No <!channel>, we only ship on Earth.", "ts": "1800000000.000003",
               "thread_ts": thread_ts})
    relayed = slack.wait_for("chat.postMessage", 3)[2]
    assert relayed.params["channel"] == "UAGENT1"
    relayed_text = json.dumps(relayed.params["blocks"], ensure_ascii=False)
    assert "<@ULEAD> replied" in relayed_text and "we only ship on Earth" in relayed_text
    assert "&lt;!channel&gt;" in relayed_text  # the lead's text cannot ping anyone
    eventually(lambda: Teamwork(bot.records).handoffs_since(_long_ago())[0].replies == 1)
    time.sleep(0.3)
    assert len(slack.calls_to("chat.postMessage")) == 3


def test_no_escalation_channel_no_button(bot_server: BotServer) -> None:
    post, _ = ask(bot_server, QUESTION)
    assert handoff_buttons(post.params["blocks"]) == []


def processed_events(bot: BotServer) -> int:
    with bot.records.engine.connect() as conn:
        return int(conn.scalar(sql("SELECT count(*) FROM processed_events")))


def _long_ago() -> Any:
    from datetime import datetime

    return datetime(2000, 1, 1)
