"""The correction modal's submission (bot/listeners/views/), called directly.

This one acknowledges after saving, on purpose: if the save fails the modal
stays open with the agent's text in it.
"""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import Mock, call

from listener_cases import ANSWER_TS, CHANNEL
from records_cases import PASSAGE
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import (
    CORRECTION_BLOCK,
    CORRECTION_INPUT,
    REASON_BLOCK,
    REASON_INPUT,
    SOURCE_BLOCK,
    SOURCE_INPUT,
)
from bot.context import KB
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


def _kb(memory_kb: Any) -> Any:
    """A real Chroma knowledge base holding the answer's passage and another."""
    kb = memory_kb({PASSAGE.id: PASSAGE.text,
                    "shipping::1": "Express shipping costs $12 and arrives in two business days."},
                   {PASSAGE.id: "Returns", "shipping::1": "Shipping"})
    return lambda: kb


def test_the_reason_is_stored_and_the_correction_verified_after_the_ack(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int, memory_kb: Any
) -> None:

    view = _view(answer_id, "$12 and arrives in two business days")
    view["state"]["values"][REASON_BLOCK] = {
        REASON_INPUT: {"type": "radio_buttons", "selected_option": {"value": "wrong_passage"}}}
    verified_at_ack: list[Any] = []
    slack.ack.side_effect = lambda *a, **k: verified_at_ack.extend(records.verified.all())
    save_correction(ack=slack.ack, body=BODY, view=view, context={**context, KB: _kb(memory_kb)},
                    client=slack.client)
    (row,) = list(records.export())
    assert row["corrections"][0]["reason"] == "wrong_passage"
    assert verified_at_ack == []  # the ack did not wait for the knowledge base
    (v,) = records.verified.active()
    assert (v.passage_id, v.span, v.origin) == (
        "shipping::1", "$12 and arrives in two business days", "correction")
    assert [c[0] for c in slack.mock_calls] == ["ack", "client.chat_postEphemeral"]
    told = slack.client.chat_postEphemeral.call_args.kwargs
    assert (told["channel"], told["user"], told["thread_ts"]) == (CHANNEL, "U2", ANSWER_TS)
    assert "Shipping" in told["text"] and "verified" in told["text"]


def test_a_correction_nowhere_in_the_kb_is_stored_for_review(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int, memory_kb: Any
) -> None:

    save_correction(ack=slack.ack, body=BODY, view=_view(answer_id, "store credit only"),
                    context={**context, KB: _kb(memory_kb)}, client=slack.client)
    assert records.verified.all() == [] and len(_corrections(records)) == 1
    assert "review" in slack.client.chat_postEphemeral.call_args.kwargs["text"]
