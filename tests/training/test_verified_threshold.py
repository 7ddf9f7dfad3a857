"""The verified-answer threshold calibration: pairs from dev groups, figures per threshold,
the field test refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from training.verified_threshold import calibrate, fact_and_topic, main, question_pairs

ROWS = [
    {"question": "How long is the return window?", "group": "returns/window/f0"},
    {"question": "How long is the return  window?", "group": "returns/window/f0~other"},
    {"question": "What's the return window for online orders?", "group": "returns/window/f0"},
    {"question": "Who pays for return shipping?", "group": "returns/window/f1"},
    {"question": "Do we ship to Canada?", "group": "shipping/where/f0"},
]


def test_groups_give_paraphrase_and_near_miss_pairs() -> None:
    assert fact_and_topic("returns/window/f0~other") == ("returns/window/f0", "returns/window")
    questions, same, near = question_pairs(ROWS)
    assert len(questions) == 4  # the distractor copy of a question is the same question
    assert same == [(0, 1)] and sorted(near) == [(0, 2), (1, 2)]


def test_figures_with_the_real_embedder(embedder: Any) -> None:
    result = calibrate(ROWS, embedder.embed, thresholds=np.array([0.5, 0.99]))
    low, high = result["table"]
    assert low["paraphrase_recall"] >= high["paraphrase_recall"]
    assert low["near_miss_captured"] >= high["near_miss_captured"] == 0.0
    assert result["recommended"] in (0.5, 0.99)


def test_the_field_test_is_refused() -> None:
    with pytest.raises(SystemExit):
        main(["--data", "training/data/field_test/x.jsonl"])
