"""Events API listeners (mentions, 👍/👎 reactions, hand-off replies, the App Home,
uninstall and revoked tokens)."""

from __future__ import annotations

from slack_bolt import App

from bot.errors import after_ack
from bot.listeners.events.app_home_opened import show_home
from bot.listeners.events.app_mention import answer_mention
from bot.listeners.events.app_uninstalled import purge_on_uninstall
from bot.listeners.events.message import relay_lead_reply
from bot.listeners.events.reaction_added import record_reaction_vote
from bot.listeners.events.reaction_removed import retract_reaction_vote
from bot.listeners.events.tokens_revoked import forget_revoked_users


def register(app: App) -> None:
    app.event("app_mention")(after_ack(answer_mention))
    app.event("reaction_added")(after_ack(record_reaction_vote))
    app.event("reaction_removed")(after_ack(retract_reaction_vote))
    # only a thread reply in the escalation channel gets here (bot/middleware.py drops
    # every other message event first), so its idempotency claim is no write per message
    app.event("message")(after_ack(relay_lead_reply))
    app.event("app_home_opened")(after_ack(show_home))
    # Slack takes the data away: erase it (app_uninstalled.py, tokens_revoked.py)
    app.event("app_uninstalled")(after_ack(purge_on_uninstall))
    app.event("tokens_revoked")(after_ack(forget_revoked_users))
    # the catch-all for every other event type is registered after all of these
    # (bot/listeners/__init__.py)
