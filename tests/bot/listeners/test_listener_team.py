"""The team listeners (hand-off, hand-off replies, App Home, rollback), called directly with
a mocked `ack`/`client`/`respond` and a real context (SQLite records, a real Team)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import Mock, call

import pytest

from bot.context import TEAM
from bot.listeners.actions.ask_team_lead import NOT_CONFIGURED, UNKNOWN_ANSWER, ask_team_lead
from bot.listeners.actions.rollback import confirm_rollback
from bot.listeners.events.app_home_opened import show_home
from bot.listeners.events.message import relay_lead_reply
from bot.listeners.views.rollback_submitted import roll_back_model
from bot.rollback import LEADS_ONLY
from bot.settings import ServingSettings
from bot.state import Teamwork
from bot.team import Team
from qa_engine.records import Records

BODY = {"user": {"id": "U1"}, "trigger_id": "T.123"}


def team_context(context: dict[str, Any], records: Records, tmp_path: Path,
                 **bot: Any) -> dict[str, Any]:
    """`bot`: ServingSettings.bot values (the team: escalation channel, leads)."""
    team = Team(ServingSettings(data_dir=tmp_path, _env_file=None, bot=bot), records)
    return {**context, TEAM: team}


def _hand_off(slack: Mock, context: dict[str, Any], value: str) -> None:
    ask_team_lead(ack=slack.ack, body=BODY, action={"value": value}, respond=slack.respond,
                  client=slack.client, context=context)


def test_handoff_without_a_channel_says_it_is_off(
    slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path, answer_id: int
) -> None:
    _hand_off(slack, team_context(context, records, tmp_path), str(answer_id))
    assert slack.mock_calls == [call.ack(), call.respond(
        text=NOT_CONFIGURED, response_type="ephemeral", replace_original=False)]


@pytest.mark.parametrize("value", ["", "nope", "999999"])
def test_handoff_of_no_answer_on_record(
    slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path, value: str
) -> None:
    _hand_off(slack, team_context(context, records, tmp_path, escalation_channel="C0LEADS"),
              value)
    assert slack.mock_calls == [call.ack(), call.respond(
        text=UNKNOWN_ANSWER, response_type="ephemeral", replace_original=False)]


def test_handoff_acks_first_then_posts_and_records(
    slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path, answer_id: int
) -> None:
    slack.client.chat_postMessage.return_value = {"ts": "1700000009.000009"}
    slack.client.chat_getPermalink.return_value = {"permalink": "https://x/p1"}
    _hand_off(slack, team_context(context, records, tmp_path, escalation_channel="C0LEADS"),
              str(answer_id))
    assert slack.mock_calls[0] == call.ack()
    assert slack.client.chat_postMessage.call_args.kwargs["channel"] == "C0LEADS"
    assert "<https://x/p1|this thread>" in slack.respond.call_args.kwargs["text"]
    handoff = Teamwork(records).find_handoff("C0LEADS", "1700000009.000009")
    assert handoff is not None and handoff.answer_id == answer_id


def test_messages_outside_the_escalation_channel_are_ignored(
    slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path
) -> None:
    ctx = team_context(context, records, tmp_path, escalation_channel="C0LEADS")
    for event in ({"channel": "C0OTHER", "user": "U2", "ts": "2.0", "thread_ts": "1.0"},
                  {"channel": "C0LEADS", "user": "U2", "ts": "2.0", "thread_ts": "1.0"},
                  {"channel": "C0LEADS", "user": "U2", "ts": "1.0"}):
        relay_lead_reply(event=event, context=ctx, client=slack.client)
    assert slack.mock_calls == []


def test_home_is_published_for_the_home_tab_only(
    slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path, answer_id: int
) -> None:
    ctx = team_context(context, records, tmp_path)
    show_home(event={"user": "UASK", "tab": "messages"}, context=ctx, client=slack.client)
    assert slack.mock_calls == []
    show_home(event={"user": "UASK", "tab": "home"}, context=ctx, client=slack.client)
    view = slack.client.views_publish.call_args.kwargs["view"]
    assert slack.client.views_publish.call_args.kwargs["user_id"] == "UASK"
    assert view["type"] == "home" and "return window" in str(view["blocks"])


def test_rollback_button_for_an_agent_says_leads_only(
    slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path
) -> None:
    ctx = team_context(context, records, tmp_path, lead_users=["ULEAD"])
    confirm_rollback(ack=slack.ack, body=BODY, client=slack.client, context=ctx)
    assert [c[0] for c in slack.mock_calls] == ["ack", "client.views_open"]
    assert LEADS_ONLY in str(slack.client.views_open.call_args.kwargs["view"])


def test_rollback_submission_acks_first_and_refuses_an_agent(
    slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path
) -> None:
    ctx = team_context(context, records, tmp_path, lead_users=["ULEAD"])
    roll_back_model(ack=slack.ack, body=BODY, view={"id": "V1", "private_metadata": "{}"},
                    client=slack.client, context=ctx)
    assert slack.mock_calls[0][0] == "ack"
    assert slack.mock_calls[0].kwargs["response_action"] == "update"
    assert LEADS_ONLY in str(slack.client.views_update.call_args.kwargs["view"])
    assert Teamwork(records).rollbacks() == []
