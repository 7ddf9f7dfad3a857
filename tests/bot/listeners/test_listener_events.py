"""Events listeners (bot/listeners/events/), called directly.

Bolt acknowledges events before their listener runs, so these take no `ack`;
what they send is checked on the mocked client, what they write in the records.
"""

from __future__ import annotations

import threading
from typing import Any
from unittest.mock import Mock, call

from listener_cases import ANSWER_TS, BOT_USER, CHANNEL, GatedEngine

from bot.answering import BUSY
from bot.blocks import USAGE
from bot.listeners.events.app_mention import answer_mention
from bot.listeners.events.reaction_added import record_reaction_vote
from bot.listeners.events.reaction_removed import retract_reaction_vote
from qa_engine.records import DOWN, UP, Records


def _mention(text: str) -> dict[str, Any]:
    return {"text": text, "user": "UASK", "channel": CHANNEL, "ts": "1700000002.000001"}


def _reaction(reaction: str, user: str = "U1") -> dict[str, Any]:
    return {"reaction": reaction, "user": user,
            "item": {"type": "message", "channel": CHANNEL, "ts": ANSWER_TS}}


def test_mention_goes_to_the_pool_in_its_thread(
    slack: Mock, context: dict[str, Any], gated_engine: GatedEngine
) -> None:
    answer_mention(event=_mention(f"<@{BOT_USER}> return window?"), context=context,
                   client=slack.client)
    assert slack.mock_calls == []  # nothing sent on the listener thread
    gated_engine.gate.set()
    assert gated_engine.done.wait(10)
    question, thread = gated_engine.asked[0]
    assert question == "return window?"
    assert thread != threading.current_thread().name


def test_empty_mention_gets_the_usage_privately(slack: Mock, context: dict[str, Any]) -> None:
    answer_mention(event=_mention(f"<@{BOT_USER}>  "), context=context, client=slack.client)
    assert slack.mock_calls == [call.client.chat_postEphemeral(
        channel=CHANNEL, user="UASK", thread_ts="1700000002.000001", text=USAGE)]


def test_mention_past_the_wait_limit_says_busy(
    slack: Mock, context: dict[str, Any], gated_engine: GatedEngine
) -> None:
    for text in ("one", "two", "three"):  # the third would wait past the 5 s limit
        answer_mention(event=_mention(f"<@UBOT> {text}"), context=context, client=slack.client)
    assert slack.mock_calls == [call.client.chat_postEphemeral(
        channel=CHANNEL, user="UASK", thread_ts="1700000002.000001", text=BUSY)]
    gated_engine.gate.set()


def test_thumbs_up_is_recorded_silently(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int
) -> None:
    record_reaction_vote(event=_reaction("+1::skin-tone-2"), context=context,
                         client=slack.client)
    assert records.user_vote(answer_id, "U1") == UP
    assert slack.mock_calls == [call.client.users_info(user="U1")]


def test_thumbs_down_offers_a_correction(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int
) -> None:
    record_reaction_vote(event=_reaction("-1"), context=context, client=slack.client)
    assert records.user_vote(answer_id, "U1") == DOWN
    offer = slack.client.chat_postEphemeral.call_args.kwargs
    assert offer["channel"] == CHANNEL and offer["user"] == "U1"
    assert offer["thread_ts"] == ANSWER_TS and "Do you know the right one?" in offer["text"]


def test_reactions_by_bots_and_other_emoji_are_ignored(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int
) -> None:
    record_reaction_vote(event=_reaction("tada"), context=context, client=slack.client)
    slack.client.users_info.return_value = {"user": {"id": "UB2", "is_bot": True}}
    record_reaction_vote(event=_reaction("+1", user="UB2"), context=context,
                         client=slack.client)
    assert records.votes(answer_id) == {"up": 0, "down": 0}
    assert slack.client.chat_postEphemeral.call_count == 0


def test_removed_reaction_retracts_the_vote(
    slack: Mock, context: dict[str, Any], records: Records, answer_id: int
) -> None:
    record_reaction_vote(event=_reaction("+1"), context=context, client=slack.client)
    retract_reaction_vote(event=_reaction("+1"), context=context, client=slack.client)
    assert records.user_vote(answer_id, "U1") is None
    assert records.votes(answer_id) == {"up": 0, "down": 0}
