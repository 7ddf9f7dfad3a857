"""End to end over real HTTP: the real engine and records behind uvicorn, Slack stood in.

Each request is signed like Slack signs it and POSTed to `/slack/events`; the
bot's Web API calls land in the local stand-in, which records them.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from bot_harness import BotServer, correction_submission, eventually, running_bot
from sqlalchemy import text

from bot.blocks import (
    CORRECTION_VIEW,
    SUGGEST_ACTION,
    VOTE_DOWN_ACTION,
    VOTE_UP_ACTION,
)

QUESTION = "What is the return window for online orders?"


def vote_log_rows(bot: BotServer, answer_id: int) -> int:
    with bot.records.engine.connect() as conn:
        return int(
            conn.scalar(text("SELECT count(*) FROM votes WHERE answer_id = :a"), {"a": answer_id})
        )


def block_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def ask_and_wait(bot: BotServer, question: str, **kw: Any) -> tuple[Any, int]:
    """/stylesprint ask → the posted message and its logged answer id."""
    before = len(bot.standin.calls_to("chat.postMessage"))
    response = bot.command(f"ask {question}", **kw)
    assert response.status_code == 200, response.text
    post = bot.standin.wait_for("chat.postMessage", before + 1)[before]
    assert post.response["ok"], post.response
    channel, ts = post.params["channel"], post.response["ts"]
    ref = eventually(lambda: bot.records.find_by_message(channel, ts))
    return post, ref.id


def test_slash_command_answer_votes_retry_retraction_and_correction(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin

    # 1. The command is acknowledged at once with a "looking that up" note.
    started = time.perf_counter()
    ack = bot.command(f"ask {QUESTION}")
    ack_seconds = time.perf_counter() - started
    assert ack.status_code == 200
    assert "Looking that up" in ack.json()["text"]
    assert ack_seconds < 3.0, f"ack took {ack_seconds:.2f}s"
    print(f"\nslash command ack: {ack_seconds * 1000:.0f} ms")

    # 2. The answer is a real channel message with Block Kit.
    (post,) = slack.wait_for("chat.postMessage")
    assert post.params["channel"] == "C0SUPPORT" and "thread_ts" not in post.params
    ts = post.response["ts"]
    ref = eventually(lambda: bot.records.find_by_message("C0SUPPORT", ts))
    (row,) = list(bot.records.export())
    assert row["answer_id"] == ref.id and row["question"] == QUESTION and row["ts"] == ts
    blocks = block_text(post.params["blocks"])
    assert QUESTION in blocks and "confidence (" in blocks and ":+1:" in blocks
    if row["answered"]:
        assert row["span"] and f"> {row['span']}" in blocks
        assert row["passage_text"][row["span_start"] : row["span_end"]] == row["span"]
        assert "Source:" in blocks
    else:
        assert "couldn't find a confident answer" in blocks and "Closest sources" in blocks
    assert row["model_version"] and row["latency_ms"] > 0

    # 3. 👍 by an agent is recorded against the answer.
    assert (
        bot.reaction(
            "reaction_added", "+1", "UAGENT2", "C0SUPPORT", ts, event_id="EvUP1"
        ).status_code
        == 200
    )
    eventually(lambda: bot.records.votes(ref.id) == {"up": 1, "down": 0})

    # 4. Slack retries the same delivery: still one vote, one row in the log.
    retry = bot.reaction(
        "reaction_added", "+1", "UAGENT2", "C0SUPPORT", ts, event_id="EvUP1", retry_num=1
    )
    assert retry.status_code == 200
    time.sleep(0.3)
    assert bot.records.votes(ref.id) == {"up": 1, "down": 0}
    assert vote_log_rows(bot, ref.id) == 1

    # 5. Removing the reaction retracts the vote.
    bot.reaction("reaction_removed", "+1", "UAGENT2", "C0SUPPORT", ts)
    eventually(lambda: bot.records.votes(ref.id) == {"up": 0, "down": 0})

    # 6. 👎 is recorded and answered with an ephemeral offer in the answer's thread.
    bot.reaction("reaction_added", "thumbsdown", "UAGENT2", "C0SUPPORT", ts)
    eventually(lambda: bot.records.votes(ref.id) == {"up": 0, "down": 1})
    (offer,) = slack.wait_for("chat.postEphemeral")
    assert offer.params["user"] == "UAGENT2" and offer.params["thread_ts"] == ts
    button = offer.params["blocks"][-1]["elements"][0]
    assert button["action_id"] == SUGGEST_ACTION and button["value"] == str(ref.id)

    # 7. The button opens the correction modal...
    assert bot.click(SUGGEST_ACTION, button["value"], "UAGENT2").status_code == 200
    (opened,) = slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == CORRECTION_VIEW and opened.params["trigger_id"]

    # 8. ...an empty submission is refused in the modal, a real one is stored.
    def submit(answer_text: str, source: str | None) -> Any:
        return bot.interaction(correction_submission(opened, answer_text, source=source))

    refused = submit("   ", None)
    assert refused.status_code == 200 and refused.json()["response_action"] == "errors"
    assert submit("Online orders: 30 days from delivery.", "Returns & Exchanges").status_code == 200
    (row,) = list(bot.records.export())
    assert row["votes"] == {"up": 0, "down": 1}
    assert [(c["user"], c["text"], c["source"]) for c in row["corrections"]] == [
        ("UAGENT2", "Online orders: 30 days from delivery.", "Returns & Exchanges")
    ]


def test_mention_in_a_thread_is_answered_in_that_thread(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin
    bot.event(
        {
            "type": "app_mention",
            "user": "UAGENT1",
            "channel": "C0SUPPORT",
            "text": f"<@{slack.bot_user_id}> {QUESTION}",
            "ts": "1700000500.000200",
            "thread_ts": "1700000400.000100",
        }
    )
    (post,) = slack.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1700000400.000100"
    assert f"<@{slack.bot_user_id}>" not in block_text(post.params["blocks"])
    ref = eventually(lambda: bot.records.find_by_message("C0SUPPORT", post.response["ts"]))
    (row,) = list(bot.records.export())
    assert row["answer_id"] == ref.id and row["question"] == QUESTION

    # A top-level mention starts a thread under the mention itself.
    bot.event(
        {
            "type": "app_mention",
            "user": "UAGENT1",
            "channel": "C0SUPPORT",
            "text": f"<@{slack.bot_user_id}> Do you ship to Canada?",
            "ts": "1700000600.0003",
        }
    )
    second = slack.wait_for("chat.postMessage", 2)[1]
    assert second.params["thread_ts"] == "1700000600.0003"


def test_closed_channel_answers_through_response_url_with_vote_buttons(
    bot_server: BotServer,
) -> None:
    bot, slack = bot_server, bot_server.standin
    slack.close_channel("C0ARCHIVED", "is_archived")
    assert bot.command(f"ask {QUESTION}", channel="C0ARCHIVED").status_code == 200
    (private,) = slack.wait_for("response_url")
    assert slack.calls_to("chat.postMessage")[0].response["error"] == "is_archived"
    assert private.params["response_type"] == "ephemeral"
    buttons = private.params["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == [VOTE_UP_ACTION, VOTE_DOWN_ACTION]
    answer_id = int(buttons[0]["value"])
    eventually(
        lambda: (
            next(iter(bot.records.export()))["ts"] is None
            and bot.records.get(answer_id) is not None
        )
    )

    # Button clicks go into the same vote log as reactions; 👎 offers a correction.
    assert bot.click(VOTE_DOWN_ACTION, str(answer_id), "UAGENT1",
                     channel="C0ARCHIVED").status_code == 200
    eventually(lambda: bot.records.votes(answer_id) == {"up": 0, "down": 1})
    offer = slack.wait_for("response_url", 2)[1]
    assert offer.params["blocks"][-1]["elements"][0]["action_id"] == SUGGEST_ACTION
    # changed their mind: latest counts
    bot.click(VOTE_UP_ACTION, str(answer_id), "UAGENT1", channel="C0ARCHIVED")
    eventually(lambda: bot.records.votes(answer_id) == {"up": 1, "down": 0})


def test_usage_help_and_unknown_subcommands_are_ephemeral(bot_server: BotServer) -> None:
    bot = bot_server
    for text_ in ("", "help", "HELP"):
        body = bot.command(text_).json()
        assert (
            "/stylesprint ask" in body["text"]
            and body.get("response_type", "ephemeral") == "ephemeral"
        )
    assert "add your question" in bot.command("ask   ").json()["text"]
    unknown = bot.command("frobnicate <!channel>").json()["text"]
    assert "frobnicate" in unknown and "`ask <question>`" in unknown and "`help`" in unknown
    assert "<!channel>" not in unknown
    assert bot.standin.calls_to("chat.postMessage") == []


def test_question_text_never_pings_anyone(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin
    pings = "<!channel> <!here> <!everyone> <@U0BOSS> <!subteam^S0TEAM|@leads>"
    post, _ = ask_and_wait(bot, f"What is the return window? {pings}")
    posted = post.params["text"] + block_text(post.params["blocks"])
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<!subteam^"):
        assert ping not in posted
    assert "&lt;!channel&gt;" in posted and "&lt;@U0BOSS&gt;" in posted
    assert slack.calls_to("chat.postMessage")[0].params["channel"] == "C0SUPPORT"


def test_other_emojis_bots_and_other_messages_are_ignored(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin
    _, answer_id = ask_and_wait(bot, QUESTION)
    ts = bot.records.get(answer_id).message_ts
    slack.add_bot_user("U0OTHERBOT")
    bot.reaction("reaction_added", "heart", "UAGENT1", "C0SUPPORT", ts)
    bot.reaction("reaction_added", "+1", slack.bot_user_id, "C0SUPPORT", ts)  # the bot itself
    bot.reaction("reaction_added", "+1", "U0OTHERBOT", "C0SUPPORT", ts)  # another bot
    bot.reaction("reaction_added", "+1", "UAGENT1", "C0SUPPORT", "1600000000.000001")  # not ours
    bot.reaction("reaction_added", "+1", "UAGENT1", "C0ELSEWHERE", ts)  # same ts, other channel
    bot.reaction("reaction_added", "+1::skin-tone-4", "UAGENT3", "C0SUPPORT", ts)  # counts
    eventually(lambda: bot.records.votes(answer_id) == {"up": 1, "down": 0})
    time.sleep(0.3)
    assert vote_log_rows(bot, answer_id) == 1
    assert bot.records.user_vote(answer_id, "UAGENT3") == 1


def test_past_the_queue_limit_a_question_gets_a_polite_busy_reply(
    engine: Any, standin: Any, records: Any, tmp_path: Any
) -> None:
    import threading

    from bot.answering import LOOKING

    slack = standin
    with running_bot(engine, standin, records, tmp_path, bot={"max_queued": 1}) as bot:
        release = threading.Event()
        assert bot.pool.try_submit(release.wait, 30) is not None  # the one worker is busy
        try:
            assert bot.command(f"ask {QUESTION}").json()["text"].startswith(LOOKING)  # queued
            busy = bot.command(f"ask {QUESTION}").json()["text"]
            assert "try again in a moment" in busy
            bot.event(
                {
                    "type": "app_mention",
                    "user": "UAGENT1",
                    "channel": "C0SUPPORT",
                    "text": f"<@{slack.bot_user_id}> {QUESTION}",
                    "ts": "1700000700.0001",
                }
            )
            (note,) = slack.wait_for("chat.postEphemeral")
            assert "try again in a moment" in note.params["text"]
            assert note.params["thread_ts"] == "1700000700.0001"
            assert slack.calls_to("chat.postMessage") == []
        finally:
            release.set()
        (post,) = slack.wait_for("chat.postMessage")  # the admitted one, once the worker is free
        time.sleep(0.3)
        assert len(slack.calls_to("chat.postMessage")) == 1


def test_unusable_question_gets_the_reason_privately(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin
    assert "Looking" in bot.command("ask " + "why " * 200).json()["text"]
    (note,) = slack.wait_for("response_url")
    assert "limit is" in note.params["text"] and note.params["response_type"] == "ephemeral"
    assert list(bot.records.export()) == [] and slack.calls_to("chat.postMessage") == []


def test_command_run_in_a_thread_is_answered_in_that_thread(bot_server: BotServer) -> None:
    bot, slack = bot_server, bot_server.standin
    bot.command(f"ask {QUESTION}", thread_ts="1700000800.000100")
    (post,) = slack.wait_for("chat.postMessage")
    assert post.params["thread_ts"] == "1700000800.000100"


@pytest.fixture(scope="module")
def declining_engine(engine: Any) -> Any:
    """The real engine with a reader that must be certain (threshold 1.0): it declines."""
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.read.reader import SpanReader

    shipped = engine.reader
    reader = SpanReader(
        shipped.model_dir,
        shipped.base_model,
        shipped.config,
        threshold=1.0,
        model_version=shipped.model_version,
    )
    reader.warm_up()
    return AnswerEngine(retriever=engine.retriever, reader=reader, composer=engine.composer)


def test_declined_answer_is_posted_plainly_with_closest_sources(
    declining_engine: Any, standin: Any, records: Any, tmp_path: Any
) -> None:
    with running_bot(declining_engine, standin, records, tmp_path) as bot:
        post, answer_id = ask_and_wait(bot, "What is the boiling point of mercury on Jupiter?")
    blocks = block_text(post.params["blocks"])
    assert "couldn't find a confident answer" in blocks
    assert "Closest sources" in blocks and "% match" in blocks
    assert "confidence (" in blocks and ":+1:" in blocks
    (row,) = list(records.export())
    assert row["answer_id"] == answer_id and row["answered"] is False and row["span"] is None


def test_unexpected_slack_error_still_tells_the_asker_and_keeps_the_answer(
    bot_server: BotServer,
) -> None:
    bot, slack = bot_server, bot_server.standin
    slack.close_channel("C0BROKEN", "fatal_error")  # not a "closed channel" error: no fallback
    assert bot.command(f"ask {QUESTION}", channel="C0BROKEN").status_code == 200
    (note,) = slack.wait_for("response_url")
    assert "something went wrong" in note.params["text"]
    (row,) = list(bot.records.export())  # logged before posting: nothing lost
    assert row["question"] == QUESTION and row["channel"] == "C0BROKEN" and row["ts"] is None
