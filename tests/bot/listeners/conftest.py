"""Listener unit tests: each listener called directly, with `unittest.mock.Mock()` for
`ack`/`client`/`respond` and a real context dict holding real dependencies
(SQLite records, a real VoteQueue, a real Answerer on a real QuestionPool and the
durable question queue)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest
from listener_cases import ANSWER_TS, BOT_USER, CHANNEL, GatedEngine
from records_cases import make_answer

from bot.answering import Answerer, QueueOptions
from bot.context import ListenerDeps
from bot.pool import QuestionPool
from bot.vote_queue import VoteQueue
from qa_engine.records import Records


@pytest.fixture
def slack() -> Mock:
    """One parent mock, so the order of calls across ack/client/respond is recorded."""
    parent = Mock()
    parent.client.users_info.return_value = {"user": {"id": "U1", "is_bot": False}}
    return parent


@pytest.fixture
def gated_engine() -> GatedEngine:
    return GatedEngine()


@pytest.fixture
def pool() -> Iterator[QuestionPool]:
    questions = QuestionPool(workers=1, max_queued=0)
    yield questions
    questions.shutdown(wait=True)


@pytest.fixture
def deps(
    gated_engine: GatedEngine, pool: QuestionPool, records: Records, slack: Mock, tmp_path: Path
) -> Iterator[ListenerDeps]:
    # A 5 s wait limit: with the first question held at the gate, a second waits its turn
    # (about 4 s) and a third (about 6 s) is told busy.
    answerer = Answerer(engine=gated_engine, records=records, pool=pool, client=slack.client,
                        options=QueueOptions(max_wait_s=5))
    votes = VoteQueue(records, tmp_path / "pending-votes.jsonl")
    yield ListenerDeps(answerer=answerer, records=records, votes=votes)
    gated_engine.gate.set()
    answerer.close()


@pytest.fixture
def context(deps: ListenerDeps) -> dict[str, Any]:
    """What the middleware in bot/app.py puts on Bolt's context, plus the bot's user id."""
    return {**deps.as_context(), "bot_user_id": BOT_USER}


@pytest.fixture
def answer_id(records: Records) -> int:
    """An answer the bot posted in CHANNEL at ANSWER_TS."""
    answer_id = records.log_answer(
        make_answer(), surface="mention", channel=CHANNEL, asker="UASK", thread_ts=None
    )
    records.mark_delivered(answer_id, delivery="channel", message_ts=ANSWER_TS, total_ms=1.0)
    return answer_id
