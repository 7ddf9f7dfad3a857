"""The project's QA JSONL record: building, checking and writing it.

One JSON object per line: `id, question, context, answer_text, answer_start, doc, group,
reference, kind`. `answer_text == ""` with `answer_start == -1` means the context does
not answer the question. Every generator goes through `make_record`, so a bad offset is
caught where it is made rather than in the middle of a training run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIELDS = ("id", "question", "context", "answer_text", "answer_start", "doc", "group",
          "reference", "kind")
KINDS = ("policy", "product", "review")
NO_ANSWER_REFERENCE = "I'm sorry, I don't have that information."


class RecordError(ValueError):
    """A QA record is inconsistent (answer not at its offset, empty question...)."""


def make_record(
    *,
    id: str,
    question: str,
    context: str,
    answer_text: str,
    answer_start: int | None = None,
    doc: str,
    group: str,
    reference: str,
    kind: str,
) -> dict[str, Any]:
    """A checked record; `answer_start=None` locates the first occurrence of the answer."""
    if answer_text:
        if answer_start is None:
            answer_start = context.find(answer_text)
        if answer_start < 0 or context[answer_start : answer_start + len(answer_text)] != (
            answer_text
        ):
            raise RecordError(f"{id}: answer {answer_text!r} is not at {answer_start} in context")
    else:
        answer_start = -1
    record = {
        "id": id, "question": question, "context": context, "answer_text": answer_text,
        "answer_start": answer_start, "doc": doc, "group": group, "reference": reference,
        "kind": kind,
    }
    check_record(record)
    return record


def check_record(record: dict[str, Any]) -> None:
    """Raise RecordError unless `record` follows the JSONL contract exactly."""
    missing = [f for f in FIELDS if f not in record]
    if missing:
        raise RecordError(f"{record.get('id', '?')}: missing fields {missing}")
    rid = record["id"]
    if not str(record["question"]).strip() or not str(record["context"]).strip():
        raise RecordError(f"{rid}: empty question or context")
    answer, start = record["answer_text"], record["answer_start"]
    if answer:
        if record["context"][start : start + len(answer)] != answer or start < 0:
            raise RecordError(f"{rid}: answer {answer!r} is not at offset {start}")
        if answer != answer.strip():
            raise RecordError(f"{rid}: answer {answer!r} has surrounding whitespace")
    elif start != -1:
        raise RecordError(f"{rid}: unanswerable record must have answer_start -1")
    if record["kind"] not in KINDS:
        raise RecordError(f"{rid}: kind must be one of {', '.join(KINDS)}, not {record['kind']!r}")


def read_jsonl(path: Path | str) -> list[dict[str, Any]]:
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise RecordError(f"{path}:{n}: not JSON ({exc})") from exc
    return out
