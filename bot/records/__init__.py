"""Feedback records: every answer the bot gives, the agents' votes and corrections.

The training set grows from these; `Records` is the one entry point.
"""

from bot.records.schema import SCHEMA_VERSION
from bot.records.store import DOWN, UP, AnswerRef, Records, SchemaMismatch, UnknownAnswer

__all__ = [
    "DOWN",
    "SCHEMA_VERSION",
    "UP",
    "AnswerRef",
    "Records",
    "SchemaMismatch",
    "UnknownAnswer",
]
