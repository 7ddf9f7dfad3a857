"""Answering one question end to end: admission, engine, records, Slack delivery.

Listeners only parse the request and call `Answerer.submit()`, which stores the
question in the durable queue (bot/state/questions.py) *before* the
listener acknowledges, and returns the note for the acknowledgement: "looking that
up", the asker's place in line and the estimated wait, or "busy" when that wait is
longer than `STYLESPRINT_MAX_WAIT_S`. `bot/queue.py` hands stored questions to the
workers, which call `Answerer.work()`: engine, then the answer logged *before* it
is posted (its id rides on the 👍/👎 buttons), then delivery (bot/queue_delivery.py).
Every admitted question ends exactly once: answered, or its asker told why not.

While the records database is not answering (`DeadlineGuard`, qa_engine/deadline.py: the
store is given `ACK_DEADLINE_S`), a question cannot be queued; it is then answered
from memory without a record (`_answer_unrecorded`: no vote buttons, one post, not
durable across a restart), and the ack still says "looking that up".
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import answer_blocks, answer_fallback_text, escape
from bot.pool import QuestionPool
from bot.queue import QuestionDispatcher
from bot.queue_delivery import CANNOT_POST, Delivery, GaveUp
from bot.queue_pacing import PostScheduler
from bot.settings import BotSettings
from bot.state import Job, QuestionStore
from bot.state.questions import ANSWER, DELIVER
from qa_engine.db import TRANSIENT_ERRORS
from qa_engine.deadline import ACK_DEADLINE_S
from qa_engine.records import Records
from qa_engine.types import Answer, KnowledgeBaseUnavailable, QuestionError
from qa_engine.write_failures import is_storage_failure

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
EXPIRED = (
    ":warning: Sorry, I couldn't get to your question in time (I was restarted or very "
    "busy). Please ask it again."
)
UNAVAILABLE = (
    ":warning: I can't take questions right now (my database is unavailable). "
    "Please try again in a few minutes."
)
NOT_STORED = (
    ":warning: I can't store your question right now (my storage is full or failing), so "
    "I can't take it. An admin needs to free space; please try again later."
)
DEFAULT_ANSWER_S = 2.0  # per question per worker, until the queue has measured its pace
MAX_ATTEMPTS = 3  # a question whose worker died this often is not tried a fourth time


class Engine(Protocol):
    """What the bot needs of `qa_engine.pipeline.AnswerEngine`."""

    def ask(self, question: str, top_k: int | None = None,
            context: str | None = None, asker: str | None = None) -> Answer: ...


@dataclass(frozen=True)
class SlackQuestion:
    """One question as asked in Slack; `text` is raw (the engine cleans and checks it)."""

    text: str
    asker: str
    channel: str
    surface: str  # "command" | "mention"
    thread_ts: str | None = None
    response_url: str | None = None
    context_question: str | None = None  # a thread's earlier question (follow-ups)
    received_at: float = field(default_factory=time.monotonic)

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        del record["received_at"]  # monotonic: meaningless in another process
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> SlackQuestion:
        names = {f.name for f in fields(cls)} - {"received_at"}
        return cls(**{k: v for k, v in record.items() if k in names})


@dataclass(frozen=True)
class Admission:
    """The outcome of `submit`: truthy when the question was stored; `note` for the ack."""

    accepted: bool
    note: str
    position: int = 0  # 1 = next to be answered
    wait_s: float = 0.0

    def __bool__(self) -> bool:
        return self.accepted


@dataclass(frozen=True)
class QueueOptions:
    """The queue's settings (`from_settings`); the defaults are the settings' own
    (`BotSettings`), derived, not copied."""

    max_wait_s: float = BotSettings.field_default("max_wait_s")
    max_queued: int = BotSettings.field_default("max_queued")
    expiry_s: float = BotSettings.field_default("question_expiry_s")
    lease_s: float = BotSettings.field_default("queue_lease_s")
    poll_s: float = BotSettings.field_default("queue_poll_s")
    post_interval_s: float = BotSettings.field_default("post_interval_s")
    verify_s: float = BotSettings.field_default("post_verify_s")

    @classmethod
    def from_settings(cls, settings: Any) -> QueueOptions:
        return cls(max_wait_s=settings.bot.max_wait_s, max_queued=settings.bot.max_queued,
                   expiry_s=settings.bot.question_expiry_s, lease_s=settings.bot.queue_lease_s,
                   poll_s=settings.bot.queue_poll_s, post_interval_s=settings.bot.post_interval_s,
                   verify_s=settings.bot.post_verify_s)


def queued_note(position: int, wait_s: float) -> str:
    if position <= 1:
        return LOOKING
    return f"{LOOKING} You're number {position} in line, about {max(1, round(wait_s))} s."


class Answerer:
    """Admits questions into the durable queue, and answers and delivers them."""

    def __init__(
        self,
        engine: Engine,
        records: Records,
        pool: QuestionPool,
        client: WebClient,
        *,
        options: QueueOptions | None = None,
        post_client: WebClient | None = None,
        handoff: bool = False,
    ) -> None:
        self.engine = engine
        self.handoff = handoff  # "Ask a team lead" on every answer (an escalation channel is set)
        self.records = records
        self.pool = pool
        self.client = client
        self.options = options or QueueOptions()
        self.store = QuestionStore(records.engine, guard=records.guard)  # bounded calls
        self.scheduler = PostScheduler(self.options.post_interval_s)
        self.delivery = Delivery(client, post_client, self.store, self.records, self.scheduler,
                                 verify_s=self.options.verify_s)
        self.dispatcher = QuestionDispatcher(self.store, pool, self.work,
                                             lease_s=self.options.lease_s,
                                             poll_s=self.options.poll_s).start()

    def close(self) -> None:
        """Stop taking questions from the queue (those being answered finish on the pool)."""
        self.dispatcher.stop()

    # --- admission (on Bolt's request thread, before the ack) --------------------------
    def estimate_wait_s(self, position: int) -> float:
        """Seconds until the question at `position` (1 = next) is answered."""
        per_s = self.dispatcher.finished_per_s  # measured pace, all replicas together
        if per_s:
            return position / per_s
        return position * DEFAULT_ANSWER_S / self.pool.workers

    def submit(self, question: SlackQuestion) -> Admission:
        """Store the question (committed on return) and say where it stands in line."""
        try:
            waiting = self.dispatcher.waiting()  # counted every poll_s, not per question
            position = waiting + 1
            wait_s = self.estimate_wait_s(position)
            if waiting >= self.options.max_queued or wait_s > self.options.max_wait_s:
                logger.info("refused a question: %d waiting, about %.0f s", waiting, wait_s)
                return Admission(False, BUSY, position, wait_s)
            # under the records' DeadlineGuard, within ACK_DEADLINE_S: a hung database
            # does not hold the acknowledgement (and a late commit is refused)
            self.records.guard.call(lambda: self._store(question), transient=TRANSIENT_ERRORS,
                                    deadline_s=ACK_DEADLINE_S)
        except TRANSIENT_ERRORS as exc:  # database away: answered without records
            return self._admit_unrecorded(question, exc)
        except Exception as exc:  # anything else: say so at once, nothing half-stored
            logger.warning("could not queue a question: %s", type(exc).__name__)
            return Admission(False, UNAVAILABLE)
        self.dispatcher.wake()
        return Admission(True, queued_note(position, wait_s), position, wait_s)

    def _store(self, question: SlackQuestion) -> None:
        self.store.add(question.to_record())
        self.dispatcher.admitted()  # at once after the commit, on the same thread (the count)

    def _admit_unrecorded(self, question: SlackQuestion, exc: BaseException) -> Admission:
        """The records database is not answering: the question goes straight to a worker
        (in memory, not durable) and is answered without a record (no 👍/👎 buttons)."""
        if self.pool.try_submit(self._answer_unrecorded, question) is None:
            logger.warning("could not queue a question (%s) and the pool is full",
                           type(exc).__name__)
            # not "busy": trying again in a moment will not help
            full = is_storage_failure(exc) or self.records.write_failures.reason is not None
            return Admission(False, NOT_STORED if full else UNAVAILABLE)
        logger.warning("records unavailable (%s); answering a question without a record",
                       type(exc).__name__)
        return Admission(True, LOOKING, 1)

    def _answer_unrecorded(self, question: SlackQuestion) -> None:
        """Engine, then one post (no retries: no look-up key without the queue row); the
        asker is told why when it cannot be answered or posted."""
        try:
            extra: dict[str, Any] = {"asker": question.asker}  # their pending corrections
            if question.context_question:
                extra["context"] = question.context_question
            answer = self.engine.ask(question.text, **extra)
        except QuestionError as exc:
            self.delivery.tell(question, f":information_source: {escape(str(exc))}")
            return
        except KnowledgeBaseUnavailable:
            logger.warning("knowledge base unavailable; told the asker")
            self.delivery.tell(question, KB_DOWN)
            return
        try:
            while free_at := self.scheduler.reserve(question.channel):  # paced like the rest
                time.sleep(max(0.0, min(free_at - time.time(), 5.0)))
            text = answer_fallback_text(answer)
            blocks = answer_blocks(answer, question.text,
                                   context_question=question.context_question)
            try:
                self.delivery.post_client.chat_postMessage(
                    channel=question.channel, thread_ts=question.thread_ts, text=text,
                    blocks=blocks, unfurl_links=False, unfurl_media=False)
                delivery = "channel"
            except SlackApiError as exc:
                error = exc.response.get("error") if exc.response is not None else None
                if error not in CANNOT_POST or not question.response_url:
                    raise
                self.delivery.send_response_url(question.response_url, text=text,
                                                blocks=blocks)
                delivery = "response_url"
        except Exception:
            with contextlib.suppress(Exception):  # the original error is the one to report
                self.delivery.tell(question, FAILED)
            raise
        logger.info("answer (not recorded): answered=%s confidence=%.2f engine_ms=%.0f via=%s",
                    answer.answered, answer.confidence, answer.latency_ms, delivery)

    # --- answering (on a pool worker) --------------------------------------------------
    def work(self, job: Job, owner: str) -> None:
        """Take `job` one step on: answer it, deliver it, or tell its asker why not.

        Whatever fails, the asker hears about it: expected problems (bad question,
        knowledge base down) with their reason, anything else with an apology, and
        the error itself goes on to the one error handler.

        Except the records database not answering (every store and records call is
        bounded by the guard's deadline): then nothing can be written, not even
        "failed", and the answer may already be posted, so the asker is not told that
        something went wrong. The worker lets the question go: it stays leased in the
        table, its lease runs out, and it is claimed again at its stage once the
        database answers (a `posting` one is looked up in the channel before any post).
        """
        question = SlackQuestion.from_record(job.question)
        try:
            self._work(job, owner, question)
        except TRANSIENT_ERRORS as exc:
            logger.warning("question %d: records unavailable (%s); it resumes when they "
                           "answer", job.id, type(exc).__name__)
        except Exception:
            with contextlib.suppress(Exception):  # the original error is the one to report
                self.delivery.tell(question, FAILED)
                self.store.finish(job.id, owner, "failed")
            raise

    def _work(self, job: Job, owner: str, question: SlackQuestion) -> None:
        age_s = time.time() - job.admitted_at
        if job.stage == ANSWER:
            if age_s > self.options.expiry_s or job.attempts > MAX_ATTEMPTS:
                logger.warning("question %d not answered after %.0f s, %d tries; told the asker",
                               job.id, age_s, job.attempts)
                self._tell_and_finish(job, owner, question, EXPIRED, "expired")
                return
            job = self._answer(job, owner, question)
            if job is None:
                return
        if age_s > self.options.expiry_s and job.stage == DELIVER:  # POSTING: look it up first
            self._tell_and_finish(job, owner, question, EXPIRED, "expired")
            return
        try:
            self.delivery.deliver(job, owner, question)
        except GaveUp as exc:
            logger.warning("answer %s: %s; told the asker", job.answer_id, exc)
            self._tell_and_finish(job, owner, question, FAILED, "failed")

    def _tell_and_finish(self, job: Job, owner: str, question: SlackQuestion, text: str,
                         outcome: str) -> None:
        self.delivery.tell(question, text)
        self.store.finish(job.id, owner, outcome)

    def _answer(self, job: Job, owner: str, question: SlackQuestion) -> Job | None:
        """Run the engine and log the answer; the job at its delivery stage (None: told)."""
        try:
            # a follow-up is searched with its thread's earlier question (AnswerEngine.ask)
            extra: dict[str, Any] = {"asker": question.asker}  # their pending corrections
            if question.context_question:
                extra["context"] = question.context_question
            answer = self.engine.ask(question.text, **extra)
        except QuestionError as exc:
            self._tell_and_finish(job, owner, question, f":information_source: "
                                  f"{escape(str(exc))}", "told")
            return None
        except KnowledgeBaseUnavailable:
            logger.warning("knowledge base unavailable; told the asker")
            self._tell_and_finish(job, owner, question, KB_DOWN, "told")
            return None
        if not self.store.keep(job.id, owner, self.options.lease_s):  # the engine took long:
            logger.warning("question %d: lease lost while answering", job.id)  # not ours now
            return None
        answer_id = self.records.log_answer(
            answer,
            surface=question.surface,
            channel=question.channel,
            asker=question.asker,
            thread_ts=question.thread_ts,
        )
        extras = self._extras(question, answer_id)
        message = {
            "text": answer_fallback_text(answer),
            "blocks": answer_blocks(answer, question.text, **extras),
            "private_blocks": answer_blocks(answer, question.text, vote_buttons_for=answer_id,
                                            **extras),
        }
        if not self.store.answered(job.id, owner, answer_id, message):
            logger.warning("question %d: lease lost while answering", job.id)
            return None
        logger.info("answer %d: answered=%s confidence=%.2f engine_ms=%.0f", answer_id,
                    answer.answered, answer.confidence, answer.latency_ms)
        return replace(job, stage=DELIVER, answer_id=answer_id, message=message)

    def _extras(self, question: SlackQuestion, answer_id: int) -> dict[str, Any]:
        return {"handoff_for": answer_id if self.handoff else None,
                "context_question": question.context_question}
