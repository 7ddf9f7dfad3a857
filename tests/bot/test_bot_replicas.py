"""Two bot replicas on loopback sharing one PostgreSQL schema (each its own Bolt app,
uvicorn server, worker pool, queue dispatcher and `Records`), talking to one Slack
stand-in over real HTTP: a retried event delivered to both is answered once, votes
through both end in the right tally, and a replica killed mid-burst loses no admitted
question (the other finishes them, each once). Skipped, with the reason, without
PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from bot_harness import BotServer, eventually, running_bot
from slack_standin import SlackStandIn

from bot.answering import LOOKING
from bot.state import QuestionStore
from qa_engine.records import Records

pytestmark = pytest.mark.integration

QUESTION = "What is the return window for online orders?"
FAST = {"queue_lease_s": 3.0, "queue_poll_s": 0.1, "post_interval_s": 0.0}


class HeldEngine:
    def __init__(self, engine: Any) -> None:
        self.engine, self.gate, self.started = engine, threading.Event(), threading.Event()

    def ask(self, question: str, top_k: int | None = None, **_: Any) -> Any:
        self.started.set()
        self.gate.wait(60)
        return self.engine.ask(question, top_k)


@contextlib.contextmanager
def replica(engine: Any, standin: SlackStandIn, pg_url: str, schema: str,
            data_dir: Path) -> Iterator[BotServer]:
    records = Records(pg_url, schema=schema)
    records.warm_up()
    try:
        with running_bot(engine, standin, records, data_dir, bot=FAST) as bot:
            yield bot
    finally:
        records.close()


@pytest.fixture
def shared(pg_url: str, pg_schema: str) -> tuple[str, str]:
    return pg_url, pg_schema


def posted(standin: SlackStandIn, prefix: str) -> Counter:
    return Counter(c.params["channel"] for c in standin.calls_to("chat.postMessage")
                   if str(c.params.get("channel", "")).startswith(prefix)
                   and c.response.get("ok"))


def test_a_retried_event_delivered_to_both_replicas_is_answered_once(
    engine: Any, standin: SlackStandIn, shared: tuple[str, str], tmp_path: Path
) -> None:
    with replica(engine, standin, *shared, tmp_path / "a") as a, \
            replica(engine, standin, *shared, tmp_path / "b") as b:
        event = {"type": "app_mention", "user": "UAGENT1", "channel": "CREPEV",
                 "text": f"<@{standin.bot_user_id}> {QUESTION}", "ts": "1700000900.000100"}
        with ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(lambda args: args[0].event(event, event_id="EvREPL1",
                                                               retry_num=args[1]),
                                    [(a, None), (b, 1)]))
        assert [r.status_code for r in replies] == [200, 200]
        eventually(lambda: posted(standin, "CREPEV"), timeout=60)
        time.sleep(1.5)
        assert posted(standin, "CREPEV") == {"CREPEV": 1}


def test_votes_through_both_replicas_end_in_the_right_tally(
    engine: Any, standin: SlackStandIn, shared: tuple[str, str], tmp_path: Path
) -> None:
    with replica(engine, standin, *shared, tmp_path / "a") as a, \
            replica(engine, standin, *shared, tmp_path / "b") as b:
        a.command(f"ask {QUESTION}", channel="CREPVOTE")
        (post,) = standin.wait_for("chat.postMessage", timeout=60)
        ts = post.response["ts"]
        ref = eventually(lambda: b.records.find_by_message("CREPVOTE", ts))
        # Slack's event ids are unique per event (each harness counts from 1: name them).
        a.reaction("reaction_added", "+1", "UV1", "CREPVOTE", ts, event_id="EvV1")
        b.reaction("reaction_added", "+1", "UV2", "CREPVOTE", ts, event_id="EvV2")
        b.reaction("reaction_added", "-1", "UV3", "CREPVOTE", ts, event_id="EvV3")
        eventually(lambda: a.records.votes(ref.id) == {"up": 2, "down": 1})
        # UV1 takes it back through the other replica, UV2 changes their mind
        b.reaction("reaction_removed", "+1", "UV1", "CREPVOTE", ts, event_id="EvV4")
        a.reaction("reaction_added", "-1", "UV2", "CREPVOTE", ts, event_id="EvV5")
        eventually(lambda: b.records.votes(ref.id) == {"up": 0, "down": 2})


def test_killing_one_replica_mid_burst_loses_no_admitted_question(
    engine: Any, standin: SlackStandIn, shared: tuple[str, str], tmp_path: Path
) -> None:
    n = 20
    held = HeldEngine(engine)
    with replica(engine, standin, *shared, tmp_path / "b") as b:
        with replica(held, standin, *shared, tmp_path / "a") as a:
            with ThreadPoolExecutor(n) as pool:
                acks = list(pool.map(lambda i: (a if i % 2 else b).command(
                    f"ask {QUESTION}", channel=f"CREPK{i:02d}"), range(n)))
            assert all(r.json()["text"].startswith(LOOKING) for r in acks)
            assert held.started.wait(30)  # replica A is in the middle of one question
            a.pool.shutdown(wait=False)  # A dies: no more claims, its lease is not renewed
            # B answers the rest at once, and A's question when A's lease has run out.
            eventually(lambda: len(posted(standin, "CREPK")) == n, timeout=120)
            held.gate.set()  # A's stuck worker wakes up: it lost the question, posts nothing
            time.sleep(1.5)
        counts = posted(standin, "CREPK")
        assert len(counts) == n and set(counts.values()) == {1}, counts
        store = QuestionStore(b.records.engine)
        eventually(lambda: store.outcomes() == {"channel": n})
        assert store.waiting() == 0


def test_a_promotion_is_picked_up_by_both_replicas(
    tmp_path: Path, tiny_reader: Any, embedder: Any
) -> None:
    """Both replicas' engines read the model registry of one shared data directory, each
    followed by the watcher `BotRuntime.start` runs (`start_model_watcher`)."""
    from bot.settings import ServingSettings
    from qa_engine.compose.composer import Composer
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.read.build import build_reader
    from qa_engine.registry import ModelRegistry
    from qa_engine.retrieve.chroma_store import get_collection, make_client
    from qa_engine.retrieve.retriever import ChromaRetriever
    from qa_engine.watcher import start_model_watcher

    settings = ServingSettings(_env_file=None, data_dir=tmp_path / "shared", engine={"top_k": 1},
                               bot={"model_watch_interval_s": 0.1})
    registry = ModelRegistry(settings.models_dir)
    registry.add(tiny_reader.dir, "v1", {"origin": "test"})
    registry.promote("v1")
    registry.add(tiny_reader.dir, "v2", {"origin": "test", "parent": "v1"})
    collection = get_collection(make_client(settings), settings.engine.collection)
    collection.add(ids=["returns"], documents=[QUESTION_PASSAGE],
                   embeddings=embedder.embed([QUESTION_PASSAGE]).tolist(),
                   metadatas=[{"title": "returns", "source": "returns.md"}])
    engines = [AnswerEngine(ChromaRetriever(collection, embedder, top_k=1),
                            build_reader(settings, ModelRegistry(settings.models_dir)),
                            Composer(), top_k=1) for _ in range(2)]
    watchers = [start_model_watcher(settings, e, settings.bot.model_watch_interval_s)
                for e in engines]
    try:
        assert [e.model_version for e in engines] == ["v1", "v1"]
        registry.promote("v2", reason="test")  # a retrain on either replica (or cron)
        eventually(lambda: [e.model_version for e in engines] == ["v2", "v2"], timeout=60)
        assert {e.ask(QUESTION).model_version for e in engines} == {"v2"}
    finally:
        for watcher in watchers:
            watcher.stop()


QUESTION_PASSAGE = "Online orders can be returned within 30 days of delivery for a full refund."


def test_one_retrain_at_a_time_across_replicas(shared: tuple[str, str]) -> None:
    """The retrain lock lives in the shared database: replicas (and cron) racing for it
    get it once; the loser records a skip, the lock is free again after release."""
    from training.runs import RetrainStore

    pg_url, schema = shared
    stores = [RetrainStore(pg_url, schema=schema) for _ in range(4)]
    for store in stores:
        store.warm_up()
    barrier = threading.Barrier(len(stores))

    def race(i: int) -> bool:
        barrier.wait()
        return stores[i].acquire(f"replica{i}", ttl_s=600)

    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            won = list(pool.map(race, range(len(stores))))
        assert won.count(True) == 1, won
        winner = won.index(True)
        assert stores[0].holder()[0] == f"replica{winner}"
        stores[winner].release(f"replica{winner}")
        assert stores[(winner + 1) % len(stores)].acquire("next", ttl_s=600)
    finally:
        for store in stores:
            store.close()
