"""docs/in-context-prompt.md must show the prompt the code really sends."""

from __future__ import annotations

from pathlib import Path

from training.evaluation.incontext import FEW_SHOT, SYSTEM_PROMPT

DOC = Path(__file__).resolve().parents[3] / "docs" / "in-context-prompt.md"


def test_prompt_doc_matches_the_code():
    text = DOC.read_text(encoding="utf-8")
    assert SYSTEM_PROMPT in text
    for title, context, question, answer in FEW_SHOT:
        assert f"| {title} |" in text
        assert f"| {question} | {answer} |" in text
        for line in context.splitlines():
            assert line in text, line
