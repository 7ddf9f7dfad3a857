"""Alembic's environment for the project database (every table of every package).

Run only through `qa_engine.records.migrate` (`stylesprint db upgrade`, or the embedded
SQLite's upgrade on first use), which opens the connection, takes the migration lock,
begins the one transaction and passes the connection in `config.attributes`; this file
reads no URL and no environment. SQLite runs in batch mode so that a later revision
can alter or drop columns (SQLite's ALTER TABLE cannot).
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the StyleSprint migrations run through `stylesprint db upgrade`, "
                       "not the bare alembic command")

context.configure(
    connection=connection,
    target_metadata=None,
    version_table_schema=context.config.attributes.get("schema"),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
