"""The correction modal was submitted: store the suggestion with its answer, then find it
in the knowledge base so that the question is answered right from now on: for everyone
at once when a lead wrote it, otherwise for its author until it is approved
(bot/review.py). Only a member of the answer's channel may correct it (bot/membership.py)."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks import (
    CORRECTION_BLOCK,
    CORRECTION_INPUT,
    REASON_BLOCK,
    REASON_INPUT,
    SOURCE_BLOCK,
    SOURCE_INPUT,
    correction_outcome,
)
from bot.context import KB, MEMBERS, RECORDS, TEAM
from bot.membership import NOT_A_MEMBER, ChannelMembers, may_act
from bot.review import request_review
from bot.team import Team
from qa_engine.corrections import Located
from qa_engine.records import Records
from qa_engine.records.schema import CORRECTION_REASONS
from qa_engine.retrieve.verified_index import verify_correction

logger = logging.getLogger(__name__)


def _reason(values: dict[str, Any]) -> str | None:
    """The one-click "what was wrong?" choice, or None (not chosen, or an unknown value)."""
    option = values.get(REASON_BLOCK, {}).get(REASON_INPUT, {}).get("selected_option") or {}
    value = option.get("value")
    return value if value in CORRECTION_REASONS else None


def save_correction(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext,
    client: WebClient | None = None,
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
    user = body["user"]["id"]
    members: ChannelMembers | None = context.get(MEMBERS)
    if members is not None:  # the server checks, not the payload: a member of its channel
        answer = records.get(answer_id)  # None: add_correction says it is gone
        if answer is not None and not may_act(members, client, answer, user):
            ack(response_action="errors", errors={CORRECTION_BLOCK: NOT_A_MEMBER})
            return
    # Saved before the ack: if saving fails the modal stays open with the text in it.
    correction_id = records.add_correction(answer_id, user, text, source, _reason(values))
    ack()
    logger.info("answer %d: correction %d stored", answer_id, correction_id)
    kb = context.get(KB)
    if kb is None:
        return
    # After the ack (Slack has its response; this is Bolt's listener thread): locate it and
    # verify it, so the next ask of this question is answered from it (by everyone when a
    # lead wrote it; by its author, pending approval, otherwise).
    team: Team | None = context.get(TEAM)
    publish = team is None or (client is not None and team.is_lead(client, user))
    found = verify_correction(records, correction_id, kb(), publish=publish)
    located = isinstance(found, Located) and found.passage_id is not None
    logger.info("correction %d: %s", correction_id,
                "not covered" if found is None else f"found ({found.where}, {found.match})"
                if located else "not in the knowledge base")
    if client is not None:
        label = (found.label or "the knowledge base") if isinstance(found, Located) else None
        _tell(client, records, correction_id, user,
              correction_outcome(label if located else None, searched=found is not None,
                                 pending=not publish))
        if located and not publish and team is not None:
            pending = records.verified.for_correction(correction_id)
            if pending is not None:
                request_review(team, client, pending)


def _tell(client: WebClient, records: Records, correction_id: int, user: str,
          text: str) -> None:
    """An ephemeral note to the agent beside the answer; not delivered is no failure."""
    correction = records.verified.correction(correction_id)
    if not correction or not correction["channel"]:
        return
    thread = correction["thread_ts"] or correction["message_ts"]
    try:
        client.chat_postEphemeral(channel=correction["channel"], user=user, text=text,
                                  **({"thread_ts": thread} if thread else {}))
    except (SlackClientError, OSError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
        logger.debug("correction %d: outcome not posted: %s", correction_id,
                     error or type(exc).__name__)
