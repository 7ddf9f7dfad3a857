""" "Roll back" in a lead's App Home: open the confirmation modal (bot/rollback.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.context import TEAM
from bot.rollback import LEADS_ONLY, notice_modal, rollback_modal
from bot.team import Team


def confirm_rollback(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    team: Team = context[TEAM]
    if not team.is_lead(client, body["user"]["id"]):
        view = notice_modal("Roll back the model", LEADS_ONLY)
    else:
        registry = team.registry()
        current, target = registry.current_name(), registry.rollback_target()
        view = (rollback_modal(current, target) if current and target else
                notice_modal("Roll back the model", "There is no earlier version to go back to."))
    # trigger_id is valid for 3 seconds: open the modal straight away.
    client.views_open(trigger_id=body["trigger_id"], view=view)
