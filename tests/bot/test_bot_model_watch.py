"""The bot's runtime follows the model registry: a promoted version is served without restart
(real BotRuntime against the Slack stand-in, real engine on a two-passage KB, tiny reader)."""

from __future__ import annotations

import shutil
import time

from bot_harness import bot_settings

from bot.runtime import BotRuntime
from qa_engine.compose.composer import Composer
from qa_engine.pipeline import AnswerEngine
from qa_engine.read.build import build_reader
from qa_engine.registry import ModelRegistry
from qa_engine.retrieve.chroma_store import get_collection, make_client
from qa_engine.retrieve.retriever import ChromaRetriever

TEXT = "Online orders can be returned within 30 days of delivery for a full refund."


def _engine(settings, registry, embedder):
    collection = get_collection(make_client(settings), settings.engine.collection)
    collection.add(ids=["returns"], documents=[TEXT],
                   embeddings=embedder.embed([TEXT]).tolist(),
                   metadatas=[{"title": "Returns", "source": "returns.md"}])
    return AnswerEngine(ChromaRetriever(collection, embedder, top_k=1),
                        build_reader(settings, registry), Composer(), top_k=1)


def test_runtime_serves_a_promoted_version_without_restart(
        tmp_path, standin, tiny_reader, embedder, one_torch_thread):
    settings = bot_settings(tmp_path / "data", standin.api_url, engine={"top_k": 1},
                            bot={"model_watch_interval_s": 0.1})
    registry = ModelRegistry(settings.models_dir)
    registry.add(tiny_reader.dir, "v1", {"origin": "test"})
    registry.promote("v1")
    registry.add(shutil.copytree(tiny_reader.dir, tmp_path / "v2"), "v2", {"parent": "v1"})
    runtime = BotRuntime.start(settings, engine=_engine(settings, registry, embedder))
    try:
        assert runtime.watcher is not None and runtime.health()["model_version"] == "v1"
        registry.promote("v2", reason="retrain run #1")
        deadline = time.monotonic() + 60
        while runtime.health()["model_version"] != "v2" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert runtime.health()["model_version"] == "v2"
        assert runtime.engine.ask("How long do I have to return an order?").model_version == "v2"
    finally:
        runtime.close()
    assert runtime.watcher._thread is None  # stopped with the runtime

    off = BotRuntime.start(settings.updated(bot={"model_watch_interval_s": 0}),
                           engine=runtime.engine)
    assert off.watcher is None
    off.close()
