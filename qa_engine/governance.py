"""Data a retailer can govern: retention, erasure of one person, purge of the workspace,
over the records database and the data directory's training files (private file modes
are `qa_engine/private.py`'s).

`DataGovernance` is given its parts (the records, the data directory, the retention
period, the erasure parts of the packages above for their own tables); it reads no
environment. The composition root (`stylesprint forget`,
`stylesprint retention apply`) and the bot (a scheduled retention job, the
`app_uninstalled` / `tokens_revoked` listeners) call it. What is stored where and for
how long is in docs/operations.md ("Security and data").

Files with people's data are the training files the retraining loop writes, one JSON
object per line: `retrain/run-*/*.jsonl` (the run's training set and its feedback
dataset) and `feedback/*.jsonl` (`stylesprint feedback dataset`). A row carries the
answer ids it was made from (`answer_ids`, `overruled_answer_ids`, or `answer_id` in
a review list), which is how a person's rows are found: `forget` first drops the rows of
every answer the person asked, voted on or corrected from those files, then erases the
database rows (in that order, so a run cut short can simply be run again: the database
still tells which answers were theirs).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from qa_engine.private import FILE_MODE
from qa_engine.records import Records
from qa_engine.records.erasure import TABLES, Erasure, ErasurePart, all_tables
from qa_engine.records.schema import utcnow

__all__ = ["DataGovernance", "ErasureReport"]

# where the retraining loop leaves files with questions, passages and answers
TRAINING_FILE_GLOBS = ("retrain/run-*/*.jsonl", "feedback/*.jsonl")
_ID_KEYS = ("answer_ids", "overruled_answer_ids")


@dataclass
class ErasureReport:
    """What one erasure changed: rows per table, and rows (or whole files) per file."""

    tables: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    files: dict[str, int] = field(default_factory=dict)  # path under the data dir -> rows

    @property
    def total(self) -> int:
        return sum(self.tables.values()) + sum(self.files.values())

    def lines(self) -> list[str]:
        """One line per place, tables first (every table, 0 included), then files."""
        out = [f"{n:>6}  {name}" for name, n in self.tables.items()]
        out += [f"{n:>6}  {path}" for path, n in sorted(self.files.items())]
        return out

    def to_json(self) -> dict[str, Any]:
        return {"tables": dict(self.tables), "files": dict(sorted(self.files.items())),
                "total": self.total}


class DataGovernance:
    """Retention, `forget` and the workspace purge over `records` and `data_dir`.

    Args:
        records: the project database (`Records`, warmed up or not).
        data_dir: the data directory (`settings.data_dir`), for the training files.
        retention: how long question text and passages are kept (None: for ever).
        parts: the erasures of the tables of the packages above (the bot's:
            `bot.state.erasure.BOT_TABLES`); every caller names them.
    """

    def __init__(self, records: Records, data_dir: Path,
                 retention: timedelta | None = None, *,
                 parts: Sequence[ErasurePart]) -> None:
        self.records = records
        self.data_dir = Path(data_dir)
        self.retention = retention
        self.parts = tuple(parts)

    @property
    def _erasure(self) -> Erasure:
        return Erasure(self.records.engine, self.parts)

    def _report(self) -> ErasureReport:
        return ErasureReport(tables=dict.fromkeys(all_tables(self.parts), 0))

    def training_files(self) -> list[Path]:
        return sorted({p for pattern in TRAINING_FILE_GLOBS for p in self.data_dir.glob(pattern)
                       if p.is_file()})

    # --- retention ---------------------------------------------------------------------------
    def apply_retention(self, now: datetime | None = None) -> ErasureReport:
        """Drop text older than the retention period: the database's (rows kept) and the
        training files last written before the cut-off (deleted whole). Nothing without
        a retention period."""
        report = self._report()
        if self.retention is None:
            return report
        cutoff = (now or utcnow()) - self.retention
        for path in self.training_files():
            written = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
            if written.replace(tzinfo=None) < cutoff:
                report.files[self._name(path)] = _count_rows(path)
                path.unlink(missing_ok=True)
        report.tables.update(self._erasure.drop_text_before(cutoff))
        return report

    # --- one person ----------------------------------------------------------------------------
    def forget(self, user_id: str) -> ErasureReport:
        """Remove `user_id`'s data from every table and training file (idempotent)."""
        user_id = user_id.strip()
        if not user_id:
            raise ValueError("a Slack user id is needed (e.g. U0123ABCD)")
        report = self._report()
        answers = self._erasure.answers_of(user_id)
        if answers:
            for path in self.training_files():
                removed = _drop_rows(path, answers)
                if removed:
                    report.files[self._name(path)] = removed
        report.tables.update(self._erasure.forget_user(user_id))
        return report

    # --- the workspace -------------------------------------------------------------------------
    def purge_workspace(self) -> ErasureReport:
        """Everything with a person's data: every training file and every such row."""
        report = self._report()
        for path in self.training_files():
            report.files[self._name(path)] = _count_rows(path)
            path.unlink(missing_ok=True)
        report.tables.update(self._erasure.purge_all())
        return report

    def _name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.data_dir))
        except ValueError:
            return str(path)


def _rows(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        yield from (line for line in fh if line.strip())


def _count_rows(path: Path) -> int:
    try:
        return sum(1 for _ in _rows(path))
    except (OSError, UnicodeDecodeError):
        return 0


def _answer_ids(line: str) -> set[int]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        return set()
    if not isinstance(row, dict):
        return set()
    ids = {row.get("answer_id")} | {i for key in _ID_KEYS for i in row.get(key) or ()}
    return {i for i in ids if isinstance(i, int)}


def _drop_rows(path: Path, answers: set[int]) -> int:
    """Rewrite `path` without the rows made from `answers` (atomically, same mode)."""
    kept: list[str] = []
    removed = 0
    for line in _rows(path):
        if _answer_ids(line) & answers:
            removed += 1
        else:
            kept.append(line if line.endswith("\n") else line + "\n")
    if removed:
        tmp = path.with_name(f".{path.name}.forget")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.writelines(kept)
        os.replace(tmp, path)
    return removed
