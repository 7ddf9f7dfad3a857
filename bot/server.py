"""HTTP transport: Bolt behind Starlette under uvicorn, `/slack/events` and `/healthz`.

Slash commands, events and interactivity all POST to `/slack/events`; Bolt
verifies the signature and the 5-minute window before anything else runs.
The Starlette adapter's own handler calls the synchronous `App.dispatch` on the
event loop; here the same request/response conversion is used but dispatch runs
in Starlette's thread pool, so one slow request never stalls the others or the
health check. Bodies larger than `MAX_BODY_BYTES` are refused (413) before they are
read, and a body Bolt cannot parse (broken JSON, not UTF-8) gets a 400 instead of
a 500 from deep inside Bolt.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

EVENTS_PATH = "/slack/events"
# Slack's own payloads stay far below this (a message is at most 40,000 characters).
MAX_BODY_BYTES = 1024 * 1024


class BodyTooLarge(Exception):
    pass


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
) -> Starlette:
    """The ASGI app; `health()` adds fields (model version, queue) to `/healthz`."""

    async def slack_events(request: Request) -> Response:
        try:
            body = await _read_body(request, max_body_bytes)
        except BodyTooLarge:
            return PlainTextResponse("request body too large", status_code=413)
        try:
            bolt_request = to_bolt_request(request, body)
        except ValueError:  # JSONDecodeError, UnicodeDecodeError: not something Slack sent
            return PlainTextResponse("malformed request body", status_code=400)
        bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def healthz(_request: Request) -> JSONResponse:
        return JSONResponse({"ok": True, **(health() if health else {})})

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
