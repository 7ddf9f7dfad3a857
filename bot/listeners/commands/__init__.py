"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from bot.answering import Answerer
from bot.listeners.commands import stylesprint


def register(app: App, *, answerer: Answerer) -> None:
    stylesprint.register(app, answerer)
