"""Fixtures for the evaluation tests: a tiny gold set and the chat stand-in.

The real MiniLM `embedder` fixture comes from tests/conftest.py (session scope).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from training.evaluation.standin import StandInServer

RETURNS = (
    "Unworn items with tags attached can be returned within 30 days of delivery. "
    "Final-sale items cannot be returned."
)
SHIPPING = "Standard shipping takes 3-5 business days. Express delivery arrives next day."

GOLD_ROWS = [
    {"id": "r1", "question": "Can final-sale items be returned?",
     "answer": "Final-sale items cannot be returned", "context": RETURNS, "group": "final",
     "reference": "Final-sale items cannot be returned.", "category": "returns"},
    {"id": "r2", "question": "Are final-sale items returnable?",
     "answer": "cannot be returned", "context": RETURNS, "group": "final",
     "category": "returns"},
    {"id": "s1", "question": "How long does standard shipping take?",
     "answer": "3-5 business days", "context": SHIPPING, "category": "shipping"},
    {"id": "u1", "question": "Do you sell gift cards in Canada?", "answer": "",
     "context": SHIPPING, "category": "shipping"},
]


@pytest.fixture()
def gold_file(tmp_path: Path) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in GOLD_ROWS), encoding="utf-8")
    return path


@pytest.fixture()
def standin():
    with StandInServer() as server:
        yield server
