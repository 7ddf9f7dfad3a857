"""Field report row 1: a records database that hangs.

Faults are real: a PostgreSQL partition (a relay that keeps every connection open and
forwards nothing, tests/bot/db_faults.py) and an exclusive SQLite lock held by another
connection. Throughout, every ack stays under Slack's 3 s (measured here with generous
bounds: these are fault tests, not speed targets), votes are spooled, questions are
answered without records, the log says so in one line, and everything spooled is
written once the database answers again. The long versions (the field report's 25 s
and 50 s) are marked slow: `pytest -m slow tests/bot/test_hardening_db.py`.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import httpx
import pytest
from bot_harness import BotServer, eventually, post_answer, running_bot
from db_faults import relayed_pg_records
from sqlalchemy import text

from bot.blocks import VOTE_UP_ACTION
from bot.state import QuestionStore
from qa_engine.db import DatabaseNotAnswering, DbTimeouts
from qa_engine.deadline import DeadlineGuard
from qa_engine.records import Records

QUESTION = "What is the return window for online orders?"
FAST = DbTimeouts(connect_s=2, statement_s=2, keepalive_s=2, sqlite_busy_s=1)
ACK_LIMIT_S = 3.0


def timed(send: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    response = send()
    return response, time.perf_counter() - started


def spooled(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def ride_out_the_hang(bot: BotServer, ts: str, answer_id: int, hang_s: float,
                      spool: Path, caplog: pytest.LogCaptureFixture) -> list[float]:
    """While the database hangs: votes, a button and a question, each acked in time.

    Returns the ack times; leaves `n` 👍 from distinct agents spooled plus one button vote.
    """
    acks: list[float] = []
    started = time.monotonic()
    r, took = timed(lambda: bot.command(f"ask {QUESTION}", channel="C0HANG",
                                        response_url=bot.standin.response_url("hang")))
    assert r.status_code == 200 and "Looking that up" in r.json()["text"]
    acks.append(took)
    r, took = timed(lambda: bot.click(VOTE_UP_ACTION, str(answer_id), "UBUTTON"))
    assert r.status_code == 200
    acks.append(took)
    n = 0
    while time.monotonic() - started < hang_s:
        n += 1
        r, took = timed(lambda n=n: bot.reaction("reaction_added", "+1", f"UAGENT{n}",
                                                 "C0SUPPORT", ts))
        assert r.status_code == 200
        acks.append(took)
        health = httpx.get(f"{bot.url}/healthz", timeout=10)
        assert health.status_code in (200, 503)
        time.sleep(0.5)
    # degraded, not stuck: the question went out without a record, the votes are spooled
    eventually(lambda: [c for c in bot.standin.calls_to("chat.postMessage")
                        if c.params.get("channel") == "C0HANG"], timeout=30)
    eventually(lambda: spooled(spool) == n + 1, timeout=30)
    assert httpx.get(f"{bot.url}/healthz", timeout=10).status_code == 503
    said = [r for r in caplog.records if "database not answering" in r.getMessage()]
    assert len(said) == 1, len(said)  # one line, however long the hang
    assert not [r for r in caplog.records if QUESTION in r.getMessage()]
    return acks


def check_recovery(bot: BotServer, records: Records, answer_id: int, spool: Path,
                   agents: int) -> None:
    eventually(lambda: not spool.exists(), timeout=60)
    assert records.votes(answer_id) == {"up": agents + 1, "down": 0}
    assert httpx.get(f"{bot.url}/healthz", timeout=10).status_code == 200


def run_pg_partition(engine: Any, standin: Any, tmp_path: Path, hang_s: float,
                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with relayed_pg_records(FAST) as (records, relay), \
            running_bot(engine, standin, records, tmp_path) as bot:
        ts, answer_id = post_answer(bot)
        relay.pause()  # partitioned: connections hang, nothing is refused
        try:
            acks = ride_out_the_hang(bot, ts, answer_id, hang_s, tmp_path /
                                     "pending-votes.jsonl", caplog)
        finally:
            relay.resume()
        print(f"\npartition {hang_s:.0f} s: {len(acks)} acks, slowest {max(acks) * 1000:.0f} ms")
        assert max(acks) < ACK_LIMIT_S, max(acks)
        check_recovery(bot, records, answer_id, tmp_path / "pending-votes.jsonl",
                       agents=spooled_agents(acks))
        with records.engine.connect() as conn:  # nothing given up on was written as well
            count = conn.scalar(text(f'SELECT count(*) FROM "{records.schema}".votes'))
            assert count == spooled_agents(acks) + 1, count


def spooled_agents(acks: list[float]) -> int:
    return len(acks) - 2  # the command and the button are the first two


@pytest.mark.integration
def test_a_partitioned_postgresql_keeps_acks_fast_and_degrades(
    engine: Any, standin: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """This test once posted the partition's question late (over 30 s), in 1 of 3 full
    runs (3 of 6 under extra CPU load): the cause, and its deterministic version, are
    in the next test. Fixed; back in the default suite."""
    run_pg_partition(engine, standin, tmp_path, hang_s=8, caplog=caplog)


def posts_to(bot: BotServer, channel: str) -> list[Any]:
    return [c for c in bot.standin.calls_to("chat.postMessage")
            if c.params.get("channel") == channel]


@pytest.mark.integration
def test_a_partition_that_starts_inside_a_queue_call_holds_no_worker(
    engine: Any, standin: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cause of the late post above. `post_answer` returns once the earlier answer's
    record is marked delivered; the worker then finishes its queue row. When the
    partition began in between, `QuestionStore.finish` ran with no deadline (the queue's
    calls were not under the records' `DeadlineGuard`), blocked in the connection pool's
    pre-ping for as long as the partition lasted, on the harness's only worker; the
    question asked meanwhile (refused by the queue within the ack deadline, so answered
    without a record) waited on the pool behind it. Thread dump of a failed run: the
    worker in `do_ping` under `QuestionStore._set` <- `finish` <- `Delivery._delivered`.

    Here the partition starts exactly there. Now every queue call is bounded: the worker
    gives the question up within the deadline (no apology: the answer is posted), the
    question asked meanwhile is answered while the database is still partitioned, and
    once it answers again the question let go is claimed again, found already posted
    (by its delivery key) and finished: posted once.
    """
    caplog.set_level(logging.INFO)
    with relayed_pg_records(FAST) as (records, relay), \
            running_bot(engine, standin, records, tmp_path, bot={"queue_lease_s": 3}) as bot:
        finish = QuestionStore.finish
        recorded, partitioned = threading.Event(), threading.Event()

        def partition_then_finish(store: QuestionStore, *args: Any, **kwargs: Any) -> Any:
            if not partitioned.is_set():  # the first finish: the earlier answer's
                recorded.wait(30)
                relay.pause()
                partitioned.set()
            return finish(store, *args, **kwargs)

        monkeypatch.setattr(QuestionStore, "finish", partition_then_finish)
        post_answer(bot)
        recorded.set()
        assert partitioned.wait(30)
        try:
            r = bot.command(f"ask {QUESTION}", channel="C0HANG",
                            response_url=bot.standin.response_url("hang"))
            assert r.status_code == 200 and "Looking that up" in r.json()["text"]
            # while the database is still partitioned (it stays so until `finally`):
            eventually(lambda: posts_to(bot, "C0HANG"))
            eventually(lambda: bot.pool.admitted == 0)  # no worker is held by the database
        finally:
            relay.resume()
        store = QuestionStore(records.engine)
        eventually(lambda: store.outcomes() == {"channel": 1}, timeout=60)
        assert len(posts_to(bot, "C0SUPPORT")) == 1
        assert not bot.standin.calls_to("response_url")  # nobody told "something went wrong"
    assert [r for r in caplog.records if "records unavailable" in r.getMessage()
            and "it resumes" in r.getMessage()]


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("hang_s", [25, 50])
def test_the_field_reports_postgresql_partitions(
    engine: Any, standin: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture, hang_s: int
) -> None:
    run_pg_partition(engine, standin, tmp_path, hang_s=hang_s, caplog=caplog)


