"""`stylesprint`: the one console command that fronts the answer engine, training and the bot.

Each command group lives in its own module with a `register(app)` function; heavy
libraries (torch, chromadb, slack) are imported inside the commands so that
`stylesprint --help` stays instant.

Every file and directory the command writes is private to its user (files 0600,
directories 0700): `main()` sets the process umask before any command runs, so
SQLite, Chroma, the model registry, the retrain folders and the feedback exports are
created that way from the first command on (docs/operations.md, "Security and data").
"""

from __future__ import annotations

import os

import typer

from stylesprint.cli import (
    ask,
    db,
    evaluate,
    gaps,
    govern,
    ingest,
    models,
    retrain,
    slack,
    train,
)
from stylesprint.cli.help import App

app: typer.Typer = App(
    name="stylesprint",
    help="StyleSprint Assist: answers support agents' product and policy questions.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# retrain after slack: it adds `feedback dataset` to the `feedback` group slack creates
for _module in (ask, ingest, train, models, slack, evaluate, retrain, gaps, govern, db):
    _module.register(app)


def main() -> None:
    from qa_engine.private import PRIVATE_UMASK

    os.umask(PRIVATE_UMASK)  # before anything is written (children inherit it)
    app()
