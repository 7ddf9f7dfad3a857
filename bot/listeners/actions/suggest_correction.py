""" "Suggest the right answer" button: opens the correction modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.blocks import correction_modal
from bot.context import RECORDS
from qa_engine.records import Records, UnknownAnswer


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
    # trigger_id is valid for 3 seconds: open the modal straight away.
    client.views_open(
        trigger_id=body["trigger_id"], view=correction_modal(answer_id, answer.question)
    )