def run_sqlite_lock(engine: Any, standin: Any, tmp_path: Path, hang_s: float,
                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    records = Records(f"sqlite:///{tmp_path / 'records.db'}", timeouts=FAST)
    records.warm_up()
    try:
        with running_bot(engine, standin, records, tmp_path) as bot:
            ts, answer_id = post_answer(bot)
            blocker = sqlite3.connect(records.engine.url.database, isolation_level=None)
            blocker.execute("BEGIN EXCLUSIVE")  # nobody else may read or write
            try:
                acks = ride_out_the_hang(bot, ts, answer_id, hang_s,
                                         tmp_path / "pending-votes.jsonl", caplog)
            finally:
                blocker.execute("COMMIT")
                blocker.close()
            print(f"\nSQLite lock {hang_s:.0f} s: {len(acks)} acks, "
                  f"slowest {max(acks) * 1000:.0f} ms")
            assert max(acks) < ACK_LIMIT_S, max(acks)
            check_recovery(bot, records, answer_id, tmp_path / "pending-votes.jsonl",
                           agents=spooled_agents(acks))
    finally:
        records.close()


def test_an_exclusive_sqlite_lock_keeps_acks_fast_and_degrades(
    engine: Any, standin: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run_sqlite_lock(engine, standin, tmp_path, hang_s=5, caplog=caplog)


@pytest.mark.slow
def test_the_field_reports_12_s_sqlite_lock(
    engine: Any, standin: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run_sqlite_lock(engine, standin, tmp_path, hang_s=12, caplog=caplog)


# --- the guard itself, on a call that really blocks -------------------------------------------


def test_the_guard_gives_up_at_its_deadline_then_fails_fast_then_probes() -> None:
    guard = DeadlineGuard(deadline_s=0.3, cooloff_s=0.5)
    release = threading.Event()
    started = time.perf_counter()
    with pytest.raises(DatabaseNotAnswering):
        guard.call(lambda: release.wait(10))
    assert 0.25 < time.perf_counter() - started < 2.0
    assert guard.down
    started = time.perf_counter()
    with pytest.raises(DatabaseNotAnswering):  # open: no waiting at all
        guard.call(lambda: 1)
    assert time.perf_counter() - started < 0.1
    release.set()
    time.sleep(0.6)
    assert guard.call(lambda: 42) == 42  # the probe after the cool-off
    assert not guard.down
    guard.close()


def test_a_guarded_call_made_inside_a_guarded_call_runs_in_place() -> None:
    guard = DeadlineGuard(deadline_s=2, workers=1)  # a second worker would be needed
    try:
        assert guard.call(lambda: guard.call(lambda: 42)) == 42
    finally:
        guard.close()


def threads_in(function: str) -> list[int]:
    return [ident for ident, frame in sys._current_frames().items()
            if any(f.name == function for f in traceback.extract_stack(frame))]


@pytest.mark.integration
def test_a_call_blocked_in_the_pools_pre_ping_is_aborted_too() -> None:
    """SQLAlchemy's "checkout" event fires after the pre-ping; on a silent partition the
    pre-ping is where a call blocks first, and the guard must reach it there."""
    with relayed_pg_records(FAST) as (records, relay):
        records.ping()  # a pooled connection: the next checkout pre-pings it
        relay.pause()
        try:
            with pytest.raises(DatabaseNotAnswering):
                records.ping()
            eventually(lambda: not threads_in("do_ping"), timeout=10)
        finally:
            relay.resume()


@pytest.mark.integration
def test_verified_answers_on_a_partitioned_postgresql_give_up_within_the_deadline(
    engine: Any,
) -> None:
    """The engine's verified-answer look-up reads the records too (its own connection),
    on the path of every question, the ones answered without a record included."""
    from qa_engine.corrections import ChromaPassages
    from qa_engine.retrieve.verified_index import VerifiedIndex

    with relayed_pg_records(FAST) as (records, relay):
        index = VerifiedIndex(records, engine.retriever.embedder,
                              ChromaPassages(engine.retriever.collection), threshold=0.92)
        try:
            assert index.lookup(QUESTION) is None  # nothing verified yet; a pooled connection
            relay.pause()
            try:
                found: list[Any] = []
                looking = threading.Thread(target=lambda: found.append(index.lookup(QUESTION)),
                                           daemon=True)
                looking.start()
                looking.join(FAST.deadline_s + 10)  # generous: a bound, not a speed target
                assert not looking.is_alive() and found == [None]
            finally:
                relay.resume()
        finally:
            index.close()


def test_postgres_connections_carry_every_timeout() -> None:
    args = DbTimeouts(connect_s=3, statement_s=5, keepalive_s=10).postgres_args()
    assert args["connect_timeout"] == 3 and args["keepalives"] == 1
    assert args["keepalives_idle"] == 10 and args["keepalives_interval"] == 5
    assert args["tcp_user_timeout"] == 5000
    assert args["options"] == "-c statement_timeout=5000"


@pytest.mark.integration
def test_postgresql_enforces_the_statement_timeout(pg_url: str, pg_schema: str) -> None:
    records = Records(pg_url, schema=pg_schema, timeouts=DbTimeouts(statement_s=1))
    try:
        with records.engine.connect() as conn:
            assert conn.scalar(text("SHOW statement_timeout")) == "1s"
            with pytest.raises(Exception, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(3)"))
    finally:
        records.close()
