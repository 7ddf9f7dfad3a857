"""`stylesprint serve --socket`: the same app over Socket Mode (a local WebSocket)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot_harness import APP_TOKEN, bot_settings, eventually
from slack_standin import SlackStandIn

from bot.errors import handle_error
from bot.pool import QuestionPool
from bot.runtime import BotRuntime
from bot.socket import socket_mode_handler
from qa_engine.records import Records


def _ack_for(standin: SlackStandIn, envelope_id: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        acks = [c.params for c in standin.calls_to("socket_ack")]
        return next((a for a in acks if a.get("envelope_id") == envelope_id), None)

    return eventually(find)


def test_socket_mode_command_answer_and_vote(
    engine: Any, standin: SlackStandIn, records: Records, tmp_path: Path
) -> None:
    standin.open_socket()
    settings = bot_settings(tmp_path, standin.api_url, slack={"app_token": APP_TOKEN})
    pool = QuestionPool(workers=1, max_queued=1, on_error=handle_error)
    runtime = BotRuntime.assemble(settings, engine, records, pool, socket_mode=True)
    handler = socket_mode_handler(runtime.app, APP_TOKEN)
    handler.connect()
    try:
        command = {
            "command": "/stylesprint",
            "user_id": "UAGENT1",
            "channel_id": "C0SUPPORT",
            "team_id": standin.team_id,
            "api_app_id": "A0TEST",
            "response_url": standin.response_url("socket-cmd"),
        }
        usage = _ack_for(
            standin, standin.send_envelope("slash_commands", {**command, "text": "help"})
        )
        assert "/stylesprint ask" in usage["payload"]["text"]

        env = standin.send_envelope(
            "slash_commands", {**command, "text": "ask How long is the return window?"}
        )
        assert "Looking that up" in _ack_for(standin, env)["payload"]["text"]
        (post,) = standin.wait_for("chat.postMessage")
        ts = post.response["ts"]
        answer = eventually(lambda: records.find_by_message("C0SUPPORT", ts))

        event = {
            "type": "reaction_added",
            "user": "UAGENT2",
            "reaction": "+1",
            "item": {"type": "message", "channel": "C0SUPPORT", "ts": ts},
        }
        standin.send_envelope(
            "events_api",
            {
                "type": "event_callback",
                "event_id": "EvSock1",
                "team_id": standin.team_id,
                "api_app_id": "A0TEST",
                "event": event,
            },
        )
        eventually(lambda: records.votes(answer.id) == {"up": 1, "down": 0})
        assert [c.method for c in standin.calls if c.method == "apps.connections.open"]
    finally:
        handler.close()
        runtime.close()
