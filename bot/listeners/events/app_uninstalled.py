"""`app_uninstalled`: the workspace took the app away, so the bot erases the workspace's
data: every row with a user id or a person's text and every retraining file
(`DataGovernance.purge_workspace`), and the votes waiting in the vote queue's spool
(docs/operations.md, "Security and data").

Bolt acknowledges it without an `auth.test` (the token is dead already) before this runs
on a listener thread. Only counts are logged.
"""

from __future__ import annotations

import logging

from slack_bolt import BoltContext

from bot.context import GOVERNANCE, VOTES

logger = logging.getLogger(__name__)


def purge_on_uninstall(context: BoltContext) -> None:
    votes = context.get(VOTES)
    if votes is not None:
        votes.discard()  # votes waiting for the database: theirs too
    governance = context.get(GOVERNANCE)
    if governance is None:
        logger.error("app_uninstalled: no data governance configured; nothing was erased")
        return
    report = governance.purge_workspace()
    erased = ", ".join(f"{name} {n}" for name, n in report.tables.items() if n)
    logger.warning("app uninstalled: erased %d row(s) and training file row(s) (%s)",
                   report.total, erased or "nothing was stored")
