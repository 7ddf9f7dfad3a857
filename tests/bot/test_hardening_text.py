"""Field report row 14: untrusted text in what the bot posts.

Every mrkdwn text object carries `verbatim: true` (Slack then auto-links no bare URL,
channel name or plain @here), zero-width and bidirectional control characters are
stripped from echoes, and Slack's own escaping is decoded once before the engine reads
the question (and encoded once on the way out: no `&amp;amp;`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot_harness import BotServer, eventually

from bot.blocks import answer_blocks, correction_offer_blocks, escape, notice_blocks
from bot.text import from_slack, strip_invisible, unescape_slack
from qa_engine.types import Answer

HIDDEN = ("\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
          "\u2066\u2067\u2068\u2069\ufeff")


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON-like value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def mrkdwn_objects(blocks: Any) -> list[dict]:
    found = []
    if isinstance(blocks, dict):
        if blocks.get("type") == "mrkdwn":
            found.append(blocks)
        for value in blocks.values():
            found += mrkdwn_objects(value)
    elif isinstance(blocks, list):
        for item in blocks:
            found += mrkdwn_objects(item)
    return found


def test_slack_escaping_is_decoded_exactly_once() -> None:
    assert unescape_slack("a &lt;b&gt; &amp; c") == "a <b> & c"
    assert unescape_slack("typed &amp;lt; and &amp;amp;") == "typed &lt; and &amp;"
    assert escape(unescape_slack("Tom &amp; Jerry")) == "Tom &amp; Jerry"  # not &amp;amp;


def test_invisible_characters_are_stripped() -> None:
    assert strip_invisible(f"re{HIDDEN}turn") == "return"
    assert from_slack("\u202eredro\u202c &amp; \u200bwindow") == "redro & window"
    assert escape(f"<!here>{HIDDEN}") == "&lt;!here&gt;"


CONTROLS = "\x00\x01\x07\x08\x0b\x0c\r\x1b\x7f\x85\x9b"


def test_control_characters_become_spaces_tab_and_newline_stay() -> None:
    assert strip_invisible("re\x00turn\twindow\n\x1b[31mred") == "re turn\twindow\n [31mred"
    assert not any(ch in from_slack(f"a{CONTROLS}b") for ch in CONTROLS)
    assert not any(ch in escape(f"a{CONTROLS}b") for ch in CONTROLS)


def test_every_mrkdwn_text_the_bot_builds_is_verbatim() -> None:
    answer = Answer(question="q", answered=False, answer="see https://evil.example @here",
                    span=None, confidence=0.1, sources=[], model_version="v", latency_ms=1.0)
    built = (answer_blocks(answer, "q https://x.example #general @here", vote_buttons_for=3)
             + correction_offer_blocks(3) + notice_blocks("note"))
    texts = mrkdwn_objects(built)
    assert texts and all(t.get("verbatim") is True for t in texts)


def test_a_posted_answer_is_verbatim_without_hidden_characters(bot_server: BotServer) -> None:
    question = f"What is the return window for online orders{HIDDEN}? Tom &amp; Jerry @here " \
               "https://evil.example #general"
    r = bot_server.command(f"ask {question}", channel="C0TEXT")
    assert r.status_code == 200
    post = eventually(lambda: [c for c in bot_server.standin.calls_to("chat.postMessage")
                               if c.params.get("channel") == "C0TEXT"], timeout=60)[0]
    blocks = post.params["blocks"]
    texts = mrkdwn_objects(blocks)
    assert texts and all(t.get("verbatim") is True for t in texts)
    posted = json.dumps(blocks, ensure_ascii=False)
    assert not any(ch in posted for ch in HIDDEN)
    assert "Tom &amp; Jerry" in posted and "&amp;amp;" not in posted
    (row,) = eventually(lambda: list(bot_server.records.export()))
    assert "Tom & Jerry" in row["question"]  # the engine read what the agent typed
    assert not any(ch in row["question"] for ch in HIDDEN)


def test_a_nul_and_other_control_characters_are_never_echoed(bot_server: BotServer) -> None:
    question = f"What is the return\x00 window for{CONTROLS} online orders?"
    r = bot_server.command(f"ask {question}", channel="C0CTRL")
    assert r.status_code == 200
    assert not any(ch in r.text for ch in CONTROLS)  # the acknowledgement
    post = eventually(lambda: [c for c in bot_server.standin.calls_to("chat.postMessage")
                               if c.params.get("channel") == "C0CTRL"], timeout=60)[0]
    posted = list(strings(post.params))  # json.dumps would escape them: look at each string
    assert any("return" in s for s in posted)
    assert not [s for s in posted if any(ch in s for ch in CONTROLS)]
    (row,) = eventually(lambda: list(bot_server.records.export()))
    assert "return" in row["question"] and "window" in row["question"]
    assert not any(ch in row["question"] for ch in CONTROLS)
