"""Block actions: the 👍/👎 buttons, "Suggest the right answer", "Ask a team lead" and
the App Home's "Roll back", approving and withdrawing verified answers."""

from __future__ import annotations

from slack_bolt import App

from bot.blocks import APPROVE_ACTION, HANDOFF_ACTION, SUGGEST_ACTION, WITHDRAW_ACTION
from bot.errors import after_ack
from bot.home import ROLLBACK_ACTION
from bot.listeners.actions.ask_team_lead import ask_team_lead
from bot.listeners.actions.rollback import confirm_rollback
from bot.listeners.actions.suggest_correction import open_correction_modal
from bot.listeners.actions.verified_review import approve_correction, withdraw_verified
from bot.listeners.actions.vote_buttons import VOTE_ACTIONS, record_button_vote


def register(app: App) -> None:
    app.action(VOTE_ACTIONS)(after_ack(record_button_vote))
    app.action(SUGGEST_ACTION)(after_ack(open_correction_modal))
    app.action(HANDOFF_ACTION)(after_ack(ask_team_lead))
    app.action(ROLLBACK_ACTION)(after_ack(confirm_rollback))
    app.action(APPROVE_ACTION)(after_ack(approve_correction))
    app.action(WITHDRAW_ACTION)(after_ack(withdraw_verified))
