""" "Ask a team lead" on an answer: hand the question to the escalation channel."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.context import TEAM
from bot.handoff import handoff_confirmation, request_handoff
from bot.team import Team
from qa_engine.records import UnknownAnswer

UNKNOWN_ANSWER = "That answer is no longer on record, so I couldn't pass it on."
NOT_CONFIGURED = "Hand-offs are switched off (no escalation channel is configured)."


def ask_team_lead(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
    client: WebClient, context: BoltContext,
) -> None:
    ack()
    team: Team = context[TEAM]
    if team.escalation_channel is None:  # a button from before the channel was unset
        respond(text=NOT_CONFIGURED, response_type="ephemeral", replace_original=False)
        return
    try:
        answer_id = int(action.get("value") or "")
        result = request_handoff(team, client, answer_id, body["user"]["id"])
    except (ValueError, UnknownAnswer):
        respond(text=UNKNOWN_ANSWER, response_type="ephemeral", replace_original=False)
        return
    respond(text=handoff_confirmation(result), response_type="ephemeral", replace_original=False)
