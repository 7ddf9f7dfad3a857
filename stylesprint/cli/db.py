"""`stylesprint db`: the project database's schema (one Alembic history, every table).

`db upgrade` is the deploy step for PostgreSQL and replicas: run it once per release
before starting the new processes (it takes the migration lock, so running it from
several replicas at once is safe too). The embedded SQLite default upgrades itself on
first use and needs no step. `db current` prints where a database stands.
"""

from __future__ import annotations

import json

import typer

from stylesprint.cli.common import EXIT_DATABASE, database_or_exit, fail, settings_or_exit
from stylesprint.cli.help import App


def register(app: typer.Typer) -> None:
    db_app = App(help="The database schema: see where it stands, upgrade it.",
                 no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade() -> None:
        """Apply the schema migrations this release ships, under a lock (deploy step)."""
        settings = settings_or_exit()
        from qa_engine.db import DbTimeouts, make_engine
        from qa_engine.records import migrate

        url = settings.resolved_database_url
        with database_or_exit(url):
            engine = make_engine(url, DbTimeouts.from_settings(settings))
            try:
                before, after = migrate.upgrade(engine)
            except migrate.SchemaMismatch as exc:
                fail(str(exc), code=EXIT_DATABASE)
            finally:
                engine.dispose()
        if before == after:
            typer.echo(f"database schema already at {after}")
        else:
            typer.echo(f"database schema upgraded from {before or 'none'} to {after}")

    @db_app.command("current")
    def current(as_json: bool = typer.Option(False, "--json", help="One JSON object.")) -> None:
        """The database's schema revision and the one this release needs."""
        settings = settings_or_exit()
        from qa_engine.db import DbTimeouts, make_engine
        from qa_engine.records import migrate

        url = settings.resolved_database_url
        with database_or_exit(url):
            engine = make_engine(url, DbTimeouts.from_settings(settings))
            try:
                with engine.connect() as conn:
                    state = migrate.schema_state(conn)
            finally:
                engine.dispose()
        if as_json:
            typer.echo(json.dumps({"current": state.current, "head": state.head,
                                   "up_to_date": state.up_to_date, "legacy": state.legacy}))
            return
        typer.echo(f"current: {state.current or '-'}\nhead:    {state.head}")
        if not state.up_to_date:
            typer.echo(migrate.describe(state), err=True)

    app.add_typer(db_app, name="db")
