"""Wires one bot process together: records, engine, question queue and pool, Bolt app.

Models load once, here, before the bot accepts a request; a missing token is
reported before that (loading takes seconds, a typo should not).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient

from bot.answering import Answerer, Engine
from bot.app import (
    MissingSlackSetting,
    build_answerer,
    build_app,
    build_client,
    build_governance,
    build_listener_executor,
    build_vote_queue,
)
from bot.errors import handle_error
from bot.health import Health
from bot.pool import QuestionPool
from bot.retention import start_retention
from bot.settings import ServingSettings
from bot.startup import check_slack, explain
from bot.vote_queue import VoteQueue
from qa_engine.db import DbTimeouts
from qa_engine.memory import limit_malloc_arenas, release_free_memory
from qa_engine.records import Records

logger = logging.getLogger(__name__)


def check_slack_settings(settings: ServingSettings, *, socket_mode: bool) -> None:
    """Raise `MissingSlackSetting` naming every variable the transport lacks."""
    missing = []
    if settings.slack.bot_token is None:
        missing.append("SLACK_BOT_TOKEN")
    if socket_mode and settings.slack.app_token is None:
        missing.append("SLACK_APP_TOKEN")
    if not socket_mode and settings.slack.signing_secret is None:
        missing.append("SLACK_SIGNING_SECRET")
    if missing:
        mode = "Socket Mode" if socket_mode else "HTTP mode"
        raise MissingSlackSetting(
            f"{mode} needs {', '.join(missing)} (see docs/slack.md and .env.example)"
        )


@dataclass
class BotRuntime:
    """One bot process; it owns, and `close()` stops, every thread it started.

    `start()` builds all of it from settings; `assemble()` builds the app and its
    thread-owning parts over a ready engine, records and pool (what `start()` does
    after loading, and what the tests and benches use).
    """

    settings: ServingSettings
    engine: Any
    records: Records
    pool: QuestionPool
    app: App
    watcher: Any = None  # qa_engine.watcher.ModelWatcher: follows promotions and rollbacks
    votes: VoteQueue | None = None  # its flusher thread runs while votes are queued
    listener_executor: ThreadPoolExecutor | None = None  # Bolt's listener threads
    answerer: Answerer | None = None  # its dispatcher feeds the pool from the durable queue
    checks: Health | None = None  # what /healthz checks (bot/health.py)
    owns_records: bool = True  # close() closes the records too (assemble(): the caller's)
    retention: Any = None  # the retention job's scheduler (bot/retention.py), start() only

    @classmethod
    def assemble(
        cls,
        settings: ServingSettings,
        engine: Any,
        records: Records,
        pool: QuestionPool,
        client: WebClient | None = None,
        *,
        socket_mode: bool = False,
        retrain_log: Callable[[], Any] | None = None,
    ) -> BotRuntime:
        """The Bolt app over a ready `engine`, `records` and `pool`, with the parts that
        run threads: the answerer (its queue dispatcher feeds `pool`), the vote queue
        and Bolt's listener threads. `close()` stops every one of them and `pool`; the
        records stay open (they are the caller's). No model watcher.
        """
        client = client or build_client(settings)
        answerer = build_answerer(settings, engine, records, pool, client)
        votes = build_vote_queue(settings, records)
        listener_executor = build_listener_executor(settings)
        try:
            app = build_app(settings, engine, records, client, answerer=answerer, votes=votes,
                            listener_executor=listener_executor, socket_mode=socket_mode,
                            retrain_log=retrain_log)
        except BaseException:
            answerer.close()
            listener_executor.shutdown(wait=False)
            votes.close()
            raise
        return cls(settings=settings, engine=engine, records=records, pool=pool, app=app,
                   votes=votes, listener_executor=listener_executor, answerer=answerer,
                   checks=Health(records, engine, votes=votes, data_dir=settings.data_dir,
                                 min_free_disk_mb=settings.bot.min_free_disk_mb),
                   owns_records=False)

    @classmethod
    def start(
        cls,
        settings: ServingSettings,
        *,
        socket_mode: bool = False,
        engine: Engine | None = None,
        client: WebClient | None = None,
        retrain_log: Callable[[], Any] | None = None,
    ) -> BotRuntime:
        """Check settings and Slack, open the records, load and warm the engine, build the app.

        Raises MissingSlackSetting, SlackStartupError (bot/startup.py) before anything
        loads; then DatabaseUnavailable or SQLAlchemy's OperationalError for the records,
        KnowledgeBaseUnavailable and ModelLoadError for the engine.
        """
        check_slack_settings(settings, socket_mode=socket_mode)
        client = client or build_client(settings)
        check_slack(settings, client, socket_mode=socket_mode)  # a wrong token fails in 1 s
        limit_malloc_arenas(settings.bot.malloc_arena_max)  # before the bot's threads exist
        records = Records(settings.resolved_database_url,
                          timeouts=DbTimeouts.from_settings(settings))
        records.warm_up()
        if engine is None:
            from qa_engine.pipeline import AnswerEngine

            engine = AnswerEngine.from_settings(settings)
        warm_up = getattr(engine, "warm_up", None)
        if warm_up is not None:
            warm_up()
        # Questions wait in the durable queue, not in the pool: it holds running ones only.
        pool = QuestionPool(settings.bot.worker_threads, 0, on_error=handle_error)
        try:
            runtime = cls.assemble(settings, engine, records, pool, client,
                                   socket_mode=socket_mode, retrain_log=retrain_log)
        except (BoltError, OSError) as exc:  # Slack changed its mind since check_slack
            pool.shutdown(wait=False)
            raise explain(exc, "SLACK_BOT_TOKEN", settings) from exc
        from qa_engine.watcher import start_model_watcher

        runtime.watcher = start_model_watcher(settings, engine,
                                              settings.bot.model_watch_interval_s)
        runtime.owns_records = True
        runtime.retention = start_retention(build_governance(settings, records),
                                            settings.bot.retention_check_hours)
        release_free_memory()  # what loading the models and the knowledge base freed
        logger.info(
            "bot ready: model %s, %d workers, up to %d questions queued (%.0f s wait at most)",
            getattr(engine, "model_version", "?"),
            settings.bot.worker_threads,
            settings.bot.max_queued,
            settings.bot.max_wait_s,
        )
        return runtime

    def health(self) -> dict[str, Any]:
        """The checks of bot/health.py (database, knowledge base, a probe answer), then
        in-memory figures (the queue's among them: no count query here)."""
        checks = self.checks.report() if self.checks is not None else {}
        health: dict[str, Any] = {
            **checks,
            "model_version": getattr(self.engine, "model_version", None),
            "questions_in_flight": self.pool.admitted,
            "capacity": self.pool.capacity,
        }
        if self.answerer is not None:
            health["queue"] = {
                "owner": self.answerer.dispatcher.owner,
                "held": self.answerer.dispatcher.held,
                "finished_per_minute": self.answerer.dispatcher.finished_per_minute,
                "channels_waiting": self.answerer.scheduler.blocked(),
                "rate_limited": self.answerer.scheduler.rate_limited_count,
            }
        return health

    def close(self) -> None:
        """Stop taking work, finish what was admitted, then stop the background threads."""
        if self.retention is not None:
            self.retention.shutdown(wait=True)
        if self.watcher is not None:
            self.watcher.stop()
        if self.listener_executor is not None:
            self.listener_executor.shutdown(wait=True)
        if self.answerer is not None:
            self.answerer.close()  # claims nothing more; the unclaimed stay queued
        self.pool.shutdown(wait=True)
        if self.votes is not None:
            self.votes.close()
        if self.owns_records:
            self.records.close()
