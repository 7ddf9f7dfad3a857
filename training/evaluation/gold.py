"""Gold questions for `stylesprint eval`, from every format the team has on disk.

One `GoldRow` type for four formats, so metrics and systems never care where a
question came from:

* evaluation JSONL: `{question, answer, reference?, group?, context?, category?}`
  (`answer == ""` means the knowledge base does not answer it);
* the project's training JSONL (`question, context, answer_text, answer_start, doc,
  group, reference, kind`), e.g. the shipped `training/data/stylesprint_dev.jsonl`;
* SQuAD v2 JSON (`data[].paragraphs[].qas[]`, `is_impossible`);
* SubjQA CSV (`question, review, human_ans_spans, human_ans_indices`).

Bad input fails with a `GoldFormatError` that names the file and the line/row, and
nothing is half-loaded: a caller either gets every row or an error.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.datasets import DatasetError, SubjqaRow, read_squad, read_subjqa


class GoldFormatError(ValueError):
    """The gold file cannot be read as any supported format (message says where)."""


@dataclass(frozen=True)
class GoldRow:
    """One evaluation question.

    `answers` holds every acceptable short answer (SQuAD has several); `answer` is the
    first one, or "" when the question is unanswerable. `context`, when present,
    lets reader-only mode skip retrieval.

    `unanswerable_in` says what an empty answer is relative to: "kb" (evaluation
    JSONL: the knowledge base does not answer it) or "context" (training JSONL,
    SQuAD, SubjQA: only the given passage lacks the answer; the knowledge base may
    well hold it, so such rows cannot be scored end to end).
    """

    id: str
    question: str
    answers: tuple[str, ...] = ()
    reference: str | None = None
    group: str | None = None
    context: str | None = None
    category: str | None = None
    style: str | None = None  # how the question is phrased (terse, typo, existence, ...)
    answer_start: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    unanswerable_in: str = "kb"

    @property
    def answer(self) -> str:
        return self.answers[0] if self.answers else ""

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_gold(path: str | Path, limit: int | None = None) -> list[GoldRow]:
    """Read a gold file, choosing the parser by extension (and content for JSON).

    `limit` keeps the first N rows (a quick run), after parsing the whole file so a
    broken row further down still reports itself.
    """
    path = Path(path)
    if not path.is_file():
        raise GoldFormatError(f"gold file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _load_subjqa_csv(path)
    elif suffix == ".jsonl":
        rows = _load_jsonl(path)
    elif suffix == ".json":
        rows = _load_json(path)
    else:
        raise GoldFormatError(
            f"{path}: unsupported gold file type {suffix!r} (use .jsonl, .json or .csv)"
        )
    if not rows:
        raise GoldFormatError(f"{path}: no questions found")
    if limit is not None:
        if limit < 1:
            raise GoldFormatError("limit must be at least 1")
        rows = rows[:limit]
    return rows


def sample_rows(rows: Sequence[GoldRow], n: int, seed: int = 0) -> list[GoldRow]:
    """About `n` rows drawn at random, whole paraphrase groups at a time, in file order.

    Gold files are often sorted by document, so the first N rows (`--limit`) cover
    one topic; a seeded sample covers them all and keeps groups intact, so
    consistency can still be measured. Answerable and unanswerable groups are drawn
    separately, each up to its share of the file, so a sample keeps the file's mix
    (drawing groups blindly over-samples unanswerable questions, which sit in groups of
    one: 61% of a 30-question sample of a 27.5%-unanswerable file).
    """
    if n < 1:
        raise GoldFormatError("sample size must be at least 1")
    units: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        units.setdefault(row.group or f"\0row-{i}", []).append(i)
    pools: dict[bool, list[list[int]]] = {True: [], False: []}
    for members in units.values():
        pools[rows[members[0]].answerable].append(members)
    rng = random.Random(seed)
    chosen: list[int] = []
    share = sum(1 for r in rows if r.answerable) / max(1, len(rows))
    for answerable, quota in ((True, round(n * share)), (False, n - round(n * share))):
        pool = pools[answerable]
        rng.shuffle(pool)
        taken = 0
        for members in pool:
            if taken >= quota:
                break
            chosen.extend(members)
            taken += len(members)
    return [rows[i] for i in sorted(chosen)]


# --- JSONL -----------------------------------------------------------------------------


def _load_jsonl(path: Path) -> list[GoldRow]:
    rows: list[GoldRow] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldFormatError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise GoldFormatError(f"{path}:{number}: expected a JSON object per line")
            rows.append(_row_from_record(record, default_id=f"{path.stem}-{number}",
                                         where=f"{path}:{number}"))
    return rows


def _row_from_record(record: Mapping[str, Any], default_id: str, where: str) -> GoldRow:
    """Evaluation or training JSONL object -> GoldRow (`answer_text` maps to `answer`)."""
    question = record.get("question")
    if not isinstance(question, str) or not question.strip():
        raise GoldFormatError(f"{where}: missing or empty 'question'")
    if "answer" in record:
        raw = record["answer"]
    elif "answer_text" in record:
        raw = record["answer_text"]
    elif "answers" in record:
        raw = record["answers"]
    else:
        raise GoldFormatError(f"{where}: no 'answer' (or 'answer_text') field")
    answers = _answers(raw, where)
    context = record.get("context")
    if context is not None and not isinstance(context, str):
        raise GoldFormatError(f"{where}: 'context' must be a string")
    start = record.get("answer_start")
    known = {"id", "question", "answer", "answer_text", "answers", "reference", "group",
             "context", "category", "kind", "answer_start", "style"}
    return GoldRow(
        id=str(record.get("id") or default_id),
        question=question.strip(),
        answers=answers,
        reference=_optional_text(record.get("reference")),
        group=_optional_text(record.get("group")),
        context=context or None,
        category=_optional_text(record.get("category") or record.get("kind")),
        style=_optional_text(record.get("style")),
        answer_start=int(start) if isinstance(start, int) and start >= 0 else None,
        extra={k: v for k, v in record.items() if k not in known},
        # training rows pair each question with one passage; "" means "not in it"
        unanswerable_in="context" if "answer_text" in record else "kb",
    )


def _answers(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw.strip(),) if raw.strip() else ()
    if isinstance(raw, list):
        texts = []
        for item in raw:
            text = item.get("text") if isinstance(item, dict) else item
            if not isinstance(text, str):
                raise GoldFormatError(f"{where}: answers must be strings or {{'text': ...}}")
            if text.strip() and text.strip() not in texts:
                texts.append(text.strip())
        return tuple(texts)
    raise GoldFormatError(f"{where}: 'answer' must be a string (\"\" = not answerable)")


def _optional_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# --- SQuAD v2 JSON and SubjQA CSV: read by training.datasets, adapted here ---------------


def _load_json(path: Path) -> list[GoldRow]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GoldFormatError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    if isinstance(payload, list):  # a JSON array of evaluation objects
        return [
            _row_from_record(item, default_id=f"{path.stem}-{i}", where=f"{path}[{i}]")
            for i, item in enumerate(payload)
            if _is_object(item, f"{path}[{i}]")
        ]
    rows: list[GoldRow] = []
    try:
        for item in read_squad(path, payload):
            answers = () if item.impossible else _answers(item.qa.get("answers", []),
                                                          item.where)
            starts = [x.get("answer_start") for x in item.qa.get("answers", []) or []
                      if isinstance(x, dict)]
            rows.append(GoldRow(
                id=item.id, question=_question(item.qa.get("question"), item.where),
                answers=answers, context=item.context, category=_optional_text(item.title),
                answer_start=starts[0] if answers and starts else None,
                unanswerable_in="context",
            ))
    except DatasetError as exc:
        raise GoldFormatError(str(exc)) from exc
    return rows


def _is_object(item: Any, where: str) -> bool:
    if not isinstance(item, dict):
        raise GoldFormatError(f"{where}: expected a JSON object")
    return True


def _question(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise GoldFormatError(f"{where}: missing or empty 'question'")
    return value.strip()


def _load_subjqa_csv(path: Path) -> list[GoldRow]:
    try:
        return [_subjqa_row(row, path) for row in read_subjqa(path)]
    except DatasetError as exc:
        raise GoldFormatError(str(exc)) from exc


def _subjqa_row(row: SubjqaRow, path: Path) -> GoldRow:
    review = row.review.rstrip()
    answers: tuple[str, ...] = (row.span,) if row.span else ()
    start = None
    if answers:
        start, indexed = _subjqa_start(row.indices, review, row.span)
        if indexed and normalize_space(indexed) != normalize_space(row.span):
            # Annotators' spans are sometimes re-tokenised ("awesome !") or point at
            # other text than the indices; accept both, as SQuAD accepts several answers.
            answers = (row.span, indexed)
    return GoldRow(
        id=str(row.fields.get("q_review_id") or f"{path.stem}-{row.line}"),
        question=_question(row.question, f"{path}:row {row.line}"),
        answers=answers,
        context=review,
        category=_optional_text(row.fields.get("domain")),
        answer_start=start,
        unanswerable_in="context",
        extra={"item_id": row.fields.get("item_id"), "review_id": row.fields.get("review_id")},
    )


def _subjqa_start(indices: tuple[int, int] | None, review: str, span: str,
                  ) -> tuple[int | None, str | None]:
    """(offset of the span in the review, the review text the indices point at)."""
    indexed = None
    if indices is not None:
        start, end = indices
        if 0 <= start < end <= len(review):
            indexed = review[start:end].strip() or None
            if review[start:end] == span:
                return start, indexed
    found = review.find(span)
    if found >= 0:
        return found, indexed
    return (review.find(indexed) if indexed else None), indexed


def normalize_space(text: str) -> str:
    return " ".join(text.split())


def categories(rows: Iterable[GoldRow]) -> list[str]:
    """Distinct categories in first-seen order (rows without one are left out)."""
    seen: list[str] = []
    for row in rows:
        if row.category and row.category not in seen:
            seen.append(row.category)
    return seen
