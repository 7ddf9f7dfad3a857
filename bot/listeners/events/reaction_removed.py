"""👍/👎 removed from one of the bot's answers: that vote is retracted."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.context import BOT_USERS, VOTES
from bot.vote_queue import APPLIED, VoteQueue
from bot.voting import BotUsers, reaction_vote

logger = logging.getLogger(__name__)


def retract_reaction_vote(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    votes: VoteQueue = context[VOTES]
    bot_users: BotUsers = context[BOT_USERS]
    vote = reaction_vote(event)
    if vote is None or bot_users.is_bot(vote.user, client):  # after the ack (bot/voting.py)
        return
    outcome, answer = votes.reaction(*vote, action="remove", event_ts=event.get("event_ts"))
    if outcome == APPLIED and answer is not None:
        logger.info("answer %d: vote %+d retracted", answer.id, vote.value)
