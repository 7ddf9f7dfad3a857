"""The records layer against a real PostgreSQL (skipped when none is reachable)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from records_cases import exercise_records
from sqlalchemy import create_engine, inspect, text

from bot.records import SCHEMA_VERSION, Records

PG_URL = os.environ.get(
    "STYLESPRINT_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)

pytestmark = pytest.mark.integration


@pytest.fixture
def pg_schema() -> Iterator[str]:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
    except Exception as exc:  # no driver, no server, no database
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}")
    schema = f"stylesprint_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_records_on_postgresql(pg_schema: str) -> None:
    records = Records(PG_URL, schema=pg_schema)
    records.warm_up()
    try:
        assert records.schema_version() == SCHEMA_VERSION
        tables = set(inspect(records.engine).get_table_names(schema=pg_schema))
        assert {"answers", "votes", "corrections", "processed_events", "schema_version"} <= tables
        exercise_records(records)
    finally:
        records.close()
    reopened = Records(PG_URL, schema=pg_schema)
    reopened.warm_up()  # idempotent on an existing schema
    assert len(list(reopened.export())) == 1
    reopened.close()
