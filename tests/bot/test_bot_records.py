"""The records layer on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from records_cases import exercise_records, make_answer
from sqlalchemy import inspect, text

from qa_engine.records import DOWN, UP, Records, SchemaMismatch, UnknownAnswer, head_revision


def test_answers_votes_corrections_and_export(records: Records) -> None:
    exercise_records(records)


def test_schema_is_versioned_and_created_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'records.db'}"  # parent dirs are created
    first = Records(url)
    first.warm_up()
    assert first.schema_version() == head_revision()
    tables = set(inspect(first.engine).get_table_names())
    assert {"answers", "votes", "corrections", "processed_events", "alembic_version"} <= tables
    answer_id = first.log_answer(make_answer(), surface="mention", channel="C1")
    first.close()

    again = Records(url)  # reopening neither recreates nor loses anything
    again.warm_up()
    assert again.schema_version() == head_revision()
    assert again.get(answer_id) is not None
    with again.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    again.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    records = Records(url)
    records.warm_up()
    with records.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9000_next_release'"))
    records.close()
    with pytest.raises(SchemaMismatch, match="9000_next_release.*newer"):
        Records(url).warm_up()


def test_bad_votes_and_corrections_are_refused_and_lose_nothing(records: Records) -> None:
    answer_id = records.log_answer(make_answer(), surface="command", channel="C1")
    with pytest.raises(ValueError, match="vote"):
        records.record_vote(answer_id, "U1", 2, source="reaction")
    with pytest.raises(UnknownAnswer):
        records.record_vote(answer_id + 100, "U1", UP, source="reaction")
    with pytest.raises(ValueError, match="right answer"):
        records.add_correction(answer_id, "U1", "   ")
    with pytest.raises(UnknownAnswer):
        records.add_correction(answer_id + 100, "U1", "text")
    records.record_vote(answer_id, "U1", DOWN, source="button")
    (row,) = list(records.export())
    assert row["votes"] == {"up": 0, "down": 1} and row["corrections"] == []


def test_export_pages_through_many_answers_in_order(records: Records) -> None:
    ids = [
        records.log_answer(make_answer(f"question {i}?"), surface="command", channel="C1")
        for i in range(7)
    ]
    rows = list(records.export(batch_size=3))
    assert [r["answer_id"] for r in rows] == ids
    json.dumps(rows)  # the export is plain JSON


def test_declined_answer_without_passage_is_logged(records: Records) -> None:
    answer = make_answer()
    answer.answered, answer.span, answer.passage = False, None, None
    answer.span_start = answer.span_end = None
    answer_id = records.log_answer(answer, surface="mention", channel="C2", thread_ts="1.0")
    (row,) = list(records.export())
    assert row["answer_id"] == answer_id and row["answered"] is False
    assert row["span"] is None and row["passage_text"] is None


def test_old_event_ids_are_pruned_recent_ones_kept(records: Records) -> None:
    from datetime import timedelta

    from bot.state.keys import IdempotencyKeys, ProcessedEvent
    from qa_engine.records.schema import utcnow

    keys = IdempotencyKeys(records)
    assert keys.mark_event_processed("EvOld") and keys.mark_event_processed("EvNew")
    with records.engine.begin() as conn:
        conn.execute(
            ProcessedEvent.__table__.update()
            .where(ProcessedEvent.event_id == "EvOld")
            .values(received_at=utcnow() - timedelta(days=2))
        )
    assert keys.prune_processed_events() == 1
    assert keys.mark_event_processed("EvNew") is False  # still deduplicated
    assert keys.mark_event_processed("EvOld") is True  # long forgotten
