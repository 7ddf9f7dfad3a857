"""Slash commands."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands.stylesprint import stylesprint_command


def register(app: App) -> None:
    app.command("/stylesprint")(stylesprint_command)
