"""The App Home tab was opened: publish the agent's (or the lead's) view (bot/home.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.branding import Branding
from bot.context import BRANDING, TEAM
from bot.home import publish_home
from bot.team import Team


def show_home(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    # Events are acknowledged by Bolt before this runs.
    if event.get("tab", "home") != "home":  # the Messages tab needs nothing from us
        return
    team: Team = context[TEAM]
    publish_home(team, client, event["user"], context.get(BRANDING) or Branding())
