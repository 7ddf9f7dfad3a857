"""`app_uninstalled` / `tokens_revoked` listeners called directly with a real
`DataGovernance` (SQLite records) on the context, and the bot's retention job."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from records_cases import make_answer
from sqlalchemy import func, select, update

from bot.context import GOVERNANCE
from bot.listeners.events.app_uninstalled import purge_on_uninstall
from bot.listeners.events.tokens_revoked import forget_revoked_users
from bot.retention import start_retention
from bot.state.erasure import BOT_TABLES
from qa_engine.governance import DataGovernance
from qa_engine.records import UP, Records
from qa_engine.records.schema import AnswerRow, utcnow


@pytest.fixture
def governance(tmp_path: Path) -> Iterator[DataGovernance]:
    records = Records(f"sqlite:///{tmp_path / 'records.db'}")
    records.warm_up()
    for asker in ("UA", "UB", "UC"):
        answer_id = records.log_answer(make_answer(f"question of {asker}"), surface="command",
                                       asker=asker)
        records.record_vote(answer_id, asker, UP, source="button")
    yield DataGovernance(records, tmp_path, retention=timedelta(days=30), parts=BOT_TABLES)
    records.close()


def _askers(gov: DataGovernance) -> list[str | None]:
    with gov.records.engine.connect() as conn:
        return list(conn.scalars(select(AnswerRow.asker).order_by(AnswerRow.id)))


def test_tokens_revoked_forgets_the_oauth_users_only(governance: DataGovernance) -> None:
    forget_revoked_users({"type": "tokens_revoked", "tokens": {"bot": ["UA"]}},
                         {GOVERNANCE: governance})
    assert _askers(governance) == ["UA", "UB", "UC"]  # a bot token names the bot user
    forget_revoked_users({"type": "tokens_revoked", "tokens": {"oauth": ["UA", "UC"],
                                                               "bot": ["UBOT"]}},
                         {GOVERNANCE: governance})
    assert _askers(governance) == [None, "UB", None]
    assert governance.records.votes(2) == {"up": 1, "down": 0}


def test_uninstall_purges_and_without_governance_says_so(
        governance: DataGovernance, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        purge_on_uninstall({})
    assert "nothing was erased" in caplog.text
    assert len(_askers(governance)) == 3
    purge_on_uninstall({GOVERNANCE: governance})
    assert _askers(governance) == []


def test_the_retention_job_runs_at_start(governance: DataGovernance) -> None:
    with governance.records.engine.begin() as conn:
        conn.execute(update(AnswerRow).where(AnswerRow.asker == "UA")
                     .values(created_at=utcnow() - timedelta(days=31)))
    forever = DataGovernance(governance.records, Path("."), None, parts=BOT_TABLES)
    assert start_retention(forever, 6) is None
    scheduler = start_retention(governance, 6)
    try:
        deadline = time.monotonic() + 30
        dropped = 0
        while time.monotonic() < deadline and not dropped:
            with governance.records.engine.connect() as conn:
                dropped = conn.scalar(select(func.count()).where(AnswerRow.question == ""))
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert dropped == 1


def test_a_revoked_persons_spooled_votes_are_dropped_and_an_uninstall_drops_them_all(
        tmp_path: Path) -> None:
    """Votes waiting for a locked database (in memory and in the spool file) are dropped
    for the forgotten person only, then all of them on uninstall."""
    import sqlite3

    from bot.context import VOTES
    from bot.vote_queue import QUEUED, VoteQueue
    from qa_engine.db import DbTimeouts

    records = Records(f"sqlite:///{tmp_path / 'r.db'}",
                      timeouts=DbTimeouts(connect_s=0.5, statement_s=0.5, sqlite_busy_s=0.2))
    records.warm_up()
    answer_id = records.log_answer(make_answer(), surface="command", asker="UB")
    spool = tmp_path / "pending-votes.jsonl"
    blocker = sqlite3.connect(records.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    queue = VoteQueue(records, spool, retry_delays=(), flush_interval_s=600)
    try:
        for user in ("UA", "UB", "UA"):
            assert queue.button(answer_id, user, UP, event_ts=f"{time.time():.6f}")[0] == QUEUED
        context = {VOTES: queue, GOVERNANCE: None}
        forget_revoked_users({"tokens": {"oauth": ["UA"]}}, context)
        assert queue.pending == 1 and '"UA"' not in spool.read_text()
        purge_on_uninstall(context)
        assert queue.pending == 0 and not spool.exists()
    finally:
        blocker.execute("COMMIT")
        blocker.close()
        queue.close()
        records.close()
