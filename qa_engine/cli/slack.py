"""`stylesprint serve` (the Slack bot) and `stylesprint feedback export`."""

from __future__ import annotations

import json
import logging

import typer

from qa_engine.cli.common import fail, quiet_libraries, settings_or_exit


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Bolt reads SLACK_BOT_TOKEN itself and warns that the (configured) client wins: noise.
    logging.getLogger("slack_bolt.App").addFilter(
        lambda record: "`token` will be unused" not in record.getMessage()
    )


def register(app: typer.Typer) -> None:
    feedback_app = typer.Typer(
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
        from bot.app import MissingSlackSetting
        from bot.runtime import BotRuntime
        from qa_engine.reader import ModelLoadError
        from qa_engine.types import KnowledgeBaseUnavailable

        try:
            runtime = BotRuntime.start(settings, socket_mode=socket)
        except MissingSlackSetting as exc:
            fail(str(exc))
        except KnowledgeBaseUnavailable as exc:
            fail(str(exc), code=3)
        except ModelLoadError as exc:  # no version at all can be loaded (docs/operations.md)
            fail(str(exc), code=4)
        scheduler = None
        try:
            if with_scheduler:
                from training.schedule import start_background_scheduler

                scheduler = start_background_scheduler(settings)
            if socket:
                from bot.socket import start_socket_mode

                assert settings.slack_app_token is not None
                start_socket_mode(runtime.app, settings.slack_app_token.get_secret_value())
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
        from bot.records import Records, SchemaMismatch

        records = Records(settings.resolved_database_url)
        try:
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
