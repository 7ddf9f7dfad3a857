"""The correction modal was submitted: store the suggestion with its answer."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.blocks import (
    CORRECTION_BLOCK,
    CORRECTION_INPUT,
    SOURCE_BLOCK,
    SOURCE_INPUT,
)
from bot.context import RECORDS
from qa_engine.records import Records

logger = logging.getLogger(__name__)


def save_correction(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    records: Records = context[RECORDS]
    values = view["state"]["values"]
    text = (
        values.get(CORRECTION_BLOCK, {}).get(CORRECTION_INPUT, {}).get("value") or ""
    ).strip()
    if not text:
        ack(
            response_action="errors",
            errors={CORRECTION_BLOCK: "Please write the right answer."},
        )
        return
    source = values.get(SOURCE_BLOCK, {}).get(SOURCE_INPUT, {}).get("value")
    answer_id = int(json.loads(view["private_metadata"])["answer_id"])
    # Saved before the ack: if saving fails the modal stays open with the text in it.
    correction_id = records.add_correction(answer_id, body["user"]["id"], text, source)
    ack()
    logger.info("answer %d: correction %d stored", answer_id, correction_id)
