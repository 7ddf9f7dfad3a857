"""`stylesprint forget USER_ID` and `stylesprint retention apply` on a real data directory
(SQLite records, training files), and the modes of everything the first `ask` writes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from qa_engine.records import UP, Records
from qa_engine.records.schema import AnswerRow, utcnow
from qa_engine.types import Answer
from stylesprint.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _answer(question: str) -> Answer:
    return Answer(question=question, answered=False, answer="I don't know.", span=None,
                  confidence=0.1, sources=[], model_version="v1", latency_ms=1.0)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(data))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("STYLESPRINT_RETENTION_DAYS", "30")
    records = Records(f"sqlite:///{data / 'stylesprint.db'}")
    records.warm_up()
    mine = records.log_answer(_answer("Alice's question"), surface="command", asker="UALICE")
    theirs = records.log_answer(_answer("Bob's question"), surface="command", asker="UBOB")
    records.record_vote(theirs, "UALICE", UP, source="button")
    with records.engine.begin() as conn:
        conn.execute(update(AnswerRow).where(AnswerRow.id == mine)
                     .values(created_at=utcnow() - timedelta(days=45)))
    records.close()
    run = data / "retrain" / "run-00001"
    run.mkdir(parents=True)
    (run / "train.jsonl").write_text(json.dumps({"id": "fb", "answer_ids": [theirs]}) + "\n"
                                     + json.dumps({"id": "base"}) + "\n")
    return data


def test_forget_prints_a_count_per_place_and_a_second_run_removes_nothing(
        data_dir: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["forget", "UALICE"])
    assert first.exit_code == 0, first.output
    lines = dict(line.split()[::-1] for line in first.stdout.splitlines())
    assert lines == {"answers": "1", "votes": "1", "corrections": "0", "verified_answers": "0",
                     "handoffs": "0", "rollbacks": "0", "question_jobs": "0",
                     "retrain/run-00001/train.jsonl": "1"}
    assert "forgot UALICE: 3 row(s)" in first.stderr

    again = runner.invoke(app, ["forget", "UALICE", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["total"] == 0
    rows = (data_dir / "retrain" / "run-00001" / "train.jsonl").read_text().splitlines()
    assert [json.loads(r)["id"] for r in rows] == ["base"]


@pytest.mark.parametrize("user", ["alice", "U", "U1 2", ""])
def test_forget_refuses_what_is_not_a_user_id_in_one_line(data_dir: Path, user: str) -> None:
    result = CliRunner().invoke(app, ["forget", user])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "user id" in result.output


def test_retention_apply_drops_old_text_and_makes_the_data_directory_private(
        data_dir: Path) -> None:
    os.chmod(data_dir, 0o755)  # as an older version left it
    result = CliRunner().invoke(app, ["retention", "apply", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["tables"]["answers"] == 1 and report["total"] == 1
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert json.loads(CliRunner().invoke(app, ["retention", "apply", "--json"]).stdout)[
        "total"] == 0


def test_every_file_and_folder_the_first_ask_writes_is_private(tmp_path: Path) -> None:
    """The real command, in its own process with a permissive umask (022) as a shell gives
    it: fresh data directory, demo KB ingested into Chroma, shipped reader installed."""
    data = tmp_path / "fresh"
    env = {**os.environ, "STYLESPRINT_DATA_DIR": str(data), "OMP_NUM_THREADS": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.umask(0o022); sys.argv[0] = 'stylesprint'; "
         "from stylesprint.cli import main; main()", "ask", "How long is express shipping?"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    entries = [data, *data.rglob("*")]
    assert len(entries) > 10  # chroma, its sqlite, the model registry, ...
    loose = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode))
             for p in entries
             if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)}
    assert loose == {}
    assert (data / "chroma" / "chroma.sqlite3").exists()
