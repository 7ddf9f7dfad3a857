"""The bot's part of erasing people's data (`qa_engine.records.erasure`): its own tables
that hold a Slack user id or text a person typed, `rollbacks` and `question_jobs`.

`BOT_TABLES` is given to every `DataGovernance` (`bot.app.build_governance`, the
`stylesprint forget` / `retention apply` commands), so that retention, `forget` and the
workspace purge reach these tables in the same transactions as the answers'.
`processed_events` (idempotency keys) holds no user id and no text; it is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from bot.state.questions import DONE, RUNNING, QuestionJobRow
from bot.state.teamwork import RollbackRow
from qa_engine.records.erasure import ERASED_USER


class BotTables:
    """Retention, `forget` and the purge over `rollbacks` and `question_jobs`."""

    tables = ("rollbacks", "question_jobs")

    def drop_text_before(self, session: Session, cutoff: datetime) -> dict[str, int]:
        """The queue rows admitted before `cutoff` lose their question and message (a
        rollback holds no text)."""
        epoch = cutoff.timestamp() if cutoff.tzinfo else _epoch(cutoff)
        changed = 0
        # a finished row keeps no question or message already (QuestionStore.finish);
        # what is left is a question never finished (admitted, then the bot went away)
        jobs = session.scalars(select(QuestionJobRow).where(
            QuestionJobRow.state != RUNNING, QuestionJobRow.admitted_at < epoch,
            or_(QuestionJobRow.state != DONE, QuestionJobRow.message.is_not(None),
                QuestionJobRow.detail.is_not(None))))
        for job in jobs:
            if job.question or job.message or job.detail:
                job.question, job.message, job.detail = {}, None, None
                changed += 1
        return {"question_jobs": changed}

    def forget_user(self, session: Session, user_id: str) -> dict[str, int]:
        """Their queued questions go; a rollback they made loses their id."""
        rollbacks = _rowcount(session.execute(
            update(RollbackRow).where(RollbackRow.user_id == user_id)
            .values(user_id=ERASED_USER)))
        jobs = _delete_jobs(session, lambda job: (job.question or {}).get("asker") == user_id)
        return {"rollbacks": rollbacks, "question_jobs": jobs}

    def purge_all(self, session: Session) -> dict[str, int]:
        """Every row goes, but a question a worker is answering right now."""
        jobs = _delete_jobs(session, lambda job: True)
        return {"question_jobs": jobs,
                "rollbacks": _rowcount(session.execute(delete(RollbackRow)))}


#: the bot's erasure part, for `DataGovernance(..., parts=BOT_TABLES)`
BOT_TABLES = (BotTables(),)


def _delete_jobs(session: Session, matches: Callable[[QuestionJobRow], bool]) -> int:
    """Delete the queue rows `matches(row)` picks that no worker is answering right now."""
    ids = [job.id for job in session.scalars(
        select(QuestionJobRow).where(QuestionJobRow.state != RUNNING)) if matches(job)]
    removed = 0
    for chunk in _chunks(ids, 500):
        removed += _rowcount(session.execute(
            delete(QuestionJobRow).where(QuestionJobRow.id.in_(chunk))))
    return removed


def _chunks(ids: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _epoch(naive_utc: datetime) -> float:
    return naive_utc.replace(tzinfo=timezone.utc).timestamp()
