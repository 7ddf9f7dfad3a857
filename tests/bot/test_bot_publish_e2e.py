"""Issue 22, items 2 and 3, over real HTTP (signed requests, Slack stood in, the real engine
and records): nobody can publish a wrong answer to every agent, and only our workspace and
app are answered.

- an agent's correction is served to its author at once and to everyone only once a lead
  approves it (review channel) or a second agent of the answer's channel confirms it;
- an outsider (not a member of the answer's channel) cannot correct an answer, and two 👍
  whose payloads name another channel than the answer's verify nothing;
- a verified answer shows who verified it and is withdrawn in one click (by whom may);
- a signed request for another workspace, app or org is refused, and so is a Slack
  Connect channel unless allowed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from bot_harness import BotServer, correction_submission, eventually
from slack_standin import SlackStandIn
from test_bot_e2e import ask_and_wait, block_text
from test_bot_verified_e2e import (
    LEAD,
    QUESTION,
    REVIEW_CHANNEL,
    RIGHT,
    serving_bot,
)

from bot.blocks import (
    APPROVE_ACTION,
    PENDING_MARK,
    SUGGEST_ACTION,
    VERIFIED_MARK,
    VOTE_UP_ACTION,
    WITHDRAW_ACTION,
)
from bot.membership import NOT_A_MEMBER, WRONG_CHANNEL
from bot.review import LEADS_OR_PEERS, WITHDRAW_REFUSED
from bot.tenancy import NOT_HERE, SHARED_CHANNEL
from qa_engine.pipeline import AnswerEngine
from qa_engine.records import Records
from qa_engine.records.schema import NOT_COVERED
from qa_engine.records.verified import ACTIVE, PENDING, WITHDRAWN

APP_NAME = "StyleSprint Assist"  # the default Branding.app_name
REFUSED = NOT_HERE.format(app=APP_NAME)

CHANNEL = "C0SUPPORT"


@pytest.fixture
def publish_bot(engine: AnswerEngine, standin: SlackStandIn, records: Records,
                tmp_path: Path) -> Iterator[BotServer]:
    """The serving bot with ULEAD as the lead and C0REVIEW as the review channel."""
    with serving_bot(engine, standin, records, tmp_path,
                     bot={"lead_users": [LEAD], "review_channel": REVIEW_CHANNEL}) as server:
        yield server


def _responses(slack: SlackStandIn) -> list[str]:
    return [c.params.get("text", "") for c in slack.calls_to("response_url")]


def _correct(bot: BotServer, post: Any, user: str, text: str = "Arrives in 1 to 2 business "
             "days.", reason: str = "wrong_span") -> None:
    """`user` gives the answer 👎, opens "Suggest the right answer" and saves `text`; an
    agent's correction is then waited on until its review requests are posted (in the
    answer's thread and the review channel), so that asking again counts posts right."""
    slack = bot.standin
    bot.reaction("reaction_added", "-1", user, post.params["channel"], post.response["ts"])
    offer = eventually(lambda: [c for c in slack.calls_to("chat.postEphemeral")
                                if c.params.get("user") == user and c.params.get("blocks")])[-1]
    before = len(slack.calls_to("views.open"))
    button = offer.params["blocks"][-1]["elements"][0]
    assert bot.click(SUGGEST_ACTION, button["value"], user).status_code == 200
    opened = slack.wait_for("views.open", before + 1)[before]
    response = bot.interaction(correction_submission(opened, text, reason=reason, user=user))
    assert response.status_code == 200 and not response.content, response.text
    if user != LEAD and reason != NOT_COVERED:
        eventually(lambda: slack.posted(REVIEW_CHANNEL) and _thread_review(slack, post))


def _thread_review(slack: SlackStandIn, post: Any) -> list[dict[str, Any]]:
    return [m for m in slack.posted(post.params["channel"])
            if m.get("thread_ts") == post.response["ts"]
            and APPROVE_ACTION in block_text(m.get("blocks", []))]


