"""Read-only figures for the App Home: an agent's recent questions, a period's totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from qa_engine.records.schema import AnswerRow, CorrectionRow, HandoffRow, VoteRow, current_votes
from qa_engine.records.store import DOWN, UP, Records


@dataclass(frozen=True)
class RecentQuestion:
    answer_id: int
    question: str
    answered: bool
    reply: str
    created_at: datetime
    vote: int | None  # the agent's own current vote on it


@dataclass(frozen=True)
class PeriodStats:
    questions: int
    answered: int
    up: int  # current 👍 votes on the period's answers (one per agent and answer)
    down: int
    corrections: int
    handoffs: int

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    @property
    def up_share(self) -> float | None:
        """👍 among the votes cast (current votes: a retracted one does not count)."""
        votes = self.up + self.down
        return self.up / votes if votes else None


def recent_questions(records: Records, user: str, limit: int) -> tuple[list[RecentQuestion], int]:
    """The agent's latest `limit` questions, newest first, and how many they asked in all."""
    with Session(records.engine) as session:
        total = int(session.scalar(select(func.count(AnswerRow.id))
                                   .where(AnswerRow.asker == user)) or 0)
        rows = session.scalars(
            select(AnswerRow).where(AnswerRow.asker == user).order_by(AnswerRow.id.desc())
            .limit(limit).options(selectinload(AnswerRow.votes)))
        recent = [RecentQuestion(r.id, r.question, r.answered, r.reply, r.created_at,
                                 current_votes([v for v in r.votes if v.user_id == user])
                                 .get(user)) for r in rows]
    return recent, total


def period_stats(records: Records, start: datetime, end: datetime) -> PeriodStats:
    """Totals of the answers given in [start, end) and of their votes and corrections."""
    in_period = (AnswerRow.created_at >= start) & (AnswerRow.created_at < end)
    with Session(records.engine) as session:
        questions = int(session.scalar(select(func.count(AnswerRow.id)).where(in_period)) or 0)
        answered = int(session.scalar(select(func.count(AnswerRow.id))
                                      .where(in_period, AnswerRow.answered.is_(True))) or 0)
        events = session.scalars(select(VoteRow).join(AnswerRow).where(in_period)
                                 .order_by(VoteRow.answer_id, VoteRow.id))
        by_answer: dict[int, list[VoteRow]] = {}
        for event in events:
            by_answer.setdefault(event.answer_id, []).append(event)
        values = [v for log in by_answer.values() for v in current_votes(log).values()]
        corrections = int(session.scalar(select(func.count(CorrectionRow.id)).join(AnswerRow)
                                         .where(in_period)) or 0)
        handoffs = int(session.scalar(select(func.count(HandoffRow.id))
                                      .where(HandoffRow.created_at >= start,
                                             HandoffRow.created_at < end)) or 0)
    return PeriodStats(questions, answered, values.count(UP), values.count(DOWN), corrections,
                       handoffs)
