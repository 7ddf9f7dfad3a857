"""Exactly once: a replayed or retried Slack request is answered or stored once.

Every request has an idempotency key (`key_of`): the Events API `event_id`, a slash
command's `trigger_id`, a block action's `action_ts` (with the user and action id), a
modal submission's view id with a digest of what was typed (a submission refused
for an empty field and sent again differs; a replay of the same one does not).

`Once.claim` looks in memory first (no waiting, exact within the process), then
claims the key durably in the records database (`bot.state.keys.IdempotencyKeys`, the
`processed_events` table: exact across restarts and processes). While the database
is down the in-memory answer stands (logged once by the guard in qa_engine/deadline.py).
Nothing here runs before an acknowledgement except the in-memory look-up, with two
exceptions: a modal submission, whose listener stores the correction before it
acknowledges (the ack carries the validation result), claims its key durably first,
within the database deadline; and a slash command, whose question is stored in the
durable queue before the ack (bot/answering.py), claims its key durably just before
that, within `qa_engine.deadline.ACK_DEADLINE_S`. When the work behind a claimed key fails
(or a command is refused as busy), the key is released so that the agent's retry runs.

Hand-written because the state that matters is the project's own records table;
the in-memory part is a bounded `OrderedDict` of recent keys.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from bot.state.keys import IdempotencyKeys
from bot.vote_queue import TRANSIENT
from qa_engine.records import Records

logger = logging.getLogger(__name__)

ONCE = "once"  # its key on Bolt's context (bot/middleware.py puts it there)
#: Slack replays stop within minutes (Events API retries, the 5-minute signature window).
MEMORY_TTL_S = 3600.0


def key_of(body: dict[str, Any]) -> str | None:
    """The idempotency key of a request body, None when it has none (nothing to dedupe)."""
    kind = body.get("type")
    if kind == "event_callback":
        return str(body["event_id"]) if body.get("event_id") else None
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    if kind == "block_actions":
        actions = body.get("actions") or [{}]
        action, user = actions[0], (body.get("user") or {}).get("id")
        if action.get("action_ts"):
            return f"action:{action['action_ts']}:{user}:{action.get('action_id')}"
        return None
    if kind == "view_submission":
        view = body.get("view") or {}
        if not view.get("id"):
            return None
        state = json.dumps((view.get("state") or {}).get("values"), sort_keys=True)
        return f"view:{view['id']}:{hashlib.sha256(state.encode()).hexdigest()[:16]}"
    return None


class Once:
    """Claims idempotency keys: in memory (bounded, `MEMORY_TTL_S`) and in the records."""

    def __init__(self, records: Records, max_keys: int = 100_000) -> None:
        self.records = records
        self.keys = IdempotencyKeys(records)
        self.max_keys = max_keys
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_here(self, key: str) -> bool:
        """True (and the key remembered) unless this process saw `key` recently."""
        now = time.monotonic()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - MEMORY_TTL_S:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            if len(self._seen) > self.max_keys:
                self._seen.popitem(last=False)
            return True

    def first_durably(self, key: str, deadline_s: float | None = None) -> bool:
        """True unless the records say `key` was claimed before; True when they are away
        (or do not answer within `deadline_s`, when given)."""
        try:
            return self.keys.claim(key, deadline_s=deadline_s)
        except TRANSIENT as exc:
            logger.debug("records unavailable (%s); %s deduplicated in memory only",
                         type(exc).__name__, key.split(":", 1)[0])
            return True

    def claim(self, key: str) -> bool:
        """True the first time `key` is seen anywhere: the request's work should run."""
        return self.first_here(key) and self.first_durably(key)

    def forget_here(self, key: str) -> None:
        """Drop `key` from memory only (it was never claimed durably)."""
        with self._lock:
            self._seen.pop(key, None)

    def release(self, key: str) -> None:
        """The work behind `key` failed: let a retry of it run (best effort)."""
        self.forget_here(key)
        try:
            self.keys.release(key)
        except TRANSIENT:
            pass

