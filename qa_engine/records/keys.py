"""Idempotency keys in the records database (`processed_events`): Events API event ids
and the bot's request keys (bot/idempotency.py), claimed once, across restarts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qa_engine.records.schema import ProcessedEvent, utcnow

EVENT_ID_RETENTION = timedelta(days=1)
PRUNE_EVERY = 1000  # event ids marked between two prunes
KEY_LENGTH = 64  # ProcessedEvent.event_id; longer idempotency keys are stored hashed


class IdempotencyKeys:
    """`Records`' part that claims keys (it provides `_session` and `_guarded`)."""

    _marked: int
    _session: Callable[[], Session]
    _guarded: Callable[..., Any]

    def claim(self, key: str, deadline_s: float | None = None) -> bool:
        """True the first time idempotency `key` is claimed, False for every replay
        (across restarts and processes); within the deadline (`deadline_s` if shorter)."""
        return bool(self._guarded(lambda: self.mark_event_processed(_stored_key(key)),
                                  deadline_s=deadline_s))

    def release(self, key: str) -> None:
        """Forget a claimed `key` (its work failed: a retry must be allowed to run)."""

        def forget() -> None:
            with self._session() as session, session.begin():
                session.execute(delete(ProcessedEvent)
                                .where(ProcessedEvent.event_id == _stored_key(key)))

        self._guarded(forget)

    def mark_event_processed(self, event_id: str) -> bool:
        """True the first time `event_id` is seen, False for every retry (across restarts)."""
        try:
            with self._session() as session, session.begin():
                session.add(ProcessedEvent(event_id=event_id))
        except IntegrityError:
            return False
        self._marked += 1
        if self._marked % PRUNE_EVERY == 0:
            self.prune_processed_events()
        return True

    def prune_processed_events(self, older_than: timedelta = EVENT_ID_RETENTION) -> int:
        """Forget event ids older than Slack's retry horizon (retries stop after minutes)."""
        with self._session() as session, session.begin():
            result = session.execute(
                delete(ProcessedEvent).where(ProcessedEvent.received_at < utcnow() - older_than)
            )
        return int(result.rowcount or 0)


def _stored_key(key: str) -> str:
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[: KEY_LENGTH - 7]
