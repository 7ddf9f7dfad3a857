"""Messages in channels the bot is in: a lead's reply in a hand-off thread is relayed.

Every other message is ignored without a database read (only the escalation
channel's thread replies are looked up).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.context import TEAM
from bot.handoff import relay_reply
from bot.team import Team


def relay_lead_reply(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    # Events are acknowledged by Bolt before this runs.
    team: Team | None = context.get(TEAM)
    if team is not None:
        relay_reply(team, client, event)
