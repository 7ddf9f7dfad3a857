"""Which reactions are votes, and on which answer.

Only 👍 (`+1`, `thumbsup`) and 👎 (`-1`, `thumbsdown`), with or without a skin
tone, on a message the bot posted as an answer, count; everything else is
ignored without a trace.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any, NamedTuple

from slack_sdk.errors import SlackApiError, SlackClientError

from qa_engine.records import DOWN, UP

logger = logging.getLogger(__name__)

VOTE_REACTIONS: dict[str, int] = {"+1": UP, "thumbsup": UP, "-1": DOWN, "thumbsdown": DOWN}


def reaction_value(reaction: str) -> int | None:
    """+1 / -1 for a vote emoji ("+1::skin-tone-3" included), None for any other."""
    return VOTE_REACTIONS.get(reaction.split("::", 1)[0])


class ReactionVote(NamedTuple):
    channel: str
    ts: str
    user: str
    value: int


def reaction_vote(event: dict[str, Any]) -> ReactionVote | None:
    """The vote a reaction event would be (no database needed), or None if it is none."""
    value = reaction_value(str(event.get("reaction", "")))
    item = event.get("item") or {}
    if value is None or item.get("type") != "message" or not event.get("user"):
        return None
    channel, ts = item.get("channel"), item.get("ts")
    if not channel or not ts:
        return None
    return ReactionVote(str(channel), str(ts), str(event["user"]), value)


class BotUsers:
    """Remembers which user ids are bots (`users.info`), so their reactions don't count.

    Reaction events carry only a user id; the bot itself is dropped by Bolt's
    IgnoringSelfEvents, other bots need one `users.info` lookup, cached. The
    reaction listeners ask after acknowledging: a burst of reactions from agents
    the bot has not seen yet must not wait on Slack's API before Slack gets its 200.
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
        if user_id == "USLACKBOT":
            return True
        # When the lookup fails (no users:read, Slack down) or names no user (a deleted
        # account), count the vote: a human is likelier, and a lost vote cannot come back.
        # Such answers are not cached, so the next reaction asks again.
        try:
            reply = client.users_info(user=user_id)
        except (SlackClientError, OSError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
            logger.debug("users.info failed for a reacting user: %s", error or type(exc).__name__)
            return False
        user = reply.get("user") if hasattr(reply, "get") else None
        if not isinstance(user, dict):
            logger.debug("users.info named no user for a reacting user; counting the vote")
            return False
        is_bot = bool(user.get("is_bot"))
        with self._lock:
            self._cache[user_id] = is_bot
            if len(self._cache) > self._max_size:
                self._cache.popitem(last=False)
        return is_bot
