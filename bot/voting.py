"""Which reactions are votes, and on which answer.

Only 👍 (`+1`, `thumbsup`) and 👎 (`-1`, `thumbsdown`), with or without a skin
tone, on a message the bot posted as an answer, count; everything else is
ignored without a trace.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from bot.records import DOWN, UP, AnswerRef, Records

VOTE_REACTIONS: dict[str, int] = {"+1": UP, "thumbsup": UP, "-1": DOWN, "thumbsdown": DOWN}


def reaction_value(reaction: str) -> int | None:
    """+1 / -1 for a vote emoji ("+1::skin-tone-3" included), None for any other."""
    return VOTE_REACTIONS.get(reaction.split("::", 1)[0])


class ReactionVote(NamedTuple):
    channel: str
    ts: str
    user: str
    value: int


def reaction_vote(event: dict[str, Any]) -> ReactionVote | None:
    """The vote a reaction event would be (no database needed), or None if it is none."""
    value = reaction_value(str(event.get("reaction", "")))
    item = event.get("item") or {}
    if value is None or item.get("type") != "message" or not event.get("user"):
        return None
    channel, ts = item.get("channel"), item.get("ts")
    if not channel or not ts:
        return None
    return ReactionVote(str(channel), str(ts), str(event["user"]), value)


def vote_target(event: dict[str, Any], records: Records) -> tuple[AnswerRef, int] | None:
    """The answer a reaction event votes on and the vote's value, or None to ignore it."""
    vote = reaction_vote(event)
    if vote is None:
        return None
    answer = records.find_by_message(vote.channel, vote.ts)
    return (answer, vote.value) if answer is not None else None
