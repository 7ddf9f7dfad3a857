"""Logs carry no message text, `response_url`s or tokens at INFO or above.

Real HTTP against the bot under uvicorn: a request with a bad signature (whose body
slack_bolt logs whole at INFO unless the project's filter rewrites it), a bad-signature
event, and a correctly signed question that is answered. Every log record at INFO or
above, from every logger, and everything written to stderr is then searched for the
question text, the `response_url` and the tokens.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from bot_harness import BOT_TOKEN, SIGNING_SECRET, BotServer, eventually, running_bot
from slack_standin import SlackStandIn

from qa_engine.logs import protect_handlers, redact
from qa_engine.records import Records

QUESTION = "What is the return window for online orders of the zebra-striped parka?"
PRIVATE_TEXT = "zebra-striped parka"


def _private(standin: SlackStandIn) -> list[str]:
    return [PRIVATE_TEXT, standin.response_url("leak-1"), standin.url + "/response", "leak-1",
            BOT_TOKEN, SIGNING_SECRET]


def test_bad_signature_and_answered_questions_leave_nothing_private_in_the_logs(
    engine: Any, standin: SlackStandIn, records: Records, tmp_path: Path,
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str],
) -> None:
    # As in `stylesprint serve`: logging at INFO is set up before the app is built (Bolt's
    # loggers take the root level when they are created), and its handlers are protected.
    caplog.set_level(logging.INFO)
    protect_handlers()
    with running_bot(engine, standin, records, tmp_path) as bot:
        _drive(bot)
    records_ = [r for r in caplog.records if r.levelno >= logging.INFO]
    # refused by bot/server.py before Bolt parses the body (Bolt's own check stays behind it)
    rejected = [r for r in records_ if "refused a request" in r.getMessage()]
    assert len(rejected) == 2, [r.getMessage() for r in records_]  # logged, but not the body
    assert any(r.name.startswith("bot") for r in records_)  # the answer was logged too
    logged = "\n".join(r.getMessage() for r in records_) + caplog.text + capfd.readouterr().err
    for secret in _private(standin):
        assert secret not in logged, secret


def _drive(bot: BotServer) -> None:
    """A forged command, a stale event, then the same question properly signed."""
    form = {"command": "/stylesprint", "text": f"ask {QUESTION}", "user_id": "UAGENT1",
            "channel_id": "C0SUPPORT", "team_id": bot.standin.team_id, "token": BOT_TOKEN,
            "response_url": bot.standin.response_url("leak-1"), "trigger_id": "1.2"}
    ctype = "application/x-www-form-urlencoded"
    forged = bot.signed_post(urlencode(form), ctype, signature="v0=" + "0" * 64)
    assert forged.status_code == 401
    event = {"type": "event_callback", "team_id": bot.standin.team_id, "event_id": "EvLeak",
             "event": {"type": "app_mention", "user": "UAGENT1", "text": QUESTION,
                       "channel": "C0SUPPORT", "ts": "1700000000.000100"},
             "event_time": int(time.time())}
    stale = bot.signed_post(json.dumps(event), "application/json",
                            timestamp=int(time.time()) - 600)
    assert stale.status_code == 401

    answered = bot.command(f"ask {QUESTION}", response_url=bot.standin.response_url("leak-1"))
    assert answered.status_code == 200
    bot.standin.wait_for("chat.postMessage")
    eventually(lambda: bot.records.find_by_message(
        "C0SUPPORT", bot.standin.calls_to("chat.postMessage")[0].response["ts"]))
    time.sleep(0.3)  # the listener's last log lines


def test_redact_withholds_bodies_urls_tokens_and_text() -> None:
    body = urlencode({"text": "ask where is my parcel", "response_url":
                      "https://hooks.slack.com/commands/T1/2/abc", "token": "xoxb-1-2-abc"})
    line = redact(f"Invalid request signature detected (signature: v0=1, timestamp: 7, "
                  f"body: {body})")
    assert line == ("Invalid request signature detected (timestamp 7; signature and body "
                    "[withheld])")
    for message in (f"request body: {body}",
                    "POST https://hooks.slack.com/commands/T1/2/abc 200",
                    "{'text': 'where is my parcel', 'response_url': 'http://x/response/1'}",
                    "token xoxb-1-2-abc"):
        clean = redact(message)
        assert "parcel" not in clean and "hooks.slack.com" not in clean
        assert "xoxb-1-2-abc" not in clean and "http://x/response/1" not in clean
    assert redact("answer 12: vote +1 recorded") == "answer 12: vote +1 recorded"
