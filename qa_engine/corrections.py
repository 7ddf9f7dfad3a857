"""Where an agent's correction is written in the knowledge base.

A correction names the right answer; to be served (a verified answer,
qa_engine/retrieve/verified_index.py) or trained on (training/feedback.py) it needs a
passage and a span in it. The bot used the wrong passage exactly when a correction
matters most, so the search goes wider than the passage the answer used:

1. the passage the answer used (recorded text), then every other passage it retrieved
   (by id, from the knowledge base as it is now), then every passage of the knowledge base;
2. in each, the exact text first (`locate`: case, spacing and punctuation between words
   aside, never inside a word), then, for corrections of `FUZZY_MIN_CHARS` or more, the best
   fuzzy match (rapidfuzz `partial_ratio_alignment`) of at least `FUZZY_MIN_SCORE`, widened
   to whole words. A fuzzy match must contain every number of the correction: "45 days" is
   a different fact from "30 days", however similar the strings.

Both the bot (when a correction is saved) and training (when feedback is exported) call
`locate_correction`, so both agree on where a correction is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from qa_engine.retrieve.retriever import passage_from_record
from qa_engine.types import KnowledgeBaseUnavailable, Passage

FUZZY_MIN_SCORE = 88.0  # rapidfuzz partial_ratio, 0-100
FUZZY_MIN_CHARS = 12  # shorter corrections ("$12", "Yes") are matched exactly only
USED, RETRIEVED, KB = "used", "retrieved", "kb"  # where a correction was found
_PAGE = 1000

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def locate(answer: str, passage: str) -> tuple[str, int] | None:
    """The answer as written in the passage and its offset, or None.

    Exact first, then ignoring case, then ignoring the spacing and punctuation
    between words (an agent types "30 days." for "30 days"); never inside a word
    ("turn" is not in "returned"). The passage's own characters are returned, so
    the example's span is a true substring.
    """
    text = answer.strip().strip(" .,;:!?\"'")
    if not text:
        return None
    words = re.findall(r"\w+", text)
    patterns = [(re.escape(text), 0), (re.escape(text), re.IGNORECASE)]
    if words:
        patterns.append((r"\W+".join(re.escape(w) for w in words), re.IGNORECASE))
    for body, flags in patterns:
        found = re.search(r"(?<!\w)" + body + r"(?!\w)", passage, flags=flags)
        if found:
            return found.group(0), found.start()
    return None


def _lower(text: str) -> str:
    """Lower case with every character kept one character long (offsets stay valid)."""
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _word_around(passage: str, i: int) -> tuple[int, int]:
    """The bounds of the word that position `i` cuts (passage[i-1] and passage[i] alnum)."""
    ws, we = i, i
    while ws > 0 and passage[ws - 1].isalnum():
        ws -= 1
    while we < len(passage) and passage[we].isalnum():
        we += 1
    return ws, we


def _cuts_word(passage: str, i: int) -> bool:
    return 0 < i < len(passage) and passage[i - 1].isalnum() and passage[i].isalnum()


def _widen(passage: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) snapped to whole words: a word cut at an edge is kept when most of it is
    inside, dropped otherwise; spaces and punctuation at the edges are trimmed."""
    if _cuts_word(passage, start):
        ws, we = _word_around(passage, start)
        start = ws if (we - start) * 2 >= we - ws else we
    if _cuts_word(passage, end):
        ws, we = _word_around(passage, end)
        end = we if (end - ws) * 2 >= we - ws else ws
    while start < end and not passage[start].isalnum():
        start += 1
    while end > start and not passage[end - 1].isalnum():
        end -= 1
    return start, end


def fuzzy_locate(answer: str, passage: str) -> tuple[str, int, float] | None:
    """The best fuzzy match of `answer` in `passage` (text, offset, score), or None."""
    text = answer.strip()
    if len(text) < FUZZY_MIN_CHARS or not passage:
        return None
    found = fuzz.partial_ratio_alignment(_lower(text), _lower(passage))
    if found is None or found.score < FUZZY_MIN_SCORE:
        return None
    start, end = _widen(passage, found.dest_start, found.dest_end)
    span = passage[start:end]
    if not span or not set(_NUMBER.findall(text)) <= set(_NUMBER.findall(span)):
        return None
    return span, start, float(found.score)


class PassageSource(Protocol):
    """The knowledge base as the locator reads it."""

    def get(self, ids: Sequence[str]) -> list[Passage]: ...

    def all(self) -> list[Passage]: ...


