"""`stylesprint eval` end to end on a tiny gold file (reader-only mode)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from stylesprint.cli import app

runner = CliRunner()


def _env(tmp_path, standin=None) -> dict[str, str]:
    env = {"STYLESPRINT_DATA_DIR": str(tmp_path / "data"), "OPENAI_BASE_URL": "",
           "OPENAI_PRICE_PER_1K_TOKENS": "0.001"}
    if standin is not None:
        env["OPENAI_BASE_URL"] = standin.base_url
    return env


def test_eval_json_and_report(tmp_path, gold_file, standin):
    report = tmp_path / "report"
    result = runner.invoke(app, [
        "eval", "--gold", str(gold_file), "--systems", "retrieval-only,in-context,lora",
        "--mode", "reader", "--json", "--report", str(report),
    ], env=_env(tmp_path, standin))
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["questions"] == 4 and payload["answerable"] == 3
    assert [s["system"] for s in payload["systems"]] == ["retrieval-only", "in-context"]
    in_context = payload["systems"][1]
    assert in_context["endpoint"] == standin.base_url
    assert in_context["metrics"]["qa"]["exact_match"] == 0.5
    assert in_context["metrics"]["cost"]["dollars_per_1k"] > 0
    assert payload["skipped"][0]["system"] == "lora"
    assert "stylesprint train --method lora" in payload["skipped"][0]["reason"]
    text = (report / "report.md").read_text()
    assert "| in-context |" in text and (report / "summary.png").exists()


def test_eval_markdown_table_and_skipped_in_context(tmp_path, gold_file):
    result = runner.invoke(app, [
        "eval", "--gold", str(gold_file), "--systems", "retrieval-only,in-context",
        "--limit", "2", "--format", "markdown",
    ], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("| System |") and lines[2].startswith("| retrieval-only |")
    assert "in-context: skipped (no OpenAI-compatible endpoint configured" in result.stdout


def test_eval_rejects_bad_input_clearly(tmp_path, gold_file):
    cases = [
        (["--gold", str(tmp_path / "missing.jsonl")], "gold file not found"),
        (["--gold", str(gold_file), "--systems", "gpt5"], "unknown system 'gpt5'"),
        (["--gold", str(gold_file), "--model", "lora"], "NAME=PATH"),
        (["--gold", str(gold_file), "--model", f"lora={tmp_path}"], "--model lora="),
        (["--gold", str(gold_file), "--format", "html"], "--format must be"),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["eval", *args, "--systems", "retrieval-only"]
                               if "--systems" not in args else ["eval", *args],
                               env=_env(tmp_path))
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)


def test_eval_reader_systems_from_model_dirs_and_the_registry(tmp_path, gold_file, lora_dir):
    """adalora from --model, lora found in the registry by the method it was trained with."""
    from qa_engine.registry import ModelRegistry

    env = _env(tmp_path)
    ModelRegistry(tmp_path / "data" / "models").add(lora_dir, "lora-v1", {"method": "lora"})
    result = runner.invoke(app, [
        "eval", "--gold", str(gold_file), "--systems", "adalora,lora,full-ft",
        "--model", f"adalora={lora_dir}", "--json",
    ], env=env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    systems = {s["system"]: s for s in payload["systems"]}
    assert set(systems) == {"adalora", "lora"}
    assert systems["lora"]["model_dir"].endswith("lora-v1")
    for entry in systems.values():
        metrics = entry["metrics"]
        assert metrics["n_confident"] == 4 and metrics["ece"] is not None
        assert metrics["threshold"] == 0.5  # uncalibrated default stored with no model
        assert len(metrics["reliability"]) == 10
    assert payload["skipped"][0]["system"] == "full-ft"
