"""Verified answers and the feedback waiting for review, over the records database.

The `verified_answers` table is the source of truth for what agents verified; every
serving process keeps its own index of it (qa_engine/retrieve/verified_index.py) and
re-reads it when `marker()` changes. Two 👍 from two different agents verify an answer as
soon as the second vote is written (`sync_votes`, called by `Records` in the vote's own
transaction), so no listener has to know about it (the bot checks that both voters are
members of the answer's channel before it writes a vote).

Publication: a correction by someone who may publish (a lead) is stored `active` and
served to everyone at once; anyone else's is stored `pending`: served to its author
only (`author`), until `publish()` (a lead's approval, or a second agent of the answer's
channel confirming it) makes it `active`. Either can be `withdraw()`n in one step.
`verified_by` lists the user ids that vouched for a row, its author first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from qa_engine.records.schema import (
    AnswerRow,
    CorrectionRow,
    VerifiedAnswerRow,
    VoteRow,
    current_votes,
    utcnow,
)

ACTIVE, RETIRED, SUPERSEDED = "active", "retired", "superseded"
PENDING, WITHDRAWN = "pending", "withdrawn"  # waiting for approval | taken back by a person
SERVABLE = (ACTIVE, PENDING)  # what serving processes index (pending: to its author only)
FROM_CORRECTION, FROM_VOTES = "correction", "votes"
VOTES_TO_VERIFY = 2  # 👍 from this many different agents (and no 👎) verify an answer


def question_key(question: str) -> str:
    """Case and spacing aside, two questions with the same key are the same question."""
    return " ".join(question.casefold().split())


@dataclass(frozen=True)
class Verified:
    """One verified answer as a serving process uses it."""

    id: int
    origin: str
    question: str
    passage_id: str
    passage_text: str
    passage_label: str | None
    span: str
    span_start: int
    span_end: int
    verified_by: tuple[str, ...]
    status: str
    status_reason: str | None
    answer_id: int | None = None

    @property
    def author(self) -> str | None:
        """Who made it: the correction's agent (or the first 👍)."""
        return self.verified_by[0] if self.verified_by else None

    @property
    def published(self) -> bool:
        return self.status == ACTIVE

    def served_to(self, asker: str | None) -> bool:
        """Everyone gets an active row; a pending one only its author."""
        return self.status == ACTIVE or (
            self.status == PENDING and asker is not None and asker == self.author)


@dataclass(frozen=True)
class StaleDownvote:
    """An answer with a current 👎 and no correction, the latest 👎 older than the cut-off."""

    answer_id: int
    question: str
    channel: str | None
    message_ts: str | None
    up: int
    down: int
    last_down_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"answer_id": self.answer_id, "question": self.question, "channel": self.channel,
                "ts": self.message_ts, "votes": {"up": self.up, "down": self.down},
                "last_down_at": self.last_down_at.isoformat() + "Z"}


def _verified(row: VerifiedAnswerRow) -> Verified:
    return Verified(row.id, row.origin, row.question, row.passage_id, row.passage_text,
                    row.passage_label, row.span, row.span_start, row.span_end,
                    tuple(row.verified_by or ()), row.status, row.status_reason, row.answer_id)


def _set_status(session: Session, where: Any, status: str, reason: str,
                from_status: tuple[str, ...] = (ACTIVE,)) -> int:
    result = session.execute(
        update(VerifiedAnswerRow).where(VerifiedAnswerRow.status.in_(from_status), where)
        .values(status=status, status_reason=reason, updated_at=utcnow()))
    return int(result.rowcount or 0)


def _supersede(session: Session, question_key: str, by: str, keep_id: int | None = None) -> None:
    where = VerifiedAnswerRow.question_key == question_key
    if keep_id is not None:
        where = where & (VerifiedAnswerRow.id != keep_id)
    _set_status(session, where, SUPERSEDED, f"a newer verified answer ({by}) for the same question")


def _add(session: Session, row: VerifiedAnswerRow) -> int | None:
    """Insert `row` (an active one supersedes active rows for the same question; a pending
    one supersedes nothing until it is published); None if it exists."""
    if session.scalar(select(VerifiedAnswerRow.id).where(
            VerifiedAnswerRow.source_key == row.source_key)) is not None:
        return None
    if row.status in (None, ACTIVE):
        _supersede(session, row.question_key, row.source_key)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another process made the same one meanwhile
        return None
    return row.id


def publication_of(session: Session, correction_ids: list[int]) -> dict[int, str]:
    """Correction id -> the status of the verified answer made from it (corrections never
    located in the knowledge base have none); for the export, so that training leaves out
    what is pending or withdrawn."""
    if not correction_ids:
        return {}
    rows = session.execute(select(VerifiedAnswerRow.correction_id, VerifiedAnswerRow.status)
                           .where(VerifiedAnswerRow.correction_id.in_(correction_ids)))
    return {int(cid): str(status) for cid, status in rows if cid is not None}


