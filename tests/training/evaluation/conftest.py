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
     "reference": "Final-sale items cannot be returned.", "category": "returns",
     "style": "yes_no"},
    {"id": "r2", "question": "Are final-sale items returnable?",
     "answer": "cannot be returned", "context": RETURNS, "group": "final",
     "category": "returns", "style": "formal"},
    {"id": "s1", "question": "How long does standard shipping take?",
     "answer": "3-5 business days", "context": SHIPPING, "category": "shipping",
     "style": "formal"},
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


@pytest.fixture(scope="session")
def lora_dir(tmp_path_factory) -> Path:
    """A real (untrained) LoRA adapter directory, as `stylesprint train --method lora` writes.

    B matrices start at zero, so it reads like the bare base model; what is under test
    is the evaluation's model plumbing, not the adapter's quality.
    """
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForQuestionAnswering

    from qa_engine.settings import bundled_minilm_path

    out = tmp_path_factory.mktemp("lora")
    base = AutoModelForQuestionAnswering.from_pretrained(bundled_minilm_path())
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["query", "value"],
                        modules_to_save=["qa_outputs"], task_type="QUESTION_ANS")
    get_peft_model(base, config).save_pretrained(str(out))
    (out / "stylesprint.json").write_text(json.dumps({"method": "lora"}), encoding="utf-8")
    return out
