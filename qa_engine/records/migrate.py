"""The project database's schema: one Alembic history for every table of every package.

The revisions live in `qa_engine/records/migrations/versions/` (shipped as package data).
`upgrade()` applies them up to the head, under a lock so that two processes never
migrate at once: a transaction-scoped advisory lock on PostgreSQL
(`pg_advisory_xact_lock`, held until the upgrade commits), a lock file next to the
database on SQLite. `stylesprint db upgrade` calls it: a deploy step for PostgreSQL and
replicas. `ensure_schema()` is what every process runs when it first opens the
database: the embedded SQLite default upgrades itself there (so the first
`stylesprint ask` just works); any other database must already be at this code's head,
and a process started against an older or a newer schema refuses with one line that
names the command (`SchemaMismatch`).

A database made by the release before Alembic (a `schema_version` table, no
`alembic_version`) is adopted by the baseline revision without losing a row.

Alembic rather than hand-written versioning: the previous `MIGRATIONS` dict plus
`create_all` at every start had no lock and no history shared across packages.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text

logger = logging.getLogger(__name__)

SCRIPTS = Path(__file__).with_name("migrations")
UPGRADE_COMMAND = "stylesprint db upgrade"
LEGACY_TABLE = "schema_version"  # the pre-Alembic release's version table


class SchemaMismatch(RuntimeError):
    """The database is not at the schema this code needs (older or newer)."""


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (None: no Alembic history yet), the head of
    this code, and whether it was made by the release before Alembic."""

    current: str | None
    head: str
    legacy: bool = False
    empty: bool = False

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def known(self) -> bool:
        """False when the database is at a revision this code does not have (newer)."""
        return self.current is None or self.current in all_revisions()


def _config(connection: Connection | None = None, schema: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    return config


@functools.lru_cache(maxsize=1)
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The revision this code needs (one head: the history never branches)."""
    head = _scripts().get_current_head()
    assert head is not None, "no migration revisions shipped"
    return head


def all_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def _schema_of(conn: Connection, schema: str | None) -> str | None:
    return schema or conn.get_execution_options().get("schema_translate_map", {}).get(None)


def schema_state(conn: Connection, schema: str | None = None) -> SchemaState:
    schema = _schema_of(conn, schema)
    context = MigrationContext.configure(conn, opts={"version_table_schema": schema})
    current = context.get_current_revision()
    tables = set(inspect(conn).get_table_names(schema=schema))
    return SchemaState(current=current, head=head_revision(),
                       legacy=current is None and LEGACY_TABLE in tables,
                       empty=current is None and not tables)


def describe(state: SchemaState) -> str:
    """One line on a database that is not at this code's head, naming what to run."""
    if not state.known:
        return (f"the database is at schema revision {state.current}, newer than this "
                f"code ({state.head}): run the StyleSprint Assist release that upgraded it")
    if state.current is None:
        what = ("made by a release before schema migrations" if state.legacy
                else "empty" if state.empty else "without a StyleSprint schema")
        return f"the database is {what}: run `{UPGRADE_COMMAND}` first"
    return (f"the database is at schema revision {state.current}, this code needs "
            f"{state.head}: run `{UPGRADE_COMMAND}` first")


def lock_key(schema: str | None) -> int:
    """The PostgreSQL advisory-lock key of one database schema's migrations (signed 64-bit)."""
    digest = hashlib.sha256(f"stylesprint-migrations:{schema or ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """On a SQLite file: a lock file beside it (filelock: portable, incl. Windows)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    from filelock import FileLock

    with FileLock(f"{database}.migrate.lock", mode=0o600):
        yield


def upgrade(engine: Engine, schema: str | None = None) -> tuple[str | None, str]:
    """Bring the database to this code's head, in one transaction under the migration
    lock; returns (revision before, revision after). Refuses a newer database."""
    with _file_lock(engine), engine.connect() as conn:
        schema = _schema_of(conn, schema)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                # a migration (or the wait for another replica's) may outlast the serving
                # statement timeout (DbTimeouts.statement_s); this transaction has none
                conn.execute(text("SET LOCAL statement_timeout = 0"))
                # held until this transaction ends: a second replica waits here, then
                # finds the schema at the head and does nothing
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                             {"key": lock_key(schema)})
                if schema:
                    conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
            state = schema_state(conn, schema)
            if not state.known:
                raise SchemaMismatch(describe(state))
            if not state.up_to_date:
                try:
                    command.upgrade(_config(conn, schema), "head")
                except CommandError as exc:
                    raise SchemaMismatch(f"schema upgrade failed: {exc}") from exc
                logger.info("database schema upgraded from %s to %s",
                            state.current or ("legacy" if state.legacy else "empty"),
                            state.head)
    return state.current, state.head


def ensure_schema(engine: Engine, schema: str | None = None, *,
                  auto_upgrade: bool | None = None) -> None:
    """At a process's first use of the database: upgrade the embedded SQLite (or any
    database when `auto_upgrade` is true), else refuse one not at the head.

    Raises SchemaMismatch with one line naming `stylesprint db upgrade`."""
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        state = schema_state(conn, schema)
    if state.up_to_date:
        return
    if not state.known or not auto_upgrade:
        raise SchemaMismatch(describe(state))
    upgrade(engine, schema)
