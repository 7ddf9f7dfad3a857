"""Rolling the served reader back from the App Home: leads only, confirmed in a modal,
recorded in the `rollbacks` table (bot.state.teamwork).

The registry switches its CURRENT pointer (qa_engine/registry.py); every serving
process's model watcher picks the version up within STYLESPRINT_MODEL_WATCH_INTERVAL_S.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.blocks import escape, section
from bot.team import Team
from qa_engine.read.reader import ModelLoadError

logger = logging.getLogger(__name__)

ROLLBACK_VIEW = "stylesprint_rollback"
LEADS_ONLY = "Only team leads can roll the model back."


def rollback_modal(current: str, target: str) -> dict[str, Any]:
    """The confirmation; the version it was opened on rides in private_metadata."""
    return {
        "type": "modal",
        "callback_id": ROLLBACK_VIEW,
        "private_metadata": json.dumps({"from": current, "to": target}),
        "title": {"type": "plain_text", "text": "Roll back the model"},
        "submit": {"type": "plain_text", "text": "Roll back"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [section(
            f"Serve `{escape(target)}` instead of `{escape(current)}`?\n"
            "Every bot switches within a minute; the rollback is recorded with your name. "
            "A later retrain that beats it is promoted as usual.")],
    }


def notice_modal(title: str, text: str) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title[:24]},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": [section(text)]}


@dataclass(frozen=True)
class RollbackResult:
    done: bool
    message: str
    target: str | None = None


def perform_rollback(team: Team, user: str, expected_from: str | None) -> RollbackResult:
    """Roll back if the served version is still the one the lead confirmed; recorded."""
    registry = team.registry()
    current = registry.current_name()
    if current != expected_from:
        result = RollbackResult(False, f"The served model changed to `{escape(current or '?')}` "
                                       "since you opened this; nothing was rolled back.")
    else:
        try:
            target = registry.rollback()
        except (RuntimeError, KeyError, OSError, ModelLoadError) as exc:
            result = RollbackResult(False, f"Could not roll back: {escape(str(exc))}")
        else:
            result = RollbackResult(True, f"Rolled back: now serving `{escape(target)}` "
                                          f"(was `{escape(current or '?')}`).", target)
    team.teamwork.record_rollback(user, current, result.target,
                                  outcome="done" if result.done else "failed",
                                  detail=result.message)
    logger.info("rollback by a lead: %s (from %s to %s)", "done" if result.done else "failed",
                current, result.target)
    return result
