"""Correction reasons, verified answers and 👎 awaiting a correction, in the records database
(SQLite always; PostgreSQL when one is reachable)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text, update

from qa_engine.records import DOWN, UP, Records, head_revision
from qa_engine.records.schema import VoteRow, utcnow
from qa_engine.types import Answer, Passage, RetrievedPassage, SourceRef

PASSAGE = Passage(id="returns::0001", title="Returns & Exchanges", source="returns.md",
                  text="Online orders can be returned within 30 days of delivery.")


def answer(question: str = "What is the return window?") -> Answer:
    start = PASSAGE.text.index("within 30 days")
    return Answer(question=question, answered=True, answer="Within 30 days.",
                  span="within 30 days", confidence=0.8,
                  sources=[SourceRef(PASSAGE.id, PASSAGE.label, PASSAGE.source, 0.7)],
                  model_version="v1", latency_ms=1.0, passage=PASSAGE, span_start=start,
                  span_end=start + len("within 30 days"),
                  retrieved=[RetrievedPassage(PASSAGE, 0.7)])


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Records]:
    if request.param == "sqlite":
        records = Records(f"sqlite:///{tmp_path / 'records.db'}")
    else:
        schema = request.getfixturevalue("pg_schema")
        records = Records(request.getfixturevalue("pg_url"), schema=schema)
    records.warm_up()
    yield records
    records.close()


def test_the_reason_is_stored_and_exported(store: Records) -> None:
    a = store.log_answer(answer(), surface="command")
    store.add_correction(a, "U1", "within 30 days", reason="wrong_span")
    store.add_correction(a, "U2", "30 days")
    (row,) = store.export()
    assert [c["reason"] for c in row["corrections"]] == ["wrong_span", None]
    with pytest.raises(ValueError, match="unknown correction reason"):
        store.add_correction(a, "U1", "x", reason="bad")


def test_two_agents_thumbs_up_make_one_verified_answer(store: Records) -> None:
    a = store.log_answer(answer(), surface="command")
    store.record_vote(a, "U1", UP, source="reaction")
    store.record_vote(a, "U1", UP, source="button")  # the same agent twice is one
    assert store.verified.active() == []
    store.record_vote(a, "U2", UP, source="reaction")
    (v,) = store.verified.active()
    assert (v.origin, v.question, v.span, v.passage_id) == (
        "votes", "What is the return window?", "within 30 days", PASSAGE.id)
    assert v.verified_by == ("U1", "U2")
    assert v.passage_text[v.span_start:v.span_end] == v.span
    store.record_vote(a, "U3", UP, source="reaction")  # more 👍: still one
    assert len(store.verified.all()) == 1
    store.record_vote(a, "U3", DOWN, source="reaction")  # a 👎 withdraws it
    assert store.verified.active() == []
    assert store.verified.all()[0].status == "retired"


def test_a_correction_verifies_and_retires_the_votes_one(store: Records) -> None:
    a = store.log_answer(answer(), surface="command")
    store.record_vote(a, "U1", UP, source="reaction")
    store.record_vote(a, "U2", UP, source="reaction")
    before = store.verified.marker()
    c = store.add_correction(a, "U3", "30 days of delivery", reason="wrong_span")
    start = PASSAGE.text.index("30 days of delivery")
    vid = store.verified.add_from_correction(
        c, passage_id=PASSAGE.id, passage_text=PASSAGE.text, passage_label=PASSAGE.label,
        span="30 days of delivery", span_start=start)
    assert store.verified.add_from_correction(  # idempotent
        c, passage_id=PASSAGE.id, passage_text=PASSAGE.text, passage_label=PASSAGE.label,
        span="30 days of delivery", span_start=start) is None
    (v,) = store.verified.active()
    assert (v.id, v.origin, v.span, v.verified_by) == (vid, "correction", "30 days of delivery",
                                                       ("U3",))
    assert store.verified.marker() != before
    with pytest.raises(ValueError, match="offset"):
        store.verified.add_from_correction(c, passage_id="x", passage_text="abc",
                                           passage_label=None, span="zz", span_start=0)
    # a newer verified answer for the same question supersedes it
    b = store.log_answer(answer("what is the return window?  "), surface="command")
    c2 = store.add_correction(b, "U4", "within 30 days")
    store.verified.add_from_correction(c2, passage_id=PASSAGE.id, passage_text=PASSAGE.text,
                                       passage_label=None, span="within 30 days",
                                       span_start=PASSAGE.text.index("within 30 days"))
    statuses = {x.id: x.status for x in store.verified.all()}
    assert statuses[vid] == "superseded" and len(store.verified.active()) == 1
    assert store.verified.retire(store.verified.active()[0].id, "test")
    assert store.verified.active() == []


def test_a_thumbs_down_without_a_correction_after_a_day_is_listed(store: Records) -> None:
    old, fresh, corrected, flipped = (store.log_answer(answer(f"q{i}"), surface="command")
                                      for i in range(4))
    for a in (old, fresh, corrected, flipped):
        store.record_vote(a, "U1", DOWN, source="reaction")
    store.add_correction(corrected, "U1", "30 days")
    store.record_vote(flipped, "U1", UP, source="reaction")  # changed their mind
    with store.engine.begin() as conn:
        conn.execute(update(VoteRow).where(VoteRow.answer_id.in_([old, corrected, flipped]))
                     .values(created_at=utcnow() - timedelta(days=2)))
    (stale,) = store.verified.stale_downvotes()
    assert (stale.answer_id, stale.down, stale.up) == (old, 1, 0)
    assert stale.to_json()["votes"] == {"up": 0, "down": 1}
    assert {s.answer_id for s in store.verified.stale_downvotes(timedelta(0))} == {old, fresh}


def test_a_v1_database_is_upgraded_to_the_current_schema_on_start(store: Records) -> None:
    """A v1 database of the release before Alembic (no `corrections.reason`, no
    verified_answers table, no `votes.event_ts`, no alembic_version) is upgraded by the
    deploy step: the columns are added, the new table created, every row kept."""
    a = store.log_answer(answer(), surface="command")
    store.add_correction(a, "U1", "30 days")
    schema = store.schema
    prefix = f'"{schema}".' if schema else ""
    with store.engine.begin() as conn:  # back to what a v1 database looks like
        conn.execute(text(f"ALTER TABLE {prefix}corrections DROP COLUMN reason"))
        conn.execute(text(f"ALTER TABLE {prefix}corrections DROP COLUMN publication"))
        conn.execute(text(f"ALTER TABLE {prefix}votes DROP COLUMN event_ts"))
        conn.execute(text(f"DROP TABLE {prefix}verified_answers"))
        conn.execute(text(f"DROP TABLE {prefix}alembic_version"))
        conn.execute(text(f"DELETE FROM {prefix}schema_version"))
        conn.execute(text(f"INSERT INTO {prefix}schema_version VALUES (1, CURRENT_TIMESTAMP)"))
    assert "reason" not in {c["name"] for c in inspect(store.engine).get_columns(
        "corrections", schema=schema)}
    restarted = Records(store.url, schema=schema, auto_upgrade=True)  # + `db upgrade`
    restarted.warm_up()
    try:
        assert restarted.schema_version() == head_revision()
        assert inspect(restarted.engine).has_table("verified_answers", schema=schema)
        assert "event_ts" in {c["name"] for c in inspect(restarted.engine).get_columns(
            "votes", schema=schema)}
        (row,) = restarted.export()
        assert [(c["text"], c["reason"], c["publication"]) for c in row["corrections"]] == [
            ("30 days", None, None)]
    finally:
        restarted.close()


def test_a_v2_database_gains_votes_event_ts_on_start(store: Records) -> None:
    """A v2 database of the release before Alembic (votes without `event_ts`) is upgraded
    by the deploy step: the column is added, the votes kept, and new votes ordered by
    Slack's time."""
    a = store.log_answer(answer(), surface="command")
    store.record_vote(a, "U1", UP, source="reaction")
    schema = store.schema
    prefix = f'"{schema}".' if schema else ""
    with store.engine.begin() as conn:  # back to what a v2 database looks like
        conn.execute(text(f"ALTER TABLE {prefix}votes DROP COLUMN event_ts"))
        conn.execute(text(f"ALTER TABLE {prefix}corrections DROP COLUMN publication"))
        conn.execute(text(f"DROP TABLE {prefix}alembic_version"))
        conn.execute(text(f"DELETE FROM {prefix}schema_version"))
        conn.execute(text(f"INSERT INTO {prefix}schema_version VALUES (2, CURRENT_TIMESTAMP)"))
    assert "event_ts" not in {c["name"] for c in inspect(store.engine).get_columns(
        "votes", schema=schema)}
    restarted = Records(store.url, schema=schema, auto_upgrade=True)  # + `db upgrade`
    restarted.warm_up()
    try:
        assert restarted.schema_version() == head_revision()
        assert "event_ts" in {c["name"] for c in inspect(restarted.engine).get_columns(
            "votes", schema=schema)}
        assert restarted.votes(a) == {"up": 1, "down": 0}  # the v2 vote kept
        # two events committed the other way round: Slack's order decides (👍 at .2 wins)
        restarted.record_vote(a, "U2", UP, source="reaction", event_ts="1700000000.000002")
        restarted.record_vote(a, "U2", DOWN, source="reaction", event_ts="1700000000.000001")
        assert restarted.user_vote(a, "U2") == UP
    finally:
        restarted.close()


