"""Global middleware: refuse another workspace's or app's request first (bot/tenancy.py);
drop bot-made events before any listener; hand out the idempotency claims that drop
retries and replays after the acknowledgement.

Nothing here waits on the database or the network (it all runs before Bolt's ack);
the bot-event check short-circuits with an empty 200, which tells Slack "handled" so it
stops retrying, and logs no event content (it may contain message text).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.idempotency import ONCE, Once
from bot.tenancy import AllowedTenants, allow_only
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


def provide_once(once: Once) -> Callable[..., None]:
    """Put the idempotency claims (`bot.idempotency.Once`) on `context`: nothing blocks here.

    Retries and replays used to be dropped in this middleware by a database write,
    before Bolt's acknowledgement of an event: a hung database held every ack. The
    claim now runs after the ack, in the listener wrapper (bot/errors.py `after_ack`).
    """

    def provide_idempotency(context: BoltContext, next: Callable[[], None]) -> None:
        context[ONCE] = once
        next()

    return provide_idempotency


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


def register(app: App, records: Records, tenants: AllowedTenants, app_name: str,
             escalation_channel: str | None = None) -> None:
    app.middleware(allow_only(tenants, app_name))  # before anything else reads the request
    app.middleware(ignore_unrelated_messages(escalation_channel))
    app.middleware(ignore_bots())
    app.middleware(provide_once(Once(records)))
