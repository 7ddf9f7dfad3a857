"""Events API listeners (mentions and 👍/👎 reactions)."""

from __future__ import annotations

from slack_bolt import App

from bot.answering import Answerer
from bot.listeners.events import app_mention, reaction_added, reaction_removed
from bot.records import Records


def register(app: App, *, answerer: Answerer, records: Records) -> None:
    app_mention.register(app, answerer)
    reaction_added.register(app, records)
    reaction_removed.register(app, records)
