"""Every event type the bot has no listener for (`message` events outside hand-off
threads, `team_access_revoked`, ...): acknowledged with a 200 and dropped.

Without it Bolt answers 404 and Slack retries the delivery (and, after enough
failures, disables the app's event subscription). It is registered last, so it only
sees what no other event listener matched.
"""

from __future__ import annotations

import logging
import re
from typing import Any

logger = logging.getLogger(__name__)

ANY_EVENT = re.compile(r".*")


def ignore_other_event(event: dict[str, Any]) -> None:
    # Events are acknowledged by Bolt before this runs; only the type is logged.
    logger.debug("ignored a %s event (no listener for it)", event.get("type"))
