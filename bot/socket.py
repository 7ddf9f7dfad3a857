"""Socket Mode transport: no public URL, Slack pushes requests over a WebSocket."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler


def start_socket_mode(app: App, app_token: str) -> None:
    """Connect with the app-level token (`xapp-...`, `connections:write`) and block."""
    SocketModeHandler(app, app_token).start()
