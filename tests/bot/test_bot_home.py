"""The App Home over real HTTP: app_home_opened → views.publish (checked against Block Kit's
limits by the stand-in), the lead view's figures, and a confirmed, recorded rollback."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bot_harness import BotServer, eventually, running_bot

from bot.home import ROLLBACK_ACTION
from bot.rollback import LEADS_ONLY, ROLLBACK_VIEW
from bot.state import Teamwork
from qa_engine.records import DOWN, UP, Records
from qa_engine.registry import ModelRegistry
from training.runs import RetrainStore

sys.path.insert(0, str(Path(__file__).parents[1] / "qa_engine"))
from gap_cases import TOPICS, answered, seed  # noqa: E402


def open_home(bot: BotServer, user: str) -> dict[str, Any]:
    before = len(bot.standin.calls_to("views.publish"))
    bot.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home",
               "event_ts": f"{time.time():.6f}"})
    call = bot.standin.wait_for("views.publish", before + 1)[before]
    assert call.response["ok"], call.response
    assert call.params["user_id"] == user
    return call.params["view"]


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


@pytest.fixture
def registry(tmp_path: Path) -> ModelRegistry:
    models = ModelRegistry(tmp_path / "models")
    shipped = models.install_shipped()
    models.add(shipped.path, "retrain-20261130-r3", {"parent": shipped.name})
    models.promote("retrain-20261130-r3", reason="retrain run #3")
    return models


@pytest.fixture
def leads_bot(engine, standin, records: Records, tmp_path: Path, registry) -> Iterator[BotServer]:
    standin.usergroups["S0LEADS"] = ["ULEAD"]
    runs = RetrainStore(records.url)
    run = runs.start_run("schedule", parent="shipped")
    runs.finish_run(run, "promoted", "not worse: F1 0.700 → 0.750",
                    candidate="retrain-20261130-r3",
                    details={"current_metrics": {"f1": 0.70, "similarity": 0.80},
                             "candidate_metrics": {"f1": 0.75, "similarity": 0.81}})
    runs.close()
    with running_bot(engine, standin, records, tmp_path, services={"database_url": records.url},
                     bot={"lead_usergroup": "S0LEADS", "lead_users": ["UBOSS"]}) as server:
        yield server


def test_agent_home_shows_how_to_ask_and_own_questions(bot_server: BotServer) -> None:
    records = bot_server.records
    mine = records.log_answer(answered("Is express shipping available?"), surface="command",
                              channel="C1", asker="UAGENT1")
    records.record_vote(mine, "UAGENT1", UP, source="reaction")
    records.log_answer(answered("Someone else's question?"), surface="command", channel="C1",
                       asker="UAGENT2")
    view = open_home(bot_server, "UAGENT1")
    assert view["type"] == "home"
    text = text_of(view)
    assert "/stylesprint ask" in text and "Is express shipping available?" in text
    assert ":+1: you found it helpful" in text and "(1 in all)" in text
    assert "Someone else" not in text and "Team lead view" not in text


def test_agent_home_with_many_questions_stays_within_block_kit(bot_server: BotServer) -> None:
    for n in range(80):
        bot_server.records.log_answer(answered(f"Question number {n}? " + "x" * 3000),
                                      surface="command", channel="C1", asker="UAGENT1")
    view = open_home(bot_server, "UAGENT1")  # the stand-in refuses > 100 blocks / 3,000 chars
    assert len(view["blocks"]) <= 100
    assert "…and 65 more question(s) not shown." in text_of(view)


def test_lead_home_figures_and_rollback(leads_bot: BotServer, registry: ModelRegistry) -> None:
    bot, slack = leads_bot, leads_bot.standin
    ids = seed(bot.records)
    bot.records.record_vote(ids["noise"][0], "U2", DOWN, source="reaction")
    bot.records.add_correction(ids["price"][0], "U1", "We do not price match.")

    agent = text_of(open_home(bot, "UAGENT1"))
    assert "Team lead view" not in agent and ROLLBACK_ACTION not in agent

    view = open_home(bot, "ULEAD")  # a member of the leads' user group
    text = text_of(view)
    assert "Team lead view" in text
    assert "*Questions asked:* 13  (last week 0)" in text  # 12 seeded this week + 1 noise
    assert "*Answered:* 15%" in text  # 2 of 13 answered
    assert "*Corrections:* 1" in text and "*Hand-offs to a lead:* 1" in text
    assert "*:+1: of votes:* 33%" in text  # 1 up, 2 down
    gaps = text.index("Top knowledge gaps")
    first_gap = text[gaps:].split("1. *", 1)[1].split("*", 1)[0]
    assert first_gap in TOPICS["japan"]
    assert "`retrain-20261130-r3`" in text and "#1 promoted" in text
    assert "F1 0.700 → 0.750 (+0.050)" in text
    shipped = registry.shipped_name()
    [button] = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == ROLLBACK_ACTION and shipped in button["text"]["text"]
    assert "Team lead view" in text_of(open_home(bot, "UBOSS"))  # listed by id

    # An agent cannot roll back: the modal says so and nothing changes.
    click_in_home(bot, "UAGENT1")
    [refused] = slack.wait_for("views.open")
    assert LEADS_ONLY in text_of(refused.params["view"])

    # The lead confirms in a modal; the model is rolled back, recorded, the Home refreshed.
    click_in_home(bot, "ULEAD")
    modal = slack.wait_for("views.open", 2)[1].params["view"]
    assert modal["callback_id"] == ROLLBACK_VIEW and shipped in text_of(modal)
    published = len(slack.calls_to("views.publish"))
    response = bot.interaction({"type": "view_submission", "user": {"id": "ULEAD"},
                                "view": {**modal, "id": "V0MODAL", "state": {"values": {}}}})
    assert response.status_code == 200 and response.json()["response_action"] == "update"
    update = slack.wait_for("views.update")[0]
    assert "Rolled back: now serving" in text_of(update.params["view"])
    assert registry.current_name() == shipped
    [row] = Teamwork(bot.records).rollbacks()
    assert (row.user_id, row.from_version, row.to_version, row.outcome) == (
        "ULEAD", "retrain-20261130-r3", shipped, "done")
    refreshed = slack.wait_for("views.publish", published + 1)[published].params["view"]
    assert f"*Serving model:* `{shipped}`" in text_of(refreshed)

    # The same submission replayed (same view, same state) is dropped by its idempotency
    # key (bot/idempotency.py); a second confirmation modal opened before the rollback
    # (now stale) changes nothing and says why.
    bot.interaction({"type": "view_submission", "user": {"id": "ULEAD"},
                     "view": {**modal, "id": "V0MODAL", "state": {"values": {}}}})
    bot.interaction({"type": "view_submission", "user": {"id": "ULEAD"},
                     "view": {**modal, "id": "V0MODAL2", "state": {"values": {}}}})
    again = eventually(lambda: slack.calls_to("views.update")[1:])
    time.sleep(0.5)  # a replay that was not dropped would have updated V0MODAL by now
    assert [c.params["view_id"] for c in slack.calls_to("views.update")[1:]] == ["V0MODAL2"]
    assert "nothing was rolled back" in text_of(again[0].params["view"])
    assert registry.current_name() == shipped


def click_in_home(bot: BotServer, user: str) -> None:
    response = bot.interaction({
        "type": "block_actions", "user": {"id": user}, "trigger_id": f"{user}.trigger",
        "container": {"type": "view", "view_id": "V0HOME"}, "view": {"id": "V0HOME"},
        "actions": [{"type": "button", "action_id": ROLLBACK_ACTION, "block_id": "b",
                     "value": "retrain-20261130-r3", "action_ts": f"{time.time():.6f}"}]})
    assert response.status_code == 200
