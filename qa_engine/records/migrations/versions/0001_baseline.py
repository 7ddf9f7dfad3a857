"""Baseline: the schema of the last release before Alembic (records schema v3), every table.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-07

Idempotent on purpose, because it also adopts a database made by that release (which
has no `alembic_version`): a table already there is kept as it is, the two columns that
release's numbered migrations added (`corrections.reason` v2, `votes.event_ts` v3) are
added where missing, and any table that release created lazily (question queue,
hand-offs, retrain runs and lock, the scheduler's jobs) is created where missing. No row
is touched.

The tables are written out here, frozen, not taken from the models: later model changes
come as later revisions. `schema_version` stays as a fence: its row `LEGACY_FENCE`
makes the old release's start-up check refuse this database ("newer than this code")
instead of running its own `create_all` on it.

`apscheduler_jobs` is APScheduler 3.x's `SQLAlchemyJobStore` table, as that release
creates it (`tablename="apscheduler_jobs"`); with it here, the job store finds it and
creates nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

LEGACY_FENCE = 100  # > 3, the last `schema_version` of the release before Alembic

tables = sa.MetaData()

sa.Table(
    "schema_version", tables,
    sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "answers", tables,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
    sa.Column("question", sa.Text(), nullable=False),
    sa.Column("answered", sa.Boolean(), nullable=False),
    sa.Column("reply", sa.Text(), nullable=False),
    sa.Column("span", sa.Text(), nullable=True),
    sa.Column("span_start", sa.Integer(), nullable=True),
    sa.Column("span_end", sa.Integer(), nullable=True),
    sa.Column("passage_id", sa.String(512), nullable=True),
    sa.Column("passage_text", sa.Text(), nullable=True),
    sa.Column("passage_label", sa.Text(), nullable=True),
    sa.Column("retrieved_ids", sa.JSON(), nullable=False),
    sa.Column("sources", sa.JSON(), nullable=False),
    sa.Column("confidence", sa.Float(), nullable=False),
    sa.Column("model_version", sa.String(255), nullable=False),
    sa.Column("latency_ms", sa.Float(), nullable=False),
    sa.Column("total_ms", sa.Float(), nullable=True),
    sa.Column("surface", sa.String(32), nullable=False),
    sa.Column("delivery", sa.String(32), nullable=True),
    sa.Column("channel", sa.String(64), nullable=True, index=True),
    sa.Column("thread_ts", sa.String(32), nullable=True),
    sa.Column("message_ts", sa.String(32), nullable=True, index=True),
    sa.Column("asker", sa.String(64), nullable=True),
)
sa.Table(
    "votes", tables,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("answer_id", sa.Integer(), sa.ForeignKey("answers.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("value", sa.SmallInteger(), nullable=False),
    sa.Column("action", sa.String(8), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("event_ts", sa.String(32), nullable=True),
)
sa.Table(
    "corrections", tables,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("answer_id", sa.Integer(), sa.ForeignKey("answers.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("source_hint", sa.Text(), nullable=True),
    sa.Column("reason", sa.String(32), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "verified_answers", tables,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False, index=True),
    sa.Column("source_key", sa.String(64), nullable=False, unique=True),
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("answer_id", sa.Integer(), sa.ForeignKey("answers.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("correction_id", sa.Integer(), nullable=True),
    sa.Column("question", sa.Text(), nullable=False),
    sa.Column("question_key", sa.String(512), nullable=False, index=True),
    sa.Column("passage_id", sa.String(512), nullable=False),
    sa.Column("passage_text", sa.Text(), nullable=False),
    sa.Column("passage_label", sa.Text(), nullable=True),
    sa.Column("span", sa.Text(), nullable=False),
    sa.Column("span_start", sa.Integer(), nullable=False),
    sa.Column("span_end", sa.Integer(), nullable=False),
    sa.Column("verified_by", sa.JSON(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("status_reason", sa.Text(), nullable=True),
)
sa.Table(
    "processed_events", tables,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("received_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "question_jobs", tables,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(64), nullable=False, unique=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("stage", sa.String(16), nullable=False),
    sa.Column("admitted_at", sa.Float(), nullable=False),
    sa.Column("not_before", sa.Float(), nullable=False),
    sa.Column("lease_owner", sa.String(128), nullable=True),
    sa.Column("lease_until", sa.Float(), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("question", sa.JSON(), nullable=False),
    sa.Column("answer_id", sa.Integer(), nullable=True),
    sa.Column("message", sa.JSON(), nullable=True),
    sa.Column("posted_at", sa.Float(), nullable=True),
    sa.Column("posts", sa.Integer(), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Column("finished_at", sa.Float(), nullable=True, index=True),
    sa.Column("detail", sa.Text(), nullable=True),
)
sa.Table(
    "handoffs", tables,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
    sa.Column("answer_id", sa.Integer(), sa.ForeignKey("answers.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("requested_by", sa.String(64), nullable=False),
    sa.Column("escalation_channel", sa.String(64), nullable=False),
    sa.Column("escalation_ts", sa.String(32), nullable=True, index=True),
    sa.Column("replied_by", sa.String(64), nullable=True),
    sa.Column("replied_at", sa.DateTime(), nullable=True),
    sa.Column("replies", sa.Integer(), nullable=False),
)
sa.Table(
    "rollbacks", tables,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("from_version", sa.String(255), nullable=True),
    sa.Column("to_version", sa.String(255), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("detail", sa.String(500), nullable=False),
)
sa.Table(
    "retrain_runs", tables,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("started_at", sa.DateTime(), nullable=False, index=True),
    sa.Column("finished_at", sa.DateTime(), nullable=True),
    sa.Column("trigger", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("parent", sa.String(255), nullable=True),
    sa.Column("candidate", sa.String(255), nullable=True),
    sa.Column("fingerprint", sa.String(64), nullable=True),
    sa.Column("owner", sa.String(255), nullable=True),
    sa.Column("details", sa.JSON(), nullable=False),
)
sa.Table(
    "retrain_lock", tables,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(255), nullable=False),
    sa.Column("acquired_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
)
sa.Table(
    "apscheduler_jobs", tables,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary(), nullable=False),
)

#: (table, column, length) the release's numbered migrations added to older databases
LEGACY_COLUMNS = (("corrections", "reason", 32), ("votes", "event_ts", 32))


def upgrade() -> None:
    bind = op.get_bind()
    schema = op.get_context().version_table_schema
    tables.create_all(bind, checkfirst=True)  # only the tables this database lacks
    inspector = sa.inspect(bind)
    for table, name, length in LEGACY_COLUMNS:
        if name not in {c["name"] for c in inspector.get_columns(table, schema=schema)}:
            op.add_column(table, sa.Column(name, sa.String(length), nullable=True),
                          schema=schema)
    fence = tables.tables["schema_version"]
    if not bind.scalar(sa.select(sa.func.count()).select_from(fence)
                       .where(fence.c.version >= LEGACY_FENCE)):
        op.execute(fence.insert().values(version=LEGACY_FENCE,
                                         applied_at=sa.func.current_timestamp()))
