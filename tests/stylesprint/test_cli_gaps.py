"""`stylesprint gaps [--since] [--json]` on a seeded records database (real MiniLM)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_engine.records import Records
from stylesprint.cli import app

sys.path.insert(0, str(Path(__file__).parents[1] / "qa_engine"))
from gap_cases import TOPICS, seed  # noqa: E402


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()
    return tmp_path / "data"


def test_gaps_json_and_text(data_dir: Path) -> None:
    records = Records(f"sqlite:///{(data_dir / 'stylesprint.db').resolve()}")
    seed(records)
    records.close()
    result = CliRunner().invoke(app, ["gaps", "--since", "7d", "--json"])
    assert result.exit_code == 0, result.output[-500:]
    gaps = [json.loads(line) for line in result.stdout.splitlines()]
    assert [g["name"] in TOPICS["japan"] for g in gaps] == [True, False, False]
    assert gaps[0]["askers"] == 4 and gaps[0]["closest_passages"][0]["score"] == 0.63
    assert set(gaps[0]) >= {"examples", "reasons", "answer_ids"}

    text = CliRunner().invoke(app, ["gaps", "--limit", "1"])
    assert text.exit_code == 0 and "4 agent(s), 4 question(s): declined 4" in text.stdout
    assert "... and 2 more gap(s)" in text.stdout


def test_gaps_bad_period_is_one_line(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["gaps", "--since", "soon"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: --since 'soon' is not a period like 7d, 24h or 2w"
