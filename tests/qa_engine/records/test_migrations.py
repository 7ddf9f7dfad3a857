"""One Alembic history for every table (qa_engine/records/migrate.py), on real databases.

- the models of every package and the history agree (a model change without a revision
  fails here);
- a data directory made by the release before Alembic (legacy/release_v3.sql, written
  by that release's code) upgrades without losing a row, and that release would refuse
  the upgraded database;
- the embedded SQLite upgrades itself on first use; PostgreSQL refuses a schema that is
  older or newer with one line naming `stylesprint db upgrade`, and the upgrade itself
  runs from several processes at once without harm (advisory lock).
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, inspect, text

from qa_engine.records import Records, SchemaMismatch, head_revision, migrate
from qa_engine.records.schema import Base
from qa_engine.types import Answer
from training.runs import RetrainStore
from training.runs import _Base as RunsBase

LEGACY_SQL = Path(__file__).with_name("legacy") / "release_v3.sql"
ROOT = Path(__file__).resolve().parents[3]

#: rows per table in legacy/release_v3.sql
LEGACY_ROWS = {"answers": 3, "votes": 3, "corrections": 1, "verified_answers": 2,
               "processed_events": 1, "question_jobs": 1, "handoffs": 1, "rollbacks": 1,
               "retrain_runs": 1, "retrain_lock": 1, "apscheduler_jobs": 1}


def legacy_db(path: Path) -> str:
    conn = sqlite3.connect(path)
    conn.executescript(LEGACY_SQL.read_text(encoding="utf-8"))
    conn.close()
    return f"sqlite:///{path}"


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {t: conn.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in LEGACY_ROWS}
    engine.dispose()
    return found


#: the modules whose models sit on the shared records' metadata (`schema.Base`), in
#: every package: the shared records here, the bot's own tables in bot/state/ (the
#: retrain log and lock, training/runs.py, have a metadata of their own: `RunsBase`)
MODEL_MODULES = ("qa_engine.records.schema", "bot.state.keys", "bot.state.questions",
                 "bot.state.teamwork")


def models_metadata() -> MetaData:
    """Every table the code reads and writes, APScheduler's job table included."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    for module in MODEL_MODULES:
        importlib.import_module(module)
    metadata = MetaData()
    for source in (Base.metadata, RunsBase.metadata):
        for table in source.tables.values():
            table.to_metadata(metadata)
    SQLAlchemyJobStore(url="sqlite://", tablename="apscheduler_jobs", metadata=metadata)
    return metadata


def differences(url: str) -> list[object]:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), models_metadata())
    engine.dispose()
    return [d for d in diff if not (isinstance(d, tuple) and d[0] == "remove_table"
                                    and d[1].name == "alembic_version")]


def test_every_module_with_a_table_is_compared() -> None:
    """A table defined in any package (a model moved to its owner, a new one) is in the
    comparison: `MODEL_MODULES`, or the retrain log's own metadata (`RunsBase`)."""
    defining = set()
    for package in ("qa_engine", "bot", "training", "stylesprint"):
        for path in (ROOT / package).rglob("*.py"):
            if "__tablename__" in path.read_text(encoding="utf-8"):
                defining.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    assert defining == {*MODEL_MODULES, "training.runs"}


def test_the_history_creates_exactly_the_models_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    records = Records(url)
    records.warm_up()  # the embedded SQLite upgrades itself on first use
    assert records.schema_version() == head_revision()
    records.close()
    assert differences(url) == []


def test_a_database_of_the_previous_release_upgrades_without_loss(tmp_path: Path) -> None:
    url = legacy_db(tmp_path / "records.db")
    before = counts(url)
    assert before == LEGACY_ROWS  # the fixture is what it says
    engine = create_engine(url)
    with engine.connect() as conn:
        state = migrate.schema_state(conn)
    assert state.legacy and state.current is None

    records = Records(url)
    records.warm_up()
    try:
        assert records.schema_version() == head_revision()
        assert counts(url) == before
        exported = list(records.export())
        assert [row["votes"] for row in exported][:2] == [{"up": 2, "down": 0},
                                                            {"up": 0, "down": 1}]
        assert exported[1]["corrections"][0]["reason"] == "wrong_span"
        assert sorted((v.origin, v.question) for v in records.verified.all()) == [
            ("correction", "return window 1?"), ("votes", "return window 0?")]
        new = records.log_answer(exported_answer(), surface="command")
        records.record_vote(new, "U3", 1, source="button", event_ts="1700000009.000001")
        assert records.votes(new) == {"up": 1, "down": 0}
    finally:
        records.close()
    runs = RetrainStore(url)
    (run,) = runs.history()
    assert (run.status, run.candidate) == ("rejected", "cand-1")
    assert runs.holder() is None or runs.holder()[0] == "host:1:abc"
    runs.close()
    assert differences(url) == []
    engine.dispose()


