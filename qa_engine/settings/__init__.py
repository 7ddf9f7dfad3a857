"""The one place StyleSprint Assist reads its configuration from.

Every setting can come from the environment or from a `.env` file in the working
directory; `.env.example` lists them all. Secrets are `SecretStr` and have no
defaults: a missing token is reported by the command that needs it, never
replaced by a placeholder.

Design. The environment names are the public contract (.env.example, README, docs/),
so the code follows them: settings come in groups, one `BaseSettings` class each with
its own `env_prefix`, and a field is named exactly like its variable minus that prefix
(`STYLESPRINT_RETRAIN_MARGIN_FIELD_F1` is `settings.retrain.margin_field_f1`). No
aliases: reading a field name tells you the variable, and back. The groups:

=====================  ========================  ==========================================
`settings.engine`      `STYLESPRINT_`            models, knowledge base, reader, replies,
                                                 database timeouts (engine.py)
`settings.retrain`     `STYLESPRINT_RETRAIN_`    schedule, gate margins, training data (retrain.py)
`settings.services`    none                      `DATABASE_URL`, `CHROMA_HOST`, `CHROMA_PORT`
`settings.openai`      `OPENAI_`                 the evaluation's in-context model (services.py)
`settings.bot`         `STYLESPRINT_`            the serving bot: queue, posting, team
                                                 (`bot/settings.py`, on `ServingSettings`)
`settings.slack`       `SLACK_`                  Slack's secrets and API URL (the same)
=====================  ========================  ==========================================

`data_dir` (`STYLESPRINT_DATA_DIR`) is the state every part shares (Chroma, SQLite,
the model registry), so it sits on `Settings` itself with the paths derived from it.
The engine and the bot share the `STYLESPRINT_` prefix (renaming variables is not an
option) and are still two groups: what a bot needs to serve is not what answering needs.
`Settings` here holds the groups of the engine, of retraining and of the services; the
bot's and Slack's groups are the bot's own (`bot/settings.py`), and its
`ServingSettings` is `Settings` with them added (a class adds groups through `groups`).
The composition root (`stylesprint/`) builds one `ServingSettings` per process, with
every group, and passes it down: the engine and training take it as a `Settings`.

Building. `Settings()` reads every group from the environment and `.env`;
`Settings(_env_file=None)` or `Settings(_env_file=path)` chooses the file for every
group at once. Values given in code are per group and win over the environment:
`Settings(data_dir=d, engine={"top_k": 1}, retrain={"max_steps": 2})`. A copy with
some values changed is `settings.updated(engine={"verified_answers": False})`.

Errors. Each group checks its own cross-field rules (`model_validator`), `Settings`
those between groups; every error names the environment variable, so
`STYLESPRINT_DOC_STRIDE=999 stylesprint ask x` is one line (stylesprint/cli/common.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, get_args

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import NoDecode, SettingsConfigDict
from pydantic_settings.sources import ENV_FILE_SENTINEL, DotenvType

from qa_engine.settings._base import OFF, SettingsGroup, split_ids
from qa_engine.settings.engine import EngineSettings, bundled_minilm_path
from qa_engine.settings.retrain import RetrainSettings
from qa_engine.settings.services import OpenAISettings, ServiceSettings

__all__ = [
    "OFF",
    "EngineSettings",
    "OpenAISettings",
    "RetrainSettings",
    "ServiceSettings",
    "Settings",
    "SettingsGroup",
    "bundled_minilm_path",
    "split_ids",
]

#: attribute of Settings -> its group
GROUPS: dict[str, type[SettingsGroup]] = {
    "engine": EngineSettings,
    "retrain": RetrainSettings,
    "services": ServiceSettings,
    "openai": OpenAISettings,
}


class Settings(SettingsGroup):
    """Settings of the engine, retraining and the services; build one per process (the
    composition root builds `bot.settings.ServingSettings`, which adds the bot's groups)
    and pass it down."""

    model_config = SettingsConfigDict(env_prefix="STYLESPRINT_")
    #: attribute -> its group (a subclass adds its own groups' fields and entries)
    groups: ClassVar[dict[str, type[SettingsGroup]]] = GROUPS

    data_dir: Path = Field(
        Path(".stylesprint"),
        description="Holds the Chroma directory, the SQLite database and the model registry.",
    )
    # Each group reads its own variables (in __init__); NoDecode: a stray variable named like
    # a group (STYLESPRINT_ENGINE) is not parsed as JSON, and the group built in code wins.
    engine: Annotated[EngineSettings, NoDecode] = Field(default_factory=EngineSettings)
    retrain: Annotated[RetrainSettings, NoDecode] = Field(default_factory=RetrainSettings)
    services: Annotated[ServiceSettings, NoDecode] = Field(default_factory=ServiceSettings)
    openai: Annotated[OpenAISettings, NoDecode] = Field(default_factory=OpenAISettings)

    def __init__(self, _env_file: DotenvType | None = ENV_FILE_SENTINEL, **values: Any) -> None:
        unknown = sorted(set(values) - set(type(self).model_fields))
        if unknown:
            raise TypeError(f"{type(self).__name__} has no {', '.join(unknown)} (values go by "
                            f"group: {', '.join(type(self).groups)})")
        errors: list[Any] = []
        for name, group in type(self).groups.items():
            given = values.get(name)
            if isinstance(given, SettingsGroup):
                continue
            _check_names(group, given or {})
            try:  # the group reads the same .env as Settings, under the given values
                values[name] = group(_env_file=_env_file, **(given or {}))
            except ValidationError as exc:
                errors += _named(exc, group)
        if not errors:
            try:
                super().__init__(_env_file=_env_file, **values)
                return
            except ValidationError as exc:
                errors += _named(exc, type(self))
        raise ValidationError.from_exception_data(type(self).__name__, errors)

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Any:  # type: ignore[override]
        """A dump validates as this class, without the groups it does not hold (a
        `ServingSettings` dump handed to training's child process validates as a
        `Settings`); values given in code for a group it lacks are still refused."""
        if isinstance(obj, Mapping):
            obj = {name: value for name, value in obj.items() if name in cls.model_fields}
        return super().model_validate(obj, **options)

    # --- derived locations ---------------------------------------------------------------
    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def resolved_database_url(self) -> str:
        if self.services.database_url:
            return self.services.database_url
        return f"sqlite:///{(self.data_dir / 'stylesprint.db').resolve()}"

    # --- copies and dumps ----------------------------------------------------------------
    def updated(self, **changes: Any) -> Settings:
        """A copy with some values changed, by group: `updated(engine={"top_k": 1})`.

        Like `model_copy(update=...)`, the new values are not validated.
        """
        update: dict[str, Any] = {}
        groups = type(self).groups
        for name, value in changes.items():
            if name not in type(self).model_fields:
                raise TypeError(f"{type(self).__name__} has no {name}")
            if name in groups and isinstance(value, Mapping):
                _check_names(groups[name], value)
                value = getattr(self, name).model_copy(update=dict(value))
            update[name] = value
        return self.model_copy(update=update)

    def dump_without_secrets(self, **dump_options: Any) -> dict[str, Any]:
        """`model_dump` without the `SecretStr` values (what a child process or a stored
        job may carry; it reads its secrets from the environment)."""
        secrets = {name: {field for field, info in group.model_fields.items()
                          if info.annotation is not None and SecretStr in _types(info.annotation)}
                   for name, group in type(self).groups.items()}
        exclude = {name: fields for name, fields in secrets.items() if fields}
        return self.model_dump(exclude=exclude, **dump_options)

    @classmethod
    def env_names(cls) -> list[str]:
        """Every environment variable a setting is read from."""
        names = [cls.env_name(n) for n in cls.model_fields if n not in cls.groups]
        return names + [name for group in cls.groups.values() for name in group.env_names()]


def _types(annotation: Any) -> tuple[Any, ...]:
    return (annotation, *get_args(annotation))


def _check_names(group: type[SettingsGroup], given: Mapping[str, Any]) -> None:
    unknown = sorted(set(given) - set(group.model_fields))
    if unknown:
        raise TypeError(f"{group.__name__} has no {', '.join(unknown)}")


def _named(exc: ValidationError, group: type[SettingsGroup]) -> list[Any]:
    """The errors of `exc` with each field named by its environment variable."""
    named = []
    for error in exc.errors():
        loc = error["loc"]
        if loc and isinstance(loc[0], str):
            loc = (group.env_name(loc[0]), *loc[1:])
        detail = {"type": error["type"], "loc": loc, "input": error.get("input")}
        if "ctx" in error:
            detail["ctx"] = error["ctx"]
        named.append(detail)
    return named