def test_an_agents_correction_reaches_its_author_at_once_and_everyone_once_a_lead_approves(
        publish_bot: BotServer) -> None:
    bot, slack = publish_bot, publish_bot.standin
    post, _ = ask_and_wait(bot, QUESTION)
    _correct(bot, post, "UAGENT2")
    (pending,) = eventually(lambda: bot.records.verified.pending())
    assert pending.span == RIGHT and pending.verified_by == ("UAGENT2",)
    assert bot.records.verified.active() == []
    told = eventually(lambda: [c for c in slack.calls_to("chat.postEphemeral")
                               if "approves" in c.params.get("text", "")])
    assert told[0].params["user"] == "UAGENT2"

    # the review request: in the review channel and in the answer's thread, one click each
    (review,) = slack.posted(REVIEW_CHANNEL)
    assert APPROVE_ACTION in block_text(review["blocks"]) and RIGHT in block_text(review["blocks"])
    assert len(_thread_review(slack, post)) == 1

    # its author gets it at once, marked as theirs and waiting; anyone else does not
    mine, _ = ask_and_wait(bot, QUESTION, user="UAGENT2")
    assert PENDING_MARK in block_text(mine.params["blocks"])
    assert f"> {RIGHT}" in block_text(mine.params["blocks"])
    theirs, _ = ask_and_wait(bot, QUESTION, user="UAGENT3")
    assert "Verified by" not in block_text(theirs.params["blocks"])
    assert "Your correction" not in block_text(theirs.params["blocks"])

    # its author cannot approve it; a lead can, from the review channel
    bot.click(APPROVE_ACTION, str(pending.id), "UAGENT2", channel=REVIEW_CHANNEL)
    eventually(lambda: LEADS_OR_PEERS in _responses(slack))
    assert bot.records.verified.get(pending.id).status == PENDING
    bot.click(APPROVE_ACTION, str(pending.id), LEAD, channel=REVIEW_CHANNEL)
    eventually(lambda: bot.records.verified.get(pending.id).status == ACTIVE)

    # the next asker gets it at once (no retrain, no restart), saying who verified it
    again, _ = ask_and_wait(bot, QUESTION.lower(), user="UAGENT4")
    blocks = block_text(again.params["blocks"])
    assert f"{VERIFIED_MARK} <@UAGENT2>, <@{LEAD}>" in blocks and f"> {RIGHT}" in blocks


def test_only_a_leads_not_covered_correction_may_teach_a_decline(
        publish_bot: BotServer) -> None:
    """"The knowledge base does not cover this" makes no verified answer; who may train a
    decline from it is kept on the correction: a lead's at once, an agent's not."""
    bot = publish_bot
    for user in ("UAGENT2", LEAD):
        post, _ = ask_and_wait(bot, QUESTION, user=user)
        _correct(bot, post, user, "We don't say.", reason=NOT_COVERED)

    def marked() -> dict[str, str]:
        return {c["user"]: c["publication"] for r in bot.records.export()
                for c in r["corrections"] if c["publication"]}

    assert eventually(lambda: len(marked()) == 2 and marked()) == {
        "UAGENT2": PENDING, LEAD: ACTIVE}
    assert bot.records.verified.all() == []


def test_a_second_agent_of_the_channel_confirms_and_a_lead_withdraws_in_one_click(
        publish_bot: BotServer, standin: SlackStandIn) -> None:
    bot, slack = publish_bot, standin
    slack.members[CHANNEL] = ["UAGENT1", "UAGENT2", "UAGENT3", LEAD]
    post, _ = ask_and_wait(bot, QUESTION)
    _correct(bot, post, "UAGENT2")
    (pending,) = eventually(lambda: bot.records.verified.pending())

    # an agent who is not in the answer's channel cannot confirm it; one who is, can
    bot.click(APPROVE_ACTION, str(pending.id), "UAGENT7", channel=CHANNEL)
    eventually(lambda: LEADS_OR_PEERS in _responses(slack))
    assert bot.records.verified.get(pending.id).status == PENDING
    bot.click(APPROVE_ACTION, str(pending.id), "UAGENT3", channel=CHANNEL)
    eventually(lambda: bot.records.verified.get(pending.id).status == ACTIVE)
    assert bot.records.verified.get(pending.id).verified_by == ("UAGENT2", "UAGENT3")

    served, _ = ask_and_wait(bot, QUESTION, user="UAGENT1")
    buttons = [e for b in served.params["blocks"] if b.get("block_id") == "stylesprint_verified"
               for e in b["elements"]]
    (withdraw,) = [e for e in buttons if e["action_id"] == WITHDRAW_ACTION]
    assert withdraw["value"] == str(pending.id)

    # someone who did not verify it and is no lead may not withdraw it; a lead may
    bot.click(WITHDRAW_ACTION, withdraw["value"], "UAGENT1")
    eventually(lambda: WITHDRAW_REFUSED in _responses(slack))
    assert bot.records.verified.get(pending.id).status == ACTIVE
    bot.click(WITHDRAW_ACTION, withdraw["value"], LEAD)
    eventually(lambda: bot.records.verified.get(pending.id).status == WITHDRAWN)
    after, _ = ask_and_wait(bot, QUESTION, user="UAGENT2")
    assert "Verified by" not in block_text(after.params["blocks"])
    assert "Your correction" not in block_text(after.params["blocks"])


