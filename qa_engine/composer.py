"""Composes the customer-ready reply in StyleSprint's brand voice.

The wording lives in `assets/brand_voice.yml` (rules in docs/brand-voice.md); this
module only picks a template and fills it. The extracted span is never altered:
the reply quotes the whole sentence of the passage that contains it (or the span
alone when that sentence is too long), so the fact reaches the customer verbatim.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qa_engine.types import Passage, RetrievedPassage

DEFAULT_TEMPLATES = Path(__file__).parent / "assets" / "brand_voice.yml"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class BrandVoice:
    """The templates of `brand_voice.yml`, validated on load."""

    openers: tuple[str, ...]
    document_answer: str
    product_answer: str
    short_answer: str
    declined: str
    declined_no_sources: str
    max_fact_words: int

    @classmethod
    def load(cls, path: Path = DEFAULT_TEMPLATES) -> BrandVoice:
        data: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        missing = [f for f in cls.__dataclass_fields__ if f not in data]
        if missing:
            raise ValueError(f"{path} is missing brand-voice entries: {', '.join(missing)}")
        if not data["openers"]:
            raise ValueError(f"{path}: 'openers' needs at least one entry")
        data["openers"] = tuple(data["openers"])
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Character range of the sentence(s) or line(s) of `text` covering [start, end)."""
    lo, hi = 0, len(text)
    for m in _SENTENCE_END.finditer(text):
        if m.end() <= start:
            lo = m.end()
        elif m.start() >= end:
            hi = m.start()
            break
    return lo, hi


class Composer:
    """Builds replies; cheap to construct, templates passed in or loaded from the default."""

    def __init__(self, voice: BrandVoice | None = None) -> None:
        self.voice = voice or BrandVoice.load()

    def _opener(self, key: str) -> str:
        digest = hashlib.sha1(key.encode("utf-8")).digest()
        return self.voice.openers[digest[0] % len(self.voice.openers)]

    def answer(self, passage: Passage, start: int, end: int) -> str:
        """A reply that carries passage.text[start:end] verbatim."""
        span = passage.text[start:end]
        lo, hi = sentence_around(passage.text, start, end)
        fact = passage.text[lo:hi].strip()
        opener = self._opener(f"{passage.id}:{start}:{end}")
        if len(fact.split()) > self.voice.max_fact_words or span not in fact:
            return self.voice.short_answer.format(opener=opener, fact=span, title=passage.title)
        if fact[-1:] not in ".!?":
            fact += "."
        template = self.voice.product_answer if passage.kind == "product" else (
            self.voice.document_answer
        )
        return template.format(opener=opener, fact=fact, title=passage.title)

    def declined(self, retrieved: list[RetrievedPassage], max_sources: int = 2) -> str:
        labels: list[str] = []
        for r in retrieved:
            if r.passage.label not in labels:
                labels.append(r.passage.label)
        if not labels:
            return self.voice.declined_no_sources
        return self.voice.declined.format(sources="; ".join(labels[:max_sources]))
