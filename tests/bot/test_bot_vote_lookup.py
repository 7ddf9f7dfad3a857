"""A reacting user whose `users.info` lookup fails or names no user still gets the vote.

Over real HTTP against the Slack stand-in: a deleted user's `users.info` answers
`{"ok": true}` without a `user` object, and a lookup can fail outright (HTTP 500 on
every retry). Neither may raise inside the reaction listener and lose the vote.
"""

from __future__ import annotations

from bot_harness import BotServer, eventually

QUESTION = "What is the return window for online orders?"


def _answer(bot: BotServer) -> tuple[str, int]:
    response = bot.command(f"ask {QUESTION}")
    assert response.status_code == 200, response.text
    (post,) = bot.standin.wait_for("chat.postMessage")
    ts = post.response["ts"]
    ref = eventually(lambda: bot.records.find_by_message("C0SUPPORT", ts))
    return ts, ref.id


def test_vote_of_a_user_without_profile_or_failed_lookup_is_counted(
    bot_server: BotServer,
) -> None:
    bot, slack = bot_server, bot_server.standin
    ts, answer_id = _answer(bot)

    slack.drop_user_profile("UDELETED")
    bot.reaction("reaction_added", "+1", "UDELETED", "C0SUPPORT", ts)
    eventually(lambda: bot.records.votes(answer_id) == {"up": 1, "down": 0})
    lookup = [c for c in slack.calls_to("users.info") if c.params.get("user") == "UDELETED"]
    assert lookup and "user" not in lookup[0].response  # the reply really had no user

    slack.fail_next("users.info", 500, times=3)  # the first try and both retries
    bot.reaction("reaction_added", "+1", "UAGENT7", "C0SUPPORT", ts)
    eventually(lambda: bot.records.votes(answer_id) == {"up": 2, "down": 0})
    assert len(slack.calls_to("users.info!")) == 3

    # Not cached as "human": the next reaction of that user asks again (and now succeeds).
    bot.reaction("reaction_removed", "+1", "UAGENT7", "C0SUPPORT", ts)
    eventually(lambda: bot.records.votes(answer_id) == {"up": 1, "down": 0})
    assert [c for c in slack.calls_to("users.info") if c.params.get("user") == "UAGENT7"]
