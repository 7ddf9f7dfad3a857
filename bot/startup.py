"""Start-up checks against Slack, before any model loads, each failure one line.

`stylesprint serve` used to find a wrong token in Bolt's constructor (after the
models had loaded) and a disabled Socket Mode only when it connected, each as a long
traceback. `check_slack` asks Slack up front (`auth.test` with the bot token and, in
Socket Mode, `apps.connections.open` with the app-level token) and turns every failure
into a `SlackStartupError` whose message names the setting to fix; `unreachable`
tells a network problem (worth retrying) from a refusal (fix the configuration).
"""

from __future__ import annotations

import logging
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.settings import ServingSettings

DEFAULT_API_URL = "https://slack.com/api/"

# Slack's error codes for a token it does not accept.
_BAD_TOKEN = frozenset({
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
    "not_allowed_token_type", "invalid_token",
})

_TOKEN_HINTS = {
    "SLACK_BOT_TOKEN": "use the app's Bot User OAuth Token (xoxb-..., Settings > Install App; "
                       "reinstall the app if it was revoked)",
    "SLACK_APP_TOKEN": "use an app-level token (xapp-...) with the connections:write scope "
                       "(Basic Information > App-Level Tokens)",
}


class SlackStartupError(RuntimeError):
    """Slack refused the configuration, or could not be reached, at start-up."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


def api_url(settings: ServingSettings) -> str:
    return settings.slack.api_url or DEFAULT_API_URL


def explain(exc: BaseException, setting: str, settings: ServingSettings) -> SlackStartupError:
    """The one-line `SlackStartupError` for a failed start-up call made with `setting`."""
    if isinstance(exc, SlackStartupError):
        return exc
    code = None
    if isinstance(exc, SlackApiError):
        code = exc.response.get("error") if hasattr(exc.response, "get") else None
    elif isinstance(exc, BoltError):  # Bolt's own auth.test: "`token` is invalid (...)"
        code = next((c for c in _BAD_TOKEN if c in str(exc)), None)
    if code == "socket_mode_not_enabled":
        return SlackStartupError(
            "Socket Mode is not enabled for this Slack app (socket_mode_not_enabled): set "
            "`socket_mode_enabled: true` under `settings:` in bot/manifest.yml and paste the "
            "manifest into the app (api.slack.com/apps > App Manifest), or serve over HTTP "
            "without --socket"
        )
    if code in _BAD_TOKEN:
        return SlackStartupError(f"Slack rejected {setting} ({code}): {_TOKEN_HINTS[setting]}")
    if code:
        return SlackStartupError(f"Slack refused the start-up call made with {setting} ({code})")
    if isinstance(exc, (urllib.error.URLError, OSError, SlackClientError)):
        reason = getattr(exc, "reason", None) or exc
        return SlackStartupError(
            f"cannot reach Slack's Web API at {api_url(settings)} ({reason}); check the "
            "network or proxy, or SLACK_API_URL", unreachable=True,
        )
    return SlackStartupError(f"Slack start-up check with {setting} failed: "
                             f"{type(exc).__name__}: {str(exc)[:200]}")


@contextmanager
def _quiet_web_client() -> Iterator[None]:
    """slack_sdk logs every failed try and retry (ERROR, INFO); the outcome is one line here."""
    logger = logging.getLogger("slack_sdk.web.base_client")
    before = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(before)


def check_slack(settings: ServingSettings, client: WebClient, *,
                socket_mode: bool) -> dict[str, Any]:
    """`auth.test` (and `apps.connections.open` for Socket Mode); the auth.test reply."""
    with _quiet_web_client():
        try:
            auth = client.auth_test()
        except Exception as exc:  # SlackApiError, URLError, ...: each explained
            raise explain(exc, "SLACK_BOT_TOKEN", settings) from exc
        if socket_mode and settings.slack.app_token is not None:
            token = settings.slack.app_token.get_secret_value()
            probe = WebClient(token=token, base_url=client.base_url,
                              retry_handlers=client.retry_handlers)
            try:  # the URL it hands out is simply never used; the handler asks for its own
                probe.apps_connections_open(app_token=token)
            except Exception as exc:
                raise explain(exc, "SLACK_APP_TOKEN", settings) from exc
    return dict(auth.data) if hasattr(auth, "data") else {}
