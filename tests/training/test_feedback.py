"""Feedback -> training examples + review list: every rule on hand-written export rows, and
once through the real records database (votes flipped, corrections added as the bot does)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qa_engine.corrections import locate
from qa_engine.records import DOWN, UP, Records
from qa_engine.types import Answer, Passage
from training.datasets import load_jsonl
from training.feedback import (
    CONFLICT,
    CORRECTION_NOT_IN_PASSAGE,
    IN_GOLD_SET,
    NET_DOWN,
    NO_PASSAGE,
    OUTVOTED,
    TIED_VOTES,
    build_dataset,
    dataset_paths,
    example_key,
    format_counts,
    load_feedback_rows,
    write_dataset,
)

RETURNS = "Online orders can be returned within 30 days of delivery for a full refund."
SHIPPING = "Standard shipping is free on orders over $50; express shipping costs $12."


def row(answer_id: int, question: str, passage: str | None, span: str | None, *, up: int = 0,
        down: int = 0, corrections: tuple[str, ...] = (), answered: bool = True) -> dict[str, Any]:
    """One row shaped like `Records.export()` yields it."""
    start = passage.find(span) if passage and span else None
    return {
        "answer_id": answer_id, "question": question, "answer": span or "declined",
        "span": span if answered else None, "answered": answered,
        "span_start": start, "span_end": start + len(span) if start is not None else None,
        "passage_id": "p-" + str(abs(hash(passage)) % 1000) if passage else None,
        "passage_text": passage, "votes": {"up": up, "down": down},
        "corrections": [{"user": f"U{i}", "text": t, "source": None, "created_at": "x"}
                        for i, t in enumerate(corrections)],
    }


def reasons(ds) -> dict[int, str]:
    return {r.item.answer_id: r.reason for r in ds.review}


def test_thumbs_up_becomes_an_example_with_the_span_as_used(tmp_path):
    ds = build_dataset([row(1, "How long do I have to return an order?", RETURNS,
                            "30 days of delivery", up=2)])
    [ex] = ds.train
    assert ex["context"] == RETURNS and ex["answer_text"] == "30 days of delivery"
    assert RETURNS[ex["answer_start"]:].startswith("30 days of delivery")
    assert ex["kind"] == "feedback-vote" and ex["answer_ids"] == [1]
    assert ex["votes"] == {"up": 2, "down": 0}
    assert ds.review == [] and ds.counts["from_votes"] == 1
    # the written file is project JSONL the trainer's loader reads as is
    paths = write_dataset(ds, tmp_path / "fb.jsonl")
    [loaded] = load_jsonl(paths["train"])
    assert (loaded.question, loaded.answer_text, loaded.answer_start) == (
        ex["question"], ex["answer_text"], ex["answer_start"])
    assert paths == dataset_paths(tmp_path / "fb.jsonl")
    assert paths["heldout"].read_text() == "" and paths["review"].read_text() == ""


def test_correction_is_located_in_the_passage_and_overrules_the_wrong_span():
    # the agent typed different case and a full stop; the passage's own text is used
    ds = build_dataset([row(1, "How much is express shipping?", SHIPPING, "free", down=1,
                            corrections=("$12.",))], heldout_share=0.0)
    [ex] = ds.train
    assert ex["answer_text"] == "$12" and SHIPPING[ex["answer_start"]:].startswith("$12")
    assert ex["kind"] == "feedback-correction" and ex["overruled_answer_ids"] == [1]
    assert ds.counts["items_overruled"] == 1 and ds.review == []


def test_locate_is_exact_then_case_then_spacing_tolerant():
    assert locate("30 days", RETURNS) == ("30 days", RETURNS.find("30 days"))
    assert locate("ONLINE ORDERS", RETURNS) == ("Online orders", 0)
    assert locate("full  refund!", RETURNS)[0] == "full refund"
    assert locate("60 days", RETURNS) is None
    assert locate("  ...  ", RETURNS) is None
    assert locate("turn", RETURNS) is None  # not inside another word ("returned")


def test_unlocatable_correction_and_net_down_go_to_review_not_training():
    ds = build_dataset([
        row(1, "How long for returns?", RETURNS, "30 days of delivery",
            corrections=("60 days for members",)),
        row(2, "Is shipping free?", SHIPPING, "$12", down=2),
        row(3, "Is shipping cheap?", SHIPPING, "$12", up=1, down=1),
        row(4, "Do you sell hats?", None, None, answered=False, down=1),
    ])
    assert ds.train == [] and ds.heldout == []
    got = sorted((r.item.answer_id, r.item.kind, r.reason) for r in ds.review)
    assert got == [(1, "correction", CORRECTION_NOT_IN_PASSAGE), (2, "vote", NET_DOWN),
                   (3, "vote", TIED_VOTES), (4, "vote", NO_PASSAGE)]
    review = [r.to_json() for r in ds.review]
    assert all(r["why"] and r["question"] for r in review)  # a human can act on each
    text = format_counts(ds.counts)
    assert "for review: 4" in text and NET_DOWN in text


def test_duplicates_merge_and_conflicts_follow_the_majority():
    q = "How much does express shipping cost?"
    ds = build_dataset([
        row(1, q, SHIPPING, "$12", up=1),
        row(2, "  how much does EXPRESS shipping cost? ", SHIPPING, "$12", up=2),
        row(3, q, SHIPPING, "free on orders over $50", up=1),  # outvoted (1 vs 3)
        row(4, "Is standard shipping free?", SHIPPING, "free on orders over $50", up=1),
        row(5, "Is standard shipping free?", SHIPPING, "$12", up=1),  # 1 vs 1: a tie
    ])
    [ex] = ds.train
    assert ex["answer_text"] == "$12" and ex["answer_ids"] == [1, 2]
    assert ex["votes"] == {"up": 3, "down": 0}
    assert ds.counts["items_merged_as_duplicates"] == 1
    assert reasons(ds) == {3: OUTVOTED, 4: CONFLICT, 5: CONFLICT}


def test_a_confirmed_decline_is_an_unanswerable_example():
    ds = build_dataset([row(1, "Do you ship to Mars?", SHIPPING, None, answered=False, up=1)])
    [ex] = ds.train
    assert ex["answer_text"] == "" and ex["answer_start"] == -1
    assert ex["kind"] == "feedback-decline" and ds.counts["declines_confirmed"] == 1
    assert not load_example(ex).answerable


def load_example(ex: dict[str, Any]):
    from training.feedback import to_example

    return to_example(ex)


def test_gold_questions_are_never_trained_on_and_corrections_are_held_out_stably():
    rows = [row(i, f"Question number {i} about returns?", RETURNS, None, answered=False,
                corrections=("30 days",)) for i in range(40)]
    gold = {example_key("Question number 0 about returns?", RETURNS)}
    ds = build_dataset(rows, gold_keys=gold, heldout_share=0.25)
    assert reasons(ds) == {0: IN_GOLD_SET}
    assert len(ds.train) + len(ds.heldout) == 39
    assert 3 <= len(ds.heldout) <= 18  # about a quarter, decided by a hash of the question
    again = build_dataset(list(reversed(rows)), gold_keys=gold, heldout_share=0.25)
    assert {e["id"] for e in again.heldout} == {e["id"] for e in ds.heldout}
    assert again.fingerprint == ds.fingerprint
    assert build_dataset(rows, heldout_share=0.0).heldout == []


def test_a_correction_held_out_this_week_is_trained_on_next_week():
    from training.retrain_data import week_number

    rows = [row(i, f"Question number {i} about returns?", RETURNS, None, answered=False,
                corrections=("30 days",)) for i in range(40)]
    week = week_number()
    this = build_dataset(rows, heldout_share=0.2, rotation=week)
    nxt = build_dataset(rows, heldout_share=0.2, rotation=week + 1)
    held = {e["id"] for e in this.heldout}
    assert held and held <= {e["id"] for e in nxt.train}
    assert held.isdisjoint(e["id"] for e in nxt.heldout)
    # over a full rotation every correction is trained on in four weeks of five
    weeks = [build_dataset(rows, heldout_share=0.2, rotation=week + k) for k in range(5)]
    ids = [{e["id"] for e in ds.heldout} for ds in weeks]
    assert set().union(*ids) == {e["id"] for e in this.train + this.heldout}
    assert sum(len(x) for x in ids) == 40
    assert this.fingerprint == nxt.fingerprint  # a rotation alone is no new feedback


def test_every_item_is_accounted_for_and_the_fingerprint_tracks_new_examples():
    rows = [
        row(1, "How long for returns?", RETURNS, "30 days of delivery", up=1),
        row(2, "How long for returns?", RETURNS, "30 days of delivery", up=1,
            corrections=("30 days of delivery",)),
        row(3, "Express cost?", SHIPPING, "free", down=1, corrections=("$12", "nowhere")),
        row(4, "Never voted on", SHIPPING, "$12"),
    ]
    ds = build_dataset(rows, heldout_share=0.0)
    c = ds.counts
    assert c["answers"] == 4 and c["answers_with_feedback"] == 3 and c["feedback_items"] == 6
    placed = sum(len(e["answer_ids"]) for e in ds.train)  # vote/correction items per example
    assert c["examples"] == 2 and c["review"] == 1 and c["items_overruled"] == 1
    assert c["items_merged_as_duplicates"] == 2  # answers 1 and 2 and 2's correction: one
    assert placed == 3
    same = build_dataset(rows + [row(5, "Never voted either", RETURNS, "30 days")],
                         heldout_share=0.0)
    assert same.fingerprint == ds.fingerprint  # an answer without feedback changes nothing
    more = build_dataset(rows + [row(6, "Refund?", RETURNS, "full refund", up=1)],
                         heldout_share=0.0)
    assert more.fingerprint != ds.fingerprint


@pytest.fixture
def records(tmp_path):
    store = Records(f"sqlite:///{tmp_path / 'records.db'}")
    store.warm_up()
    yield store
    store.close()


def _answer(question: str, passage: Passage, span: str | None) -> Answer:
    start = passage.text.find(span) if span else None
    return Answer(question=question, answered=span is not None, answer=f"Reply: {span}",
                  span=span, confidence=0.8, sources=[], model_version="v1", latency_ms=5.0,
                  passage=passage, span_start=start,
                  span_end=start + len(span) if span else None)


def test_from_the_records_database_with_latest_votes(records):
    returns = Passage(id="returns#0", text=RETURNS, title="Returns", source="returns.md")
    shipping = Passage(id="shipping#0", text=SHIPPING, title="Shipping", source="shipping.md")
    a1 = records.log_answer(_answer("How long do I have to return?", returns,
                                    "30 days of delivery"), surface="command", channel="C1")
    a2 = records.log_answer(_answer("What does express cost?", shipping, "free"),
                            surface="mention", channel="C1")
    a3 = records.log_answer(_answer("Is standard shipping free?", shipping,
                                    "free on orders over $50"), surface="command")
    # a1: U1 👍 then switches to 👎, U2 and U3 👍 -> net +1 (majority of latest votes)
    records.record_vote(a1, "U1", UP, source="button")
    records.record_vote(a1, "U1", DOWN, source="button")
    records.record_vote(a1, "U2", UP, source="reaction")
    records.record_vote(a1, "U3", UP, source="reaction")
    # a2: 👎 and a correction; a3: 👍 then retracted -> no feedback left
    records.record_vote(a2, "U1", DOWN, source="reaction")
    records.add_correction(a2, "U1", "$12", source_hint="shipping.md")
    records.record_vote(a3, "U2", UP, source="reaction")
    records.retract_vote(a3, "U2", UP)
    before = json.dumps(list(records.export()), sort_keys=True)

    ds = build_dataset(load_feedback_rows(records.url), heldout_share=0.0)
    by_answer = {e["answer_ids"][0]: e for e in ds.train}
    assert by_answer[a1]["answer_text"] == "30 days of delivery"
    assert by_answer[a1]["votes"] == {"up": 2, "down": 1}
    assert by_answer[a2]["answer_text"] == "$12" and by_answer[a2]["kind"] == "feedback-correction"
    assert set(by_answer) == {a1, a2} and ds.review == []
    assert ds.counts["answers"] == 3 and ds.counts["answers_with_feedback"] == 2
    assert json.dumps(list(records.export()), sort_keys=True) == before  # read only
