"""Field report rows 6, 9 and 10, over real HTTP: the "payload" slash command, malformed
or unsigned bodies, unknown event types.

Bodies are sent to the bot's real endpoint (uvicorn + Bolt) exactly as written here;
signed ones are signed with the test secret the way Slack signs.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import httpx
import pytest
from bot_harness import BotServer, eventually

from bot.server import RejectedRequest, parse_slack_body

JSON, FORM = "application/json", "application/x-www-form-urlencoded"


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records carrying a traceback (there should be none)."""
    return [r.name for r in caplog.records
            if r.exc_info or "Traceback" in r.getMessage()]


# --- row 6: a slash command whose text contains "payload" ------------------------------------


def test_a_command_mentioning_payload_is_answered(bot_server: BotServer) -> None:
    r = bot_server.command("ask What is the payload limit?", channel="C0PAYLOAD")
    assert r.status_code == 200, r.status_code
    assert "Looking that up" in r.json()["text"]
    eventually(lambda: [c for c in bot_server.standin.calls_to("chat.postMessage")
                        if c.params.get("channel") == "C0PAYLOAD"], timeout=60)


@pytest.mark.parametrize(
    "raw, ctype, expected",
    [
        ("text=ask+What+is+the+payload+limit%3F&command=%2Fstylesprint", FORM,
         {"text": "ask What is the payload limit?", "command": "/stylesprint"}),
        ("payload=%7B%22type%22%3A%22block_actions%22%7D", FORM, {"type": "block_actions"}),
        ('{"type": "event_callback"}', JSON, {"type": "event_callback"}),
        ("", JSON, {}),
    ],
    ids=["payload-in-text", "interaction", "json", "empty"],
)
def test_bodies_parse_as_slack_means_them(raw: str, ctype: str, expected: dict) -> None:
    assert parse_slack_body(raw, ctype) == expected


@pytest.mark.parametrize("raw, ctype", [("[]", JSON), ("null", JSON), ("payload=[1,2]", FORM),
                                        ("payload=%7Bbroken", FORM), ("{broken", JSON)])
def test_bodies_that_are_not_objects_are_refused(raw: str, ctype: str) -> None:
    with pytest.raises(RejectedRequest) as caught:
        parse_slack_body(raw, ctype)
    assert caught.value.status == 400


# --- row 9: malformed or unsigned bodies -----------------------------------------------------

ODD_BODIES = [("[]", JSON), ("null", JSON), ("payload=[1,2]", FORM), ("payload=null", FORM)]


@pytest.mark.parametrize("raw, ctype", ODD_BODIES, ids=["list", "null", "payload-list",
                                                        "payload-null"])
def test_unsigned_odd_bodies_get_401_without_a_traceback(
    bot_server: BotServer, raw: str, ctype: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    r = httpx.post(bot_server.events_url, content=raw.encode(),
                   headers={"Content-Type": ctype}, timeout=10)
    assert r.status_code == 401, r.status_code
    assert no_tracebacks(caplog) == []


@pytest.mark.parametrize("raw, ctype", ODD_BODIES, ids=["list", "null", "payload-list",
                                                        "payload-null"])
def test_signed_odd_bodies_get_400_without_a_traceback(
    bot_server: BotServer, raw: str, ctype: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    r = bot_server.signed_post(raw, ctype)
    assert r.status_code == 400, r.status_code
    assert no_tracebacks(caplog) == []


# "²", "¹²³": str.isdigit() is True for superscript digits but int() refuses them
@pytest.mark.parametrize("timestamp", ["abc", "", "12.5", "-1", "²", "¹²³", "17²"])
def test_a_malformed_timestamp_header_gets_401(
    bot_server: BotServer, timestamp: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = urlencode({"command": "/stylesprint", "text": "help"})
    r = httpx.post(bot_server.events_url, content=body.encode(), timeout=10,
                   headers={"Content-Type": FORM,
                            # HTTP header bytes are latin-1: b"\xb2" arrives as "²"
                            "X-Slack-Request-Timestamp": timestamp.encode("latin-1"),
                            "X-Slack-Signature": "v0=" + "0" * 64})
    assert r.status_code == 401, r.status_code
    assert no_tracebacks(caplog) == []
    assert bot_server.command("help").status_code == 200  # and the bot still serves


# --- row 10: event types the bot has no listener for -----------------------------------------


@pytest.mark.parametrize("event", [
    {"type": "app_uninstalled"},
    {"type": "tokens_revoked", "tokens": {"oauth": ["U1"], "bot": ["B1"]}},
    {"type": "message", "user": "UAGENT1", "channel": "C0SUPPORT", "text": "hi",
     "ts": "1700000000.000100"},
    {"type": "member_joined_channel", "user": "UAGENT1", "channel": "C0SUPPORT"},
], ids=lambda e: e["type"])
def test_unknown_event_types_are_answered_200(bot_server: BotServer, event: dict) -> None:
    started = time.perf_counter()
    r = bot_server.event({**event, "event_ts": f"{time.time():.6f}"})
    assert r.status_code == 200, r.status_code
    assert time.perf_counter() - started < 3.0
    time.sleep(0.2)
    assert bot_server.standin.calls_to("chat.postMessage") == []


def test_a_signed_event_body_with_an_extra_payload_field_stays_an_event(
    bot_server: BotServer,
) -> None:
    """JSON bodies are never read as forms, whatever words they contain."""
    body = json.dumps({"type": "event_callback", "team_id": "T0TEST", "event_id": "EvPL1",
                       "event": {"type": "app_uninstalled", "payload": "x"}})
    assert bot_server.signed_post(body, JSON).status_code == 200
