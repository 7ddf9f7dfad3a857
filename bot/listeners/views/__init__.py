"""Modal submissions."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import CORRECTION_VIEW
from bot.errors import after_ack
from bot.listeners.views.correction_submitted import save_correction


def register(app: App) -> None:
    app.view(CORRECTION_VIEW)(after_ack(save_correction))
