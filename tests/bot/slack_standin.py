"""A local stand-in for the Slack Web API and `response_url`s, over real HTTP.

`SlackStandIn().start()` listens on a free port on a thread; point the bot's
`WebClient(base_url=standin.api_url)` at it. It records every call, answers
the methods the bot uses the way Slack documents them, checks the bot token,
and can be told that a channel is closed to the bot (`not_in_channel`,
`is_archived`), which is what exercises the response_url fallback, or to answer
the next calls of a method with an HTTP error (`fail_next`: 429 with Retry-After,
5xx), which is what exercises slack_sdk's retry handlers. It keeps the messages it
was sent (with their metadata) for `conversations.history` / `conversations.replies`,
and can be told to post a message and *then* fail (`fail_after_post`: a 5xx whose
message is in the channel anyway) or to answer slowly (`delay_next`). It knows who is in
which channel (`conversations.members`: `members[channel]`, else `ROSTER`, the test
workspace's people), which channels are Slack Connect ones (`conversations.info`:
`shared_channels`), and the app the bot token belongs to (`bots.info`: `app_id`).
"""

from __future__ import annotations

import itertools
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

# Everyone the tests act as: a channel without its own `members` entry has all of them.
ROSTER = (*(f"UAGENT{n}" for n in range(1, 101)),  # the fault tests' agents, numbered
          "U0", "U1", "U2", "U3", "ULEAD", "UASK", "UBOSS", "UBUTTON", "UDELETED",
          "UV1", "UV2", "UV3", "UB2", "UALICE", "UBOB",
          *(f"UVOTE{n}" for n in range(0, 50)), "UFULL1", "UFULL2",
          *(f"UFLIP{n}" for n in range(0, 20)), *(f"UGONE{n}" for n in range(0, 20)))


@dataclass
class Call:
    method: str  # Web API method ("chat.postMessage") or "response_url"
    params: dict[str, Any]
    path: str = ""
    response: Any = None
    at: float = field(default_factory=time.time)


