"""Helpers shared by the CLI commands: settings, errors, exit codes.

`quiet_libraries` lives in `qa_engine.logs` (training and bench use it too); it is
re-exported here for the commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer

from bot.settings import ServingSettings
from qa_engine.logs import quiet_libraries

__all__ = ["fail", "settings_or_exit", "database_or_exit", "quiet_libraries"]

# Exit codes shared by the commands (the table is in docs/operations.md).
EXIT_USAGE = 2  # bad input, usage, a missing or invalid setting
EXIT_KB = 3  # the knowledge base cannot be opened
EXIT_MODEL = 4  # no reader version can be loaded
EXIT_DATABASE = 5  # the records database (DATABASE_URL) cannot be used
EXIT_SLACK_REJECTED = 6  # Slack refused a token or the app's configuration
EXIT_SLACK_UNREACHABLE = 7  # Slack's API cannot be reached
EXIT_NOTHING_TO_INGEST = 8  # `ingest` found no supported file under its paths


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """One-line error on stderr and a non-zero exit (2 = bad input or usage)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> ServingSettings:
    from pydantic import ValidationError

    try:
        return ServingSettings()
    except ValidationError as exc:
        problems = "; ".join(
            (f"{'.'.join(str(p) for p in e['loc'])}: " if e["loc"] else "")
            + e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        )
        fail(f"invalid settings ({problems}); see .env.example")


@contextmanager
def database_or_exit(url: str) -> Iterator[None]:
    """Turn "the records database cannot be used" into one line naming DATABASE_URL, exit 5.

    Covers a URL that is not one, a missing driver, and connection failures (server
    down, wrong host, authentication); other database errors are not caught here.
    """
    from sqlalchemy.exc import InterfaceError, OperationalError

    from qa_engine.db import DatabaseUnavailable, unavailable

    try:
        yield
    except (DatabaseUnavailable, OperationalError, InterfaceError) as exc:
        fail(str(unavailable(url, exc)), code=EXIT_DATABASE)
