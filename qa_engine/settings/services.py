"""`Settings.services` (where the records database and Chroma live) and `Settings.openai`.

These keep the conventional names of the services they point at: `DATABASE_URL`,
`CHROMA_HOST`, `CHROMA_PORT` (no prefix: the field is the name in lower case) and
`OPENAI_` + field for the chat model of the in-context comparison.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from qa_engine.settings._base import SettingsGroup


class ServiceSettings(SettingsGroup):
    """The external services; empty = embedded Chroma and SQLite under the data directory."""

    model_config = SettingsConfigDict(env_prefix="")

    database_url: str | None = Field(
        None, description="SQLAlchemy URL. Empty = SQLite file under the data directory."
    )
    chroma_host: str | None = Field(
        None, description="Chroma server. Empty = embedded Chroma under the data directory."
    )
    chroma_port: int = 8000


class OpenAISettings(SettingsGroup):
    """The chat model of the evaluation's in-context comparison (stylesprint eval)."""

    model_config = SettingsConfigDict(env_prefix="OPENAI_")

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str = "gpt-4o-mini"
    price_per_1k_tokens: float = Field(0.0006, ge=0)
