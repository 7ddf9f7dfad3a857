"""`stylesprint ask --json` in a real subprocess gives the in-process engine's answers.

The console command is the composition root (`stylesprint/`); this pins that it builds
the same engine the library does (`AnswerEngine.from_settings`): every field of the
contract object except `latency_ms` must be identical, on a few demo questions of each
kind (policy, price, catalog existence, yes/no, unanswerable).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

DEMO_QUESTIONS = [
    "What is the return policy for online purchases?",
    "how much is express shipping?",
    "Are winter coats available in children's sizes?",
    "do we ship to canada?",
    "What is the name of the CEO's dog?",
]
CONTRACT = ["question", "answered", "answer", "span", "confidence", "sources",
            "model_version", "latency_ms", "verified"]


def test_ask_json_subprocess_matches_the_engine(demo_data_dir, engine, tmp_path):
    env = {**os.environ, "STYLESPRINT_DATA_DIR": str(demo_data_dir)}
    proc = subprocess.run(
        [sys.executable, "-m", "stylesprint", "ask", "--json", "-"],
        input="\n".join(DEMO_QUESTIONS) + "\n", capture_output=True, text=True, env=env,
        cwd=tmp_path, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    got = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(got) == len(DEMO_QUESTIONS)
    for question, cli in zip(DEMO_QUESTIONS, got, strict=True):
        assert list(cli) == CONTRACT
        expected = engine.ask(question).to_json()
        cli.pop("latency_ms"), expected.pop("latency_ms")
        assert cli == expected
