"""Block actions: the 👍/👎 buttons and "Suggest the right answer"."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import SUGGEST_ACTION
from bot.errors import after_ack
from bot.listeners.actions.suggest_correction import open_correction_modal
from bot.listeners.actions.vote_buttons import VOTE_ACTIONS, record_button_vote


def register(app: App) -> None:
    app.action(VOTE_ACTIONS)(after_ack(record_button_vote))
    app.action(SUGGEST_ACTION)(after_ack(open_correction_modal))
