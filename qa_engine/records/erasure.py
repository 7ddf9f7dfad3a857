"""Erasing people's data from the project database: retention, `forget`, workspace purge.

Three operations over the tables that hold a Slack user id or text a person typed
(`answers`, `votes`, `corrections`, `verified_answers`, `handoffs`, `rollbacks`,
`question_jobs`); each returns a count per table of the rows it changed or removed,
and each is idempotent (a second run counts 0 everywhere).

- `drop_text_before(cutoff)`: retention. Rows stay (they are the counts the App Home,
  `gaps` and the retrain log report); the text in them goes: an answer's question,
  reply, span and passage, a correction's text, a finished queue row's question and
  message, and the question and passage of a verified answer that is no longer served.
  A served (active) verified answer keeps its text: it is what the bot answers with.
- `forget_user(user_id)`: one person. Their votes, corrections, hand-off requests and
  queued questions are deleted; the answers they asked keep their row (other agents'
  votes hang on it) with the asker and every text dropped; the verified answers they
  verified or asked are withdrawn (retired) and lose their id (and their question, if
  it was theirs); a hand-off they replied to and a rollback they made lose their id.
- `purge_all()`: the workspace uninstalled the app: every row of those tables goes.

`processed_events` (idempotency keys: event ids, trigger ids, view ids) and the retrain
log (`retrain_runs`, counts and host names) hold no user id and no text; they are kept.
Files under the data directory are `qa_engine/governance.py`'s part.

The tables of this package are erased here; a package above erases its own tables with
an `ErasurePart` given to `Erasure` (the bot's `rollbacks` and `question_jobs`:
`bot.state.erasure.BOT_TABLES`), in the same transaction as these.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.orm import Session

from qa_engine.records.schema import (
    AnswerRow,
    CorrectionRow,
    HandoffRow,
    VerifiedAnswerRow,
    VoteRow,
    utcnow,
)
from qa_engine.records.verified import ACTIVE, RETIRED, sync_votes

#: this package's tables a count can name, in the order they are printed (the parts'
#: tables follow)
TABLES = ("answers", "votes", "corrections", "verified_answers", "handoffs")
BATCH = 500  # rows per transaction when dropping text
ERASED_USER = ""  # what a non-nullable user id column holds once its person is forgotten

# an answer without its text (retention, or its asker forgotten)
_ANSWER_TEXT_DROPPED: dict[str, Any] = {
    "question": "", "reply": "", "span": None, "span_start": None, "span_end": None,
    "passage_text": None,
}


class ErasurePart(Protocol):
    """The erasures of a package's own tables, each in the caller's transaction; each
    returns a count per table it names in `tables`."""

    tables: tuple[str, ...]

    def drop_text_before(self, session: Session, cutoff: datetime) -> dict[str, int]: ...

    def forget_user(self, session: Session, user_id: str) -> dict[str, int]: ...

    def purge_all(self, session: Session) -> dict[str, int]: ...


def all_tables(parts: Sequence[ErasurePart] = ()) -> tuple[str, ...]:
    """The tables a count names, this package's then the parts', in printing order."""
    return TABLES + tuple(name for part in parts for name in part.tables)


class Erasure:
    """The three erasures over `engine` (`Records.engine`: the records' database) and,
    in the same transactions, over the `parts`' tables."""

    def __init__(self, engine: Engine, parts: Sequence[ErasurePart] = ()) -> None:
        self.engine = engine
        self.parts = tuple(parts)

    def _counts(self) -> dict[str, int]:
        return dict.fromkeys(all_tables(self.parts), 0)

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # --- which answers a person's data is in ----------------------------------------------
    def answers_of(self, user_id: str) -> set[int]:
        """Ids of the answers `user_id` asked, voted on or corrected: every training
        example made from one of them carries something of theirs."""
        with self._session() as session:
            asked = session.scalars(select(AnswerRow.id).where(AnswerRow.asker == user_id))
            voted = session.scalars(select(VoteRow.answer_id).where(VoteRow.user_id == user_id))
            corrected = session.scalars(
                select(CorrectionRow.answer_id).where(CorrectionRow.user_id == user_id))
            return {int(i) for ids in (asked, voted, corrected) for i in ids}

    # --- retention -------------------------------------------------------------------------
    def drop_text_before(self, cutoff: datetime) -> dict[str, int]:
        """Drop the text of every row written before `cutoff` (naive UTC); rows are kept.

        In transactions of `BATCH` rows: on SQLite a long first run would otherwise hold
        the write lock the serving bot needs for its answers and votes."""
        counts = self._counts()
        counts["answers"] = self._in_batches(
            AnswerRow, (AnswerRow.created_at < cutoff, _has_text()), _ANSWER_TEXT_DROPPED)
        counts["corrections"] = self._in_batches(
            CorrectionRow, (CorrectionRow.created_at < cutoff,
                            or_(CorrectionRow.text != "", CorrectionRow.source_hint.is_not(None))),
            {"text": "", "source_hint": None})
        counts["verified_answers"] = self._in_batches(
            VerifiedAnswerRow, (VerifiedAnswerRow.status != ACTIVE,
                                VerifiedAnswerRow.updated_at < cutoff,
                                or_(VerifiedAnswerRow.question != "",
                                    VerifiedAnswerRow.passage_text != "")),
            {"question": "", "question_key": "", "passage_text": "", "span": ""})
        for part in self.parts:
            with self._session() as session, session.begin():
                counts.update(part.drop_text_before(session, cutoff))
        return counts

    def _in_batches(self, table: Any, where: tuple[Any, ...], values: dict[str, Any]) -> int:
        changed = 0
        while True:
            with self._session() as session, session.begin():
                ids = list(session.scalars(select(table.id).where(*where).order_by(table.id)
                                           .limit(BATCH)))
                if not ids:
                    return changed
                changed += _rowcount(session.execute(
                    update(table).where(table.id.in_(ids)).values(**values)))

    # --- one person ------------------------------------------------------------------------
    def forget_user(self, user_id: str) -> dict[str, int]:
        """Remove `user_id` and what they typed from every table (see the module doc)."""
        if not user_id:
            raise ValueError("a user id is needed")
        counts = self._counts()
        with self._session() as session, session.begin():
            asked = set(session.scalars(select(AnswerRow.id).where(AnswerRow.asker == user_id)))
            counts["answers"] = _rowcount(session.execute(
                update(AnswerRow).where(AnswerRow.asker == user_id)
                .values(asker=None, **_ANSWER_TEXT_DROPPED)))
            voted = set(session.scalars(
                select(VoteRow.answer_id).where(VoteRow.user_id == user_id)))
            counts["votes"] = _rowcount(session.execute(
                delete(VoteRow).where(VoteRow.user_id == user_id)))
            counts["corrections"] = _rowcount(session.execute(
                delete(CorrectionRow).where(CorrectionRow.user_id == user_id)))
            counts["verified_answers"] = _forget_in_verified(session, user_id, asked)
            session.flush()
            for answer_id in sorted(voted):  # two 👍 left? no longer a verified answer
                sync_votes(session, answer_id)
            counts["handoffs"] = _rowcount(session.execute(
                delete(HandoffRow).where(HandoffRow.requested_by == user_id)))
            counts["handoffs"] += _rowcount(session.execute(
                update(HandoffRow).where(HandoffRow.replied_by == user_id)
                .values(replied_by=None)))
            for part in self.parts:
                counts.update(part.forget_user(session, user_id))
        return counts

    # --- the whole workspace -----------------------------------------------------------------
    def purge_all(self) -> dict[str, int]:
        """Delete every row that holds a user id or text (the app was uninstalled).

        A question a worker is answering right now is left to finish (it is deleted by
        the next purge or retention run)."""
        counts = self._counts()
        with self._session() as session, session.begin():
            for part in self.parts:  # first: their rows may hang on an answer
                counts.update(part.purge_all(session))
            for name, table in (("handoffs", HandoffRow), ("verified_answers", VerifiedAnswerRow),
                                ("corrections", CorrectionRow), ("votes", VoteRow),
                                ("answers", AnswerRow)):
                counts[name] = _rowcount(session.execute(delete(table)))
        return counts


def _has_text() -> Any:
    return or_(AnswerRow.question != "", AnswerRow.reply != "", AnswerRow.span.is_not(None),
               AnswerRow.passage_text.is_not(None))


def _forget_in_verified(session: Session, user_id: str, asked: set[int]) -> int:
    """Withdraw the verified answers `user_id` verified or asked, and take them out."""
    changed = 0
    # `verified_by` is a JSON list, which SQLite and PostgreSQL query differently: the
    # table is small (one row per verified question), so it is filtered here
    for row in session.scalars(select(VerifiedAnswerRow)):
        verifiers = list(row.verified_by or [])
        theirs = row.answer_id in asked
        if user_id not in verifiers and not theirs:
            continue
        row.verified_by = [u for u in verifiers if u != user_id]
        if theirs:
            row.question, row.question_key = "", ""
        if row.status == ACTIVE:
            row.status = RETIRED
            row.status_reason = "withdrawn: a person who verified or asked it was forgotten"
        row.updated_at = utcnow()
        changed += 1
    return changed


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)

