"""Block Kit for everything the bot posts.

Every piece of text that did not come from us (the question above all, but also
knowledge-base text) goes through `escape()`, so `<!channel>`, `<!here>`,
`<!everyone>`, `<@U…>` and `<!subteam^…>` in a question are shown, never pinged, and
loses its zero-width and bidirectional control characters (bot/text.py). Every mrkdwn
text object is `verbatim: true`, so Slack does not auto-link bare URLs, channel names
or a plain "@here" in it either.
"""

from __future__ import annotations

import json
from typing import Any

from bot.branding import Branding
from bot.text import strip_invisible
from qa_engine.records.schema import NOT_COVERED, OUTDATED, WRONG_PASSAGE, WRONG_SPAN
from qa_engine.types import Answer, VerifiedMark

Block = dict[str, Any]

VOTE_UP_ACTION = "stylesprint_vote_up"
VOTE_DOWN_ACTION = "stylesprint_vote_down"
SUGGEST_ACTION = "stylesprint_suggest_correction"
HANDOFF_ACTION = "stylesprint_ask_team_lead"
CORRECTION_VIEW = "stylesprint_correction"
CORRECTION_BLOCK, CORRECTION_INPUT = "correction", "text"
SOURCE_BLOCK, SOURCE_INPUT = "source", "text"
REASON_BLOCK, REASON_INPUT = "reason", "choice"
# the modal's one-click "what was wrong?" (values: qa_engine.records.schema.CORRECTION_REASONS)
REASON_LABELS = {
    WRONG_PASSAGE: "It read the wrong passage",
    WRONG_SPAN: "Right passage, wrong part of it",
    OUTDATED: "The answer is outdated",
    NOT_COVERED: "The knowledge base does not cover this",
}
VERIFIED_MARK = ":white_check_mark: Verified by"  # followed by who verified it
PENDING_MARK = (":hourglass_flowing_sand: Your correction: only you get it until a lead "
                "approves it or a second agent of the channel confirms it")
WITHDRAW_ACTION = "stylesprint_withdraw_verified"
APPROVE_ACTION = "stylesprint_approve_correction"

HIGH, MEDIUM = 0.75, 0.5
_SECTION_LIMIT = 3000  # Block Kit's limit for a section's text

USAGE = Branding().usage()  # StyleSprint's own names; a renamed bot: context[BRANDING]


def escape(text: str) -> str:
    """Slack's three control characters as entities: nothing in `text` can ping or link."""
    text = strip_invisible(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int = _SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def mrkdwn_text(text: str) -> Block:
    """A mrkdwn text object Slack takes as written (no auto-linking: `verbatim`)."""
    return {"type": "mrkdwn", "text": _clip(text), "verbatim": True}


def _mrkdwn(text: str) -> Block:
    return {"type": "section", "text": mrkdwn_text(text)}


def _context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn_text(t) for t in texts]}


# The same helpers for the other Block Kit builders (bot/home.py, bot/handoff.py).
clip, section, context = _clip, _mrkdwn, _context


def confidence_badge(confidence: float) -> str:
    """ "High 87%" style badge: High ≥ 0.75, Medium ≥ 0.5, else Low."""
    pct = round(confidence * 100)
    if confidence >= HIGH:
        return f":large_green_circle: High confidence ({pct}%)"
    if confidence >= MEDIUM:
        return f":large_yellow_circle: Medium confidence ({pct}%)"
    return f":red_circle: Low confidence ({pct}%)"


def source_label(answer: Answer) -> str:
    """Where the span comes from: document title › section, or the product."""
    if answer.passage is not None:
        prefix = (
            ":shopping_bags: Product" if answer.passage.kind == "product" else ":page_facing_up:"
        )
        return f"{prefix} {escape(answer.passage.label)}"
    if answer.sources:
        return f":page_facing_up: {escape(answer.sources[0].title)}"
    return ":page_facing_up: no source"


def quote(text: str) -> str:
    return "\n".join("> " + line for line in escape(text).splitlines() or [""])


def answer_blocks(
    answer: Answer, question: str, *, vote_buttons_for: int | None = None,
    handoff_for: int | None = None, context_question: str | None = None,
) -> list[Block]:
    """The answer message: question, reply, quoted span, source, confidence, 👍/👎 hints.

    `vote_buttons_for` (an answer id) adds 👍/👎 buttons for the response_url
    fallback, where the message is ephemeral and cannot carry reactions.
    `handoff_for` (an answer id; only when an escalation channel is configured) adds
    the "Ask a team lead" button; `context_question` says which earlier question of
    the thread a follow-up was searched with.
    """
    blocks: list[Block] = [_context(f":grey_question: *{escape(question)}*")]
    if context_question:
        blocks.append(_context(f":speech_balloon: Follow-up: I took the earlier question "
                               f"*{escape(_clip(context_question, 500))}* as context."))
    if answer.answered:
        blocks.append(_mrkdwn(escape(answer.answer)))
        if answer.span:
            blocks.append(_mrkdwn(quote(answer.span)))
        # a verified answer is an agent's, not the reader's: the mark replaces the badge
        badge = (verified_badge(answer.verified) if answer.verified
                 else confidence_badge(answer.confidence))
        blocks.append(_context(f"Source: {source_label(answer)}", badge))
    else:
        blocks.append(
            _mrkdwn(
                ":warning: *I couldn't find a confident answer in the knowledge base.*\n"
                + escape(answer.answer)
            )
        )
        if answer.sources:
            closest = "\n".join(
                f"• {escape(s.title)} ({round(s.score * 100)}% match)" for s in answer.sources[:3]
            )
            blocks.append(_mrkdwn(f"*Closest sources:*\n{closest}"))
        blocks.append(_context(confidence_badge(answer.confidence)))
    if vote_buttons_for is None:
        blocks.append(_context("Was this right? React with :+1: or :-1: to help the bot learn."))
    else:
        blocks.append(vote_buttons(vote_buttons_for))
    if handoff_for is not None:
        blocks.append(handoff_button(handoff_for, declined=not answer.answered))
    if answer.answered and answer.verified is not None:
        blocks.append(verified_buttons(answer.verified))
    return blocks


