"""`stylesprint serve` (the Slack bot) and `stylesprint feedback export`."""

from __future__ import annotations

import json
import logging
from typing import Any

import typer

from stylesprint.cli.common import (
    EXIT_DATABASE,
    EXIT_KB,
    EXIT_MODEL,
    EXIT_SLACK_REJECTED,
    EXIT_SLACK_UNREACHABLE,
    database_or_exit,
    fail,
    quiet_libraries,
    settings_or_exit,
)
from stylesprint.cli.help import App
from stylesprint.cli.status import status_line


def _configure_logging(level: str) -> None:
    from qa_engine.logs import configure_logging

    configure_logging(level)  # format, level, and no message text/URLs/tokens at INFO+
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the (configured) client wins: noise.
    logging.getLogger("slack_bolt.App").addFilter(
        lambda record: "`token` will be unused" not in record.getMessage()
    )


def _start_runtime(settings: Any, socket: bool) -> Any:
    """`BotRuntime.start` and the status line; each start-up failure one line and its code."""
    from bot.app import MissingSlackSetting
    from bot.runtime import BotRuntime
    from bot.startup import SlackStartupError
    from qa_engine.read.reader import ModelLoadError
    from qa_engine.records import SchemaMismatch
    from qa_engine.types import KnowledgeBaseUnavailable
    from stylesprint.jobs import retrain_log

    try:
        existed = settings.data_dir.exists()
        with database_or_exit(settings.resolved_database_url):
            runtime = BotRuntime.start(settings, socket_mode=socket,
                                       retrain_log=retrain_log(settings))
        engine = runtime.engine
        typer.echo(status_line(settings, engine.retriever.collection, engine.model_version,
                               data_dir_existed=existed), err=True)
        return runtime
    except MissingSlackSetting as exc:
        fail(str(exc))
    except SlackStartupError as exc:
        fail(str(exc), code=EXIT_SLACK_UNREACHABLE if exc.unreachable else EXIT_SLACK_REJECTED)
    except KnowledgeBaseUnavailable as exc:
        fail(str(exc), code=EXIT_KB)
    except ModelLoadError as exc:  # no version at all can be loaded (docs/operations.md)
        fail(str(exc), code=EXIT_MODEL)
    except SchemaMismatch as exc:  # PostgreSQL not upgraded: `stylesprint db upgrade`
        fail(str(exc), code=EXIT_DATABASE)


def register(app: typer.Typer) -> None:
    feedback_app = App(
        help="Agents' feedback on the bot's answers (votes and corrections).",
        no_args_is_help=True,
    )

    @app.command()
    def serve(
        host: str = typer.Option("0.0.0.0", "--host", help="Interface to listen on (HTTP mode)."),
        port: int = typer.Option(3000, "--port", min=0, max=65535, help="Port (HTTP mode)."),
        socket: bool = typer.Option(
            False, "--socket", help="Socket Mode (SLACK_APP_TOKEN) instead of HTTP."
        ),
        log_level: str = typer.Option("info", "--log-level", help="debug, info, warning."),
        with_scheduler: bool = typer.Option(
            False, "--with-scheduler", help="Also run the weekly retrain schedule in this "
            "process (small installs; see docs/retraining.md)."
        ),
    ) -> None:
        """Run the Slack bot: HTTP on /slack/events (+ /healthz), or Socket Mode."""
        quiet_libraries()
        _configure_logging(log_level)
        settings = settings_or_exit()
        from qa_engine.private import private_tree

        private_tree(settings.data_dir)  # what an older version wrote readable by others
        runtime = _start_runtime(settings, socket)
        scheduler = None
        try:
            if with_scheduler:
                from training.schedule import start_background_scheduler

                with database_or_exit(settings.resolved_database_url):
                    scheduler = start_background_scheduler(settings)
            if socket:
                _run_socket_mode(settings, runtime)
            else:
                from bot.server import bind, create_asgi_app, make_server
                from bot.server import serve as run_server

                sock = bind(host, port)
                logging.getLogger("bot").info(
                    "listening on http://%s:%d/slack/events", host, sock.getsockname()[1]
                )
                run_server(
                    make_server(create_asgi_app(runtime.app, runtime.health), log_level=log_level),
                    sock,
                )
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            runtime.close()

    @feedback_app.command("export")
    def export(
        as_json: bool = typer.Option(False, "--json", help="One JSON object per answer per line."),
    ) -> None:
        """Every logged answer with its current 👍/👎 votes and corrections."""
        settings = settings_or_exit()
        from qa_engine.records import Records, SchemaMismatch

        url = settings.resolved_database_url
        records = Records(url)
        try:
            with database_or_exit(url):
                records.warm_up()
        except SchemaMismatch as exc:
            fail(str(exc))
        try:
            count = 0
            for row in records.export():
                count += 1
                if as_json:
                    typer.echo(json.dumps(row, ensure_ascii=False))
                else:
                    typer.echo(_render(row))
            if not as_json:
                typer.echo(f"{count} answer(s)", err=True)
        finally:
            records.close()

    app.add_typer(feedback_app, name="feedback")


def _run_socket_mode(settings: Any, runtime: Any) -> None:
    from slack_sdk.errors import SlackApiError

    from bot.socket import start_socket_mode
    from bot.startup import explain

    assert settings.slack.app_token is not None
    try:
        start_socket_mode(runtime.app, settings.slack.app_token.get_secret_value())
    except (SlackApiError, OSError) as exc:  # Slack changed its mind since the start-up check
        error = explain(exc, "SLACK_APP_TOKEN", settings)
        fail(str(error), code=EXIT_SLACK_UNREACHABLE if error.unreachable else
             EXIT_SLACK_REJECTED)


def _render(row: dict) -> str:
    votes = row["votes"]
    status = "answered" if row["answered"] else "declined"
    lines = [
        f"#{row['answer_id']}  +{votes['up']} -{votes['down']}  {row['confidence']:.0%} "
        f"{status}  {row['model_version']}  {row['channel'] or '-'} {row['ts'] or '-'}",
        f"  Q: {row['question']}",
        f"  A: {row['answer']}",
    ]
    for c in row["corrections"]:
        where = f" [{c['source']}]" if c["source"] else ""
        lines.append(f"  Correction by {c['user']}: {c['text']}{where}")
    return "\n".join(lines)
