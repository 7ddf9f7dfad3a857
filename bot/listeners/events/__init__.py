"""Events API listeners (mentions and 👍/👎 reactions)."""

from __future__ import annotations

from slack_bolt import App

from bot.answering import Answerer
from bot.listeners.events import app_mention, reaction_added, reaction_removed
from bot.vote_queue import VoteQueue
from bot.voting import BotUsers


def register(app: App, *, answerer: Answerer, votes: VoteQueue) -> None:
    app_mention.register(app, answerer)
    bot_users = BotUsers()  # which reacting users are bots, looked up once each
    reaction_added.register(app, votes, bot_users)
    reaction_removed.register(app, votes, bot_users)
