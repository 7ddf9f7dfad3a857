"""The durable question queue: one row per question admitted, in the project database.

Why a table here and not a task-queue library: huey, the obvious candidate with
both an embedded (SQLite) and a shared (Redis) backend, removes a task from its
queue before running it and never acknowledges it, so a `kill -9` mid-answer loses
the question (its maintainer's word, coleifer/huey#571, #844); procrastinate and
pgqueuer are PostgreSQL only. The records database is already SQLite on the default
install and PostgreSQL for replicas, and PostgreSQL's `SELECT ... FOR UPDATE SKIP
LOCKED` is the documented way to share one work table among many consumers, so the
queue is that: a claim is a lease (`lease_owner`, `lease_until`) that its worker
renews; a lease that runs out (the replica died) makes the question claimable again
by any replica. On SQLite (one process) the claim's guarded UPDATE is what keeps two
workers off the same row. The reasoning is in docs/operations.md ("Deployment").

A question moves through stages: `answer` (engine not run yet) → `deliver` (answer
logged, message rendered and stored here) → `posting` (chat.postMessage was called:
the outcome must be looked up before posting again) → done. A crash at any stage
leaves the row for the next claim, which resumes at that stage.

Given the records' `DeadlineGuard` (the bot passes `Records.guard`), every operation
runs under it: a database that hangs makes each fail with DatabaseNotAnswering within
the deadline instead of holding the dispatcher or a worker (the question stays leased
in the table; its lease runs out and it resumes at its stage once the database answers).
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import JSON, Float, Integer, String, Text, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from qa_engine.db import TRANSIENT_ERRORS
from qa_engine.deadline import DeadlineGuard
from qa_engine.records.schema import Base

QUEUED, RUNNING, DONE = "queued", "running", "done"
ANSWER, DELIVER, POSTING = "answer", "deliver", "posting"
RECENT_S = 60.0  # finished questions in this window give the queue's throughput


class QuestionJobRow(Base):
    """One admitted question until it is answered or its asker told (then `done`)."""

    __tablename__ = "question_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # client-side delivery key
    state: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    stage: Mapped[str] = mapped_column(String(16), default=ANSWER)
    admitted_at: Mapped[float] = mapped_column(Float)  # epoch seconds
    not_before: Mapped[float] = mapped_column(Float, default=0.0)  # Retry-After, pacing
    lease_owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    question: Mapped[dict[str, Any]] = mapped_column(JSON)  # text, asker, channel, ...
    answer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    posted_at: Mapped[float | None] = mapped_column(Float, nullable=True)  # last post attempt
    posts: Mapped[int] = mapped_column(Integer, default=0)  # chat.postMessage attempts
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    finished_at: Mapped[float | None] = mapped_column(Float, nullable=True, index=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


@dataclass(frozen=True)
class Job:
    """A claimed question, as its worker sees it."""

    id: int
    key: str
    stage: str
    admitted_at: float
    attempts: int
    question: dict[str, Any]
    answer_id: int | None
    message: dict[str, Any] | None
    posted_at: float | None
    posts: int = 0


F = TypeVar("F", bound=Callable[..., Any])


def _bounded(*, writes: bool) -> Callable[[F], F]:
    """Run the method under the store's guard, if it has one. `writes`: the call proves
    the database takes writes again (a claim may find nothing and write nothing; reads
    are served by a locked SQLite file), see `DeadlineGuard.call`; such a method must
    reach the database every time (a shortcut that returns before it would end the
    guard's "not answering" state in the middle of an outage)."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def bounded(self: QuestionStore, *args: Any, **kwargs: Any) -> Any:
            if self.guard is None:
                return method(self, *args, **kwargs)
            return self.guard.call(lambda: method(self, *args, **kwargs),
                                   transient=TRANSIENT_ERRORS, proves_health=writes)

        return bounded  # type: ignore[return-value]

    return wrap


def _job(row: Any) -> Job:
    return Job(id=row.id, key=row.key, stage=row.stage, admitted_at=row.admitted_at,
               attempts=row.attempts, question=dict(row.question), answer_id=row.answer_id,
               message=dict(row.message) if row.message else None, posted_at=row.posted_at,
               posts=row.posts or 0)


class QuestionStore:
    """The queue's operations over `engine` (`Records.engine`: same database, same schema).

    Every method is one short transaction; none waits for another replica. With a
    `guard` (`Records.guard`), none waits longer than its deadline either.
    """

    table = QuestionJobRow.__table__

    def __init__(self, engine: Any, guard: DeadlineGuard | None = None) -> None:
        self.engine = engine
        self.guard = guard

    # --- admission ---------------------------------------------------------------------
    @_bounded(writes=False)
    def waiting(self) -> int:
        """Questions admitted and not finished (queued, deferred or being answered)."""
        t = self.table
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(t)
                                   .where(t.c.state != DONE)) or 0)

    @_bounded(writes=False)
    def finished_recently(self, window_s: float = RECENT_S) -> tuple[int, float]:
        """Questions finished in the last `window_s` and the seconds they were finished
        over (from the first of them to now): the queue's pace, all replicas together."""
        t = self.table
        now = time.time()
        with self.engine.connect() as conn:
            n, first = conn.execute(select(func.count(), func.min(t.c.finished_at)).where(
                t.c.state == DONE, t.c.finished_at >= now - window_s)).one()
        return int(n or 0), (now - first) if first is not None else 0.0

    @_bounded(writes=True)
    def add(self, question: dict[str, Any]) -> Job:
        """Store one question (committed when this returns) and return it."""
        values = {"key": uuid.uuid4().hex, "state": QUEUED, "stage": ANSWER,
                  "admitted_at": time.time(), "not_before": 0.0, "attempts": 0, "posts": 0,
                  "question": question}
        with self.engine.begin() as conn:
            job_id = conn.execute(self.table.insert().values(**values)).inserted_primary_key[0]
        return Job(id=int(job_id), key=values["key"], stage=ANSWER,
                   admitted_at=values["admitted_at"], attempts=0, question=question,
                   answer_id=None, message=None, posted_at=None)

    # --- claiming ----------------------------------------------------------------------
    def _claimable(self, now: float) -> Any:
        t = self.table
        return or_(
            (t.c.state == QUEUED) & (t.c.not_before <= now),
            (t.c.state == RUNNING) & (t.c.lease_until < now),  # its worker died
        )

    @_bounded(writes=False)
    def claim(self, owner: str, lease_s: float) -> Job | None:
        """Lease the oldest claimable question to `owner`, or None when there is none.

        PostgreSQL skips rows other replicas are claiming (SKIP LOCKED); the guarded
        UPDATE makes the claim safe on SQLite too (it renders no FOR UPDATE).
        """
        t = self.table
        for _ in range(5):  # a lost race with another worker: look again
            now = time.time()
            with self.engine.begin() as conn:
                query = (select(t.c.id).where(self._claimable(now)).order_by(t.c.id).limit(1)
                         .with_for_update(skip_locked=True))
                found = conn.execute(query).first()
                if found is None:
                    return None
                done = conn.execute(update(t).where(t.c.id == found.id, self._claimable(now))
                                    .values(state=RUNNING, lease_owner=owner,
                                            lease_until=now + lease_s,
                                            attempts=t.c.attempts + 1))
                if done.rowcount == 1:
                    return _job(conn.execute(select(t).where(t.c.id == found.id)).one())
        return None

    def renew(self, owner: str, job_ids: list[int], lease_s: float) -> None:
        if job_ids:  # nothing held: no call (one that reaches no database proves nothing)
            self._renew(owner, job_ids, lease_s)

    @_bounded(writes=True)
    def _renew(self, owner: str, job_ids: list[int], lease_s: float) -> None:
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id.in_(job_ids), t.c.lease_owner == owner,
                                         t.c.state == RUNNING)
                         .values(lease_until=time.time() + lease_s))

    @_bounded(writes=True)
    def keep(self, job_id: int, owner: str, lease_s: float) -> bool:
        """Renew one lease; False when `owner` no longer holds the question."""
        t = self.table
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(t.c.id == job_id, t.c.lease_owner == owner,
                                                  t.c.state == RUNNING)
                                  .values(lease_until=time.time() + lease_s))
        return result.rowcount == 1

    def release_dead(self, owners: list[str]) -> int:
        """Make questions leased to owners known dead claimable now (not after the lease)."""
        return self._release_dead(owners) if owners else 0

    @_bounded(writes=True)
    def _release_dead(self, owners: list[str]) -> int:
        t = self.table
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(t.c.state == RUNNING,
                                                  t.c.lease_owner.in_(owners))
                                  .values(state=QUEUED, lease_owner=None, lease_until=None))
        return int(result.rowcount or 0)

    @_bounded(writes=False)
    def running_owners(self) -> list[str]:
        t = self.table
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(t.c.lease_owner).distinct()
                                               .where(t.c.state == RUNNING))]

    # --- progress ----------------------------------------------------------------------
    @_bounded(writes=True)
    def _set(self, job_id: int, owner: str, **values: Any) -> bool:
        """Update a question this owner still holds; False when its lease was lost."""
        t = self.table
        with self.engine.begin() as conn:
            result = conn.execute(update(t).where(t.c.id == job_id, t.c.lease_owner == owner,
                                                  t.c.state == RUNNING).values(**values))
        return result.rowcount == 1

    def answered(self, job_id: int, owner: str, answer_id: int,
                 message: dict[str, Any]) -> bool:
        """The answer is logged and rendered: the next step is delivering `message`."""
        return self._set(job_id, owner, stage=DELIVER, answer_id=answer_id, message=message)

    def posting(self, job_id: int, owner: str) -> bool:
        """About to call chat.postMessage: from now on, look before posting again."""
        return self._set(job_id, owner, stage=POSTING, posted_at=time.time(),
                         posts=self.table.c.posts + 1)

    def defer(self, job_id: int, owner: str, until: float, *, stage: str | None = None) -> bool:
        """Give the question back to the queue, claimable from `until` (epoch seconds)."""
        values: dict[str, Any] = {"state": QUEUED, "lease_owner": None, "lease_until": None,
                                  "not_before": until}
        if stage is not None:
            values["stage"] = stage
        return self._set(job_id, owner, **values)

    def unclaim(self, job_id: int, owner: str) -> bool:
        """Give a question back untouched (no worker was free after all): not an attempt."""
        return self._set(job_id, owner, state=QUEUED, lease_owner=None, lease_until=None,
                         attempts=self.table.c.attempts - 1)

    def finish(self, job_id: int, owner: str, outcome: str, detail: str | None = None) -> bool:
        """Done: answered or told. The stored question text and response_url are dropped."""
        return self._set(job_id, owner, state=DONE, outcome=outcome, detail=detail,
                         finished_at=time.time(), lease_owner=None, lease_until=None,
                         question={}, message=None)

    # --- inspection --------------------------------------------------------------------
    @_bounded(writes=False)
    def outcomes(self) -> dict[str, int]:
        """How many questions ended each way (`channel`, `response_url`, `told`, ...)."""
        t = self.table
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.c.outcome, func.count()).where(t.c.state == DONE)
                                .group_by(t.c.outcome))
            return {str(outcome): int(n) for outcome, n in rows}

    @_bounded(writes=False)
    def get(self, job_id: int) -> dict[str, Any] | None:
        t = self.table
        with self.engine.connect() as conn:
            row = conn.execute(select(t).where(t.c.id == job_id)).first()
        return dict(row._mapping) if row is not None else None
