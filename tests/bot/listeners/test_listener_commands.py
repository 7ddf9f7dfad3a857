"""`/stylesprint` (bot/listeners/commands/stylesprint.py), called directly."""

from __future__ import annotations

import threading
from typing import Any
from unittest.mock import Mock, call

from listener_cases import GatedEngine

from bot.answering import BUSY, LOOKING
from bot.blocks import USAGE
from bot.listeners.commands.stylesprint import stylesprint_command


def _command(text: str, **extra: Any) -> dict[str, Any]:
    return {"text": text, "user_id": "UASK", "channel_id": "C1", **extra}


def test_help_and_empty_text_ack_with_the_usage(slack: Mock, context: dict[str, Any]) -> None:
    for text in ("", "help", "  HELP "):
        slack.reset_mock()
        stylesprint_command(ack=slack.ack, command=_command(text), context=context)
        assert slack.mock_calls == [call.ack(text=USAGE, response_type="ephemeral")]


def test_unknown_subcommand_is_named_in_the_ack(slack: Mock, context: dict[str, Any]) -> None:
    stylesprint_command(ack=slack.ack, command=_command("frobnicate now"), context=context)
    assert len(slack.mock_calls) == 1
    text = slack.ack.call_args.kwargs["text"]
    assert "`frobnicate`" in text and USAGE in text


def test_ask_without_a_question_or_without_a_user(slack: Mock, context: dict[str, Any]) -> None:
    stylesprint_command(ack=slack.ack, command=_command("ask   "), context=context)
    assert "Please add your question" in slack.ack.call_args.kwargs["text"]
    stylesprint_command(ack=slack.ack, command={"text": "ask Where?"}, context=context)
    assert "couldn't tell who asked" in slack.ack.call_args.kwargs["text"]
    assert [c[0] for c in slack.mock_calls] == ["ack", "ack"]


def test_ask_acks_at_once_and_answers_on_the_pool(
    slack: Mock, context: dict[str, Any], gated_engine: GatedEngine
) -> None:
    stylesprint_command(
        ack=slack.ack, command=_command("ask What is the return window?"), context=context
    )
    # The engine is still held at its gate: the ack did not wait for the answer.
    assert slack.mock_calls == [call.ack(text=LOOKING, response_type="ephemeral")]
    gated_engine.gate.set()
    assert gated_engine.done.wait(10)
    question, thread = gated_engine.asked[0]
    assert question == "What is the return window?"
    assert thread != threading.current_thread().name and thread.startswith("stylesprint-q")


def test_ask_waits_its_turn_with_its_place_or_is_told_busy_past_the_wait_limit(
    slack: Mock, context: dict[str, Any], gated_engine: GatedEngine
) -> None:
    # Nothing is claimed while the three arrive (as in a burst that lands between two of
    # the dispatcher's polls): with the dispatcher running, whether "one" is still in line
    # when "two" arrives depends on thread timing, and so would the place "two" is told.
    context["answerer"].dispatcher.stop()
    for text in ("ask one", "ask two", "ask three"):
        stylesprint_command(ack=slack.ack, command=_command(text), context=context)
    assert slack.ack.call_args_list == [
        call(text=LOOKING, response_type="ephemeral"),
        call(text=f"{LOOKING} You're number 2 in line, about 4 s.", response_type="ephemeral"),
        call(text=BUSY, response_type="ephemeral"),
    ]
    assert context["answerer"].store.waiting() == 2  # stored before the ack; three was not
    gated_engine.gate.set()
