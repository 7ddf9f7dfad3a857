"""Composes the customer-ready reply in StyleSprint's brand voice.

The wording lives in `assets/brand_voice.yml` (rules in docs/brand-voice.md); what goes
into it is decided by the pure rules of `reply_rules.py` (question, clauses, yes/no,
declines) and `reply_catalog.py` (catalog values). The reply leads with the
answer: the sentence of the passage that holds the span, cut to the clause that carries
it when the rest is noise, "Yes,"/"No," first when the fact settles a yes/no question,
and a catalog field (`Label: value` line) turned into a sentence about the product. The
span itself is never altered: every reply is checked with `carries_span`, and a reply
that would lose it falls back to the plain sentence (or the quoted span). No model is
called; a reply takes a few hundredths of a millisecond.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from qa_engine.compose import reply_catalog as catalog
from qa_engine.compose import reply_rules as rules
from qa_engine.compose.reply_rules import (
    DeclineReason,
    ParsedQuestion,
    carries_span,
    decline_reason,
)
from qa_engine.compose.reviews import Agreement, Review, pole_label, product_of, quote_range, stars
from qa_engine.sentences import sentence_spans
from qa_engine.settings.engine import EngineSettings
from qa_engine.types import Passage, ReaderResult, RetrievedPassage

__all__ = ["BrandVoice", "Composer", "DeclineReason", "carries_span", "sentence_around"]

DEFAULT_TEMPLATES = Path(__file__).parent / "assets" / "brand_voice.yml"
_BULLET = re.compile(r"^(?:[-*•]\s+|\d{1,2}[.)]\s+)")


@dataclass(frozen=True)
class BrandVoice:
    """The templates of `brand_voice.yml`, validated on load."""

    document_answer: str
    yes_lead: str
    no_lead: str
    short_answer: str
    max_fact_words: int
    trim_over_words: int
    catalog_fields: dict[str, dict[str, Any]]
    catalog_fallback: str
    catalog_line: str
    prose: dict[str, str]
    availability_yes: tuple[str, ...]
    availability_no: tuple[str, ...]
    declined_no_match: str
    declined_no_answer: str
    declined_unsure: str
    declined_no_sources: str
    max_sources: int = 2
    source: str = "{label}"
    sources_and: str = " and "
    openers: tuple[str, ...] = ()
    opener_share: float = 0.0
    signoffs: tuple[str, ...] = ()
    signoff_share: float = 0.0
    labels: dict[str, str] = field(default_factory=dict)  # column label -> field name
    # Answers read from customers' reviews (qa_engine/compose/reviews.py); see brand_voice.yml.
    review_who: str = "A reviewer"
    review_who_verified: str = "A verified buyer"
    review_answer: str = "{who}{about} says: \u201c{quote}\u201d"
    review_same: str = "{same} of {total} reviews of {product_lower} {say} {claim}"
    review_same_plain: str = "{same} of {total} reviews of {product_lower} {say} the same"
    review_other: str = "{count} {say} {claim}"
    review_other_quote: str = "{count} {say} {claim}: \u201c{quote}\u201d"
    review_only: str = "It is the only review of {product_lower}."
    declined_language: str = "I can only answer in {language} for now."

    @classmethod
    def load(cls, path: Path = DEFAULT_TEMPLATES) -> BrandVoice:
        data: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        missing = [f.name for f in fields(cls) if f.name not in data
                   and f.default is MISSING and f.default_factory is MISSING]
        if missing:
            raise ValueError(f"{path} is missing brand-voice entries: {', '.join(missing)}")
        for key in ("openers", "signoffs", "availability_yes", "availability_no"):
            data[key] = tuple(data.get(key) or ())
        labels = {}
        for name, spec in data["catalog_fields"].items():
            if "template" not in spec and not spec.get("prose"):
                raise ValueError(f"{path}: catalog field {name!r} needs a template")
            for label in spec.get("labels", [name]):
                labels[str(label).lower()] = name
        data["labels"] = labels
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Character range of the sentence(s) of `text` covering [start, end) (lines included)."""
    spans = sentence_spans(text)
    lo = next((a for a, b in reversed(spans) if a <= start), 0)
    hi = next((b for a, b in spans if b >= end), len(text))
    return min(lo, start), max(hi, end)


