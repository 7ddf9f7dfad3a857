"""Extractive QA examples from the formats the project trains and evaluates on.

- the project's JSONL: `question`, `context`, `answer_text`, `answer_start`
  (empty answer = unanswerable) plus optional `id`, `doc`, `group`, `reference`, `kind`;
- SQuAD v2 JSON (`data[].paragraphs[].qas[]`, `is_impossible`);
- SubjQA CSV (`question`, `review`, `human_ans_spans`, `human_ans_indices`), where
  upstream appends the token ` ANSWERNOTFOUND` to every review: it is stripped here.

Every loader checks that each answer really is the stated substring of its context
and reports the file and line of any row it cannot use.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


class DatasetError(ValueError):
    """A training/evaluation file cannot be read; the message names file and row."""


#: The field-test set (training/data/field_test/): written independently of the training
#: data and held out from training, calibration and threshold choice. `stylesprint eval`
#: reads it through its own loader; every training-side load refuses it.
FIELD_TEST_DIR = Path(__file__).resolve().parent / "data" / "field_test"


def refuse_held_out(path: Path) -> None:
    """Raise DatasetError when `path` lies in the held-out field-test set."""
    if path.resolve().is_relative_to(FIELD_TEST_DIR):
        raise DatasetError(
            f"{path}: the field-test set is held out: it measures the bot and never enters "
            "training, calibration or threshold choice (use it with `stylesprint eval`)"
        )


@dataclass(frozen=True)
class QAExample:
    question: str
    context: str
    answer_text: str  # "" = the context does not answer the question
    answer_start: int  # -1 when unanswerable
    id: str = ""
    doc: str = ""
    group: str = ""
    reference: str = ""
    kind: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.answer_text)

    def to_json(self) -> dict:
        return asdict(self)


def _checked(ex: QAExample, where: str) -> QAExample:
    if not ex.question.strip() or not ex.context.strip():
        raise DatasetError(f"{where}: empty question or context")
    if ex.answer_text:
        if ex.context[ex.answer_start : ex.answer_start + len(ex.answer_text)] != ex.answer_text:
            found = ex.context.find(ex.answer_text)
            if found < 0:
                raise DatasetError(f"{where}: answer {ex.answer_text!r} is not in the context")
            ex = QAExample(**{**asdict(ex), "answer_start": found})
    return ex


def load_jsonl(path: Path) -> list[QAExample]:
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                answer = row.get("answer_text", row.get("answer", "")) or ""
                ex = QAExample(
                    question=row["question"],
                    context=row["context"],
                    answer_text=answer,
                    answer_start=int(row.get("answer_start", -1) if answer else -1),
                    id=str(row.get("id", f"{Path(path).stem}-{n}")),
                    doc=str(row.get("doc", "")),
                    group=str(row.get("group", "")),
                    reference=str(row.get("reference", "")),
                    kind=str(row.get("kind", "")),
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise DatasetError(f"{path}:{n}: cannot read example ({exc})") from exc
            out.append(_checked(ex, f"{path}:{n}"))
    return out


def load_squad(path: Path) -> list[QAExample]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise DatasetError(f"{path}: not SQuAD JSON ({exc})") from exc
    out = []
    for article in data:
        for para in article.get("paragraphs", []):
            context = para["context"]
            for qa in para.get("qas", []):
                answers = [] if qa.get("is_impossible") else qa.get("answers", [])
                text, start = (answers[0]["text"], answers[0]["answer_start"]) if answers else (
                    "", -1)
                ex = QAExample(qa["question"], context, text, int(start), id=str(qa.get("id", "")),
                               doc=str(article.get("title", "")))
                out.append(_checked(ex, f"{path}:{qa.get('id', '?')}"))
    return out


SUBJQA_NO_ANSWER = "ANSWERNOTFOUND"


def load_subjqa(path: Path) -> list[QAExample]:
    csv.field_size_limit(sys.maxsize)
    out = []
    with Path(path).open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), 2):
            try:
                review = row["review"]
                context = review.removesuffix(f" {SUBJQA_NO_ANSWER}").removesuffix(SUBJQA_NO_ANSWER)
                span = row["human_ans_spans"]
                if span == SUBJQA_NO_ANSWER:
                    text, start = "", -1
                else:
                    start, end = ast.literal_eval(row["human_ans_indices"])
                    # A few upstream spans run into the appended ANSWERNOTFOUND token:
                    # clip them to the review itself.
                    text = context[int(start) : min(int(end), len(context))].rstrip()
                ex = QAExample(
                    row["question"], context, text, int(start),
                    id=row.get("q_review_id") or f"{Path(path).stem}-{n}",
                    doc=row.get("item_id", ""), group=row.get("q_reviews_id", ""),
                    kind=row.get("domain", "subjqa"),
                )
            except (KeyError, ValueError, SyntaxError) as exc:
                raise DatasetError(f"{path}:{n}: cannot read SubjQA row ({exc})") from exc
            if text and not text.strip():
                continue
            out.append(_checked(ex, f"{path}:{n}"))
    return out


def load_examples(path: Path | str) -> list[QAExample]:
    """Load any supported file by its extension (and, for .csv, its header)."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"{path}: no such file")
    refuse_held_out(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return load_jsonl(path)
    if suffix == ".json":
        return load_squad(path)
    if suffix == ".csv":
        return load_subjqa(path)
    raise DatasetError(f"{path}: unsupported format {suffix!r} (use .jsonl, SQuAD .json or .csv)")


def load_many(paths: Iterable[Path | str]) -> list[QAExample]:
    out: list[QAExample] = []
    for p in paths:
        out.extend(load_examples(p))
    return out


def write_jsonl(rows: Iterable[QAExample | Mapping[str, Any]], path: Path | str) -> int:
    """Write one JSON object per line, atomically; returns the number of rows.

    The one JSONL writer of the project: rows are dicts or `QAExample`s (written with
    `to_json()`); the file appears whole or not at all (temporary file, then rename), so
    a training run or a reader of the file never sees half of it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            data = row.to_json() if isinstance(row, QAExample) else dict(row)
            fh.write(json.dumps(data, ensure_ascii=False) + "\n")
            n += 1
    os.replace(tmp, path)
    return n
