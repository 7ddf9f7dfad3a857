"""The project database's shared records: every answer the bot gives, the agents' votes
and corrections, verified answers and hand-offs (`Records`, written by the bot), and the
one Alembic history of every table of every package (`migrate.py`, revisions in
`migrations/versions/`).

It sits below both of its users: the bot writes the records, training reads them to
build the feedback dataset. The training set grows from these; `Records` is the one
entry point to the answers' tables (`schema.py`). The tables only one package uses
live with it, on the same metadata: the bot's idempotency keys, question queue,
hand-off writes and rollbacks in `bot/state/`, the retrain log and lock in
`training/runs.py`.
"""

from qa_engine.records.migrate import head_revision
from qa_engine.records.store import DOWN, UP, AnswerRef, Records, SchemaMismatch, UnknownAnswer

__all__ = [
    "DOWN",
    "UP",
    "AnswerRef",
    "Records",
    "SchemaMismatch",
    "UnknownAnswer",
    "head_revision",
]