class SlackStandIn:
    def __init__(
        self,
        token: str = "xoxb-test-token",
        app_token: str = "xapp-test-token",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        team_id: str = "T0TEST",
        app_id: str = "A0TEST",
    ) -> None:
        self.token, self.app_token = token, app_token
        self.bot_user_id, self.bot_id, self.team_id = bot_user_id, bot_id, team_id
        self.app_id = app_id
        self.members: dict[str, list[str]] = {}  # conversations.members (else ROSTER)
        self.shared_channels: set[str] = set()  # conversations.info: is_ext_shared
        self.calls: list[Call] = []
        self.closed_channels: dict[str, str] = {}
        self.bot_users: set[str] = set()
        self.users_without_profile: set[str] = set()  # users.info says ok, names no user
        self.usergroups: dict[str, list[str]] = {}  # usergroups.users.list answers
        self.home_views: dict[str, dict[str, Any]] = {}  # views.publish: user -> latest view
        self._ts = itertools.count(1)
        self._cond = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ws_server: Any = None
        self._outbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self._failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self._after: dict[str, list[int]] = {}  # method -> statuses sent after handling
        self._delays: dict[str, list[float]] = {}  # method -> seconds to wait before answering
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> posted, oldest first

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> SlackStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 (conversations.history & co. are GETs)
                path, _, query = self.path.partition("?")
                self.path = path
                self._answer(query, {**dict(self.headers),
                                     "Content-Type": "application/x-www-form-urlencoded"})

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(self.rfile.read(length).decode("utf-8"), dict(self.headers))

            def _answer(self, raw: str, headers: dict[str, str]) -> None:
                failure = standin._injected_failure(self.path, raw)
                if failure is not None:
                    status, fail_headers = failure
                    self.send_response(status)
                    for name, value in fail_headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                delay = standin._planned(standin._delays, self.path)
                if delay:
                    time.sleep(delay)
                status, payload = standin._handle(self.path, headers, raw)
                after = standin._planned(standin._after, self.path)
                if after:  # handled (and recorded), then an error: the caller cannot tell
                    self.send_response(after)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = payload if isinstance(payload, str) else json.dumps(payload)
                data = body.encode("utf-8")
                self.send_response(status)
                ctype = "text/plain" if isinstance(payload, str) else "application/json"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._ws_server is not None:
            self._ws_server.shutdown()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    # --- Socket Mode -------------------------------------------------------------------
    def open_socket(self) -> str:
        """Serve Socket Mode's WebSocket; `apps.connections.open` then hands out its URL."""
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.server import serve

        def session(ws: Any) -> None:
            ws.send(
                json.dumps(
                    {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0TEST"}}
                )
            )
            while True:
                try:
                    ws.send(json.dumps(self._outbox.get(timeout=0.02)))
                except queue.Empty:
                    pass
                try:
                    self._record(Call("socket_ack", json.loads(ws.recv(timeout=0.02))))
                except TimeoutError:
                    pass
                except ConnectionClosed:
                    return

        self._ws_server = serve(session, "127.0.0.1", 0)
        threading.Thread(target=self._ws_server.serve_forever, daemon=True).start()
        return self.socket_url

    @property
    def socket_url(self) -> str:
        return f"ws://127.0.0.1:{self._ws_server.socket.getsockname()[1]}/link"

    def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Push a Socket Mode envelope ("slash_commands", "events_api", "interactive")."""
        envelope_id = f"env-{next(self._ts)}"
        self._outbox.put(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
        )
        return envelope_id

    # --- configuration -----------------------------------------------------------------
    def close_channel(self, channel: str, error: str = "not_in_channel") -> None:
        self.closed_channels[channel] = error

    def add_bot_user(self, user_id: str) -> None:
        self.bot_users.add(user_id)

    def drop_user_profile(self, user_id: str) -> None:
        """`users.info` for this id answers `{"ok": true}` without a `user` (a deleted user)."""
        self.users_without_profile.add(user_id)

    def fail_next(
        self, method: str, status: int, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Answer the next `times` calls of `method` ("chat.postMessage", or "response_url")
        with HTTP `status` (and a Retry-After header), recorded as `Call(method + "!")`."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._cond:
            self._failures.setdefault(method, []).extend([(status, headers)] * times)

    def fail_after_post(self, method: str, status: int = 500, times: int = 1) -> None:
        """Handle the next `times` calls of `method` (a message is posted), then answer
        HTTP `status` instead of the result."""
        with self._cond:
            self._after.setdefault(method, []).extend([status] * times)

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Wait `seconds` before handling each of the next `times` calls of `method`."""
        with self._cond:
            self._delays.setdefault(method, []).extend([seconds] * times)

    def _planned(self, plans: dict[str, list[Any]], path: str) -> Any:
        method = "response_url" if path.startswith("/response/") else \
            path[len("/api/"):].split("?", 1)[0]
        with self._cond:
            plan = plans.get(method)
            return plan.pop(0) if plan else None

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """The messages in `channel` (thread replies included), oldest first."""
        with self._cond:
            return list(self.messages.get(channel, []))

    def _injected_failure(self, path: str, raw: str) -> tuple[int, dict[str, str]] | None:
        if path.startswith("/response/"):
            method = "response_url"
        else:
            method = path[len("/api/") :].split("?", 1)[0]
        with self._cond:
            plan = self._failures.get(method)
            if not plan:
                return None
            status, headers = plan.pop(0)
            self.calls.append(Call(method + "!", {"status": status}, path, response=status))
            self._cond.notify_all()
        return status, headers

    # --- inspection --------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60.0) -> list[Call]:
        """Block until `method` has been called `count` times; the matching calls."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.method for c in self.calls})
                    raise TimeoutError(f"{method} called {len(found)}/{count} times; saw {seen}")
                self._cond.wait(left)

    # --- the API -----------------------------------------------------------------------
    def _handle(self, path: str, headers: dict[str, str], raw: str) -> tuple[int, Any]:
        lower = {k.lower(): v for k, v in headers.items()}
        params = _parse_body(raw, lower.get("content-type", ""))
        if path.startswith("/response/"):
            self._record(Call("response_url", params, path, response="ok"))
            return 200, "ok"
        if not path.startswith("/api/"):
            return 404, {"ok": False, "error": "not_found"}
        method = path[len("/api/") :].split("?", 1)[0]
        token = lower.get("authorization", "").removeprefix("Bearer ") or params.get("token")
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        expected = self.app_token if method == "apps.connections.open" else self.token
        if token != expected:
            response: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
        elif handler is None:
            response = {"ok": False, "error": "unknown_method"}
        else:
            response = handler(params)
        self._record(Call(method, params, path, response=response))
        return 200, response

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_700_000_000 + n}.{n:06d}"

    def _api_auth_test(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://stylesprint-test.slack.com/",
            "team": "StyleSprint Test",
            "user": "stylesprint",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        channel = params.get("channel")
        if channel in self.closed_channels:
            return {"ok": False, "error": self.closed_channels[channel]}
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "ts": ts,
            "text": params.get("text", ""),
            "blocks": params.get("blocks", []),
        }
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        if params.get("metadata"):
            metadata = params["metadata"]
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        with self._cond:
            self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _history(self, channel: str | None, params: dict[str, Any],
                 keep: Any) -> dict[str, Any]:
        """Newest first, like Slack; metadata only with include_all_metadata. `oldest` is
        not applied (the stand-in's ts are not wall-clock times)."""
        if not channel or channel in self.closed_channels:
            return {"ok": False, "error": self.closed_channels.get(channel or "",
                                                                   "channel_not_found")}
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(params.get("limit") or 100)
        found = []
        for message in reversed(self.posted(channel)):
            if keep(message):
                found.append(message if with_metadata else
                             {k: v for k, v in message.items() if k != "metadata"})
        return {"ok": True, "messages": found[:limit], "has_more": len(found) > limit}

    def _api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._history(params.get("channel"), params,
                             lambda m: m.get("thread_ts") in (None, m["ts"]))

    def _api_conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        thread = params.get("ts")
        return self._history(params.get("channel"), params,
                             lambda m: m.get("thread_ts") == thread or m["ts"] == thread)

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        channel = params.get("channel")
        if channel in self.closed_channels:
            return {"ok": False, "error": self.closed_channels[channel]}
        return {"ok": True, "message_ts": self._next_ts()}

    def _api_views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = dict(params.get("view") or {})
        view.update({"id": f"V{next(self._ts):08d}", "team_id": self.team_id})
        return {"ok": True, "view": view}

    def _api_chat_getPermalink(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        channel, ts = params.get("channel"), params.get("message_ts")
        if not channel or not ts:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel,
                "permalink": f"https://stylesprint-test.slack.com/archives/{channel}/"
                             f"p{str(ts).replace('.', '')}"}

    def _api_views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        """Slack's limits on a Home tab: 100 blocks, 3,000 characters in a section's text."""
        user, view = params.get("user_id"), params.get("view")
        if not user or not isinstance(view, dict) or view.get("type") != "home":
            return {"ok": False, "error": "invalid_arguments"}
        blocks = view.get("blocks") or []
        too_long = any(len((b.get("text") or {}).get("text", "")) > 3000 for b in blocks)
        if len(blocks) > 100 or too_long:
            return {"ok": False, "error": "invalid_blocks"}
        self.home_views[user] = view
        return {"ok": True, "view": {**view, "id": f"V{next(self._ts):08d}"}}

    def _api_usergroups_users_list(self, params: dict[str, Any]) -> dict[str, Any]:
        group = params.get("usergroup")
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def _api_views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("view_id") and not params.get("external_id"):
            return {"ok": False, "error": "not_found"}
        return {"ok": True, "view": {**(params.get("view") or {}), "id": params.get("view_id")}}

    def _api_apps_connections_open(self, _params: dict[str, Any]) -> dict[str, Any]:
        if self._ws_server is None:
            return {"ok": False, "error": "socket_mode_not_enabled"}
        return {"ok": True, "url": self.socket_url}

    def _api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = params.get("user")
        if not user:
            return {"ok": False, "error": "user_not_found"}
        if user in self.users_without_profile:
            return {"ok": True}
        return {"ok": True, "user": {"id": user, "is_bot": user in self.bot_users}}


    def _api_bots_info(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("bot") != self.bot_id:
            return {"ok": False, "error": "bot_not_found"}
        return {"ok": True, "bot": {"id": self.bot_id, "deleted": False, "name": "stylesprint",
                                    "app_id": self.app_id, "user_id": self.bot_user_id}}

    def _api_conversations_members(self, params: dict[str, Any]) -> dict[str, Any]:
        """Two pages of members when there are more than two (Slack paginates)."""
        channel = params.get("channel")
        if not channel or channel in self.closed_channels:
            return {"ok": False, "error": self.closed_channels.get(channel or "",
                                                                   "channel_not_found")}
        members = list(self.members.get(channel, ROSTER))
        half = len(members) // 2 if len(members) > 2 else len(members)
        if params.get("cursor") == "page2":
            return {"ok": True, "members": members[half:],
                    "response_metadata": {"next_cursor": ""}}
        return {"ok": True, "members": members[:half],
                "response_metadata": {"next_cursor": "page2" if half < len(members) else ""}}

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        shared = channel in self.shared_channels
        return {"ok": True, "channel": {"id": channel, "is_channel": True,
                                        "is_shared": shared, "is_ext_shared": shared}}


def _parse_body(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    for key in ("blocks", "view", "attachments"):  # JSON-encoded inside form bodies
        if isinstance(params.get(key), str):
            params[key] = json.loads(params[key])
    return params
