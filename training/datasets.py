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
from collections.abc import Iterable, Iterator, Mapping
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


# --- the formats themselves, read once for training (QAExample) and evaluation (GoldRow) ---


@dataclass(frozen=True)
class SquadQuestion:
    """One question of a SQuAD v2 file, with its paragraph, as the file has it."""

    where: str  # "file: data[a].paragraphs[p].qas[q]"
    id: str
    title: str | None
    context: str
    qa: Mapping[str, Any]  # question, answers, is_impossible, ...

    @property
    def impossible(self) -> bool:
        return bool(self.qa.get("is_impossible", False))


def _squad_list(container: Any, key: str, where: str) -> list[Any]:
    value = container.get(key) if isinstance(container, dict) else None
    if not isinstance(value, list):
        raise DatasetError(f"{where}: expected a list under {key!r}")
    return value


def read_squad(path: Path, payload: Any = None) -> Iterator[SquadQuestion]:
    """Every question of a SQuAD v2 JSON file (or of its parsed `payload`)."""
    if payload is None:
        try:
            payload = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DatasetError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise DatasetError(f"{path}: not SQuAD JSON (expected SQuAD v2 JSON with a top-level "
                           "'data' list)")
    for a, article in enumerate(payload["data"]):
        title = article.get("title") if isinstance(article, dict) else None
        for p, paragraph in enumerate(_squad_list(article, "paragraphs", f"{path}: data[{a}]")):
            context = paragraph.get("context")
            if not isinstance(context, str):
                raise DatasetError(f"{path}: data[{a}].paragraphs[{p}] has no 'context'")
            for q, qa in enumerate(_squad_list(paragraph, "qas",
                                               f"{path}: data[{a}].paragraphs[{p}]")):
                if not isinstance(qa, dict):
                    raise DatasetError(f"{path}: data[{a}].paragraphs[{p}].qas[{q}]: expected "
                                       "a JSON object")
                yield SquadQuestion(where=f"{path}: data[{a}].paragraphs[{p}].qas[{q}]",
                                    id=str(qa.get("id") or f"{a}-{p}-{q}"),
                                    title=title if isinstance(title, str) else None,
                                    context=context, qa=qa)


SUBJQA_NO_ANSWER = "ANSWERNOTFOUND"
SUBJQA_COLUMNS = ("question", "review", "human_ans_spans")


@dataclass(frozen=True)
class SubjqaRow:
    """One SubjQA CSV row, with upstream's conventions undone."""

    line: int  # the CSV line (the header is line 1)
    question: str
    review: str  # without the ` ANSWERNOTFOUND` upstream appends to every review
    span: str  # the annotators' span, stripped; "" = they found no answer
    indices: tuple[int, int] | None  # human_ans_indices; None when absent or unreadable
    fields: Mapping[str, str]  # the whole row (ids, domain, ...)


def read_subjqa(path: Path) -> Iterator[SubjqaRow]:
    """Every row of a SubjQA CSV; a file without SubjQA's columns is refused."""
    csv.field_size_limit(sys.maxsize)  # long reviews exceed the 128 KiB default
    with Path(path).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = set(SUBJQA_COLUMNS) - set(reader.fieldnames or [])
        if missing:
            raise DatasetError(
                f"{path}: not a SubjQA CSV (missing columns: {', '.join(sorted(missing))})")
        for n, row in enumerate(reader, 2):
            review = (row["review"] or "").removesuffix(f" {SUBJQA_NO_ANSWER}")
            review = review.removesuffix(SUBJQA_NO_ANSWER)
            span = (row["human_ans_spans"] or "").strip()
            indices = None
            try:
                start, end = (int(x) for x in ast.literal_eval(row.get("human_ans_indices")
                                                               or ""))
                indices = (start, end)
            except (ValueError, SyntaxError, TypeError):
                pass
            yield SubjqaRow(line=n, question=row["question"] or "", review=review,
                            span="" if span == SUBJQA_NO_ANSWER else span, indices=indices,
                            fields=row)


# --- training examples ----------------------------------------------------------------------


def load_squad(path: Path) -> list[QAExample]:
    out = []
    for item in read_squad(path):
        answers = [] if item.impossible else item.qa.get("answers") or []
        try:
            text, start = (answers[0]["text"], answers[0]["answer_start"]) if answers else (
                "", -1)
            ex = QAExample(item.qa["question"], item.context, text, int(start), id=item.id,
                           doc=item.title or "")
        except (KeyError, TypeError, ValueError) as exc:
            raise DatasetError(f"{item.where}: cannot read question ({exc})") from exc
        out.append(_checked(ex, f"{path}:{item.qa.get('id', '?')}"))
    return out


def load_subjqa(path: Path) -> list[QAExample]:
    out = []
    for row in read_subjqa(path):
        if not row.span:
            text, start = "", -1
        elif row.indices is None:
            raise DatasetError(f"{path}:{row.line}: cannot read SubjQA row (human_ans_indices "
                               f"{row.fields.get('human_ans_indices')!r})")
        else:
            start, end = row.indices
            # A few upstream spans run into the appended ANSWERNOTFOUND token:
            # clip them to the review itself.
            text = row.review[start : min(end, len(row.review))].rstrip()
        ex = QAExample(
            row.question, row.review, text, int(start),
            id=row.fields.get("q_review_id") or f"{Path(path).stem}-{row.line}",
            doc=row.fields.get("item_id", ""), group=row.fields.get("q_reviews_id", ""),
            kind=row.fields.get("domain", "subjqa"),
        )
        if text and not text.strip():
            continue
        out.append(_checked(ex, f"{path}:{row.line}"))
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
