"""`stylesprint ask --json` answers the demo dev questions exactly as recorded.

Structural changes (settings, packages, how a reader is built) must not change a single
byte of an answer: the golden was recorded with `python -m tests.stylesprint.ask_golden`
and every field but `latency_ms` must match. A deliberate change of the served reader or
the demo KB re-records it (the test skips, naming the command, on another model version).
"""

from __future__ import annotations

import json

import pytest
from ask_golden import GOLDEN, ask_cli, dev_questions

RECORD = "python -m tests.stylesprint.ask_golden"


def test_ask_json_is_byte_identical_to_the_recorded_answers(demo_data_dir, engine, tmp_path):
    golden = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    if golden[0]["model_version"] != engine.model_version:
        pytest.skip(f"the golden is for {golden[0]['model_version']}, the served reader is "
                    f"{engine.model_version}: re-record it ({RECORD})")
    questions = dev_questions()
    got = ask_cli(questions, demo_data_dir, tmp_path)
    assert len(got) == len(golden)
    for want, have in zip(golden, got, strict=True):
        assert json.dumps(have, ensure_ascii=False) == json.dumps(want, ensure_ascii=False)
