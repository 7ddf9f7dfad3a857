"""QA example loaders: project JSONL, SQuAD v2 JSON and SubjQA CSV, each written here."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from training.datasets import (
    DatasetError,
    QAExample,
    load_examples,
    load_jsonl,
    load_many,
    write_jsonl,
)

RETURNS = "Unworn items can be returned within 30 days. Final-sale items cannot be returned."
# ../shared beside the checkout, wherever the checkout is
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SUBJQA_DEV = SHARED / "data" / "subjqa" / "electronics-dev.csv"


def write_jsonl_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_jsonl_rows_become_examples(tmp_path):
    path = write_jsonl_rows(tmp_path / "train.jsonl", [
        {"id": "r1", "question": "How long can I return items?", "context": RETURNS,
         "answer_text": "30 days", "answer_start": RETURNS.index("30 days"), "doc": "returns",
         "group": "g1", "reference": "Within 30 days.", "kind": "policy"},
        {"question": "Can I return a gift card?", "context": RETURNS, "answer_text": ""},
    ])
    path.write_text(path.read_text() + "\n")  # a blank line is skipped
    first, second = load_examples(path)
    assert first == QAExample("How long can I return items?", RETURNS, "30 days",
                              RETURNS.index("30 days"), id="r1", doc="returns", group="g1",
                              reference="Within 30 days.", kind="policy")
    assert first.answerable and first.to_json()["answer_start"] == RETURNS.index("30 days")
    assert not second.answerable and second.answer_start == -1
    assert second.id == "train-2"  # file stem and line number when no id is given


def test_jsonl_accepts_answer_as_an_alias(tmp_path):
    path = write_jsonl_rows(tmp_path / "a.jsonl", [
        {"question": "Can final-sale items be returned?", "context": RETURNS,
         "answer": "cannot be returned", "answer_start": RETURNS.index("cannot")}])
    [ex] = load_jsonl(path)
    assert ex.answer_text == "cannot be returned"


def test_wrong_answer_start_is_repaired_when_the_answer_is_elsewhere(tmp_path):
    path = write_jsonl_rows(tmp_path / "off.jsonl", [
        {"question": "How long?", "context": RETURNS, "answer_text": "30 days",
         "answer_start": 3}])
    [ex] = load_examples(path)
    assert ex.answer_start == RETURNS.index("30 days")
    assert ex.context[ex.answer_start:ex.answer_start + len(ex.answer_text)] == "30 days"


def test_answer_not_in_the_context_names_file_and_line(tmp_path):
    path = write_jsonl_rows(tmp_path / "bad.jsonl", [
        {"question": "How long?", "context": RETURNS, "answer_text": "30 days",
         "answer_start": 37},
        {"question": "How long?", "context": RETURNS, "answer_text": "60 days",
         "answer_start": 37},
    ])
    with pytest.raises(DatasetError, match=rf"{path}:2: answer '60 days' is not in the context"):
        load_examples(path)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('{"question": "q"}', "cannot read example"),  # no context
        ("{not json", "cannot read example"),
        ('{"question": "q", "context": "c", "answer_text": "c", "answer_start": "x"}',
         "cannot read example"),
        ('{"question": " ", "context": "some text"}', "empty question or context"),
    ],
)
def test_unreadable_jsonl_rows_name_file_and_line(tmp_path, line, why):
    path = tmp_path / "broken.jsonl"
    good = json.dumps({"question": "q", "context": "c"})
    path.write_text(good + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=rf"{path}:2: {why}"):
        load_examples(path)


def test_squad_v2_json(tmp_path):
    context = "The Linen Wrap Dress comes in sizes XS to XL and is made of European linen."
    data = {"version": "v2.0", "data": [{"title": "Dresses", "paragraphs": [{
        "context": context,
        "qas": [
            {"id": "q1", "question": "What sizes?", "is_impossible": False,
             "answers": [{"text": "XS to XL", "answer_start": context.index("XS")},
                         {"text": "sizes XS to XL", "answer_start": context.index("sizes")}]},
            {"id": "q2", "question": "Is it silk?", "is_impossible": True, "answers": [],
             "plausible_answers": [{"text": "linen", "answer_start": 70}]},
            {"id": "q3", "question": "Made of?", "is_impossible": False,
             "answers": [{"text": "European linen", "answer_start": 0}]},  # wrong start
        ]}]}]}
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    q1, q2, q3 = load_examples(path)
    assert (q1.id, q1.doc, q1.answer_text) == ("q1", "Dresses", "XS to XL")
    assert q1.answer_start == context.index("XS")  # the first of several answers
    assert not q2.answerable and q2.answer_start == -1
    assert q3.answer_start == context.index("European linen")


def test_squad_with_a_missing_answer_names_the_question(tmp_path):
    data = {"data": [{"title": "t", "paragraphs": [{"context": "abc", "qas": [
        {"id": "x7", "question": "q", "answers": [{"text": "zzz", "answer_start": 0}]}]}]}]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match=rf"{path}:x7: answer 'zzz'"):
        load_examples(path)
    path.write_text(json.dumps({"version": "v2.0"}))
    with pytest.raises(DatasetError, match="not SQuAD JSON"):
        load_examples(path)


SUBJQA_HEADER = ["item_id", "domain", "q_reviews_id", "q_review_id", "question", "review",
                 "human_ans_spans", "human_ans_indices"]


def write_subjqa(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SUBJQA_HEADER)
        writer.writerows(rows)
    return path


def test_subjqa_csv_strips_answernotfound_and_uses_the_indices(tmp_path):
    review = 'The bass is deep, and "the battery lasts" all day.\nGreat value.'
    start = review.index("the battery lasts")
    path = write_subjqa(tmp_path / "electronics-dev.csv", [
        ["B01", "electronics", "g1", "r1", "How is the battery?", review + " ANSWERNOTFOUND",
         "the battery lasts", f"({start}, {start + len('the battery lasts')})"],
        ["B01", "electronics", "g2", "r2", "How is the screen?", review + " ANSWERNOTFOUND",
         "ANSWERNOTFOUND", f"({len(review) + 1}, {len(review) + 15})"],
    ])
    answered, unanswerable = load_examples(path)
    assert answered.context == review and unanswerable.context == review
    assert (answered.answer_text, answered.answer_start) == ("the battery lasts", start)
    assert (answered.id, answered.doc, answered.group, answered.kind) == (
        "r1", "B01", "g1", "electronics")
    assert not unanswerable.answerable and unanswerable.answer_start == -1


def test_subjqa_span_running_into_the_appended_token_is_clipped(tmp_path):
    review = "Works fine with my laptop"
    start = review.index("my laptop")
    path = write_subjqa(tmp_path / "d.csv", [
        ["B02", "electronics", "g", "r", "Does it work?", review + " ANSWERNOTFOUND",
         "my laptop ANSWER", f"({start}, {len(review) + 7})"]])
    [ex] = load_examples(path)
    assert ex.answer_text == "my laptop" and ex.context == review


def test_subjqa_bad_indices_name_file_and_row(tmp_path):
    path = write_subjqa(tmp_path / "d.csv", [
        ["B", "electronics", "g", "r", "q?", "good sound ANSWERNOTFOUND", "good", "(0, 4)"],
        ["B", "electronics", "g", "r", "q?", "good sound ANSWERNOTFOUND", "good", "zero to 4"],
    ])
    with pytest.raises(DatasetError, match=rf"{path}:3: cannot read SubjQA row"):
        load_examples(path)


def test_unknown_extension_and_missing_file_are_refused(tmp_path):
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(DatasetError, match=r"unsupported format '\.parquet'"):
        load_examples(path)
    with pytest.raises(DatasetError, match="no such file"):
        load_examples(tmp_path / "missing.jsonl")


def test_write_jsonl_roundtrips_and_load_many_concatenates(tmp_path):
    examples = [QAExample("q1?", "ctx one", "one", 4, id="a", kind="policy"),
                QAExample("q2?", "ctx twö 👗", "", -1, id="b")]
    out = tmp_path / "out.jsonl"
    assert write_jsonl(examples, out) == 2
    assert "twö 👗" in out.read_text(encoding="utf-8")  # not \\u-escaped
    assert load_examples(out) == examples
    assert load_many([out, str(out)]) == examples + examples


@pytest.mark.skipif(not SUBJQA_DEV.exists(), reason=f"SubjQA data not present at {SUBJQA_DEV}")
def test_twenty_real_subjqa_rows_load_with_answers_at_their_offsets(tmp_path):
    csv.field_size_limit(sys.maxsize)
    with SUBJQA_DEV.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [next(reader) for _ in range(20)]
    sample = tmp_path / "electronics-dev-20.csv"
    with sample.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])

    examples = load_examples(sample)
    assert 15 <= len(examples) <= 20  # whitespace-only spans are dropped, nothing else
    assert any(e.answerable for e in examples) and any(not e.answerable for e in examples)
    for ex in examples:
        assert not ex.context.endswith("ANSWERNOTFOUND")
        assert ex.kind == "electronics" and ex.question.strip()
        if ex.answerable:
            assert ex.context[ex.answer_start:ex.answer_start + len(ex.answer_text)] == (
                ex.answer_text)
        else:
            assert ex.answer_start == -1
