"""Global middleware: drop bot-made events and Events API retries before any listener.

Both short-circuit with an empty 200, which tells Slack "handled" so it stops
retrying; neither logs event content (it may contain message text).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_sdk.errors import SlackApiError

from bot.records import Records
from bot.vote_queue import TRANSIENT

logger = logging.getLogger(__name__)

_USER_EVENTS = frozenset({"reaction_added", "reaction_removed", "app_mention"})


class BotUsers:
    """Remembers which user ids are bots (`users.info`), so their reactions don't count.

    Reaction events carry only a user id; the bot itself is dropped by Bolt's
    IgnoringSelfEvents, other bots need one `users.info` lookup, cached.
    """

    def __init__(self, max_size: int = 10_000) -> None:
        self._cache: OrderedDict[str, bool] = OrderedDict()
        self._lock = threading.Lock()
        self._max_size = max_size

    def is_bot(self, user_id: str, client: Any) -> bool:
        with self._lock:
            if user_id in self._cache:
                self._cache.move_to_end(user_id)
                return self._cache[user_id]
        try:
            user = client.users_info(user=user_id)["user"]
            is_bot = bool(user.get("is_bot")) or user_id == "USLACKBOT"
        except SlackApiError as exc:
            # Without users:read (or for a deleted user) count the vote: a human is likelier.
            logger.debug("users.info failed for a reacting user: %s", exc.response.get("error"))
            return False
        with self._lock:
            self._cache[user_id] = is_bot
            if len(self._cache) > self._max_size:
                self._cache.popitem(last=False)
        return is_bot


def ignore_bots(bot_users: BotUsers) -> Callable[..., BoltResponse | None]:
    def ignore_bot_events(
        body: dict[str, Any], context: BoltContext, next: Callable[[], None]
    ) -> BoltResponse | None:
        event = body.get("event") or {}
        if body.get("type") == "event_callback" and event.get("type") in _USER_EVENTS:
            user = event.get("user")
            if event.get("bot_id") or event.get("subtype") == "bot_message":
                return BoltResponse(status=200, body="")
            if user and (user == context.bot_user_id or bot_users.is_bot(user, context.client)):
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


def register(app: App, records: Records, bot_users: BotUsers | None = None) -> None:
    app.middleware(ignore_bots(bot_users or BotUsers()))
    app.middleware(dedupe_events(records))
