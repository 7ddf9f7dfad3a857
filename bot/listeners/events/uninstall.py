"""`app_uninstalled` and `tokens_revoked`: Slack says the workspace or some people have
taken their data away from the app, so the bot erases it (docs/operations.md,
"Security and data").

- `app_uninstalled`: every row with a user id or a person's text, and every retraining
  file, is deleted (`DataGovernance.purge_workspace`).
- `tokens_revoked`: the people whose user tokens (`tokens.oauth`) were revoked are
  forgotten (`DataGovernance.forget`), as `stylesprint forget` would; revoked bot tokens
  (`tokens.bot`) name the bot's own user, which has no data here.

Bolt acknowledges both without an `auth.test` (the token may be dead already) before
these run on a listener thread. Only counts are logged, never a user id.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext

from bot.context import GOVERNANCE

logger = logging.getLogger(__name__)


def purge_on_uninstall(context: BoltContext) -> None:
    governance = context.get(GOVERNANCE)
    if governance is None:
        logger.error("app_uninstalled: no data governance configured; nothing was erased")
        return
    report = governance.purge_workspace()
    logger.warning("app uninstalled: erased %d row(s) and training file row(s) "
                   "(%s)", report.total, _summary(report.tables))


def forget_revoked_users(event: dict[str, Any], context: BoltContext) -> None:
    governance = context.get(GOVERNANCE)
    tokens = event.get("tokens") or {}
    users = sorted({u for u in tokens.get("oauth") or [] if isinstance(u, str) and u})
    if not users:
        return
    if governance is None:
        logger.error("tokens_revoked: no data governance configured; nothing was erased")
        return
    total = sum(governance.forget(user).total for user in users)
    logger.warning("tokens revoked: forgot %d person(s), %d row(s) and training file row(s)",
                   len(users), total)


def _summary(tables: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in tables.items() if n) or "nothing stored"
