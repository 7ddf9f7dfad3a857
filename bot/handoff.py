"""Hand-off to a human: "Ask a team lead" posts the question to the escalation channel,
and a lead's reply in that thread goes back to the agent who asked.

The hand-off is recorded (`qa_engine.records.Teamwork`) before the leads are told, so
knowledge-gap reports count it even if Slack is away. Message text (the question, the
bot's reply, the lead's reply) is posted, never logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import Block, clip, context, escape, quote, section
from bot.state.teamwork import AnswerSummary
from bot.team import Team

logger = logging.getLogger(__name__)

_QUOTE_CHARS = 1200  # each quoted part of the escalation post (well under a section's 3,000)


@dataclass(frozen=True)
class HandoffResult:
    handoff_id: int
    thread_link: str | None
    already: bool  # this agent had already handed this answer off


def _permalink(client: WebClient, channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts:
        return None
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        logger.info("no permalink for a message (%s)", error)
        return None


def escalation_blocks(answer: AnswerSummary, requested_by: str, usergroup: str | None,
                      original: str | None) -> list[Block]:
    """The post in the escalation channel: who asks, the question, the bot's reply, sources."""
    who = f"<!subteam^{usergroup}> " if usergroup else ""
    where = f" (<{original}|original message>)" if original else ""
    verdict = "The bot's answer" if answer.answered else "The bot declined"
    blocks: list[Block] = [
        section(f":raising_hand: {who}<@{requested_by}> asks a team lead{where}"),
        section(f"*Question*\n{quote(clip(answer.question, _QUOTE_CHARS))}"),
        section(f"*{verdict}* ({round(answer.confidence * 100)}% confidence)\n"
                f"{quote(clip(answer.reply, _QUOTE_CHARS))}"),
    ]
    if answer.sources:
        top = "\n".join(f"• {escape(str(s.get('title')))} "
                        f"({round(float(s.get('score') or 0) * 100)}% match)"
                        for s in answer.sources[:3])
        blocks.append(section(f"*Top sources*\n{top}"))
    blocks.append(context(f"Reply in this thread and I'll pass it on to <@{requested_by}>."))
    return blocks


def request_handoff(team: Team, client: WebClient, answer_id: int, user: str) -> HandoffResult:
    """Record the hand-off, post it to the escalation channel; the thread's permalink.

    Raises UnknownAnswer for an answer not on record, ValueError when no escalation
    channel is configured (the button is not shown then), SlackApiError from Slack.
    """
    channel = team.escalation_channel
    if channel is None:
        raise ValueError("no escalation channel is configured")
    earlier = team.teamwork.handoff_for(answer_id, user)
    if earlier is not None and earlier.escalation_ts:
        return HandoffResult(earlier.id, _permalink(client, channel, earlier.escalation_ts), True)
    answer = team.teamwork.answer_summary(answer_id)
    handoff_id = earlier.id if earlier else team.teamwork.add_handoff(answer_id, user, channel)
    original = _permalink(client, answer.channel, answer.message_ts)
    posted = client.chat_postMessage(
        channel=channel,
        text=f"<@{user}> asks a team lead about a question the bot "
             + ("answered" if answer.answered else "declined"),
        blocks=escalation_blocks(answer, user, team.settings.bot.escalation_usergroup, original),
        unfurl_links=False, unfurl_media=False,
    )
    ts = str(posted["ts"])
    team.teamwork.mark_posted(handoff_id, ts)
    logger.info("answer %d: handed off to the leads (hand-off %d)", answer_id, handoff_id)
    return HandoffResult(handoff_id, _permalink(client, channel, ts), False)


def handoff_confirmation(result: HandoffResult) -> str:
    """What the agent who pressed the button is told (ephemeral)."""
    thread = f"<{result.thread_link}|this thread>" if result.thread_link else "the leads' channel"
    if result.already:
        return f":raising_hand: You already asked the team leads: see {thread}."
    return (f":raising_hand: I've asked the team leads in {thread}. "
            "I'll send you their reply here as soon as one answers.")


def is_thread_reply(event: dict[str, Any]) -> bool:
    """A person's reply inside a thread (not the parent, not a bot, not an edit)."""
    return (not event.get("subtype") and not event.get("bot_id") and bool(event.get("user"))
            and bool(event.get("thread_ts")) and event.get("thread_ts") != event.get("ts"))


def relay_reply(team: Team, client: WebClient, event: dict[str, Any]) -> bool:
    """A lead replied in a hand-off thread: send it to the agent; True when relayed."""
    channel = team.escalation_channel
    if channel is None or event.get("channel") != channel or not is_thread_reply(event):
        return False
    handoff = team.teamwork.find_handoff(channel, str(event["thread_ts"]))
    if handoff is None or event["user"] == handoff.requested_by:
        return False
    answer = team.teamwork.answer_summary(handoff.answer_id)
    link = _permalink(client, channel, str(event["ts"]))
    where = f" (<{link}|see the thread>)" if link else ""
    reply = str(event.get("text") or "")
    client.chat_postMessage(
        channel=handoff.requested_by,  # the agent's DM with the bot (the app's Messages tab)
        text=f"<@{event['user']}> replied to your question",
        blocks=[
            section(f":speech_balloon: <@{event['user']}> replied to your question{where}:\n"
                    f"*{escape(clip(answer.question, 500))}*"),
            section(quote(clip(reply, 2500))),
        ],
        unfurl_links=False, unfurl_media=False,
    )
    team.teamwork.mark_replied(handoff.id, str(event["user"]))
    logger.info("hand-off %d: a lead's reply relayed to the agent", handoff.id)
    return True
