"""The model registry on disk, with the session's tiny trained reader as the shipped model."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from qa_engine.read.reader import ModelLoadError
from qa_engine.registry import CURRENT_FILE, HISTORY_FILE, VERSION_FILE, ModelRegistry


@pytest.fixture
def shipped(tiny_reader, tmp_path) -> Path:
    """A private copy of the tiny trained adapter dir (tests may break their copy)."""
    return Path(shutil.copytree(tiny_reader.dir, tmp_path / "shipped"))


@pytest.fixture
def registry(tmp_path, shipped) -> ModelRegistry:
    return ModelRegistry(tmp_path / "models", shipped=shipped)


def _files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def _copy(src: Path, dest: Path) -> Path:
    return Path(shutil.copytree(src, dest))


def test_fresh_registry_installs_the_shipped_reader(registry, shipped):
    assert registry.versions() == [] and registry.current_name() is None
    current = registry.current()  # first use installs it
    assert current.name == "shipped"
    assert (registry.root / CURRENT_FILE).read_text().strip() == "shipped"
    assert registry.current_name() == "shipped"
    # a complete copy of the shipped dir plus version.json
    copied = _files(current.path)
    assert copied.pop(VERSION_FILE)
    assert copied == _files(shipped)
    assert current.info["origin"] == "shipped with the package"
    assert current.info["method"] == "adalora"  # carried over from stylesprint.json
    [event] = registry.history()
    assert event["action"] == "promote" and event["version"] == "shipped"
    assert event["previous"] is None
    # a second call serves the same version without reinstalling
    assert registry.current().name == "shipped" and len(registry.history()) == 1


def test_an_upgrade_keeps_serving_until_the_new_shipped_reader_is_promoted(tmp_path, shipped):
    def release(version: str) -> Path:
        meta = json.loads((shipped / "stylesprint.json").read_text())
        (shipped / "stylesprint.json").write_text(json.dumps({**meta, "version": version}))
        return shipped

    old = ModelRegistry(tmp_path / "models", shipped=release("shipped-1"))
    assert old.current().name == "shipped-1"
    new = ModelRegistry(tmp_path / "models", shipped=release("shipped-2"))
    assert new.current().name == "shipped-1"  # an upgrade changes nothing by itself
    assert new.shipped_name() == "shipped-2"
    added = new.add_shipped()
    assert added.name == "shipped-2" and new.current_name() == "shipped-1"
    assert new.add_shipped().name == "shipped-2"  # idempotent
    new.promote("shipped-2", reason="upgrade")
    assert new.current().name == "shipped-2"
    assert [v.name for v in new.versions()] == ["shipped-1", "shipped-2"]


def test_shipped_version_name_comes_from_its_metadata(tmp_path, shipped):
    meta = json.loads((shipped / "stylesprint.json").read_text())
    (shipped / "stylesprint.json").write_text(json.dumps({**meta, "version": "reader-2024.06"}))
    registry = ModelRegistry(tmp_path / "models", shipped=shipped)
    assert registry.current().name == "reader-2024.06"


def test_promoting_the_current_version_records_nothing_and_rollback_skips_old_self_loops(
    registry, shipped
):
    registry.current()
    registry.add(shipped, "v2", {})
    assert registry.promote("v2") is True
    assert registry.promote("v2") is False  # already serving: a no-op
    assert [(e["version"], e["previous"]) for e in registry.history()] == [
        ("shipped", None), ("v2", "shipped")]
    # a history written by an earlier release, which recorded "v2, previous v2"
    with (registry.root / HISTORY_FILE).open("a") as fh:
        fh.write(json.dumps({"at": "x", "action": "promote", "version": "v2",
                             "previous": "v2", "reason": ""}) + "\n")
    assert registry.rollback() == "shipped" and registry.current_name() == "shipped"


def test_add_promote_rollback_and_history(registry, shipped):
    registry.current()
    v2 = registry.add(shipped, "v2", {"reason": "retrained on feedback", "f1": 0.71})
    assert v2.info["f1"] == 0.71 and v2.info["name"] == "v2" and v2.info["created"]
    assert registry.current_name() == "shipped"  # added, not yet served
    registry.add(shipped, "v3", {})
    assert [v.name for v in registry.versions()] == ["shipped", "v2", "v3"]

    registry.promote("v2", reason="better dev F1")
    registry.promote("v3")
    assert registry.current_name() == "v3"
    assert registry.rollback() == "v2" and registry.current_name() == "v2"
    # rolling back again follows promotions further back, not the rollback itself
    assert registry.rollback() == "shipped" and registry.current_name() == "shipped"
    with pytest.raises(RuntimeError, match="nothing to roll back"):
        registry.rollback()
    assert registry.current_name() == "shipped"

    history = registry.history()
    assert [(e["action"], e["version"], e["previous"]) for e in history] == [
        ("promote", "shipped", None),
        ("promote", "v2", "shipped"),
        ("promote", "v3", "v2"),
        ("rollback", "v2", "v3"),
        ("rollback", "shipped", "v2"),
    ]
    assert history[1]["reason"] == "better dev F1"
    assert history[3]["reason"] == "rollback from v3"
    # the registry state is on disk: a new instance sees the same
    again = ModelRegistry(registry.root, shipped=Path("/nonexistent"))
    assert again.current().name == "shipped" and len(again.history()) == 5


def test_update_info_rewrites_version_json(registry, shipped):
    registry.add(shipped, "v2", {"decision": "pending"})
    registry.update_info("v2", decision="promoted", metrics={"f1": 0.8})
    info = registry.get("v2").info
    assert info["decision"] == "promoted" and info["metrics"] == {"f1": 0.8}
    assert info["name"] == "v2"  # the other fields stay


def test_unknown_and_duplicate_versions(registry, shipped):
    registry.current()
    with pytest.raises(KeyError, match=r"no model version 'v9' \(known: shipped\)"):
        registry.get("v9")
    with pytest.raises(KeyError):
        registry.promote("v9")
    with pytest.raises(FileExistsError, match="already exists"):
        registry.add(shipped, "shipped", {})
    assert registry.current_name() == "shipped"


def _no_weights(d: Path) -> None:
    (d / "adapter_model.safetensors").unlink()


def _empty_weights(d: Path) -> None:
    (d / "adapter_model.safetensors").write_bytes(b"")


def _no_config(d: Path) -> None:
    (d / "adapter_config.json").unlink()


BREAKAGES = {
    "no weights": (_no_weights, "no weights file"),
    "empty weights": (_empty_weights, "no weights file"),
    "no config": (_no_config, "neither an adapter"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_add_refuses_a_broken_model_dir(registry, shipped, tmp_path, breakage):
    registry.current()
    before = _files(registry.root)
    broken = _copy(shipped, tmp_path / "broken")
    breaker, message = BREAKAGES[breakage]
    breaker(broken)
    with pytest.raises(ModelLoadError, match=message):
        registry.add(broken, "v2", {})
    assert registry.current_name() == "shipped"
    assert _files(registry.root) == before  # nothing added, nothing left behind
    assert sorted(p.name for p in registry.root.iterdir()) == sorted(
        ["shipped", CURRENT_FILE, HISTORY_FILE])


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_promote_refuses_a_version_broken_after_it_was_added(registry, shipped, breakage):
    registry.current()
    v2 = registry.add(shipped, "v2", {})
    breaker, message = BREAKAGES[breakage]
    breaker(v2.path)
    history = registry.history()
    with pytest.raises(ModelLoadError, match=message):
        registry.promote("v2")
    assert registry.current_name() == "shipped"
    assert registry.history() == history


def test_a_broken_shipped_dir_is_not_installed(tmp_path, shipped):
    _no_weights(shipped)
    registry = ModelRegistry(tmp_path / "models", shipped=shipped)
    with pytest.raises(ModelLoadError, match="no weights file"):
        registry.current()
    assert registry.current_name() is None and registry.versions() == []


def test_adding_a_missing_source_leaves_nothing(registry, tmp_path):
    registry.current()
    before = _files(registry.root)
    with pytest.raises(ModelLoadError, match="does not exist"):
        registry.add(tmp_path / "nowhere", "v2", {})
    assert _files(registry.root) == before


def test_a_copy_failing_halfway_leaves_no_half_written_version(registry, shipped, tmp_path):
    """The weights and config copy fine, then a dangling link makes copytree fail."""
    registry.current()
    before = sorted(p.name for p in registry.root.iterdir())
    source = _copy(shipped, tmp_path / "half")
    os.symlink(tmp_path / "gone.bin", source / "zz-extra.bin")
    with pytest.raises(shutil.Error):
        registry.add(source, "v2", {})
    assert sorted(p.name for p in registry.root.iterdir()) == before  # no .v2-* temp dir
    assert not (registry.root / "v2").exists()
    assert [v.name for v in registry.versions()] == ["shipped"]
    assert registry.current_name() == "shipped"
    # the name is still free for a good copy
    assert registry.add(shipped, "v2", {}).name == "v2"
