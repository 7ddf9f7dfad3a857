"""Shared by the listener unit tests (a plain module: conftest is not importable by name)."""

from __future__ import annotations

import threading
from typing import Any

from qa_engine.types import QuestionError

CHANNEL = "C1"
ANSWER_TS = "1700000001.000001"
BOT_USER = "UBOT"


class GatedEngine:
    """Answers nothing: records the question and the thread, then declines it."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.asked: list[tuple[str, str]] = []
        self.done = threading.Event()

    def ask(self, question: str, top_k: int | None = None, **_: Any) -> Any:
        self.gate.wait(10)
        self.asked.append((question, threading.current_thread().name))
        self.done.set()
        raise QuestionError("not this one")
