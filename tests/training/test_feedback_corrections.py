"""Corrections that always count: located beyond the passage used (a real Chroma knowledge
base), their reason exported, hard negatives, actionable review reasons, and 👎 waiting a
day for a correction listed for review."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from qa_engine.corrections import ChromaPassages
from qa_engine.records import DOWN, Records
from qa_engine.records.schema import VoteRow, utcnow
from qa_engine.retrieve.chroma_store import get_collection, make_client
from qa_engine.settings import Settings
from qa_engine.types import Answer, Passage
from training.feedback import (
    CORRECTION_NOT_IN_KB,
    NOT_APPROVED,
    NOT_COVERED_BY_KB,
    REVIEW_ACTION,
    STALE_DOWNVOTE,
    build_dataset,
    format_counts,
    negative_examples,
    write_dataset,
)
from training.retrain_data import feedback_dataset

RETURNS = "Online orders can be returned within 30 days of delivery for a full refund."
SHIPPING = "Standard shipping is free on orders over $50; express shipping costs $12."
GIFT = "Gift cards never expire and can be used online or in any StyleSprint store."
KB = {"returns::1": RETURNS, "shipping::1": SHIPPING, "gift::1": GIFT}


@pytest.fixture
def settings(tmp_path: Path, embedder: Any) -> Settings:
    """A data directory whose knowledge base (real persistent Chroma) holds KB."""
    s = Settings(data_dir=tmp_path, _env_file=None)
    collection = get_collection(make_client(s), s.engine.collection)
    ids = list(KB)
    collection.add(ids=ids, documents=[KB[i] for i in ids],
                   embeddings=embedder.embed([KB[i] for i in ids]).tolist(),
                   metadatas=[{"title": i.split("::")[0]} for i in ids])
    return s


@pytest.fixture
def kb(settings: Settings) -> ChromaPassages:
    return ChromaPassages(get_collection(make_client(settings), settings.engine.collection))


def row(answer_id: int, question: str, passage_id: str | None, text: str,
        reason: str | None = None, retrieved: tuple[str, ...] = ()) -> dict[str, Any]:
    """An exported answer (the bot's span was wrong) with one correction."""
    passage = KB.get(passage_id or "")
    return {"answer_id": answer_id, "question": question, "answer": "x", "span": None,
            "answered": False, "span_start": None, "span_end": None, "passage_id": passage_id,
            "passage_text": passage, "retrieved_ids": list(retrieved),
            "votes": {"up": 0, "down": 1},
            "corrections": [{"user": "U1", "text": text, "source": None, "reason": reason,
                             "created_at": "x"}]}


def test_a_correction_in_another_retrieved_passage_trains_with_a_hard_negative(kb) -> None:
    ds = build_dataset([row(1, "How much is express shipping?", "returns::1", "$12",
                            reason="wrong_passage", retrieved=("returns::1", "shipping::1"))],
                       heldout_share=0.0, kb=kb)
    (ex,) = ds.train
    assert (ex["context"], ex["answer_text"], ex["doc"]) == (SHIPPING, "$12", "shipping::1")
    assert ex["correction_reasons"] == ["wrong_passage"]
    assert ex["hard_negatives"] == [{"passage_id": "returns::1", "text": RETURNS}]
    assert ds.review == []


def test_a_hard_negative_is_trained_as_a_decline_on_the_passage_used(kb) -> None:
    """The returns window given as the express price: read on the returns passage, the
    question should be declined; a pair that is an example of its own is not negated."""
    rows = [row(1, "How much is express shipping?", "returns::1", "$12",
                reason="wrong_passage", retrieved=("returns::1", "shipping::1")),
            row(2, "Do gift cards expire?", "gift::1", "never expire")]
    ds = build_dataset(rows, heldout_share=0.0, kb=kb)
    (negative,) = negative_examples(ds.train)
    assert (negative["question"], negative["context"]) == ("How much is express shipping?",
                                                            RETURNS)
    assert (negative["answer_text"], negative["answer_start"]) == ("", -1)
    assert negative["kind"] == "feedback-negative" and negative["doc"] == "returns::1"
    own = {**ds.train[0], "id": "fb-own", "context": RETURNS, "hard_negatives": []}
    assert negative_examples([*ds.train, own]) == []


def test_a_correction_elsewhere_in_the_kb_and_without_a_recorded_passage(kb) -> None:
    ds = build_dataset([row(1, "Do gift cards expire?", "returns::1", "never expire"),
                        row(2, "Is standard shipping free?", None, "free on orders over $50")],
                       heldout_share=0.0, kb=kb)
    by_id = {e["answer_ids"][0]: e for e in ds.train}
    assert by_id[1]["context"] == GIFT and by_id[1]["hard_negatives"][0]["text"] == RETURNS
    assert by_id[2]["context"] == SHIPPING and by_id[2]["hard_negatives"] == []
    assert ds.review == []


def test_nowhere_in_the_kb_is_reviewed_with_an_action(kb, tmp_path) -> None:
    ds = build_dataset([row(1, "Can I return sale items?", "returns::1",
                            "sale items are final sale", reason="outdated"),
                        row(2, "Express cost?", None, "$12", reason="not_covered")],
                       kb=kb)
    assert ds.train == ds.heldout == []
    review = {r.item.answer_id: r for r in ds.review if r.item.kind == "correction"}
    assert review[1].reason == CORRECTION_NOT_IN_KB
    assert "searched 3 passage(s), the whole knowledge base" in review[1].detail
    assert "outdated" in review[1].detail
    assert review[2].reason == NOT_COVERED_BY_KB  # nothing was read: only the gap
    paths = write_dataset(ds, tmp_path / "fb.jsonl")
    lines = [x for x in map(json.loads, paths["review"].read_text().splitlines())
             if x["kind"] == "correction"]
    assert {x["action"] for x in lines} == {REVIEW_ACTION[CORRECTION_NOT_IN_KB],
                                            REVIEW_ACTION[NOT_COVERED_BY_KB]}
    assert {x["correction_reason"] for x in lines} == {"outdated", "not_covered"}
    assert "re-ingest" in format_counts(ds.counts)


def test_not_covered_teaches_a_decline_on_the_passage_it_answered_from(kb) -> None:
    """"Do you ship to Mars?" answered with the returns window: the agent says the KB does
    not cover it; the reader should have declined on that passage, and its 👎 on the
    answered span is overruled by the correction."""
    def wrong(answer_id: int, publication: str | None) -> dict[str, Any]:
        out = {**row(answer_id, f"Do you ship to Mars? ({answer_id})", "returns::1",
                     "We don't ship to Mars.", reason="not_covered"),
               "answered": True, "span": "30 days", "span_start": RETURNS.index("30 days"),
               "span_end": RETURNS.index("30 days") + 7}
        out["corrections"][0]["publication"] = publication
        return out

    ds = build_dataset([wrong(1, "active"), wrong(2, "pending"), wrong(3, None)],
                       heldout_share=0.0, kb=kb)
    (ex,) = ds.train  # a lead's
    assert (ex["context"], ex["answer_text"], ex["answer_start"]) == (RETURNS, "", -1)
    assert ex["correction_reasons"] == ["not_covered"] and ex["overruled_answer_ids"] == [1]
    # an agent's waits for a lead; one saved before the column existed is never trained on
    review = {r.item.answer_id: r.reason for r in ds.review if r.item.kind == "correction"}
    assert review == {2: NOT_APPROVED, 3: NOT_COVERED_BY_KB}


def wrong_shipping_answer() -> Answer:
    """The returns window given as the price of express shipping."""
    returns = Passage(id="returns::1", text=RETURNS, title="returns", source="r.md")
    return Answer(question="How much is express shipping?", answered=True, answer="30 days",
                  span="30 days", confidence=0.6, sources=[], model_version="v1",
                  latency_ms=1.0, passage=returns, span_start=RETURNS.index("30 days"),
                  span_end=RETURNS.index("30 days") + 7)


def test_from_the_records_with_the_kb_and_a_day_old_downvote(settings: Settings) -> None:
    records = Records(settings.resolved_database_url)
    records.warm_up()
    wrong = wrong_shipping_answer()
    corrected = records.log_answer(wrong, surface="command")
    records.record_vote(corrected, "U1", DOWN, source="reaction")
    records.add_correction(corrected, "U1", "$12.", reason="wrong_passage")
    waiting = records.log_answer(wrong, surface="command", channel="C1", message_ts="1.2")
    records.record_vote(waiting, "U2", DOWN, source="reaction")
    with records.engine.begin() as conn:
        conn.execute(update(VoteRow).where(VoteRow.answer_id == waiting)
                     .values(created_at=utcnow() - timedelta(hours=25)))
    records.close()

    ds = feedback_dataset(settings)
    (ex,) = [e for e in ds.train + ds.heldout if e["kind"] == "feedback-correction"]
    assert (ex["context"], ex["answer_text"]) == (SHIPPING, "$12")
    assert ex["correction_reasons"] == ["wrong_passage"]
    assert [(r.item.answer_id, r.reason) for r in ds.stale_downvotes] == [
        (waiting, STALE_DOWNVOTE)]
    assert ds.counts["downvotes_without_correction"] == 1
    assert STALE_DOWNVOTE in format_counts(ds.counts)


def test_an_agents_correction_is_trained_on_only_once_approved(settings: Settings) -> None:
    records = Records(settings.resolved_database_url)
    records.warm_up()
    wrong = wrong_shipping_answer()
    answer_id = records.log_answer(wrong, surface="command", channel="C1", message_ts="1.2")
    correction = records.add_correction(answer_id, "U2", "$12", reason="wrong_passage")
    verified = records.verified.add_from_correction(
        correction, passage_id="shipping::1", passage_text=SHIPPING, passage_label="shipping",
        span="$12", span_start=SHIPPING.index("$12"), publish=False)  # an agent's: pending
    assert verified is not None

    ds = feedback_dataset(settings)
    assert [e for e in ds.train + ds.heldout if e["kind"] == "feedback-correction"] == []
    (waiting,) = [r for r in ds.review if r.item.kind == "correction"]
    assert (waiting.reason, waiting.detail) == (NOT_APPROVED, "pending")

    assert records.verified.publish(verified, "ULEAD", "a lead")
    records.close()
    ds = feedback_dataset(settings)
    (ex,) = [e for e in ds.train + ds.heldout if e["kind"] == "feedback-correction"]
    assert (ex["context"], ex["answer_text"]) == (SHIPPING, "$12")
