"""`stylesprint`: the one console command that fronts the answer engine, training and the bot.

Each command group lives in its own module with a `register(app)` function; heavy
libraries (torch, chromadb, slack) are imported inside the commands so that
`stylesprint --help` stays instant.
"""

from __future__ import annotations

import typer

from stylesprint.cli import (
    ask,
    evaluate,
    gaps,
    ingest,
    manifest,
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
for _module in (ask, ingest, train, models, slack, evaluate, retrain, gaps, manifest):
    _module.register(app)


def main() -> None:
    app()
