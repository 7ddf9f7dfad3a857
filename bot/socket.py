"""Socket Mode transport: no public URL, Slack pushes requests over a WebSocket."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler


def socket_mode_handler(app: App, app_token: str) -> SocketModeHandler:
    """The handler for `app`; its Web API calls (apps.connections.open) use `app.client`."""
    return SocketModeHandler(app, app_token)


def start_socket_mode(app: App, app_token: str) -> None:
    """Connect with the app-level token (`xapp-...`, `connections:write`) and block."""
    socket_mode_handler(app, app_token).start()
