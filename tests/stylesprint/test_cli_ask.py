"""The `stylesprint ask` contract that the Slack bot and other tools rely on."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from stylesprint.cli import app


@pytest.fixture
def run(demo_data_dir, engine, monkeypatch):
    """Invoke the CLI on the shared demo data directory (already ingested by `engine`)."""
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(demo_data_dir))
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None):
        return runner.invoke(app, list(args), input=stdin)

    return invoke


def test_ask_prints_reply_quote_source_and_confidence(run):
    result = run("ask", "What is the return policy for online purchases?")
    assert result.exit_code == 0, result.output
    assert "30 days" in result.output
    assert "Source:" in result.output and "returns-and-exchanges.md" in result.output
    assert "Confidence:" in result.output


def test_ask_json_single(run):
    result = run("ask", "--json", "--top-k", "2", "What is the return policy for online purchases?")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answered"] is True
    assert data["span"] in data["answer"]
    assert len(data["sources"]) == 2
    assert "Confidence" not in data["answer"] and "Source" not in data["answer"]


def test_ask_json_batch_keeps_order_and_reports_bad_lines(run):
    stdin = "What is the return policy for online purchases?\n\nhow much is express shipping?\n"
    result = run("ask", "--json", "-", stdin=stdin)
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["question"] for x in lines] == [
        "What is the return policy for online purchases?", "", "how much is express shipping?"
    ]
    assert "error" in lines[1] and "empty" in lines[1]["error"]
    assert lines[0]["answered"] and "answered" in lines[2]


@pytest.mark.parametrize("question, message", [("   ", "empty"), ("x" * 501, "limit")])
def test_bad_single_question_is_a_one_line_error_with_exit_2(run, question, message):
    result = run("ask", question)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_batch_without_json_is_a_usage_error(run):
    result = run("ask", "-", stdin="hello\n")
    assert result.exit_code == 2