def _correct(store: Records, answer_id: int, user: str, span: str, *, publish: bool) -> int:
    c = store.add_correction(answer_id, user, span)
    vid = store.verified.add_from_correction(
        c, passage_id=PASSAGE.id, passage_text=PASSAGE.text, passage_label=PASSAGE.label,
        span=span, span_start=PASSAGE.text.index(span), publish=publish)
    assert vid is not None
    return vid


def test_a_pending_correction_replaces_nothing_until_published_then_can_be_withdrawn(
        store: Records) -> None:
    a = store.log_answer(answer(), surface="command")
    lead = _correct(store, a, "ULEAD", "within 30 days", publish=True)
    before = store.verified.marker()
    pending = _correct(store, a, "U2", "30 days of delivery", publish=False)
    assert [v.id for v in store.verified.active()] == [lead]  # still served to everyone
    (p,) = store.verified.pending()
    assert (p.id, p.author, p.published) == (pending, "U2", False)
    assert p.served_to("U2") and not p.served_to("U3") and not p.served_to(None)
    assert {v.id for v in store.verified.servable()} == {lead, pending}
    assert store.verified.marker() != before  # serving processes re-read: the author gets it

    assert store.verified.publish(pending, "U3", "a second agent of the channel")
    assert not store.verified.publish(pending, "U3", "again")  # published once
    statuses = {v.id: v.status for v in store.verified.all()}
    assert statuses == {lead: "superseded", pending: "active"}
    (v,) = store.verified.active()
    assert v.verified_by == ("U2", "U3") and v.served_to("U9")
    assert "second agent" in (v.status_reason or "")

    assert store.verified.withdraw(pending, "ULEAD")
    assert not store.verified.withdraw(pending, "ULEAD")
    assert store.verified.active() == [] and store.verified.servable() == []
    assert store.verified.get(pending).status_reason == "withdrawn by ULEAD"
