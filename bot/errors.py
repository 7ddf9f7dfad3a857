"""The one error handler: Bolt's global `@app.error` and the question pool both use it.

It logs the exception type and the kind of request, never the payload (which
holds message text and may hold tokens); the traceback is at debug level.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("bot")


def handle_error(error: BaseException, body: dict[str, Any] | None = None) -> None:
    kind = None
    if body:
        kind = body.get("type") or body.get("command")
        if body.get("type") == "event_callback":
            kind = f"event {(body.get('event') or {}).get('type')}"
    logger.error(
        "unhandled %s while handling %s: %s",
        type(error).__name__,
        kind or "a job",
        _safe_message(error),
    )
    logger.debug("traceback", exc_info=error)


def _safe_message(error: BaseException) -> str:
    """Slack API errors: just Slack's error code (the full response may echo text)."""
    response = getattr(error, "response", None)
    if response is not None and hasattr(response, "get"):
        return str(response.get("error"))
    return str(error)[:200]
