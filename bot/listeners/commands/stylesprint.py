"""`/stylesprint ask <question>` and `/stylesprint help`.

The acknowledgement is the only thing done on Bolt's request thread: it carries
the "looking that up" note (or the usage / busy text), and the question itself
goes to the bounded pool, which posts the answer in the channel.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from bot.answering import Answerer, Question
from bot.blocks import USAGE, escape
from bot.context import ANSWERER

SUBCOMMANDS = "`ask <question>`, `help`"


def stylesprint_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    subcommand, _, rest = (command.get("text") or "").strip().partition(" ")
    subcommand = subcommand.lower()
    if subcommand in ("", "help"):
        ack(text=USAGE, response_type="ephemeral")
        return
    if subcommand != "ask":
        ack(
            text=f"I don't know `{escape(subcommand[:40])}`. "
            f"`/stylesprint` has: {SUBCOMMANDS}.\n\n{USAGE}",
            response_type="ephemeral",
        )
        return
    if not rest.strip():
        ack(text=f"Please add your question after `ask`.\n\n{USAGE}", response_type="ephemeral")
        return
    if not command.get("user_id") or not command.get("channel_id"):  # not from Slack
        ack(text="Sorry, I couldn't tell who asked or in which channel, so I can't answer "
            "this one. Please run the command again.", response_type="ephemeral")
        return
    question = Question(
        text=rest.strip(),
        asker=command["user_id"],
        channel=command["channel_id"],
        surface="command",
        # Slack sends thread_ts when the command is run inside a thread.
        thread_ts=command.get("thread_ts") or None,
        response_url=command.get("response_url"),
    )
    answerer: Answerer = context[ANSWERER]
    ack(text=answerer.submit(question).note, response_type="ephemeral")  # stored before the ack
