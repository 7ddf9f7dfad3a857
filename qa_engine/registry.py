"""Versioned reader models under `<data_dir>/models`.

Layout::

    models/
      CURRENT                  # name of the version being served (one line)
      HISTORY.jsonl            # every promotion / rollback, appended
      <version>/               # a complete model directory (adapter or full model)
        version.json           # parent, created, data counts, metrics, decision, reason

A version is written completely (into a temporary directory, then renamed) before
anything points at it, and the pointer is switched with an atomic `os.replace`, so
a crash at any moment leaves the previous version serving. The adapter shipped in
the package (`qa_engine/assets/reader`) is installed as the first version of a
fresh data directory.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from qa_engine.private import private_tree
from qa_engine.read.reader import check_model_dir, read_model_meta

SHIPPED_MODEL_DIR = Path(__file__).parent / "assets" / "reader"
VERSION_FILE = "version.json"
CURRENT_FILE = "CURRENT"
HISTORY_FILE = "HISTORY.jsonl"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class ModelVersion:
    name: str
    path: Path
    info: dict[str, Any]


class ModelRegistry:
    """Lists, adds, promotes and rolls back reader versions; all state on disk."""

    def __init__(self, root: Path, shipped: Path = SHIPPED_MODEL_DIR) -> None:
        self.root = Path(root)
        self.shipped = Path(shipped)

    # ----------------------------------------------------------------- reading
    def versions(self) -> list[ModelVersion]:
        if not self.root.exists():
            return []
        found = []
        for d in sorted(self.root.iterdir()):
            if d.is_dir() and not d.name.startswith(".") and (d / VERSION_FILE).exists():
                found.append(ModelVersion(d.name, d, json.loads((d / VERSION_FILE).read_text())))
        return sorted(found, key=lambda v: v.info.get("created", ""))

    def get(self, name: str) -> ModelVersion:
        path = self.root / name
        if not (path / VERSION_FILE).exists():
            known = ", ".join(v.name for v in self.versions()) or "none"
            raise KeyError(f"no model version {name!r} (known: {known})")
        return ModelVersion(name, path, json.loads((path / VERSION_FILE).read_text()))

    def current_name(self) -> str | None:
        pointer = self.root / CURRENT_FILE
        return pointer.read_text().strip() or None if pointer.exists() else None

    def current(self) -> ModelVersion:
        """The version being served, installing the shipped one on a fresh data directory."""
        name = self.current_name()
        if name is None:
            return self.install_shipped()
        return self.get(name)

    # ----------------------------------------------------------------- writing
    def shipped_name(self) -> str:
        """The version name of the reader shipped with the installed package."""
        return read_model_meta(self.shipped).get("version", "shipped")

    def add_shipped(self) -> ModelVersion:
        """The shipped reader as a version of this registry (copied in if not there yet).

        A data directory made by an earlier release keeps serving what it served; after an
        upgrade, `stylesprint models promote <new shipped name>` adds and serves the new one.
        """
        check_model_dir(self.shipped)
        name = self.shipped_name()
        if not (self.root / name / VERSION_FILE).exists():
            meta = read_model_meta(self.shipped)
            self.add(self.shipped, name, {"origin": "shipped with the package", **meta})
        return self.get(name)

    def install_shipped(self) -> ModelVersion:
        version = self.add_shipped()
        self.promote(version.name, reason="initial install of the shipped reader")
        return version

    def add(self, source_dir: Path, name: str, info: dict[str, Any]) -> ModelVersion:
        """Copy a complete model directory in as version `name` (not yet served)."""
        check_model_dir(source_dir)
        if (self.root / name).exists():
            raise FileExistsError(f"model version {name!r} already exists")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=self.root))
        try:
            # the files are new (the umask's mode, not the source's); copytree copies each
            # directory's mode, so the copy is made private explicitly
            shutil.copytree(source_dir, tmp, dirs_exist_ok=True, copy_function=shutil.copyfile)
            private_tree(tmp)
            record = {"name": name, "created": _now(), **info}
            (tmp / VERSION_FILE).write_text(json.dumps(record, indent=2, default=str) + "\n")
            os.replace(tmp, self.root / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self.get(name)

    def update_info(self, name: str, **fields: Any) -> None:
        version = self.get(name)
        info = {**version.info, **fields}
        tmp = version.path / (VERSION_FILE + ".tmp")
        tmp.write_text(json.dumps(info, indent=2, default=str) + "\n")
        os.replace(tmp, version.path / VERSION_FILE)

    def promote(self, name: str, reason: str = "", action: str = "promote") -> bool:
        """Serve `name` from now on (atomic pointer switch, recorded in the history).

        Promoting the version already serving changes nothing and records nothing (a
        version recorded as its own "previous" would make `rollback` a no-op); returns
        False then, True when the pointer was switched.
        """
        version = self.get(name)
        check_model_dir(version.path)
        previous = self.current_name()
        if previous == name:
            return False
        tmp = self.root / (CURRENT_FILE + ".tmp")
        tmp.write_text(name + "\n")
        os.replace(tmp, self.root / CURRENT_FILE)
        event = {"at": _now(), "action": action, "version": name, "previous": previous,
                 "reason": reason}
        with (self.root / HISTORY_FILE).open("a") as fh:
            fh.write(json.dumps(event) + "\n")
        return True

    def rollback_target(self) -> str | None:
        """The version `rollback()` would serve, None when there is no way back."""
        current = self.current_name()
        for event in reversed(self.history()):
            previous = event.get("previous")
            # (a history written before promoting the current version was a no-op may hold
            # "promote V, previous V": skip it, it is not a way back)
            if event["action"] == "promote" and event["version"] == current and previous \
                    and previous != current:
                return str(previous)
        return None

    def rollback(self) -> str:
        """Serve the version that was current before the present one was promoted.

        Rolling back twice walks further back (it follows promotions, not rollbacks).
        """
        current = self.current_name()
        target = self.rollback_target()
        if target is None:
            raise RuntimeError(f"nothing to roll back to from {current!r}")
        self.promote(target, reason=f"rollback from {current}", action="rollback")
        return target

    def history(self) -> list[dict[str, Any]]:
        path = self.root / HISTORY_FILE
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
