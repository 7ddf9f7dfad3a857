"""👍/👎 added to one of the bot's answers: a vote (a member of its channel's only:
bot/membership.py); a 👎 also offers a correction."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.blocks import correction_offer_blocks
from bot.context import BOT_USERS, MEMBERS, VOTES
from bot.membership import ChannelMembers
from bot.vote_queue import APPLIED, VoteQueue
from bot.voting import BotUsers, reaction_vote
from qa_engine.records import DOWN

logger = logging.getLogger(__name__)


def record_reaction_vote(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    votes: VoteQueue = context[VOTES]
    bot_users: BotUsers = context[BOT_USERS]
    vote = reaction_vote(event)
    if vote is None or bot_users.is_bot(vote.user, client):  # after the ack (bot/voting.py)
        return
    members: ChannelMembers | None = context.get(MEMBERS)
    if members is not None and not members.is_member(client, vote.channel, vote.user):
        logger.info("a reaction from a non-member of the channel was not counted")
        return
    # Written now, or queued while the records are unavailable (bot/vote_queue.py).
    outcome, answer = votes.reaction(*vote, action="add", event_ts=event.get("event_ts"))
    if outcome != APPLIED or answer is None:
        return
    logger.info("answer %d: vote %+d recorded", answer.id, vote.value)
    if vote.value == DOWN and answer.channel:
        # Visible to the voter only, in the answer's thread.
        client.chat_postEphemeral(
            channel=answer.channel,
            user=vote.user,
            thread_ts=answer.thread_ts or answer.message_ts,
            text="Thanks for flagging this answer. Do you know the right one?",
            blocks=correction_offer_blocks(answer.id),
        )
