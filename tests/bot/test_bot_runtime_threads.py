"""`BotRuntime.close()` stops every thread the runtime started: Bolt's listener threads,
the question pool, the vote queue's flusher (real runtime against the Slack stand-in,
a stand-in engine)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from bot_harness import bot_settings
from slack_standin import SlackStandIn

from bot.runtime import BotRuntime


class NoEngine:
    model_version = "none"

    def ask(self, question: str, top_k: int | None = None) -> Any:
        raise AssertionError("not asked here")


def test_close_leaves_no_thread_it_started(tmp_path: Path, standin: SlackStandIn) -> None:
    settings = bot_settings(tmp_path / "data", standin.api_url)
    spool = settings.data_dir / "pending-votes.jsonl"  # a vote queued by an earlier run
    spool.parent.mkdir(parents=True, exist_ok=True)
    spool.write_text(json.dumps({"kind": "reaction", "action": "add", "channel": "C1",
                                 "ts": "1.2", "user": "U1", "value": 1}) + "\n")
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
