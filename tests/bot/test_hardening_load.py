"""Hardening under load: 200 slash commands at once against the real bot over HTTP.

Run with `python -m pytest -m slow tests/bot/test_hardening_load.py` (excluded from the
default run). The bot has the production settings (STYLESPRINT_WORKER_THREADS=2, the
durable question queue with its default wait limit); every command must be acknowledged
within Slack's 3 s with its place in line, and every one answered once: none told
"busy", none lost, none twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from bot_harness import SIGNING_SECRET, bot_settings, eventually, run_uvicorn
from slack_sdk.signature import SignatureVerifier

from bot.answering import BUSY
from bot.errors import handle_error
from bot.pool import QuestionPool
from bot.runtime import BotRuntime
from bot.server import create_asgi_app

pytestmark = pytest.mark.slow

N = 200
QUESTIONS = [
    "What is the return window for online orders?",
    "Do you ship to Canada?",
    "How much is express shipping?",
    "Can I exchange a sale item?",
    "How do I wash the linen wrap dress?",
]


def signed_command(i: int, standin: Any) -> tuple[bytes, dict[str, str]]:
    """The i-th command, signed as Slack signs it (built before the burst, as Slack would)."""
    body = urlencode({
        "command": "/stylesprint", "text": f"ask {QUESTIONS[i % len(QUESTIONS)]}",
        "team_id": standin.team_id, "channel_id": f"CLOAD{i:03d}", "user_id": f"UAG{i:03d}",
        "response_url": standin.response_url(f"load-{i}"), "trigger_id": f"{i}.trigger",
    })
    ts = str(int(time.time()))
    sig = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
    return body.encode(), {"Content-Type": "application/x-www-form-urlencoded",
                           "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def test_200_concurrent_commands_are_all_acknowledged_and_all_answered_once(
    engine: Any, standin: Any, records: Any, tmp_path: Path
) -> None:
    settings = bot_settings(tmp_path, standin.api_url)
    pool = QuestionPool(settings.bot.worker_threads, 0, on_error=handle_error)
    runtime = BotRuntime.assemble(settings, engine, records, pool)
    server, thread, url = run_uvicorn(create_asgi_app(runtime.app))
    requests = [signed_command(i, standin) for i in range(N)]
    # One client with a connection per request: the test measures the bot, not the cost of
    # building 200 HTTP clients in the same process.
    client = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=N,
                                                          max_keepalive_connections=N))
    barrier = threading.Barrier(N)

    def one(i: int) -> tuple[float, int, str]:
        body, headers = requests[i]
        barrier.wait()
        t0 = time.perf_counter()
        r = client.post(f"{url}/slack/events", content=body, headers=headers)
        return time.perf_counter() - t0, r.status_code, r.json().get("text", "")

    try:
        with ThreadPoolExecutor(max_workers=N) as executor:
            acks = list(executor.map(one, range(N)))
        busy = {i for i, (_, _, text) in enumerate(acks) if text == BUSY}
        slowest = max(seconds for seconds, _, _ in acks)
        ms = sorted(seconds * 1000 for seconds, _, _ in acks)
        print(f"\n{N} commands: ack p50 {ms[N // 2]:.0f} ms, p99 {ms[int(N * 0.99)]:.0f} ms, "
              f"slowest {ms[-1]:.0f} ms; {len(busy)} told busy")
        assert all(status == 200 for _, status, _ in acks)
        assert slowest < 3.0, f"slowest acknowledgement took {slowest:.2f}s"
        assert all(text == BUSY or "Looking that up" in text for _, _, text in acks)
        assert not busy, f"{len(busy)} told busy"  # the burst waits its turn instead

        def answered() -> Counter:
            return Counter(c.params["channel"] for c in standin.calls_to("chat.postMessage")
                           if c.params.get("channel", "").startswith("CLOAD"))

        eventually(lambda: len(answered()) >= N - len(busy), timeout=300)
        time.sleep(1.0)  # anything answered twice would have arrived by now
        counts = answered()
        got = {int(channel[len("CLOAD"):]) for channel in counts}
        assert got | busy == set(range(N)), f"lost: {sorted(set(range(N)) - got - busy)}"
        assert not got & busy, f"told busy and answered: {sorted(got & busy)}"
        twice = [c for c, n in counts.items() if n > 1]
        assert not twice, f"answered twice: {twice}"
        assert standin.calls_to("response_url") == []  # no errors told privately
        assert len(list(records.export())) == len(got)
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()