def test_an_outsider_cannot_correct_an_answer_of_a_channel_they_are_not_in(
        publish_bot: BotServer, standin: SlackStandIn) -> None:
    bot, slack = publish_bot, standin
    slack.members[CHANNEL] = ["UAGENT1", "UAGENT2"]  # a private channel: UAGENT7 is not in it
    post, answer_id = ask_and_wait(bot, QUESTION)

    # the button, clicked by the outsider (or from another channel), opens no correction form
    bot.click(SUGGEST_ACTION, str(answer_id), "UAGENT7")
    (refused,) = slack.wait_for("views.open")
    assert NOT_A_MEMBER in block_text(refused.params["view"]["blocks"])
    bot.click(SUGGEST_ACTION, str(answer_id), "UAGENT1", channel="C0ELSEWHERE")
    elsewhere = slack.wait_for("views.open", 2)[1]
    assert WRONG_CHANNEL in block_text(elsewhere.params["view"]["blocks"])

    # a submission of the correction form for that answer is refused on the server too
    bot.click(SUGGEST_ACTION, str(answer_id), "UAGENT1")
    opened = slack.wait_for("views.open", 3)[2]
    assert opened.params["view"].get("callback_id")  # the real form, for a member
    response = bot.interaction(correction_submission(
        opened, "Returns are accepted for 365 days.", user="UAGENT7"))
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    assert NOT_A_MEMBER in json.dumps(response.json()["errors"])
    row = next(r for r in bot.records.export() if r["answer_id"] == answer_id)
    assert row["corrections"] == [] and bot.records.verified.all() == []


