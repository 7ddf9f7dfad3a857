"""Who may vote on or correct an answer: the members of the channel it was given in.

A vote or a correction changes what every agent is told, so the server checks it, not
the payload: the user must be a member of the answer's channel (`conversations.members`
through the bot's one Web API client, cached for `MEMBERS_CACHE_S`), and a button's
payload must name the answer's own channel. A channel whose members cannot be read (the
bot was removed, a missing scope, Slack down) admits nobody but the answer's own asker
(who asked there, and alone sees an answer sent privately through `response_url`): a
lost vote can be given again, a wrong answer published to everyone cannot be taken back
from those who read it.

Hand-written (a dict with timestamps) because it is one lookup with a short expiry;
the bot keeps no other cache library.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

logger = logging.getLogger(__name__)

MEMBERS_CACHE_S = 60.0  # a channel's members are re-read at most once a minute
NOT_A_MEMBER = ("Only members of the channel where this answer was given can vote on it "
                "or correct it.")
WRONG_CHANNEL = "That button belongs to an answer in another channel, so nothing was recorded."


class ChannelMembers:
    """Cached `conversations.members`, thread-safe (one per app, on the context)."""

    def __init__(self, ttl_s: float = MEMBERS_CACHE_S, max_channels: int = 1000) -> None:
        self.ttl_s = ttl_s
        self.max_channels = max_channels
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def is_member(self, client: Any, channel: str | None, user: str | None) -> bool:
        if not channel or not user:
            return False
        members = self.members(client, channel)
        return members is not None and user in members

    def members(self, client: Any, channel: str) -> frozenset[str] | None:
        """The channel's members, or None when Slack does not tell (not cached)."""
        with self._lock:
            hit = self._cache.get(channel)
            if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
                return hit[1]
        found: set[str] = set()
        cursor: str | None = None
        try:
            while True:
                reply = client.conversations_members(channel=channel, limit=1000,
                                                     **({"cursor": cursor} if cursor else {}))
                found.update(str(u) for u in (reply.get("members") or []))
                cursor = (reply.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except (SlackClientError, OSError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
            logger.warning("cannot read a channel's members (%s); its votes and corrections "
                           "are refused", error or type(exc).__name__)
            return None
        members = frozenset(found)
        with self._lock:
            if len(self._cache) >= self.max_channels:
                self._cache.pop(next(iter(self._cache)))
            self._cache[channel] = (time.monotonic(), members)
        return members


def may_act(members: ChannelMembers, client: Any, answer: Any, user: str) -> bool:
    """May `user` vote on or correct `answer` (an `AnswerRef`)? Its asker, or a member of
    its channel."""
    if answer.asker is not None and answer.asker == user:
        return True
    return members.is_member(client, answer.channel, user)


def payload_channel(body: dict[str, Any]) -> str | None:
    """The channel a block action came from (`channel.id`, else `container.channel_id`)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id")
    return str(channel) if channel else None
