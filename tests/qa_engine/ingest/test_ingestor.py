"""The Ingestor against a real Chroma PersistentClient and the real MiniLM embedder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa_engine.ingest import Ingestor, IngestPathError, ensure_demo_kb
from qa_engine.retrieve.chroma_store import get_collection
from qa_engine.types import KnowledgeBaseUnavailable

RETURNS = """\
# Returns and Exchanges

## Online orders

Online orders can be returned within 30 days of delivery for a full refund.

## Refund timing

Card refunds take 5 to 10 business days to show on the statement.
"""

SHIPPING = "# Shipping\n\n## Express\n\nExpress delivery arrives in 2 business days.\n"

CATALOG = (
    "sku,name,category,price,description\n"
    "SS-1,Harbor Trench,Outerwear,$189.00,A waterproof trench coat with a hood.\n"
    "SS-2,Linen Shirt,Tops,$49.00,A breathable linen shirt for summer.\n"
)


@pytest.fixture
def kb(tmp_path: Path, write) -> Path:
    root = tmp_path / "kb"
    write(root, "policies/returns.md", RETURNS)
    write(root, "policies/deep/shipping.md", SHIPPING)
    write(root, "catalog.csv", CATALOG)
    write(root, "faq.json", json.dumps([
        {"id": "gc", "title": "Gift cards", "section": "Expiry", "text": "Gift cards never expire."}
    ]))
    write(root, "notes.jsonl", json.dumps({"topic": "Alterations", "answer": "Hemming is free."}))
    write(root, "logo.png", b"\x89PNG\r\n\x1a\n\x00")
    return root


def _all(collection) -> dict[str, tuple[str, dict]]:
    got = collection.get(include=["documents", "metadatas"])
    return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"],
                                         strict=True)}


def test_ingests_every_format_with_metadata(make_ingestor, kb: Path):
    ingestor = make_ingestor()
    report = ingestor.run([kb])
    by_source = {f.source: f for f in report.files}
    assert {s: f.status for s, f in by_source.items()} == {
        "catalog.csv": "ingested", "faq.json": "ingested", "notes.jsonl": "ingested",
        "policies/deep/shipping.md": "ingested", "policies/returns.md": "ingested",
        "logo.png": "skipped",
    }
    assert report.ok and report.exit_code == 0
    assert report.passages_added == report.collection_size == 7
    stored = list(_all(ingestor.collection).values())
    docs = {m["source"] + "|" + m["section"]: (d, m) for d, m in stored}
    text, meta = docs["policies/returns.md|Refund timing"]
    assert text == "Card refunds take 5 to 10 business days to show on the statement."
    assert meta["title"] == "Returns and Exchanges" and meta["kind"] == "policy"
    assert meta["doc_id"] == "returns" and meta["chunk_index"] == 0
    assert len(meta["content_hash"]) == 64
    text, meta = docs["catalog.csv|Outerwear"]
    assert text.startswith("Name: Harbor Trench\nCategory: Outerwear\nPrice: $189.00")
    assert (meta["doc_id"], meta["title"], meta["kind"]) == ("SS-1", "Harbor Trench", "product")
    assert docs["faq.json|Expiry"][0] == "Gift cards never expire."
    assert docs["notes.jsonl|"][0] == "Topic: Alterations\nAnswer: Hemming is free."


def test_stored_vector_embeds_title_section_and_text(make_ingestor, kb: Path, embedder):
    ingestor = make_ingestor()
    ingestor.run([kb / "policies"])
    got = ingestor.collection.get(
        where={"section": "Express"}, include=["documents", "metadatas", "embeddings"]
    )
    (vector,) = got["embeddings"]
    expected = embedder.embed(["Shipping | Express | " + got["documents"][0]])[0]
    assert float(np.dot(vector, expected)) == pytest.approx(1.0, abs=1e-4)
    assert ingestor.collection.metadata["hnsw:space"] == "cosine"


def test_retrieval_finds_the_right_section(make_ingestor, kb: Path, embedder):
    ingestor = make_ingestor()
    ingestor.run([kb])
    question = embedder.embed(["How long until a card refund shows up?"])[0]
    hits = ingestor.collection.query(query_embeddings=[question.tolist()], n_results=1)
    assert hits["metadatas"][0][0]["section"] == "Refund timing"


def test_second_run_changes_nothing(make_ingestor, kb: Path):
    first = make_ingestor().run([kb])
    ingestor = make_ingestor()
    ids_before = set(_all(ingestor.collection))
    second = ingestor.run([kb])
    assert [f.status for f in second.files if f.status != "skipped"] == ["unchanged"] * 5
    assert second.passages_added == second.passages_removed == 0
    assert set(_all(ingestor.collection)) == ids_before
    assert second.collection_size == first.collection_size == 7
    assert sum(f.passages for f in second.files) == 7


def test_changed_file_replaces_its_old_passages(make_ingestor, kb: Path):
    ingestor = make_ingestor()
    ingestor.run([kb])
    before = _all(ingestor.collection)
    returns = kb / "policies/returns.md"
    returns.write_text(RETURNS.replace("30 days", "45 days"), encoding="utf-8")
    report = ingestor.run([kb])
    changed = next(f for f in report.files if f.source == "policies/returns.md")
    assert (changed.status, changed.added, changed.removed, changed.passages) == (
        "ingested", 1, 1, 2
    )
    assert [f.status for f in report.files].count("unchanged") == 4
    after = _all(ingestor.collection)
    texts = [d for d, _ in after.values()]
    assert any("45 days" in t for t in texts) and not any("30 days" in t for t in texts)
    # the untouched section and the other files keep their ids
    assert len(set(before) & set(after)) == 6 and len(after) == 7


def test_prune_removes_passages_of_files_that_are_gone(make_ingestor, kb: Path):
    ingestor = make_ingestor()
    ingestor.run([kb])
    (kb / "faq.json").unlink()
    kept = ingestor.run([kb])
    assert kept.collection_size == 7 and kept.pruned_sources == []
    pruned = ingestor.run([kb], prune=True)
    assert pruned.pruned_sources == ["faq.json"]
    assert pruned.passages_pruned == pruned.passages_removed == 1
    assert pruned.collection_size == 6
    assert not ingestor.collection.get(where={"source": "faq.json"})["ids"]


def test_reset_recreates_the_collection(make_ingestor, kb: Path, chroma_client):
    collection = get_collection(chroma_client, "test_kb")
    collection.upsert(ids=["stray"], embeddings=[[0.1] * 384], documents=["old"],
                      metadatas=[{"source": "gone.md"}])
    ingestor = make_ingestor()
    report = ingestor.run([kb / "catalog.csv"], reset=True)
    assert report.reset and report.collection_size == 2
    assert [f.status for f in report.files] == ["ingested"]
    fresh = get_collection(chroma_client, "test_kb")
    assert sorted(m["doc_id"] for m in fresh.get()["metadatas"]) == ["SS-1", "SS-2"]


def test_bad_files_are_reported_by_name_and_the_rest_ingested(make_ingestor, tmp_path, write):
    root = tmp_path / "mixed"
    write(root, "good.md", "# Good\n\nThis file is fine.\n")
    bad = {
        "empty.md": "",
        "binary.txt": b"GIF89a\x00\x01\x00",
        "undecodable.md": "caf\xe9".encode("latin-1"),
        "broken.csv": "sku,name\nA,One,extra\n",
        "broken.json": '{"text": ',
        "broken.jsonl": '{"text": "ok"}\nnot json\n',
    }
    for name, content in bad.items():
        write(root, name, content)
    report = make_ingestor().run([root])
    assert report.exit_code == 1 and not report.ok
    failed = {f.source: f.reason for f in report.failed}
    assert set(failed) == set(bad)
    assert failed["empty.md"] == "empty file"
    assert "binary" in failed["binary.txt"]
    assert "not UTF-8" in failed["undecodable.md"]
    assert "expected 2 fields, found 3" in failed["broken.csv"]
    assert "malformed JSON" in failed["broken.json"]
    assert "line 2" in failed["broken.jsonl"]
    assert [f.source for f in report.ingested] == ["good.md"]
    assert report.collection_size == 1


def test_a_file_that_turns_bad_keeps_its_previous_passages(make_ingestor, kb: Path):
    ingestor = make_ingestor()
    ingestor.run([kb])
    (kb / "catalog.csv").write_text("sku,name\nbroken,row,here\n", encoding="utf-8")
    report = ingestor.run([kb], prune=True)
    (failed,) = report.failed
    assert failed.source == "catalog.csv"
    assert report.collection_size == 7, "neither replaced nor pruned"
    assert len(ingestor.collection.get(where={"source": "catalog.csv"})["ids"]) == 2


class _FailsOn:
    """The real embedder, except that it raises for one marker text (a fault injection)."""

    def __init__(self, embedder, marker: str) -> None:
        self.embedder, self.marker = embedder, marker

    def warm_up(self) -> None:
        self.embedder.warm_up()

    def embed(self, texts):
        if any(self.marker in t for t in texts):
            raise RuntimeError("embedding backend crashed")
        return self.embedder.embed(texts)


def test_embedding_failure_mid_file_writes_nothing_for_that_file(
    make_ingestor, tmp_path, write, embedder, ingest_settings
):
    root = tmp_path / "kb"
    long_text = " ".join(f"Sentence {i} is about delivery times." for i in range(60))
    write(root, "a.md", "# A\n\nFine text.\n")
    write(root, "b.md", f"# B\n\n{long_text} EXPLODE here.\n")
    settings = ingest_settings.updated(engine={"passage_max_words": 40})
    report = make_ingestor(settings, embedder=_FailsOn(embedder, "EXPLODE")).run([root])
    failed = {f.source: f.reason for f in report.failed}
    assert failed == {"b.md": "RuntimeError: embedding backend crashed"}
    assert report.collection_size == 1
    assert not make_ingestor().collection.get(where={"source": "b.md"})["ids"]


def test_store_rejection_is_reported_with_a_hint(make_ingestor, kb: Path, chroma_client):
    # A collection built by another embedding model (4-dimensional vectors).
    collection = get_collection(chroma_client, "test_kb")
    collection.upsert(ids=["foreign"], embeddings=[[0.5, 0.5, 0.5, 0.5]], documents=["x"],
                      metadatas=[{"source": "foreign.md"}])
    report = make_ingestor().run([kb / "catalog.csv"])
    (failed,) = report.failed
    assert "dimension" in failed.reason and "--reset" in failed.reason
    assert report.collection_size == 1


def test_chunked_long_rows_and_sections(make_ingestor, tmp_path, write, ingest_settings):
    description = " ".join(f"Detail {i} of this very long jacket." for i in range(40))
    write(tmp_path, "kb/big.csv", f'sku,name,description\nLONG-1,Long Jacket,"{description}"\n')
    settings = ingest_settings.updated(engine={"passage_max_words": 60,
                                               "passage_overlap_words": 10})
    ingestor = make_ingestor(settings)
    report = ingestor.run([tmp_path / "kb"])
    got = ingestor.collection.get(include=["documents", "metadatas"])
    assert report.collection_size == len(got["ids"]) > 3
    assert {m["doc_id"] for m in got["metadatas"]} == {"LONG-1"}
    assert sorted(m["chunk_index"] for m in got["metadatas"]) == list(range(len(got["ids"])))
    assert all(len(d.split()) <= 60 for d in got["documents"])


def test_source_name_collision_fails_the_second_file(make_ingestor, tmp_path, write):
    one = write(tmp_path, "a/faq.md", "# A\n\nOne.\n")
    two = write(tmp_path, "b/faq.md", "# B\n\nTwo.\n")
    report = make_ingestor().run([one, two])
    assert [f.status for f in report.files] == ["ingested", "failed"]
    assert "same source name" in report.files[1].reason


def test_missing_path_is_a_usage_error_and_touches_nothing(make_ingestor, kb: Path):
    ingestor = make_ingestor()
    ingestor.run([kb / "catalog.csv"])
    with pytest.raises(IngestPathError):
        ingestor.run([kb, kb / "missing"], reset=True)
    assert ingestor.collection.count() == 2


def test_progress_bar_goes_to_stderr(make_ingestor, kb: Path, capsys):
    make_ingestor(progress=True).run([kb / "catalog.csv"])
    captured = capsys.readouterr()
    assert "passage" in captured.err and captured.out == ""


def test_ensure_demo_kb_fills_an_empty_collection_once(
    make_ingestor, kb: Path, ingest_settings, embedder, chroma_client
):
    settings = ingest_settings.updated(engine={"kb_paths": [kb / "policies"]})
    collection = get_collection(chroma_client, settings.engine.collection)
    report = ensure_demo_kb(settings, embedder, collection)
    assert report is not None and report.collection_size == 3
    assert ensure_demo_kb(settings, embedder, collection) is None
    missing = settings.updated(engine={"kb_paths": [kb / "nope"]})
    empty = get_collection(chroma_client, "other_kb")
    with pytest.raises(KnowledgeBaseUnavailable, match="nope"):
        ensure_demo_kb(missing, embedder, empty)


@pytest.mark.slow
def test_ensure_demo_kb_ingests_the_shipped_demo_kb(ingest_settings, embedder, chroma_client):
    collection = get_collection(chroma_client, ingest_settings.engine.collection)
    report = ensure_demo_kb(ingest_settings, embedder, collection)
    assert report is not None and report.ok
    assert {f.source for f in report.files} >= {"catalog.csv", "policies/shipping.md"}
    kinds = {m["kind"] for m in collection.get(include=["metadatas"])["metadatas"]}
    assert kinds == {"policy", "product"}


def test_ingestor_init_is_cheap(ingest_settings, embedder):
    ingestor = Ingestor(ingest_settings, embedder, None)
    assert ingestor._collection is None and ingestor._client is None
    assert not ingest_settings.chroma_dir.exists()
