"""Only our workspace and our app: a correctly signed request for another is refused.

The signing secret proves a request came from Slack, not that it is for this workspace:
an app distributed to (or a secret shared with) another workspace, or another app whose
requests reach this URL, would be answered from StyleSprint's knowledge base. So the
first middleware (`allow_only`) compares the request's `api_app_id`, `team_id` and
Enterprise Grid id with the allowed ones (settings `SLACK_ALLOWED_APP_IDS`,
`SLACK_ALLOWED_TEAM_IDS`, `SLACK_ALLOWED_ENTERPRISE_IDS`; by default the bot token's own
workspace and org, from `auth.test`, and the app it belongs to, from `bots.info`) before
anything else reads it, and answers a refused one with a 200 (so Slack does not retry)
that carries nothing of ours.

Slack Connect channels (shared with another company) are answered only when
`SLACK_ALLOW_SHARED_CHANNELS` is on: an event says so itself (`is_ext_shared_channel`),
checked in the same middleware; a slash command does not, so its channel is looked up
(`conversations.info`, cached) by `SharedChannels` in the command listener.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.settings import SlackSettings

logger = logging.getLogger(__name__)

#: what an agent is told, `{app}` being the app's name (`Branding.app_name`)
NOT_HERE = "{app} does not answer here."
SHARED_CHANNEL = ("{app} does not answer in channels shared with other companies (Slack "
                  "Connect). Ask in one of your own workspace's channels.")
CHANNEL_CACHE_S = 600.0


class TenancyUnknown(ValueError):
    """The bot's own workspace or app could not be read at start-up."""


@dataclass(frozen=True)
class AllowedTenants:
    """Whose requests are answered."""

    team_ids: frozenset[str]
    app_ids: frozenset[str]
    enterprise_ids: frozenset[str] = frozenset()
    allow_shared_channels: bool = False

    @classmethod
    def resolve(cls, slack: SlackSettings, client: Any) -> AllowedTenants:
        """The settings, with what is left empty read from the bot token (auth.test,
        bots.info): one-line `TenancyUnknown` naming the setting when Slack does not tell."""
        teams, apps = set(slack.allowed_team_ids), set(slack.allowed_app_ids)
        enterprises = set(slack.allowed_enterprise_ids)
        if not teams or not apps or not enterprises:
            auth = _call(client.auth_test, "auth.test", "SLACK_ALLOWED_TEAM_IDS")
            if not teams and auth.get("team_id"):
                teams.add(str(auth["team_id"]))
            if not enterprises and auth.get("enterprise_id"):
                enterprises.add(str(auth["enterprise_id"]))
            if not apps:
                app_id = auth.get("app_id")  # not in every auth.test reply: bots.info has it
                if not app_id and auth.get("bot_id"):
                    bot = _call(lambda: client.bots_info(bot=auth["bot_id"]), "bots.info",
                                "SLACK_ALLOWED_APP_IDS").get("bot") or {}
                    app_id = bot.get("app_id")
                if app_id:
                    apps.add(str(app_id))
        if not teams:
            raise TenancyUnknown("cannot tell the bot's workspace (auth.test names none); "
                                 "set SLACK_ALLOWED_TEAM_IDS")
        if not apps:
            raise TenancyUnknown("cannot tell the bot's app (bots.info names none); "
                                 "set SLACK_ALLOWED_APP_IDS")
        return cls(frozenset(teams), frozenset(apps), frozenset(enterprises),
                   slack.allow_shared_channels)

    def refusal(self, body: dict[str, Any]) -> str | None:
        """Why this request is not ours (a short reason for the log), or None if it is."""
        app = body.get("api_app_id")
        if app not in self.app_ids:
            return "another app" if app else "no app id"
        enterprise = body.get("enterprise_id") or (body.get("enterprise") or {}).get("id")
        if enterprise and enterprise not in self.enterprise_ids:
            return "another organisation"
        team = (body.get("team_id") or (body.get("team") or {}).get("id")
                or (body.get("user") or {}).get("team_id"))
        if team in self.team_ids or (enterprise and enterprise in self.enterprise_ids):
            return None
        return "another workspace" if team else "no workspace id"


def _call(method: Callable[[], Any], name: str, setting: str) -> dict[str, Any]:
    try:
        reply = method()
    except (SlackClientError, OSError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
        raise TenancyUnknown(f"{name} failed ({error or type(exc).__name__}); set "
                             f"{setting}") from exc
    return dict(reply.data) if hasattr(reply, "data") else dict(reply)


def allow_only(tenants: AllowedTenants, app_name: str) -> Callable[..., BoltResponse | None]:
    """The first middleware: another workspace's, org's or app's request stops here, and
    so does an event from a Slack Connect channel unless they are allowed."""
    not_here = NOT_HERE.format(app=app_name)

    def allow_only_our_workspace(body: dict[str, Any], next: Callable[[], None]
                                 ) -> BoltResponse | None:
        why = tenants.refusal(body)
        if why is None and body.get("is_ext_shared_channel") and not (
                tenants.allow_shared_channels):
            why = "a Slack Connect channel"
        if why is not None:
            logger.warning("refused a request from %s", why)  # ids and content not logged
            if body.get("command"):  # a slash command: say so to whoever typed it
                return BoltResponse(status=200, body=not_here)
            return BoltResponse(status=200, body="")
        next()
        return None

    return allow_only_our_workspace


class SharedChannels:
    """Is a channel shared with another company (`conversations.info`), cached."""

    def __init__(self, allowed: bool, ttl_s: float = CHANNEL_CACHE_S,
                 timeout_s: float = 1.0) -> None:
        self.allowed = allowed
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s
        self._cache: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def refused(self, client: Any, channel: str) -> bool:
        """True for a Slack Connect channel when they are not allowed. A lookup that fails
        or takes over `timeout_s` (it runs before the command's ack) is not cached and does
        not refuse (a DM or a channel the bot cannot read is no shared channel it could be
        asked in; the workspace check has already passed)."""
        if self.allowed:
            return False
        with self._lock:
            hit = self._cache.get(channel)
            if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
                return hit[1]
        # before the command's ack: one try, bounded (no retry handler waiting out a 429)
        probe = WebClient(token=client.token, base_url=client.base_url, timeout=self.timeout_s)
        try:
            info = probe.conversations_info(channel=channel).get("channel") or {}
        except (SlackClientError, OSError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
            logger.debug("conversations.info failed: %s", error or type(exc).__name__)
            return False
        shared = bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))
        with self._lock:
            self._cache[channel] = (time.monotonic(), shared)
        return shared