def test_thumbs_up_naming_another_channel_or_from_non_members_verify_nothing(
        publish_bot: BotServer, standin: SlackStandIn, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    bot, slack = publish_bot, standin
    question = "What is the return window for online orders?"
    slack.members[CHANNEL] = ["UAGENT1", "UAGENT2"]
    slack.members["C0OTHER"] = ["UAGENT3", "UAGENT4"]
    post, answer_id = ask_and_wait(bot, question)

    # two 👍 buttons whose payload names another channel (their clickers are in that one)
    for user in ("UAGENT3", "UAGENT4"):
        bot.click(VOTE_UP_ACTION, str(answer_id), user, channel="C0OTHER")
    eventually(lambda: _responses(slack).count(WRONG_CHANNEL) == 2)
    # two 👍 buttons naming the answer's channel, from agents who are not in it
    for user in ("UAGENT3", "UAGENT4"):
        bot.click(VOTE_UP_ACTION, str(answer_id), user, channel=CHANNEL)
    eventually(lambda: _responses(slack).count(NOT_A_MEMBER) == 2)
    # two 👍 reactions from non-members
    for user in ("UAGENT3", "UAGENT4"):
        bot.reaction("reaction_added", "+1", user, CHANNEL, post.response["ts"])
    eventually(lambda: caplog.text.count("reaction from a non-member") == 2)
    assert bot.records.votes(answer_id) == {"up": 0, "down": 0}
    assert bot.records.verified.all() == []

    # the members' own 👍 still verify it
    for user in ("UAGENT1", "UAGENT2"):
        bot.click(VOTE_UP_ACTION, str(answer_id), user, channel=CHANNEL)
    (verified,) = eventually(lambda: bot.records.verified.active())
    assert verified.verified_by == ("UAGENT1", "UAGENT2")


def _signed_event(bot: BotServer, event: dict[str, Any], **envelope: Any) -> Any:
    body = {"token": "legacy", "team_id": bot.standin.team_id, "api_app_id": "A0TEST",
            "type": "event_callback", "event": event, "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()), **envelope}
    return bot.signed_post(json.dumps(body), "application/json")


def _mention(text: str, channel: str = CHANNEL) -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {"type": "app_mention", "user": "UAGENT1", "text": f"<@UBOT> {text}", "ts": ts,
            "channel": channel, "event_ts": ts}


def test_requests_for_another_workspace_app_or_org_and_slack_connect_are_refused(
        publish_bot: BotServer, standin: SlackStandIn, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot")
    bot, slack = publish_bot, standin
    stored = len(list(bot.records.export()))

    # slash commands: another workspace, another app, another org
    for extra in ({"team_id": "T0ELSEWHERE"}, {"api_app_id": "A0OTHERAPP"},
                  {"enterprise_id": "E0OTHERORG"}):
        refused = bot.command(f"ask {QUESTION}", **extra)
        assert refused.status_code == 200 and refused.text == REFUSED
    # mentions: another workspace, another app, a Slack Connect channel
    for envelope in ({"team_id": "T0ELSEWHERE"}, {"api_app_id": "A0OTHERAPP"},
                     {"is_ext_shared_channel": True}):
        response = _signed_event(bot, _mention(QUESTION), **envelope)
        assert response.status_code == 200 and not response.content
    # an interaction (a 👍 button) for another workspace
    form = {"payload": json.dumps({
        "type": "block_actions", "team": {"id": "T0ELSEWHERE"}, "api_app_id": "A0TEST",
        "user": {"id": "UAGENT1"}, "channel": {"id": CHANNEL}, "trigger_id": "1.x.t",
        "response_url": slack.response_url("elsewhere"),
        "actions": [{"action_id": VOTE_UP_ACTION, "value": "1", "type": "button"}]})}
    assert bot.signed_post(urlencode(form), "application/x-www-form-urlencoded").text == ""
    # a slash command in a Slack Connect channel of our own workspace
    slack.shared_channels.add("C0CONNECT")
    shared = bot.command(f"ask {QUESTION}", channel="C0CONNECT")
    assert shared.json()["text"] == SHARED_CHANNEL.format(app=APP_NAME)

    # Slack's URL check carries no app or workspace id: Bolt answers it before the check
    challenge = bot.signed_post(json.dumps({"type": "url_verification", "token": "legacy",
                                            "challenge": "c0ffee"}), "application/json")
    assert challenge.status_code == 200 and "c0ffee" in challenge.text
    # each of the seven was stopped by the first middleware, before any listener ran
    assert caplog.text.count("refused a request from") == 7
    assert "T0ELSEWHERE" not in caplog.text and QUESTION not in caplog.text
    # our own workspace and app in our own channel: answered (and only that one)
    ask_and_wait(bot, QUESTION)
    assert len(list(bot.records.export())) == stored + 1
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert not [c for c in slack.calls_to("response_url") if "elsewhere" in c.path]


@pytest.fixture
def elsewhere_bot(engine: AnswerEngine, standin: SlackStandIn, records: Records,
                  tmp_path: Path) -> Iterator[BotServer]:
    """Allowed workspace and app set explicitly (not the token's) and Slack Connect on."""
    with serving_bot(engine, standin, records, tmp_path,
                     slack={"allowed_team_ids": ["T0OURS"], "allowed_app_ids": ["A0TEST"],
                            "allow_shared_channels": True}) as server:
        yield server


def test_the_allow_list_comes_from_the_settings_when_set(elsewhere_bot: BotServer,
                                                         standin: SlackStandIn) -> None:
    bot = elsewhere_bot
    assert bot.command(f"ask {QUESTION}").text == REFUSED  # the token's own: not listed
    standin.shared_channels.add("C0CONNECT")
    ask_and_wait(bot, QUESTION, team_id="T0OURS", channel="C0CONNECT")  # allowed: answered
    assert not standin.calls_to("bots.info")  # nothing looked up that the settings name


def test_a_lead_approves_in_one_click_from_the_app_home(publish_bot: BotServer,
                                                       standin: SlackStandIn) -> None:
    from test_bot_home import open_home, text_of

    bot, slack = publish_bot, standin
    post, _ = ask_and_wait(bot, QUESTION)
    _correct(bot, post, "UAGENT2")
    (pending,) = bot.records.verified.pending()
    assert APPROVE_ACTION not in text_of(open_home(bot, "UAGENT3"))  # an agent's Home
    home = open_home(bot, LEAD)
    assert APPROVE_ACTION in text_of(home) and RIGHT in text_of(home)
    assert "waiting for approval" in text_of(home)

    published = len(slack.calls_to("views.publish"))
    bot.interaction({"type": "block_actions", "user": {"id": LEAD, "team_id": slack.team_id},
                     "container": {"type": "view", "view_id": "V0HOME"},
                     "view": {"id": "V0HOME", "type": "home"}, "trigger_id": "9.home.t",
                     "actions": [{"type": "button", "action_id": APPROVE_ACTION,
                                  "block_id": f"stylesprint_review_{pending.id}",
                                  "value": str(pending.id), "action_ts": f"{time.time():.6f}"}]})
    refreshed = slack.wait_for("views.publish", published + 1)[published]
    assert bot.records.verified.get(pending.id).status == ACTIVE
    assert APPROVE_ACTION not in text_of(refreshed.params["view"])
    again, _ = ask_and_wait(bot, QUESTION, user="UAGENT3")
    assert f"{VERIFIED_MARK} <@UAGENT2>, <@{LEAD}>" in block_text(again.params["blocks"])
