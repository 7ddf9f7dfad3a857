"""`python -m bench.slack_load --replicas K`: one and K `stylesprint serve` replicas on one
shared PostgreSQL schema and one `chroma run` server (see bench/slack_load.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import STATS_HEADERS, report, stats_rows, table, write
from bench.slack_load import (
    BOT_TOKEN,
    BotServer,
    SlackStandIn,
    commands_phase,
    free_port,
    start_serve,
    wait_healthy,
)


class Replicas:
    """K `stylesprint serve` processes, one data directory each, all on `extra_env`'s back
    ends; started one after the other (the first ingests the demo KB into Chroma)."""

    def __init__(self, root: Path, api_url: str, k: int, extra_env: dict[str, str]) -> None:
        self.root, self.api_url, self.k, self.extra_env = root, api_url, k, extra_env
        self.procs: list[subprocess.Popen] = []
        self.urls: list[str] = []
        self.health: list[dict] = []

    def start(self) -> Replicas:
        for i in range(self.k):
            data_dir, port = self.root / f"replica{i}", free_port()
            data_dir.mkdir(parents=True, exist_ok=True)
            log = data_dir / "serve.log"
            proc = start_serve(data_dir, self.api_url, port, log, self.extra_env)
            self.procs.append(proc)
            url = f"http://127.0.0.1:{port}"
            self.health.append(wait_healthy(url, proc, log))
            self.urls.append(url)
        return self

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def chroma_server(root: Path) -> tuple[subprocess.Popen, int]:
    """`chroma run` on a free loopback port (as tests/bot/test_hardening_chroma.py starts it)."""
    port = free_port()
    exe = shutil.which("chroma")
    if exe is None:
        raise SystemExit("--replicas needs the `chroma` command (chromadb) on PATH")
    proc = subprocess.Popen([exe, "run", "--path", str(root / "chroma-db"), "--host",
                             "127.0.0.1", "--port", str(port)],
                            stdout=(root / "chroma.log").open("wb"), stderr=subprocess.STDOUT,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                return proc, port
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("chroma run did not start")


def pg_schema_url(pg_url: str, schema: str) -> str:
    """`pg_url` with a fresh schema created, upgraded (the deploy step, `stylesprint db
    upgrade`) and put first on its search_path."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from qa_engine.records.migrate import upgrade

    engine = create_engine(pg_url, connect_args={"connect_timeout": 5})
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    upgrade(engine, schema)
    engine.dispose()
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def drop_pg_schema(pg_url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def burst_on(replicas: Replicas, slack: SlackStandIn, records: Any, n: int, timeout: float,
             tag: str) -> dict[str, Any]:
    bot = BotServer(url=replicas.urls[0], records=records, standin=slack, pool=None)
    for url in replicas.urls:  # one warm request each
        warm = BotServer(url=url, records=records, standin=slack, pool=None)
        before = len(slack.calls_to("chat.postMessage"))
        warm.command("ask What is the return window for online orders?")
        slack.wait_for("chat.postMessage", before + 1, timeout=120)
    time.sleep(1.0)
    commands = commands_phase(bot, slack, n, timeout, urls=replicas.urls, tag=tag)
    commands.pop("targets")
    return commands


def replicas_main(args: Any) -> int:
    import uuid

    from bot.settings import ServingSettings
    from qa_engine.records import Records

    slack = SlackStandIn(token=BOT_TOKEN).start()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp:
        root = Path(tmp)
        chroma, chroma_port = chroma_server(root)
        try:
            for k in (1, args.replicas):
                schema = f"bench_replicas_{uuid.uuid4().hex[:10]}"
                db_url = pg_schema_url(args.pg_url, schema)
                env = {"DATABASE_URL": db_url, "CHROMA_HOST": "127.0.0.1",
                       "CHROMA_PORT": str(chroma_port)}
                group = Replicas(root / f"k{k}", slack.api_url, k, env)
                records = Records(db_url)
                try:
                    group.start()
                    results[str(k)] = burst_on(group, slack, records, args.n, args.timeout,
                                               tag=f"R{k}")
                finally:
                    group.stop()
                    records.close()
                    drop_pg_schema(args.pg_url, schema)
        finally:
            chroma.terminate()
            chroma.wait(timeout=30)
            slack.stop()
    one, many = results["1"], results[str(args.replicas)]
    speedup = round(one["last_answer_s"] / many["last_answer_s"], 2) if many[
        "last_answer_s"] else None
    doc = report("slack_replicas", {"replicas": args.replicas, "runs": results,
                                    "speedup_last_answer": speedup},
                 ServingSettings(_env_file=None))
    print(f"{args.n} concurrent slash commands, shared PostgreSQL + chroma run server")
    for k, c in results.items():
        print(f"\n{k} replica(s)")
        print(table(stats_rows({"acknowledgement": c["ack_ms"],
                                "time to answer": c["answer_ms"]}), STATS_HEADERS))
        print(f"last answer {c['last_answer_s']} s after the burst; answered "
              f"{c['answered_in_channel']} + {c['answered_privately']} privately, busy "
              f"{c['busy']}, lost {c['lost']}, answered twice {c['answered_twice']}")
    print(f"\nspeed-up of {args.replicas} replicas over 1 (time to the last answer): {speedup}")
    m = doc["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, load average {m['load_average']}")
    write(doc, args.out)
    return 0