def sync_votes(session: Session, answer_id: int) -> None:
    """Verify an answer with 👍 from `VOTES_TO_VERIFY` agents and no 👎; un-verify it when
    that stops being true (a 👍 removed, a 👎 added). Runs inside the vote's transaction."""
    answer = session.get(AnswerRow, answer_id)
    if answer is None:
        return
    events = list(session.scalars(
        select(VoteRow).where(VoteRow.answer_id == answer_id).order_by(VoteRow.id)))
    votes = current_votes(events)
    ups = sorted(u for u, v in votes.items() if v > 0)
    key = f"{FROM_VOTES}:{answer_id}"
    verifiable = (answer.answered and answer.span and answer.passage_id and answer.passage_text
                  and answer.span_start is not None and answer.span_end is not None)
    if verifiable and len(ups) >= VOTES_TO_VERIFY and len(ups) == len(votes):
        existing = session.scalar(
            select(VerifiedAnswerRow).where(VerifiedAnswerRow.source_key == key))
        if existing is None:
            _add(session, VerifiedAnswerRow(
                source_key=key, origin=FROM_VOTES, answer_id=answer_id,
                question=answer.question, question_key=question_key(answer.question),
                passage_id=answer.passage_id, passage_text=answer.passage_text,
                passage_label=answer.passage_label, span=answer.span,
                span_start=answer.span_start, span_end=answer.span_end, verified_by=ups))
        elif existing.status == ACTIVE and list(existing.verified_by or []) != ups:
            existing.verified_by, existing.updated_at = ups, utcnow()
        return
    _set_status(session, VerifiedAnswerRow.source_key == key, RETIRED,
                "its 👍 were withdrawn or an agent gave 👎")


