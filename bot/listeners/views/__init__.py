"""Modal submissions."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import CORRECTION_VIEW
from bot.listeners.views.correction_submitted import save_correction


def register(app: App) -> None:
    app.view(CORRECTION_VIEW)(save_correction)
