"""`@StyleSprint <question>` in a channel or thread: answered in that thread.

A mention inside a thread where the bot already answered is a follow-up: the
thread's first question goes along as retrieval context ("and for kids?")."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.answering import Answerer, SlackQuestion
from bot.branding import Branding
from bot.context import ANSWERER, BRANDING, TEAM
from bot.text import from_slack
from qa_engine.db import TRANSIENT_ERRORS

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """The question without the mention(s) of the bot itself; other mentions stay."""
    return " ".join(
        _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text).split()
    )


def answer_mention(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    # Events are acknowledged by Bolt before this runs.
    thread_ts = event.get("thread_ts") or event["ts"]
    # Retries and replays were dropped before this runs (bot/errors.py, after_ack).
    mention = strip_bot_mention(event.get("text") or "", context.get("bot_user_id"))
    text = from_slack(mention).strip()
    if not text:
        client.chat_postEphemeral(
            channel=event["channel"], user=event["user"], thread_ts=thread_ts,
            text=(context.get(BRANDING) or Branding()).usage()
        )
        return
    team = context.get(TEAM)
    earlier = None
    if team is not None and event.get("thread_ts"):
        try:
            earlier = team.teamwork.thread_question(event["channel"], event["thread_ts"])
        except TRANSIENT_ERRORS:  # records away: answered as a question of its own
            earlier = None
    question = SlackQuestion(
        text=text,
        asker=event["user"],
        channel=event["channel"],
        surface="mention",
        thread_ts=thread_ts,
        context_question=earlier,
    )
    answerer: Answerer = context[ANSWERER]
    admission = answerer.submit(question)
    if not admission:
        client.chat_postEphemeral(
            channel=event["channel"], user=event["user"], thread_ts=thread_ts,
            text=admission.note,
        )
