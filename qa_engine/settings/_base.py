"""What every settings group shares: where values come from, and the list parsers."""

from __future__ import annotations

from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

OFF = ("", "off", "none")  # values that switch an optional tuning setting off


class SettingsGroup(BaseSettings):
    """One group of settings: its fields are its environment names minus `env_prefix`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        # The environment and .env hold every group's names; each group takes its own.
        extra="ignore",
        # `NAME=` (as .env.example lists the optional settings) means "the default".
        env_ignore_empty=True,
    )

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable that sets `field`."""
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    @classmethod
    def field_default(cls, field: str) -> Any:
        """The declared default of `field` (no environment read): what a component's own
        default derives from, so that no default is copied out of the settings."""
        return cls.model_fields[field].get_default(call_default_factory=True)

    @classmethod
    def env_names(cls) -> list[str]:
        return [cls.env_name(name) for name in cls.model_fields]


def split_paths(value: Any) -> Any:
    """`a, b/c` -> ["a", "b/c"] (None when nothing is left)."""
    if isinstance(value, str):
        return [p for p in value.split(",") if p.strip()] or None
    return value


def split_ids(value: Any) -> Any:
    """`U1, U2` -> ["U1", "U2"]."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value
