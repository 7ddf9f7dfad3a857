"""Issue 22 item 1: the embedded SQLite database with the bot and every operator command on
one data directory. The bot (the real app over HTTP, the in-process weekly scheduler of
`serve --with-scheduler`) answers and takes votes while `feedback export`, `gaps`,
`retrain --history` and `retrain` (which reads the scheduler's job store) run as separate
processes, each opening and closing the database between the bot's writes. Field report:
10 answers written with one export in between, 5 stored; once "not a database". Every
row is counted after everything has closed, from a fresh connection.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot_harness import bot_settings, eventually, post_answer, running_bot
from slack_standin import SlackStandIn
from sqlalchemy import create_engine, text

from qa_engine.records import Records

ROOT = Path(__file__).resolve().parents[2]
N = 6
OPERATOR_COMMANDS = (
    ["feedback", "export", "--json"],
    ["gaps"],
    ["retrain", "--history"],
    ["retrain"],  # the plan: reads the scheduler's job store and the run log
)


def operator(data_dir: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STYLESPRINT_DATA_DIR": str(data_dir), "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "stylesprint", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_the_bot_and_every_operator_command_on_one_data_directory_lose_no_row(
    engine: Any, standin: SlackStandIn, tmp_path: Path
) -> None:
    from training.schedule import start_background_scheduler

    data_dir = tmp_path / "data"
    settings = bot_settings(data_dir, standin.api_url)
    url = settings.resolved_database_url
    records = Records(url)
    records.warm_up()
    scheduler = start_background_scheduler(settings)  # `serve --with-scheduler`
    answers: list[tuple[str, str, int]] = []
    try:
        with running_bot(engine, standin, records, data_dir) as bot:
            for i in range(N):
                channel = f"CPROC{i}"
                ts, answer_id = post_answer(bot, channel=channel)
                answers.append((channel, ts, answer_id))
                bot.reaction("reaction_added", "+1", f"UVOTE{i}", channel, ts)
                eventually(lambda a=answer_id: records.votes(a)["up"] == 1)
                done = operator(data_dir, OPERATOR_COMMANDS[i % len(OPERATOR_COMMANDS)])
                assert done.returncode == 0, done.stderr[-2000:]
            # every command once more, now that the bot has written everything
            for args in OPERATOR_COMMANDS:
                done = operator(data_dir, args)
                assert done.returncode == 0, done.stderr[-2000:]
            assert bot.records.ping() is None  # the bot still writes to the live file
    finally:
        scheduler.shutdown(wait=False)
        records.close()

    # From a fresh connection after every process has closed: all rows, a sound file.
    assert count(url, "answers") == N
    assert count(url, "votes") == N
    check = create_engine(url)
    try:
        with check.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
    finally:
        check.dispose()
    reopened = Records(url)
    try:
        for channel, ts, answer_id in answers:
            ref = reopened.find_by_message(channel, ts)
            assert ref is not None and ref.id == answer_id
    finally:
        reopened.close()
