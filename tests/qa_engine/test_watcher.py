"""ModelWatcher: a running engine follows promotions and rollbacks without a restart, finishes
questions in flight on the reader they started with, and refuses broken versions."""

from __future__ import annotations

import json
import shutil
import threading
import time

import pytest

from qa_engine.compose.composer import Composer
from qa_engine.pipeline import AnswerEngine
from qa_engine.read.build import build_reader
from qa_engine.registry import CURRENT_FILE, VERSION_FILE, ModelRegistry
from qa_engine.retrieve.chroma_store import get_collection, make_client
from qa_engine.retrieve.retriever import ChromaRetriever
from qa_engine.settings import Settings
from qa_engine.watcher import ModelWatcher

PASSAGES = {
    "returns": "Online orders can be returned within 30 days of delivery for a full refund.",
    "shipping": "Standard shipping is free on orders over $50; express shipping costs $12.",
}
QUESTION = "How long do I have to return an online order?"


class HookedRetriever(ChromaRetriever):
    """The real retriever, plus a hook that runs in the middle of a question (after the
    engine has picked its reader): lets a test switch versions while a question is in flight."""

    hook = None

    def run(self, question, top_k=None):
        if self.hook is not None:
            hook, self.hook = self.hook, None
            hook()
        return super().run(question, top_k)


@pytest.fixture
def served(tmp_path, tiny_reader, embedder, one_torch_thread):
    settings = Settings(_env_file=None, data_dir=tmp_path / "data", engine={"top_k": 1})
    registry = ModelRegistry(settings.models_dir)
    registry.add(tiny_reader.dir, "v1", {"origin": "test"})
    registry.promote("v1")
    # v2: the same adapter with its own calibration, so answers show which one read them
    v2_src = shutil.copytree(tiny_reader.dir, tmp_path / "v2-src")
    (v2_src / "calibration.json").write_text(json.dumps(
        {"temperature": 3.0, "bias": -7.0, "threshold": 0.01, "fitted_on": "test"}))
    registry.add(v2_src, "v2", {"origin": "test", "parent": "v1"})
    collection = get_collection(make_client(settings), settings.engine.collection)
    ids = list(PASSAGES)
    collection.add(ids=ids, documents=[PASSAGES[i] for i in ids],
                   embeddings=embedder.embed([PASSAGES[i] for i in ids]).tolist(),
                   metadatas=[{"title": i, "source": f"{i}.md"} for i in ids])
    engine = AnswerEngine(HookedRetriever(collection, embedder, top_k=1),
                          build_reader(settings, registry), Composer(), top_k=1)
    engine.warm_up()
    return settings, registry, engine


def test_a_running_engine_follows_promotion_and_rollback(served):
    settings, registry, engine = served
    before = engine.ask(QUESTION)
    assert before.model_version == "v1"
    watcher = ModelWatcher(settings, engine, interval_s=0.1).start()
    try:
        assert watcher.run().action == "unchanged"
        registry.promote("v2", reason="test")
        deadline = time.monotonic() + 60
        while engine.model_version != "v2" and time.monotonic() < deadline:
            time.sleep(0.05)
        after = engine.ask(QUESTION)
        assert after.model_version == "v2"
        assert after.confidence != before.confidence  # v2's calibration is in use
        registry.rollback()
        while engine.model_version != "v1" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert engine.ask(QUESTION).model_version == "v1"
    finally:
        watcher.stop()
    assert watcher._thread is None


def test_a_question_in_flight_finishes_on_the_reader_it_started_with(served):
    settings, registry, engine = served
    watcher = ModelWatcher(settings, engine, interval_s=3600)  # checks by hand only
    results = []

    def promote_and_switch() -> None:  # runs after ask() picked its reader, before reading
        registry.promote("v2", reason="test")
        results.append(watcher.run())

    engine.retriever.hook = promote_and_switch
    in_flight = engine.ask(QUESTION)
    assert [r.action for r in results] == ["switched"] and results[0].previous == "v1"
    assert in_flight.model_version == "v1"  # started on v1, finished on v1
    assert engine.ask(QUESTION).model_version == "v2"  # the next question is on v2


def test_concurrent_questions_never_fail_during_a_switch(served):
    settings, registry, engine = served
    watcher = ModelWatcher(settings, engine, interval_s=0.05).start()
    seen, errors = [], []
    stop = threading.Event()

    def asker() -> None:
        while not stop.is_set():
            try:
                seen.append(engine.ask(QUESTION).model_version)
            except Exception as exc:  # pragma: no cover - the assertion reports it
                errors.append(exc)

    thread = threading.Thread(target=asker)
    thread.start()
    try:
        time.sleep(0.3)
        registry.promote("v2", reason="test")
        deadline = time.monotonic() + 60
        while (not seen or seen[-1] != "v2") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join()
        watcher.stop()
    assert not errors
    switch = seen.index("v2")
    assert set(seen[:switch]) == {"v1"} and set(seen[switch:]) == {"v2"}


def _half_written(registry: ModelRegistry, src, name: str, weights: bytes) -> None:
    """A version directory copied by hand and the pointer edited by hand (no checks)."""
    dest = registry.root / name
    shutil.copytree(src, dest)
    (dest / "adapter_model.safetensors").write_bytes(weights)
    (dest / VERSION_FILE).write_text(json.dumps({"name": name, "created": "2030-01-01"}))
    (registry.root / CURRENT_FILE).write_text(name + "\n")


@pytest.mark.parametrize("weights, why", [(b"", "no weights file"),
                                          (b"\x00garbage" * 64, "cannot be loaded")],
                         ids=["empty-weights", "garbage-weights"])
def test_broken_versions_are_refused_and_the_current_one_keeps_serving(
        served, tiny_reader, caplog, weights, why):
    settings, registry, engine = served
    watcher = ModelWatcher(settings, engine, interval_s=3600)
    _half_written(registry, tiny_reader.dir, "v3-broken", weights)
    with caplog.at_level("WARNING", logger="qa_engine.watcher"):
        result = watcher.run()
    assert (result.action, result.version, result.previous) == ("refused", "v3-broken", "v1")
    assert why in result.reason and "refusing version v3-broken" in caplog.text
    assert engine.ask(QUESTION).model_version == "v1"
    assert watcher.run().reason == "refused before; unchanged since"  # not reloaded each poll
    # the pointer moves on to a good version: switched
    registry.promote("v2", reason="fixed")
    assert watcher.run().action == "switched" and engine.model_version == "v2"


def test_unknown_version_and_pinned_adapter(served, tiny_reader):
    settings, registry, engine = served
    (registry.root / CURRENT_FILE).write_text("v9-missing\n")
    result = ModelWatcher(settings, engine, interval_s=3600).run()
    assert result.action == "refused" and "v9-missing" in result.reason
    assert engine.model_version == "v1"
    pinned = settings.updated(engine={"adapter_dir": tiny_reader.dir})
    assert ModelWatcher(pinned, engine, interval_s=3600).run().action == "pinned"
