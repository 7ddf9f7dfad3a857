"""The field-test set (training/data/field_test/): a valid measuring stick, and held out.

It was written by an author who never read the training-data generators or the team's
QA files; these tests keep it that way: every answer is a verbatim span of a passage
that ingestion stores, and no field-test question or passage text reaches any training
file or generator, nor any training-side load (train, calibrate, retrain).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qa_engine.ingest.loaders import load_file
from qa_engine.ingest.passages import build_passages
from training.datasets import FIELD_TEST_DIR, DatasetError, load_examples
from training.evaluation.gold import load_gold

QUESTIONS = FIELD_TEST_DIR / "questions.jsonl"
KB = FIELD_TEST_DIR / "kb"
TRAINING_DATA = Path(__file__).resolve().parents[2] / "training" / "data"
STYLES = {"attribute", "list", "numeric", "terse", "formal", "yes_no", "typo",
          "customer_quote", "existence", "review"}


def kb_passages(exclude: str = "") -> list[str]:
    """The field-test KB exactly as `stylesprint ingest` stores it (default settings)."""
    texts = []
    for path in sorted(p for p in KB.rglob("*") if p.is_file() and p.name != exclude):
        loaded = load_file(path, str(path.relative_to(KB)))
        records, _ = build_passages(loaded.parts, str(path.relative_to(KB)), 120, 20)
        texts += [r.text for r in records]
    return texts


def normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def shingles(text: str, n: int = 12) -> set[str]:
    """Runs of n words, most of them real words. Shorter runs are retail boilerplate
    that independent authors share ("we want you to love what you ordered", "wipe clean
    with a damp cloth", size runs "xs s m l xl xxl"); 12 words copied is a copy."""
    words = normal(text).split()
    runs = (words[i:i + n] for i in range(len(words) - n + 1))
    return {" ".join(run) for run in runs if sum(w.isalpha() for w in run) >= n - 3}


def test_the_set_has_every_style_and_enough_hard_negatives():
    rows = load_gold(QUESTIONS)
    assert len(rows) >= 250
    assert {r.style for r in rows} == STYLES
    assert sum(not r.answerable for r in rows) / len(rows) >= 0.20
    for style in STYLES:
        assert sum(r.answerable for r in rows if r.style == style) >= 20, style
    assert len({r.id for r in rows}) == len(rows)
    assert all(r.reference for r in rows)


def test_every_answer_is_a_verbatim_span_of_one_stored_passage():
    passages = kb_passages()
    assert len(passages) > 100
    for row in load_gold(QUESTIONS):
        for answer in row.answers:
            assert any(answer in p for p in passages), (row.id, answer)


def test_paraphrase_groups_share_one_answer():
    groups: dict[str, set[tuple[str, ...]]] = {}
    for row in load_gold(QUESTIONS):
        groups.setdefault(row.group or row.id, set()).add(row.answers)
    assert all(len(answers) == 1 for answers in groups.values())


def _training_texts() -> list[str]:
    texts = []
    for path in sorted(TRAINING_DATA.glob("*")):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8"))
    demo = Path(__file__).resolve().parents[2] / "qa_engine" / "demo_kb"
    texts += [p.read_text(encoding="utf-8") for p in sorted(demo.rglob("*")) if p.is_file()]
    return texts


def test_no_field_test_question_or_passage_is_in_any_training_file():
    corpus = normal(" ".join(_training_texts()))
    # Generic questions ("how long does standard shipping take", "how many gift cards
    # can be used on one order") are everyone's words: 16 of the field test's coincide
    # with the team's own (about other facts). A copied question is longer than that.
    copied = [row.id for row in load_gold(QUESTIONS)
              if len(normal(row.question).split()) >= 12 and normal(row.question) in corpus]
    assert copied == []
    seen = shingles(" ".join(_training_texts()))
    leaked = [s for p in kb_passages() for s in shingles(p) if s in seen]
    assert not leaked, leaked[:5]


def test_the_synthetic_generator_writes_nothing_of_the_field_test():
    """No policy or review text in common (catalog rows share the record layout by design:
    "Care: Wipe clean with a damp cloth / Availability: In stock")."""
    from training.synth.generator import generate

    synthetic = shingles(" ".join(r["context"] + " " + r["question"]
                                  for r in generate(3000, seed=0)))
    field = set().union(*(shingles(p) for p in kb_passages(exclude="catalog.csv")))
    assert not (synthetic & field)


def test_hand_written_agent_questions_are_not_near_copies_of_field_questions():
    """The generator's situations and membership questions are written by hand, the one
    place a field-test question could be copied in; none may be close to one (whole-string
    similarity under 70%; "do we ship to ___" forms are everyone's words and excluded by
    dropping the slot's member)."""
    from rapidfuzz import fuzz, process

    from training.synth.situations import MEMBERSHIP, SITUATIONS

    field = [normal(r.question) for r in load_gold(QUESTIONS)]
    written = [s for options in SITUATIONS.values() for s in options]
    close = [(s, m[0]) for s in written
             if (m := process.extractOne(normal(s), field, scorer=fuzz.ratio))[1] >= 70]
    assert close == []
    assert all("{x}" in t for _, templates in MEMBERSHIP.values() for t in templates)


@pytest.mark.parametrize("name", ["questions.jsonl", "kb/catalog.csv"])
def test_training_side_loads_refuse_the_field_test(name):
    with pytest.raises(DatasetError, match="held out"):
        load_examples(FIELD_TEST_DIR / name)


def test_a_copy_of_a_field_test_file_elsewhere_is_loaded_normally(tmp_path):
    """The refusal is about the held-out folder; the same format elsewhere is data."""
    row = json.loads(QUESTIONS.read_text(encoding="utf-8").splitlines()[0])
    path = tmp_path / "mine.jsonl"
    path.write_text(json.dumps({"question": row["question"], "context": "x", "answer_text": "",
                                "answer_start": -1}) + "\n", encoding="utf-8")
    assert len(load_examples(path)) == 1