class ChromaPassages:
    """`PassageSource` over the knowledge-base Chroma collection.

    `all()` is read once per instance (paged) and kept: build one per export, or per
    correction in a serving process, so that a re-ingested knowledge base is seen.
    """

    def __init__(self, collection: Any) -> None:
        self.collection = collection
        self._all: list[Passage] | None = None

    def _records(self, **kwargs: Any) -> list[Passage]:
        try:
            res = self.collection.get(include=["documents", "metadatas"], **kwargs)
        except Exception as exc:
            raise KnowledgeBaseUnavailable(f"knowledge base unavailable: {exc}") from exc
        metas = res.get("metadatas") or [None] * len(res["ids"])
        return [passage_from_record(i, d, m)
                for i, d, m in zip(res["ids"], res["documents"], metas, strict=True)]

    def get(self, ids: Sequence[str]) -> list[Passage]:
        return self._records(ids=list(ids)) if ids else []

    def all(self) -> list[Passage]:
        if self._all is None:
            passages: list[Passage] = []
            while True:
                page = self._records(limit=_PAGE, offset=len(passages))
                passages.extend(page)
                if len(page) < _PAGE:
                    break
            self._all = passages
        return self._all


@dataclass(frozen=True)
class Located:
    """Where a correction is written: a passage and the span in it."""

    passage_id: str | None  # None: only the recorded text of the used passage is known
    passage_text: str
    text: str  # the span, the passage's own characters
    start: int
    where: str  # USED | RETRIEVED | KB
    match: str  # "exact" | "fuzzy"
    score: float  # 100 for exact
    label: str = ""  # the passage's citation label, when known

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class NotLocated:
    """A correction written nowhere searched, with what was searched and the closest miss."""

    searched: int  # passages searched
    kb_searched: bool
    closest_score: float = 0.0
    closest_label: str = ""

    def detail(self) -> str:
        where = ("the whole knowledge base" if self.kb_searched
                 else "the recorded passage only (knowledge base not available)")
        closest = (f"; closest: {self.closest_score:.0f}% similar in {self.closest_label!r}"
                   if self.closest_label else "")
        return f"searched {self.searched} passage(s), {where}{closest}"


def _in_passage(text: str, passage_text: str) -> tuple[str, int, str, float] | None:
    if (exact := locate(text, passage_text)) is not None:
        return exact[0], exact[1], "exact", 100.0
    if (fuzzy := fuzzy_locate(text, passage_text)) is not None:
        return fuzzy[0], fuzzy[1], "fuzzy", fuzzy[2]
    return None


def _first(text: str, candidates: Iterable[tuple[str | None, str, str, str]]) -> Located | None:
    for pid, passage_text, where, label in candidates:
        if (found := _in_passage(text, passage_text)) is not None:
            return Located(pid, passage_text, found[0], found[1], where, found[2], found[3],
                           label)
    return None


def _best_in_kb(text: str, question: str, passages: list[Passage]) -> Located | NotLocated:
    """Exact matches first (the passage most like the question wins), then fuzzy."""
    exact = [(p, f) for p in passages if (f := locate(text, p.text)) is not None]
    if exact:
        p, (span, start) = max(exact, key=lambda pf: fuzz.token_set_ratio(question, pf[0].text))
        return Located(p.id, p.text, span, start, KB, "exact", 100.0, p.label)
    closest = NotLocated(searched=len(passages), kb_searched=True)
    ranked = process.extract(_lower(text), [_lower(p.text) for p in passages],
                             scorer=fuzz.partial_ratio, limit=5)
    for _, score, index in ranked:
        p = passages[index]
        if not closest.closest_label:
            closest = NotLocated(len(passages), True, float(score), p.label)
        if (fuzzy := fuzzy_locate(text, p.text)) is not None:
            return Located(p.id, p.text, fuzzy[0], fuzzy[1], KB, "fuzzy", fuzzy[2], p.label)
    return closest


def locate_correction(
    text: str,
    *,
    used_id: str | None,
    used_text: str | None,
    retrieved_ids: Sequence[str] = (),
    kb: PassageSource | None = None,
    question: str = "",
    used_label: str = "",
) -> Located | NotLocated:
    """Where the corrected answer `text` is written (see the module docstring for the order).

    `used_id`/`used_text` are the passage the answer used as recorded; `retrieved_ids` the
    passages it retrieved; `kb` the knowledge base now (None: the recorded passage only).
    `question` breaks ties between knowledge-base passages that all hold the text.
    """
    candidates: list[tuple[str | None, str, str, str]] = []
    if used_text:
        candidates.append((used_id, used_text, USED, used_label))
    others = [i for i in dict.fromkeys(retrieved_ids) if i != used_id]
    if kb is not None and others:
        by_id = {p.id: p for p in kb.get(others)}
        candidates.extend((i, by_id[i].text, RETRIEVED, by_id[i].label)
                          for i in others if i in by_id)
    if (found := _first(text, candidates)) is not None:
        return found
    if kb is None:
        return NotLocated(searched=len(candidates), kb_searched=False)
    passages = kb.all()
    return _best_in_kb(text, question, passages) if passages else NotLocated(0, True)
