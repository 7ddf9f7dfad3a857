"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import after_ack
from bot.listeners.commands.stylesprint import stylesprint_command


def register(app: App, command: str = "/stylesprint") -> None:
    """The one slash command, under the name the team gave it (STYLESPRINT_COMMAND)."""
    app.command(command)(after_ack(stylesprint_command))
