"""Hardening: bad questions, malformed Slack payloads and oversized bodies, over real HTTP.

Every request here gets a clear reply (an acknowledgement text, a private note, an
answer) or a clear HTTP error; none crashes the bot or vanishes without a trace.
The real engine answers; Slack is the local stand-in.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import httpx
import pytest
from bot_harness import BotServer, eventually

OUTCOMES = ("chat.postMessage", "response_url", "chat.postEphemeral")


def outcome_of(bot: BotServer, channel: str) -> list[tuple[str, str]]:
    """(kind, text) of everything the bot sent about a question asked in `channel`."""
    out = []
    for call in bot.standin.calls:
        if call.method == "chat.postMessage" and call.params.get("channel") == channel:
            out.append(("answer", json.dumps(call.params.get("blocks"), ensure_ascii=False)))
        elif call.method == "response_url" and channel in call.path:
            out.append(("private", call.params.get("text", "")))
    return out


def ask(bot: BotServer, question: str, channel: str) -> tuple[str, list[tuple[str, str]]]:
    """Send `/stylesprint ask <question>` from `channel`; (ack text, what followed)."""
    response = bot.command(f"ask {question}", channel=channel,
                           response_url=bot.standin.response_url(channel))
    assert response.status_code == 200, response.text
    ack = response.json()["text"]
    if "Looking that up" not in ack:
        return ack, []
    return ack, eventually(lambda: outcome_of(bot, channel), timeout=60)


@pytest.mark.parametrize(
    "question, expect",
    [
        ("\x00\x01\x02\x1b\x7f", "the question is empty"),
        ("\u200b\u200b", "the question is empty"),
        ("why " * 2500, "the limit is"),  # 10,000 characters
    ],
    ids=["control-chars", "zero-width", "10k-chars"],
)
def test_unusable_questions_get_the_reason_privately(bot_server: BotServer, question, expect):
    ack, followed = ask(bot_server, question, "C0BAD")
    assert len(followed) == 1, followed
    kind, text = followed[0]
    assert kind == "private" and expect in text
    assert list(bot_server.records.export()) == []


@pytest.mark.parametrize(
    "question",
    [
        "👗👠🙏",
        "¿Puedo devolver un vestido comprado en línea?",
        "オンラインで買った服は返品できますか？",
        "What is the return window?\x00\x1b[31m with\tcontrol\x07 chars",
        "<!channel> *bold* _it_ ~gone~ `code` <https://evil.example|click me> &amp; <#C0SECRET>",
        "<@UBOT> <@UBOT|stylesprint> what is the return window? <!subteam^S1|@support>",
    ],
    ids=["emoji", "spanish", "japanese", "control-inside", "markup", "mention-injection"],
)
def test_odd_but_real_questions_get_exactly_one_answer_that_pings_nobody(
    bot_server: BotServer, question: str
) -> None:
    ack, followed = ask(bot_server, question, "C0ODD")
    assert "Looking that up" in ack
    assert [kind for kind, _ in followed] == ["answer"], followed
    posted = followed[0][1]
    for live in ("<!channel>", "<https://evil", "<#C0SECRET>", "<@UBOT", "<!subteam"):
        assert live not in posted
    # the answer is marked delivered just after it is posted
    (row,) = eventually(lambda: [r for r in bot_server.records.export() if r["ts"]])
    assert "\x00" not in row["question"]


def test_invalid_utf8_in_a_command_is_read_as_replacement_characters(
    bot_server: BotServer,
) -> None:
    hook = bot_server.standin.response_url("C0UTF")
    form = urlencode({"command": "/stylesprint", "user_id": "UAGENT1", "channel_id": "C0UTF",
                      "team_id": "T0TEST", "api_app_id": "A0TEST", "response_url": hook})
    r = bot_server.signed_post(form + "&text=ask%20%FF%FE%80%C3%28%20return%20window%3F",
                               "application/x-www-form-urlencoded")
    assert r.status_code == 200 and "Looking that up" in r.json()["text"]
    followed = eventually(lambda: outcome_of(bot_server, "C0UTF"), timeout=60)
    assert [kind for kind, _ in followed] == ["answer"]


def test_a_mention_with_nothing_but_mentions_gets_the_usage(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin
    bot.event({"type": "app_mention", "user": "UAGENT1", "channel": "C0SUPPORT",
               "text": f"<@{slack.bot_user_id}>  <@{slack.bot_user_id}>", "ts": "1700000900.1"})
    (note,) = slack.wait_for("chat.postEphemeral")
    assert "/stylesprint ask" in note.params["text"] and note.params["user"] == "UAGENT1"
    assert slack.calls_to("chat.postMessage") == []


# --- malformed payloads (correctly signed, so they get past the signature check) ------------


def signed_form(bot: BotServer, form: dict[str, str]) -> httpx.Response:
    return bot.signed_post(urlencode(form), "application/x-www-form-urlencoded")


def test_a_command_without_user_or_channel_is_refused_clearly(bot_server: BotServer) -> None:
    r = signed_form(bot_server, {"command": "/stylesprint", "team_id": "T0TEST",
                                 "api_app_id": "A0TEST",
                                 "text": "ask What is the return window?", "response_url": ""})
    assert r.status_code == 200
    assert "couldn't tell who asked" in r.json()["text"]
    time.sleep(0.3)
    assert bot_server.standin.calls_to("chat.postMessage") == []
    assert list(bot_server.records.export()) == []


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ("", "application/json"),
        (json.dumps({"type": "event_callback", "team_id": "T0TEST", "event_id": "EvX1"}),
         "application/json"),
        (json.dumps({"type": "no_such_type"}), "application/json"),
        ("\x00\xff binary", "application/octet-stream"),
    ],
    ids=["broken-json", "broken-payload", "empty", "event-without-event", "unknown-type",
         "binary"],
)
def test_malformed_bodies_get_an_http_answer_and_the_bot_keeps_serving(
    bot_server: BotServer, body: str, content_type: str
) -> None:
    r = bot_server.signed_post(body, content_type)
    assert r.status_code in (200, 400, 404), (r.status_code, r.text)
    # still healthy and answering
    assert httpx.get(f"{bot_server.url}/healthz", timeout=5).json()["ok"] is True
    ack, followed = ask(bot_server, "What is the return window for online orders?", "C0AFTER")
    assert [kind for kind, _ in followed] == ["answer"]


@pytest.mark.parametrize(
    "event",
    [
        {"type": "reaction_added", "user": "UAGENT1", "reaction": "+1"},  # no item
        {"type": "reaction_added", "reaction": "+1", "item": {"type": "message"}},  # no user
        {"type": "reaction_removed", "user": "UAGENT1", "reaction": "-1",
         "item": {"type": "file", "file": "F1"}},
        {"type": "app_mention", "text": "<@UBOT> hi", "ts": "1.2"},  # no user, no channel
    ],
    ids=["reaction-no-item", "reaction-no-user", "reaction-on-file", "mention-no-channel"],
)
def test_incomplete_events_are_acknowledged_and_change_nothing(
    bot_server: BotServer, event: dict, caplog
) -> None:
    r = bot_server.event(event)
    assert r.status_code == 200
    time.sleep(0.3)
    assert bot_server.standin.calls_to("chat.postMessage") == []
    assert list(bot_server.records.export()) == []


@pytest.mark.parametrize("value", ["not-a-number", "999999", ""], ids=["text", "unknown", "empty"])
def test_a_vote_button_for_an_unknown_answer_says_so(bot_server: BotServer, value: str) -> None:
    from bot.blocks import VOTE_UP_ACTION

    r = bot_server.click(VOTE_UP_ACTION, value, "UAGENT1",
                         response_url=bot_server.standin.response_url("vote-unknown"))
    assert r.status_code == 200
    (note,) = bot_server.standin.wait_for("response_url")
    assert "no longer" in note.params["text"] and note.params["response_type"] == "ephemeral"


# --- oversized bodies ------------------------------------------------------------------------


def test_an_oversized_body_is_refused_with_413_before_it_is_read(bot_server: BotServer) -> None:
    big = "x" * (2 * 1024 * 1024)
    r = bot_server.signed_post(f"text={big}", "application/x-www-form-urlencoded")
    assert r.status_code == 413
    # a body that lies about its size (chunked, no Content-Length) is cut off as well
    def chunks():
        for _ in range(64):
            yield b"y" * 65536

    r = httpx.post(bot_server.events_url, content=chunks(),
                   headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413
    assert httpx.get(f"{bot_server.url}/healthz", timeout=5).json()["ok"] is True
