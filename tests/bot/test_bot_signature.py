"""Only requests signed by Slack, within five minutes, reach the bot (Bolt's verification)."""

from __future__ import annotations

import time

import httpx
from bot_harness import SIGNING_SECRET, BotServer
from slack_sdk.signature import SignatureVerifier

# docs.slack.dev/authentication/verifying-requests-from-slack: the worked example.
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = "1531420618"
DOC_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F39770088"
    "5554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447"
    "fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


class _FixedClock:
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def test_slacks_documented_test_vector_verifies() -> None:
    verifier = SignatureVerifier(DOC_SECRET, clock=_FixedClock(float(DOC_TIMESTAMP) + 60))
    assert verifier.generate_signature(timestamp=DOC_TIMESTAMP, body=DOC_BODY) == DOC_SIGNATURE
    assert verifier.is_valid(DOC_BODY, DOC_TIMESTAMP, DOC_SIGNATURE)
    assert not verifier.is_valid(DOC_BODY + "x", DOC_TIMESTAMP, DOC_SIGNATURE)
    late = SignatureVerifier(DOC_SECRET, clock=_FixedClock(float(DOC_TIMESTAMP) + 301))
    assert not late.is_valid(DOC_BODY, DOC_TIMESTAMP, DOC_SIGNATURE)  # outside 5 minutes


def test_the_endpoint_accepts_signed_and_rejects_forged_or_stale_requests(
    bot_server: BotServer,
) -> None:
    ok = bot_server.command("help")
    assert ok.status_code == 200 and "/stylesprint ask" in ok.json()["text"]

    body = "command=%2Fstylesprint&text=help&user_id=U1&channel_id=C1&team_id=T0TEST"
    ctype = "application/x-www-form-urlencoded"
    wrong_key = (
        "v0="
        + SignatureVerifier("not-the-secret").generate_signature(
            timestamp=str(int(time.time())), body=body
        )[3:]
    )
    assert bot_server.signed_post(body, ctype, signature=wrong_key).status_code == 401
    assert bot_server.signed_post(body, ctype, signature="v0=" + "0" * 64).status_code == 401
    stale = int(time.time()) - 6 * 60
    # correctly signed, but six minutes old
    assert bot_server.signed_post(body, ctype, timestamp=stale).status_code == 401
    future = int(time.time()) + 6 * 60
    assert bot_server.signed_post(body, ctype, timestamp=future).status_code == 401
    # Nothing reached a listener: the only Web API calls are the start-up's auth.test (Bolt's,
    # and the allow-list's) and bots.info (the app the token belongs to: bot/tenancy.py).
    assert {c.method for c in bot_server.standin.calls} == {"auth.test", "bots.info"}
    assert SIGNING_SECRET == DOC_SECRET  # the fixtures sign with the documented secret


def test_health_endpoint(bot_server: BotServer) -> None:
    response = httpx.get(bot_server.url + "/healthz", timeout=10)
    assert response.status_code == 200 and response.json()["ok"] is True
