"""`stylesprint serve` start-up failures: one line naming the setting, a documented exit code,
and nothing loaded (the Slack checks run before the records, the KB and the models).

Against the local Slack stand-in over real HTTP: a token it does not accept
(`invalid_auth`), Socket Mode not enabled for the app (`socket_mode_not_enabled`: the
stand-in serves no WebSocket until told to), and a Web API address where nothing
listens.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bot_harness import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET
from slack_standin import SlackStandIn
from typer.testing import CliRunner

from stylesprint.cli import app
from stylesprint.cli.common import EXIT_DATABASE, EXIT_SLACK_REJECTED, EXIT_SLACK_UNREACHABLE


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
                 "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    server = SlackStandIn(token=BOT_TOKEN).start()
    yield server
    server.stop()


def _serve(api_url: str, *args: str, token: str = BOT_TOKEN) -> object:
    env = {"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": api_url}
    return CliRunner().invoke(app, ["serve", "--port", "0", *args], env=env)


def _one_error_line(result: object) -> str:
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr  # type: ignore
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    return lines[0]


def test_a_token_slack_rejects_names_slack_bot_token(data_dir: Path, slack: SlackStandIn) -> None:
    result = _serve(slack.api_url, token="xoxb-not-the-token")
    assert result.exit_code == EXIT_SLACK_REJECTED == 6
    line = _one_error_line(result)
    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line and "xoxb-not" not in line
    assert not (data_dir / "chroma").exists()  # nothing loaded
    assert [c.method for c in slack.calls] == ["auth.test"]


def test_socket_mode_not_enabled_says_which_manifest_line(
    data_dir: Path, slack: SlackStandIn
) -> None:
    result = _serve(slack.api_url, "--socket")
    assert result.exit_code == EXIT_SLACK_REJECTED
    line = _one_error_line(result)
    assert "socket_mode_not_enabled" in line and "socket_mode_enabled: true" in line
    assert "bot/manifest.yml" in line
    assert not (data_dir / "chroma").exists()


def test_a_wrong_app_token_names_slack_app_token(data_dir: Path, slack: SlackStandIn) -> None:
    slack.open_socket()
    slack.app_token = "xapp-another"
    result = _serve(slack.api_url, "--socket")
    assert result.exit_code == EXIT_SLACK_REJECTED
    line = _one_error_line(result)
    assert "SLACK_APP_TOKEN" in line and "invalid_auth" in line


def test_slack_unreachable_names_slack_api_url(data_dir: Path) -> None:
    """The real process (its own logging on stderr): slack_sdk's retry lines stay out."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": f"http://127.0.0.1:{port}/api/"}
    done = subprocess.run(
        [sys.executable, "-c", "from stylesprint.cli import main; main()", "serve", "--port", "0"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == EXIT_SLACK_UNREACHABLE == 7, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach Slack"), done.stderr
    assert "SLACK_API_URL" in lines[0] and str(port) in lines[0]
    assert not (data_dir / "chroma").exists()


def _damage(data_dir: Path) -> Path:
    """A records file that is not a database (a disk error, a half-copied backup)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db = data_dir / "stylesprint.db"
    db.write_bytes(b"this is not an SQLite database\n" * 300)
    return db


def test_a_damaged_records_file_is_one_line_and_exit_5_for_serve(
    data_dir: Path, slack: SlackStandIn
) -> None:
    db = _damage(data_dir)
    result = _serve(slack.api_url)
    assert result.exit_code == EXIT_DATABASE == 5, result.output
    line = _one_error_line(result)
    assert str(db) in line and "not a database" in line and "backup" in line
    assert not (data_dir / "chroma").exists()  # the records are checked before the KB


@pytest.mark.parametrize("command", [["feedback", "export", "--json"], ["gaps"],
                                     ["retrain", "--history"], ["retrain"]])
def test_a_damaged_records_file_is_one_line_and_exit_5_for_operator_commands(
    data_dir: Path, command: list[str]
) -> None:
    db = _damage(data_dir)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == EXIT_DATABASE, result.output
    line = _one_error_line(result)
    assert str(db) in line and "not a database" in line
    assert db.read_bytes().startswith(b"this is not an SQLite database")  # left as it was
