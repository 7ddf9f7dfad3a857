"""Finding the files to ingest and naming them (`source`) as the store will cite them.

A folder is walked recursively in sorted order; a file's source is its path
relative to that folder ("policies/returns.md"), a file given directly is known
by its name ("catalog.csv"). Hidden files and folders (".git", ".DS_Store") are
ignored; other files with unsupported extensions are listed as skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from qa_engine.ingest.loaders import LOADERS, supported


class IngestPathError(ValueError):
    """A path given to ingest does not exist (a usage error: nothing was touched)."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(f"no such file or directory: {', '.join(missing)}")


class NothingToIngest(IngestPathError):
    """The paths exist but hold no supported file (an empty folder, only PDFs...)."""

    def __init__(self, paths: list[str], skipped: int) -> None:
        self.missing = []
        self.paths, self.skipped = paths, skipped
        what = f"{skipped} file(s) of other types skipped" if skipped else "no files at all"
        ValueError.__init__(
            self, f"nothing to ingest under {', '.join(paths)}: {what}; supported types are "
            f"{' '.join(sorted(LOADERS))}"
        )


@dataclass(frozen=True)
class KBFile:
    path: Path  # as found on disk
    source: str  # as stored and cited


@dataclass
class Discovery:
    files: list[KBFile] = field(default_factory=list)  # supported, to load
    skipped: list[KBFile] = field(default_factory=list)  # in folders, unsupported type
    unsupported: list[KBFile] = field(default_factory=list)  # named directly, unsupported


def _hidden(name: str) -> bool:
    return name.startswith(".")


def discover(paths: Iterable[Path | str]) -> Discovery:
    """The files under `paths`; raises IngestPathError before anything else if one is missing."""
    roots = [Path(p) for p in paths]
    missing = [str(p) for p in roots if not p.exists()]
    if missing:
        raise IngestPathError(missing)
    found = Discovery()
    seen: set[Path] = set()

    def add(path: Path, source: str, from_folder: bool) -> None:
        real = path.resolve()
        if real in seen:
            return  # the same file reached twice (e.g. a folder and a file in it)
        seen.add(real)
        entry = KBFile(path, source)
        if supported(path):
            found.files.append(entry)
        elif from_folder:
            found.skipped.append(entry)
        else:
            found.unsupported.append(entry)

    for root in roots:
        if root.is_file():
            add(root, root.name, from_folder=False)
            continue
        inside: list[tuple[str, Path]] = []
        for folder, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not _hidden(d)]
            for name in filenames:
                if not _hidden(name):
                    path = Path(folder) / name
                    inside.append((path.relative_to(root).as_posix(), path))
        for source, path in sorted(inside):
            add(path, source, from_folder=True)
    return found
