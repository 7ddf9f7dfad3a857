"""Hardening: a process starting while the promoted reader is corrupt or missing.

A running process refuses such a version (tests/qa_engine/test_watcher.py); a process
that *starts* then must not crash either: it serves the version that served before,
logs an error naming both, and leaves CURRENT for the operator to fix or roll back.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa_engine.pipeline import AnswerEngine
from qa_engine.read.reader import ModelLoadError
from qa_engine.registry import ModelRegistry
from qa_engine.settings import Settings

QUESTION = "How long do I have to return an online order?"


@pytest.fixture
def installed(tmp_path: Path, tiny_reader, one_torch_thread) -> tuple[Settings, ModelRegistry]:
    kb = tmp_path / "kb" / "returns.md"
    kb.parent.mkdir()
    kb.write_text("# Returns\n\nOnline orders can be returned within 30 days of delivery.\n")
    settings = Settings(_env_file=None, data_dir=tmp_path / "data",
                        engine={"kb_paths": [kb], "top_k": 1})
    registry = ModelRegistry(settings.models_dir)
    registry.add(tiny_reader.dir, "v1", {"origin": "test"})
    registry.promote("v1")
    return settings, registry


def promote_broken(registry: ModelRegistry, source: Path, tmp_path: Path, name: str) -> Path:
    broken = shutil.copytree(source, tmp_path / f"{name}-src")
    (broken / "adapter_model.safetensors").write_bytes(b"\x00garbage" * 64)
    registry.add(broken, name, {"origin": "test", "parent": "v1"})
    registry.promote(name, reason="test: a bad promotion")  # the pointer check cannot tell
    return registry.get(name).path


def test_a_corrupt_current_version_falls_back_to_the_previous_one(
    installed, tiny_reader, tmp_path, caplog
) -> None:
    settings, registry = installed
    promote_broken(registry, tiny_reader.dir, tmp_path, "v2-broken")
    engine = AnswerEngine.from_settings(settings)
    with caplog.at_level("ERROR", logger="qa_engine.read.build"):
        engine.warm_up()
    assert engine.model_version == "v1"
    assert engine.ask(QUESTION).model_version == "v1"
    assert "v2-broken cannot be loaded" in caplog.text and "serving v1 instead" in caplog.text
    assert registry.current_name() == "v2-broken"  # left for the operator to see and fix


def test_a_missing_current_version_falls_back_as_well(installed, tiny_reader, tmp_path) -> None:
    settings, registry = installed
    path = promote_broken(registry, tiny_reader.dir, tmp_path, "v2-gone")
    shutil.rmtree(path)
    engine = AnswerEngine.from_settings(settings)
    engine.warm_up()
    assert engine.ask(QUESTION).model_version == "v1"


def test_with_nothing_loadable_the_error_names_the_version(installed, tmp_path) -> None:
    settings, registry = installed
    (registry.get("v1").path / "adapter_model.safetensors").write_bytes(b"\x00" * 64)
    engine = AnswerEngine.from_settings(settings)
    with pytest.raises(ModelLoadError, match="v1 cannot be loaded and no earlier version can"):
        engine.warm_up()


def test_a_pinned_adapter_that_is_broken_is_an_error_not_a_fallback(
    installed, tiny_reader, tmp_path
) -> None:
    settings, registry = installed
    broken = shutil.copytree(tiny_reader.dir, tmp_path / "pinned")
    (broken / "adapter_model.safetensors").write_bytes(b"\x00garbage" * 64)
    engine = AnswerEngine.from_settings(settings.updated(engine={"adapter_dir": broken}))
    with pytest.raises(ModelLoadError, match="cannot be loaded"):
        engine.warm_up()
