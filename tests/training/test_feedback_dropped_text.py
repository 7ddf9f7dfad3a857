"""An answer whose text retention or `forget` dropped is neither training data nor review
work: the feedback dataset built from a real records database after retention skips it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from qa_engine.governance import DataGovernance
from qa_engine.records import UP, Records
from qa_engine.records.schema import AnswerRow, utcnow
from tests.bot.records_cases import make_answer
from training.feedback import build_dataset


def test_answers_past_retention_leave_the_feedback_dataset(tmp_path: Path) -> None:
    records = Records(f"sqlite:///{tmp_path / 'records.db'}")
    try:
        old = records.log_answer(make_answer("What is the return window?"), surface="command",
                                 asker="UA")
        new = records.log_answer(make_answer("How long do I have to return an order?"),
                                 surface="command", asker="UB")
        for answer_id in (old, new):
            records.record_vote(answer_id, "U1", UP, source="button")
        records.add_correction(old, "U2", "within 30 days of delivery")
        with records.engine.begin() as conn:
            conn.execute(update(AnswerRow).where(AnswerRow.id == old)
                         .values(created_at=utcnow() - timedelta(days=60)))
        governance = DataGovernance(records, tmp_path, timedelta(days=30), parts=())
        assert governance.apply_retention().total
        ds = build_dataset(list(records.export()))
    finally:
        records.close()
    examples = ds.train + ds.heldout
    assert [e["answer_ids"] for e in examples] == [[new]]
    assert all(e["question"] for e in examples)
    assert ds.review == [] and ds.counts["answers"] == 2  # the old row is still counted
