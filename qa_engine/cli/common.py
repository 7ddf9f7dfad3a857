"""Helpers shared by the CLI commands: settings, errors, quiet third-party logging."""

from __future__ import annotations

import logging
import os
import warnings
from typing import NoReturn

import typer

from qa_engine.settings import Settings


def fail(message: str, code: int = 2) -> NoReturn:
    """One-line error on stderr and a non-zero exit (2 = bad input or usage)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    from pydantic import ValidationError

    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        fail(f"invalid settings ({problems}); see .env.example")


def quiet_libraries() -> None:
    """Offline and quiet: no hub lookups, no load reports, no telemetry."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    warnings.filterwarnings("ignore")
    for name in ("transformers", "sentence_transformers", "chromadb", "peft", "httpx"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import transformers

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - transformers is a hard dependency
        pass
