"""Block actions: the 👍/👎 buttons and "Suggest the right answer"."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions import suggest_correction, vote_buttons
from bot.vote_queue import VoteQueue
from qa_engine.records import Records


def register(app: App, *, records: Records, votes: VoteQueue) -> None:
    vote_buttons.register(app, votes)
    suggest_correction.register(app, records)
