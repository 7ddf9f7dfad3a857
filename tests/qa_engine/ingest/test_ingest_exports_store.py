"""Store exports through the real Ingestor: real Chroma, the real MiniLM embedder.

Review metadata as stored (what the answering side reads), a re-export kept in sync
(`ingest --prune`), and the size warning / cost line / progress lines of a large run.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from qa_engine.ingest import ingestor as ingestor_module
from qa_engine.ingest import progress as progress_module
from qa_engine.retrieve.retriever import ChromaRetriever

EXPORTS = Path(__file__).parent / "exports"


def _kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(EXPORTS, root)
    return root


def _stored(collection, where: dict) -> list[tuple[str, dict]]:
    got = collection.get(where=where, include=["documents", "metadatas"])
    return list(zip(got["documents"], got["metadatas"], strict=True))


def test_every_export_ingests_with_review_metadata(make_ingestor, tmp_path: Path):
    ingestor = make_ingestor()
    report = ingestor.run([_kb(tmp_path)])
    assert report.ok, report.summary()
    assert {f.source: f.passages for f in report.files} == {
        "help_centre/loyalty-programme.html": 2, "help_centre/size-guide.html": 3,
        "helpscout_article.json": 1, "reviews.csv": 17, "reviews_judgeme.jsonl": 3,
        "shopify_products.csv": 3, "zendesk_articles.json": 7,
    }
    reviews = _stored(ingestor.collection, {"kind": "review"})
    assert len(reviews) == 20
    for _text, meta in reviews:
        assert isinstance(meta["product"], str) and meta["product"]
        assert isinstance(meta["rating"], int) and meta["rating"] in (-1, 1, 2, 3, 4, 5)
        assert isinstance(meta["review_date"], str)
        assert isinstance(meta["verified_buyer"], bool)
        assert meta["section"] == "Customer reviews" and meta["title"] == meta["product"]
    parka = _stored(ingestor.collection, {"product": "Alder Waxed Parka"})
    assert len(parka) == 12  # 11 in the CSV (the spam one left out) + 1 in the JSONL
    assert sum("runs small" in text for text, _ in parka) == 4
    products = _stored(ingestor.collection, {"kind": "product"})
    assert sorted(m["doc_id"] for _, m in products) == [
        "alder-waxed-parka", "fenwick-chelsea-boot", "marlow-linen-shirt"]
    assert all("product" not in m for _, m in products)  # other kinds keep their keys


def test_review_is_retrieved_for_a_review_question(make_ingestor, tmp_path: Path, embedder):
    ingestor = make_ingestor()
    ingestor.run([_kb(tmp_path)])
    retriever = ChromaRetriever(ingestor.collection, embedder, top_k=5)
    hits = retriever.run("Do the Fenwick Chelsea boots need breaking in?")
    reviews = [h.passage for h in hits if h.passage.kind == "review"]
    assert any("two weeks to break in" in p.text for p in reviews)


def _rewrite_shopify(path: Path, drop_handle: str, price: tuple[str, str, str]) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    handle, old, new = price
    kept = [r for r in rows if r["Handle"] != drop_handle]
    for r in kept:
        if r["Handle"] == handle and r["Variant Price"] == old:
            r["Variant Price"] = new
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)


def test_a_re_export_keeps_the_collection_in_sync(make_ingestor, tmp_path: Path):
    kb = _kb(tmp_path)
    ingestor = make_ingestor()
    ingestor.run([kb])
    parka_before = ingestor.collection.get(where={"doc_id": "alder-waxed-parka"})["ids"]

    # the shop stops selling the boots and drops the shirt's price; reviews are exported
    # again without the JSONL file
    _rewrite_shopify(kb / "shopify_products.csv", "fenwick-chelsea-boot",
                     ("marlow-linen-shirt", "64.00", "59.00"))
    (kb / "reviews_judgeme.jsonl").unlink()
    report = make_ingestor().run([kb], prune=True)

    assert report.ok and report.pruned_sources == ["reviews_judgeme.jsonl"]
    shop = {f.source: f for f in report.files}["shopify_products.csv"]
    assert (shop.status, shop.added, shop.removed, shop.passages) == ("ingested", 1, 2, 2)
    collection = ingestor.collection
    assert not collection.get(where={"doc_id": "fenwick-chelsea-boot"})["ids"]
    (shirt,) = collection.get(where={"doc_id": "marlow-linen-shirt"})["documents"]
    assert "Price: 59.00" in shirt and "64.00" not in shirt
    assert collection.get(where={"doc_id": "alder-waxed-parka"})["ids"] == parka_before
    assert not collection.get(where={"source": "reviews_judgeme.jsonl"})["ids"]
    assert len(collection.get(where={"kind": "review"})["ids"]) == 17


def test_large_input_warns_with_its_cost_and_shows_progress(
    make_ingestor, tmp_path: Path, write, monkeypatch
):
    # thresholds scaled down so that a small file is "large" (the real ones: progress.py)
    monkeypatch.setattr(progress_module, "LARGE_FILE_PASSAGES", 20)
    monkeypatch.setattr(progress_module, "PROGRESS_MIN_PASSAGES", 10)
    monkeypatch.setattr(ingestor_module, "LARGE_RUN_PASSAGES", 20)
    monkeypatch.setattr(ingestor_module, "ESTIMATE_AFTER", 8)
    monkeypatch.setattr(ingestor_module, "EMBED_BATCH", 8)
    rows = "\n".join(f"SS-{i},Scarf {i},{10 + i}.00" for i in range(40))
    big = write(tmp_path / "kb", "big.csv", f"sku,name,price\n{rows}\n")
    write(tmp_path / "kb", "small.md", "# Hours\n\nOpen 9 to 5.\n")
    said: list[str] = []
    report = make_ingestor(notify=said.append).run([tmp_path / "kb"])

    assert report.ok and report.collection_size == 41
    warnings = [line for line in said if line.startswith("warning: large file")]
    assert len(warnings) == 1 and str(big) in warnings[0]
    assert "makes 40 passages, 98% of the collection" in warnings[0]
    assert report.size_warnings == [warnings[0].removeprefix("warning: ")]
    assert report.to_json()["size_warnings"] == report.size_warnings
    costs = [line for line in said if "passages to embed: about" in line]
    assert len(costs) == 1 and costs[0].startswith("41 passages to embed")
    assert "passages/s on this machine" in costs[0]
    progress = [line for line in said if line.startswith("embedded ")]
    assert progress and progress[-1].startswith("embedded 41/41 passages (100%)")
    assert all("passages/s" in line for line in progress)
    # the warning came before any progress line: it is said before embedding starts
    assert said.index(warnings[0]) < said.index(progress[0])


def test_small_input_says_nothing(make_ingestor, tmp_path: Path, write):
    write(tmp_path / "kb", "small.md", "# Hours\n\nOpen 9 to 5.\n")
    said: list[str] = []
    report = make_ingestor(notify=said.append).run([tmp_path / "kb"])
    assert report.ok and said == [] and report.size_warnings == []


def test_duration_wording():
    assert progress_module.duration(42) == "42 s"
    assert progress_module.duration(135) == "2 min 15 s"
    assert progress_module.duration(3900) == "1 h 5 min"
