"""Hardening: the Chroma server stops while the bot runs, then comes back.

A real `chroma run` on loopback holds a two-passage knowledge base; the bot reads
it with the real reader. While the server is down agents are told the knowledge
base is unavailable; once it is back (same port, same data) questions are answered
again without restarting the bot.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bot_harness import BotServer, eventually, running_bot

from bot.settings import ServingSettings

pytestmark = pytest.mark.integration

PASSAGES = {
    "returns": "Online orders can be returned within 30 days of delivery for a full refund.",
    "shipping": "Standard shipping is free on orders over $50; express shipping costs $12.",
}
QUESTION = "How long do I have to return an online order?"


class ChromaServer:
    def __init__(self, root: Path) -> None:
        self.exe = shutil.which("chroma")
        self.root = root
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc: subprocess.Popen | None = None

    def start(self) -> ChromaServer:
        log = (self.root / "server.log").open("ab")
        self.proc = subprocess.Popen(
            [self.exe, "run", "--path", str(self.root / "db"), "--host", "127.0.0.1",
             "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"chroma run exited: {(self.root / 'server.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat",
                             timeout=1).is_success:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        pytest.fail("chroma run did not answer its heartbeat within 60 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
            self.proc = None


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path)
    if server.exe is None:
        pytest.skip("the `chroma` executable (chromadb's CLI) is not on PATH")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def private_notes(bot: BotServer, hook: str) -> list[Any]:
    return [c for c in bot.standin.calls_to("response_url") if c.path.endswith(hook)]


def test_chroma_down_is_reported_to_agents_and_the_bot_recovers(
    chroma: ChromaServer, engine: Any, embedder: Any, standin: Any, records: Any, tmp_path: Path
) -> None:
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.retrieve.chroma_store import get_collection, make_client
    from qa_engine.retrieve.retriever import ChromaRetriever

    settings = ServingSettings(_env_file=None, data_dir=tmp_path / "data",
                               services={"chroma_host": "127.0.0.1", "chroma_port": chroma.port},
                               engine={"collection": "hardening"})
    collection = get_collection(make_client(settings), settings.engine.collection)
    ids = list(PASSAGES)
    collection.add(ids=ids, documents=[PASSAGES[i] for i in ids],
                   embeddings=embedder.embed([PASSAGES[i] for i in ids]).tolist(),
                   metadatas=[{"title": i.title(), "source": f"{i}.md"} for i in ids])
    served = AnswerEngine(ChromaRetriever(collection, embedder, top_k=2), engine.reader,
                          engine.composer, top_k=2)

    with running_bot(served, standin, records, tmp_path) as bot:
        def ask(hook: str) -> None:
            r = bot.command(f"ask {QUESTION}", channel=f"C-{hook}",
                            response_url=standin.response_url(hook))
            assert r.status_code == 200 and "Looking that up" in r.json()["text"]

        ask("before")
        eventually(lambda: standin.calls_to("chat.postMessage"))

        chroma.stop()
        ask("down")
        (note,) = eventually(lambda: private_notes(bot, "down"), timeout=60)
        assert "can't reach the knowledge base" in note.params["text"]
        assert len(standin.calls_to("chat.postMessage")) == 1  # nothing half-answered
        health = httpx.get(f"{bot.url}/healthz", timeout=30)  # /healthz tells the truth
        assert health.status_code == 503
        assert health.json()["checks"]["knowledge_base"].startswith("failing:")

        chroma.start()  # same port, same data: no restart of the bot needed
        ask("after")
        eventually(lambda: len(standin.calls_to("chat.postMessage")) == 2, timeout=60)
        assert [c.params["channel"] for c in standin.calls_to("chat.postMessage")] == [
            "C-before", "C-after"]
        assert private_notes(bot, "after") == []
        assert httpx.get(f"{bot.url}/healthz", timeout=30).status_code == 200
