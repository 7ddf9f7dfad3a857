"""All listeners, one per file under commands/, events/, actions/ and views/."""

from __future__ import annotations

from slack_bolt import App

from bot.answering import Answerer
from bot.listeners import actions, commands, events, views
from bot.vote_queue import VoteQueue
from qa_engine.records import Records


def register(app: App, *, answerer: Answerer, records: Records, votes: VoteQueue) -> None:
    commands.register(app, answerer=answerer)
    events.register(app, answerer=answerer, votes=votes)
    actions.register(app, records=records, votes=votes)
    views.register(app, records=records)
