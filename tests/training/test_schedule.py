"""The weekly schedule (APScheduler 3.x, job stored in the project database) and the
retrain lock (one row in `retrain_lock`, taken with one atomic statement), on SQLite and,
when one is reachable, PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.date import DateTrigger
from loop_kit import install_current, loop_settings
from sqlalchemy import create_engine, select, text

from bot.settings import ServingSettings
from training.runs import RetrainStore
from training.schedule import (
    JOB_ID,
    JOBS_TABLE,
    build_scheduler,
    job_settings,
    next_run_time,
    start_background_scheduler,
    weekly_trigger,
)


def wait_for(predicate, timeout: float = 60.0, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("condition not met in time")


def test_weekly_trigger_defaults_to_sunday_3am_in_the_configured_zone():
    berlin = ZoneInfo("Europe/Berlin")
    settings = ServingSettings(_env_file=None, retrain={"timezone": "Europe/Berlin"})
    monday = datetime(2025, 3, 24, 12, 0, tzinfo=berlin)
    fire = weekly_trigger(settings).get_next_fire_time(None, monday)
    assert fire == datetime(2025, 3, 30, 3, 0, tzinfo=berlin)  # the Sunday clocks change
    assert fire.weekday() == 6
    custom = ServingSettings(_env_file=None, retrain={"day": "wed", "hour": 22, "minute": 30})
    fire = weekly_trigger(custom).get_next_fire_time(None, monday)
    assert (fire.weekday(), fire.hour, fire.minute, str(fire.tzinfo)) == (2, 22, 30, "UTC")
    cron = ServingSettings(_env_file=None, retrain={"cron": "15 4 * * mon", "hour": 22})
    fire = weekly_trigger(cron).get_next_fire_time(None, monday)
    assert (fire.weekday(), fire.hour, fire.minute) == (0, 4, 15) and fire > monday


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        ServingSettings(_env_file=None, retrain={"timezone": "Mars/Olympus_Mons"})


def test_the_job_is_persistent_and_stores_no_secrets(tmp_path):
    settings = ServingSettings(_env_file=None, data_dir=tmp_path,
                               slack={"bot_token": "fake-secret-token"}, retrain={"hour": 4})
    stored = job_settings(settings)
    assert stored["retrain"] == {"hour": 4} and "bot_token" not in stored.get("slack", {})
    assert "fake-secret-token" not in repr(stored)
    first = build_scheduler(settings)
    first.start(paused=True)
    due = next_run_time(first)
    assert (due.hour, due.weekday()) == (4, 6)
    job = first.get_job(JOB_ID)
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (
        True, 1, settings.retrain.misfire_grace_s)
    first.shutdown()

    engine = create_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        [(job_id, state)] = conn.execute(text(f"SELECT id, job_state FROM {JOBS_TABLE}")).all()
    engine.dispose()
    assert job_id == JOB_ID and b"fake-secret-token" not in bytes(state)

    # a restarted scheduler (replace_existing) finds the same job and run time in the database
    again = build_scheduler(settings)
    again.start(paused=True)
    assert [j.id for j in again.get_jobs()] == [JOB_ID] and next_run_time(again) == due
    again.shutdown()


def test_a_scheduled_retrain_fires_and_is_recorded(tmp_path, tiny_reader):
    settings = loop_settings(tmp_path)
    install_current(settings, tiny_reader.dir)
    soon = datetime.now(timezone.utc) + timedelta(seconds=1)
    scheduler = start_background_scheduler(settings, trigger=DateTrigger(run_date=soon))
    try:
        store = RetrainStore(settings.resolved_database_url)
        [run] = wait_for(lambda: [r for r in store.history() if r.finished_at])
    finally:
        scheduler.shutdown()
    # no feedback yet: the run is skipped as "no new data", v1 keeps serving, all recorded
    assert (run.trigger, run.status, run.parent) == ("schedule", "skipped", "v1")
    assert run.reason.startswith("no new data")
    assert store.holder() is None


def test_a_run_missed_beyond_the_grace_time_is_recorded_as_missed(tmp_path):
    settings = ServingSettings(_env_file=None, data_dir=tmp_path, retrain={"misfire_grace_s": 1})
    long_ago = datetime.now(timezone.utc) - timedelta(minutes=5)
    scheduler = start_background_scheduler(settings, trigger=DateTrigger(run_date=long_ago))
    try:
        store = RetrainStore(settings.resolved_database_url)
        [run] = wait_for(lambda: store.history(), timeout=20)
    finally:
        scheduler.shutdown()
    assert (run.trigger, run.status) == ("schedule", "missed")
    assert "grace time (1 s)" in run.reason


# --------------------------------------------------------------------------------- the lock
def exercise_lock(store: RetrainStore) -> None:
    assert store.holder() is None
    assert store.acquire("A", ttl_s=60)
    assert not store.acquire("B", ttl_s=60)
    assert store.holder()[0] == "A"
    assert store.acquire("A", ttl_s=60)  # the holder may extend its lease
    store.release("B")  # not B's to release
    assert store.holder()[0] == "A"
    store.release("A")
    assert store.holder() is None and store.acquire("B", ttl_s=0.2)
    time.sleep(0.4)  # B died without releasing: its lease expires
    assert store.holder() is None
    assert store.acquire("C", ttl_s=60) and store.holder()[0] == "C"
    store.release("C")

    # many contenders at once (threads stand in for scheduler processes): exactly one wins
    barrier = threading.Barrier(6)
    won: list[str] = []

    def contend(name: str) -> None:
        barrier.wait()
        if store.acquire(name, ttl_s=60):
            won.append(name)

    threads = [threading.Thread(target=contend, args=(f"P{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and store.holder()[0] == won[0]
    store.release(won[0])

    # the run log: newest first, last evaluated run, interrupted runs marked failed
    a = store.start_run("manual", owner="A")
    store.finish_run(a, "rejected", "worse on F1", fingerprint="f1")
    b = store.start_run("schedule", owner="B")  # its process died
    assert store.fail_interrupted() == 1
    assert [r.id for r in store.history()] == [b, a]
    assert store.get(b).status == "failed" and "interrupted" in store.get(b).reason
    assert store.last_finished().id == a and store.last_finished().fingerprint == "f1"


def test_lock_and_run_log_on_sqlite(tmp_path):
    store = RetrainStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    exercise_lock(store)
    store.close()


@pytest.mark.integration
def test_lock_and_run_log_on_postgresql(pg_url, pg_schema):
    store = RetrainStore(pg_url, schema=pg_schema)
    exercise_lock(store)
    with store.engine.connect() as conn:
        tables = set(conn.execute(select(text("tablename")).select_from(text("pg_tables"))
                                  .where(text("schemaname = :s")), {"s": pg_schema}).scalars())
    assert {"retrain_runs", "retrain_lock"} <= tables
    store.close()
