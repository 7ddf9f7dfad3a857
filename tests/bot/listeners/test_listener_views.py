"""The correction modal's submission (bot/listeners/views/), called directly.

This one acknowledges after saving, on purpose: if the save fails the modal
stays open with the agent's text in it.
"""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import Mock, call

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import CORRECTION_BLOCK, CORRECTION_INPUT, SOURCE_BLOCK, SOURCE_INPUT
from bot.listeners.views.correction_submitted import save_correction
from qa_engine.records import Records
from qa_engine.records.schema import CorrectionRow

BODY = {"user": {"id": "U2"}}


def _view(answer_id: int, text: str, source: str | None = None) -> dict[str, Any]:
    return {
        "private_metadata": json.dumps({"answer_id": answer_id}),
        "state": {"values": {
            CORRECTION_BLOCK: {CORRECTION_INPUT: {"value": text}},
            SOURCE_BLOCK: {SOURCE_INPUT: {"value": source}},
        }},
    }


def _corrections(records: Records) -> list[tuple[int, str, str, str | None]]:
    with Session(records.engine) as session:
        rows = session.scalars(select(CorrectionRow)).all()
        return [(r.answer_id, r.user_id, r.text, r.source_hint) for r in rows]


def test_correction_is_stored_then_acknowledged(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int
) -> None:
    stored_at_ack: list[Any] = []
    slack.ack.side_effect = lambda *a, **k: stored_at_ack.extend(_corrections(records))
    view = _view(answer_id, "  Within 30 days. ", "Returns")
    save_correction(ack=slack.ack, body=BODY, view=view, context=context)
    assert slack.mock_calls == [call.ack()]
    assert stored_at_ack == [(answer_id, "U2", "Within 30 days.", "Returns")]


def test_empty_correction_keeps_the_modal_open(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int
) -> None:
    save_correction(ack=slack.ack, body=BODY, view=_view(answer_id, "   "), context=context)
    assert slack.mock_calls == [call.ack(
        response_action="errors", errors={CORRECTION_BLOCK: "Please write the right answer."})]
    assert _corrections(records) == []
