"""The project database: every answer the bot gives, the agents' votes and corrections
(`Records`, written by the bot), hand-offs and rollbacks (`teamwork.Teamwork`), the
retrain run log and lock (`runs.RetrainStore`), and the durable question queue
(`questions.QuestionStore`).

It sits below both of its users: the bot writes the records, training reads them to
build the feedback dataset. The training set grows from these; `Records` is the one
entry point to the answers' tables (`schema.py`). One Alembic history covers every
table here (`migrate.py`, revisions in `migrations/versions/`).
"""

from qa_engine.records.migrate import head_revision
from qa_engine.records.questions import Job, QuestionStore  # registers its table
from qa_engine.records.store import DOWN, UP, AnswerRef, Records, SchemaMismatch, UnknownAnswer
from qa_engine.records.teamwork import Handoff, Teamwork  # registers its tables

__all__ = [
    "DOWN",
    "UP",
    "AnswerRef",
    "Handoff",
    "Job",
    "QuestionStore",
    "Records",
    "SchemaMismatch",
    "Teamwork",
    "UnknownAnswer",
    "head_revision",
]
