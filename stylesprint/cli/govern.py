"""`stylesprint forget USER_ID` and `stylesprint retention apply`: data a retailer governs.

Both print a count per place (every table, then each training file touched) and are
idempotent; docs/operations.md ("Security and data") says what each removes.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import typer

from stylesprint.cli.common import database_or_exit, fail, settings_or_exit
from stylesprint.cli.help import App

# Slack user ids: U… or W… (Enterprise Grid), capitals and digits
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def governance(settings: Any) -> Any:
    """`DataGovernance` over the settings' records and data directory (warmed up)."""
    from bot.state.erasure import BOT_TABLES
    from qa_engine.db import DbTimeouts
    from qa_engine.governance import DataGovernance
    from qa_engine.records import Records, SchemaMismatch

    url = settings.resolved_database_url
    records = Records(url, timeouts=DbTimeouts.from_settings(settings))
    try:
        with database_or_exit(url):
            records.warm_up()
    except SchemaMismatch as exc:
        fail(str(exc))
    days = settings.bot.retention_days
    return DataGovernance(records, settings.data_dir,
                          retention=timedelta(days=days) if days else None, parts=BOT_TABLES)


def _print(report: Any, as_json: bool, summary: str) -> None:
    if as_json:
        typer.echo(json.dumps(report.to_json()))
        return
    for line in report.lines():
        typer.echo(line)
    typer.echo(summary, err=True)


def register(app: typer.Typer) -> None:
    retention_app = App(help="The retention period of question text and passages "
                        "(STYLESPRINT_RETENTION_DAYS).", no_args_is_help=True)

    @app.command()
    def forget(
        user_id: str = typer.Argument(..., help="The person's Slack user id (U0123ABCD)."),
        as_json: bool = typer.Option(False, "--json", help="Print the counts as one JSON object."),
    ) -> None:
        """Erase one person's data from every table and training file, with counts.

        Their votes, corrections, hand-offs and queued questions are deleted; the answers
        they asked keep their row without their id or text; the verified answers they made
        are withdrawn; their rows leave the retraining files. Idempotent."""
        user_id = user_id.strip()
        if not USER_ID.fullmatch(user_id):
            fail(f"{user_id!r} is not a Slack user id (U… or W…, e.g. U0123ABCD)")
        settings = settings_or_exit()
        gov = governance(settings)
        try:
            with database_or_exit(settings.resolved_database_url):
                report = gov.forget(user_id)
        finally:
            gov.records.close()
        _print(report, as_json, f"forgot {user_id}: {report.total} row(s) removed or "
               "emptied (a second run removes nothing)")

    @retention_app.command("apply")
    def apply(
        as_json: bool = typer.Option(False, "--json", help="Print the counts as one JSON object."),
    ) -> None:
        """Drop the text older than STYLESPRINT_RETENTION_DAYS now (a serving bot also
        does it at start and every STYLESPRINT_RETENTION_CHECK_HOURS)."""
        from qa_engine.private import private_tree

        settings = settings_or_exit()
        days = settings.bot.retention_days
        gov = governance(settings)
        try:
            with database_or_exit(settings.resolved_database_url):
                report = gov.apply_retention()
        finally:
            gov.records.close()
        private_tree(settings.data_dir)  # files an older version left readable by others
        summary = (f"retention {days} day(s): {report.total} row(s) or file row(s) dropped"
                   if days else "retention is off (STYLESPRINT_RETENTION_DAYS=off): "
                   "nothing dropped")
        _print(report, as_json, summary)

    app.add_typer(retention_app, name="retention")
