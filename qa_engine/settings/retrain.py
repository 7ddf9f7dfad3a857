"""`Settings.retrain`: the weekly gated retrain (stylesprint retrain / scheduler).

Environment names are `STYLESPRINT_RETRAIN_` + the field name in capitals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from qa_engine.settings._base import SettingsGroup, split_paths

_Margin = Annotated[float, Field(ge=0, le=1)]


class RetrainSettings(SettingsGroup):
    """When a retrain runs, what it trains on, and the gate a candidate must pass."""

    model_config = SettingsConfigDict(env_prefix="STYLESPRINT_RETRAIN_")

    # --- schedule --------------------------------------------------------------------
    day: str = Field(
        "sun", description="Day(s) of the weekly retrain, cron style: sun, mon-fri, ..."
    )
    hour: int = Field(3, ge=0, le=23)
    minute: int = Field(0, ge=0, le=59)
    cron: str | None = Field(
        None, description="A full crontab expression; overrides day/hour/minute when set."
    )
    timezone: str = "UTC"
    misfire_grace_s: int = Field(
        6 * 3600,
        ge=1,
        description="A run missed while the scheduler was down still starts this late.",
    )
    timeout_s: int = Field(
        4 * 3600,
        ge=1,
        description="Training + evaluation is stopped (and the run failed) after this long.",
    )

    # --- the gate: not worse than the serving version by more than these ----------------
    margin_f1: _Margin = 0.01
    margin_similarity: _Margin = 0.01
    margin_unanswerable: _Margin = 0.02
    margin_feedback_f1: _Margin = Field(
        0.05, description="Gate margin on the held-out feedback slice (small, so wider)."
    )
    margin_feedback_unanswerable: _Margin = 0.05
    margin_field_f1: _Margin = Field(
        0.01, description="Gate margins on the field-test set, asked end to end of its own KB."
    )
    margin_field_unanswerable: _Margin = 0.02
    field_gold: Path | None = Field(
        None,
        description="Field-test questions the gate asks end to end. Empty = the shipped "
        "training/data/field_test/questions.jsonl; 'off' = no field-test gate.",
    )
    field_kb: Annotated[list[Path] | None, NoDecode] = Field(
        None,
        description="Comma-separated KB files/folders of the field test. Empty = the "
        "shipped training/data/field_test/kb.",
    )
    field_sample: int = Field(
        400,
        ge=0,
        description="Field-test questions asked per model (a seeded sample keeping the "
        "answerable/unanswerable mix); 0 = all.",
    )

    # --- training data ---------------------------------------------------------------
    feedback_repeat: int = Field(
        12, ge=1, description="Each feedback example appears this many times in a retrain's data."
    )
    min_feedback_fit: float = Field(
        0.95,
        ge=0,
        le=1,
        description="Share of the trained feedback examples the candidate must answer right "
        "(F1 >= 0.5, or declined when the feedback says decline); below it the run fails.",
    )
    require_confirmed: bool = Field(
        True,
        description="Every confirmed answer (👍 on an answer or a decline) trained on must be "
        "right after training, or the run fails (issue 23).",
    )
    base_data: Annotated[list[Path] | None, NoDecode] = Field(
        None, description="Comma-separated training files. Empty = the shipped train split."
    )
    base_sample: int = Field(
        1200,
        ge=0,
        description="Base examples per retrain (a fresh seeded sample each run); 0 = all.",
    )
    synthetic_replay: int = Field(
        1000,
        ge=0,
        description="Fresh synthetic examples (training/synth, seeded by the run id) mixed into "
        "every retrain so the reader keeps reading unseen stores well; 0 = none.",
    )
    gold_data: Path | None = Field(
        None, description="Frozen dev/gold file, never trained on. Empty = the shipped dev split."
    )
    heldout_share: float = Field(
        0.2,
        ge=0,
        lt=1,
        description="Share of corrections kept out of training for the gold set.",
    )
    epochs: float = Field(1.0, gt=0)
    max_steps: int | None = Field(None, ge=1)

    # --- the summary in Slack --------------------------------------------------------
    channel: str | None = Field(
        None, description="Slack channel id that gets a one-line summary of every retrain."
    )
    post_gaps: bool = Field(
        False, description="Add the week's top knowledge gaps to the retrain summary in Slack."
    )

    @field_validator("base_data", "field_kb", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        return split_paths(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RetrainSettings:
        """Cross-field rules, checked at load: one line at start-up."""
        if self.post_gaps and not self.channel:
            raise ValueError(
                "STYLESPRINT_RETRAIN_POST_GAPS needs STYLESPRINT_RETRAIN_CHANNEL "
                "(the gaps are added to the summary posted there)"
            )
        return self
