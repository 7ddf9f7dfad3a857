"""Record `stylesprint ask --json` on demo dev questions: the golden the contract test
compares with (issue 16: behaviour unchanged by structural work; issue 22: what is
meant, numbers to two decimals, test_cli_ask_golden.py).

    python -m tests.stylesprint.ask_golden   # rewrites tests/stylesprint/data/ask_golden.jsonl

Run it when the served reader or the demo KB changes on purpose (the test skips, naming
this command, when the served model version is not the recorded one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "data" / "ask_golden.jsonl"
DEV = ROOT / "training" / "data" / "stylesprint_dev.jsonl"
EVERY = 22  # about 40 questions spread over the dev split's documents


def dev_questions() -> list[str]:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    return [row["question"] for row in rows[::EVERY]]


def ask_cli(questions: list[str], data_dir: Path, cwd: Path) -> list[dict]:
    """One `stylesprint ask --json -` subprocess; each answer without its latency."""
    env = {**os.environ, "STYLESPRINT_DATA_DIR": str(data_dir)}
    proc = subprocess.run(
        [sys.executable, "-m", "stylesprint", "ask", "--json", "-"],
        input="\n".join(questions) + "\n", capture_output=True, text=True, env=env,
        cwd=cwd, timeout=900, check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    answers = [json.loads(line) for line in proc.stdout.splitlines()]
    for answer in answers:
        answer.pop("latency_ms")
    return answers


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        answers = ask_cli(dev_questions(), Path(tmp) / "data", Path(tmp))
    GOLDEN.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers),
                      encoding="utf-8")
    print(f"wrote {len(answers)} answers to {GOLDEN}")


if __name__ == "__main__":
    main()
