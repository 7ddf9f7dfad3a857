"""`DATABASE_URL` as people paste it: normalised to the installed driver; failures one line.

The PostgreSQL cases talk to the real server at 127.0.0.1:5432 (trust auth, database
`test`) in a throw-away schema, and skip with the reason when it does not answer.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from qa_engine import db
from qa_engine.db import DatabaseUnavailable, normalize_database_url
from stylesprint.cli import app

INSTALLED = next(d for d in db.POSTGRES_DRIVERS if importlib.util.find_spec(d))
PASTED = ["postgresql://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/test",
          "postgresql+psycopg2://postgres@127.0.0.1:5432/test",
          "postgresql+psycopg://postgres@127.0.0.1:5432/test"]


@pytest.mark.parametrize("url", PASTED)
def test_pasted_postgres_urls_use_an_installed_driver(url: str) -> None:
    normal = make_url(normalize_database_url(url))
    assert normal.drivername in {f"postgresql+{d}" for d in db.POSTGRES_DRIVERS
                                 if importlib.util.find_spec(d)}
    assert (normal.host, normal.port, normal.database, normal.username) == \
        ("127.0.0.1", 5432, "test", "postgres")


def test_a_named_installed_driver_is_kept_and_other_urls_are_untouched() -> None:
    url = f"postgresql+{INSTALLED}://u:p%40ss@db:5433/x?sslmode=require"
    assert normalize_database_url(url) == url  # password and query survive
    for other in ("sqlite:///tmp/x.db", "mysql://u@h/db"):
        assert normalize_database_url(other) == other


def test_no_postgres_driver_installed_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # The preference list names only drivers that really are not installed here.
    monkeypatch.setattr(db, "POSTGRES_DRIVERS", ("no_such_pg_driver",))
    with pytest.raises(DatabaseUnavailable, match=r"no PostgreSQL driver.*\[postgres\]"):
        normalize_database_url("postgresql+no_such_pg_driver://u@h/db")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(tmp_path / "data"))

    def run(url: str, *args: str):
        return CliRunner().invoke(app, list(args), env={"DATABASE_URL": url})

    return run


@pytest.mark.integration
@pytest.mark.parametrize("form", ["postgresql://", "postgres://", "postgresql+psycopg://"])
def test_feedback_export_on_postgres_with_each_pasted_form(cli, pg_schema: str, form: str) -> None:
    url = f"{form}postgres@127.0.0.1:5432/test?options=-csearch_path%3D{pg_schema}"
    result = cli(url, "feedback", "export", "--json")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # an empty, freshly created schema
    history = cli(url, "retrain", "--history")
    assert history.exit_code == 0, history.output


@pytest.mark.parametrize("args", [["feedback", "export"], ["retrain", "--history"],
                                  ["feedback", "dataset"]])
def test_unreachable_server_is_one_line_naming_database_url(cli, args: list[str]) -> None:
    result = cli("postgresql://postgres:hunter2@127.0.0.1:1/test", *args)
    assert result.exit_code == db_exit_code()
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: cannot open the records database (DATABASE_URL=")
    assert "hunter2" not in lines[0] and "Connection refused" in lines[0]


def test_missing_driver_and_a_non_url_are_one_line(cli) -> None:
    for url, message in (("mysql://u@127.0.0.1/db", "driver is not installed"),
                         ("not a url", "DATABASE_URL is not a database URL")):
        result = cli(url, "feedback", "export")
        assert result.exit_code == db_exit_code(), result.output
        assert len(result.output.strip().splitlines()) == 1 and message in result.output


def db_exit_code() -> int:
    from stylesprint.cli.common import EXIT_DATABASE

    assert EXIT_DATABASE == 5  # documented in docs/operations.md
    return EXIT_DATABASE
