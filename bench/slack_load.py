"""`python -m bench.slack_load`: `stylesprint serve` on loopback under a burst of Slack traffic.

The real `stylesprint serve` runs as a child process (HTTP mode, a fresh data
directory, the settings in the environment) and talks to the local Slack Web API
stand-in used by the bot tests (`tests/bot/slack_standin.py`), so the bench must
be run from a checkout. Requests are signed exactly as Slack signs them
(`tests/bot/bot_harness.py`).

1. N slash commands (`/stylesprint ask ...`, one channel each) are fired at once.
   Acknowledgement = the HTTP round trip of the command; time to answer = from
   sending the command to the stand-in receiving the answer (`chat.postMessage`,
   or the private reply via `response_url`); "last answer" = when the last one
   came, from the burst's start. Questions wait in the durable queue with their
   place in line; every command must end as exactly one answer or one "busy"
   acknowledgement: lost and duplicated are counted.
2. N `reaction_added` 👍 events (distinct users) on those answers are fired at
   once; time to record = from sending to the vote row's timestamp in the database.

With `--replicas K` (K ≥ 2) the same burst runs twice on shared back ends: one
PostgreSQL schema (`--pg-url`, a fresh schema per run) and one `chroma run`
server, first against one `stylesprint serve`, then against K of them (requests
spread round-robin, as a load balancer would); the speed-up is the ratio of the
times to the last answer.

    python -m bench.slack_load --n 50 --out bench/results/slack_load.json
    python -m bench.slack_load --n 200 --replicas 2 --out bench/results/slack_replicas.json
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    ROOT,
    STATS_HEADERS,
    dev_questions,
    memory_mb,
    parser,
    report,
    stats,
    stats_rows,
    table,
    write,
)

sys.path.insert(0, str(ROOT / "tests" / "bot"))
from bot_harness import BOT_TOKEN, SIGNING_SECRET, BotServer  # noqa: E402
from slack_standin import SlackStandIn  # noqa: E402

BUSY_MARK = "try again in a moment"


class Presigner(BotServer):
    """The harness's request builders (`command`, `reaction`), signed but not sent: the
    burst is built before it is fired, as Slack's servers would have it ready."""

    def signed_post(self, body: str, content_type: str, *, timestamp: int | None = None,
                    signature: str | None = None, headers: dict[str, str] | None = None,
                    ) -> Any:
        from slack_sdk.signature import SignatureVerifier

        ts = str(int(time.time()) if timestamp is None else timestamp)
        sig = signature or SignatureVerifier(self.secret).generate_signature(timestamp=ts,
                                                                             body=body)
        return body.encode(), {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                               "X-Slack-Signature": sig, **(headers or {})}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(data_dir: Path, api_url: str, port: int, log: Path,
                extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, "STYLESPRINT_DATA_DIR": str(data_dir), "SLACK_BOT_TOKEN": BOT_TOKEN,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api_url,
           "DATABASE_URL": f"sqlite:///{data_dir / 'stylesprint.db'}", **(extra_env or {})}
    exe = shutil.which("stylesprint")
    cmd = [exe] if exe else [sys.executable, "-c", "from stylesprint.cli import main; main()"]
    cmd += ["serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            cwd=data_dir)


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            r = httpx.get(f"{url}/healthz", timeout=2)
            if r.status_code == 200:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("serve did not become healthy")


def fire(url: str | list[str], prepared: list[tuple[bytes, dict[str, str]]],
         ) -> list[tuple[float, float, Any]]:
    """POST every prepared request from its own thread, all released together, over one
    client with a connection each: (sent at, acknowledged at, response), wall clock.
    Several URLs (replicas): request i goes to `url[i % len(url)]`."""
    urls = [url] if isinstance(url, str) else url
    n = len(prepared)
    barrier = threading.Barrier(n)
    client = httpx.Client(timeout=60, limits=httpx.Limits(max_connections=n,
                                                          max_keepalive_connections=n))

    def one(i: int) -> tuple[float, float, Any]:
        body, headers = prepared[i]
        barrier.wait()
        t0 = time.time()
        try:
            response: Any = client.post(f"{urls[i % len(urls)]}/slack/events", content=body,
                                        headers=headers)
        except httpx.HTTPError as exc:
            response = exc
        return t0, time.time(), response

    try:
        with ThreadPoolExecutor(max_workers=n) as pool:
            return list(pool.map(one, range(n)))
    finally:
        client.close()


def commands_phase(bot: BotServer, slack: SlackStandIn, n: int, timeout: float,
                   urls: list[str] | None = None, tag: str = "") -> dict[str, Any]:
    questions = [r["question"] for r in dev_questions(n=max(n, 1))]
    channel = [f"CLOAD{tag}{i:04d}" for i in range(n)]
    hook = [f"load{tag}-{i}" for i in range(n)]
    presign = Presigner(url=bot.url, records=bot.records, standin=slack, pool=None)
    results = fire(urls or bot.url, [presign.command(
        f"ask {questions[i % len(questions)]}", channel=channel[i], user=f"UAG{i:04d}",
        response_url=slack.response_url(hook[i])) for i in range(n)])
    acks, busy, failed_acks = [], set(), []
    for i, (t0, t1, r) in enumerate(results):
        if isinstance(r, Exception) or r.status_code != 200:
            failed_acks.append(i)
            continue
        acks.append((t1 - t0) * 1000)
        if BUSY_MARK in (r.json().get("text") or ""):
            busy.add(i)
    expected = n - len(busy) - len(failed_acks)

    def delivered() -> tuple[dict[int, list], dict[int, list]]:
        posts: dict[int, list] = {}
        private: dict[int, list] = {}
        index = {c: i for i, c in enumerate(channel)}
        hooks = {f"/response/{h}": i for i, h in enumerate(hook)}
        for call in slack.calls_to("chat.postMessage"):
            if call.params.get("channel") in index and call.response.get("ok"):
                posts.setdefault(index[call.params["channel"]], []).append(call)
        for call in slack.calls_to("response_url"):
            if call.path in hooks:
                private.setdefault(hooks[call.path], []).append(call)
        return posts, private

    deadline = time.monotonic() + timeout
    while True:
        posts, private = delivered()
        done = set(posts) | set(private)
        if len(done - busy) >= expected or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    to_answer = [(min(c.at for c in posts.get(i, []) + private.get(i, [])) - results[i][0]) * 1000
                 for i in sorted(done)]
    burst_start = min(r[0] for r in results)
    last = max((c.at for i in done for c in posts.get(i, []) + private.get(i, [])),
               default=burst_start)
    notes = Counter("busy" if i in busy else "queued (place in line)"
                    if "in line" in (r.json().get("text") or "") else "looking"
                    for i, (_, _, r) in enumerate(results) if i not in failed_acks)
    return {
        "commands": n,
        "ack_ms": stats(acks),
        "answer_ms": stats(to_answer),
        "last_answer_s": round(last - burst_start, 2),
        "ack_notes": dict(notes),
        "answered_in_channel": len(posts),
        "answered_privately": len(set(private) - set(posts)),
        "busy": len(busy),
        "ack_failed": len(failed_acks),
        "lost": n - len(done | busy) - len(failed_acks),
        "answered_twice": sum(1 for i in posts if len(posts[i]) > 1),
        "busy_and_answered": len(busy & done),
        "targets": [(posts[i][0].params["channel"], posts[i][0].response["ts"])
                    for i in sorted(posts)],
    }


def reactions_phase(bot: BotServer, targets: list[tuple[str, str]], n: int,
                    timeout: float, urls: list[str] | None = None) -> dict[str, Any]:
    from sqlalchemy import text

    if not targets:
        return {"events": 0, "note": "no answers to react to"}
    users = [f"URX{i:04d}" for i in range(n)]
    presign = Presigner(url=bot.url, records=bot.records, standin=bot.standin, pool=None)
    results = fire(urls or bot.url, [presign.reaction("reaction_added", "+1", users[i],
                                              *targets[i % len(targets)]) for i in range(n)])
    acks = [(t1 - t0) * 1000 for t0, t1, r in results
            if not isinstance(r, Exception) and r.status_code == 200]
    deadline = time.monotonic() + timeout
    rows: list[Any] = []
    while time.monotonic() < deadline:
        with bot.records.engine.connect() as conn:
            rows = list(conn.execute(text(
                "SELECT user_id, created_at FROM votes WHERE user_id LIKE 'URX%'")))
        if len(rows) >= n:
            break
        time.sleep(0.1)
    per_user = Counter(r[0] for r in rows)
    sent = {users[i]: results[i][0] for i in range(n)}

    def epoch(value: Any) -> float:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return when.replace(tzinfo=timezone.utc).timestamp()

    recorded = [(epoch(r[1]) - sent[r[0]]) * 1000 for r in rows if r[0] in sent]
    return {
        "events": n,
        "ack_ms": stats(acks),
        "record_ms": stats(recorded),
        "votes_recorded": len(per_user),
        "lost": n - len(per_user),
        "recorded_twice": sum(1 for c in per_user.values() if c > 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = parser(__doc__.splitlines()[0], default_n=50)
    p.add_argument("--timeout", type=float, default=300.0, help="Seconds to wait for answers.")
    p.add_argument("--replicas", type=int, default=1,
                   help="≥ 2: compare 1 and this many replicas on shared PostgreSQL + Chroma.")
    p.add_argument("--pg-url", default=os.environ.get(
        "STYLESPRINT_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL for --replicas (a fresh schema is made and dropped).")
    args = p.parse_args(argv)
    if not 1 <= args.n <= 1000:
        p.error("--n must be between 1 and 1000")
    if args.replicas > 1:
        from bench.slack_replicas import replicas_main

        return replicas_main(args)
    from bot.settings import ServingSettings
    from qa_engine.records import Records

    slack = SlackStandIn(token=BOT_TOKEN).start()
    with tempfile.TemporaryDirectory(prefix="bench-slack-") as tmp:
        data_dir, port = Path(tmp), free_port()
        log = data_dir / "serve.log"
        started = time.monotonic()
        proc = start_serve(data_dir, slack.api_url, port, log)
        records = Records(f"sqlite:///{data_dir / 'stylesprint.db'}")
        try:
            url = f"http://127.0.0.1:{port}"
            health = wait_healthy(url, proc, log)
            ready_s = time.monotonic() - started
            mem_ready = memory_mb(proc.pid)
            bot = BotServer(url=url, records=records, standin=slack, pool=None)
            bot.command("ask What is the return window for online orders?")  # one warm request
            slack.wait_for("chat.postMessage", 1, timeout=120)
            commands = commands_phase(bot, slack, args.n, args.timeout)
            targets = commands.pop("targets")
            reactions = reactions_phase(bot, targets, args.n, args.timeout)
            mem_after = memory_mb(proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            records.close()
            slack.stop()
    settings = ServingSettings(_env_file=None)
    doc = report("slack_load", {
        "serve_ready_s": round(ready_s, 1), "health": health,
        "serve_memory": {"ready": mem_ready, "after_load": mem_after},
        "commands": commands, "reactions": reactions}, settings)

    print(f"stylesprint serve ready in {ready_s:.1f}s (first start: ingests the demo KB); "
          f"{health.get('capacity')} workers, questions wait in the durable queue")
    print(f"\n{args.n} concurrent slash commands")
    print(table(stats_rows({"acknowledgement": commands["ack_ms"],
                            "time to answer": commands["answer_ms"]}), STATS_HEADERS))
    print(f"last answer {commands['last_answer_s']} s after the burst; acknowledged with "
          f"{commands['ack_notes']}")
    print(f"answered in channel {commands['answered_in_channel']}, privately "
          f"{commands['answered_privately']}, busy {commands['busy']}, lost {commands['lost']}, "
          f"answered twice {commands['answered_twice']}, ack failed {commands['ack_failed']}")
    print(f"\n{args.n} concurrent reaction_added events")
    if reactions.get("events"):
        print(table(stats_rows({"acknowledgement": reactions["ack_ms"],
                                "time to record": reactions["record_ms"]}), STATS_HEADERS))
        print(f"votes recorded {reactions['votes_recorded']}, lost {reactions['lost']}, "
              f"recorded twice {reactions['recorded_twice']}")
    print(f"\nserve process memory: ready {mem_ready}, after load {mem_after} (MiB)")
    m = doc["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, load average {m['load_average']}")
    write(doc, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
