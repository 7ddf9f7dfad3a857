"""A correction through the real modal over HTTP (signed requests, Slack stood in) is served,
marked "verified by an agent", the next time anyone asks; and two agents' 👍 verify too.

The bot's engine is the session's real engine parts (demo KB in real Chroma, shipped
reader) with a verified index reading the records through its own connection, as a
second serving process would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_harness import BotServer, correction_submission, eventually, running_bot
from slack_standin import SlackStandIn
from test_bot_e2e import ask_and_wait, block_text

from bot.blocks import REASON_BLOCK, SUGGEST_ACTION, VERIFIED_MARK
from qa_engine.corrections import ChromaPassages
from qa_engine.pipeline import AnswerEngine
from qa_engine.records import Records
from qa_engine.verified import VerifiedIndex

QUESTION = "How long does express shipping take?"
RIGHT = "arrives in 1 to 2 business days"  # verbatim in the demo KB's shipping policy


@pytest.fixture
def verified_bot(engine: AnswerEngine, standin: SlackStandIn, records: Records,
                 tmp_path: Path) -> Iterator[BotServer]:
    other = Records(records.url)  # the engine's own connection to the records
    index = VerifiedIndex(other, engine.retriever.embedder,
                          ChromaPassages(engine.retriever.collection), threshold=0.92,
                          embed_question=engine.retriever.embed_question)
    served = AnswerEngine(engine.retriever, engine.reader, engine.composer,
                          top_k=engine.top_k, min_retrieval_score=engine.min_retrieval_score,
                          normalizer=engine.normalizer, product_answers=engine.product_answers,
                          verified=index)
    served.warm_up()
    with running_bot(served, standin, records, tmp_path) as server:
        yield server
    index.close()
    other.close()


def _submit(bot: BotServer, opened: Any, text: str, reason: str) -> Any:
    return bot.interaction(correction_submission(opened, text, reason=reason))


def test_a_correction_in_the_modal_is_served_verified_at_the_next_ask(
        verified_bot: BotServer) -> None:
    bot, slack = verified_bot, verified_bot.standin
    post, answer_id = ask_and_wait(bot, QUESTION)
    assert VERIFIED_MARK not in block_text(post.params["blocks"])
    ts = post.response["ts"]

    bot.reaction("reaction_added", "-1", "UAGENT2", post.params["channel"], ts)
    (offer,) = slack.wait_for("chat.postEphemeral")
    button = offer.params["blocks"][-1]["elements"][0]
    assert bot.click(SUGGEST_ACTION, button["value"], "UAGENT2").status_code == 200
    (opened,) = slack.wait_for("views.open")
    radio = next(b for b in opened.params["view"]["blocks"] if b.get("block_id") == REASON_BLOCK)
    assert {o["value"] for o in radio["element"]["options"]} >= {"wrong_span"}

    assert _submit(bot, opened, "Arrives in 1 to 2 business days.", "wrong_span"
                   ).status_code == 200
    (row,) = list(bot.records.export())
    assert [(c["text"], c["reason"]) for c in row["corrections"]] == [
        ("Arrives in 1 to 2 business days.", "wrong_span")]
    (verified,) = eventually(lambda: bot.records.verified.active())
    assert verified.span == RIGHT and verified.origin == "correction"
    told = slack.wait_for("chat.postEphemeral", 2)[1]
    assert told.params["user"] == "UAGENT2" and "verified" in told.params["text"]

    # the next agent asks (differently cased): answered from the correction, marked
    again, again_id = ask_and_wait(bot, QUESTION.lower(), user="UAGENT3")
    blocks = block_text(again.params["blocks"])
    assert VERIFIED_MARK in blocks and f"> {RIGHT}" in blocks
    exported = {r["answer_id"]: r for r in bot.records.export()}
    assert exported[again_id]["span"] == RIGHT and again_id != answer_id


def test_two_agents_thumbs_up_are_served_verified(verified_bot: BotServer) -> None:
    bot = verified_bot
    question = "What is the return window for online orders?"
    post, answer_id = ask_and_wait(bot, question)
    channel, ts = post.params["channel"], post.response["ts"]
    exported = next(r for r in bot.records.export() if r["answer_id"] == answer_id)
    assert exported["answered"] and exported["span"]  # the shipped reader answers this one
    for user in ("UAGENT1", "UAGENT2"):
        bot.reaction("reaction_added", "+1", user, channel, ts)
    eventually(lambda: bot.records.verified.active())
    again, _ = ask_and_wait(bot, question, user="UAGENT3")
    blocks = block_text(again.params["blocks"])
    assert VERIFIED_MARK in blocks and f"> {exported['span']}" in blocks
