"""Store exports as retailers have them: loaders on the sample exports in `exports/`.

The samples were written for these tests (made-up shop, products and reviews) in the
layouts the platforms export: Shopify's product CSV (one row per variant, HTML in
`Body (HTML)`, image-only rows, a draft), a Zendesk Guide articles page with its
sections, a Help Scout article, saved help-centre pages, a review app's CSV and a
Judge.me-style JSONL.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa_engine.ingest.html import html_to_text
from qa_engine.ingest.loaders import LoadError, load_file
from qa_engine.ingest.passages import build_passages
from qa_engine.ingest.reviews import parse_date, parse_rating

EXPORTS = Path(__file__).parent / "exports"


def _load(name: str):
    return load_file(EXPORTS / name, name)


def _lines(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)


# --- Shopify product export ------------------------------------------------------------
def test_shopify_variants_fold_into_one_product_per_handle():
    loaded = _load("shopify_products.csv")
    by_handle = {p.doc_id: p for p in loaded.parts}
    # 16 rows: 8 parka variants + an image row, 1 shirt, 5 boot sizes, 1 draft
    assert sorted(by_handle) == ["alder-waxed-parka", "fenwick-chelsea-boot",
                                 "marlow-linen-shirt"]
    assert loaded.warnings == ["line 24: 'spring-preview-trench' is draft, skipped"]
    parka = by_handle["alder-waxed-parka"]
    assert (parka.title, parka.section, parka.kind) == ("Alder Waxed Parka", "Outerwear",
                                                        "product")
    fields = _lines(parka.text)
    assert parka.text.startswith("Name: Alder Waxed Parka\n")
    assert fields["Sizes"] == "S, M, L, XL"
    assert fields["Colors"] == "Olive, Black"
    assert fields["Price"] == "189.00 to 199.00"
    assert fields["Was"] == "229.00"
    assert fields["Brand"] == "Northfold"
    assert fields["Availability"] == "In stock except XL / Olive, L / Black (sold out)"
    assert fields["Tags"] == "outerwear, waxed cotton, winter"
    # HTML description: text only, the list kept one item per line
    assert "<" not in parka.text and "- Two-way YKK zip\n- Quilted" in parka.text
    assert "NF-ALD" not in parka.text  # variant SKUs and image URLs are not answers
    assert "cdn.example-store" not in parka.text


def test_shopify_single_variant_and_stock_states():
    by_handle = {p.doc_id: p for p in _load("shopify_products.csv").parts}
    shirt = _lines(by_handle["marlow-linen-shirt"].text)
    assert shirt["Price"] == "64.00" and shirt["Availability"] == "In stock"
    assert "Sizes" not in shirt and "Titles" not in shirt  # "Default Title" is no option
    boots = by_handle["fenwick-chelsea-boot"]
    assert _lines(boots.text)["Availability"] == (
        "In stock except US 10 (sold out); US 9 (back-order)"
    )
    # a table in the description stays a table: one row per line, cells labelled
    assert "Feature: Heel height; Detail: 3 cm" in boots.text.splitlines()


def test_shopify_export_is_recognised_by_columns_not_name(tmp_path: Path):
    renamed = tmp_path / "products_export_1.csv"
    shutil.copy(EXPORTS / "shopify_products.csv", renamed)
    assert len(load_file(renamed, renamed.name).parts) == 3
    plain = tmp_path / "shopify_products.csv"  # the export's name, a plain catalog inside
    plain.write_text("sku,name,price\nA-1,Scarf,20.00\n", encoding="utf-8")
    (part,) = load_file(plain, plain.name).parts
    assert (part.doc_id, part.text) == ("A-1", "Name: Scarf\nPrice: 20.00")


def test_shopify_export_with_only_drafts_is_refused(tmp_path: Path):
    path = tmp_path / "p.csv"
    path.write_text("Handle,Title,Body (HTML),Variant Price,Status\n"
                    "x,Trench,<p>Soon</p>,10.00,draft\n", encoding="utf-8")
    with pytest.raises(LoadError, match="no active product"):
        load_file(path, "p.csv")


# --- Help-desk articles ------------------------------------------------------------------
def test_zendesk_articles_headings_become_sections_with_lists_and_tables():
    loaded = _load("zendesk_articles.json")
    assert loaded.warnings == ["article 3: a draft, skipped"]
    parts = [(p.doc_id, p.title, p.section) for p in loaded.parts]
    assert parts[:4] == [
        ("4410021", "How do I return an item?", "Returns & refunds"),  # before any heading
        ("4410021", "How do I return an item?", "Start a return online"),
        ("4410021", "How do I return an item?", "Refund times"),
        ("4410021", "How do I return an item?", "Items we cannot take back"),
    ]
    texts = {p.section: p.text for p in loaded.parts}
    assert texts["Start a return online"].splitlines() == [
        "1. Open Your orders and pick the order.",
        "2. Choose the items and a reason.",
        "3. Print the prepaid label, or show the QR code at a drop-off point.",
    ]
    assert texts["Refund times"].splitlines()[0] == (
        "Payment method: Card; Refund time: 5 to 10 business days"
    )
    assert texts["Delivery times"].splitlines()[0] == "- EU and UK: 3 to 5 business days"
    assert {p.kind for p in loaded.parts} == {"policy"}
    assert not any("Holiday" in p.title for p in loaded.parts)  # the draft


def test_helpscout_article_and_one_article_per_jsonl_line(tmp_path: Path):
    (part,) = _load("helpscout_article.json").parts
    assert part.title == "Can you gift-wrap my order?"
    assert part.doc_id == "64f1c2a9e4b0a1d2c3f4e5a6"
    assert part.text.startswith("Yes. Tick Add gift wrap at checkout:")
    articles = json.loads((EXPORTS / "zendesk_articles.json").read_text())["articles"]
    lines = tmp_path / "incremental.jsonl"
    lines.write_text("\n".join(json.dumps(a) for a in articles), encoding="utf-8")
    loaded = load_file(lines, lines.name)
    # no sections list in this file: text before the first heading is under the title
    assert loaded.parts[0].section == "How do I return an item?"
    assert len(loaded.parts) == 7


def test_an_article_list_without_bodies_is_refused(tmp_path: Path):
    path = tmp_path / "collection.json"  # a Help Scout list page: no article text
    path.write_text(json.dumps({"articles": {"page": 1, "pages": 1, "count": 1, "items": [
        {"id": "a1", "name": "Gift wrap", "status": "published"}]}}), encoding="utf-8")
    with pytest.raises(LoadError, match="without article bodies"):
        load_file(path, "collection.json")


def test_saved_html_pages_drop_navigation_and_keep_structure():
    loaded = _load("help_centre/size-guide.html")
    assert [(p.title, p.section) for p in loaded.parts] == [
        ("Size guide", "Size guide"), ("Size guide", "Women's tops and dresses"),
        ("Size guide", "Footwear"),
    ]
    table = loaded.parts[1].text.splitlines()
    assert table[1] == "Size: M; Bust: 89–93 cm; Waist: 71–75 cm; Hip: 95–99 cm"
    everything = " ".join(p.text for p in loaded.parts)
    assert "Privacy" not in everything and "dataLayer" not in everything
    assert "Help Centre ›" not in everything
    tiers = _load("help_centre/loyalty-programme.html").parts[1]
    assert tiers.text.splitlines()[0] == "- Sprinter: free standard shipping on every order"
    assert "hidden" not in tiers.text  # comments are not text


def test_html_to_text_structure():
    html = ("<h1>T</h1><p>a <b>b</b><br>c</p><ul><li>x<ul><li>y</li></ul></li></ul>"
            "<ol start='3'><li>z</li></ol><table><tr><td>1</td><td>2</td></tr></table>")
    assert html_to_text(html, heading_offset=1).split("\n\n") == [
        "## T", "a b c", "- x", "- y", "3. z", "1 | 2"
    ]
    assert html_to_text("<h2>Fit</h2><p>Slim.</p>", headings=False) == "Fit\n\nSlim."


def test_html_page_with_no_text_is_refused(tmp_path: Path):
    path = tmp_path / "empty.html"
    path.write_text("<html><body><h1>Only a title</h1><script>x()</script></body></html>")
    with pytest.raises(LoadError, match="no text"):
        load_file(path, "empty.html")


def test_plain_json_records_are_not_mistaken_for_articles(tmp_path: Path):
    path = tmp_path / "faq.json"
    path.write_text(json.dumps([{"id": "gc", "title": "Gift cards",
                                 "text": "Gift cards never expire."}]), encoding="utf-8")
    (part,) = load_file(path, "faq.json").parts
    assert (part.doc_id, part.kind, part.text) == ("gc", "document", "Gift cards never expire.")


# --- Reviews -------------------------------------------------------------------------------
def test_review_csv_one_part_per_review_with_metadata():
    loaded = _load("reviews.csv")
    assert loaded.warnings == ["line 13: not published (Status = spam), skipped"]
    assert len(loaded.parts) == 17 and {p.kind for p in loaded.parts} == {"review"}
    runs_small = next(p for p in loaded.parts if p.doc_id == "r-1002")
    assert runs_small.title == "Alder Waxed Parka"
    assert runs_small.text == ("Runs small\nLovely coat but it runs small. I'm always a M and "
                               "needed the L to wear a jumper under it.")
    assert dict(runs_small.extra) == {"product": "Alder Waxed Parka", "rating": 4,
                                      "review_date": "2026-10-05", "verified_buyer": True}
    # US-style date in the export, not a verified buyer, no title
    assert dict(next(p for p in loaded.parts if p.doc_id == "r-1006").extra)["review_date"] == (
        "2026-10-20")
    unverified = next(p for p in loaded.parts if p.doc_id == "r-1003")
    assert dict(unverified.extra)["verified_buyer"] is False
    assert unverified.text.startswith("The wax smell")
    everything = " ".join(p.text for p in loaded.parts)
    assert "@mail.example.test" not in everything and "Priya" not in everything


def test_review_jsonl_with_handles_html_and_missing_rating():
    loaded = _load("reviews_judgeme.jsonl")
    first, second, third = loaded.parts
    assert dict(first.extra) == {"product": "Alder Waxed Parka", "rating": 4,
                                 "review_date": "2026-10-30", "verified_buyer": True}
    assert first.text == "Runs small!\nBeautiful jacket but it runs small. I sized up from S to M."
    assert second.text == "Comfortable enough for a full day on my feet at work."
    assert dict(third.extra)["rating"] == -1 and dict(third.extra)["review_date"] == ""
    assert loaded.warnings == ["1 review(s) without a 1-5 rating"]


def test_a_long_review_is_one_passage_and_never_joined_with_another():
    long_body = " ".join(["The leather softened after a few wears and now fits well."] * 30)
    loaded = _load("reviews.csv")
    parts = [*loaded.parts[:2]]
    from dataclasses import replace

    parts[0] = replace(parts[0], text=long_body)
    records, _ = build_passages(parts, "reviews.csv", max_words=120, overlap_words=20)
    assert len(records) == 2 and records[0].text == long_body
    assert records[0].metadata["rating"] == 5 and records[0].metadata["product"] == (
        "Alder Waxed Parka")
    assert records[1].metadata["kind"] == "review"
    assert records[1].metadata["verified_buyer"] is True


def test_review_json_array_and_kind_review_records(tmp_path: Path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps([
        {"Product Name": "Scarf", "Stars": "★★★★☆", "Comment": "Soft, not itchy.",
         "Created At": "2026-01-05T10:00:00Z", "Verified Purchase": "yes"},
        {"kind": "review", "product": "Scarf", "text": "Long enough to wrap twice."},
    ]), encoding="utf-8")
    first, second = load_file(path, "export.json").parts
    assert dict(first.extra) == {"product": "Scarf", "rating": 4,
                                 "review_date": "2026-01-05", "verified_buyer": True}
    assert second.kind == "review" and dict(second.extra)["rating"] == -1


@pytest.mark.parametrize(("value", "rating"), [
    ("5", 5), (4, 4), ("4.0", 4), ("3.6", 4), ("4/5", 4), ("8/10", 4), ("★★☆☆☆", 2),
    ("", -1), (None, -1), ("0", -1), ("9", -1), ("great", -1),
])
def test_parse_rating(value, rating):
    assert parse_rating(value) == rating


@pytest.mark.parametrize(("value", "iso"), [
    ("2026-10-05", "2026-10-05"), ("2026-10-30 14:02:11 UTC", "2026-10-30"),
    ("2026-01-05T10:00:00Z", "2026-01-05"), ("10/20/2026", "2026-10-20"),
    ("25/12/2026", "2026-12-25"), ("Oct 5, 2026", "2026-10-05"), ("soon", ""), ("", ""),
])
def test_parse_date(value, iso):
    assert parse_date(value) == iso
