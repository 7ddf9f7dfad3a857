""" "Suggest the right answer" button: opens the correction modal, for a member of the
answer's channel clicking a button of that channel (bot/membership.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks import correction_modal
from bot.context import MEMBERS, RECORDS
from bot.membership import (
    NOT_A_MEMBER,
    WRONG_CHANNEL,
    ChannelMembers,
    may_act,
    payload_channel,
)
from bot.rollback import notice_modal
from qa_engine.records import Records, UnknownAnswer

TITLE = "Suggest an answer"


def open_correction_modal(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
    context: BoltContext,
) -> None:
    ack()
    records: Records = context[RECORDS]
    answer_id = int(action["value"])
    answer = records.get(answer_id)
    if answer is None:
        raise UnknownAnswer(f"no answer with id {answer_id}")
    members: ChannelMembers | None = context.get(MEMBERS)
    view = correction_modal(answer_id, answer.question)
    if members is not None:
        if payload_channel(body) != answer.channel:
            view = notice_modal(TITLE, WRONG_CHANNEL)
        elif not may_act(members, client, answer, body["user"]["id"]):
            view = notice_modal(TITLE, NOT_A_MEMBER)
    # trigger_id is valid for 3 seconds: open the modal straight away.
    client.views_open(trigger_id=body["trigger_id"], view=view)
