"""The shipped demo knowledge base and StyleSprint QA files are sound and up to date."""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from qa_engine.ingest.rendering import render_record
from training.synth.kb import CATALOG_COLUMNS, DEMO_KB_DIR, demo_passages
from training.synth.records import check_record, read_jsonl
from training.synth.stylesprint import DEV_DOCS, DEV_PATH, TRAIN_PATH, build

CATEGORIES = {"Outerwear", "Denim", "Dresses", "Knitwear", "Footwear", "Bags", "Accessories",
              "Swimwear", "Kids"}


@pytest.fixture(scope="module")
def shipped() -> dict[str, list[dict]]:
    return {"train": read_jsonl(TRAIN_PATH), "dev": read_jsonl(DEV_PATH)}


@pytest.fixture(scope="module")
def passages():
    return demo_passages()


def test_catalog_has_enough_products_in_every_category() -> None:
    with (DEMO_KB_DIR / "catalog.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == CATALOG_COLUMNS
        rows = list(reader)
    assert len(rows) >= 60
    assert {r["category"] for r in rows} == CATEGORIES
    assert len({r["sku"] for r in rows}) == len(rows)
    assert all(all(r[c].strip() for c in CATALOG_COLUMNS) for r in rows)
    assert all(r["price"].startswith("$") for r in rows)
    kids_coats = [r for r in rows if r["category"] == "Kids" and "coat" in r["name"].lower()]
    assert kids_coats and kids_coats[0]["sizes"] == "Kids 4-14"


def test_policy_docs_are_one_passage_per_section(passages) -> None:
    policy = [p for p in passages if p.kind == "policy"]
    assert len({p.doc_id for p in policy}) >= 12
    for p in policy:
        # Under the ingestion's 120-word passage limit, so a section is never split.
        assert len(p.text.split()) <= 110, (p.doc_id, p.section)
        assert p.section != p.title and "#" not in p.text


def test_product_passages_follow_the_rendering_convention(passages) -> None:
    with (DEMO_KB_DIR / "catalog.csv").open(encoding="utf-8", newline="") as fh:
        first = next(csv.DictReader(fh))
    product = next(p for p in passages if p.doc_id == first["sku"])
    assert product.text == render_record(first, skip=("sku",))
    assert product.text.startswith(f"Name: {first['name']}\nCategory: ")


def test_shipped_files_parse_with_exact_offsets(shipped) -> None:
    for rows in shipped.values():
        for row in rows:
            check_record(row)
            if row["answer_text"]:
                start = row["answer_start"]
                assert row["context"][start : start + len(row["answer_text"])] == row["answer_text"]


def test_size_balance_and_split(shipped) -> None:
    rows = shipped["train"] + shipped["dev"]
    assert len(rows) >= 800
    assert sum(1 for r in rows if not r["answer_text"]) / len(rows) >= 0.25
    for name, part in shipped.items():
        share = sum(1 for r in part if not r["answer_text"]) / len(part)
        assert 0.2 <= share <= 0.45, name
    train_docs = {r["doc"] for r in shipped["train"]}
    dev_docs = {r["doc"] for r in shipped["dev"]}
    assert train_docs.isdisjoint(dev_docs)
    assert dev_docs == set(DEV_DOCS)
    assert len({r["id"] for r in rows}) == len(rows)
    assert {r["kind"] for r in shipped["dev"]} == {"policy", "product"}


def test_contexts_are_demo_kb_passages(shipped, passages) -> None:
    texts = {p.text: p.doc_id for p in passages}
    for row in shipped["train"] + shipped["dev"]:
        assert texts.get(row["context"]) == row["doc"], row["id"]


def test_paraphrase_groups_agree_on_the_answer(shipped) -> None:
    answers: dict[str, set[str]] = defaultdict(set)
    for row in shipped["train"] + shipped["dev"]:
        answers[row["group"]].add(row["answer_text"])
    assert all(len(a) == 1 for a in answers.values())
    sizes = defaultdict(int)
    for row in shipped["train"] + shipped["dev"]:
        if row["answer_text"]:
            sizes[row["group"]] += 1
    assert sum(sizes.values()) / len(sizes) >= 3  # several paraphrases per fact


def test_online_return_policy_question_is_answered_by_the_returns_doc(shipped, passages) -> None:
    returns_texts = {p.text for p in passages if p.doc_id == "returns-and-exchanges"}
    hits = [r for r in shipped["train"] + shipped["dev"]
            if r["question"] == "What is the return policy for online purchases?"
            and r["answer_text"]]
    assert hits and all(r["context"] in returns_texts for r in hits)
    assert "30 days" in hits[0]["answer_text"]


def test_shipped_files_are_what_the_builder_makes(shipped) -> None:
    train, dev = build()
    assert train == shipped["train"]
    assert dev == shipped["dev"]
