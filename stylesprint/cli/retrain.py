"""`stylesprint feedback dataset`, `stylesprint retrain` and `stylesprint scheduler`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from stylesprint.cli.common import database_or_exit, fail, quiet_libraries, settings_or_exit
from stylesprint.cli.help import App


def _feedback_group(app: typer.Typer) -> typer.Typer:
    """The `feedback` group (created by stylesprint/cli/slack.py); a new one if it is absent."""
    for group in app.registered_groups:
        if group.name == "feedback" and group.typer_instance is not None:
            return group.typer_instance
    group = App(help="Agents' feedback on the bot's answers.", no_args_is_help=True)
    app.add_typer(group, name="feedback")
    return group


HISTORY_HEADER = (f"{'RUN':<5} {'STARTED (UTC)':<19}  {'TRIGGER':<8} {'STATUS':<9} "
                  f"{'CANDIDATE':<32} {'DEV F1 +/-':>10}  REASON")


def _history_line(run: dict[str, Any]) -> str:
    deltas = run.get("deltas") or {}
    f1 = deltas.get("f1")
    started = str(run["started_at"])[:19].replace("T", " ")
    return (f"#{run['run']:<4} {started:<19}  {run['trigger']:<8} "
            f"{run['status']:<9} {run['candidate'] or '-':<32} "
            f"{f'{f1:+.3f}' if f1 is not None else '-':>10}  {run['reason']}")


def register(app: typer.Typer) -> None:
    feedback_app = _feedback_group(app)

    @feedback_app.command("dataset")
    def dataset(
        out: Path | None = typer.Option(
            None, "--out", help="Training JSONL to write (default <data dir>/feedback/"
            "dataset.jsonl); the held-out and review lists go beside it."),
        as_json: bool = typer.Option(False, "--json", help="Counts as JSON."),
    ) -> None:
        """Turn votes and corrections into training examples (project JSONL) + a review list."""
        settings = settings_or_exit()
        from qa_engine.records import SchemaMismatch
        from training.datasets import DatasetError
        from training.feedback import format_counts, write_dataset
        from training.retrain_data import feedback_dataset

        try:
            with database_or_exit(settings.resolved_database_url):
                ds = feedback_dataset(settings)
        except (SchemaMismatch, DatasetError, OSError) as exc:
            fail(str(exc))
        paths = write_dataset(ds, out or settings.data_dir / "feedback" / "dataset.jsonl")
        if as_json:
            typer.echo(json.dumps({**ds.counts, "fingerprint": ds.fingerprint,
                                   "files": {k: str(v) for k, v in paths.items()}}, indent=2))
            return
        typer.echo(format_counts(ds.counts))
        for kind, path in paths.items():
            typer.echo(f"{kind:>8}: {path}")

    @app.command()
    def retrain(
        now: bool = typer.Option(False, "--now", help="Run the gated retrain now."),
        force: bool = typer.Option(False, "--force",
                                   help="With --now: retrain even without new feedback."),
        history: bool = typer.Option(False, "--history", help="List past runs and outcomes."),
        limit: int = typer.Option(20, "--limit", min=1, help="Runs shown by --history."),
        as_json: bool = typer.Option(False, "--json", help="JSON output."),
    ) -> None:
        """Retrain the reader on the feedback, promoting it only if it is not worse.

        Without --now: show what a run would train on and when the next scheduled one is.
        """
        settings = settings_or_exit()
        from training.runs import RetrainStore

        with database_or_exit(settings.resolved_database_url):
            store = RetrainStore(settings.resolved_database_url)
            _retrain(settings, store, now=now, force=force, history=history, limit=limit,
                     as_json=as_json)

    @app.command()
    def scheduler(
        log_level: str = typer.Option("info", "--log-level", help="debug, info, warning."),
    ) -> None:
        """Run the weekly retrain schedule in the foreground (Ctrl-C stops it)."""
        quiet_libraries()
        from qa_engine.logs import configure_logging

        configure_logging(log_level)
        settings = settings_or_exit()
        from training.schedule import build_scheduler, weekly_trigger

        with database_or_exit(settings.resolved_database_url):
            sched = build_scheduler(settings, blocking=True)
        typer.echo(f"retrain schedule: {weekly_trigger(settings)} "
                   f"({settings.retrain.timezone}); Ctrl-C to stop", err=True)
        try:
            with database_or_exit(settings.resolved_database_url):
                sched.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            if sched.running:
                sched.shutdown(wait=False)


def _retrain(settings: Any, store: Any, *, now: bool, force: bool, history: bool, limit: int,
             as_json: bool) -> None:
    """The body of `stylesprint retrain` (inside the database error handling)."""
    if history:
        runs = [r.to_json() for r in store.history(limit)]
        if runs and not as_json:
            typer.echo(HISTORY_HEADER)
        for run in runs:
            typer.echo(json.dumps(run, default=str) if as_json else _history_line(run))
        if not runs and not as_json:
            typer.echo("no retrain has run yet", err=True)
        return
    if now:
        quiet_libraries()
        from qa_engine.logs import configure_logging

        configure_logging("info")
        from stylesprint.jobs import retrain_poster
        from training.retrain import run_retrain

        outcome = run_retrain(settings, trigger="manual", force=force, store=store,
                              post=retrain_poster(settings))
        typer.echo(json.dumps(outcome.to_json(), indent=2, default=str) if as_json
                   else outcome.summary())
        if outcome.status == "failed":
            raise typer.Exit(1)
        return
    _plan(settings, store, as_json)


def _plan(settings: Any, store: Any, as_json: bool) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from qa_engine.records import SchemaMismatch
    from training.datasets import DatasetError
    from training.feedback import format_counts
    from training.retrain_data import feedback_dataset
    from training.schedule import weekly_trigger

    try:
        ds = feedback_dataset(settings)
    except (SchemaMismatch, DatasetError, OSError) as exc:
        fail(str(exc))
    last = store.last_finished()
    new = ds.counts["examples"] > 0 and (last is None or last.fingerprint != ds.fingerprint)
    next_run = weekly_trigger(settings).get_next_fire_time(
        None, datetime.now(ZoneInfo(settings.retrain.timezone)))
    plan = {"new_feedback": new, "last_run": last.to_json() if last else None,
            "next_scheduled_run": next_run.isoformat() if next_run else None, **ds.counts}
    if as_json:
        typer.echo(json.dumps(plan, indent=2, default=str))
        return
    typer.echo(format_counts(ds.counts))
    if last:
        typer.echo(f"last evaluated run: #{last.id} {last.status} "
                   f"({last.started_at:%Y-%m-%d %H:%M} UTC)")
    typer.echo("new feedback since then: " + ("yes" if new else "no (a run would do nothing)"))
    typer.echo(f"next scheduled run: {plan['next_scheduled_run']} "
               "(needs `stylesprint scheduler` or `serve --with-scheduler`); "
               "`stylesprint retrain --now` runs one now")
