"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import after_ack
from bot.listeners.commands.stylesprint import stylesprint_command


def register(app: App) -> None:
    app.command("/stylesprint")(after_ack(stylesprint_command))
