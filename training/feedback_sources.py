"""Where the feedback dataset reads from besides the answers: the knowledge base (to locate
corrections beyond the passage used) and the 👎 still waiting for a correction."""

from __future__ import annotations

import logging
from typing import Any

from qa_engine.corrections import PassageSource
from qa_engine.records.verified import StaleDownvote

logger = logging.getLogger(__name__)


def load_stale_downvotes(database_url: str) -> list[StaleDownvote]:
    """Answers with a 👎 and no correction for over a day (read-only use)."""
    from qa_engine.records import Records

    records = Records(database_url)
    try:
        records.warm_up()
        return records.verified.stale_downvotes()
    finally:
        records.close()


def open_kb(settings: Any) -> PassageSource | None:
    """The knowledge base to locate corrections in; None (with a warning) if unreachable
    or empty, and corrections are then searched in the passage used only."""
    from qa_engine.corrections import ChromaPassages
    from qa_engine.retrieve.chroma_store import get_collection, make_client
    from qa_engine.types import KnowledgeBaseUnavailable

    try:
        collection = get_collection(make_client(settings), settings.engine.collection)
        if collection.count():
            return ChromaPassages(collection)
    except KnowledgeBaseUnavailable as exc:
        logger.warning("knowledge base unavailable, corrections are searched in the passage "
                       "used only: %s", exc)
    return None
