"""`@StyleSprint <question>` in a channel or thread: answered in that thread."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.answering import BUSY, Answerer, Question
from bot.blocks import USAGE
from bot.context import ANSWERER
from bot.text import from_slack

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
            channel=event["channel"], user=event["user"], thread_ts=thread_ts, text=USAGE
        )
        return
    question = Question(
        text=text,
        asker=event["user"],
        channel=event["channel"],
        surface="mention",
        thread_ts=thread_ts,
    )
    answerer: Answerer = context[ANSWERER]
    if not answerer.submit(question):
        client.chat_postEphemeral(
            channel=event["channel"], user=event["user"], thread_ts=thread_ts, text=BUSY
        )
