"""Gold loading from every accepted format, on small files written by the tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from training.evaluation.gold import GoldFormatError, load_gold

SUBJQA_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "subjqa"


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluation_jsonl(tmp_path):
    path = _jsonl(tmp_path / "gold.jsonl", [
        {"question": "How long do I have to return?", "answer": "30 days",
         "reference": "You have 30 days to return it.", "group": "returns",
         "category": "policy"},
        {"question": "Do you sell cars?", "answer": ""},
        {"question": "What is it made of?", "answer": "linen", "context": "Material: linen"},
    ])
    rows = load_gold(path)
    assert [r.answer for r in rows] == ["30 days", "", "linen"]
    assert [r.answerable for r in rows] == [True, False, True]
    assert rows[0].reference == "You have 30 days to return it."
    assert rows[0].group == "returns" and rows[0].category == "policy"
    assert rows[0].context is None and rows[2].context == "Material: linen"
    assert rows[1].id == "gold-2" and rows[1].unanswerable_in == "kb"
    assert len(load_gold(path, limit=2)) == 2


def test_training_jsonl_maps_answer_text_and_kind(tmp_path):
    path = _jsonl(tmp_path / "dev.jsonl", [
        {"id": "q1", "question": "What colours?", "context": "Colors: Stone, Navy",
         "answer_text": "Stone, Navy", "answer_start": 8, "doc": "SS-1", "group": "g1",
         "reference": "It comes in Stone and Navy.", "kind": "product"},
        {"id": "q2", "question": "Price of the moon?", "context": "Colors: Stone",
         "answer_text": "", "answer_start": -1, "doc": "SS-1", "group": "g2",
         "reference": "", "kind": "unanswerable"},
    ])
    first, second = load_gold(path)
    assert first.id == "q1" and first.answer == "Stone, Navy" and first.answer_start == 8
    assert first.category == "product" and first.group == "g1"
    assert first.extra["doc"] == "SS-1"
    assert not second.answerable and second.reference is None and second.answer_start is None
    assert second.unanswerable_in == "context"  # only its own passage lacks the answer


def test_squad_v2_json_keeps_every_gold_answer(tmp_path):
    path = tmp_path / "squad.json"
    path.write_text(json.dumps({"version": "v2.0", "data": [{"title": "Shipping", "paragraphs": [{
        "context": "Standard shipping takes 3-5 business days.",
        "qas": [
            {"id": "a", "question": "How long is shipping?", "is_impossible": False,
             "answers": [{"text": "3-5 business days", "answer_start": 24},
                         {"text": "3-5 business days", "answer_start": 24},
                         {"text": "business days", "answer_start": 28}]},
            {"id": "b", "question": "Do you ship to Mars?", "is_impossible": True,
             "answers": [], "plausible_answers": [{"text": "3-5", "answer_start": 24}]},
        ]}]}]}))
    a, b = load_gold(path)
    assert a.answers == ("3-5 business days", "business days") and a.answer_start == 24
    assert a.context.startswith("Standard") and a.category == "Shipping"
    assert b.answers == () and b.id == "b"


def test_subjqa_csv_strips_the_not_found_token(tmp_path):
    path = tmp_path / "electronics-dev.csv"
    review = "The bass is deep. Battery lasts all day."
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["q_review_id", "domain", "question", "review", "human_ans_spans",
                         "human_ans_indices"])
        writer.writerow(["r1", "electronics", "How is the bass?", review + " ANSWERNOTFOUND",
                         "The bass is deep", "(0, 16)"])
        writer.writerow(["r2", "electronics", "How is the screen?", review + " ANSWERNOTFOUND",
                         "ANSWERNOTFOUND", f"({len(review) + 1}, {len(review) + 15})"])
        # upstream re-tokenised span; the indices point at the real text
        writer.writerow(["r3", "electronics", "Battery?", review + " ANSWERNOTFOUND",
                         "Battery lasts all day .", "(18, 40)"])
    bass, screen, battery = load_gold(path)
    assert bass.context == review and screen.context == review
    assert bass.answer == "The bass is deep" and bass.answer_start == 0
    assert bass.category == "electronics" and bass.id == "r1"
    assert not screen.answerable
    assert battery.answers == ("Battery lasts all day .", "Battery lasts all day.")
    assert battery.answer_start == 18


@pytest.mark.skipif(not (SUBJQA_DIR / "electronics-dev.csv").exists(), reason="no SubjQA data")
def test_real_subjqa_dev_file_loads_with_published_counts():
    rows = load_gold(SUBJQA_DIR / "electronics-dev.csv")
    assert len(rows) == 261  # README: electronics dev 261 rows, 162 unanswerable
    assert sum(not r.answerable for r in rows) == 162
    assert not any(r.context.endswith("ANSWERNOTFOUND") for r in rows)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", '{"question": "a", "answer": "b"}\n{not json}\n', "bad.jsonl:2"),
        ("noanswer.jsonl", '{"question": "a"}\n', "no 'answer'"),
        ("noquestion.jsonl", '{"answer": "x"}\n', "missing or empty 'question'"),
        ("empty.jsonl", "\n\n", "no questions found"),
        ("notsquad.json", '{"foo": 1}', "top-level 'data'"),
        ("plain.csv", "a,b\n1,2\n", "not a SubjQA CSV"),
        ("gold.txt", "hello", "unsupported gold file type"),
    ],
)
def test_bad_files_fail_with_a_clear_message(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GoldFormatError, match=message.replace("(", r"\(")):
        load_gold(path)


def test_missing_file(tmp_path):
    with pytest.raises(GoldFormatError, match="not found"):
        load_gold(tmp_path / "nope.jsonl")


def test_sample_keeps_paraphrase_groups_whole_and_is_repeatable():
    from training.evaluation.gold import GoldRow, sample_rows

    rows = [GoldRow(f"r{i}", f"q{i}", ("a",), group=f"g{i // 3}") for i in range(30)]
    picked = sample_rows(rows, 7)
    assert picked == sample_rows(rows, 7)  # seeded
    assert 7 <= len(picked) <= 9 and len(picked) % 3 == 0
    groups = {r.group for r in picked}
    assert all(sum(r.group == g for r in picked) == 3 for g in groups)
    assert [r.id for r in picked] == sorted((r.id for r in picked), key=lambda x: int(x[1:]))
    with pytest.raises(GoldFormatError):
        sample_rows(rows, 0)


def test_sample_keeps_the_files_answerable_share():
    """Unanswerable questions sit in groups of one: drawing groups blindly over-samples them."""
    from training.evaluation.gold import GoldRow, sample_rows

    answerable = [GoldRow(f"a{i}", f"q{i}", ("a",), group=f"g{i // 4}") for i in range(300)]
    unanswerable = [GoldRow(f"u{i}", f"n{i}", (), group=f"u{i}") for i in range(100)]
    rows = answerable + unanswerable  # 25% unanswerable
    for n in (30, 100):
        picked = sample_rows(rows, n)
        share = sum(not r.answerable for r in picked) / len(picked)
        assert abs(share - 0.25) < 0.06, (n, share)
        assert n <= len(picked) <= n + 3
