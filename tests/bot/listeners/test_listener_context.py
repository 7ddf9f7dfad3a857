"""The one middleware that puts the listeners' dependencies on Bolt's context."""

from __future__ import annotations

from unittest.mock import Mock

from slack_bolt import BoltContext

from bot.context import ANSWERER, BOT_USERS, RECORDS, VOTES, ListenerDeps, provide


def test_provide_sets_every_dependency_then_calls_next(deps: ListenerDeps) -> None:
    context = BoltContext({"bot_user_id": "UBOT"})
    next_ = Mock()
    provide(deps)(context=context, next=next_)
    next_.assert_called_once_with()
    assert context[ANSWERER] is deps.answerer and context[RECORDS] is deps.records
    assert context[VOTES] is deps.votes and context[BOT_USERS] is deps.bot_users
    assert context.bot_user_id == "UBOT"
