"""The one error handler, and what an agent is told when a listener fails after its ack.

`handle_error` (Bolt's global `@app.error` and the question pool both use it) logs
the exception type and the kind of request, never the payload (which holds message
text and may hold tokens); the traceback is at debug level.

`after_ack` wraps every listener at registration (bot/listeners/<kind>/__init__.py).
A listener that fails is reported to `handle_error` and the agent is told, privately
and in one line, what kind of thing went wrong (`reason()`: the records database,
Slack, an answer no longer on record, or "something on our side"), never a traceback:
via the request's `response_url` when it has one, else `chat.postEphemeral`. The
exception never reaches Bolt: in slack-bolt 1.30.0 a listener that calls `ack()` and
then raises has its acknowledgement cleared by `ThreadListenerRunner`
(`ack.response = None`), so Slack got a 404 three seconds later and the agent nothing.
Before the listener runs, a request already handled (a retry, a replay) is dropped
(`bot.idempotency`): events are acknowledged by Bolt before any listener, block
actions are acknowledged here first, so neither waits on the database for its ack.
A listener that failed before acknowledging is acknowledged here: a modal
submission with the reason shown on its first input (the modal stays open, nothing
typed is lost), anything else with an empty 200.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.kwargs_injection.args import Args
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient
from sqlalchemy.exc import DBAPIError, DisconnectionError, TimeoutError

from bot.idempotency import ONCE, Once, key_of
from qa_engine.db import DatabaseUnavailable
from qa_engine.records import UnknownAnswer

logger = logging.getLogger("bot")

FAILED_AFTER_ACK = ":warning: Sorry, that didn't work: {reason}. Please try again in a few minutes."


def handle_error(error: BaseException, body: dict[str, Any] | None = None) -> None:
    logger.error(
        "unhandled %s while handling %s: %s",
        type(error).__name__,
        request_kind(body),
        _safe_message(error),
    )
    logger.debug("traceback", exc_info=error)


def request_kind(body: dict[str, Any] | None) -> str:
    """"event reaction_added", "/stylesprint", "block_actions", ... (never content)."""
    kind = None
    if body:
        kind = body.get("type") or body.get("command")
        if body.get("type") == "event_callback":
            kind = f"event {(body.get('event') or {}).get('type')}"
    return str(kind or "a job")


def _safe_message(error: BaseException) -> str:
    """Slack API errors: just Slack's error code (the full response may echo text)."""
    response = getattr(error, "response", None)
    if response is not None and hasattr(response, "get"):
        return str(response.get("error"))
    return str(error)[:200]


def reason(error: BaseException) -> str:
    """The category of a failure, in words an agent can act on (no details, no traceback)."""
    if isinstance(error, (DatabaseUnavailable, DBAPIError, DisconnectionError, TimeoutError)):
        return "the records database is not answering"
    if isinstance(error, UnknownAnswer):
        return "that answer is no longer on record"
    if isinstance(error, SlackApiError):
        return f"Slack refused the request ({_safe_message(error)})"
    if isinstance(error, (SlackClientError, OSError)):
        return "Slack could not be reached"
    return "something went wrong on our side"


def tell_agent(client: Any, body: dict[str, Any], context: Any, text: str) -> bool:
    """`text` to the agent behind `body`, privately; False when there is no way to reach them."""
    response_url = body.get("response_url")
    if response_url:
        retry_handlers = getattr(client, "retry_handlers", None)
        response = WebhookClient(response_url, retry_handlers=retry_handlers).send(
            text=text, response_type="ephemeral", replace_original=False
        )
        return response.status_code == 200
    channel, user = context.get("channel_id"), context.get("user_id")
    if client is None or not channel or not user:
        return False
    client.chat_postEphemeral(channel=channel, user=user, text=text)
    return True


def after_ack(listener: Callable[..., Any]) -> Callable[[Args], None]:
    """`listener`, made to report its failures instead of raising them (module docstring).

    Bolt injects one `Args` (the parameter is named `args`); the listener gets the
    arguments it names, as if Bolt had called it directly.
    """
    names = list(inspect.signature(listener).parameters)

    def run(args: Args) -> None:
        kwargs = {n: getattr(args, n) if hasattr(args, n) else args.context.get(n)
                  for n in names}
        once: Once | None = args.context.get(ONCE)
        key = _claim(once, args)
        if key is False:
            return
        try:
            listener(**kwargs)
            if once is not None and isinstance(key, str) and _refused(args):
                once.release(key)  # "please fill in ...": the corrected submission must run
        except Exception as exc:
            if once is not None and isinstance(key, str):
                with contextlib.suppress(Exception):
                    once.release(key)
            handle_error(exc, args.body)
            text = FAILED_AFTER_ACK.format(reason=reason(exc))
            if args.ack.response is None and _refuse_submission(args, text):
                return
            if args.ack.response is None:
                args.ack()
            with contextlib.suppress(Exception):  # the error above is the one to report
                if not tell_agent(args.client, args.body, args.context, text):
                    logger.warning("could not tell the agent about the failed %s",
                                   request_kind(args.body))

    run.__name__ = run.__qualname__ = listener.__name__
    run.__module__ = listener.__module__
    run.__doc__ = listener.__doc__
    return run


def _refuse_submission(args: Args, text: str) -> bool:
    """A failed modal submission: keep the modal open, the reason on its first input."""
    view = args.view or {}
    if args.body.get("type") != "view_submission":
        return False
    block_id = next((b.get("block_id") for b in view.get("blocks") or []
                     if b.get("type") == "input" and b.get("block_id")), None)
    if block_id is None:
        return False
    args.ack(response_action="errors", errors={block_id: text.removeprefix(":warning: ")})
    return True


def _claim(once: Once | None, args: Args) -> str | bool | None:
    """The request's claimed idempotency key; False for a request already handled (dropped
    here, acknowledged); None when there is nothing to claim. Slash commands claim their
    own key (bot/listeners/commands/stylesprint.py): their ack text depends on it."""
    body = args.body
    if once is None or body.get("command"):
        return None
    if body.get("type") == "block_actions" and args.ack.response is None:
        args.ack()  # before the claim: the claim may wait on the database
    key = key_of(body)
    if key is None or once.claim(key):
        return key
    retry = (args.request.headers.get("x-slack-retry-num") or ["0"])[0]
    logger.info("dropped a repeated %s (retry %s)", request_kind(body), retry)
    if args.ack.response is None:
        args.ack()
    return False


def _refused(args: Args) -> bool:
    """The listener acknowledged with `response_action: errors` (a modal refused)."""
    try:
        reply = json.loads(getattr(args.ack.response, "body", "") or "{}")
    except ValueError:
        return False
    return isinstance(reply, dict) and reply.get("response_action") == "errors"
