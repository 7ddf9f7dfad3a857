"""All listeners, one module-level function per file under commands/, events/,
actions/ and views/; their dependencies come from `context` (bot/context.py)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, views


def register(app: App) -> None:
    commands.register(app)
    events.register(app)
    actions.register(app)
    views.register(app)
