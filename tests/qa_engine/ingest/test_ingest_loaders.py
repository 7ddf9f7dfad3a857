"""Loaders for each format, bad-input reasons, passage records and folder discovery."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_engine.ingest.files import IngestPathError, discover
from qa_engine.ingest.loaders import LoadError, load_file, prettify_stem, read_text
from qa_engine.ingest.passages import build_passages
from qa_engine.ingest.rendering import render_record

CATALOG = (
    "sku,name,category,price,description\n"
    "SS-1,Harbor Trench,Outerwear,$189.00,\"Waterproof, with a hood.\"\n"
    "SS-2,Linen Shirt,Tops,$49.00,Breathable summer shirt.\n"
)


def test_markdown_parts_have_title_section_and_body(tmp_path: Path, write):
    path = write(tmp_path, "returns.md", "# Returns\n\n## Online\n\nWithin 30 days.\n\n## Empty\n")
    parts = load_file(path, "policies/returns.md").parts
    assert [(p.doc_id, p.title, p.section, p.text, p.kind) for p in parts] == [
        ("returns", "Returns", "Online", "Within 30 days.", "policy")
    ]


def test_text_file_without_heading_gets_prettified_stem_title(tmp_path: Path, write):
    path = write(tmp_path, "store_hours-faq.txt", "Stores open at 9am.\nThey close at 8pm.\n")
    (part,) = load_file(path, "store_hours-faq.txt").parts
    assert part.title == "Store hours faq" == prettify_stem("store_hours-faq.txt")
    assert part.section == ""
    assert part.text == "Stores open at 9am. They close at 8pm."


def test_csv_rows_are_product_documents_keyed_by_sku(tmp_path: Path, write):
    path = write(tmp_path, "catalog.csv", CATALOG)
    loaded = load_file(path, "catalog.csv")
    first, second = loaded.parts
    row = {"sku": "SS-1", "name": "Harbor Trench", "category": "Outerwear",
           "price": "$189.00", "description": "Waterproof, with a hood."}
    assert first.text == render_record(row, skip=("sku",))
    assert first.text.splitlines()[0] == "Name: Harbor Trench"
    assert "SS-1" not in first.text
    assert (first.doc_id, first.title, first.section, first.kind) == (
        "SS-1", "Harbor Trench", "Outerwear", "product"
    )
    assert second.doc_id == "SS-2"
    assert loaded.warnings == []


def test_csv_id_column_title_column_and_fallbacks(tmp_path: Path, write):
    csv_text = "ID,Title,Answer\n7,Gift wrap,Yes for $5.\n,,Ask a clerk.\n"
    path = write(tmp_path, "faq_rows.csv", csv_text)
    first, second = load_file(path, "faq_rows.csv").parts
    assert (first.doc_id, first.title, first.section) == ("7", "Gift wrap", "")
    assert first.text == "ID: 7\nTitle: Gift wrap\nAnswer: Yes for $5."
    # no id and no title in that row: a line-based id and the file's title
    assert second.doc_id == "faq_rows.csv#line-3" and second.title == "Faq rows"


def test_csv_duplicate_sku_is_a_warning_not_a_loss(tmp_path: Path, write):
    path = write(tmp_path, "c.csv", "sku,name\nA,One\nA,Two\n")
    loaded = load_file(path, "c.csv")
    assert len(loaded.parts) == 2
    assert loaded.warnings == ["line 3: sku 'A' repeats line 2"]


def test_json_objects_with_text_field_and_without(tmp_path: Path, write):
    docs = [
        {"id": "gc-1", "title": "Gift cards", "section": "Expiry",
         "text": "Gift cards never\n  expire.\n\nThey cannot be exchanged for cash."},
        {"sku": "SS-9", "name": "Wool Scarf", "category": "Accessories", "price": 25,
         "colors": ["Red", "Grey"], "in_stock": True},
    ]
    path = write(tmp_path, "extra.json", json.dumps(docs))
    text_doc, record = load_file(path, "extra.json").parts
    assert (text_doc.doc_id, text_doc.title, text_doc.section, text_doc.kind) == (
        "gc-1", "Gift cards", "Expiry", "document"
    )
    assert text_doc.text == "Gift cards never expire.\nThey cannot be exchanged for cash."
    assert (record.doc_id, record.title, record.section) == ("SS-9", "Wool Scarf", "Accessories")
    assert record.text == (
        "Name: Wool Scarf\nCategory: Accessories\nPrice: 25\nColors: Red, Grey\nIn stock: yes"
    )


def test_jsonl_lines_and_kind_field(tmp_path: Path, write):
    lines = [
        json.dumps({"text": "Members get free returns.", "kind": "policy"}),
        "",
        json.dumps({"question": "Do you ship to Canada?", "answer": "Yes, in 5 days."}),
    ]
    path = write(tmp_path, "notes.jsonl", "\n".join(lines))
    first, second = load_file(path, "notes.jsonl").parts
    assert (first.kind, first.title, first.doc_id) == ("policy", "Notes", "notes.jsonl#line-1")
    assert second.text == "Question: Do you ship to Canada?\nAnswer: Yes, in 5 days."
    assert second.doc_id == "notes.jsonl#line-3" and second.kind == "document"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", "", "empty file"),
        ("blank.txt", "  \n\n  ", "empty file"),
        ("bom_only.md", "\ufeff".encode(), "empty file"),
        ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("latin1.txt", "Caf\xe9 at 9.".encode("latin-1"), "not UTF-8 text (invalid byte 0xe9"),
        ("headings.md", "# Title\n\n## Section\n", "no text to ingest"),
        ("extra.csv", "sku,name\nA,One,surplus\n", "line 2: expected 2 fields, found 3"),
        ("short.csv", "sku,name,price\nA,One\n", "line 2: expected 3 fields, found 2"),
        ("quote.csv", 'sku,name\nA,"unterminated\n', "malformed CSV"),
        ("header_only.csv", "sku,name\n", "no rows under the CSV header"),
        ("dup_header.csv", "sku,Name,name\nA,b,c\n", "duplicate column(s) name"),
        ("noname.csv", "sku,,x\nA,b,c\n", "a column has no name"),
        ("bad.json", '[{"text": "ok"},', "malformed JSON at line 1"),
        ("scalars.json", "[1, 2]", "item 1: expected a JSON object, found int"),
        ("empty_list.json", "[]", "empty JSON array"),
        ("textless.json", '[{"text": ""}]', "no text to ingest"),
        ("bad.jsonl", '{"text": "fine"}\n{"text": oops}\n', "malformed JSON on line 2"),
        ("notes.pdf", "%PDF-1.4", "unsupported file type '.pdf'"),
    ],
)
def test_bad_files_raise_load_error_with_reason(tmp_path: Path, name, content, reason, write):
    path = write(tmp_path, name, content)
    with pytest.raises(LoadError) as err:
        load_file(path, name)
    assert reason in str(err.value)


def test_unreadable_file_is_a_load_error(tmp_path: Path, write):
    folder = write(tmp_path, "folder.md/inner.txt", "x").parent  # a directory named like a file
    with pytest.raises(LoadError, match="cannot read file"):
        read_text(folder)


def test_passage_records_ids_metadata_and_embed_text(tmp_path: Path, write):
    long_body = " ".join(f"Sentence {i} of the long section is here." for i in range(40))
    path = write(tmp_path, "p.md", f"# Policy\n\n## Long\n\n{long_body}\n\n## Short\n\nTiny.\n")
    parts = load_file(path, "docs/p.md").parts
    records, duplicates = build_passages(parts, "docs/p.md", max_words=120, overlap_words=20)
    assert duplicates == 0
    long = [r for r in records if r.section == "Long"]
    assert [r.chunk_index for r in long] == list(range(len(long))) and len(long) == 3
    assert all(r.id.startswith("docs/p.md::") for r in records)
    assert len({r.id for r in records}) == len(records)
    short = records[-1]
    assert short.metadata == {
        "title": "Policy", "section": "Short", "source": "docs/p.md", "doc_id": "p",
        "kind": "policy", "content_hash": short.content_hash, "chunk_index": 0,
    }
    assert short.embed_text == "Policy | Short | Tiny."
    again, _ = build_passages(parts, "docs/p.md", max_words=120, overlap_words=20)
    assert [r.id for r in again] == [r.id for r in records], "ids are stable"
    moved, _ = build_passages(parts, "other/p.md", max_words=120, overlap_words=20)
    assert not {r.id for r in moved} & {r.id for r in records}, "ids include the source"


def test_identical_passages_in_one_file_are_stored_once(tmp_path: Path, write):
    path = write(tmp_path, "d.md", "# T\n\n## Same\n\nText.\n\n## Same\n\nText.\n")
    records, duplicates = build_passages(load_file(path, "d.md").parts, "d.md", 120, 20)
    assert len(records) == 1 and duplicates == 1


def test_discover_walks_folders_recursively_and_names_sources(tmp_path: Path, write):
    kb = tmp_path / "kb"
    write(kb, "catalog.csv", CATALOG)
    write(kb, "policies/returns.md", "# R\n\nx\n")
    write(kb, "policies/deep/er/faq.txt", "x")
    write(kb, "policies/photo.png", b"\x89PNG\x00")
    write(kb, ".git/config", "x")
    write(kb, ".DS_Store", b"\x00")
    single = write(tmp_path, "elsewhere/extra.json", "[]")
    pdf = write(tmp_path, "elsewhere/manual.pdf", "%PDF")
    found = discover([kb, single, pdf, kb / "catalog.csv"])
    assert [f.source for f in found.files] == [
        "catalog.csv", "policies/deep/er/faq.txt", "policies/returns.md", "extra.json"
    ]
    assert [f.source for f in found.skipped] == ["policies/photo.png"]
    assert [f.source for f in found.unsupported] == ["manual.pdf"]


def test_discover_reports_every_missing_path_before_anything_else(tmp_path: Path):
    with pytest.raises(IngestPathError) as err:
        discover([tmp_path, tmp_path / "nope", tmp_path / "nada.md"])
    assert err.value.missing == [str(tmp_path / "nope"), str(tmp_path / "nada.md")]
