"""`--help` of every command: flags without placeholders, values with plain ones; tables
with headers; `models list` with the training time; `calibrate` with a missing dev file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from qa_engine.registry import ModelRegistry
from stylesprint.cli import app


def _commands(group: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [prefix]
    for info in group.registered_commands:
        found.append((*prefix, info.name or info.callback.__name__.replace("_", "-")))
    for sub in group.registered_groups:
        found.extend(_commands(sub.typer_instance, (*prefix, sub.name)))
    return found


COMMANDS = _commands(app)


def test_every_command_is_found() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"ask", "ingest", "serve", "retrain", "scheduler", "models list", "feedback export",
            "feedback dataset", "eval"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "stylesprint")
def test_help_has_no_type_placeholders(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert not re.search(r"<(bool|str|int|float|path|list\[|int range|float range)", text), text
    assert not re.search(r"\{[a-z_]+\}", text), text  # `{question}` in the usage line
    assert re.search(r"--help\s+Show this message", text)  # a flag: nothing between


def test_flags_show_nothing_and_values_a_plain_placeholder() -> None:
    ask = CliRunner().invoke(app, ["ask", "--help"], env={"COLUMNS": "200"}).stdout
    assert "Usage: stylesprint ask [OPTIONS] QUESTION" in ask
    assert re.search(r"--json\s+Print a JSON object", ask)
    assert re.search(r"--top-k\s+N\b", ask)
    ingest = CliRunner().invoke(app, ["ingest", "--help"], env={"COLUMNS": "200"}).stdout
    assert "PATHS..." in ingest and re.search(r"--reset\s+Delete", ingest)
    evaluate = CliRunner().invoke(app, ["eval", "--help"], env={"COLUMNS": "200"}).stdout
    assert re.search(r"--kb\s+PATH\b", evaluate) and re.search(r"--sample\s+N\b", evaluate)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_models_list_has_headers_and_the_training_time(data_dir: Path, tiny_reader) -> None:
    registry = ModelRegistry(data_dir / "models")
    shipped = registry.install_shipped()
    registry.add(tiny_reader.dir, "v2",
                 {"origin": "test", "trained_at": "2026-12-01T10:20:30+00:00"})
    result = CliRunner().invoke(app, ["models", "list"])
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split()[:4] == ["VERSION", "TRAINED", "(UTC)", "INSTALLED"]
    assert "DEV F1" in header and "DECISION" in header
    current = next(r for r in rows if r.startswith("*"))
    assert shipped.name in current
    trained = json.loads((shipped.path / "stylesprint.json").read_text())["trained_at"]
    assert trained[:10] in current  # the shipped reader's own metadata
    assert "2026-12-01 10:20" in next(r for r in rows if " v2 " in r)
    as_json = [json.loads(line) for line in
               CliRunner().invoke(app, ["models", "list", "--json"]).stdout.splitlines()]
    assert {r["version"]: r["trained"] for r in as_json}["v2"] == "2026-12-01T10:20:30+00:00"


def test_promoting_the_serving_version_is_a_no_op(data_dir: Path, tiny_reader) -> None:
    registry = ModelRegistry(data_dir / "models")
    shipped = registry.install_shipped().name
    registry.add(tiny_reader.dir, "v2", {"origin": "test"})
    assert CliRunner().invoke(app, ["models", "promote", "v2"]).stdout.strip() == \
        "now serving v2"
    before = registry.history()
    again = CliRunner().invoke(app, ["models", "promote", "v2"])
    assert again.exit_code == 0
    assert again.stdout.strip() == "v2 is already serving; nothing changed"
    assert registry.history() == before  # nothing recorded
    rolled = CliRunner().invoke(app, ["models", "rollback"])
    assert rolled.stdout.strip() == f"rolled back: now serving {shipped}"


def test_calibrate_with_a_missing_dev_file_is_one_line(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["calibrate", "--dev", "missing.jsonl"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: --dev missing.jsonl: no such file"
