"""Who may train on a correction that no verified answer carries: `corrections.publication`.

Revision ID: 0002_correction_publication
Revises: 0001_baseline
Create Date: 2026-12-07

A correction saying "the knowledge base does not cover this" is never located, so no
verified answer (whose status says whether a lead published it) is made from it; yet it
is training data (the reader should have declined on the passage it read). The column
holds its publication as the bot decided it when the correction was saved: "active" (a
lead's) or "pending" (anyone else's). NULL on every older row: those are not trained on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_correction_publication"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("corrections") as batch:
        batch.add_column(sa.Column("publication", sa.String(length=16), nullable=True))

