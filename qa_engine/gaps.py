"""Knowledge gaps: what the bot could not answer, grouped by meaning, for someone to write.

A gap item is an answer from the records that went wrong for the agent: declined,
voted 👎 (the agent's current vote), corrected with reason "not_covered" (when the
corrections table has a `reason`), or handed to a team lead. A declined question in
another language than the knowledge base's (`qa_engine/retrieve/language.py`, when a check is
given: the engine's "I can only answer in English for now" reply) is counted as "other
language": the KB may well cover it. Items are grouped by
the meaning of their questions with the project's MiniLM embedder and
sentence-transformers' `community_detection` (greedy threshold clustering on cosine
similarity; no new dependency), each group named by its most central question and
ranked by how many distinct agents asked. Nothing here logs message text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from qa_engine.records import DOWN, Records
from qa_engine.records.schema import AnswerRow, CorrectionRow, HandoffRow, current_votes, utcnow

DECLINED, VOTED_DOWN = "declined", "voted_down"
NOT_COVERED, HANDED_OFF = "not_covered", "handed_off"
OTHER_LANGUAGE = "other_language"
NOT_COVERED_REASON = "not_covered"  # CorrectionRow.reason value (added by the correction flow)
_SINCE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class TextEmbedder(Protocol):
    """What grouping needs of `qa_engine.retrieve.embedder.Embedder`."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


def parse_since(value: str) -> timedelta:
    """`7d`, `24h`, `2w` as a timedelta; ValueError with the accepted forms otherwise."""
    match = _SINCE.match(value or "")
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"--since {value!r} is not a period like 7d, 24h or 2w")
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


@dataclass(frozen=True)
class GapItem:
    """One answer that left the agent without an answer, and why."""

    answer_id: int
    question: str
    asker: str | None
    reasons: frozenset[str]
    sources: tuple[dict[str, Any], ...]
    created_at: datetime


@dataclass
class Gap:
    """A group of gap items asking the same thing."""

    name: str  # the most central question of the group
    askers: int  # distinct agents who asked
    questions: int  # gap items in the group
    reasons: dict[str, int]
    examples: list[str]  # other phrasings, most central first
    passages: list[dict[str, Any]]  # the closest passages found: title, source, best score
    answer_ids: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "askers": self.askers, "questions": self.questions,
                "reasons": self.reasons, "examples": self.examples,
                "closest_passages": self.passages, "answer_ids": self.answer_ids}


def collect_gap_items(records: Records, since: datetime,
                      language_reply: str | None = None) -> list[GapItem]:
    """The answers given since `since` that were declined, voted 👎, not covered or handed
    off; a decline whose reply is `language_reply` was asked in another language."""
    with Session(records.engine) as session:
        handed = set(session.scalars(select(HandoffRow.answer_id)
                                     .where(HandoffRow.created_at >= since)))
    reason_column = getattr(CorrectionRow, "reason", None)  # absent until corrections have one
    items: list[GapItem] = []
    with Session(records.engine) as session:
        rows = session.scalars(
            select(AnswerRow).where(AnswerRow.created_at >= since).order_by(AnswerRow.id)
            .options(selectinload(AnswerRow.votes), selectinload(AnswerRow.corrections)))
        for row in rows:
            reasons = set()
            if not row.answered:
                foreign = language_reply is not None and row.reply == language_reply
                reasons.add(OTHER_LANGUAGE if foreign else DECLINED)
            if DOWN in current_votes(list(row.votes)).values():
                reasons.add(VOTED_DOWN)
            if reason_column is not None and any(
                    getattr(c, "reason", None) == NOT_COVERED_REASON for c in row.corrections):
                reasons.add(NOT_COVERED)
            if row.id in handed:
                reasons.add(HANDED_OFF)
            if reasons and row.question:  # "": its text was dropped (retention, forget)
                items.append(GapItem(row.id, row.question, row.asker, frozenset(reasons),
                                     tuple(row.sources or ()), row.created_at))
    return items


