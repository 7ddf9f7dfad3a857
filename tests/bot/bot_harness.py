"""The bot's test harness: request signing like Slack's, uvicorn on a free port."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier
from slack_standin import SlackStandIn

from bot.blocks import (
    CORRECTION_BLOCK,
    CORRECTION_INPUT,
    CORRECTION_VIEW,
    REASON_BLOCK,
    REASON_INPUT,
    SOURCE_BLOCK,
    SOURCE_INPUT,
)
from bot.errors import handle_error
from bot.pool import QuestionPool
from bot.server import bind, make_server
from bot.settings import ServingSettings
from qa_engine.records import Records

# Slack's documented example secret (see test_bot_signature.py).
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-token"  # fake; Bolt treats only xoxb- tokens as bot tokens (bot_user_id)
APP_TOKEN = "xapp-test-token"
T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 30.0) -> T:
    """Poll until `check()` is truthy (listeners run after the HTTP ack)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {value!r})")
        time.sleep(0.02)


def post_answer(bot: BotServer, question: str = "What is the return window for online orders?",
                channel: str = "C0SUPPORT") -> tuple[str, int]:
    """Ask in `channel`; wait for the posted answer and its record; (message ts, answer id)."""
    bot.command(f"ask {question}", channel=channel)
    post = eventually(lambda: [c for c in bot.standin.calls_to("chat.postMessage")
                               if c.params.get("channel") == channel and c.response.get("ok")])[0]
    ref = eventually(lambda: bot.records.find_by_message(channel, post.response["ts"]))
    return post.response["ts"], ref.id


def correction_submission(opened: Any, text: str, *, reason: str | None = None,
                          source: str | None = None, user: str = "UAGENT2") -> dict[str, Any]:
    """The `view_submission` Slack sends when `user` submits the correction modal that
    the stand-in's `opened` call (`views.open`) showed: every input block is there, an
    empty one as null, as Slack sends them. The tests and bench.learning both use it."""
    view = opened.params["view"]
    option = {"value": reason} if reason is not None else None
    values = {
        CORRECTION_BLOCK: {CORRECTION_INPUT: {"type": "plain_text_input", "value": text}},
        SOURCE_BLOCK: {SOURCE_INPUT: {"type": "plain_text_input", "value": source}},
        REASON_BLOCK: {REASON_INPUT: {"type": "radio_buttons", "selected_option": option}},
    }
    return {"type": "view_submission", "user": {"id": user},
            "view": {"id": opened.response["view"]["id"], "type": "modal",
                     "callback_id": CORRECTION_VIEW,
                     "private_metadata": view["private_metadata"],
                     "state": {"values": values}}}


def bot_settings(data_dir: Path, api_url: str, **groups: dict[str, Any]) -> ServingSettings:
    """Test settings; a failed post is looked up after 1 s (the stand-in answers at once).

    `groups`: values by settings group, e.g. `bot={"max_wait_s": 1}`."""
    slack = {"bot_token": BOT_TOKEN, "signing_secret": SIGNING_SECRET, "api_url": api_url}
    return ServingSettings(data_dir=data_dir,
                           **{**groups, "slack": {**slack, **groups.get("slack", {})},
                              "bot": {"post_verify_s": 1.0, **groups.get("bot", {})}})


