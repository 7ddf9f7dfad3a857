"""All listeners, one module-level function per file under commands/, events/,
actions/ and views/; their dependencies come from `context` (bot/context.py)."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, views
from bot.listeners.events.other_events import ANY_EVENT, ignore_other_event


def register(app: App, command: str = "/stylesprint") -> None:
    """`command`: the slash command the app declares (STYLESPRINT_COMMAND)."""
    commands.register(app, command)
    events.register(app)
    actions.register(app)
    views.register(app)
    # Last of all: Bolt runs the first listener that matches, so this one only gets the
    # event types no listener above handles (keep it below anything added later).
    # Not wrapped by after_ack: it does nothing that can fail, and claiming an idempotency
    # key for every `message` event in the bot's channels would be a write each.
    app.event(ANY_EVENT)(ignore_other_event)
