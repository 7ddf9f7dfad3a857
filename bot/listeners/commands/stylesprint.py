"""`/stylesprint ask <question>` and `/stylesprint help` (the command under the name the
team gave it, STYLESPRINT_COMMAND; its help from `context[BRANDING]`, bot/branding.py).

The question is stored in the durable queue (`Answerer.submit`) before the
acknowledgement, which carries the admission's note ("looking that up", the place in
line, or busy) or the usage text; a worker posts the answer in the channel. A replayed
command (same `trigger_id`) is acknowledged like the first and answered once: the
in-memory check, then the durable claim of its key (bot/idempotency.py), both before
the question is stored, the claim within `ACK_DEADLINE_S`; a refused (busy) command
releases its key, so asking again is answered. The question is read as the agent
typed it (bot/text.py: Slack's escaping decoded once).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext

from bot.answering import LOOKING, Answerer, SlackQuestion
from bot.blocks import escape
from bot.branding import Branding
from bot.context import ANSWERER, BRANDING, SHARED
from bot.idempotency import ONCE, Once, key_of
from bot.tenancy import SHARED_CHANNEL, SharedChannels
from bot.text import from_slack
from qa_engine.deadline import ACK_DEADLINE_S

logger = logging.getLogger(__name__)

SUBCOMMANDS = "`ask <question>`, `help`"


def stylesprint_command(ack: Ack, command: dict[str, Any], context: BoltContext,
                        client: Any = None) -> None:
    subcommand, _, rest = (command.get("text") or "").strip().partition(" ")
    subcommand = subcommand.lower()
    branding: Branding = context.get(BRANDING) or Branding()
    usage = branding.usage()
    if subcommand in ("", "help"):
        ack(text=usage, response_type="ephemeral")
        return
    if subcommand != "ask":
        ack(
            text=f"I don't know `{escape(subcommand[:40])}`. "
            f"`{branding.command}` has: {SUBCOMMANDS}.\n\n{usage}",
            response_type="ephemeral",
        )
        return
    if not rest.strip():
        ack(text=f"Please add your question after `ask`.\n\n{usage}", response_type="ephemeral")
        return
    if not command.get("user_id") or not command.get("channel_id"):  # not from Slack
        ack(text="Sorry, I couldn't tell who asked or in which channel, so I can't answer "
            "this one. Please run the command again.", response_type="ephemeral")
        return
    shared: SharedChannels | None = context.get(SHARED)
    if shared is not None and shared.refused(client, command["channel_id"]):  # Slack Connect
        ack(text=SHARED_CHANNEL.format(app=branding.app_name),
            response_type="ephemeral")
        return
    once: Once | None = context.get(ONCE)
    key = key_of(command)
    if once is not None and key is not None and not once.first_here(key):
        logger.info("dropped a replayed slash command")
        ack(text=LOOKING, response_type="ephemeral")
        return
    question = SlackQuestion(
        text=from_slack(rest).strip(),
        asker=command["user_id"],
        channel=command["channel_id"],
        surface="command",
        # Slack sends thread_ts when the command is run inside a thread.
        thread_ts=command.get("thread_ts") or None,
        response_url=command.get("response_url"),
    )
    answerer: Answerer = context[ANSWERER]
    if once is not None and key is not None and not once.first_durably(key, ACK_DEADLINE_S):
        logger.info("dropped a replayed slash command (claimed before)")  # another replica,
        ack(text=LOOKING, response_type="ephemeral")  # or before a restart
        return
    admission = answerer.submit(question)  # stored before the ack (or answered unrecorded)
    ack(text=admission.note, response_type="ephemeral")
    if not admission and once is not None and key is not None:
        once.release(key)  # told "busy": trying again must be answered (after the ack)