class Composer:
    """Builds replies; cheap to construct, templates passed in or loaded from the default.

    `currency` prefixes bare catalog prices ("289.00" -> "$289.00"): the engine passes
    `settings.engine.currency` (STYLESPRINT_CURRENCY); left out, the setting's default.
    Nothing here reads the environment.
    """

    def __init__(self, voice: BrandVoice | None = None, currency: str | None = None) -> None:
        self.voice = voice or BrandVoice.load()
        self.currency = (EngineSettings.field_default("currency") if currency is None
                         else currency)

    # --- answers -------------------------------------------------------------------------
    def answer(self, passage: Passage, start: int, end: int, question: str | None = None) -> str:
        """A reply that carries passage.text[start:end] verbatim, shaped by the question."""
        q = rules.read_question(question)
        reply = None
        if passage.kind == "product":
            reply = self._product(passage, start, end, q)
        if reply is None:
            reply = self._document(passage, start, end, q)
        if not carries_span(reply, passage.text, start, end):  # a rule went wrong: play safe
            reply = self._document(passage, start, end, None)
        return self._dress(reply, f"{passage.id}:{start}:{end}")

    def _document(self, passage: Passage, start: int, end: int, q: ParsedQuestion | None) -> str:
        text, span = passage.text, passage.text[start:end]
        lo, hi = sentence_around(text, start, end)
        bullet = _BULLET.match(text, lo)
        if bullet and bullet.end() <= start:
            lo = bullet.end()
        sentence, a, b = text[lo:hi], start - lo, end - lo
        if "\n" not in span:
            clo, chi = rules.clause_range(sentence, a, b, q, self.voice.trim_over_words,
                                          frozenset(rules.words(passage.title)))
            sentence, a, b = sentence[clo:chi], a - clo, b - clo
        if len(sentence.split()) > self.voice.max_fact_words:
            return self.voice.short_answer.format(fact=span, title=passage.title)
        if sentence[:1].islower() and a > 0:
            sentence = sentence[0].upper() + sentence[1:]
        fact = rules.finish(sentence)
        return self._lead(fact, self._settle(sentence, a, b, q, passage),
                          rules.lowerable(fact, a, text), rules.is_name(fact, text))

    def _settle(self, text: str, a: int, b: int, q: ParsedQuestion | None, passage: Passage,
                field_name: str = "", value: str = "") -> str | None:
        """"yes", "no" or None: only a fact that settles a yes/no question gets either."""
        if q is None or not q.yes_no:
            return None
        if field_name == "availability":
            return rules.availability_settles(value, self.voice.availability_yes,
                                              self.voice.availability_no)
        ignore = frozenset(rules.words(passage.title))
        if rules.negation_settles(text, a, b, q, ignore):
            return "no"
        listed = rules.list_holds(text, q, ignore, min_items=1 if field_name else 3)
        return "yes" if listed else None

    def _lead(self, fact: str, verdict: str | None, lowerable: bool, name: bool = False) -> str:
        """The fact, after "Yes,"/"No," when it settles the question; the fact's first
        letter is lowered only when `lowerable` (not the span's, not a name's)."""
        if verdict is None or re.match(r"(?i)(?:yes|no)\b", fact):  # the KB says it already
            return self.voice.document_answer.format(fact=fact)
        lead = self.voice.yes_lead if verdict == "yes" else self.voice.no_lead
        if lowerable:
            return f"{lead}, {rules.lower_first(fact)}"
        return f"{lead}, {fact}" if name else f"{lead}. {fact}"

    @staticmethod
    def _own(fact: str) -> bool:
        """A template's first word ("The", "Care") may be lowered; "UPF ..." may not."""
        first = (fact.split(None, 1) or [""])[0]
        return not any(c.isupper() for c in first[1:])

    # --- reviews -----------------------------------------------------------------------------
    def review(self, review: Review, start: int, end: int,
               agreement: Agreement | None = None) -> str:
        """A customer's words said as theirs, with how the product's reviews lean.

        `start`/`end` are the span in `review.passage.text`; the quote is the review's
        sentence around it, verbatim (or the span alone when that is too long)."""
        v, p = self.voice, review.passage
        lo, hi = quote_range(review.text, start - review.start, end - review.start,
                             v.max_fact_words)
        quote = review.text[lo:hi]
        who = v.review_who_verified if p.verified_buyer else v.review_who
        about = [x for x in (stars(p.rating), p.review_date) if x]
        reply = v.review_answer.format(who=who, about=f" ({', '.join(about)})" if about else "",
                                       quote=quote)
        if agreement is not None:
            reply = f"{reply} {self._review_counts(agreement, product_of(p))}"
        if not carries_span(reply, p.text, start, end):  # never: the quote holds the span
            reply = v.review_answer.format(who=who, about="", quote=p.text[start:end])
        return reply

    def _review_counts(self, agreement: Agreement, product: str) -> str:
        v, names = self.voice, self._names(product)
        if agreement.total <= 1:
            return v.review_only.format(**names)
        say = "says" if agreement.same == 1 else "say"
        if agreement.aspect and agreement.pole:
            lead = v.review_same.format(same=agreement.same, total=agreement.total, say=say,
                                        claim=pole_label(agreement.aspect, agreement.pole),
                                        **names)
        else:
            lead = v.review_same_plain.format(same=agreement.same, total=agreement.total,
                                              say=say, **names)
        parts = [lead]
        for pole, sentences in sorted(agreement.others.items(), key=lambda x: -len(x[1])):
            say = "says" if len(sentences) == 1 else "say"
            if len(sentences) == 1 and len(sentences[0].split()) <= v.trim_over_words:
                parts.append(v.review_other_quote.format(
                    count=1, say=say, quote=sentences[0],
                    claim=pole_label(agreement.aspect or "", pole)))
            else:
                parts.append(v.review_other.format(count=len(sentences), say=say,
                                                   claim=pole_label(agreement.aspect or "",
                                                                    pole)))
        return rules.finish("; ".join(parts))

    # --- catalog rows ----------------------------------------------------------------------
    def _product(self, passage: Passage, start: int, end: int,
                 q: ParsedQuestion | None) -> str | None:
        text = passage.text
        line_lo = text.rfind("\n", 0, start) + 1
        line_hi = text.find("\n", start)
        line_hi = len(text) if line_hi < 0 else line_hi
        line = text[line_lo:line_hi]
        names = self._names(passage.title)
        label, sep, value = line.partition(": ")
        value_lo = line_lo + len(label) + len(sep)
        if not sep or end > line_hi or start < value_lo:
            return finish_line(self.voice.catalog_line, names, text[line_lo:max(line_hi, end)])
        a, b = start - value_lo, end - value_lo
        name = self.voice.labels.get(label.strip().lower())
        spec = self.voice.catalog_fields.get(name or "", {})
        if spec.get("prose"):
            return self._prose(passage, value, a, b, names, q)
        priced = name == "price" or re.search(r"price|cost", label, re.I)
        can_lower = catalog.value_lowerable(value, a)
        values = {"value": value, "value_lower": rules.lower_first(value) if can_lower else value,
                  "price": catalog.with_currency(value, self.currency) if priced else value,
                  "label": catalog.lower_label(label.strip()), "article": catalog.article(value)}
        template = spec.get("template", self.voice.catalog_fallback)
        for variant in spec.get("variants", []):
            needs_lower = "{value_lower}" in variant["template"] and value[:1].isupper()
            if re.search(variant["match"], value) and (can_lower or not needs_lower):
                template = variant["template"]
                break
        klass = rules.availability_settles(value, self.voice.availability_yes,
                                           self.voice.availability_no)
        if "{value_lower}" in template and not can_lower and value[:1].isupper():
            template = spec.get(f"cased_{klass}") or spec.get("cased", template)
        fact = rules.finish(template.format(**names, **values))
        verdict = self._settle(value, a, b, q, passage, name or "", value)
        return self._lead(fact, verdict, self._own(fact))

    def _prose(self, passage: Passage, value: str, a: int, b: int, names: dict[str, str],
               q: ParsedQuestion | None) -> str:
        """One sentence of a description, said about the product, by the sentence's shape."""
        spans = sentence_spans(value)
        index, (lo, hi) = next(((i, s) for i, s in enumerate(spans) if s[1] >= b),
                               (0, (0, len(value))))
        lo = min(lo, a)
        sentence, sa, sb = value[lo:hi], a - lo, b - lo
        clo, chi = rules.clause_range(sentence, sa, sb, q, self.voice.trim_over_words,
                                      frozenset(rules.words(passage.title)))
        part, pa = sentence[clo:chi].rstrip(" .!?"), sa - clo
        shape, rest_at = catalog.prose_shape(part, pa, index == 0)
        if names["is"] == "are" and shape in ("verb", "relative"):  # "Sunglasses come with"
            verb = part[rest_at:].split(None, 1)[0]
            if pa > rest_at + len(verb):
                part = part[:rest_at] + catalog.base_verb(verb) + part[rest_at + len(verb):]
                pa += len(part) - len(sentence[clo:chi].rstrip(" .!?"))
        rest = part[rest_at:]
        template = self.voice.prose[shape]
        art = "" if names["is"] == "are" and shape == "kind" else catalog.np_article(part)
        fact = rules.finish(template.format(rest=rest, value=part, value_lower=rules.lower_first(
            part), article=art, **names))
        verdict = self._settle(sentence, sa, sb, q, passage)
        return self._lead(fact, verdict, self._own(fact))

    @staticmethod
    def _names(title: str) -> dict[str, str]:
        title = title.strip()
        plural = catalog.plural_name(title)
        lower = title if title.lower().startswith("the ") else f"the {title}"
        lower = "the" + lower[3:]
        return {"product": "T" + lower[1:], "product_lower": lower,
                "product_possessive": "T" + lower[1:] + ("'" if plural else "'s"),
                "is": "are" if plural else "is", "has": "have" if plural else "has",
                "s": "" if plural else "s"}

    # --- openers, sign-offs ----------------------------------------------------------------
    def _dress(self, reply: str, key: str) -> str:
        digest = hashlib.sha1(key.encode("utf-8")).digest()
        v = self.voice
        if v.openers and digest[0] / 256 < v.opener_share:
            reply = f"{v.openers[digest[1] % len(v.openers)]} {reply}"
        if v.signoffs and digest[2] / 256 < v.signoff_share:
            reply = f"{reply} {v.signoffs[digest[3] % len(v.signoffs)]}"
        return reply

    # --- declines ----------------------------------------------------------------------------
    @staticmethod
    def decline_reason(on_topic: bool, result: ReaderResult) -> DeclineReason:
        """Why `AnswerEngine.ask` declines (see `reply_rules.decline_reason`)."""
        return decline_reason(on_topic, result.best, result.candidates, result.confidence,
                              result.threshold)

    def declined(self, retrieved: list[RetrievedPassage],
                 reason: DeclineReason | str | None = None,
                 max_sources: int | None = None) -> str:
        """A decline that says why and names the closest sources for the agent to check."""
        if isinstance(reason, str):
            reason = DeclineReason(reason)
        if reason is None:
            reason = DeclineReason(rules.NO_ANSWER if retrieved else rules.NO_MATCH)
        first = {pid: i for i, pid in enumerate(reason.passage_ids)}
        ordered = sorted(retrieved, key=lambda r: first.get(r.passage.id, len(first)))
        labels: list[str] = []
        for r in ordered:
            if r.passage.label not in labels:
                labels.append(r.passage.label)
        labels = labels[: max_sources or self.voice.max_sources]
        if not labels:
            return self.voice.declined_no_sources
        quoted = [self.voice.source.format(label=label) for label in labels]
        sources = quoted[0] if len(quoted) == 1 else (
            ", ".join(quoted[:-1]) + self.voice.sources_and + quoted[-1])
        template = {rules.UNSURE: self.voice.declined_unsure,
                    rules.NO_MATCH: self.voice.declined_no_match}.get(
            reason.kind, self.voice.declined_no_answer)
        if reason.kind == rules.UNSURE and len(labels) < 2:
            template = self.voice.declined_no_answer
        return template.format(sources=sources)


def finish_line(template: str, names: dict[str, str], line: str) -> str:
    return rules.finish(template.format(line=line, **names))
