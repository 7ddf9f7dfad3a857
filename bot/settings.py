"""The bot's settings groups, `settings.bot` (the serving bot: queue, posting, team) and
`settings.slack` (its API), and `ServingSettings`: `qa_engine.settings.Settings` with
these two groups added, which the composition root (`stylesprint/`) builds, one per
process, and passes down (the engine and training take it as a `Settings`).

Environment names: `STYLESPRINT_` + field for the bot, `SLACK_` + field for Slack's
secrets and API; the field name in capitals.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from qa_engine.settings import OFF, Settings, SettingsGroup, split_ids


def slack_id(value: str | None) -> str | None:
    """A Slack channel/user group id, or None when empty."""
    if value is None or not value.strip():
        return None
    if not value.strip().isalnum():
        raise ValueError(f"{value!r} is not a Slack id (e.g. C0123ABCD or S0123ABCD)")
    return value.strip()


class SlackSettings(SettingsGroup):
    """Slack's secrets (no defaults: a missing one is reported by the command that needs it)."""

    model_config = SettingsConfigDict(env_prefix="SLACK_")

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = Field(None, description="Socket Mode only.")
    api_url: str | None = Field(None, description="Override the Web API base URL.")

    # --- whose requests are answered (bot/tenancy.py) ----------------------------------
    allowed_team_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated workspace ids (T...) whose requests are answered; "
        "empty = the bot token's own workspace (auth.test).",
    )
    allowed_app_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated app ids (A...) whose requests are answered; empty = the "
        "app the bot token belongs to (bots.info).",
    )
    allowed_enterprise_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated Enterprise Grid org ids (E...) whose requests are "
        "answered; empty = the bot token's own org, if it has one.",
    )
    allow_shared_channels: bool = Field(
        False,
        description="Answer in Slack Connect channels (shared with another company); off "
        "by default: their members from outside would read the knowledge base.",
    )

    @field_validator("allowed_team_ids", "allowed_app_ids", "allowed_enterprise_ids",
                     mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return split_ids(value)


class BotSettings(SettingsGroup):
    """How a serving bot queues, answers and posts, and who its team is."""

    model_config = SettingsConfigDict(env_prefix="STYLESPRINT_")

    # --- health ----------------------------------------------------------------------
    min_free_disk_mb: float = Field(
        100.0,
        ge=0,
        description="/healthz reports the disk of the data directory as failing below this "
        "much free space (MB): the records, the question queue and the vote spool live there.",
    )

    # --- queue and posting -----------------------------------------------------------
    worker_threads: int = Field(2, ge=1, description="Questions answered in parallel.")
    max_queued: int = Field(
        1000,
        ge=1,
        description="Questions allowed to wait in the durable queue (all replicas together); "
        "beyond that askers are told 'busy' at once.",
    )
    max_wait_s: float = Field(
        600.0,
        gt=0,
        le=1800,
        description="Longest estimated wait a question is admitted with (the asker is told "
        "their place in line and the wait); beyond it they are told 'busy'.",
    )
    question_expiry_s: float = Field(
        1500.0,
        gt=0,
        le=1800,
        description="A queued question not started by then (restart, outage) is not answered; "
        "its asker is told to ask again (Slack's response_url lasts 30 minutes).",
    )
    queue_lease_s: float = Field(
        30.0,
        ge=3,
        description="A replica's hold on a question it answers, renewed while it works; a "
        "replica that dies loses its questions to the others after this long.",
    )
    queue_poll_s: float = Field(
        0.5,
        gt=0,
        le=60,
        description="How often an idle replica looks for questions others admitted or "
        "deferred.",
    )
    post_interval_s: float = Field(
        1.0,
        ge=0,
        description="Least time between two answers posted in one channel (Slack allows "
        "about one message per second per channel).",
    )
    post_verify_s: float = Field(
        10.0,
        ge=0,
        description="After a chat.postMessage that timed out or failed with a 5xx, how long "
        "the bot looks for the message before posting it again.",
    )
    listener_threads: int = Field(
        32,
        ge=1,
        description="Threads Bolt runs listeners on (acknowledgements wait for a free one).",
    )
    malloc_arena_max: int | None = Field(
        2,
        ge=1,
        description="Cap on glibc malloc arenas in a serving process ('off': glibc's default "
        "of 8 per core); keeps resident memory flat under concurrency (qa_engine/memory.py).",
    )
    model_watch_interval_s: float = Field(
        30.0,
        ge=0,
        description="How often a serving bot checks the registry for a new version; 0 = never.",
    )

    # --- data governance (docs/operations.md, "Security and data") ---------------------
    retention_days: int | None = Field(
        180,
        ge=1,
        description="Days the question text and passages of answers, corrections and queued "
        "questions are kept (rows stay for counts, the text goes); 'off' = for ever.",
    )
    retention_check_hours: float = Field(
        6.0,
        gt=0,
        description="How often a serving bot applies the retention period (also once at "
        "start); `stylesprint retention apply` applies it at once.",
    )

    # --- the team: hand-offs, App Home -----------------------------------------------
    escalation_channel: str | None = Field(
        None,
        description="Channel id that gets 'Ask a team lead' hand-offs; unset = no such button.",
    )
    escalation_usergroup: str | None = Field(
        None, description="User group id (S...) mentioned on every hand-off post."
    )
    lead_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated user ids of the leads: they see the lead view of the "
        "App Home, and may publish, approve and withdraw verified answers.",
    )
    lead_usergroup: str | None = Field(
        None, description="User group id (S...) whose members are leads (as "
        "STYLESPRINT_LEAD_USERS)."
    )
    review_channel: str | None = Field(
        None,
        description="Channel id where agents' corrections waiting for approval are posted "
        "with an Approve button; unset = the leads' App Home only.",
    )
    peer_confirm: bool = Field(
        True,
        description="A second agent of the answer's channel may confirm (publish) another "
        "agent's correction; off = leads only.",
    )

    # --- the team's own names: command, bot, brand (bot/branding.py, `stylesprint manifest`)
    command: str = Field(
        "/stylesprint",
        description="The slash command the bot answers, as the Slack app declares it "
        "(`stylesprint manifest` writes it into the manifest).",
    )
    app_name: str = Field(
        "StyleSprint Assist", max_length=35,
        description="The bot's name in help, the App Home and the manifest.",
    )
    bot_display_name: str = Field(
        "StyleSprint", max_length=80,
        description="The bot user's display name (what agents @-mention).",
    )
    brand: str = Field(
        "StyleSprint", max_length=80,
        description="The retailer's name in the manifest's description of the bot.",
    )
    public_url: str = Field(
        "https://stylesprint.example.com",
        description="Public HTTPS address of `stylesprint serve`, for the manifest's request "
        "URLs.",
    )

    @field_validator("command")
    @classmethod
    def _command(cls, value: str) -> str:
        name = value.strip().lower()
        name = name if name.startswith("/") else f"/{name}"
        if not re.fullmatch(r"/[a-z0-9][a-z0-9_-]{0,30}", name):
            raise ValueError(f"STYLESPRINT_COMMAND {value!r} is not a Slack command name: a "
                             "slash, then up to 31 lower-case letters, digits, - or _")
        return name

    @field_validator("app_name", "bot_display_name", "brand")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a name may not be empty")
        return value.strip()

    @field_validator("lead_users", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        return split_ids(value)

    @field_validator("escalation_channel", "escalation_usergroup", "lead_usergroup",
                     "review_channel")
    @classmethod
    def _slack_id(cls, value: str | None) -> str | None:
        return slack_id(value)

    @field_validator("malloc_arena_max", mode="before")
    @classmethod
    def _arenas(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in OFF:
            return None
        return value

    @field_validator("retention_days", mode="before")
    @classmethod
    def _retention_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in OFF:
            return None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> BotSettings:
        """Cross-field rules, checked at load: one line at start-up."""
        if self.max_wait_s >= self.question_expiry_s:
            raise ValueError(
                f"STYLESPRINT_MAX_WAIT_S ({self.max_wait_s:g}) must be below "
                f"STYLESPRINT_QUESTION_EXPIRY_S ({self.question_expiry_s:g}): a question "
                "admitted with that wait would expire before its turn"
            )
        # The dispatcher renews held leases when it wakes (at least every poll) once a third
        # of the lease has passed: a longer poll lets leases lapse while questions are answered.
        if self.queue_poll_s > self.queue_lease_s / 3:
            raise ValueError(
                f"STYLESPRINT_QUEUE_POLL_S ({self.queue_poll_s:g}) must be at most a third of "
                f"STYLESPRINT_QUEUE_LEASE_S ({self.queue_lease_s:g}): leases are renewed "
                "between polls"
            )
        if self.escalation_usergroup and not self.escalation_channel:
            raise ValueError(
                "STYLESPRINT_ESCALATION_USERGROUP needs STYLESPRINT_ESCALATION_CHANNEL "
                "(the group is mentioned on hand-off posts in that channel)"
            )
        return self


class ServingSettings(Settings):
    """Every group: the engine's, retraining's and the services' (`Settings`), and the
    bot's and Slack's; what the composition root builds for every process."""

    #: in the order problems are reported (the bot's after the engine's, as ever)
    groups: ClassVar[dict[str, type[SettingsGroup]]] = {
        "engine": Settings.groups["engine"], "bot": BotSettings, "slack": SlackSettings,
        **Settings.groups}

    bot: Annotated[BotSettings, NoDecode] = Field(default_factory=BotSettings)
    slack: Annotated[SlackSettings, NoDecode] = Field(default_factory=SlackSettings)
