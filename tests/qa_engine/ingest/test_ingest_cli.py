"""`stylesprint ingest`: output, --json, --reset/--prune and exit codes (0, 1, 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from stylesprint.cli import ingest as ingest_cli


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch) -> dict[str, str]:
    """Run in tmp_path (no stray .env) with the data directory there too."""
    monkeypatch.chdir(tmp_path)
    for name in ("CHROMA_HOST", "STYLESPRINT_COLLECTION", "STYLESPRINT_KB_PATHS"):
        monkeypatch.delenv(name, raising=False)
    return {"STYLESPRINT_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def invoke(cli_env):
    """Invoke `ingest` through a Typer app that registers only this command."""
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test entry point (keeps `ingest` a subcommand)."""

    ingest_cli.register(app)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, ["ingest", *args], env=cli_env)

    return run


@pytest.fixture
def small_kb(tmp_path: Path, write) -> Path:
    root = tmp_path / "kb"
    write(root, "policies/returns.md", "# Returns\n\n## Online\n\nReturns within 30 days.\n")
    write(root, "catalog.csv", "sku,name,price\nSS-1,Trench,$189\nSS-2,Shirt,$49\n")
    write(root, "readme.pdf", "%PDF-1.4")
    return root


def test_ingest_verbose_then_unchanged_then_a_bad_file(invoke, small_kb: Path, write):
    first = invoke(str(small_kb), "-v")
    assert first.exit_code == 0, first.output
    assert "ingested   " in first.stdout
    assert "-> policies/returns.md (1 passages, +1 -0)" in first.stdout
    assert "skipped    " in first.stdout and "readme.pdf" in first.stdout
    assert first.stdout.strip().splitlines()[-1].startswith(
        "Ingest finished: 2 ingested, 0 unchanged, 0 failed, 1 skipped; passages +3 -0;"
    )
    assert "holds 3 passages" in first.stdout

    again = invoke(str(small_kb))
    assert again.exit_code == 0
    assert "0 ingested, 2 unchanged" in again.stdout and "+0 -0" in again.stdout

    write(small_kb, "broken.csv", "sku,name\nA,One,Two\n")
    bad = invoke(str(small_kb))
    assert bad.exit_code == 1
    assert "broken.csv" in bad.stderr and "expected 2 fields, found 3" in bad.stderr
    assert "Ingest finished with errors: 0 ingested, 2 unchanged, 1 failed" in bad.stdout


def test_json_report_reset_and_prune(invoke, small_kb: Path):
    assert invoke(str(small_kb)).exit_code == 0
    pruned = invoke(str(small_kb / "catalog.csv"), "--prune", "--json")
    assert pruned.exit_code == 0, pruned.output
    report = json.loads(pruned.stdout)
    assert report["pruned_sources"] == ["policies/returns.md"]
    assert report["files_unchanged"] == 1 and report["passages_removed"] == 1
    assert report["collection_size"] == 2 and report["ok"] is True
    (entry,) = report["files"]
    assert (entry["source"], entry["status"], entry["passages"]) == ("catalog.csv", "unchanged", 2)

    reset = json.loads(invoke(str(small_kb / "policies"), "--reset", "--json").stdout)
    assert reset["reset"] is True and reset["collection_size"] == 1
    assert reset["files_ingested"] == 1 and reset["passages_added"] == 1


def test_missing_path_exits_2_and_writes_nothing(invoke, small_kb: Path, tmp_path: Path):
    result = invoke(str(small_kb), str(tmp_path / "no-such-dir"))
    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr and "no-such-dir" in result.stderr
    assert not (tmp_path / "data" / "chroma").exists()
    assert invoke().exit_code == 2  # PATH is required


def test_console_script_end_to_end(cli_env, small_kb: Path, write):
    """The installed `stylesprint` entry point in a subprocess."""
    write(small_kb, "empty.md", "")
    env = {**os.environ, **cli_env}
    cmd = [sys.executable, "-c", "from stylesprint.cli import main; main()", "ingest"]
    done = subprocess.run([*cmd, str(small_kb)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1, done.stderr
    assert "failed: " in done.stderr and "empty.md: empty file" in done.stderr
    assert done.stderr.count("empty.md") == 1, done.stderr  # each failure printed once
    assert "2 ingested, 0 unchanged, 1 failed, 1 skipped" in done.stdout
    missing = subprocess.run([*cmd, "nowhere"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert missing.returncode == 2 and "nowhere" in missing.stderr


def test_empty_folder_or_no_supported_file_is_a_warning_and_exit_8(invoke, small_kb, tmp_path,
                                                                     write):
    from stylesprint.cli.common import EXIT_NOTHING_TO_INGEST

    assert invoke(str(small_kb)).exit_code == 0  # 3 passages
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(str(empty), "--reset", "--prune")
    assert result.exit_code == EXIT_NOTHING_TO_INGEST == 8
    assert result.output.strip().splitlines() == [
        f"warning: nothing to ingest under {empty}: no files at all; supported types are "
        ".csv .htm .html .json .jsonl .markdown .md .txt"]
    write(tmp_path, "pdfs/manual.pdf", "%PDF-1.4")
    only_pdf = invoke(str(tmp_path / "pdfs"))
    assert only_pdf.exit_code == 8 and "1 file(s) of other types skipped" in only_pdf.stderr
    # nothing was touched: --reset and --prune did not run on an empty folder
    again = invoke(str(small_kb), "--json")
    assert json.loads(again.stdout)["collection_size"] == 3



def test_the_help_names_every_format_the_loaders_read(invoke):
    from qa_engine.ingest.loaders import LOADERS

    result = invoke("--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for extension in LOADERS:
        assert f"{extension} " in text or f"{extension};" in text, extension
