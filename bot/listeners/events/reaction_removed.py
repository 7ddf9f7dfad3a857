"""👍/👎 removed from one of the bot's answers: that vote is retracted."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.records import Records
from bot.voting import vote_target

logger = logging.getLogger(__name__)


def register(app: App, records: Records) -> None:
    @app.event("reaction_removed")
    def retract_reaction_vote(event: dict[str, Any]) -> None:
        target = vote_target(event, records)
        if target is None:
            return
        answer, value = target
        records.retract_vote(answer.id, event["user"], value)
        logger.info("answer %d: vote %+d retracted", answer.id, value)
