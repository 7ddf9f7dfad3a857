"""Hand-offs to a human and model rollbacks, next to the answers they belong to.

Two tables on the records' metadata (created by the Alembic history,
`qa_engine.records.migrate`): `handoffs` (an agent pressed "Ask a team lead" on an
answer: where the question was posted for the leads and who replied; its model is
`qa_engine.records.schema.HandoffRow`, as knowledge gaps read it too) and `rollbacks`
(a lead rolled the served model back from the App Home: the bot's alone, defined
here). `Teamwork`, the only writer of both, reads and writes them through the same
engine as `Records`. No message text is stored here: the question is the answer's,
the lead's reply is relayed live and not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from qa_engine.records.schema import AnswerRow, Base, HandoffRow, utcnow
from qa_engine.records.store import Records, UnknownAnswer


class RollbackRow(Base):
    """A lead's rollback of the served reader, confirmed in the App Home's modal."""

    __tablename__ = "rollbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[str] = mapped_column(String(64))
    from_version: Mapped[str | None] = mapped_column(String(255), nullable=True)
    to_version: Mapped[str | None] = mapped_column(String(255), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))  # done | failed
    detail: Mapped[str] = mapped_column(String(500), default="")


@dataclass(frozen=True)
class Handoff:
    id: int
    answer_id: int
    requested_by: str
    escalation_channel: str
    escalation_ts: str | None
    replied_by: str | None
    replies: int


@dataclass(frozen=True)
class AnswerSummary:
    """What a hand-off shows the leads about one answer."""

    id: int
    question: str
    answered: bool
    reply: str
    confidence: float
    sources: list[dict[str, Any]]
    channel: str | None
    message_ts: str | None
    thread_ts: str | None
    asker: str | None


def _handoff(row: HandoffRow) -> Handoff:
    return Handoff(row.id, row.answer_id, row.requested_by, row.escalation_channel,
                   row.escalation_ts, row.replied_by, row.replies)


class Teamwork:
    """Hand-offs and rollbacks in the records database (`records` must be usable)."""

    def __init__(self, records: Records) -> None:
        self.records = records

    def _session(self) -> Session:
        return Session(self.records.engine, expire_on_commit=False)

    def answer_summary(self, answer_id: int) -> AnswerSummary:
        with self._session() as session:
            row = session.get(AnswerRow, answer_id)
            if row is None:
                raise UnknownAnswer(f"no answer with id {answer_id}")
            return AnswerSummary(row.id, row.question, row.answered, row.reply, row.confidence,
                                 list(row.sources or []), row.channel, row.message_ts,
                                 row.thread_ts, row.asker)

    def thread_question(self, channel: str, thread_ts: str) -> str | None:
        """The first question the bot answered in thread `thread_ts` of `channel` (asked in
        the thread, or the answer message the thread hangs from); None when there is none."""
        with self._session() as session:
            return session.scalar(
                select(AnswerRow.question)
                .where(AnswerRow.channel == channel,
                       (AnswerRow.thread_ts == thread_ts) | (AnswerRow.message_ts == thread_ts))
                .order_by(AnswerRow.id).limit(1))

    # --- hand-offs -----------------------------------------------------------------------
    def add_handoff(self, answer_id: int, requested_by: str, escalation_channel: str) -> int:
        """Record the request before the leads are told (so a failed post is still counted)."""
        if self.records.get(answer_id) is None:
            raise UnknownAnswer(f"no answer with id {answer_id}")
        row = HandoffRow(answer_id=answer_id, requested_by=requested_by,
                         escalation_channel=escalation_channel)
        with self._session() as session, session.begin():
            session.add(row)
        return row.id

    def handoff_for(self, answer_id: int, requested_by: str) -> Handoff | None:
        """The latest hand-off of this answer by this agent, if any."""
        with self._session() as session:
            row = session.scalar(
                select(HandoffRow)
                .where(HandoffRow.answer_id == answer_id, HandoffRow.requested_by == requested_by)
                .order_by(HandoffRow.id.desc()).limit(1))
            return _handoff(row) if row else None

    def mark_posted(self, handoff_id: int, escalation_ts: str) -> None:
        with self._session() as session, session.begin():
            row = session.get(HandoffRow, handoff_id)
            if row is not None:
                row.escalation_ts = escalation_ts

    def find_handoff(self, channel: str, thread_ts: str) -> Handoff | None:
        """The hand-off whose post in the escalation channel started thread `thread_ts`."""
        with self._session() as session:
            row = session.scalar(
                select(HandoffRow)
                .where(HandoffRow.escalation_channel == channel,
                       HandoffRow.escalation_ts == thread_ts)
                .order_by(HandoffRow.id.desc()).limit(1))
            return _handoff(row) if row else None

    def mark_replied(self, handoff_id: int, user_id: str) -> None:
        with self._session() as session, session.begin():
            row = session.get(HandoffRow, handoff_id)
            if row is not None:
                row.replied_by = row.replied_by or user_id
                row.replied_at = row.replied_at or utcnow()
                row.replies = (row.replies or 0) + 1

    def handoffs_since(self, since: datetime) -> list[Handoff]:
        with self._session() as session:
            rows = session.scalars(select(HandoffRow).where(HandoffRow.created_at >= since)
                                   .order_by(HandoffRow.id))
            return [_handoff(r) for r in rows]

    # --- rollbacks -----------------------------------------------------------------------
    def record_rollback(self, user_id: str, from_version: str | None, to_version: str | None,
                        *, outcome: str, detail: str = "") -> int:
        row = RollbackRow(user_id=user_id, from_version=from_version, to_version=to_version,
                          outcome=outcome, detail=detail[:500])
        with self._session() as session, session.begin():
            session.add(row)
        return row.id

    def rollbacks(self, limit: int = 20) -> list[RollbackRow]:
        with self._session() as session:
            return list(session.scalars(select(RollbackRow).order_by(RollbackRow.id.desc())
                                        .limit(limit)))
