"""The first hour of a new user: the demo KB answers only until the user's own KB is there.

Real commands on a fresh data directory (real Chroma, MiniLM, the shipped reader):
`ask` ingests the demo KB (saying so up front) and prints the status line; `ingest
my-kb/` then replaces the demo KB instead of adding to it; the next `ask` answers from
the user's passages. `STYLESPRINT_KB_PATHS` set later replaces it too; ingesting the
demo folder itself, or files that all fail, leaves it as it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_engine.ingest import Ingestor, demo_kb_path, ensure_demo_kb
from qa_engine.ingest.demo import demo_passage_ids, kb_status
from qa_engine.retrieve.chroma_store import get_collection, make_client
from qa_engine.settings import Settings
from stylesprint.cli import app

WARRANTY = ("# Warranty\n\n## Blenders\n\nEvery Acme blender carries a seven-year warranty on "
            "the motor and two years on the jug.\n")


@pytest.fixture
def user_kb(tmp_path: Path) -> Path:
    root = tmp_path / "my-kb"
    root.mkdir()
    (root / "warranty.md").write_text(WARRANTY, encoding="utf-8")
    return root


def _copy_collection(client, source, name: str):
    """A second collection holding exactly what `source` holds (vectors included)."""
    got = source.get(include=["embeddings", "documents", "metadatas"])
    target = get_collection(client, name)
    target.upsert(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                  metadatas=got["metadatas"])
    return target


def test_ask_then_ingest_replaces_the_demo_kb(tmp_path, monkeypatch, user_kb, embedder):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("CHROMA_HOST", "STYLESPRINT_COLLECTION", "STYLESPRINT_KB_PATHS"):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("STYLESPRINT_DATA_DIR", str(data))
    runner = CliRunner()

    first = runner.invoke(app, ["ask", "--json", "What is the return policy for online purchases?"])
    assert first.exit_code == 0, first.output
    n_demo = len(demo_passage_ids(Settings(_env_file=None, data_dir=data)))
    notice, status = first.stderr.strip().splitlines()[-2:]
    assert notice.startswith(f"Ingesting the demo knowledge base ({n_demo} passages) into "
                             f"collection 'stylesprint_kb' ({(data / 'chroma').resolve()})")
    assert notice.endswith(", once; `stylesprint ingest PATH` replaces it with your own.")
    assert status.startswith(f"stylesprint: data {data.resolve()} (new), no .env in this folder;")
    assert f"knowledge base 'stylesprint_kb': {n_demo} passages, the demo KB" in status
    assert status.endswith("; model shipped-0.7")

    # Keep demo-only copies for the other cases below (no second embedding of the demo KB).
    settings = Settings(_env_file=None, data_dir=data)
    client = make_client(settings)
    demo = get_collection(client, "stylesprint_kb")
    spare = _copy_collection(client, demo, "spare_kb")
    itself = _copy_collection(client, demo, "itself_kb")

    ingested = runner.invoke(app, ["ingest", str(user_kb)])
    assert ingested.exit_code == 0, ingested.output
    assert ingested.stderr.strip() == (
        "note: collection 'stylesprint_kb' held only the demo knowledge base; replaced it "
        f"with your files ({n_demo} demo passages removed)")
    assert "collection 'stylesprint_kb' holds 1 passages" in ingested.stdout
    assert {m["source"] for m in demo.get(include=["metadatas"])["metadatas"]} == {"warranty.md"}

    second = runner.invoke(app, ["ask", "--json", "How long is the warranty on the blender motor?"])
    assert second.exit_code == 0, second.output
    assert "Ingesting" not in second.stderr
    status = second.stderr.strip().splitlines()[-1]
    assert f"data {data.resolve()}," in status and "(new)" not in status
    assert "'stylesprint_kb': 1 passage; model" in status and "demo" not in status
    answer = json.loads(second.stdout)
    assert [s["source"] for s in answer["sources"]] == ["warranty.md"]

    # STYLESPRINT_KB_PATHS set after the demo KB was ingested: replaced on first use, once.
    configured = settings.updated(engine={"collection": "spare_kb", "kb_paths": [user_kb]})
    report = ensure_demo_kb(configured, embedder, spare)
    assert report is not None and report.demo_replaced == n_demo
    assert kb_status(configured, spare).passages == 1 and not kb_status(configured, spare).demo
    assert ensure_demo_kb(configured, embedder, spare) is None

    # The demo folder itself, or files that all fail, leave a demo-only collection alone.
    demo_settings = settings.updated(engine={"collection": "itself_kb"})
    same = Ingestor(demo_settings, embedder, itself).run([demo_kb_path()])
    assert same.demo_replaced == 0 and len(same.unchanged) == len(same.files)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "catalog.csv").write_text("sku,name\nA,One,Two\n", encoding="utf-8")
    failed = Ingestor(demo_settings, embedder, itself).run([broken])
    assert failed.demo_replaced == 0 and not failed.ok
    assert kb_status(demo_settings, itself).demo and itself.count() == n_demo
