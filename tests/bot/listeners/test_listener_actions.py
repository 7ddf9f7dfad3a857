"""Block actions (bot/listeners/actions/), called directly: `ack()` comes first."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import Mock, call

import pytest

from bot.blocks import SUGGEST_ACTION, VOTE_DOWN_ACTION, VOTE_UP_ACTION
from bot.listeners.actions.suggest_correction import open_correction_modal
from bot.listeners.actions.vote_buttons import UNKNOWN_ANSWER, record_button_vote
from qa_engine.records import DOWN, UP, Records, UnknownAnswer

BODY = {"user": {"id": "U1"}, "trigger_id": "T.123"}


def _vote(slack: Mock, context: dict[str, Any], action_id: str, value: str) -> None:
    record_button_vote(ack=slack.ack, body=BODY, action={"action_id": action_id, "value": value},
                       respond=slack.respond, context=context)


def test_thumbs_up_button_records_and_thanks(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int
) -> None:
    _vote(slack, context, VOTE_UP_ACTION, str(answer_id))
    assert slack.mock_calls == [
        call.ack(),
        call.respond(text="Thanks, glad it helped! :+1:", response_type="ephemeral",
                     replace_original=False),
    ]
    assert records.user_vote(answer_id, "U1") == UP


def test_thumbs_down_button_offers_a_correction(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int
) -> None:
    _vote(slack, context, VOTE_DOWN_ACTION, str(answer_id))
    assert slack.mock_calls[0] == call.ack()
    sent = slack.respond.call_args.kwargs
    assert "Do you know the right one?" in sent["text"] and sent["blocks"]
    assert sent["response_type"] == "ephemeral" and sent["replace_original"] is False
    assert records.user_vote(answer_id, "U1") == DOWN


@pytest.mark.parametrize("value", ["", "not-a-number", "999999"])
def test_vote_on_no_answer_on_record(slack: Mock, context: dict[str, Any], value: str) -> None:
    _vote(slack, context, VOTE_UP_ACTION, value)
    assert slack.mock_calls == [
        call.ack(),
        call.respond(text=UNKNOWN_ANSWER, response_type="ephemeral", replace_original=False),
    ]


def test_suggest_opens_the_modal_with_the_question(
    slack: Mock, context: dict[str, Any], answer_id: int
) -> None:
    open_correction_modal(ack=slack.ack, body=BODY,
                          action={"action_id": SUGGEST_ACTION, "value": str(answer_id)},
                          client=slack.client, context=context)
    assert [c[0] for c in slack.mock_calls] == ["ack", "client.views_open"]
    sent = slack.client.views_open.call_args.kwargs
    assert sent["trigger_id"] == "T.123"
    assert json.loads(sent["view"]["private_metadata"])["answer_id"] == answer_id
    assert "return window" in json.dumps(sent["view"])


def test_suggest_on_an_unknown_answer_raises_after_the_ack(
    slack: Mock, context: dict[str, Any]
) -> None:
    with pytest.raises(UnknownAnswer):
        open_correction_modal(ack=slack.ack, body=BODY,
                              action={"action_id": SUGGEST_ACTION, "value": "424242"},
                              client=slack.client, context=context)
    assert slack.mock_calls == [call.ack()]
