"""`stylesprint ask --json` answers the demo dev questions as recorded.

Structural changes (settings, packages, how a reader is built) must not change what an
answer says: the golden was recorded with `python -m tests.stylesprint.ask_golden`.
Compared is what is meant: the question, answered or declined, the reply, the span,
the sources in order (id, title, file), the model version and the verified answer
exactly; the confidence and each source's score to two decimals (floating-point sums
differ in the fourth decimal between CPUs and BLAS builds: 0.6954 on one machine,
0.6955 on another). `latency_ms` is not compared. A deliberate change of the served
reader or the demo KB re-records it (the test skips, naming the command, on another
model version).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from ask_golden import GOLDEN, ask_cli, dev_questions

RECORD = "python -m tests.stylesprint.ask_golden"
#: Scores agree to two decimals: they may differ by less than one unit of the second.
TWO_DECIMALS = 0.01
NUMBERS = {"confidence"}
SOURCE_NUMBERS = {"score"}


def meaning(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer without its numbers (compared apart, to two decimals)."""
    kept = {k: v for k, v in answer.items() if k not in NUMBERS}
    kept["sources"] = [{k: v for k, v in s.items() if k not in SOURCE_NUMBERS}
                       for s in answer.get("sources") or []]
    return kept


def numbers(answer: dict[str, Any]) -> list[float]:
    return [answer[k] for k in sorted(NUMBERS)] + [
        s[k] for s in answer.get("sources") or [] for k in sorted(SOURCE_NUMBERS)]


def test_meaning_ignores_the_fourth_decimal_only() -> None:
    a = {"answered": True, "span": "30 days", "confidence": 0.6954,
         "sources": [{"id": "p1", "score": 0.5871}]}
    b = {**a, "confidence": 0.6955, "sources": [{"id": "p1", "score": 0.5872}]}
    assert meaning(a) == meaning(b)
    assert numbers(a) == pytest.approx(numbers(b), abs=TWO_DECIMALS)
    assert numbers(a) != pytest.approx(numbers({**b, "confidence": 0.71}), abs=TWO_DECIMALS)
    assert meaning(a) != meaning({**b, "span": "31 days"})
    assert meaning(a) != meaning({**b, "sources": [{"id": "p2", "score": 0.5871}]})


def test_ask_json_matches_the_recorded_answers(demo_data_dir, engine, tmp_path):
    golden = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    if golden[0]["model_version"] != engine.model_version:
        pytest.skip(f"the golden is for {golden[0]['model_version']}, the served reader is "
                    f"{engine.model_version}: re-record it ({RECORD})")
    questions = dev_questions()
    got = ask_cli(questions, demo_data_dir, tmp_path)
    assert len(got) == len(golden)
    for want, have in zip(golden, got, strict=True):
        assert set(have) == set(want), want["question"]
        assert meaning(have) == meaning(want), want["question"]
        assert numbers(have) == pytest.approx(numbers(want), abs=TWO_DECIMALS), want["question"]