class VerifiedStore:
    """The `verified_answers` table and the review queries (`Records.verified`)."""

    def __init__(self, records: Any) -> None:
        self.records = records

    def _session(self) -> Session:
        return Session(self.records.engine, expire_on_commit=False)

    def add_from_correction(
        self, correction_id: int, *, passage_id: str, passage_text: str,
        passage_label: str | None, span: str, span_start: int, publish: bool = True,
    ) -> int | None:
        """Verify a located correction: its answer's question, the passage and the span.

        `publish`: served to everyone at once (its author may publish: a lead); otherwise
        it is stored `pending`, served to its author only until `publish()`. A published
        one retires the answer's own vote-verified row, if any (an agent said it is wrong).
        Returns the new id, or None if this correction was verified already."""
        if passage_text[span_start:span_start + len(span)] != span:
            raise ValueError("the span is not at its offset in the passage")
        with self._session() as session, session.begin():
            correction = session.get(CorrectionRow, correction_id)
            if correction is None:
                raise LookupError(f"no correction with id {correction_id}")
            answer = correction.answer
            if publish:
                _set_status(session, VerifiedAnswerRow.source_key == f"{FROM_VOTES}:{answer.id}",
                            RETIRED, f"corrected by an agent (correction {correction_id})")
            return _add(session, VerifiedAnswerRow(
                status=ACTIVE if publish else PENDING,
                status_reason=None if publish else "waiting for a lead or a second agent",
                source_key=f"{FROM_CORRECTION}:{correction_id}", origin=FROM_CORRECTION,
                answer_id=answer.id, correction_id=correction_id, question=answer.question,
                question_key=question_key(answer.question), passage_id=passage_id,
                passage_text=passage_text, passage_label=passage_label, span=span,
                span_start=span_start, span_end=span_start + len(span),
                verified_by=[correction.user_id]))

    def correction(self, correction_id: int) -> dict[str, Any] | None:
        """One correction with its answer's question and passages (what locating needs)."""
        with self._session() as session:
            row = session.get(CorrectionRow, correction_id)
            if row is None:
                return None
            answer = row.answer
            return {"id": row.id, "answer_id": answer.id, "user": row.user_id, "text": row.text,
                    "reason": row.reason, "question": answer.question,
                    "passage_id": answer.passage_id, "passage_text": answer.passage_text,
                    "passage_label": answer.passage_label,
                    "retrieved_ids": list(answer.retrieved_ids or []),
                    "channel": answer.channel, "message_ts": answer.message_ts,
                    "thread_ts": answer.thread_ts}

    def marker(self) -> tuple[int, int, str]:
        """Changes whenever a row is added or changes status (one cheap aggregate query)."""
        with self._session() as session:
            count, top, last = session.execute(select(
                func.count(VerifiedAnswerRow.id), func.max(VerifiedAnswerRow.id),
                func.max(VerifiedAnswerRow.updated_at))).one()
        return int(count or 0), int(top or 0), str(last)

    def active(self) -> list[Verified]:
        """The published rows (served to everyone)."""
        return self._with_status((ACTIVE,))

    def pending(self) -> list[Verified]:
        """Corrections waiting for a lead's approval or a second agent, oldest first."""
        return self._with_status((PENDING,))

    def servable(self) -> list[Verified]:
        """What a serving process indexes: published rows and pending ones (for their authors)."""
        return self._with_status(SERVABLE)

    def _with_status(self, statuses: tuple[str, ...]) -> list[Verified]:
        with self._session() as session:
            rows = session.scalars(select(VerifiedAnswerRow).where(
                VerifiedAnswerRow.status.in_(statuses)).order_by(VerifiedAnswerRow.id))
            return [_verified(r) for r in rows]

    def publish(self, verified_id: int, by: str, how: str) -> bool:
        """Serve a pending correction to everyone: `by` approved it (`how`: "a lead" or
        "a second agent of the channel"). It supersedes the question's other published
        rows and retires its answer's vote-verified one. False if it was not pending."""
        with self._session() as session, session.begin():
            row = session.get(VerifiedAnswerRow, verified_id, with_for_update=True)
            if row is None or row.status != PENDING:
                return False
            _supersede(session, row.question_key, row.source_key, keep_id=row.id)
            _set_status(session, VerifiedAnswerRow.source_key == f"{FROM_VOTES}:{row.answer_id}",
                        RETIRED, f"corrected by an agent ({row.source_key})")
            row.status, row.status_reason = ACTIVE, f"approved by {how} ({by})"
            row.verified_by = [*list(row.verified_by or []), by]
            row.updated_at = utcnow()
            return True

    def withdraw(self, verified_id: int, by: str) -> bool:
        """Stop serving a published or pending row at once (kept, with who withdrew it);
        False if it was neither."""
        with self._session() as session, session.begin():
            return _set_status(session, VerifiedAnswerRow.id == verified_id, WITHDRAWN,
                               f"withdrawn by {by}", from_status=SERVABLE) > 0

    def get(self, verified_id: int) -> Verified | None:
        with self._session() as session:
            row = session.get(VerifiedAnswerRow, verified_id)
            return _verified(row) if row else None

    def mark_unverifiable(self, correction_id: int, publish: bool) -> None:
        """Record who may train on a correction no verified answer will carry (one saying
        the knowledge base does not cover the question): ACTIVE when its author may
        publish (a lead), PENDING otherwise (`corrections.publication`)."""
        with self._session() as session, session.begin():
            session.execute(update(CorrectionRow).where(CorrectionRow.id == correction_id)
                            .values(publication=ACTIVE if publish else PENDING))

    def for_correction(self, correction_id: int) -> Verified | None:
        """The verified answer made from correction `correction_id`, if any."""
        with self._session() as session:
            row = session.scalar(select(VerifiedAnswerRow).where(
                VerifiedAnswerRow.source_key == f"{FROM_CORRECTION}:{correction_id}"))
            return _verified(row) if row else None

    def all(self) -> list[Verified]:
        with self._session() as session:
            rows = session.scalars(select(VerifiedAnswerRow).order_by(VerifiedAnswerRow.id))
            return [_verified(r) for r in rows]

    def retire(self, verified_id: int, reason: str) -> bool:
        """Stop serving one verified answer (kept, with the reason); False if not active."""
        with self._session() as session, session.begin():
            return _set_status(session, VerifiedAnswerRow.id == verified_id, RETIRED,
                               reason, from_status=SERVABLE) > 0

    def stale_downvotes(self, older_than: timedelta = timedelta(days=1)) -> list[StaleDownvote]:
        """Answers with a current 👎, no correction, and no 👎 newer than `older_than`."""
        cutoff = utcnow() - older_than
        with self._session() as session:
            rows = session.scalars(
                select(AnswerRow)
                .where(exists().where(VoteRow.answer_id == AnswerRow.id, VoteRow.value < 0),
                       ~exists().where(CorrectionRow.answer_id == AnswerRow.id))
                .order_by(AnswerRow.id).options(selectinload(AnswerRow.votes)))
            stale: list[StaleDownvote] = []
            for row in rows:
                votes = current_votes(list(row.votes))
                down = sum(1 for v in votes.values() if v < 0)
                last = max(v.created_at for v in row.votes if v.value < 0 and v.action == "add")
                if down and last < cutoff:
                    stale.append(StaleDownvote(row.id, row.question, row.channel, row.message_ts,
                                               len(votes) - down, down, last))
            return stale
