"""Delivering a queued answer to Slack exactly once, and private notes to the asker.

chat.postMessage is not idempotent, and a timeout or a 5xx does not say whether
Slack posted the message (field report: a 500 after the post, retried by
slack_sdk's `ServerErrorRetryHandler`, gave two copies; a 33 s post gave an
apology at 30 s and an answer whose votes were ignored). So:

* answers are posted with a client that never retries on its own, and carry a
  client-side key in their message metadata (`event_payload.key`, the queue row's
  key);
* the queue row is marked `posting` before the call; after a timeout, a 5xx, or a
  crash mid-post, the next attempt first looks the key up (conversations.history,
  or conversations.replies for a thread) and posts again only when the message is
  not there `verify_s` after the attempt;
* a 429 hands the question back to the queue until the channel's Retry-After
  (`PostScheduler`), so no worker sleeps, and every channel is paced.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.blocks import notice_blocks
from bot.queue_pacing import PostScheduler
from bot.state import Job, QuestionStore
from bot.state.questions import DELIVER, POSTING
from qa_engine.records import Records

if TYPE_CHECKING:
    from bot.answering import SlackQuestion

logger = logging.getLogger(__name__)

METADATA_EVENT = "stylesprint_answer"
LOOKUP_LIMIT = 200  # messages read back per look-up (the answer is among the newest)
MAX_POSTS = 3  # chat.postMessage attempts that failed before the asker is told

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


class GaveUp(Exception):
    """Slack kept failing: the answer could not be posted (the caller tells the asker)."""


class Unverifiable(Exception):
    """Slack will not let the bot read the channel back (missing scope, not a member)."""


def no_retry_client(client: WebClient) -> WebClient:
    """`client`'s token, URL and timeout, without retry handlers: for non-idempotent calls."""
    return WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout,
                     retry_handlers=[])


