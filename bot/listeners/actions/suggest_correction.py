""" "Suggest the right answer" button: opens the correction modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import SUGGEST_ACTION, correction_modal
from qa_engine.records import Records, UnknownAnswer


def register(app: App, records: Records) -> None:
    @app.action(SUGGEST_ACTION)
    def open_correction_modal(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        answer_id = int(action["value"])
        answer = records.get(answer_id)
        if answer is None:
            raise UnknownAnswer(f"no answer with id {answer_id}")
        # trigger_id is valid for 3 seconds: open the modal straight away.
        client.views_open(
            trigger_id=body["trigger_id"], view=correction_modal(answer_id, answer.question)
        )
