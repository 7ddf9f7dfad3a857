"""The records layer against a real PostgreSQL (skipped when none is reachable)."""

from __future__ import annotations

import pytest
from records_cases import exercise_records, make_answer
from sqlalchemy import inspect

from qa_engine.records import Records, head_revision

pytestmark = pytest.mark.integration


def test_records_on_postgresql(pg_url: str, pg_schema: str) -> None:
    records = Records(pg_url, schema=pg_schema)
    records.warm_up()
    try:
        assert records.schema_version() == head_revision()
        tables = set(inspect(records.engine).get_table_names(schema=pg_schema))
        assert {"answers", "votes", "corrections", "processed_events", "alembic_version"} <= tables
        exercise_records(records)
    finally:
        records.close()
    reopened = Records(pg_url, schema=pg_schema)
    reopened.warm_up()  # idempotent on an existing schema
    assert len(list(reopened.export())) == 1
    reopened.close()


def test_team_tables_reports_and_gap_items_on_postgresql(pg_url: str, pg_schema: str) -> None:
    from datetime import timedelta

    from bot.state import Teamwork
    from bot.state.reports import period_stats, recent_questions
    from qa_engine.gaps import DECLINED, HANDED_OFF, collect_gap_items
    from qa_engine.records import DOWN
    from qa_engine.records.schema import utcnow

    records = Records(pg_url, schema=pg_schema)
    records.warm_up()
    try:
        tables = set(inspect(records.engine).get_table_names(schema=pg_schema))
        assert {"handoffs", "rollbacks"} <= tables
        answered = records.log_answer(make_answer(), surface="mention", channel="C1",
                                      asker="UASK", thread_ts="1.1")
        handed = records.log_answer(make_answer("Do you gift wrap?"), surface="mention",
                                      channel="C1", asker="UASK", thread_ts="1.1")
        records.record_vote(answered, "U2", DOWN, source="reaction")
        team = Teamwork(records)
        assert team.thread_question("C1", "1.1") == make_answer().question
        handoff = team.add_handoff(handed, "UASK", "C0LEADS")
        team.mark_posted(handoff, "9.9")
        team.mark_replied(handoff, "ULEAD")
        found = team.find_handoff("C0LEADS", "9.9")
        assert found is not None and (found.replied_by, found.replies) == ("ULEAD", 1)
        team.record_rollback("ULEAD", "v2", "v1", outcome="done")
        assert [r.to_version for r in team.rollbacks()] == ["v1"]
        now = utcnow()
        stats = period_stats(records, now - timedelta(days=7), now + timedelta(seconds=1))
        assert (stats.questions, stats.down, stats.handoffs) == (2, 1, 1)
        recent, total = recent_questions(records, "UASK", 1)
        assert total == 2 and [r.answer_id for r in recent] == [handed]
        items = {i.answer_id: i.reasons for i in collect_gap_items(records, now - timedelta(1))}
        assert items[handed] == {HANDED_OFF} and DECLINED not in items[answered]
    finally:
        records.close()
