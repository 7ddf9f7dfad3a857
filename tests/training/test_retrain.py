"""The gated retrain end to end on a tiny model and tiny data.

Questions are answered by a real engine (tiny KB in Chroma, the session's tiny
AdaLoRA reader as serving version "v1"), logged and voted on through `Records`
the way the bot does it; `run_retrain` then builds the feedback dataset, trains a
candidate in a child process, recalibrates and evaluates it against v1 on a frozen
gold set, and promotes or refuses it. Failures (crash, timeout, no data, a held
lock) must leave v1 serving and the feedback untouched.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from loop_kit import ASKED, BASE, install_current, loop_settings, tiny_engine, write_examples

from qa_engine.records import DOWN, UP, Records
from training.evaluation.metrics import normalize_answer
from training.retrain import run_retrain
from training.runs import RetrainStore


@pytest.fixture
def loop(tmp_path, tiny_reader, embedder, one_torch_thread):
    settings = loop_settings(tmp_path)
    registry = install_current(settings, tiny_reader.dir)
    engine = tiny_engine(settings, embedder)
    records = Records(settings.resolved_database_url)
    records.warm_up()
    yield settings, registry, engine, records
    records.close()


def ask_and_give_feedback(engine, records: Records, right: bool = True) -> dict[str, int]:
    """Agents ask every ASKED question. A right answer (or a right decline) gets 👍👍, a wrong
    one a correction, an answer to an unanswerable question a 👎. With `right=False` the
    agents' corrections are wrong: the first two words of the passage the bot used."""
    done = {"up": 0, "down": 0, "corrections": 0}
    for i, (question, expected) in enumerate(ASKED):
        answer = engine.ask(question)
        answer_id = records.log_answer(answer, surface="command", channel="C1", asker=f"U{i}",
                                       message_ts=f"1700000000.{i:06d}")
        records.mark_delivered(answer_id, delivery="channel", message_ts=f"1700000000.{i:06d}")
        if not right:
            passage = answer.passage.text if answer.passage else ""
            records.add_correction(answer_id, "U-agent1", " ".join(passage.split()[:2]))
            done["corrections"] += 1
            continue
        said = normalize_answer(answer.span) if answer.answered else ""
        if said == normalize_answer(expected):
            records.record_vote(answer_id, "U-agent1", UP, source="button")
            records.record_vote(answer_id, "U-agent2", UP, source="reaction")
            done["up"] += 1
        elif expected:
            records.add_correction(answer_id, "U-agent1", expected)
            done["corrections"] += 1
        else:
            records.record_vote(answer_id, "U-agent1", DOWN, source="reaction")
            done["down"] += 1
    return done


def export(records: Records) -> str:
    return json.dumps(list(records.export()), sort_keys=True)


def test_retrain_promotes_a_candidate_trained_on_good_feedback(loop):
    settings, registry, engine, records = loop
    given = ask_and_give_feedback(engine, records)
    before = export(records)

    outcome = run_retrain(settings, trigger="manual")

    assert outcome.status == "promoted", outcome.summary()
    assert registry.current_name() == outcome.candidate != "v1"
    info = registry.get(outcome.candidate).info
    assert info["parent"] == "v1" and info["decision"] == "promoted"
    assert info["origin"] == "retrain" and info["run"] == outcome.run_id
    assert info["data"]["examples"] >= given["up"]  # every 👍 (+ located corrections)
    assert info["data"]["base_examples"] == len(BASE)
    assert info["data"]["synthetic_replay"] == 8
    assert info["data"]["feedback_repeat"] == 2
    # the feedback and the declines it implies (hard negatives), each twice
    assert info["data"]["train_examples"] == len(BASE) + 8 + 2 * (
        info["data"]["train"] + info["data"]["hard_negatives"])
    assert 0.0 <= info["data"]["feedback_fit"] <= 1.0  # measured on the trained feedback
    # every confirmed answer (two 👍) was trained on and is right with the candidate: the
    # run checks it (STYLESPRINT_RETRAIN_REQUIRE_CONFIRMED, on here) and would have failed
    assert info["data"]["confirmed"] >= given["up"] > 0
    assert info["data"]["confirmed_wrong"] == 0
    # the fixed replay set (the gold questions): no more right answers broken than fixed
    assert info["data"]["replay_broken"] <= info["data"]["replay_fixed"]
    assert info["deltas"]["replay.broken"] == info["data"]["replay_broken"]
    # where the time went, per phase; the dev scores of both versions kept for next week
    assert {"data", "train", "candidate_dev", "calibration", "feedback_fit", "current_dev",
            "field_test", "field_test_current", "field_test_candidate", "child_total",
            } <= set(info["data"]["seconds"])
    assert len(list((settings.data_dir / "retrain" / "eval-cache").glob("scores-*.json"))) == 2
    assert info["data"]["train_steps"] == 30
    assert set(info["gold_metrics"]) == {"current", "candidate"}
    assert info["gold_metrics"]["candidate"]["examples"] == 12
    # judged on three sets: dev, held-out feedback (none here: share 0), the field test
    for model in ("current", "candidate"):
        field = info["gold_metrics"][model]["parts"]["field"]
        assert field["examples"] == 6 and field["unanswerable_declined"] is not None
    assert {"dev.f1", "field.f1", "field.unanswerable_declined"} <= set(info["deltas"])
    assert info["deltas"]["field.f1"] is not None
    assert "field test F1" in outcome.summary()
    assert info["created"] and info["reason"].startswith("not worse")
    candidate_dir = registry.get(outcome.candidate).path
    assert (candidate_dir / "calibration.json").exists()  # recalibrated on the dev split
    assert json.loads((candidate_dir / "calibration.json").read_text())["fitted_on"] == str(
        settings.retrain.gold_data)
    [event] = [e for e in registry.history() if e["version"] == outcome.candidate]
    assert event["previous"] == "v1" and f"#{outcome.run_id}" in event["reason"]

    store = RetrainStore(settings.resolved_database_url)
    run = store.get(outcome.run_id)
    assert (run.status, run.parent, run.candidate, run.trigger) == (
        "promoted", "v1", outcome.candidate, "manual")
    assert run.details["candidate_metrics"]["f1"] == outcome.candidate_metrics["f1"]
    assert export(records) == before  # feedback is only read

    # nothing new since: the next run does nothing and says so
    again = run_retrain(settings)
    assert again.status == "skipped" and f"no new feedback since run #{outcome.run_id}" in (
        again.reason)
    assert registry.current_name() == outcome.candidate


