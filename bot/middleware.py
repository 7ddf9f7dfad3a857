"""Global middleware: drop bot-made events and Events API retries before any listener.

Both short-circuit with an empty 200, which tells Slack "handled" so it stops
retrying; neither logs event content (it may contain message text).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse

from bot.vote_queue import TRANSIENT
from qa_engine.records import Records

logger = logging.getLogger(__name__)

_USER_EVENTS = frozenset({"reaction_added", "reaction_removed", "app_mention"})


def ignore_bots() -> Callable[..., BoltResponse | None]:
    """Events a bot sent (its `bot_id`, a `bot_message`, or this bot's own user) stop here.

    Only checks that need no network run before the acknowledgement; whether a
    reacting user id belongs to another bot takes a `users.info` call, so the
    reaction listeners ask `bot.voting.BotUsers` after acknowledging.
    """

    def ignore_bot_events(
        body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        event = body.get("event") or {}
        if body.get("type") == "event_callback" and event.get("type") in _USER_EVENTS:
            user = event.get("user")
            if event.get("bot_id") or event.get("subtype") == "bot_message":
                return BoltResponse(status=200, body="")
            if user and user == context.bot_user_id:
                logger.debug("ignored a %s event from a bot", event.get("type"))
                return BoltResponse(status=200, body="")
        next()
        return None

    return ignore_bot_events


def dedupe_events(records: Records) -> Callable[..., BoltResponse | None]:
    """Events API retries (same `event_id`, `X-Slack-Retry-Num` > 0) are handled once.

    The event id is stored before the listener runs (at-most-once): a crash
    mid-listener loses one vote rather than counting it twice. The table
    survives restarts, unlike an in-memory set. When the database cannot be
    reached the event goes through unmarked (at-least-once): the vote is then
    queued by the listener, and a repeated vote by the same agent changes no tally.
    """

    def dedupe_retried_events(
        body: dict[str, Any], request: BoltRequest, next: Callable[[], None]
    ) -> BoltResponse | None:
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id:
            try:
                first = records.mark_event_processed(str(event_id))
            except TRANSIENT as exc:
                logger.warning("records unavailable (%s); event %s not deduplicated",
                               type(exc).__name__, event_id)
                first = True
            if not first:
                retry = (request.headers.get("x-slack-retry-num") or ["0"])[0]
                logger.info("dropped duplicate delivery of event %s (retry %s)", event_id, retry)
                return BoltResponse(status=200, body="")
        next()
        return None

    return dedupe_retried_events


def ignore_unrelated_messages(escalation_channel: str | None) -> Callable[..., BoltResponse | None]:
    """Message events (`message.channels`) matter only as thread replies in the escalation
    channel (a lead answering a hand-off); every other one stops here, before its event id
    is written, so a busy channel costs no database writes."""

    def ignore_other_messages(
        body: dict[str, Any], next: Callable[[], None]
    ) -> BoltResponse | None:
        event = body.get("event") or {}
        if body.get("type") == "event_callback" and event.get("type") == "message" and (
                escalation_channel is None or event.get("channel") != escalation_channel
                or not event.get("thread_ts")):
            return BoltResponse(status=200, body="")
        next()
        return None

    return ignore_other_messages


def register(app: App, records: Records, escalation_channel: str | None = None) -> None:
    app.middleware(ignore_unrelated_messages(escalation_channel))
    app.middleware(ignore_bots())
    app.middleware(dedupe_events(records))
