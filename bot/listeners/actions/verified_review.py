""" "Approve for everyone" and "Withdraw verified answer" (on an answer, a review request,
or the leads' App Home): bot/review.py decides who may."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.context import MEMBERS, TEAM
from bot.home import publish_home
from bot.review import GONE, approve, withdraw
from bot.team import Team


def approve_correction(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                       respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    team: Team = context[TEAM]
    _decide(body, action, respond, client, team,
            lambda vid, user: approve(team, client, context[MEMBERS], vid, user))


def withdraw_verified(ack: Ack, body: dict[str, Any], action: dict[str, Any],
                      respond: Respond, client: WebClient, context: BoltContext) -> None:
    ack()
    team: Team = context[TEAM]
    _decide(body, action, respond, client, team,
            lambda vid, user: withdraw(team, client, vid, user))


def _decide(body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient,
            team: Team, decide: Callable[[int, str], str]) -> None:
    user = body["user"]["id"]
    try:
        text = decide(int(action.get("value") or ""), user)
    except ValueError:
        text = GONE
    if body.get("response_url"):  # on a message: a note only the clicker sees
        respond(text=text, response_type="ephemeral", replace_original=False)
    elif (body.get("view") or {}).get("type") == "home":  # the App Home: refreshed
        publish_home(team, client, user)
