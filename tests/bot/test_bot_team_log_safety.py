"""The team flows log no message text: a follow-up, a hand-off, the lead's relayed reply and
the App Home, over real HTTP; every log record at INFO or above and stderr are searched."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest
from bot_harness import BOT_TOKEN, eventually, running_bot
from slack_standin import SlackStandIn

from bot.blocks import HANDOFF_ACTION
from qa_engine.logs import protect_handlers
from qa_engine.records import Records

QUESTION = "Can the zebra-striped parka be returned?"
FOLLOW_UP = "and the quokka-print scarf?"
LEAD_REPLY = "Yes, the narwhal desk approves it."
PRIVATE = ["zebra-striped", "quokka-print", "narwhal desk", BOT_TOKEN]


def test_team_flows_leave_no_message_text_in_the_logs(
    engine: Any, standin: SlackStandIn, records: Records, tmp_path: Path,
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)
    protect_handlers()
    with running_bot(engine, standin, records, tmp_path,
                     bot={"escalation_channel": "C0LEADS", "lead_users": ["UAGENT1"]}) as bot:
        mention = {"type": "app_mention", "user": "UAGENT1", "channel": "C0SUPPORT",
                   "text": f"<@UBOT> {QUESTION}", "ts": "1700000100.000100"}
        bot.event(mention)
        first = standin.wait_for("chat.postMessage")[0]
        bot.event({**mention, "text": f"<@UBOT> {FOLLOW_UP}", "ts": "1700000200.000200",
                   "thread_ts": "1700000100.000100"})
        standin.wait_for("chat.postMessage", 2)
        ref = eventually(lambda: bot.records.find_by_message("C0SUPPORT", first.response["ts"]))
        bot.click(HANDOFF_ACTION, str(ref.id), "UAGENT1")
        escalation = standin.wait_for("chat.postMessage", 3)[2]
        bot.event({"type": "message", "channel": "C0LEADS", "user": "ULEAD", "text": LEAD_REPLY,
                   "ts": "1700000300.000300", "thread_ts": escalation.response["ts"]})
        standin.wait_for("chat.postMessage", 4)
        bot.event({"type": "app_home_opened", "user": "UAGENT1", "tab": "home",
                   "event_ts": f"{time.time():.6f}"})
        standin.wait_for("views.publish")
    logged = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert any("handed off" in r.getMessage() for r in logged)
    assert any("relayed" in r.getMessage() for r in logged)
    text = "\n".join(r.getMessage() for r in logged) + caplog.text + capfd.readouterr().err
    for secret in PRIVATE:
        assert secret not in text, secret
