"""`stylesprint feedback export` and `stylesprint serve` from the command line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from bot_harness import BOT_TOKEN, SIGNING_SECRET
from records_cases import make_answer
from slack_sdk.signature import SignatureVerifier
from slack_standin import SlackStandIn
from typer.testing import CliRunner

from qa_engine.records import DOWN, UP, Records
from stylesprint.cli import app

SLACK_VARS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in SLACK_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_feedback_export_json_lines(data_dir: Path) -> None:
    records = Records(f"sqlite:///{(data_dir / 'stylesprint.db').resolve()}")
    first = records.log_answer(make_answer(), surface="command", channel="C1", asker="U0")
    records.mark_delivered(first, delivery="channel", message_ts="1700000001.000001")
    second = records.log_answer(
        make_answer("Do you ship to Canada?"), surface="mention", channel="C2"
    )
    records.record_vote(first, "U1", UP, source="reaction")
    records.record_vote(first, "U2", DOWN, source="reaction")
    records.add_correction(first, "U2", "30 days from delivery", "Returns")
    records.close()

    result = CliRunner().invoke(app, ["feedback", "export", "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["answer_id"] for row in lines] == [first, second]
    contract = {
        "answer_id",
        "question",
        "answer",
        "span",
        "confidence",
        "model_version",
        "channel",
        "ts",
        "votes",
        "corrections",
    }
    assert all(contract <= set(row) for row in lines)
    assert lines[0]["votes"] == {"up": 1, "down": 1} and lines[0]["ts"] == "1700000001.000001"
    assert lines[0]["corrections"][0]["text"] == "30 days from delivery"
    assert lines[1]["votes"] == {"up": 0, "down": 0} and lines[1]["corrections"] == []

    human = CliRunner().invoke(app, ["feedback", "export"])
    assert human.exit_code == 0
    assert f"#{first}  +1 -1" in human.stdout and "Correction by U2: 30 days" in human.stdout


def test_feedback_export_on_an_empty_database(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["feedback", "export", "--json"])
    assert result.exit_code == 0 and result.stdout == ""


@pytest.mark.parametrize(
    ("args", "missing"),
    [
        ([], "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET"),
        (["--socket"], "SLACK_BOT_TOKEN, SLACK_APP_TOKEN"),
    ],
)
def test_serve_names_missing_settings_before_loading_anything(
    data_dir: Path, args: list[str], missing: str
) -> None:
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 2
    assert missing in result.output
    assert not (data_dir / "chroma").exists()  # failed before touching the knowledge base


@pytest.mark.slow
@pytest.mark.integration
def test_serve_process_answers_health_and_signed_help(data_dir: Path) -> None:
    """The real `stylesprint serve` process (loads its own models: slow)."""
    standin = SlackStandIn(token=BOT_TOKEN).start()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from stylesprint.cli import main; main()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = None
        deadline = time.monotonic() + 300
        assert proc.stderr is not None
        seen: list[str] = []
        while port is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            seen.append(line)
            assert line or proc.poll() is None, "serve exited early"
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)/slack/events", line)
            port = int(match.group(1)) if match else None
            assert BOT_TOKEN not in line and SIGNING_SECRET not in line
        assert port, "serve never reported its port"
        # the one status line: where the data is, the KB and the model
        [status] = [x for x in seen if x.startswith("stylesprint: data ")]
        assert f"data {data_dir.resolve()} (new)" in status and "the demo KB" in status
        assert "; model " in status
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                health = httpx.get(f"{base}/healthz", timeout=5)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert health.json()["ok"] is True and health.json()["model_version"]
        body = urlencode(
            {
                "command": "/stylesprint",
                "text": "help",
                "user_id": "U1",
                "channel_id": "C1",
                "team_id": standin.team_id,
            }
        )
        ts = str(int(time.time()))
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
        response = httpx.post(
            f"{base}/slack/events",
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature,
            },
        )
        assert response.status_code == 200 and "/stylesprint ask" in response.json()["text"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        standin.stop()
