"""👍/👎 added to one of the bot's answers: a vote; a 👎 also offers a correction."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import correction_offer_blocks
from bot.records import DOWN, Records
from bot.voting import vote_target

logger = logging.getLogger(__name__)


def register(app: App, records: Records) -> None:
    @app.event("reaction_added")
    def record_reaction_vote(event: dict[str, Any], client: WebClient) -> None:
        target = vote_target(event, records)
        if target is None:
            return
        answer, value = target
        records.record_vote(answer.id, event["user"], value, source="reaction")
        logger.info("answer %d: vote %+d recorded", answer.id, value)
        if value == DOWN and answer.channel:
            # Visible to the voter only, in the answer's thread.
            client.chat_postEphemeral(
                channel=answer.channel,
                user=event["user"],
                thread_ts=answer.thread_ts or answer.message_ts,
                text="Thanks for flagging this answer. Do you know the right one?",
                blocks=correction_offer_blocks(answer.id),
            )
