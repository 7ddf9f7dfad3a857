"""The records layer against a real PostgreSQL (skipped when none is reachable)."""

from __future__ import annotations

import pytest
from records_cases import exercise_records
from sqlalchemy import inspect

from qa_engine.records import SCHEMA_VERSION, Records

pytestmark = pytest.mark.integration


def test_records_on_postgresql(pg_url: str, pg_schema: str) -> None:
    records = Records(pg_url, schema=pg_schema)
    records.warm_up()
    try:
        assert records.schema_version() == SCHEMA_VERSION
        tables = set(inspect(records.engine).get_table_names(schema=pg_schema))
        assert {"answers", "votes", "corrections", "processed_events", "schema_version"} <= tables
        exercise_records(records)
    finally:
        records.close()
    reopened = Records(pg_url, schema=pg_schema)
    reopened.warm_up()  # idempotent on an existing schema
    assert len(list(reopened.export())) == 1
    reopened.close()
