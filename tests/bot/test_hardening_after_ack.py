"""Field report row 11 and "nothing is ever silent": every failure after the ack reaches
the agent, over real HTTP (uvicorn + Bolt, the Slack stand-in, real records).

One test per failure point: a listener that acks and then raises, a modal submission
that fails before its ack, the engine raising, Slack answering 5xx after every retry.
(The records database down is in test_hardening_db.py.)
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bot_harness import BotServer, running_bot

from bot.blocks import CORRECTION_BLOCK, CORRECTION_INPUT, CORRECTION_VIEW, SUGGEST_ACTION
from qa_engine.records import Records

QUESTION = "What is the return window for online orders?"


class FailingEngine:
    """An engine that raises on every question (the failure injected, not a stand-in)."""

    model_version = "broken"

    def ask(self, question: str, top_k: int | None = None, **_: Any) -> Any:
        raise RuntimeError("reader exploded")


def test_a_listener_that_acks_then_raises_tells_the_agent(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin
    started = time.perf_counter()
    r = bot.click(SUGGEST_ACTION, "999999", "UAGENT1",
                  response_url=slack.response_url("suggest-unknown"))
    elapsed = time.perf_counter() - started
    assert r.status_code == 200, r.status_code  # was a 404 after 3 s
    assert elapsed < 2.5, elapsed
    (note,) = slack.wait_for("response_url", timeout=10)
    assert note.path.endswith("suggest-unknown")
    assert "no longer on record" in note.params["text"]
    assert "Traceback" not in note.params["text"] and "999999" not in note.params["text"]
    assert slack.calls_to("views.open") == []


def test_a_modal_submission_that_fails_keeps_the_modal_open_with_the_reason(
    bot_server: BotServer,
) -> None:
    r = bot_server.interaction({
        "type": "view_submission",
        "user": {"id": "UAGENT1"},
        "view": {
            "id": "V0GONE", "type": "modal", "callback_id": CORRECTION_VIEW,
            "private_metadata": json.dumps({"answer_id": 999999}),
            "blocks": [{"type": "input", "block_id": CORRECTION_BLOCK}],
            "state": {"values": {CORRECTION_BLOCK: {CORRECTION_INPUT: {
                "type": "plain_text_input", "value": "30 days."}}}},
        },
    })
    assert r.status_code == 200, r.status_code
    reply = r.json()
    assert reply["response_action"] == "errors"
    assert "no longer on record" in reply["errors"][CORRECTION_BLOCK]


def test_an_engine_error_is_told_to_the_asker(
    standin: Any, records: Records, tmp_path: Path
) -> None:
    with running_bot(FailingEngine(), standin, records, tmp_path) as bot:
        r = bot.command(f"ask {QUESTION}", response_url=standin.response_url("engine-error"))
        assert r.status_code == 200 and "Looking that up" in r.json()["text"]
        (note,) = standin.wait_for("response_url", timeout=30)
        assert "something went wrong" in note.params["text"]
        assert "exploded" not in note.params["text"]
        # a mention has no response_url: the note is an ephemeral message in the thread
        bot.event({"type": "app_mention", "user": "UAGENT1", "channel": "C0SUPPORT",
                   "text": f"<@{standin.bot_user_id}> {QUESTION}", "ts": "1700000700.0001"})
        (ephemeral,) = standin.wait_for("chat.postEphemeral", timeout=30)
        assert ephemeral.params["user"] == "UAGENT1"
        assert "something went wrong" in ephemeral.params["text"]


def test_slack_5xx_after_every_retry_still_reaches_a_mentioning_agent(
    bot_server: BotServer,
) -> None:
    bot, slack = bot_server, bot_server.standin
    slack.fail_next("chat.postMessage", 503, times=3)  # the first try and both retries
    bot.event({"type": "app_mention", "user": "UAGENT1", "channel": "C0SUPPORT",
               "text": f"<@{slack.bot_user_id}> {QUESTION}", "ts": "1700000800.0001"})
    (note,) = slack.wait_for("chat.postEphemeral", timeout=60)
    assert note.params["user"] == "UAGENT1" and "something went wrong" in note.params["text"]
    assert len(slack.calls_to("chat.postMessage!")) == 3
    (row,) = list(bot.records.export())
    assert row["ts"] is None  # logged, never posted
