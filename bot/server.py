"""HTTP transport: Bolt behind Starlette under uvicorn, `/slack/events` and `/healthz`.

Slash commands, events and interactivity all POST to `/slack/events`. Before Bolt
sees a request, this module checks it the way Bolt would but without its failure
modes (`check_request`): a missing, non-numeric or stale timestamp and a bad
signature get 401; a signed body that is not a JSON object or a form (`[]`, `null`,
`payload=[1,2]`) gets 400; neither leaves a traceback. Bolt then verifies the
signature again (its own middleware, kept as the second line).
The Starlette adapter's own handler calls the synchronous `App.dispatch` on the
event loop; here the same request/response conversion is used but dispatch runs
in Starlette's thread pool, so one slow request never stalls the others or the
health check. Bodies larger than `MAX_BODY_BYTES` are refused (413) before they are
read, and a body Bolt cannot parse (broken JSON, not UTF-8) gets a 400 instead of
a 500 from deep inside Bolt.

Bolt's own body parser has a bug worked around here (`parse_slack_body`): in
slack-bolt 1.30.0 (`slack_bolt/request/internals.py`, `parse_body`) any form body that
*contains* the substring "payload" is treated as an interactivity payload, so a slash
command such as `/stylesprint ask What is the payload limit?` parses as `{}` and is
answered 404: the question is lost. The body is parsed here (a form is an interaction
only when it has a `payload` field) and the parsed dict replaces Bolt's. To be
reported upstream (slackapi/bolt-python) with that version; the workaround is
harmless once fixed, because both parsers then agree.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_bolt.request.internals import build_context
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

EVENTS_PATH = "/slack/events"
# Slack's own payloads stay far below this (a message is at most 40,000 characters).
MAX_BODY_BYTES = 1024 * 1024


logger = logging.getLogger(__name__)
#: How old (or how far in the future) a request's timestamp may be: Slack's 5 minutes.
SIGNATURE_WINDOW_S = 5 * 60


class BodyTooLarge(Exception):
    pass


class RejectedRequest(Exception):
    """A request refused before Bolt sees it; `status` is the HTTP answer (400, 401)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_slack_body(raw: str, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt should read it; RejectedRequest(400) if it is not an object.

    JSON (Events API) when the content type says so or it starts with "{"; otherwise a
    form, which is an interaction only when it has a `payload` field (see the module
    docstring for Bolt's substring test this replaces).
    """
    if not raw:
        return {}
    try:
        if content_type == "application/json" or raw.startswith("{"):
            body = json.loads(raw)
        else:
            params = dict(parse_qsl(raw, keep_blank_values=True))
            body = json.loads(params["payload"]) if "payload" in params else params
    except ValueError as exc:  # JSONDecodeError
        raise RejectedRequest(400, "malformed request body") from exc
    if not isinstance(body, dict):
        raise RejectedRequest(400, "malformed request body")
    return body


def check_signature(
    verifier: SignatureVerifier, raw: str, headers: Any, now: float | None = None
) -> None:
    """RejectedRequest(401) unless the request is signed with the secret, within 5 minutes.

    `SignatureVerifier.is_valid` raises ValueError on a non-numeric timestamp (a 500
    with a traceback in Bolt), so the header is checked first.
    """
    timestamp = headers.get("x-slack-request-timestamp") or ""
    signature = headers.get("x-slack-signature") or ""
    # isascii(): str.isdigit() is also True for "²" and other digits int() refuses
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
        raise RejectedRequest(401, "missing or malformed signature headers")
    if abs((time.time() if now is None else now) - int(timestamp)) > SIGNATURE_WINDOW_S:
        raise RejectedRequest(401, "stale request timestamp")
    if not verifier.is_valid(raw, timestamp, signature):
        raise RejectedRequest(401, "invalid signature")


def to_bolt_request(request: Request, raw: str, body: dict[str, Any]) -> BoltRequest:
    """A BoltRequest over the raw body (for Bolt's signature check) with `body` as parsed here."""
    bolt_request = BoltRequest(body="", query=request.query_params,  # type: ignore[arg-type]
                               headers=request.headers)  # type: ignore[arg-type]
    bolt_request.raw_body = raw
    bolt_request.body = body
    bolt_request.context = build_context(BoltContext({}), body)
    return bolt_request


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, or BodyTooLarge as soon as it (or its declared length) passes `limit`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def create_asgi_app(
    bolt_app: App,
    health: Callable[[], dict[str, Any]] | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    signing_secret: str | None = None,
) -> Starlette:
    """The ASGI app.

    `health()` is the body of `/healthz`; its `ok` field (False when a check fails,
    bot/health.py) makes the status 503. `signing_secret` defaults to the one the Bolt
    app was built with.
    """
    secret = signing_secret if signing_secret is not None else bolt_app._signing_secret
    verifier = SignatureVerifier(secret)

    async def slack_events(request: Request) -> Response:
        try:
            data = await _read_body(request, max_body_bytes)
        except BodyTooLarge:
            return PlainTextResponse("request body too large", status_code=413)
        try:
            raw = data.decode("utf-8")
        except UnicodeDecodeError:  # not something Slack sent
            return PlainTextResponse("malformed request body", status_code=400)
        try:
            check_signature(verifier, raw, request.headers)
            ctype = (request.headers.get("content-type") or "").split(";")[0].strip()
            body = parse_slack_body(raw, ctype or None)
        except RejectedRequest as exc:
            logger.info("refused a request: %s (HTTP %d)", exc.reason, exc.status)
            return PlainTextResponse(exc.reason, status_code=exc.status)
        bolt_request = to_bolt_request(request, raw, body)
        bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> JSONResponse:
        report = {"ok": True, **(await run_in_threadpool(health) if health else {})}
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    return Starlette(
        routes=[
            Route(EVENTS_PATH, slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def make_server(asgi_app: Starlette, *, log_level: str = "info") -> Any:
    """A uvicorn server for `asgi_app` (started with `serve(server, host, port)`)."""
    import uvicorn

    config = uvicorn.Config(
        asgi_app,
        log_level=log_level,
        # No logging set-up of uvicorn's own: its records go to the process's handlers,
        # with their format and their redaction (qa_engine/logs.py).
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=10,
    )
    return uvicorn.Server(config)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port (see `sock.getsockname()`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(server: Any, sock: socket.socket) -> None:
    """Run uvicorn on an already-bound socket until it is told to exit."""
    server.run(sockets=[sock])
