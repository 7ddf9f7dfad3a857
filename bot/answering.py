"""Answering one question end to end: engine, records, Slack delivery.

Listeners only parse the request and call `Answerer.submit()`; the slow part
(retrieval + reader + posting) runs here on the bounded `QuestionPool`. An
answer is logged *before* it is posted, so its id can ride on the 👍/👎 buttons
and nothing is lost when posting fails.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks import answer_blocks, answer_fallback_text, escape, notice_blocks
from bot.pool import QuestionPool
from qa_engine.db import TRANSIENT_ERRORS
from qa_engine.records import Records
from qa_engine.types import Answer, KnowledgeBaseUnavailable, QuestionError

logger = logging.getLogger(__name__)

BUSY = (
    ":hourglass_flowing_sand: I'm answering a lot of questions right now; "
    "please try again in a moment."
)
LOOKING = ":mag: Looking that up…"
KB_DOWN = (
    ":warning: I can't reach the knowledge base right now, so I can't answer. "
    "Please try again in a few minutes."
)
FAILED = ":warning: Sorry, something went wrong while answering. Please try again."

# chat.postMessage errors meaning "this channel is closed to the bot": answer privately.
CANNOT_POST = frozenset(
    {
        "not_in_channel",
        "is_archived",
        "channel_not_found",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
    }
)


class Engine(Protocol):
    """What the bot needs of `qa_engine.pipeline.AnswerEngine`."""

    def ask(self, question: str, top_k: int | None = None) -> Answer: ...


@dataclass(frozen=True)
class Question:
    """One question as asked in Slack; `text` is raw (the engine cleans and checks it)."""

    text: str
    asker: str
    channel: str
    surface: str  # "command" | "mention"
    thread_ts: str | None = None
    response_url: str | None = None
    received_at: float = field(default_factory=time.monotonic)


class Answerer:
    """Runs questions on the pool and delivers the answers."""

    def __init__(
        self, engine: Engine, records: Records, pool: QuestionPool, client: WebClient
    ) -> None:
        self.engine = engine
        self.records = records
        self.pool = pool
        self.client = client

    def submit(self, question: Question) -> bool:
        """Queue the question; False (and nothing queued) when the pool is full."""
        return self.pool.try_submit(self.answer, question) is not None

    def answer(self, question: Question) -> int | None:
        """Answer and post; returns the answer id (None when no answer could be made).

        Whatever fails, the asker hears about it: expected problems (bad question,
        knowledge base down) with their reason, anything else with an apology, and
        the error itself goes on to the one error handler.
        """
        try:
            return self._answer(question)
        except Exception:
            with contextlib.suppress(Exception):  # the original error is the one to report
                self.reply_privately(question, FAILED)
            raise

    def _answer(self, question: Question) -> int | None:
        try:
            answer = self.engine.ask(question.text)
        except QuestionError as exc:
            self.reply_privately(question, f":information_source: {escape(str(exc))}")
            return None
        except KnowledgeBaseUnavailable:
            logger.warning("knowledge base unavailable; told the asker")
            self.reply_privately(question, KB_DOWN)
            return None
        answer_id: int | None = None
        try:
            answer_id = self.records.log_answer(
                answer,
                surface=question.surface,
                channel=question.channel,
                asker=question.asker,
                thread_ts=question.thread_ts,
            )
        except TRANSIENT_ERRORS as exc:  # a database that hangs or refuses: answer anyway
            logger.warning("records unavailable (%s); answering without a record",
                           type(exc).__name__)
        delivery, ts = self._deliver(question, answer, answer_id)
        total_ms = (time.monotonic() - question.received_at) * 1000
        if answer_id is not None:
            try:
                self.records.mark_delivered(answer_id, delivery=delivery, message_ts=ts,
                                            total_ms=total_ms)
            except TRANSIENT_ERRORS as exc:
                logger.warning("records unavailable (%s); answer %d posted, delivery not "
                               "recorded", type(exc).__name__, answer_id)
        logger.info(
            "answer %s: answered=%s confidence=%.2f engine_ms=%.0f total_ms=%.0f via=%s",
            answer_id if answer_id is not None else "(not recorded)",
            answer.answered,
            answer.confidence,
            answer.latency_ms,
            total_ms,
            delivery,
        )
        return answer_id

    def _deliver(
        self, question: Question, answer: Answer, answer_id: int | None
    ) -> tuple[str, str | None]:
        """Post in the channel (or thread); fall back to response_url if the channel is closed."""
        try:
            response = self.client.chat_postMessage(
                channel=question.channel,
                thread_ts=question.thread_ts,
                text=answer_fallback_text(answer),
                blocks=answer_blocks(answer, question.text),
                unfurl_links=False,
                unfurl_media=False,
            )
            return "channel", str(response["ts"])
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error not in CANNOT_POST or not question.response_url:
                raise
            logger.info("cannot post in channel (%s); answering via response_url", error)
        self._send_response_url(
            question.response_url,
            text=answer_fallback_text(answer),
            blocks=answer_blocks(answer, question.text, vote_buttons_for=answer_id),
        )
        return "response_url", None

    def reply_privately(self, question: Question, text: str) -> None:
        """A note only the asker sees: via response_url for commands, ephemeral otherwise."""
        if question.response_url:
            self._send_response_url(question.response_url, text=text, blocks=notice_blocks(text))
        else:
            self.client.chat_postEphemeral(
                channel=question.channel,
                user=question.asker,
                thread_ts=question.thread_ts,
                text=text,
            )

    def _send_response_url(self, url: str, *, text: str, blocks: list[dict[str, Any]]) -> None:
        # The Web API client's retry handlers (connection errors, 429, 5xx) apply here too:
        # WebhookClient's default only retries connection errors.
        retry_handlers = getattr(self.client, "retry_handlers", None)
        response = WebhookClient(url, retry_handlers=retry_handlers).send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
        if response.status_code != 200:
            raise RuntimeError(f"response_url answered HTTP {response.status_code}")