def retry_after_s(response: Any, default: float = 1.0) -> float:
    headers = {str(k).lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return default


class Delivery:
    """Posts answers (once) and private notes for `Answerer`."""

    def __init__(self, client: WebClient, post_client: WebClient | None, store: QuestionStore,
                 records: Records, scheduler: PostScheduler, *, verify_s: float) -> None:
        self.client = client  # look-ups and private notes (safe to retry)
        self._post_client = post_client
        self.store, self.records, self.scheduler = store, records, scheduler
        self.verify_s = verify_s

    @property
    def post_client(self) -> WebClient:
        if self._post_client is None:
            self._post_client = no_retry_client(self.client)
        return self._post_client

    # --- answers -----------------------------------------------------------------------
    def deliver(self, job: Job, owner: str, question: SlackQuestion) -> None:
        """Post the answer of `job`, or hand it back to the queue to try later."""
        assert job.message is not None and job.answer_id is not None
        stage = job.stage
        if stage == POSTING:  # posted before, outcome unknown: look before posting again
            try:
                ts = self.find_posted(job, question)
            except Unverifiable as exc:
                logger.warning("answer %d: cannot check the channel (%s); sent privately",
                               job.answer_id, exc)
                self._private_answer(job, owner, question, outcome="unverified")
                return
            except Exception as exc:  # Slack unreachable: look again later
                logger.warning("answer %d: look-up failed (%s); later", job.answer_id,
                               type(exc).__name__)
                self.store.defer(job.id, owner, time.time() + self.verify_s)
                return
            if ts is not None:
                logger.info("answer %d: found posted as %s", job.answer_id, ts)
                self._delivered(job, owner, "channel", ts)
                return
            checked_until = (job.posted_at or 0.0) + self.verify_s
            if time.time() < checked_until:  # Slack may still be posting it
                self.store.defer(job.id, owner, checked_until)
                return
            if job.posts >= MAX_POSTS:
                raise GaveUp(f"chat.postMessage failed {job.posts} times")
            stage = DELIVER  # not posted: post it (with the same key)
        free_at = self.scheduler.reserve(question.channel)
        if free_at:
            self.store.defer(job.id, owner, free_at, stage=stage)
            return
        if not self.store.posting(job.id, owner):
            logger.warning("question %d: lease lost before posting", job.id)
            return
        try:
            response = self.post_client.chat_postMessage(
                channel=question.channel,
                thread_ts=question.thread_ts,
                text=job.message["text"],
                blocks=job.message["blocks"],
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": METADATA_EVENT,
                          "event_payload": {"key": job.key, "answer_id": job.answer_id}},
            )
        except SlackApiError as exc:
            self._post_failed(job, owner, question, exc)
            return
        except OSError as exc:  # timeout, connection reset: it may have been posted
            logger.warning("answer %d: post outcome unknown (%s); will look it up",
                           job.answer_id, type(exc).__name__)
            self.store.defer(job.id, owner, time.time() + self.verify_s)
            return
        self._delivered(job, owner, "channel", str(response["ts"]))

    def _post_failed(self, job: Job, owner: str, question: SlackQuestion,
                     exc: SlackApiError) -> None:
        status = getattr(exc.response, "status_code", 200)
        if status == 429:  # not posted: the channel waits, the worker goes on
            until = self.scheduler.rate_limited(question.channel, retry_after_s(exc.response))
            logger.info("answer %d: rate limited for %.0f s", job.answer_id, until - time.time())
            self.store.defer(job.id, owner, until, stage=DELIVER)
            return
        if status >= 500:  # Slack may have posted it before failing
            logger.warning("answer %d: Slack answered %d; will look it up", job.answer_id,
                           status)
            self.store.defer(job.id, owner, time.time() + self.verify_s)
            return
        error = exc.response.get("error") if exc.response is not None else None
        if error in CANNOT_POST and question.response_url:
            logger.info("cannot post in channel (%s); answering via response_url", error)
            self._private_answer(job, owner, question, outcome="response_url")
            return
        raise exc

    def find_posted(self, job: Job, question: SlackQuestion) -> str | None:
        """The ts of the message carrying `job.key`, None if it is not in the channel."""
        oldest = f"{max(0.0, (job.posted_at or job.admitted_at) - 60):.6f}"
        try:
            if question.thread_ts:
                response = self.client.conversations_replies(
                    channel=question.channel, ts=question.thread_ts, oldest=oldest,
                    include_all_metadata=True, limit=LOOKUP_LIMIT)
            else:
                response = self.client.conversations_history(
                    channel=question.channel, oldest=oldest, include_all_metadata=True,
                    limit=LOOKUP_LIMIT)
        except SlackApiError as exc:
            if getattr(exc.response, "status_code", 200) >= 500 or \
                    getattr(exc.response, "status_code", 200) == 429:
                raise
            raise Unverifiable(str(exc.response.get("error"))) from exc
        for message in response.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == job.key:
                return str(message["ts"])
        return None

    def _delivered(self, job: Job, owner: str, delivery: str, ts: str | None) -> None:
        total_ms = (time.time() - job.admitted_at) * 1000
        assert job.answer_id is not None
        self.records.mark_delivered(job.answer_id, delivery=delivery, message_ts=ts,
                                    total_ms=total_ms)
        self.store.finish(job.id, owner, delivery)
        logger.info("answer %d delivered via %s, total_ms=%.0f", job.answer_id, delivery,
                    total_ms)

    def _private_answer(self, job: Job, owner: str, question: SlackQuestion, *,
                        outcome: str) -> None:
        assert job.message is not None
        if question.response_url:
            self.send_response_url(question.response_url, text=job.message["text"],
                                   blocks=job.message["private_blocks"])
            self._delivered(job, owner, "response_url", None)
            return
        self.store.finish(job.id, owner, outcome)

    # --- private notes -----------------------------------------------------------------
    def tell(self, question: SlackQuestion, text: str) -> None:
        """A note only the asker sees: via response_url for commands, ephemeral otherwise."""
        if question.response_url:
            self.send_response_url(question.response_url, text=text, blocks=notice_blocks(text))
        else:
            self.client.chat_postEphemeral(
                channel=question.channel,
                user=question.asker,
                thread_ts=question.thread_ts,
                text=text,
            )

    def send_response_url(self, url: str, *, text: str, blocks: list[dict[str, Any]]) -> None:
        # The Web API client's retry handlers (connection errors, 429, 5xx) apply here too:
        # WebhookClient's default only retries connection errors.
        retry_handlers = getattr(self.client, "retry_handlers", None)
        response = WebhookClient(url, retry_handlers=retry_handlers).send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=False
        )
        if response.status_code != 200:
            raise RuntimeError(f"response_url answered HTTP {response.status_code}")