def verified_badge(mark: VerifiedMark) -> str:
    """Who verified it (user mentions: Slack shows their names), or that it is the
    asker's own correction still waiting for approval."""
    if not mark.published:
        return PENDING_MARK
    who = ", ".join(f"<@{u}>" for u in mark.verified_by if u.isalnum()) or "an agent"
    return f"{VERIFIED_MARK} {who}"


def verified_buttons(mark: VerifiedMark) -> Block:
    """One click to withdraw it (a lead, or one who verified it: bot/review.py); a pending
    one can also be approved from here by a lead or a second agent of the channel."""
    elements: list[Block] = []
    if not mark.published:
        elements.append({"type": "button", "action_id": APPROVE_ACTION, "style": "primary",
                         "text": {"type": "plain_text", "text": "Approve for everyone"},
                         "value": str(mark.id)})
    elements.append({"type": "button", "action_id": WITHDRAW_ACTION,
                     "text": {"type": "plain_text", "text": "Withdraw verified answer"},
                     "value": str(mark.id)})
    return {"type": "actions", "block_id": "stylesprint_verified", "elements": elements}


def handoff_button(answer_id: int, *, declined: bool) -> Block:
    """ "Ask a team lead": the question goes to the escalation channel (bot/handoff.py)."""
    button: Block = {
        "type": "button",
        "action_id": HANDOFF_ACTION,
        "text": {"type": "plain_text", "text": ":raising_hand: Ask a team lead", "emoji": True},
        "value": str(answer_id),
    }
    if declined:  # a decline leaves the agent without an answer: make the way out obvious
        button["style"] = "primary"
    return {"type": "actions", "block_id": "stylesprint_handoff", "elements": [button]}


def answer_fallback_text(answer: Answer) -> str:
    """Notification / screen-reader text for the answer message."""
    if answer.answered:
        return _clip(escape(answer.answer))
    return "I couldn't find a confident answer in the knowledge base."


def vote_buttons(answer_id: int) -> Block:
    return {
        "type": "actions",
        "block_id": "stylesprint_vote",
        "elements": [
            {
                "type": "button",
                "action_id": VOTE_UP_ACTION,
                "text": {"type": "plain_text", "text": ":+1: Helpful", "emoji": True},
                "value": str(answer_id),
            },
            {
                "type": "button",
                "action_id": VOTE_DOWN_ACTION,
                "text": {"type": "plain_text", "text": ":-1: Not right", "emoji": True},
                "value": str(answer_id),
            },
        ],
    }


def correction_offer_blocks(answer_id: int) -> list[Block]:
    """The ephemeral reply to a 👎: an invitation to suggest the right answer."""
    return [
        _mrkdwn("Thanks for flagging this answer. Do you know the right one?"),
        {
            "type": "actions",
            "block_id": "stylesprint_correction_offer",
            "elements": [
                {
                    "type": "button",
                    "action_id": SUGGEST_ACTION,
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Suggest the right answer"},
                    "value": str(answer_id),
                }
            ],
        },
    ]


def correction_modal(answer_id: int, question: str) -> dict[str, Any]:
    """The modal behind "Suggest the right answer" (the answer id rides in private_metadata)."""
    return {
        "type": "modal",
        "callback_id": CORRECTION_VIEW,
        "private_metadata": json.dumps({"answer_id": answer_id}),
        "title": {"type": "plain_text", "text": "Suggest an answer"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _context(f"Question: *{escape(_clip(question, 1900))}*"),
            {
                "type": "input",
                "block_id": CORRECTION_BLOCK,
                "label": {"type": "plain_text", "text": "The right answer"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": CORRECTION_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                },
            },
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "What was wrong?"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": REASON_INPUT,
                    "options": [
                        {"text": {"type": "plain_text", "text": label}, "value": value}
                        for value, label in REASON_LABELS.items()
                    ],
                },
            },
            {
                "type": "input",
                "block_id": SOURCE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Which passage or document has it?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": SOURCE_INPUT,
                    "max_length": 500,
                    "placeholder": {"type": "plain_text", "text": "e.g. Returns & Exchanges"},
                },
            },
        ],
    }


def correction_outcome(located_in: str | None, *, searched: bool, pending: bool = False) -> str:
    """What the agent is told once a correction has been looked up in the knowledge base.

    `located_in`: the passage's label when found; `searched`: False for "not covered";
    `pending`: it waits for a lead's approval or a second agent (bot/review.py)."""
    if not searched:
        return ("Thanks, saved. It is listed for the team lead as a gap in the knowledge "
                "base.")
    if located_in and not pending:
        return (f"Thanks, saved. I found it in *{escape(located_in)}*: from now on I answer "
                "this question from there, marked as verified by you.")
    if located_in:
        return (f"Thanks, saved. I found it in *{escape(located_in)}*. You get this answer "
                "from now on; everyone else once a team lead approves it or a second agent "
                "of this channel confirms it.")
    return ("Thanks, saved. I could not find that answer in the knowledge base, so a team "
            "lead will review it.")


def notice_blocks(text: str) -> list[Block]:
    """A one-paragraph notice (busy, error, usage), already safe mrkdwn."""
    return [_mrkdwn(text)]
