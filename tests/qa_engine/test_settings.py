"""Settings: every field is documented in .env.example, env names work, secrets stay secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import ServingSettings

ROOT = Path(__file__).resolve().parents[2]


def _env_names() -> list[str]:
    return ServingSettings.env_names()


def test_env_example_lists_every_setting():
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z0-9_]+)=", text, flags=re.M))
    missing = sorted(set(_env_names()) - listed)
    unknown = sorted(listed - set(_env_names()))
    assert not missing, f".env.example lacks {missing}"
    assert not unknown, f".env.example lists settings the code does not read: {unknown}"


def test_env_names_and_derived_paths(monkeypatch, tmp_path):
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STYLESPRINT_KB_PATHS", "kb/policies, kb/catalog.csv")
    monkeypatch.setenv("STYLESPRINT_TOP_K", "5")
    s = ServingSettings(_env_file=None)
    assert s.data_dir == tmp_path
    assert s.chroma_dir == tmp_path / "chroma"
    assert s.models_dir == tmp_path / "models"
    assert s.resolved_database_url == f"sqlite:///{(tmp_path / 'stylesprint.db').resolve()}"
    assert [str(p).strip() for p in s.engine.kb_paths] == ["kb/policies", "kb/catalog.csv"]
    assert s.engine.top_k == 5
    assert Path(s.engine.resolved_base_model, "config.json").exists()


def test_secrets_are_masked(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "fake-token-not-real")
    s = ServingSettings(_env_file=None)
    assert s.slack.bot_token.get_secret_value() == "fake-token-not-real"
    assert "fake-token-not-real" not in repr(s)


def test_invalid_values_are_rejected_with_the_setting_named(monkeypatch):
    monkeypatch.setenv("STYLESPRINT_TOP_K", "0")
    with pytest.raises(ValidationError, match="STYLESPRINT_TOP_K|top_k"):
        ServingSettings(_env_file=None)


def test_env_example_copied_as_dot_env_loads_with_its_defaults(monkeypatch, tmp_path):
    """`cp .env.example .env` is the documented start: every `NAME=` line means the default."""
    for name in _env_names():
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text())
    s = ServingSettings(_env_file=env_file)
    defaults = ServingSettings(_env_file=None)
    assert s == defaults
    assert s.engine.torch_threads is None and s.services.chroma_port == 8000
    assert s.slack.bot_token is None and s.services.database_url is None
    assert s.bot.malloc_arena_max == 2 and s.engine.omp_wait_policy == "PASSIVE"


@pytest.mark.parametrize("value", ["off", "none", "OFF"])
def test_tuning_settings_can_be_switched_off(monkeypatch, value):
    monkeypatch.setenv("STYLESPRINT_OMP_WAIT_POLICY", value)
    monkeypatch.setenv("STYLESPRINT_MALLOC_ARENA_MAX", value)
    s = ServingSettings(_env_file=None)
    assert s.engine.omp_wait_policy is None and s.bot.malloc_arena_max is None


@pytest.mark.parametrize("stride, window", [("128", "256"), ("200", "256"), ("40", "64")])
def test_a_stride_of_half_the_window_or_more_is_refused_at_load(monkeypatch, stride, window):
    monkeypatch.setenv("STYLESPRINT_DOC_STRIDE", stride)
    monkeypatch.setenv("STYLESPRINT_MAX_SEQ_LENGTH", window)
    with pytest.raises(ValidationError, match="STYLESPRINT_DOC_STRIDE"):
        ServingSettings(_env_file=None)


def test_a_bad_window_is_one_line_from_the_cli(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from stylesprint.cli import app

    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("STYLESPRINT_DOC_STRIDE", "200")
    result = CliRunner().invoke(app, ["ask", "hello"])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: invalid settings (STYLESPRINT_DOC_STRIDE (200) must be below")
