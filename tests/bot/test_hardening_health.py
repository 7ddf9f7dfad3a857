"""Field report row 3, and /healthz telling the truth.

A promoted adapter whose weights are NaN (a valid safetensors file, written here) loads
and runs; the watcher's probe must refuse it while the current version keeps serving,
and /healthz must fail when the served reader answers NaN, the database does not
answer, or the knowledge base is empty. Real models (the session's tiny trained
reader), real Chroma, real SQLite.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
import torch
from bot_harness import BotServer
from safetensors.torch import load_file, save_file

from bot.health import Health
from bot.settings import ServingSettings
from qa_engine.compose.composer import Composer
from qa_engine.pipeline import AnswerEngine
from qa_engine.read.build import build_reader
from qa_engine.records import Records
from qa_engine.registry import ModelRegistry
from qa_engine.retrieve.chroma_store import get_collection, make_client
from qa_engine.retrieve.retriever import ChromaRetriever
from qa_engine.watcher import ModelWatcher, ProbeFailed, probe_reader

RETURNS = "Online orders can be returned within 30 days of delivery for a full refund."
QUESTION = "How long do I have to return an online order?"


def nan_copy(model_dir: Path, out: Path) -> Path:
    """`model_dir` with every adapter weight replaced by NaN (still a valid file)."""
    shutil.copytree(model_dir, out)
    weights = out / "adapter_model.safetensors"
    tensors = load_file(str(weights))
    save_file({k: torch.full_like(v, float("nan")) for k, v in tensors.items()}, str(weights))
    return out


@pytest.fixture
def served(tmp_path: Path, tiny_reader: Any, embedder: Any, one_torch_thread: Any) -> Any:
    settings = ServingSettings(_env_file=None, data_dir=tmp_path / "data", engine={"top_k": 1})
    registry = ModelRegistry(settings.models_dir)
    registry.add(tiny_reader.dir, "v1", {"origin": "test"})
    registry.promote("v1")
    registry.add(nan_copy(tiny_reader.dir, tmp_path / "nan-src"), "v2-nan", {"origin": "test"})
    collection = get_collection(make_client(settings), settings.engine.collection)
    collection.add(ids=["returns"], documents=[RETURNS],
                   embeddings=embedder.embed([RETURNS]).tolist(),
                   metadatas=[{"title": "returns", "source": "returns.md"}])
    engine = AnswerEngine(ChromaRetriever(collection, embedder, top_k=1),
                          build_reader(settings, registry), Composer(), top_k=1)
    engine.warm_up()
    records = Records(f"sqlite:///{tmp_path / 'records.db'}")
    records.warm_up()
    yield settings, registry, engine, records
    records.close()


def test_a_nan_adapter_is_refused_and_the_current_one_keeps_serving(served: Any) -> None:
    settings, registry, engine, records = served
    registry.promote("v2-nan")
    result = ModelWatcher(settings, engine, interval_s=0).run()
    assert (result.action, result.version, result.previous) == ("refused", "v2-nan", "v1")
    assert "ProbeFailed" in result.reason and "not a number" in result.reason
    answer = engine.ask(QUESTION)
    assert answer.model_version == "v1" and math.isfinite(answer.confidence)
    records.log_answer(answer, surface="command")  # the question can be recorded
    assert Health(records, engine).report() == {
        "ok": True, "checks": {"database": "ok", "knowledge_base": "ok", "probe": "ok"}}


def test_health_fails_when_the_served_reader_answers_nan(served: Any) -> None:
    settings, registry, engine, records = served
    nan_reader = build_reader(settings, version=registry.get("v2-nan"))
    with pytest.raises(ProbeFailed):
        probe_reader(nan_reader)
    engine.swap_reader(nan_reader)  # as if swapped in without the probe (the field report)
    report = Health(records, engine).report()
    assert report["ok"] is False and report["checks"]["probe"].startswith("failing: ProbeFailed")
    assert report["checks"]["database"] == "ok"


def test_health_fails_when_the_knowledge_base_is_empty(served: Any, embedder: Any) -> None:
    settings, _, engine, records = served
    empty = get_collection(make_client(settings), "empty_kb")
    hollow = AnswerEngine(ChromaRetriever(empty, embedder, top_k=1), engine.reader, Composer())
    report = Health(records, hollow).report()
    assert report["checks"]["knowledge_base"] == "failing: the collection is empty"
    assert report["ok"] is False


def test_healthz_says_ok_with_every_check_when_all_is_well(bot_server: BotServer) -> None:
    """(A hung database making it 503 is in test_hardening_db.py.)"""
    r = httpx.get(f"{bot_server.url}/healthz", timeout=30)
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "disk": "ok", "votes": "ok",
                                  "knowledge_base": "ok", "probe": "ok"}
