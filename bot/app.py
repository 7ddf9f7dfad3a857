"""`build_app()`: the one Bolt `App` of StyleSprint Assist, built explicitly from settings.

The transport is chosen at the edge (`bot.server` for HTTP, `bot.socket` for
Socket Mode); everything here is the same in both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import listeners, middleware
from bot.answering import Answerer, Engine, QueueOptions
from bot.branding import Branding
from bot.context import ListenerDeps, provide
from bot.errors import handle_error
from bot.membership import ChannelMembers
from bot.pool import QuestionPool
from bot.settings import ServingSettings
from bot.state.erasure import BOT_TABLES
from bot.team import Team
from bot.tenancy import AllowedTenants, SharedChannels, TenancyUnknown
from bot.vote_queue import VoteQueue
from qa_engine.db import secure_dir
from qa_engine.governance import DataGovernance
from qa_engine.logs import protect_library_loggers
from qa_engine.records import Records
from qa_engine.retrieve.verified_index import knowledge_base_of

logger = logging.getLogger(__name__)


class MissingSlackSetting(ValueError):
    """A token or secret the chosen transport needs is not configured."""


def build_client(settings: ServingSettings) -> WebClient:
    """Web API client with retries for connection errors, 429s and 5xx responses."""
    if settings.slack.bot_token is None:
        raise MissingSlackSetting("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    kwargs: dict[str, Any] = {}
    if settings.slack.api_url:
        kwargs["base_url"] = settings.slack.api_url.rstrip("/") + "/"
    return WebClient(
        token=settings.slack.bot_token.get_secret_value(),
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
        **kwargs,
    )


def build_listener_executor(settings: ServingSettings) -> ThreadPoolExecutor:
    """Bolt's listener threads; acks wait for a free one and Bolt's default has only 5."""
    return ThreadPoolExecutor(
        max_workers=settings.bot.listener_threads, thread_name_prefix="bolt-listener"
    )


def build_vote_queue(settings: ServingSettings, records: Records) -> VoteQueue:
    """The vote queue, spooling under the data directory (made private: 0700)."""
    secure_dir(settings.data_dir)
    return VoteQueue(records, settings.data_dir / "pending-votes.jsonl")


def build_governance(settings: ServingSettings, records: Records) -> DataGovernance:
    """Retention (`STYLESPRINT_RETENTION_DAYS`), erasure and purge over `records` (the
    bot's own tables included) and the data directory's training files."""
    days = settings.bot.retention_days
    return DataGovernance(records, settings.data_dir,
                          retention=timedelta(days=days) if days else None, parts=BOT_TABLES)


def build_answerer(settings: ServingSettings, engine: Engine, records: Records, pool: QuestionPool,
                   client: WebClient) -> Answerer:
    """The answerer over the durable question queue in `records`, with the queue settings."""
    return Answerer(engine=engine, records=records, pool=pool, client=client,
                    options=QueueOptions.from_settings(settings),
                    handoff=settings.bot.escalation_channel is not None)


def build_app(
    settings: ServingSettings,
    engine: Engine,
    records: Records,
    client: WebClient,
    *,
    answerer: Answerer,
    votes: VoteQueue,
    listener_executor: ThreadPoolExecutor,
    socket_mode: bool = False,
    retrain_log: Callable[[], Any] | None = None,
) -> App:
    """The Bolt app with every listener and middleware registered.

    It starts no thread of its own: the parts that run threads (the answerer's queue
    dispatcher and its pool, the vote queue's flusher, Bolt's listener threads) are
    built by the caller, who closes them: `BotRuntime.assemble` builds them all, and
    `BotRuntime.close()` stops them.

    Args:
        settings: tokens, signing secret, `SLACK_API_URL`.
        engine: a warmed-up `AnswerEngine` (anything with `ask(question) -> Answer`).
        records: where answers, votes and corrections go.
        client: a ready Web API client (`build_client(settings)`).
        answerer: what listeners hand questions to (`build_answerer`).
        votes: the vote queue (`build_vote_queue`).
        listener_executor: the threads Bolt runs listeners on (`build_listener_executor`).
        socket_mode: Socket Mode needs no signing secret (requests come over the socket).
        retrain_log: the last finished retrain run, for the App Home (training's run
            log, wired by the composition root: `stylesprint.jobs.retrain_log`).
    """
    signing_secret = settings.slack.signing_secret
    if signing_secret is None and not socket_mode:
        raise MissingSlackSetting(
            "SLACK_SIGNING_SECRET is not set (Basic Information > App Credentials > Signing Secret)"
        )
    app = App(
        client=client,  # auth.test runs here: a bad token fails at start-up, not on a question
        signing_secret=signing_secret.get_secret_value() if signing_secret else "",
        process_before_response=False,
        name="stylesprint",
        # Acks wait for a free listener thread; Bolt's default pool has only 5.
        listener_executor=listener_executor,
    )
    protect_library_loggers()  # Bolt's loggers exist now: no request bodies at INFO
    app.error(handle_error)
    try:  # our workspace and app: from the settings, else the bot token's (auth.test)
        tenants = AllowedTenants.resolve(settings.slack, client)
    except TenancyUnknown as exc:
        raise MissingSlackSetting(str(exc)) from exc
    branding = Branding.from_settings(settings)
    middleware.register(app, records, tenants, branding.app_name,
                        escalation_channel=settings.bot.escalation_channel)
    team = Team.for_engine(settings, records, engine, retrain_log)
    app.middleware(provide(ListenerDeps(
        answerer=answerer, records=records, votes=votes, team=team,
        kb=knowledge_base_of(engine), members=ChannelMembers(),
        shared_channels=SharedChannels(settings.slack.allow_shared_channels),
        governance=build_governance(settings, records), branding=branding)))
    listeners.register(app, command=branding.command)
    return app
