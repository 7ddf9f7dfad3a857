"""The in-context system over real HTTP, against the OpenAI-compatible stand-in server."""

from __future__ import annotations

import httpx
import pytest

from qa_engine.settings import Settings
from training.evaluation.base import SystemUnavailable
from training.evaluation.incontext import (
    FEW_SHOT,
    NOT_FOUND,
    SYSTEM_PROMPT,
    ChatClient,
    InContextError,
    InContextSystem,
    build_messages,
    parse_reply,
)
from training.evaluation.standin import StandInServer, answer_for

CONTEXT = (
    "Unworn items with tags attached can be returned within 30 days of delivery. "
    "Final-sale items cannot be returned. Refunds go back to the original payment method."
)


def _system(server: StandInServer, **client_args) -> InContextSystem:
    client = ChatClient(server.base_url, "standin-model", backoff=0.01, timeout=5, **client_args)
    return InContextSystem(client)


def test_prompt_asks_for_the_shortest_phrase_or_not_found():
    from qa_engine.types import Passage

    messages = build_messages("Can I return it?", [Passage("p1", CONTEXT, "Returns", "kb")])
    assert messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert "shortest exact phrase" in SYSTEM_PROMPT and NOT_FOUND in SYSTEM_PROMPT
    assert len(messages) == 1 + 2 * len(FEW_SHOT) + 1
    assert messages[-1]["content"].startswith("Context:\n[1] Returns\n")
    assert messages[-1]["content"].endswith("Question: Can I return it?\nAnswer:")
    assert [m["role"] for m in messages[1:3]] == ["user", "assistant"]


def test_parse_reply():
    assert parse_reply("NOT_FOUND") is None
    assert parse_reply("  not found ") is None
    assert parse_reply("") is None
    assert parse_reply('"30 days"') == "30 days"
    assert parse_reply("Answer: 30 days") == "30 days"


def test_standin_answers_deterministically():
    question = "How many days after delivery can unworn items be returned?"
    expected = "Unworn items with tags attached can be returned within 30 days of delivery"
    assert answer_for(CONTEXT, question) == expected
    assert answer_for(CONTEXT, "Do you ship to Canada?") == NOT_FOUND


def test_in_context_system_answers_declines_and_counts_tokens():
    with StandInServer() as server:
        system = _system(server)
        system.warm_up()
        hit = system.answer("How many days after delivery can unworn items be returned?",
                            CONTEXT)
        miss = system.answer("Do you ship to Canada?", CONTEXT)
        system.close()
    assert hit.answered and hit.text.startswith("Unworn items")
    assert hit.reply == hit.text and hit.confidence is None
    # usage is whitespace words of every message (system + few-shot + question) + the reply
    assert hit.tokens > len(SYSTEM_PROMPT.split()) + len(CONTEXT.split())
    assert not miss.answered and miss.candidate is None and miss.tokens > 0
    assert hit.latency > 0
    assert server.requests == 2


@pytest.mark.parametrize("status", [429, 503])
def test_retries_with_backoff_on_throttling_and_server_errors(status):
    with StandInServer(fail_first=2, fail_status=status) as server:
        prediction = _system(server, max_retries=3).answer("Can final-sale items be returned?",
                                                          CONTEXT)
    assert prediction.text == "Final-sale items cannot be returned"
    assert server.requests == 3  # two refusals, then the answer


def test_gives_up_after_the_retry_budget():
    with StandInServer(fail_first=10) as server:
        with pytest.raises(InContextError, match="after 3 attempts"):
            _system(server, max_retries=2).answer("Can final-sale items be returned?", CONTEXT)
    assert server.requests == 3


def test_bad_key_fails_at_once_without_retrying():
    with StandInServer(api_key="right-key") as server:
        with pytest.raises(InContextError, match="401"):
            _system(server, api_key="wrong-key").answer("Can it be returned?", CONTEXT)
        assert server.requests == 0  # refused before counting as a completion request
        ok = _system(server, api_key="right-key").answer("Can final-sale items be returned?",
                                                         CONTEXT)
    assert ok.answered


def test_unreachable_endpoint_is_an_in_context_error():
    with StandInServer() as server:
        url = server.base_url
    client = ChatClient(url, "m", timeout=1, max_retries=1, backoff=0.01)
    with pytest.raises(InContextError, match="ConnectError|after 2 attempts"):
        InContextSystem(client).answer("Anything?", CONTEXT)


def test_from_settings_needs_an_endpoint():
    with pytest.raises(SystemUnavailable, match="OPENAI_BASE_URL"):
        InContextSystem.from_settings(Settings(openai={"base_url": None}))
    with StandInServer(api_key="k") as server:
        settings = Settings(openai={"base_url": server.base_url, "api_key": "k",
                                    "model": "standin"})
        system = InContextSystem.from_settings(settings)
        assert system.answer("Can final-sale items be returned?", CONTEXT).answered


def test_server_speaks_the_openai_wire_format():
    with StandInServer() as server:
        response = httpx.post(server.base_url + "/chat/completions", json={
            "model": "x", "messages": [{"role": "user", "content": "Context:\nA b.\n\nQuestion: "
                                        "c?\nAnswer:"}]})
        bad = httpx.post(server.base_url + "/chat/completions", content=b"{")
    body = response.json()
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    assert bad.status_code == 400
