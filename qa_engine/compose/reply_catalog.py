"""Catalog rows said as sentences: pure helpers for the composer's product replies.

A catalog passage is `Label: value` lines (`ingest/rendering.render_record`); the composer
turns the line holding the span into a sentence about the product with the templates of
`assets/brand_voice.yml`. These helpers decide the small grammar around the value: the
currency in front of a bare price, "is"/"are" for plural names, "a"/"an", whether a
value's first letter may be lowered, and how a description fragment is said. Like
`reply_rules`, they never alter the span.
"""

from __future__ import annotations

import re

from qa_engine.compose.reply_rules import lower_first

# Nationality adjectives keep their capital ("Italian leather", "Japanese denim").
_PROPER_ADJECTIVE = re.compile(r"^[A-Z][a-z]+(?:ian|ese|ish|can)$")


def value_lowerable(value: str, span_at: int) -> bool:
    """A catalog value's first letter may be lower-cased in a sentence ("In stock" -> "is in
    stock"): catalog cells are sentence-case by convention, so any ordinary word qualifies
    unless the span starts there, or it is an acronym ("EU 36-47", "PU-coated") or a
    nationality ("Italian leather").
    """
    first = (value.split(None, 1) or [""])[0]
    return (span_at > 0 and first[:1].isupper() and not any(c.isupper() for c in first[1:])
            and not _PROPER_ADJECTIVE.match(first.rstrip(",.;:")))


def lower_label(label: str) -> str:
    """`Heel height` -> `heel height`; `UPF rating` stays."""
    first = (label.split(None, 1) or [""])[0]
    return label if any(c.isupper() for c in first[1:]) else lower_first(label)


_BARE_NUMBER = re.compile(r"^\d{1,3}(?:,\d{3})*(?:\.\d+)?$|^\d+(?:\.\d+)?$")


def with_currency(value: str, currency: str) -> str:
    """`289.00` -> `$289.00`; a value that already names a currency is left alone."""
    value = value.strip()
    if not currency or not _BARE_NUMBER.match(value):
        return value
    return f"{currency} {value}" if currency[-1:].isalpha() else f"{currency}{value}"


def plural_name(title: str) -> bool:
    """"Aviator Sunglasses", "Hiking Boots", "Chinos": the product name takes "are"."""
    last = re.sub(r"\s*\(.*\)$", "", title.strip()).split()[-1:] or [""]
    word = last[0].lower()
    return word.endswith("s") and not word.endswith(("ss", "us", "is", "'s", "’s"))


def article(text: str) -> str:
    first = text.lstrip()[:2].lower()
    vowel = first[:1] in "aeiou" or re.match(r"8|11|18", text.lstrip()) is not None
    return "an " if vowel and not first.startswith(("un", "eu", "on")) else "a "


_PREDICATE = re.compile(r"(?i)^(?:\w+ly\b|available\b|\w+ed (?:to|in|for|with|by|from)\b)")
_VERB = re.compile(r"(?i)^[a-z]+s (?:down|up|flat|small|into|at|to|with|a|an|the|in|on|over|"
                   r"out|away|its|your|easily)\b")
_MARKERS = ((" that ", "relative"), (" which ", "relative"), (", with ", "with"),
            (" with ", "with"))


def prose_shape(part: str, span_at: int, first_sentence: bool) -> tuple[str, int]:
    """How to say a description sentence about the product: (shape, where `rest` starts).

    Catalog descriptions are written as fragments. The first sentence names what the item
    is ("Double-breasted trench coat with ...": "The X is a double-breasted trench coat
    ..."); when the span sits after " that "/" with " only that part is said ("The X falls
    just below the knee", "The X has two flap pockets"); "Packs down small" is a verb
    phrase, "Fully lined"/"Available in wide calf" a predicate. Shapes that lower-case the
    first letter are used only when the span does not start there; "other" ("The X: ...")
    fits anything.
    """
    first = (part.split(None, 1) or [""])[0]
    lowerable = span_at > 0 and not any(c.isupper() for c in first[1:])
    for marker, shape in _MARKERS:
        at = part.find(marker)
        if len(first) < at and at + len(marker) <= span_at:
            return shape, at + len(marker)
    if lowerable and _VERB.match(part):
        return "verb", 0
    if lowerable and _PREDICATE.match(part):
        return "predicate", 0
    if lowerable:  # a noun phrase: what the item is (first sentence) or a feature it has
        return ("kind" if first_sentence else "feature"), 0
    return "other", 0


def np_article(phrase: str) -> str:
    """"a "/"an " before a singular noun phrase, "" before a plural or a list ("ribbed
    cuffs and hem"); the head is the last word before a comma or preposition."""
    head = re.split(r",| (?:with|in|for|that|which|to|from|of|on) ", phrase, maxsplit=1)[0]
    last = (head.split() or [""])[-1].lower()
    if " and " in head or (last.endswith("s") and not last.endswith(("ss", "us", "is"))):
        return ""
    return article(phrase)


def base_verb(verb: str) -> str:
    """The plural form of a third-person verb: comes -> come, has -> have, carries -> carry."""
    low = verb.lower()
    if low in ("has", "is", "does"):
        return {"has": "have", "is": "are", "does": "do"}[low]
    if low.endswith("ies"):
        return verb[:-3] + "y"
    if low.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return verb[:-2]
    return verb[:-1] if low.endswith("s") else verb
