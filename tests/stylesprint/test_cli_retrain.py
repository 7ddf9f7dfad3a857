"""`stylesprint feedback dataset`, `stylesprint retrain [--now|--history]` from the command line
(real records database, real registry; no training: the runs here stop before it)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from qa_engine.records import DOWN, UP, Records
from qa_engine.registry import ModelRegistry
from qa_engine.types import Answer, Passage
from stylesprint.cli import app
from training.datasets import load_jsonl

TEXT = "Online orders can be returned within 30 days of delivery for a full refund."


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "STYLESPRINT_RETRAIN_CHANNEL"):
        monkeypatch.delenv(name, raising=False)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"question": "Return window?", "context": TEXT,
                                "answer_text": "30 days", "answer_start": TEXT.find("30 days")})
                    + "\n")
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("STYLESPRINT_RETRAIN_GOLD_DATA", str(gold))
    monkeypatch.setenv("STYLESPRINT_RETRAIN_BASE_DATA", str(gold))
    monkeypatch.setenv("STYLESPRINT_RETRAIN_HELDOUT_SHARE", "0")
    return tmp_path


def _log(records: Records, question: str, span: str | None) -> int:
    passage = Passage(id="returns#0", text=TEXT, title="Returns", source="returns.md")
    start = TEXT.find(span) if span else None
    return records.log_answer(
        Answer(question=question, answered=span is not None, answer=f"{span}", span=span,
               confidence=0.9, sources=[], model_version="v1", latency_ms=3.0, passage=passage,
               span_start=start, span_end=start + len(span) if span else None),
        surface="command", channel="C1")


def test_feedback_dataset_writes_examples_and_review_list(env):
    records = Records(f"sqlite:///{(env / 'data' / 'stylesprint.db').resolve()}")
    a = _log(records, "How long can I return things?", "30 days of delivery")
    b = _log(records, "Is the refund full?", "30 days")
    c = _log(records, "Can I return online orders?", "Online orders")
    records.record_vote(a, "U1", UP, source="button")
    records.add_correction(b, "U2", "a full refund")
    records.record_vote(c, "U3", DOWN, source="reaction")
    records.close()

    result = CliRunner().invoke(app, ["feedback", "dataset", "--out", str(env / "fb.jsonl")])
    assert result.exit_code == 0, result.output
    assert "2 for training" in result.stdout and "for review: 1" in result.stdout
    assert "net_down_without_correction" in result.stdout
    examples = load_jsonl(env / "fb.jsonl")
    assert sorted(e.answer_text for e in examples) == ["30 days of delivery", "a full refund"]
    [review] = [json.loads(line) for line in (env / "fb.review.jsonl").read_text().splitlines()]
    assert review["answer_id"] == c and review["reason"] == "net_down_without_correction"

    as_json = CliRunner().invoke(app, ["feedback", "dataset", "--json"])
    counts = json.loads(as_json.stdout)
    assert counts["train"] == 2 and counts["review"] == 1 and counts["fingerprint"]
    assert counts["files"]["train"] == str(env / "data" / "feedback" / "dataset.jsonl")
    assert (env / "data" / "feedback" / "dataset.jsonl").exists()  # the default location

    plan = CliRunner().invoke(app, ["retrain", "--json"])
    assert plan.exit_code == 0, plan.output
    plan = json.loads(plan.stdout)
    assert plan["new_feedback"] is True and plan["last_run"] is None
    assert plan["next_scheduled_run"].endswith("03:00:00+00:00")


def test_retrain_now_quiet_week_is_skipped_exit_0_and_history(env, tiny_reader):
    registry = ModelRegistry(env / "data" / "models")
    registry.add(tiny_reader.dir, "v1", {"origin": "test"})
    registry.promote("v1")

    result = CliRunner().invoke(app, ["retrain", "--now"])
    assert result.exit_code == 0
    assert "skipped: no new data" in result.stdout
    assert registry.current_name() == "v1"

    history = CliRunner().invoke(app, ["retrain", "--history"])
    assert history.exit_code == 0 and "manual" in history.stdout and "skipped" in history.stdout
    header, row = history.stdout.splitlines()
    assert header.split()[:5] == ["RUN", "STARTED", "(UTC)", "TRIGGER", "STATUS"]
    assert "CANDIDATE" in header and "REASON" in header and row.startswith("#1 ")
    [run] = [json.loads(line) for line in CliRunner().invoke(
        app, ["retrain", "--history", "--json"]).stdout.splitlines()]
    assert (run["run"], run["status"], run["parent"]) == (1, "skipped", "v1")
    assert run["reason"].startswith("no new data")
