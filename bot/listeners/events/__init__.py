"""Events API listeners (mentions, 👍/👎 reactions, hand-off replies, the App Home)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.events.app_home_opened import show_home
from bot.listeners.events.app_mention import answer_mention
from bot.listeners.events.message import relay_lead_reply
from bot.listeners.events.reaction_added import record_reaction_vote
from bot.listeners.events.reaction_removed import retract_reaction_vote


def register(app: App) -> None:
    app.event("app_mention")(answer_mention)
    app.event("reaction_added")(record_reaction_vote)
    app.event("reaction_removed")(retract_reaction_vote)
    app.event("message")(relay_lead_reply)
    app.event("app_home_opened")(show_home)
