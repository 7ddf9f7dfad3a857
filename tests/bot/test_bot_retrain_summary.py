"""The one-line retrain summary posted to STYLESPRINT_RETRAIN_CHANNEL through the bot's
Slack client, as the composition root wires it (stylesprint/jobs.py), to the Slack stand-in."""

from __future__ import annotations

from bot_harness import bot_settings

from stylesprint.jobs import retrain_poster
from training.retrain import RetrainOutcome, post_summary


def test_retrain_summary_is_posted_to_the_configured_channel(tmp_path, standin):
    outcome = RetrainOutcome(
        "promoted", "not worse: F1 0.700 → 0.750", run_id=3, parent="v1",
        candidate="retrain-20250330-030000-r3", counts={"examples": 12, "heldout": 2, "review": 4},
        current_metrics={"parts": {"dev": {"f1": 0.70, "similarity": 0.80,
                                           "unanswerable_declined": 0.5}}},
        candidate_metrics={"parts": {"dev": {"f1": 0.75, "similarity": 0.81,
                                             "unanswerable_declined": 0.5}}},
    )
    off = bot_settings(tmp_path, standin.api_url)
    assert post_summary(off, outcome, retrain_poster(off)) is False
    assert standin.calls_to("chat.postMessage") == []

    on = bot_settings(tmp_path, standin.api_url, retrain={"channel": "C0MLOPS"})
    assert post_summary(on, outcome, retrain_poster(on)) is True
    [call] = standin.wait_for("chat.postMessage")
    assert call.params["channel"] == "C0MLOPS"
    text = call.params["text"]
    assert "Retrain #3 promoted retrain-20250330-030000-r3 (parent v1)" in text
    assert "F1 0.700 → 0.750 (+0.050)" in text and "12 feedback example(s)" in text


def test_retrain_summary_carries_the_weeks_knowledge_gaps(tmp_path, standin, records) -> None:
    from qa_engine.types import Answer

    for asker in ("U1", "U2"):
        records.log_answer(Answer(question="Do you gift wrap <!channel> orders?", answered=False,
                                  answer="I couldn't find that.", span=None, confidence=0.1,
                                  sources=[], model_version="v1", latency_ms=1.0),
                           surface="command", channel="C1", asker=asker)
    outcome = RetrainOutcome("skipped", "no new data", run_id=4)
    on = bot_settings(tmp_path, standin.api_url, retrain={"channel": "C0MLOPS", "post_gaps": True},
                      services={"database_url": records.url})
    assert post_summary(on, outcome, retrain_poster(on)) is True
    [call] = standin.wait_for("chat.postMessage")
    text = call.params["text"]
    assert text.startswith(":robot_face: Retrain #4 skipped: no new data")
    assert "*Knowledge gaps this week*" in text
    assert "1. Do you gift wrap &lt;!channel&gt; orders?" in text and "2 agent(s)" in text
