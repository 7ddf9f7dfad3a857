"""HTTP transport: Bolt behind Starlette under uvicorn, `/slack/events` and `/healthz`.

Slash commands, events and interactivity all POST to `/slack/events`; Bolt
verifies the signature and the 5-minute window before anything else runs.
The Starlette adapter's own handler calls the synchronous `App.dispatch` on the
event loop; here the same request/response conversion is used but dispatch runs
in Starlette's thread pool, so one slow request never stalls the others or the
health check.
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
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

EVENTS_PATH = "/slack/events"


def create_asgi_app(bolt_app: App, health: Callable[[], dict[str, Any]] | None = None) -> Starlette:
    """The ASGI app; `health()` adds fields (model version, queue) to `/healthz`."""

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        bolt_response = await run_in_threadpool(bolt_app.dispatch, to_bolt_request(request, body))
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
