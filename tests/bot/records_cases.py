"""Behaviour every records backend must show (run on SQLite and on PostgreSQL)."""

from __future__ import annotations

from bot.state import IdempotencyKeys
from qa_engine.records import DOWN, UP, Records
from qa_engine.types import Answer, Passage, RetrievedPassage, SourceRef

PASSAGE = Passage(
    id="policy-returns-0003",
    text="Online orders can be returned within 30 days of delivery for a full refund.",
    title="Returns & Exchanges",
    source="policies/returns.md",
    section="Online orders",
)


def make_answer(question: str = "What is the return window for online orders?") -> Answer:
    """An answer as the engine shapes it (records are tested without running the model)."""
    span_start = PASSAGE.text.index("within 30 days")
    span_end = span_start + len("within 30 days")
    return Answer(
        question=question,
        answered=True,
        answer="Great question! Online orders can be returned within 30 days of delivery.",
        span="within 30 days",
        confidence=0.83,
        sources=[SourceRef(PASSAGE.id, PASSAGE.label, PASSAGE.source, 0.71)],
        model_version="shipped-v1",
        latency_ms=123.4,
        passage=PASSAGE,
        span_start=span_start,
        span_end=span_end,
        retrieved=[RetrievedPassage(PASSAGE, 0.71)],
    )


def exercise_records(records: Records) -> None:
    answer_id = records.log_answer(
        make_answer(), surface="command", channel="C1", asker="UASK", thread_ts=None
    )
    records.mark_delivered(
        answer_id, delivery="channel", message_ts="1700000001.000001", total_ms=456.0
    )
    ref = records.find_by_message("C1", "1700000001.000001")
    assert ref is not None and ref.id == answer_id
    assert records.find_by_message("C1", "1700000009.000009") is None

    records.record_vote(answer_id, "U1", UP, source="reaction")
    records.record_vote(answer_id, "U2", DOWN, source="reaction")
    records.record_vote(answer_id, "U1", DOWN, source="reaction")  # latest vote counts
    assert records.votes(answer_id) == {"up": 0, "down": 2}
    records.retract_vote(answer_id, "U1", DOWN)  # falls back to the 👍 still on the message
    assert records.user_vote(answer_id, "U1") == UP
    records.retract_vote(answer_id, "U1", UP)
    assert records.user_vote(answer_id, "U1") is None
    assert records.votes(answer_id) == {"up": 0, "down": 1}

    records.add_correction(answer_id, "U2", "  Within 30 days of delivery.  ", "Returns")
    keys = IdempotencyKeys(records)
    assert keys.mark_event_processed("Ev1") is True
    assert keys.mark_event_processed("Ev1") is False

    (row,) = list(records.export())
    assert row["answer_id"] == answer_id
    assert row["question"] == "What is the return window for online orders?"
    assert row["span"] == "within 30 days"
    assert row["passage_text"] == PASSAGE.text
    assert row["passage_text"][row["span_start"] : row["span_end"]] == row["span"]
    assert row["retrieved_ids"] == [PASSAGE.id]
    assert row["ts"] == "1700000001.000001" and row["channel"] == "C1"
    assert row["votes"] == {"up": 0, "down": 1}
    assert [(c["user"], c["text"], c["source"]) for c in row["corrections"]] == [
        ("U2", "Within 30 days of delivery.", "Returns")
    ]
