"""`tokens_revoked`: the people whose user tokens (`tokens.oauth`) were revoked are
forgotten as `stylesprint forget` would (`DataGovernance.forget`), and their votes
waiting in the vote queue's spool are dropped; revoked bot tokens (`tokens.bot`) name
the bot's own user, which has no data here (docs/operations.md, "Security and data").

Bolt acknowledges it without an `auth.test` before this runs on a listener thread.
Only counts are logged, never a user id.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from bot.context import GOVERNANCE, VOTES

logger = logging.getLogger(__name__)


def forget_revoked_users(event: dict[str, Any], context: BoltContext) -> None:
    governance = context.get(GOVERNANCE)
    tokens = event.get("tokens") or {}
    users = sorted({u for u in tokens.get("oauth") or [] if isinstance(u, str) and u})
    if not users:
        return
    votes = context.get(VOTES)
    if votes is not None:
        for user in users:
            votes.discard(user)  # their votes waiting for the database
    if governance is None:
        logger.error("tokens_revoked: no data governance configured; nothing was erased")
        return
    total = sum(governance.forget(user).total for user in users)
    logger.warning("tokens revoked: forgot %d person(s), %d row(s) and training file row(s)",
                   len(users), total)
