"""Who may publish a verified answer, and the one-click review of agents' corrections.

A lead's correction (STYLESPRINT_LEAD_USERS / STYLESPRINT_LEAD_USERGROUP, `Team.is_lead`)
is published at once. Anyone else's is stored pending (qa_engine/records/verified.py):
served to its author at once, and to everyone once a lead approves it or, with
STYLESPRINT_PEER_CONFIRM on, a second agent of the answer's channel (a member, checked
with `conversations.members`) confirms it. The request for review is posted in the
answer's thread and in STYLESPRINT_REVIEW_CHANNEL, and listed in the leads' App Home;
each carries the Approve button. A verified answer is withdrawn in one click by a lead
or by one who verified it. Approval and withdrawal change the table's marker, so every
serving process serves the change from its next question (qa_engine/retrieve/verified_index.py).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks import APPROVE_ACTION, WITHDRAW_ACTION, Block, clip, context, escape, section
from bot.membership import ChannelMembers
from bot.team import Team
from qa_engine.records.verified import PENDING, SERVABLE, Verified

logger = logging.getLogger(__name__)

GONE = "That verified answer is no longer on record."
LEADS_OR_PEERS = ("Only a team lead, or another agent of the channel where the question was "
                  "asked, can approve this correction.")
LEADS_ONLY_APPROVE = "Only a team lead can approve this correction."
WITHDRAW_REFUSED = "Only a team lead, or an agent who verified it, can withdraw this answer."


def review_buttons(verified_id: int) -> Block:
    return {"type": "actions", "block_id": f"stylesprint_review_{verified_id}", "elements": [
        {"type": "button", "action_id": APPROVE_ACTION, "style": "primary",
         "text": {"type": "plain_text", "text": "Approve for everyone"},
         "value": str(verified_id)},
        {"type": "button", "action_id": WITHDRAW_ACTION,
         "text": {"type": "plain_text", "text": "Reject"}, "value": str(verified_id)}]}


def review_text(v: Verified) -> str:
    author = f"<@{v.author}>" if v.author and v.author.isalnum() else "An agent"
    return (f"{author} corrected the answer to *{escape(clip(v.question, 500))}*:\n"
            f"> {escape(clip(v.span, 1500))}\n"
            f"_{escape(clip(v.passage_label or v.passage_id, 300))}_")


def review_blocks(v: Verified, *, peers: bool) -> list[Block]:
    who = "a team lead or a second agent of this channel" if peers else "a team lead"
    return [section(review_text(v)),
            context(f"Served to its author only until {who} approves it."),
            review_buttons(v.id)]


def request_review(team: Team, client: WebClient, v: Verified) -> None:
    """Ask for approval: in the answer's thread (its channel's agents may confirm) and in
    the review channel (leads); a post that fails is no failure (the App Home lists it)."""
    answer = team.records.get(v.answer_id) if v.answer_id is not None else None
    posts: list[dict[str, Any]] = []
    if answer is not None and answer.channel and (answer.message_ts or answer.thread_ts):
        posts.append({"channel": answer.channel,
                      "thread_ts": answer.thread_ts or answer.message_ts,
                      "blocks": review_blocks(v, peers=team.settings.bot.peer_confirm)})
    review = team.settings.bot.review_channel
    if review:
        posts.append({"channel": review, "blocks": review_blocks(v, peers=False)})
    for post in posts:
        try:
            client.chat_postMessage(text="A correction waits for approval", **post,
                                    unfurl_links=False, unfurl_media=False)
        except (SlackClientError, OSError) as exc:
            error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
            logger.info("verified answer %d: review request not posted: %s", v.id,
                        error or type(exc).__name__)


def approve(team: Team, client: WebClient, members: ChannelMembers, verified_id: int,
            user: str) -> str:
    """Publish a pending correction if `user` may (a lead; or, with peer confirmation on,
    another agent who is a member of the answer's channel); what to tell them."""
    v = team.records.verified.get(verified_id)
    if v is None:
        return GONE
    if v.status != PENDING:
        return ("It is already served to everyone." if v.published else
                "It is no longer waiting for approval (withdrawn or replaced).")
    if team.is_lead(client, user):
        how = "a lead"
    else:
        if not team.settings.bot.peer_confirm:
            return LEADS_ONLY_APPROVE
        answer = team.records.get(v.answer_id) if v.answer_id is not None else None
        channel = answer.channel if answer is not None else None
        if user == v.author or not members.is_member(client, channel, user):
            return LEADS_OR_PEERS
        how = "a second agent of the channel"
    if not team.records.verified.publish(verified_id, user, how):
        return "It is no longer waiting for approval."
    logger.info("verified answer %d published (approved by %s)", verified_id, how)
    return "Approved: everyone who asks this question gets this answer from now on."


def withdraw(team: Team, client: WebClient, verified_id: int, user: str) -> str:
    """Stop serving a verified answer if `user` may (a lead, or one who verified it)."""
    v = team.records.verified.get(verified_id)
    if v is None:
        return GONE
    if v.status not in SERVABLE:
        return "It is not served any more."
    if user not in v.verified_by and not team.is_lead(client, user):
        return WITHDRAW_REFUSED
    if not team.records.verified.withdraw(verified_id, user):
        return "It is not served any more."
    logger.info("verified answer %d withdrawn", verified_id)
    return "Withdrawn: nobody is given this verified answer any more."
