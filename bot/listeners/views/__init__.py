"""Modal submissions."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.views import correction_submitted
from qa_engine.records import Records


def register(app: App, *, records: Records) -> None:
    correction_submitted.register(app, records)
