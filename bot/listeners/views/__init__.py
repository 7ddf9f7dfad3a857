"""Modal submissions (a correction, a rollback)."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import CORRECTION_VIEW
from bot.errors import after_ack
from bot.listeners.views.correction_submitted import save_correction
from bot.listeners.views.rollback_submitted import roll_back_model
from bot.rollback import ROLLBACK_VIEW


def register(app: App) -> None:
    app.view(CORRECTION_VIEW)(after_ack(save_correction))
    app.view(ROLLBACK_VIEW)(after_ack(roll_back_model))