@dataclass
class BotServer:
    """The bot's real HTTP endpoint plus helpers that sign requests like Slack does."""

    url: str
    records: Records
    standin: SlackStandIn
    pool: QuestionPool
    secret: str = SIGNING_SECRET
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    # Slack's trigger_ids and event_ids are unique across processes: two servers on one
    # records database (replicas, a restart) must not share them, or the durable
    # idempotency claims (bot/idempotency.py) take one's requests for the other's replays
    _nonce: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def signed_post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        ts = int(time.time()) if timestamp is None else timestamp
        sig = signature or SignatureVerifier(self.secret).generate_signature(
            timestamp=str(ts), body=body
        )
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": sig,
            **(headers or {}),
        }
        return httpx.post(self.events_url, content=body.encode(), headers=all_headers, timeout=30)

    def command(
        self, text: str, *, channel: str = "C0SUPPORT", user: str = "UAGENT1", **extra: str
    ) -> httpx.Response:
        n = next(self._ids)
        form = {
            "token": "legacy-verification-token",
            "team_id": self.standin.team_id,
            "team_domain": "stylesprint-test",
            "channel_id": channel,
            "channel_name": "support",
            "user_id": user,
            "user_name": "agent",
            "command": "/stylesprint",
            "text": text,
            "api_app_id": "A0TEST",
            "response_url": self.standin.response_url(f"cmd-{n}"),
            "trigger_id": f"{n}.{self._nonce}.trigger",
            **extra,
        }
        return self.signed_post(urlencode(form), "application/x-www-form-urlencoded")

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> httpx.Response:
        body = json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": self.standin.team_id,
                "api_app_id": "A0TEST",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{next(self._ids):08d}{self._nonce}",
                "event_time": int(time.time()),
            }
        )
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.signed_post(body, "application/json", headers=headers)

    def reaction(
        self, kind: str, reaction: str, user: str, channel: str, ts: str, **kw: Any
    ) -> httpx.Response:
        event = {
            "type": kind,
            "user": user,
            "reaction": reaction,
            "item_user": self.standin.bot_user_id,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": f"{time.time():.6f}",
        }
        return self.event(event, **kw)

    def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        base = {"team": {"id": self.standin.team_id}, "api_app_id": "A0TEST", "token": "legacy"}
        body = urlencode({"payload": json.dumps({**base, **payload})})
        return self.signed_post(body, "application/x-www-form-urlencoded")

    def click(
        self, action_id: str, value: str, user: str, *, response_url: str | None = None,
        channel: str = "C0SUPPORT",
    ) -> httpx.Response:
        """A button clicked on a message in `channel` (as Slack sends it: `channel.id` and
        the container's `channel_id`)."""
        n = next(self._ids)
        return self.interaction(
            {
                "type": "block_actions",
                "user": {"id": user, "team_id": self.standin.team_id},
                "channel": {"id": channel},
                "trigger_id": f"{n}.{self._nonce}.trigger",
                "response_url": response_url or self.standin.response_url(f"action-{n}"),
                "container": {"type": "message", "is_ephemeral": True, "channel_id": channel},
                "actions": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "block_id": "b",
                        "value": value,
                        "action_ts": f"{time.time():.6f}",
                    }
                ],
            }
        )


def run_uvicorn(asgi_app: Any) -> tuple[Any, threading.Thread, str]:
    sock = bind("127.0.0.1", 0)
    server = make_server(asgi_app, log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextlib.contextmanager
def running_bot(
    engine: Any, standin: SlackStandIn, records: Records, data_dir: Path,
    **groups: dict[str, Any],
) -> Iterator[BotServer]:
    """The bot (`BotRuntime.assemble`) over `engine` and `records`, served by uvicorn on
    a free port (`groups`: settings by group, e.g. `bot={"escalation_channel": "C0LEADS"}`); on exit
    every thread it started is stopped (the records stay open: they are the caller's). The
    retrain log is wired as the composition root wires it (`stylesprint.jobs.retrain_log`)."""
    from bot.runtime import BotRuntime
    from bot.server import create_asgi_app
    from stylesprint.jobs import retrain_log

    settings = bot_settings(data_dir, standin.api_url, **groups)
    pool = QuestionPool(workers=1, max_queued=2, on_error=handle_error)
    runtime = BotRuntime.assemble(settings, engine, records, pool,
                                  retrain_log=retrain_log(settings))
    try:
        assert runtime.checks is not None
        server, thread, url = run_uvicorn(create_asgi_app(runtime.app, runtime.checks.report))
    except BaseException:
        runtime.close()
        raise
    try:
        yield BotServer(url=url, records=records, standin=standin, pool=pool)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()
