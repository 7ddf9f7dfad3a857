"""A lead's correction through the real modal over HTTP (signed requests, Slack stood in) is
served, marked "verified by" the lead, the next time anyone asks; and two agents' 👍
verify too. (An agent's correction waits for approval: test_bot_publish_e2e.py.)

The bot's engine is the session's real engine parts (demo KB in real Chroma, shipped
reader) with a verified index reading the records through its own connection, as a
second serving process would."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_harness import BotServer, correction_submission, eventually, running_bot
from slack_standin import SlackStandIn
from test_bot_e2e import ask_and_wait, block_text

from bot.blocks import REASON_BLOCK, SUGGEST_ACTION, VERIFIED_MARK, WITHDRAW_ACTION
from qa_engine.corrections import ChromaPassages
from qa_engine.pipeline import AnswerEngine
from qa_engine.records import Records
from qa_engine.retrieve.verified_index import VerifiedIndex

QUESTION = "How long does express shipping take?"
RIGHT = "arrives in 1 to 2 business days"  # verbatim in the demo KB's shipping policy
LEAD, REVIEW_CHANNEL = "ULEAD", "C0REVIEW"


@contextlib.contextmanager
def serving_bot(engine: AnswerEngine, standin: SlackStandIn, records: Records,
                tmp_path: Path, **groups: Any) -> Iterator[BotServer]:
    """The bot over the session's engine parts with a verified index of its own
    connection (as a second serving process would have); `groups`: settings by group."""
    other = Records(records.url)  # the engine's own connection to the records
    index = VerifiedIndex(other, engine.retriever.embedder,
                          ChromaPassages(engine.retriever.collection), threshold=0.92,
                          embed_question=engine.retriever.embed_question)
    served = AnswerEngine(engine.retriever, engine.reader, engine.composer,
                          top_k=engine.top_k, min_retrieval_score=engine.min_retrieval_score,
                          normalizer=engine.normalizer, product_answers=engine.product_answers,
                          verified=index)
    served.warm_up()
    try:
        with running_bot(served, standin, records, tmp_path, **groups) as server:
            yield server
    finally:
        index.close()
        other.close()


@pytest.fixture
def verified_bot(engine: AnswerEngine, standin: SlackStandIn, records: Records,
                 tmp_path: Path) -> Iterator[BotServer]:
    """`serving_bot` with ULEAD as the lead and C0REVIEW as the review channel."""
    with serving_bot(engine, standin, records, tmp_path,
                     bot={"lead_users": [LEAD], "review_channel": REVIEW_CHANNEL}) as server:
        yield server


def _submit(bot: BotServer, opened: Any, text: str, reason: str, user: str = LEAD) -> Any:
    return bot.interaction(correction_submission(opened, text, reason=reason, user=user))


def test_a_leads_correction_in_the_modal_is_served_verified_at_the_next_ask(
        verified_bot: BotServer) -> None:
    bot, slack = verified_bot, verified_bot.standin
    post, answer_id = ask_and_wait(bot, QUESTION)
    assert VERIFIED_MARK not in block_text(post.params["blocks"])
    ts = post.response["ts"]

    bot.reaction("reaction_added", "-1", LEAD, post.params["channel"], ts)
    (offer,) = slack.wait_for("chat.postEphemeral")
    button = offer.params["blocks"][-1]["elements"][0]
    assert bot.click(SUGGEST_ACTION, button["value"], LEAD).status_code == 200
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
    assert told.params["user"] == LEAD and "verified" in told.params["text"]
    assert verified.verified_by == (LEAD,)

    # the next agent asks (differently cased): answered from the correction, marked with
    # who verified it, with the one-click withdraw button
    again, again_id = ask_and_wait(bot, QUESTION.lower(), user="UAGENT3")
    blocks = block_text(again.params["blocks"])
    assert f"{VERIFIED_MARK} <@{LEAD}>" in blocks and f"> {RIGHT}" in blocks
    assert WITHDRAW_ACTION in blocks
    assert not slack.posted(REVIEW_CHANNEL)  # a lead's correction needs no review
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
    assert f"{VERIFIED_MARK} <@UAGENT1>, <@UAGENT2>" in blocks
    assert f"> {exported['span']}" in blocks
