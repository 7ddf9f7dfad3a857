"""The project database: every answer the bot gives, the agents' votes and corrections
(`Records`, written by the bot), hand-offs and rollbacks (`teamwork.Teamwork`), the
retrain run log and lock (`runs.RetrainStore`), and the durable question queue
(`questions.QuestionStore`).

It sits below both of its users: the bot writes the records, training reads them to
build the feedback dataset. The training set grows from these; `Records` is the one
entry point to the versioned schema (`schema.py`, migrations in `store.py`).
"""

from qa_engine.records.questions import Job, QuestionStore  # registers its table
from qa_engine.records.schema import SCHEMA_VERSION
from qa_engine.records.store import DOWN, UP, AnswerRef, Records, SchemaMismatch, UnknownAnswer
from qa_engine.records.teamwork import Handoff, Teamwork  # registers its tables

__all__ = [
    "DOWN",
    "SCHEMA_VERSION",
    "UP",
    "AnswerRef",
    "Handoff",
    "Job",
    "QuestionStore",
    "Records",
    "SchemaMismatch",
    "Teamwork",
    "UnknownAnswer",
]
