"""What listeners need, put on Bolt's `context` by one middleware.

Listeners are module-level functions (bot/listeners/<kind>/) that read their
dependencies from `context[...]` instead of closure variables, so a unit test
can call one with a mocked `ack`/`client` and a plain dict as the context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import BoltContext

from bot.answering import Answerer
from bot.branding import Branding
from bot.membership import ChannelMembers
from bot.team import Team
from bot.tenancy import SharedChannels
from bot.vote_queue import VoteQueue
from bot.voting import BotUsers
from qa_engine.corrections import PassageSource
from qa_engine.governance import DataGovernance
from qa_engine.records import Records

ANSWERER = "answerer"
RECORDS = "records"
VOTES = "votes"
BOT_USERS = "bot_users"
TEAM = "team"
KB = "kb"
BRANDING = "branding"
MEMBERS = "channel_members"
SHARED = "shared_channels"
GOVERNANCE = "governance"


@dataclass(frozen=True)
class ListenerDeps:
    """The bot's parts a listener may use; one per app."""

    answerer: Answerer
    records: Records
    votes: VoteQueue
    bot_users: BotUsers = field(default_factory=BotUsers)  # users.info lookups, cached
    team: Team | None = None  # hand-offs, App Home, gaps (bot/team.py)
    # a fresh view of the knowledge base per call, to locate corrections in (None: the
    # engine has none, and corrections are only stored)
    kb: Callable[[], PassageSource] | None = None
    branding: Branding = field(default_factory=Branding)  # command, names (bot/branding.py)
    # who may vote on or correct an answer: its channel's members (bot/membership.py);
    # None: not checked (listener unit tests that are not about it)
    members: ChannelMembers | None = None
    # Slack Connect channels, for slash commands (bot/tenancy.py); None: not checked
    shared_channels: SharedChannels | None = None
    # retention, erasure and the uninstall purge (qa_engine/governance.py)
    governance: DataGovernance | None = None

    def as_context(self) -> dict[str, Any]:
        return {ANSWERER: self.answerer, RECORDS: self.records, VOTES: self.votes,
                BOT_USERS: self.bot_users, TEAM: self.team, KB: self.kb,
                BRANDING: self.branding, MEMBERS: self.members,
                SHARED: self.shared_channels, GOVERNANCE: self.governance}


def provide(deps: ListenerDeps) -> Callable[..., None]:
    """Middleware setting each dependency on `context` (dict writes only: nothing blocks)."""
    entries = deps.as_context()

    def provide_listener_deps(context: BoltContext, next: Callable[[], None]) -> None:
        context.update(entries)
        next()

    return provide_listener_deps
