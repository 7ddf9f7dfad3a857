"""Approve / withdraw a verified answer and the membership checks of votes and corrections,
called directly: `ack()` first, with a mocked `ack`/`client`/`respond` and a real context
(SQLite records, a real Team and a real `ChannelMembers` over the mocked client)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from unittest.mock import Mock, call

from listener_cases import CHANNEL
from records_cases import make_answer

from bot.blocks import CORRECTION_BLOCK, CORRECTION_INPUT, VOTE_UP_ACTION
from bot.context import MEMBERS, TEAM
from bot.listeners.actions.verified_review import approve_correction, withdraw_verified
from bot.listeners.actions.vote_buttons import record_button_vote
from bot.listeners.views.correction_submitted import save_correction
from bot.membership import NOT_A_MEMBER, WRONG_CHANNEL, ChannelMembers
from bot.review import LEADS_OR_PEERS, WITHDRAW_REFUSED
from bot.settings import ServingSettings
from bot.team import Team
from qa_engine.records import Records
from qa_engine.records.verified import ACTIVE, PENDING, WITHDRAWN

MEMBERS_OF = {CHANNEL: ["UASK", "UAUTHOR", "UPEER"], "C0OTHER": ["UOUT"]}


def _context(context: dict[str, Any], records: Records, tmp_path: Path,
             slack: Mock) -> dict[str, Any]:
    slack.client.conversations_members.side_effect = lambda channel, **_: {
        "members": MEMBERS_OF.get(channel, []), "response_metadata": {"next_cursor": ""}}
    team = Team(ServingSettings(data_dir=tmp_path, _env_file=None, bot={"lead_users": ["ULEAD"]}),
                records)
    return {**context, TEAM: team, MEMBERS: ChannelMembers()}


def _pending(records: Records, answer_id: int) -> int:
    answer = make_answer()
    passage = answer.passage
    assert passage is not None and answer.span is not None
    correction = records.add_correction(answer_id, "UAUTHOR", answer.span)
    vid = records.verified.add_from_correction(
        correction, passage_id=passage.id, passage_text=passage.text, passage_label=None,
        span=answer.span, span_start=passage.text.index(answer.span), publish=False)
    assert vid is not None
    return vid


def _click(listener: Any, slack: Mock, context: dict[str, Any], user: str, value: str) -> None:
    listener(ack=slack.ack, body={"user": {"id": user}, "response_url": "https://hook"},
             action={"value": value}, respond=slack.respond, client=slack.client,
             context=context)


def _said(slack: Mock) -> str:
    return str(slack.respond.call_args.kwargs["text"])


def test_approval_by_the_author_or_an_outsider_is_refused_and_by_a_peer_publishes(
        slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path,
        answer_id: int) -> None:
    ctx = _context(context, records, tmp_path, slack)
    vid = _pending(records, answer_id)
    for user in ("UAUTHOR", "UOUT"):
        _click(approve_correction, slack, ctx, user, str(vid))
        assert slack.mock_calls[0] == call.ack() and _said(slack) == LEADS_OR_PEERS
        assert records.verified.get(vid).status == PENDING
        slack.reset_mock()
    _click(approve_correction, slack, ctx, "UPEER", str(vid))
    assert slack.mock_calls[0] == call.ack() and "Approved" in _said(slack)
    assert records.verified.get(vid).status == ACTIVE


def test_withdraw_by_a_stranger_is_refused_and_by_a_lead_done(
        slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path,
        answer_id: int) -> None:
    ctx = _context(context, records, tmp_path, slack)
    vid = _pending(records, answer_id)
    _click(withdraw_verified, slack, ctx, "UPEER", str(vid))
    assert slack.mock_calls[0] == call.ack() and _said(slack) == WITHDRAW_REFUSED
    _click(withdraw_verified, slack, ctx, "ULEAD", str(vid))
    assert records.verified.get(vid).status == WITHDRAWN
    _click(approve_correction, slack, ctx, "ULEAD", "not-a-number")
    assert "no longer on record" in _said(slack)


def test_a_button_vote_from_another_channel_or_a_non_member_is_not_recorded(
        slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path,
        answer_id: int) -> None:
    ctx = _context(context, records, tmp_path, slack)
    for user, channel, refusal in (("UOUT", "C0OTHER", WRONG_CHANNEL),
                                   ("UOUT", CHANNEL, NOT_A_MEMBER)):
        record_button_vote(ack=slack.ack, body={"user": {"id": user}, "channel": {"id": channel}},
                           action={"action_id": VOTE_UP_ACTION, "value": str(answer_id)},
                           respond=slack.respond, context=ctx, client=slack.client)
        assert slack.mock_calls[0] == call.ack() and _said(slack) == refusal
        slack.reset_mock()
    assert records.votes(answer_id) == {"up": 0, "down": 0}


def test_a_correction_from_a_non_member_is_refused_before_it_is_stored(
        slack: Mock, context: dict[str, Any], records: Records, tmp_path: Path,
        answer_id: int) -> None:
    ctx = _context(context, records, tmp_path, slack)
    view = {"private_metadata": json.dumps({"answer_id": answer_id}),
            "state": {"values": {CORRECTION_BLOCK: {CORRECTION_INPUT: {"value": "30 days"}}}}}
    save_correction(ack=slack.ack, body={"user": {"id": "UOUT"}}, view=view, context=ctx,
                    client=slack.client)
    assert slack.ack.call_args == call(response_action="errors",
                                       errors={CORRECTION_BLOCK: NOT_A_MEMBER})
    assert next(iter(records.export()))["corrections"] == []