def test_the_previous_release_refuses_an_upgraded_database(tmp_path: Path) -> None:
    """Its start-up check reads max(schema_version.version) and refuses anything above 3."""
    url = legacy_db(tmp_path / "records.db")
    Records(url).warm_up()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT max(version) FROM schema_version")) > 3
    engine.dispose()


def test_a_newer_schema_is_refused_in_one_line_naming_the_release(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    Records(url).warm_up()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(SchemaMismatch) as refused:
        Records(url).warm_up()
    message = str(refused.value)
    assert "\n" not in message and "9999_from_the_future" in message and "newer" in message
    with pytest.raises(SchemaMismatch):
        RetrainStore(url).warm_up()


def test_db_upgrade_command_on_a_previous_release_sqlite(tmp_path: Path) -> None:
    """`stylesprint db upgrade` as an operator runs it, in its own process."""
    (tmp_path / "data").mkdir()
    legacy_db(tmp_path / "data" / "stylesprint.db")
    env = {**os.environ, "STYLESPRINT_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    run = [sys.executable, "-m", "stylesprint", "db"]
    current = subprocess.run([*run, "current", "--json"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert current.returncode == 0, current.stderr
    assert '"legacy": true' in current.stdout
    done = subprocess.run([*run, "upgrade"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"upgraded from none to {head_revision()}" in done.stdout
    again = subprocess.run([*run, "upgrade"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=120)
    assert f"already at {head_revision()}" in again.stdout
    assert counts(f"sqlite:///{tmp_path / 'data' / 'stylesprint.db'}") == LEGACY_ROWS


# --- PostgreSQL: the deploy step -------------------------------------------------------

@pytest.mark.integration
def test_postgresql_refuses_until_upgraded_then_upgrades_once_under_the_lock(
        pg_url: str, pg_schema: str) -> None:
    engine = create_engine(pg_url)
    with engine.begin() as conn:  # a schema the fixture did not upgrade
        conn.execute(text(f'DROP SCHEMA "{pg_schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{pg_schema}"'))
    with pytest.raises(SchemaMismatch, match="stylesprint db upgrade"):
        Records(pg_url, schema=pg_schema).warm_up()
    with pytest.raises(SchemaMismatch, match="stylesprint db upgrade"):
        RetrainStore(pg_url, schema=pg_schema).warm_up()

    # several replicas run the deploy step at once: one migrates, the others wait on the
    # advisory lock and find the schema at the head
    code = ("import sys; from sqlalchemy import create_engine; "
            "from qa_engine.records import migrate; "
            "print(migrate.upgrade(create_engine(sys.argv[1]), sys.argv[2]))")
    procs = [subprocess.Popen([sys.executable, "-c", code, pg_url, pg_schema], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results]
    outs = sorted(out.strip() for out, _ in results)
    head = head_revision()
    assert outs == sorted([f"(None, '{head}')"] + [f"('{head}', '{head}')"] * 2)

    records = Records(pg_url, schema=pg_schema)
    records.warm_up()
    assert records.schema_version() == head
    assert set(LEGACY_ROWS) <= set(inspect(records.engine).get_table_names(schema=pg_schema))
    records.close()
    engine.dispose()


def test_lock_keys_differ_per_schema() -> None:
    assert migrate.lock_key("a") != migrate.lock_key("b")
    assert -(2 ** 63) <= migrate.lock_key(None) < 2 ** 63


def exported_answer() -> Answer:
    return Answer(question="and for sale items?", answered=False, answer="I don't know.",
                  span=None, confidence=0.1, sources=[], model_version="test",
                  latency_ms=1.0)