def group_gaps(items: list[GapItem], embedder: TextEmbedder, *,
               similarity: float = 0.6, examples: int = 3, passages: int = 3) -> list[Gap]:
    """Group items by meaning; ranked by distinct askers, then by size, then by name."""
    if not items:
        return []
    from sentence_transformers.util import community_detection

    texts = sorted({i.question for i in items})
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    groups = community_detection(vectors, threshold=similarity, min_community_size=1)
    by_text: dict[str, list[GapItem]] = {}
    for item in items:
        by_text.setdefault(item.question, []).append(item)
    gaps = []
    for members in groups:
        member_texts = [texts[m] for m in members]
        sims = vectors[members] @ vectors[members].T
        centrality = sims.mean(axis=1)
        ordered = [member_texts[k] for k in np.argsort(-centrality, kind="stable")]
        group_items = [i for t in ordered for i in by_text[t]]
        gaps.append(_gap(ordered, group_items, examples, passages))
    return sorted(gaps, key=lambda g: (-g.askers, -g.questions, g.name))


def _gap(ordered: list[str], items: list[GapItem], examples: int, passages: int) -> Gap:
    reasons: Counter[str] = Counter(r for i in items for r in i.reasons)
    askers = {i.asker or f"unknown-{i.answer_id}" for i in items}
    best: dict[str, dict[str, Any]] = {}
    for item in items:
        for source in item.sources:
            key = str(source.get("id") or source.get("title"))
            score = float(source.get("score") or 0.0)
            if key not in best or score > best[key]["score"]:
                best[key] = {"title": source.get("title"), "source": source.get("source"),
                             "score": round(score, 3)}
    closest = sorted(best.values(), key=lambda s: -s["score"])[:passages]
    return Gap(name=ordered[0], askers=len(askers), questions=len(items),
               reasons=dict(sorted(reasons.items())), examples=ordered[1:1 + examples],
               passages=closest, answer_ids=sorted(i.answer_id for i in items))


def knowledge_gaps(records: Records, embedder: TextEmbedder, *, since: timedelta,
                   similarity: float = 0.6, now: datetime | None = None,
                   language_reply: str | None = None) -> list[Gap]:
    """The ranked knowledge gaps of the last `since` (read from the records database)."""
    start = (now or utcnow()) - since
    return group_gaps(collect_gap_items(records, start, language_reply), embedder,
                      similarity=similarity)


def format_gaps(gaps: Iterable[Gap], limit: int | None = None) -> str:
    """The plain-text report of `stylesprint gaps`."""
    gaps = list(gaps)
    if not gaps:
        return "no knowledge gaps: every question in the period was answered and not voted down"
    shown = gaps if limit is None else gaps[:limit]
    lines = []
    for n, gap in enumerate(shown, 1):
        why = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in gap.reasons.items())
        lines.append(f"{n}. {gap.name}")
        lines.append(f"   {gap.askers} agent(s), {gap.questions} question(s): {why}")
        for example in gap.examples:
            lines.append(f"   also asked: {example}")
        if gap.passages:
            lines.append("   closest passages: " + "; ".join(
                f"{p['title']} ({p['score']:.2f})" for p in gap.passages))
    if len(shown) < len(gaps):
        lines.append(f"... and {len(gaps) - len(shown)} more gap(s)")
    return "\n".join(lines)


def week_report(settings: Any, limit: int = 5) -> str:
    """The last 7 days' top gaps as plain text (for the weekly retrain summary)."""
    records = Records(settings.resolved_database_url)
    try:
        gaps = knowledge_gaps(records, gap_embedder(settings), since=timedelta(days=7),
                              similarity=settings.engine.gap_similarity,
                              language_reply=language_reply(settings))
    finally:
        records.close()
    return format_gaps(gaps, limit=limit)


def language_reply(settings: Any) -> str | None:
    """The reply the engine gives a question in another language (None: no such check)."""
    from qa_engine.compose.composer import BrandVoice
    from qa_engine.retrieve.language import LanguageGate

    gate = LanguageGate.for_engine(settings.engine)
    if gate is None:
        return None
    return BrandVoice.load().declined_language.format(language=gate.kb_language_name)


def gap_embedder(settings: Any) -> Any:
    """The project's MiniLM embedder as serving uses it (`settings.engine`'s
    resolved_embedding_model)."""
    from qa_engine.retrieve.embedder import Embedder

    return Embedder(settings.engine.resolved_embedding_model, device=settings.engine.device)
