"""What the team features need (hand-offs, App Home, gaps, rollback), built once per app.

`Team` holds the settings of the escalation channel and the leads, the hand-off and
rollback records (`bot.state.Teamwork`), the embedder knowledge gaps are grouped with
(the engine's own, so the bot loads MiniLM once), lazily the model registry, and the
last finished retrain run as the composition root wires it (`retrain_log`: training's
run log, which the bot may not import). Listeners get it from `context[TEAM]`
(bot/context.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import ServingSettings
from bot.state import Teamwork
from qa_engine.records import Records

logger = logging.getLogger(__name__)

LEADS_CACHE_S = 300.0  # user group membership is re-read at most every five minutes


@dataclass
class Team:
    settings: ServingSettings
    records: Records
    embedder: Any = None  # qa_engine.retrieve.embedder.Embedder; None: a new one on first use
    #: the last finished retrain run (`training.runs.RunRecord`) or None; not wired: None
    retrain_log: Callable[[], Any] | None = None
    teamwork: Teamwork = field(init=False)
    _group: tuple[float, frozenset[str]] | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.teamwork = Teamwork(self.records)

    @classmethod
    def for_engine(cls, settings: ServingSettings, records: Records, engine: Any,
                   retrain_log: Callable[[], Any] | None = None) -> Team:
        retriever = getattr(engine, "retriever", None)
        return cls(settings, records, getattr(retriever, "embedder", None), retrain_log)

    @property
    def escalation_channel(self) -> str | None:
        return self.settings.bot.escalation_channel

    def gap_embedder(self) -> Any:
        if self.embedder is None:
            from qa_engine.gaps import gap_embedder

            self.embedder = gap_embedder(self.settings)
        return self.embedder

    def is_lead(self, client: WebClient, user: str) -> bool:
        """In STYLESPRINT_LEAD_USERS or a member of STYLESPRINT_LEAD_USERGROUP."""
        if user in self.settings.bot.lead_users:
            return True
        group = self.settings.bot.lead_usergroup
        return bool(group) and user in self._group_members(client, group)

    def _group_members(self, client: WebClient, group: str) -> frozenset[str]:
        with self._lock:
            if self._group is not None and time.monotonic() - self._group[0] < LEADS_CACHE_S:
                return self._group[1]
        try:
            users = client.usergroups_users_list(usergroup=group).get("users") or []
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            logger.warning("cannot read the lead user group (%s); leads from the list only",
                           error)
            return frozenset()
        members = frozenset(str(u) for u in users)
        with self._lock:
            self._group = (time.monotonic(), members)
        return members

    def registry(self) -> Any:
        from qa_engine.registry import ModelRegistry

        return ModelRegistry(self.settings.models_dir)

    def last_retrain(self) -> Any:
        """The last finished retrain run, None when there is none or no log is wired."""
        return self.retrain_log() if self.retrain_log is not None else None
