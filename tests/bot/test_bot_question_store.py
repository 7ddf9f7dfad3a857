"""The durable question queue (bot/state/questions.py) on SQLite and PostgreSQL:
claims are leases, a lease that runs out makes the question claimable again, a claim
never goes to two workers, and a finished question keeps no text or response_url."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.state import QuestionStore
from bot.state.questions import DELIVER, DONE, POSTING, QUEUED
from qa_engine.records import Records


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[QuestionStore]:
    if request.param == "sqlite":
        records = Records(f"sqlite:///{tmp_path / 'records.db'}")
    else:
        schema = request.getfixturevalue("pg_schema")  # skips with the reason when absent
        records = Records(request.getfixturevalue("pg_url"), schema=schema)
    records.warm_up()
    yield QuestionStore(records.engine)
    records.close()


def _question(n: int) -> dict:
    return {"text": f"question {n}", "asker": "U1", "channel": f"C{n}", "surface": "command",
            "response_url": f"https://hooks.example/{n}"}


def test_claims_are_oldest_first_and_leased(store: QuestionStore) -> None:
    first, second = store.add(_question(1)), store.add(_question(2))
    assert store.waiting() == 2
    a = store.claim("A", lease_s=30)
    b = store.claim("B", lease_s=30)
    assert (a.id, b.id) == (first.id, second.id) and a.attempts == 1
    assert store.claim("C", lease_s=30) is None  # both leased
    assert not store.finish(a.id, "B", "channel")  # not B's to finish
    assert store.finish(a.id, "A", "channel")
    row = store.get(a.id)
    assert row["state"] == DONE and row["question"] == {} and row["message"] is None
    assert store.waiting() == 1 and store.outcomes() == {"channel": 1}


def test_a_lapsed_lease_is_claimed_again_and_resumes_at_its_stage(store: QuestionStore) -> None:
    job = store.add(_question(1))
    claimed = store.claim("dead", lease_s=0.5)
    assert store.answered(claimed.id, "dead", 7, {"text": "t", "blocks": []})
    assert store.posting(claimed.id, "dead")
    assert store.claim("B", lease_s=30) is None
    time.sleep(0.7)  # the owner stopped renewing: its lease runs out
    again = store.claim("B", lease_s=30)
    assert again.id == job.id and again.stage == POSTING and again.answer_id == 7
    assert again.attempts == 2 and again.posted_at is not None
    assert not store.answered(job.id, "dead", 8, {})  # the old owner lost it


def test_deferred_questions_wait_until_their_time(store: QuestionStore) -> None:
    job = store.add(_question(1))
    store.claim("A", lease_s=30)
    assert store.defer(job.id, "A", time.time() + 0.5, stage=DELIVER)
    assert store.get(job.id)["state"] == QUEUED
    assert store.claim("A", lease_s=30) is None
    time.sleep(0.6)
    assert store.claim("B", lease_s=30).stage == DELIVER


def test_an_unclaimed_question_is_not_counted_as_an_attempt(store: QuestionStore) -> None:
    job = store.add(_question(1))
    store.claim("A", lease_s=30)
    assert store.unclaim(job.id, "A")
    assert store.claim("B", lease_s=30).attempts == 1


def test_release_dead_makes_a_dead_owners_questions_claimable_now(store: QuestionStore) -> None:
    job = store.add(_question(1))
    store.claim("host:1:dead", lease_s=300)
    assert store.running_owners() == ["host:1:dead"]
    assert store.release_dead(["host:1:dead"]) == 1
    assert store.claim("B", lease_s=30).id == job.id


def test_concurrent_claimers_never_share_a_question(store: QuestionStore) -> None:
    n, claimers = 60, 6
    for i in range(n):
        store.add(_question(i))
    got: list[int] = []
    lock = threading.Lock()

    def claimer(name: str) -> None:
        while (job := store.claim(name, lease_s=60)) is not None:
            with lock:
                got.append(job.id)
            store.finish(job.id, name, "channel")

    threads = [threading.Thread(target=claimer, args=(f"W{i}",)) for i in range(claimers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    twice = [i for i, c in Counter(got).items() if c > 1]
    assert not twice and len(got) == n, (len(got), twice[:5])
    assert store.waiting() == 0


def test_the_pace_is_measured_from_the_first_question_finished(store: QuestionStore) -> None:
    assert store.finished_recently() == (0, 0.0)
    for i in range(3):
        job = store.add(_question(i))
        store.claim("A", lease_s=30)
        store.finish(job.id, "A", "channel")
        time.sleep(0.2)
    n, span_s = store.finished_recently()
    assert n == 3 and 0.3 <= span_s < 5  # since the first finish, not the whole minute


def test_guarded_calls_that_reach_no_database_do_not_end_an_outage(tmp_path: Path) -> None:
    """Renewing no lease and releasing no owner write nothing: under the records' guard
    they must not count as the database answering again (in a partition test they did:
    a second "not answering" line, since the outage had not ended)."""
    from qa_engine.db import DatabaseNotAnswering, DbTimeouts

    records = Records(f"sqlite:///{tmp_path / 'records.db'}",
                      timeouts=DbTimeouts(connect_s=0.1, statement_s=0.1))
    records.warm_up()
    try:
        guarded = QuestionStore(records.engine, guard=records.guard)
        with pytest.raises(DatabaseNotAnswering):  # a call past its deadline: "not answering"
            records.guard.call(lambda: time.sleep(1))
        time.sleep(records.guard.cooloff_s + 0.1)  # the guard lets calls through again
        guarded.renew("A", [], lease_s=30)
        assert guarded.release_dead([]) == 0
        assert records.guard.down
        guarded.add(_question(1))  # a write that reached the database
        assert not records.guard.down
    finally:
        records.close()
