"""Fixtures for the bot tests: the real engine (once per session), a local Slack
stand-in, real records and the bot's real HTTP endpoint under uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_harness import BOT_TOKEN, BotServer, running_bot
from slack_standin import SlackStandIn

from qa_engine.records import Records


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    server = SlackStandIn(token=BOT_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def records(tmp_path: Path) -> Iterator[Records]:
    store = Records(f"sqlite:///{tmp_path / 'records.db'}")
    store.warm_up()
    yield store
    store.close()


@pytest.fixture
def bot_server(
    engine: Any, standin: SlackStandIn, records: Records, tmp_path: Path
) -> Iterator[BotServer]:
    """The bot (real engine, real records) on uvicorn, talking to the stand-in."""
    with running_bot(engine, standin, records, tmp_path) as server:
        yield server
