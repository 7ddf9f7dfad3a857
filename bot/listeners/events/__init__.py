"""Events API listeners (mentions and 👍/👎 reactions)."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import after_ack
from bot.listeners.events.app_mention import answer_mention
from bot.listeners.events.reaction_added import record_reaction_vote
from bot.listeners.events.reaction_removed import retract_reaction_vote


def register(app: App) -> None:
    app.event("app_mention")(after_ack(answer_mention))
    app.event("reaction_added")(after_ack(record_reaction_vote))
    app.event("reaction_removed")(after_ack(retract_reaction_vote))
