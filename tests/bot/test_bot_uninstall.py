"""`tokens_revoked` and `app_uninstalled` over signed HTTP (the bot on uvicorn, Slack stood in,
real engine and records): a revoked person is forgotten, an uninstall erases the workspace's
data, both answered 200 at once and once only."""

from __future__ import annotations

import json
from pathlib import Path

from bot_harness import BotServer, eventually
from sqlalchemy import text
from test_bot_e2e import ask_and_wait


def _count(bot: BotServer, sql: str) -> int:
    with bot.records.engine.connect() as conn:
        return int(conn.scalar(text(sql)))


def test_revoked_tokens_forget_their_people_and_an_uninstall_erases_everything(
        bot_server: BotServer, tmp_path: Path) -> None:
    bot = bot_server
    post, alices = ask_and_wait(bot, "How long does express shipping take?", user="UALICE")
    _, bobs = ask_and_wait(bot, "What is the return window for online orders?", user="UBOB")
    bot.reaction("reaction_added", "+1", "UBOB", post.params["channel"], post.response["ts"])
    eventually(lambda: _count(bot, "SELECT COUNT(*) FROM votes") == 1)
    run = tmp_path / "retrain" / "run-00001"  # the bot's data directory is tmp_path
    run.mkdir(parents=True)
    (run / "train.jsonl").write_text(
        "".join(json.dumps({"id": f"fb-{i}", "answer_ids": [i]}) + "\n" for i in (alices, bobs)))

    revoked = bot.event({"type": "tokens_revoked",
                         "tokens": {"oauth": ["UALICE"], "bot": [bot.standin.bot_user_id]}})
    assert revoked.status_code == 200
    eventually(lambda: _count(bot, "SELECT COUNT(*) FROM answers WHERE asker = 'UALICE'") == 0
              )
    assert _count(bot, f"SELECT COUNT(*) FROM answers WHERE id = {alices} AND question = ''") == 1
    assert _count(bot, f"SELECT COUNT(*) FROM answers WHERE id = {bobs} AND question <> ''") == 1
    assert _count(bot, "SELECT COUNT(*) FROM votes WHERE user_id = 'UBOB'") == 1
    assert [json.loads(line)["id"] for line in (run / "train.jsonl").read_text().splitlines()] \
        == [f"fb-{bobs}"]

    uninstall = {"type": "app_uninstalled"}
    assert bot.event(uninstall, event_id="EvUNINSTALL1").status_code == 200
    eventually(lambda: _count(bot, "SELECT COUNT(*) FROM answers") == 0)
    for table in ("votes", "corrections", "verified_answers", "handoffs", "question_jobs"):
        assert _count(bot, f"SELECT COUNT(*) FROM {table}") == 0, table
    assert not (run / "train.jsonl").exists()
    # Slack's retry of the same delivery is acknowledged and not run again
    retry = bot.event(uninstall, event_id="EvUNINSTALL1", retry_num=1)
    assert retry.status_code == 200
