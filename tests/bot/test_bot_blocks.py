"""Block Kit building: escaping, the confidence badge, answer and correction layouts."""

from __future__ import annotations

import json

import pytest
from records_cases import make_answer

from bot.blocks import (
    CORRECTION_BLOCK,
    CORRECTION_VIEW,
    SOURCE_BLOCK,
    VOTE_DOWN_ACTION,
    VOTE_UP_ACTION,
    answer_blocks,
    confidence_badge,
    correction_modal,
    correction_offer_blocks,
    escape,
)
from qa_engine.types import SourceRef

PINGS = ["<!channel>", "<!here>", "<!everyone>", "<@U123ABC>", "<!subteam^S123|@support>"]


def _all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_escape_neutralises_every_mention_form() -> None:
    for ping in PINGS:
        escaped = escape(f"hey {ping} & co")
        assert "<" not in escaped and ">" not in escaped
        assert "&amp; co" in escaped
    assert escape("a < b > c & d") == "a &lt; b &gt; c &amp; d"


@pytest.mark.parametrize(
    ("confidence", "label", "pct"),
    [
        (0.75, "High", "75%"),
        (0.99, "High", "99%"),
        (0.749, "Medium", "75%"),
        (0.5, "Medium", "50%"),
        (0.4999, "Low", "50%"),
        (0.0, "Low", "0%"),
    ],
)
def test_confidence_badge_thresholds(confidence: float, label: str, pct: str) -> None:
    badge = confidence_badge(confidence)
    assert f"{label} confidence ({pct})" in badge


def test_answer_blocks_show_reply_span_source_badge_and_hints() -> None:
    answer = make_answer()
    question = "Return window? <!channel> <@U999>"
    text = _all_text(answer_blocks(answer, question))
    assert "Online orders can be returned within 30 days" in text
    assert "> within 30 days" in text
    assert "Returns &amp; Exchanges › Online orders" in text  # title › section, escaped
    assert "High confidence (83%)" in text
    assert ":+1:" in text and ":-1:" in text
    assert "&lt;!channel&gt;" in text and "&lt;@U999&gt;" in text
    assert "<!channel>" not in text and "<@U999>" not in text
    assert VOTE_UP_ACTION not in text  # reactions, not buttons, on channel messages


def test_declined_answer_says_so_with_closest_sources() -> None:
    answer = make_answer()
    answer.answered, answer.span, answer.confidence = False, None, 0.21
    answer.answer = "I'm not sure about that one. Check with a team lead."
    answer.sources = [
        SourceRef("a", "Shipping › Rates", "policies/shipping.md", 0.42),
        SourceRef("b", "Care <guide>", "policies/care.md", 0.31),
    ]
    text = _all_text(answer_blocks(answer, "What about space travel?"))
    assert "couldn't find a confident answer" in text
    assert "Closest sources" in text and "Shipping › Rates (42% match)" in text
    assert "Care &lt;guide&gt;" in text
    assert "Low confidence (21%)" in text


def test_fallback_answer_carries_vote_buttons_with_the_answer_id() -> None:
    blocks = answer_blocks(make_answer(), "q", vote_buttons_for=42)
    actions = blocks[-1]
    assert actions["type"] == "actions"
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (VOTE_UP_ACTION, "42"),
        (VOTE_DOWN_ACTION, "42"),
    ]


def test_correction_offer_and_modal() -> None:
    offer = correction_offer_blocks(7)
    button = offer[-1]["elements"][0]
    assert button["text"]["text"] == "Suggest the right answer" and button["value"] == "7"
    modal = correction_modal(7, "Is <!here> ok?")
    assert modal["callback_id"] == CORRECTION_VIEW
    assert json.loads(modal["private_metadata"]) == {"answer_id": 7}
    inputs = {b["block_id"]: b for b in modal["blocks"] if b["type"] == "input"}
    assert inputs[CORRECTION_BLOCK].get("optional") is not True
    assert inputs[SOURCE_BLOCK]["optional"] is True
    assert "<!here>" not in json.dumps(modal)


def test_the_modal_asks_what_was_wrong_in_one_click() -> None:
    from bot.blocks import REASON_BLOCK, REASON_INPUT
    from qa_engine.records.schema import CORRECTION_REASONS

    inputs = {b["block_id"]: b for b in correction_modal(7, "q")["blocks"] if b["type"] == "input"}
    reason = inputs[REASON_BLOCK]
    assert reason["element"]["type"] == "radio_buttons"
    assert reason["element"]["action_id"] == REASON_INPUT and reason.get("optional") is not True
    assert tuple(o["value"] for o in reason["element"]["options"]) == CORRECTION_REASONS


def test_a_verified_answer_carries_the_mark_instead_of_the_badge() -> None:
    from bot.blocks import VERIFIED_MARK
    from qa_engine.types import VerifiedMark

    answer = make_answer()
    plain = json.dumps(answer_blocks(answer, answer.question))
    answer.verified = VerifiedMark(id=3, origin="correction", similarity=0.97)
    marked = json.dumps(answer_blocks(answer, answer.question), ensure_ascii=False)
    assert VERIFIED_MARK not in plain and VERIFIED_MARK in marked
    assert "confidence (" in plain and "confidence (" not in marked
    assert answer.span in marked
