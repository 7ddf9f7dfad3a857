"""Idempotency keys in the records database (`processed_events`): Events API event ids
and the bot's request keys (bot/idempotency.py), claimed once, across restarts.

The table is the bot's alone: its model lives here, on the records' metadata, and the
one Alembic history (`qa_engine/records/migrate.py`) creates it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from qa_engine.records import Records
from qa_engine.records.schema import Base, utcnow

EVENT_ID_RETENTION = timedelta(days=1)
PRUNE_EVERY = 1000  # event ids marked between two prunes
KEY_LENGTH = 64  # ProcessedEvent.event_id; longer idempotency keys are stored hashed


class ProcessedEvent(Base):
    """Requests already handled, by idempotency key: Events API `event_id`s, and keys
    such as "command:<trigger_id>" or "view:<view id>:<state digest>" (bot/idempotency.py);
    the primary key makes a retry or a replay a no-op."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class IdempotencyKeys:
    """Claims keys in `records`' database, each call under its `DeadlineGuard`."""

    def __init__(self, records: Records) -> None:
        self.records = records
        self._marked = 0

    def _session(self) -> Session:
        return Session(self.records.engine, expire_on_commit=False)

    def _guarded(self, call: Callable[[], Any], *, deadline_s: float | None = None) -> Any:
        return self.records.guarded(call, deadline_s=deadline_s)

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
