"""`Records`: the one API over the feedback database (answers, votes, corrections).

The bot writes through it; `stylesprint feedback export` and the retraining loop
read through it. SQLite under the data directory by default, PostgreSQL (or any
SQLAlchemy URL) via `DATABASE_URL`. `__init__` is cheap; `warm_up()` connects and
checks the schema (`qa_engine.records.migrate`: the embedded SQLite is upgraded there,
any other database must have been upgraded with `stylesprint db upgrade`).

The calls the bot makes while serving (answers, votes, corrections, `ping`, and the
bot's idempotency keys through `guarded`) run under a `DeadlineGuard` (qa_engine/deadline.py):
a database that hangs makes them fail with DatabaseNotAnswering within
`DbTimeouts.deadline_s`, not block.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, event, false, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from qa_engine.db import (
    TRANSIENT_ERRORS,
    DatabaseNotAnswering,
    DbTimeouts,
    make_engine,
)
from qa_engine.deadline import DeadlineGuard
from qa_engine.records.migrate import SchemaMismatch, ensure_schema, schema_state
from qa_engine.records.rows import DOWN, UP, AnswerRef, answer_ref, export_row, tally
from qa_engine.records.schema import (
    CORRECTION_REASONS,
    AnswerRow,
    CorrectionRow,
    SchemaVersion,
    VoteRow,
    current_votes,
)
from qa_engine.records.verified import VerifiedStore, publication_of, sync_votes
from qa_engine.types import Answer
from qa_engine.write_failures import WriteFailures

logger = logging.getLogger(__name__)

__all__ = ["DOWN", "UP", "AnswerRef", "Records", "SchemaMismatch", "UnknownAnswer"]


class UnknownAnswer(LookupError):
    """A vote or correction names an answer that is not in the records."""


class Records:
    """Answers, votes and corrections in one SQL database.

    Args:
        url: a SQLAlchemy URL (`settings.resolved_database_url`).
        schema: optional database schema (PostgreSQL) to keep the tables in, e.g.
            a per-run schema for tests; the default is the connection's own.
        timeouts: connection and statement timeouts (`DbTimeouts.from_settings`); their
            `deadline_s` bounds every serving call.
        auto_upgrade: bring an older schema to this code's head on first use; default
            (None): only the embedded SQLite does, any other database refuses one not at
            the head (`stylesprint db upgrade` is its deploy step).
    """

    def __init__(self, url: str, *, schema: str | None = None,
                 timeouts: DbTimeouts | None = None,
                 auto_upgrade: bool | None = None) -> None:
        self.url = url
        self.schema = schema
        self.auto_upgrade = auto_upgrade
        self.timeouts = timeouts or DbTimeouts()
        self.guard = DeadlineGuard(self.timeouts.deadline_s)
        #: the last write refused for storage (a full disk), until a write lands
        self.write_failures = WriteFailures()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------
    def warm_up(self) -> None:
        """Connect and check (SQLite: upgrade) the schema (idempotent, thread-safe)."""
        if self._sessions is not None:
            return
        with self._lock:
            if self._sessions is not None:
                return
            engine = make_engine(self.url, self.timeouts)
            self._watch(engine)
            if self.schema:
                engine = engine.execution_options(schema_translate_map={None: self.schema})
            ensure_schema(engine, self.schema, auto_upgrade=self.auto_upgrade)
            self._engine = engine
            self._sessions = sessionmaker(engine, expire_on_commit=False)

    def close(self) -> None:
        self.guard.close()
        if self._engine is not None:
            self._engine.dispose()
        self._engine, self._sessions = None, None

    def _watch(self, engine: Engine) -> None:
        """Let the guard abort a call past its deadline and refuse its late commit."""
        guard = self.guard
        guard.watch(engine)
        self.write_failures.watch(engine)

        def refuse_abandoned_commit(_conn: Connection) -> None:
            if guard.abandoned_here():
                raise DatabaseNotAnswering("a write given up on (deadline passed) not committed")

        event.listen(engine, "commit", refuse_abandoned_commit)

    def guarded(self, call: Callable[[], Any], *, writes: bool = True,
                deadline_s: float | None = None) -> Any:
        """`call()` under the records' `DeadlineGuard` (for the tables of the packages
        above: the bot's idempotency keys)."""
        return self.guard.call(call, transient=TRANSIENT_ERRORS, proves_health=writes,
                               deadline_s=deadline_s)

    def ping(self) -> None:
        """Can the bot write? One write statement that changes nothing (an UPDATE of no
        rows takes SQLite's write lock, and fails on a read-only PostgreSQL), within the
        deadline; raises when the database cannot take writes now."""

        def write_nothing() -> None:
            with self._session() as session, session.begin():
                session.execute(update(SchemaVersion).where(false()).values(
                    version=SchemaVersion.version))

        self.guarded(write_nothing)

    @property
    def engine(self) -> Engine:
        self.warm_up()
        assert self._engine is not None
        return self._engine

    def schema_version(self) -> str | None:
        """The database's schema revision (`migrate.head_revision()` once warmed up)."""
        with self.engine.connect() as conn:
            return schema_state(conn, self.schema).current

    def _session(self) -> Session:
        self.warm_up()
        assert self._sessions is not None
        return self._sessions()

    # --- answers -----------------------------------------------------------------------
    def log_answer(
        self,
        answer: Answer,
        *,
        surface: str,
        channel: str | None = None,
        asker: str | None = None,
        thread_ts: str | None = None,
        message_ts: str | None = None,
    ) -> int:
        """Store one answer as given (before it is posted) and return its id."""
        return int(self.guarded(lambda: self._log_answer(
            answer, surface=surface, channel=channel, asker=asker, thread_ts=thread_ts,
            message_ts=message_ts)))

    def _log_answer(self, answer: Answer, *, surface: str, channel: str | None,
                    asker: str | None, thread_ts: str | None, message_ts: str | None) -> int:
        passage = answer.passage
        row = AnswerRow(
            question=answer.question,
            answered=answer.answered,
            reply=answer.answer,
            span=answer.span,
            span_start=answer.span_start,
            span_end=answer.span_end,
            passage_id=passage.id if passage else None,
            passage_text=passage.text if passage else None,
            passage_label=passage.label if passage else None,
            retrieved_ids=[r.passage.id for r in answer.retrieved]
            or [s.id for s in answer.sources],
            sources=[
                {"id": s.id, "title": s.title, "source": s.source, "score": s.score}
                for s in answer.sources
            ],
            confidence=float(answer.confidence),
            model_version=answer.model_version,
            latency_ms=float(answer.latency_ms),
            surface=surface,
            channel=channel,
            thread_ts=thread_ts,
            message_ts=message_ts,
            asker=asker,
        )
        with self._session() as session, session.begin():
            session.add(row)
        return row.id

    def mark_delivered(
        self,
        answer_id: int,
        *,
        delivery: str,
        message_ts: str | None = None,
        total_ms: float | None = None,
    ) -> None:
        """Record where the answer ended up (channel message or response_url)."""

        def update() -> None:
            with self._session() as session, session.begin():
                row = session.get(AnswerRow, answer_id)
                if row is None:
                    raise UnknownAnswer(f"no answer with id {answer_id}")
                row.delivery = delivery
                row.message_ts = message_ts
                row.total_ms = total_ms

        self.guarded(update)

    def find_by_message(self, channel: str, message_ts: str) -> AnswerRef | None:
        """The answer the bot posted as message `message_ts` in `channel`, if any."""

        def find() -> AnswerRef | None:
            with self._session() as session:
                row = session.scalar(
                    select(AnswerRow)
                    .where(AnswerRow.channel == channel, AnswerRow.message_ts == message_ts)
                    .order_by(AnswerRow.id.desc())
                    .limit(1)
                )
                return answer_ref(row) if row else None

        return self.guarded(find, writes=False)

    def get(self, answer_id: int) -> AnswerRef | None:
        def find() -> AnswerRef | None:
            with self._session() as session:
                row = session.get(AnswerRow, answer_id)
                return answer_ref(row) if row else None

        return self.guarded(find, writes=False)

    # --- votes -------------------------------------------------------------------------
    def record_vote(self, answer_id: int, user_id: str, value: int, *, source: str,
                    event_ts: str | None = None) -> None:
        """An agent voted `value` (+1/-1) at Slack time `event_ts`; their latest vote
        (by `event_ts`, schema.current_votes) is the one that counts."""
        self._vote(answer_id, user_id, value, "add", source, event_ts)

    def retract_vote(self, answer_id: int, user_id: str, value: int,
                     event_ts: str | None = None) -> None:
        """An agent removed their `value` reaction (at Slack time `event_ts`)."""
        self._vote(answer_id, user_id, value, "remove", "reaction", event_ts)

    def _vote(self, answer_id: int, user_id: str, value: int, action: str, source: str,
              event_ts: str | None) -> None:
        if value not in (UP, DOWN):
            raise ValueError(f"a vote is +1 or -1, not {value!r}")

        def add() -> None:
            with self._session() as session, session.begin():
                if session.get(AnswerRow, answer_id) is None:
                    raise UnknownAnswer(f"no answer with id {answer_id}")
                session.add(VoteRow(answer_id=answer_id, user_id=user_id, value=value,
                                    action=action, source=source, event_ts=event_ts))
                session.flush()
                sync_votes(session, answer_id)  # two agents' 👍 verify the answer

        self.guarded(add)

    def votes(self, answer_id: int) -> dict[str, int]:
        """Current tally `{"up": n, "down": m}` of one answer."""
        with self._session() as session:
            events = list(
                session.scalars(
                    select(VoteRow).where(VoteRow.answer_id == answer_id).order_by(VoteRow.id)
                )
            )
        return tally(current_votes(events))

    def user_vote(self, answer_id: int, user_id: str) -> int | None:
        with self._session() as session:
            events = list(
                session.scalars(
                    select(VoteRow)
                    .where(VoteRow.answer_id == answer_id, VoteRow.user_id == user_id)
                    .order_by(VoteRow.id)
                )
            )
        return current_votes(events).get(user_id)

    # --- corrections -------------------------------------------------------------------
    def add_correction(
        self, answer_id: int, user_id: str, text: str, source_hint: str | None = None,
        reason: str | None = None,
    ) -> int:
        """Store an agent's suggested right answer; returns the correction id.

        `reason` is what the agent says was wrong (`CORRECTION_REASONS`), or None.
        """
        text = text.strip()
        if not text:
            raise ValueError("a correction needs the right answer")
        if reason is not None and reason not in CORRECTION_REASONS:
            raise ValueError(f"unknown correction reason {reason!r}; one of "
                             + ", ".join(CORRECTION_REASONS))

        def add() -> int:
            with self._session() as session, session.begin():
                if session.get(AnswerRow, answer_id) is None:
                    raise UnknownAnswer(f"no answer with id {answer_id}")
                row = CorrectionRow(answer_id=answer_id, user_id=user_id, text=text,
                                    source_hint=(source_hint or "").strip() or None,
                                    reason=reason)
                session.add(row)
            return row.id

        return int(self.guarded(add))

    @property
    def verified(self) -> VerifiedStore:
        """Verified answers and the review queries (qa_engine/records/verified.py)."""
        return VerifiedStore(self)

    # --- export ------------------------------------------------------------------------
    def export(self, *, batch_size: int = 500) -> Iterator[dict[str, Any]]:
        """Every answer with its current votes and corrections, oldest first.

        The first ten keys are the `feedback export --json` contract; the rest
        (`answered`, passage and span offsets, ...) are what retraining needs.
        """
        last_id = 0
        while True:
            with self._session() as session:
                rows = list(
                    session.scalars(
                        select(AnswerRow)
                        .where(AnswerRow.id > last_id)
                        .order_by(AnswerRow.id)
                        .limit(batch_size)
                        .options(selectinload(AnswerRow.votes), selectinload(AnswerRow.corrections))
                    )
                )
                if not rows:
                    return
                states = publication_of(session, [c.id for r in rows for c in r.corrections])
                for row in rows:
                    yield export_row(row, states)
                last_id = rows[-1].id
