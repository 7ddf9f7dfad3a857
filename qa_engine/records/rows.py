"""What `Records` hands out: `AnswerRef`, the vote tally, the export row of one answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qa_engine.records.schema import AnswerRow, current_votes

UP, DOWN = 1, -1


@dataclass(frozen=True)
class AnswerRef:
    """Where an answer was posted, enough to route a vote or a correction to it."""

    id: int
    question: str
    channel: str | None
    message_ts: str | None
    thread_ts: str | None
    answered: bool
    asker: str | None = None  # who asked (Slack user id)


def tally(votes: dict[str, int]) -> dict[str, int]:
    return {
        "up": sum(1 for v in votes.values() if v == UP),
        "down": sum(1 for v in votes.values() if v == DOWN),
    }


def answer_ref(row: AnswerRow) -> AnswerRef:
    return AnswerRef(
        id=row.id,
        question=row.question,
        channel=row.channel,
        message_ts=row.message_ts,
        thread_ts=row.thread_ts,
        answered=row.answered,
        asker=row.asker,
    )


def export_row(row: AnswerRow, publication: dict[int, str] | None = None) -> dict[str, Any]:
    """One answer as exported; `publication`: correction id -> its verified answer's status
    ("pending": waiting for approval, "withdrawn", ...), each correction's `publication`
    (a correction no verified answer carries: its own column, set when it was saved)."""
    publication = publication or {}
    return {
        "answer_id": row.id,
        "question": row.question,
        "answer": row.reply,
        "span": row.span,
        "confidence": round(row.confidence, 4),
        "model_version": row.model_version,
        "channel": row.channel,
        "ts": row.message_ts,
        "votes": tally(current_votes(list(row.votes))),
        "corrections": [
            {
                "user": c.user_id,
                "text": c.text,
                "source": c.source_hint,
                "reason": c.reason,
                "created_at": c.created_at.isoformat() + "Z",
                "publication": publication.get(c.id, c.publication),
            }
            for c in row.corrections
        ],
        "answered": row.answered,
        "span_start": row.span_start,
        "span_end": row.span_end,
        "passage_id": row.passage_id,
        "passage_text": row.passage_text,
        "retrieved_ids": list(row.retrieved_ids or []),
        "asker": row.asker,
        "latency_ms": round(row.latency_ms, 1),
        "created_at": row.created_at.isoformat() + "Z",
    }
