"""👍/👎 buttons on answers sent through response_url (no reactions possible there).

They land in the same vote log as reactions; a 👎 offers the correction modal.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks import VOTE_DOWN_ACTION, VOTE_UP_ACTION, correction_offer_blocks
from bot.records import DOWN, UP, Records

logger = logging.getLogger(__name__)

_VOTE_ACTIONS = re.compile(f"^({re.escape(VOTE_UP_ACTION)}|{re.escape(VOTE_DOWN_ACTION)})$")


def register(app: App, records: Records) -> None:
    @app.action(_VOTE_ACTIONS)
    def record_button_vote(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        answer_id = int(action["value"])
        value = UP if action["action_id"] == VOTE_UP_ACTION else DOWN
        records.record_vote(answer_id, body["user"]["id"], value, source="button")
        logger.info("answer %d: button vote %+d recorded", answer_id, value)
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
