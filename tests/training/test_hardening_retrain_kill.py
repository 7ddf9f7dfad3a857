"""Hardening: `stylesprint retrain --now` killed halfway through training (kill -9 of the
whole process group, as a machine or container stop would): nothing is promoted, no
half-written version appears, no feedback is lost, and once the dead run's lock has
expired the next run records the killed one as interrupted and completes normally.

Slow (a real retrain in a child process, then one in-process): `python -m pytest -m slow`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from loop_kit import PASSAGES, install_current, loop_settings
from sqlalchemy import update

from qa_engine.records import UP, Records
from qa_engine.types import Answer, Passage
from training.retrain import run_retrain
from training.runs import LockRow, RetrainStore

pytestmark = pytest.mark.slow

FEEDBACK = [("How many days do I have to return an online order?", "returns",
             "30 days of delivery"),
            ("What does express shipping cost?", "shipping", "$12"),
            ("Which sizes does the wrap dress come in?", "dress", "XS to XL")]


def give_feedback(records: Records) -> None:
    """Answers as the bot logs them, each confirmed with a 👍."""
    for i, (question, key, span) in enumerate(FEEDBACK):
        text = PASSAGES[key]
        start = text.index(span)
        answer = Answer(question=question, answered=True, answer=span, span=span,
                        confidence=0.9, sources=[], model_version="v1", latency_ms=10.0,
                        passage=Passage(id=key, text=text, title=key, source=f"{key}.md"),
                        span_start=start, span_end=start + len(span))
        answer_id = records.log_answer(answer, surface="command", channel="C1",
                                       message_ts=f"1700000000.{i:06d}")
        records.record_vote(answer_id, f"U{i}", UP, source="reaction")


def test_a_retrain_killed_mid_training_promotes_nothing_and_loses_nothing(
    tmp_path: Path, tiny_reader
) -> None:
    settings = loop_settings(tmp_path, max_steps=5000)  # long enough to be killed
    registry = install_current(settings, tiny_reader.dir)
    records = Records(settings.resolved_database_url)
    records.warm_up()
    give_feedback(records)
    before = list(records.export())
    env = {**os.environ, "STYLESPRINT_DATA_DIR": str(settings.data_dir),
           "STYLESPRINT_RETRAIN_BASE_DATA": ",".join(map(str, settings.retrain.base_data)),
           "STYLESPRINT_RETRAIN_GOLD_DATA": str(settings.retrain.gold_data),
           "STYLESPRINT_RETRAIN_MAX_STEPS": "5000", "STYLESPRINT_RETRAIN_HELDOUT_SHARE": "0",
           "STYLESPRINT_TORCH_THREADS": "1", "STYLESPRINT_BASE_MODEL": tiny_reader.base_model}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from stylesprint.cli import main; main()", "retrain", "--now"],
        env=env, cwd=tmp_path, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not any("training.retrain_work" in " ".join(c.cmdline())
                      for c in psutil.Process(proc.pid).children(recursive=True)):
            assert proc.poll() is None, "retrain ended before it could be killed"
            assert time.monotonic() < deadline, "training never started"
            time.sleep(0.2)
        time.sleep(3.0)  # well into training
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    # nothing promoted, nothing half-written in the registry, the feedback untouched
    assert registry.current_name() == "v1"
    assert [v.name for v in registry.versions()] == ["v1"]
    assert not [p for p in registry.root.iterdir() if p.name.startswith(".")]
    assert list(records.export()) == before
    store = RetrainStore(settings.resolved_database_url)
    (killed,) = store.history()
    assert killed.status == "running" and killed.finished_at is None  # died with its process
    assert store.holder() is not None  # its lock stays until its time-to-live runs out

    # Once that lock has expired, the next run cleans up after the dead one and completes.
    with store.engine.begin() as conn:
        conn.execute(update(LockRow).values(expires_at=LockRow.acquired_at))
    outcome = run_retrain(settings.updated(retrain={"max_steps": 20}),
                          notify=lambda _o: None)
    assert outcome.status in ("promoted", "rejected"), outcome.reason
    runs = {r.id: r for r in store.history()}
    assert runs[killed.id].status == "failed" and "interrupted" in runs[killed.id].reason
    assert list(records.export()) == before
    records.close()