@pytest.mark.slow
def test_retrain_refuses_a_candidate_made_worse_by_bad_data(loop, tmp_path):
    settings, registry, engine, records = loop
    # agents "correct" every answer to the passage's first words, and the base data is just
    # as wrong: the candidate learns to answer everything with the first words
    bad = [(q, c, " ".join(c.split()[:2])) for q, c, _ in BASE]
    bad += [(f"{q} (again)", c, a) for q, c, a in bad]
    settings = settings.updated(retrain={
        "base_data": [write_examples(tmp_path / "bad.jsonl", bad)], "max_steps": 60})
    ask_and_give_feedback(engine, records, right=False)

    outcome = run_retrain(settings)

    assert outcome.status == "rejected", outcome.summary()
    assert outcome.reason.startswith("worse on")
    assert outcome.candidate_metrics["f1"] < outcome.current_metrics["f1"]
    assert registry.current_name() == "v1"
    info = registry.get(outcome.candidate).info  # kept for inspection, not served
    assert info["decision"] == "rejected" and info["parent"] == "v1"


def test_a_crash_in_training_leaves_v1_serving_and_the_feedback_intact(loop):
    settings, registry, engine, records = loop
    ask_and_give_feedback(engine, records)
    before, versions = export(records), [v.name for v in registry.versions()]
    # a config that validates but crashes inside peft in the child process
    cfg = {"method": "adalora", "max_steps": 5, "batch_size": 4, "max_seq_length": 64,
           "doc_stride": 16, "init_r": 4, "target_r": 2, "target_modules": ["no_such_layer"]}

    outcome = run_retrain(settings, train_config=cfg)

    assert outcome.status == "failed" and outcome.reason.startswith("crash:"), outcome.reason
    assert "NoMatchingPeftModuleError" in outcome.reason
    assert registry.current_name() == "v1" and [v.name for v in registry.versions()] == versions
    assert export(records) == before
    run = RetrainStore(settings.resolved_database_url).get(outcome.run_id)
    assert run.status == "failed" and run.reason == outcome.reason and run.finished_at
    run_dir = settings.data_dir / "retrain" / f"run-{outcome.run_id:05d}"
    assert "NoMatchingPeftModuleError" in (run_dir / "result.json").read_text()  # + traceback
    assert not (run_dir / "candidate").exists()
    # the engine still answers with v1
    assert engine.ask(ASKED[0][0]).model_version == "v1"


def test_a_timeout_kills_the_run_and_records_it(loop):
    settings, registry, engine, records = loop
    ask_and_give_feedback(engine, records)
    settings = settings.updated(retrain={"timeout_s": 1})
    outcome = run_retrain(settings)
    assert outcome.status == "failed" and outcome.reason.startswith("timeout"), outcome.reason
    assert registry.current_name() == "v1"
    # the lock is free again and the failure does not count as "already trained on this"
    store = RetrainStore(settings.resolved_database_url)
    assert store.holder() is None and store.last_finished() is None


def test_no_feedback_is_skipped_not_failed(loop):
    settings, registry, _engine, _records = loop
    outcome = run_retrain(settings)
    assert outcome.status == "skipped" and outcome.reason.startswith("no new data")
    assert RetrainStore(settings.resolved_database_url).history()[0].status == "skipped"
    assert registry.current_name() == "v1" and len(registry.versions()) == 1


def test_a_held_lock_skips_the_run(loop):
    settings, registry, engine, records = loop
    store = RetrainStore(settings.resolved_database_url)
    assert store.acquire("other-host:1:abc", ttl_s=60)
    outcome = run_retrain(settings, store=store)
    assert outcome.status == "skipped" and "other-host:1:abc" in outcome.reason
    assert store.history()[0].status == "skipped"
    store.release("other-host:1:abc")


def test_a_fresh_install_without_a_serving_version_ends_cleanly(tmp_path):
    # no registry yet: the run installs the shipped reader if the package has one (and,
    # with no feedback, is skipped), else fails; either way it is recorded
    settings = loop_settings(tmp_path)
    outcome = run_retrain(settings)
    assert (outcome.status, outcome.reason.split(":")[0]) in {
        ("failed", "no serving version"), ("skipped", "no new data")}, outcome.reason
    recorded = RetrainStore(settings.resolved_database_url).get(outcome.run_id)
    assert recorded.status == outcome.status


def test_synthetic_replay_is_fresh_per_run_and_never_overlaps_the_gold():
    from training.retrain_data import synthetic_replay

    first, second = synthetic_replay(50, seed=1), synthetic_replay(50, seed=2)
    assert len(first) == 50 and synthetic_replay(0, seed=1) == []
    assert {r["question"] + r["context"] for r in first} != {
        r["question"] + r["context"] for r in second}
    assert first == synthetic_replay(50, seed=1)  # reproducible from the run id
    dev = (Path(__file__).resolve().parents[2] / "training/data/stylesprint_dev.jsonl").read_text()
    assert not any(r["context"] in dev for r in first)
