"""`BotRuntime.close()` stops every thread the runtime started: Bolt's listener threads,
the question pool and its queue dispatcher, the vote queue's flusher (real runtime
against the Slack stand-in, a stand-in engine); and so does the test harness, which
builds the bot through `BotRuntime.assemble` (`build_app` itself starts no thread)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from bot_harness import bot_settings, running_bot
from slack_standin import SlackStandIn

from bot.runtime import BotRuntime
from qa_engine.records import Records


class NoEngine:
    model_version = "none"

    def ask(self, question: str, top_k: int | None = None, **_: Any) -> Any:
        raise AssertionError("not asked here")


def spool_a_vote(data_dir: Path) -> None:
    """A vote queued by an earlier run: the vote queue's flusher starts at once."""
    spool = data_dir / "pending-votes.jsonl"
    spool.parent.mkdir(parents=True, exist_ok=True)
    spool.write_text(json.dumps({"kind": "reaction", "action": "add", "channel": "C1",
                                 "ts": "1.2", "user": "U1", "value": 1}) + "\n")


def test_the_harness_leaves_no_thread_the_app_started(tmp_path: Path,
                                                       standin: SlackStandIn) -> None:
    records = Records(f"sqlite:///{tmp_path / 'records.db'}")
    records.warm_up()
    spool_a_vote(tmp_path / "data")
    before = set(threading.enumerate())
    with running_bot(NoEngine(), standin, records, tmp_path / "data") as bot:
        assert bot.command("help").status_code == 200  # a listener thread runs it
        started = set(threading.enumerate()) - before
        names = {t.name for t in started}
        assert {"vote-queue", "stylesprint-dispatch"} <= names, names
        assert any(n.startswith("bolt-listener") for n in names), names
    records.close()  # the records' own threads (its deadline guard) are the caller's
    for thread in started:
        thread.join(timeout=5)
    assert [t.name for t in started if t.is_alive()] == []


def test_close_leaves_no_thread_it_started(tmp_path: Path, standin: SlackStandIn) -> None:
    settings = bot_settings(tmp_path / "data", standin.api_url)
    spool_a_vote(settings.data_dir)
    before = set(threading.enumerate())
    runtime = BotRuntime.start(settings, engine=NoEngine())
    assert runtime.votes is not None and runtime.listener_executor is not None
    assert runtime.pool.try_submit(lambda: None) is not None
    runtime.listener_executor.submit(lambda: None).result(10)
    started = set(threading.enumerate()) - before
    names = {t.name for t in started}
    assert "vote-queue" in names, names
    assert any(n.startswith("bolt-listener") for n in names), names
    assert any(n.startswith("stylesprint-q") for n in names), names

    runtime.close()

    left = [t for t in started if t.is_alive()]
    assert left == [], [t.name for t in left]
    assert not [t.name for t in threading.enumerate() if t in started and not t.daemon]
