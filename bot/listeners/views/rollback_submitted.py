"""The rollback modal was confirmed: roll back (leads only), say so, refresh the Home tab."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.branding import Branding
from bot.context import BRANDING, TEAM
from bot.home import publish_home
from bot.rollback import LEADS_ONLY, notice_modal, perform_rollback
from bot.team import Team

TITLE = "Roll back the model"


def roll_back_model(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
    context: BoltContext,
) -> None:
    ack(response_action="update", view=notice_modal(TITLE, ":hourglass: Rolling back…"))
    team: Team = context[TEAM]
    user = body["user"]["id"]
    if not team.is_lead(client, user):
        client.views_update(view_id=view["id"], view=notice_modal(TITLE, LEADS_ONLY))
        return
    expected = json.loads(view.get("private_metadata") or "{}").get("from")
    result = perform_rollback(team, user, expected)
    client.views_update(view_id=view["id"], view=notice_modal(TITLE, result.message))
    publish_home(team, client, user, context.get(BRANDING) or Branding())
