"""👍/👎 buttons on answers sent through response_url (no reactions possible there).

They land in the same vote log as reactions; a 👎 offers the correction modal. Only a
member of the answer's channel votes, and the payload's channel must be the answer's
(checked when the vote is written: bot/vote_queue.py, bot/membership.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.blocks import VOTE_DOWN_ACTION, VOTE_UP_ACTION, correction_offer_blocks
from bot.context import MEMBERS, RECORDS, VOTES
from bot.membership import NOT_A_MEMBER, WRONG_CHANNEL, ChannelMembers, payload_channel
from bot.vote_queue import HELD, QUEUED, VOTE_HELD, VoteQueue, WrongChannel
from qa_engine.db import TRANSIENT_ERRORS
from qa_engine.records import DOWN, UP, Records, UnknownAnswer

logger = logging.getLogger(__name__)

VOTE_ACTIONS = re.compile(f"^({re.escape(VOTE_UP_ACTION)}|{re.escape(VOTE_DOWN_ACTION)})$")


UNKNOWN_ANSWER = "That answer is no longer on record, so your vote wasn't counted."


def _asked_it(records: Records, answer_id: int, user: str, channel: str | None) -> bool:
    """Is `user` the asker of the answer, clicking in its channel? (An answer sent through
    response_url is seen by its asker alone, in a channel whose members the bot may not
    be able to read.) False when the records cannot tell now."""
    try:
        answer = records.get(answer_id)
    except TRANSIENT_ERRORS:
        return False
    return answer is not None and answer.asker == user and answer.channel == channel


def record_button_vote(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond,
    context: BoltContext, client: Any = None,
) -> None:
    ack()
    votes: VoteQueue = context[VOTES]
    value = UP if action["action_id"] == VOTE_UP_ACTION else DOWN
    channel = payload_channel(body)
    user = body["user"]["id"]
    members: ChannelMembers | None = context.get(MEMBERS)
    try:
        answer_id = int(action.get("value") or "")
        if members is not None and not members.is_member(client, channel, user) and not (
                _asked_it(context[RECORDS], answer_id, user, channel)):
            respond(text=NOT_A_MEMBER, response_type="ephemeral", replace_original=False)
            return
        outcome, _ = votes.button(answer_id, body["user"]["id"], value,
                                  event_ts=action.get("action_ts"), channel=channel)
    except WrongChannel:
        respond(text=WRONG_CHANNEL, response_type="ephemeral", replace_original=False)
        return
    except (ValueError, UnknownAnswer):
        respond(text=UNKNOWN_ANSWER, response_type="ephemeral", replace_original=False)
        return
    logger.info("answer %d: button vote %+d %s", answer_id, value,
                outcome if outcome in (QUEUED, HELD) else "recorded")
    if outcome == HELD:  # not stored anywhere durable: say so, apart from "busy"
        respond(text=VOTE_HELD, response_type="ephemeral", replace_original=False)
    if value == DOWN:
        respond(
            text="Thanks for flagging this answer. Do you know the right one?",
            blocks=correction_offer_blocks(answer_id),
            response_type="ephemeral",
            replace_original=False,
        )
    else:
        respond(
            text="Thanks, glad it helped! :+1:",
            response_type="ephemeral",
            replace_original=False,
        )
