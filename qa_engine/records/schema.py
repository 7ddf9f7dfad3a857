"""Tables of the feedback records: answers, votes, corrections, verified answers,
hand-offs (the tables the bot writes and training, `gaps` and the App Home read; the
bot's own tables live in `bot/state/`, on this `Base`'s metadata).

These models are what the code reads and writes; the database's schema comes from the
one Alembic history (`qa_engine/records/migrate.py`, revisions in
`migrations/versions/`): a new table or column needs a revision there too, and
`tests/qa_engine/records/test_migrations.py` fails while models and revisions differ.
`schema_version` is the pre-Alembic release's version table, kept as a fence: its row
100 makes that release refuse a database upgraded by this one.

Votes are an append-only log (one row per reaction added/removed or button
click); the current vote of an agent is derived from it (see `current_votes`), in
Slack's order of the events (`event_ts`), not the order the rows were committed in.
The log keeps the history the retraining loop may want (flip-flopping agents,
time to feedback), and a retraction never destroys information.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# what was wrong, as an agent picks it in the correction modal
WRONG_PASSAGE, WRONG_SPAN, OUTDATED, NOT_COVERED = (
    "wrong_passage", "wrong_span", "outdated", "not_covered")
CORRECTION_REASONS = (WRONG_PASSAGE, WRONG_SPAN, OUTDATED, NOT_COVERED)


def utcnow() -> datetime:
    """Now in UTC, naive (how every timestamp column of the project database is stored)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class SchemaVersion(Base):
    """The pre-Alembic release's version table, kept as a fence (see the module doc);
    `Records.ping` makes its no-op write here."""

    __tablename__ = "schema_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    applied_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AnswerRow(Base):
    """One answer the bot gave: everything needed to turn it into a training example."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    question: Mapped[str] = mapped_column(Text)
    answered: Mapped[bool] = mapped_column(Boolean)
    reply: Mapped[str] = mapped_column(Text)
    span: Mapped[str | None] = mapped_column(Text, nullable=True)
    span_start: Mapped[int | None] = mapped_column(Integer, nullable=True)
    span_end: Mapped[int | None] = mapped_column(Integer, nullable=True)
    passage_id: Mapped[str | None] = mapped_column(String(512), nullable=True)
    passage_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    passage_label: Mapped[str | None] = mapped_column(Text, nullable=True)
    retrieved_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    confidence: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(255))
    latency_ms: Mapped[float] = mapped_column(Float)  # engine time for this question
    total_ms: Mapped[float | None] = mapped_column(Float, nullable=True)  # request -> posted
    surface: Mapped[str] = mapped_column(String(32))  # command | mention
    delivery: Mapped[str | None] = mapped_column(
        String(32), nullable=True
    )  # channel | response_url
    channel: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    asker: Mapped[str | None] = mapped_column(String(64), nullable=True)

    votes: Mapped[list[VoteRow]] = relationship(
        back_populates="answer", order_by="VoteRow.id", cascade="all, delete-orphan"
    )
    corrections: Mapped[list[CorrectionRow]] = relationship(
        back_populates="answer", order_by="CorrectionRow.id", cascade="all, delete-orphan"
    )


class VoteRow(Base):
    """One vote event: `action` is "add" (reaction added / button clicked) or "remove"."""

    __tablename__ = "votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(SmallInteger)  # +1 or -1
    action: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))  # reaction | button
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # When Slack says it happened: the event's `event_ts` (reactions) or the button's
    # `action_ts`, "1700000000.123456". Schema v3 of the pre-Alembic release.
    event_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)

    answer: Mapped[AnswerRow] = relationship(back_populates="votes")


class CorrectionRow(Base):
    """An agent's suggested right answer (and optionally where it is written)."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    source_hint: Mapped[str | None] = mapped_column(Text, nullable=True)
    # what the agent says was wrong: one of CORRECTION_REASONS, None = not said
    # (schema v2 of the pre-Alembic release)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # a correction no verified answer carries ("not covered"): "active" when a lead wrote
    # it, "pending" otherwise, NULL before revision 0002; trained on only when "active"
    publication: Mapped[str | None] = mapped_column(String(16), nullable=True)

    answer: Mapped[AnswerRow] = relationship(back_populates="corrections")


class VerifiedAnswerRow(Base):
    """A question an agent verified the answer to: served as is to close paraphrases.

    Made from a located correction (`origin` "correction") or from an answer two different
    agents gave 👍 (`origin` "votes"). `source_key` ("correction:<id>" / "votes:<answer id>")
    makes creating one idempotent. `status` is "active" (served), "retired" (its passage
    changed or disappeared, or its votes were withdrawn) or "superseded" (a newer one for
    the same question). `updated_at` moves on every change, so a serving process can tell
    cheaply that it must re-read the table.
    """

    __tablename__ = "verified_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    origin: Mapped[str] = mapped_column(String(16))  # correction | votes
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    correction_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    question: Mapped[str] = mapped_column(Text)
    question_key: Mapped[str] = mapped_column(String(512), index=True)
    passage_id: Mapped[str] = mapped_column(String(512))
    passage_text: Mapped[str] = mapped_column(Text)
    passage_label: Mapped[str | None] = mapped_column(Text, nullable=True)
    span: Mapped[str] = mapped_column(Text)
    span_start: Mapped[int] = mapped_column(Integer)
    span_end: Mapped[int] = mapped_column(Integer)
    verified_by: Mapped[list[str]] = mapped_column(JSON, default=list)  # agents' user ids
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class HandoffRow(Base):
    """One "Ask a team lead": the answer, the asker, and the thread the leads got."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    escalation_channel: Mapped[str] = mapped_column(String(64))
    escalation_ts: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    replied_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    replies: Mapped[int] = mapped_column(Integer, default=0)


def slack_order(event: VoteRow) -> tuple[Decimal, int]:
    """Where a vote event falls in Slack's order: its `event_ts`, else (rows written
    before the column existed, or without a ts) when it was stored; the row id breaks ties."""
    ts: Decimal | None = None
    if event.event_ts:
        try:
            ts = Decimal(event.event_ts)
        except InvalidOperation:
            ts = None
    if ts is None or not ts.is_finite():
        created = event.created_at or utcnow()
        ts = Decimal(str(created.replace(tzinfo=timezone.utc).timestamp()))
    return ts, event.id or 0


def current_votes(events: list[VoteRow]) -> dict[str, int]:
    """Each agent's current vote, replaying the log in Slack's order (`slack_order`).

    An agent's vote is the most recently added value that has not been removed
    since: 👍 then 👎 counts 👎; removing the 👎 again falls back to the 👍 that
    is still on the message; removing both leaves no vote. Two events that reach the
    bot out of order (an add and a remove 2 ms apart, committed the other way round)
    end in the state the agent left.
    """
    active: dict[str, dict[int, int]] = {}  # user -> value -> sequence of its latest add
    for seq, event in enumerate(sorted(events, key=slack_order)):
        values = active.setdefault(event.user_id, {})
        if event.action == "add":
            values[event.value] = seq
        else:
            values.pop(event.value, None)
    return {user: max(values, key=values.__getitem__) for user, values in active.items() if values}
