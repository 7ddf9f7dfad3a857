"""Existence questions: "do we carry leather jackets?" answered from the catalog.

A span reader asked "do we carry leather jackets?" over a catalog row reads a record of
`Label: value` lines and has no line that says "yes": it picks some field, or declines.
What the agent needs is the product (or products) that match, by name. This module is
the product-level path, in two pure steps:

1. `existence_terms(question)`: is this an existence question, and which words must a
   product match? ("do we carry" / "do you sell" / "anything … in …" / "got any" / "is
   there a …" / "looking for …"; the terms are the question's content words, lightly
   stemmed: "jackets" -> "jacket", "kids'" -> "kid").
2. `match_products(terms, passages)`: the catalog passages (kind "product") whose text,
   title or category contain *every* term, best retrieval score first.

A third pure step serves opinion questions ("do people say the Alder parka runs small?"):
`asks_for_opinions(question)`. A catalog row states facts and never an opinion, yet it
is often the nearest passage to such a question (it names the product and its sizes),
so the engine reads the non-catalog passages (reviews) for it instead.

The answer span is the matching product's name, found verbatim in its passage, so the
extractive guarantee holds: nothing is said that the catalog does not list. When no row
matches every term the engine falls back to the reader (which may decline), so a
question this rule misreads costs nothing it did not cost before.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa_engine.compose.reply_catalog import with_currency
from qa_engine.types import RetrievedPassage

_EXISTENCE = re.compile(
    r"\b(?:do|does|did)\s+(?:we|you|u|they|y'all|stylesprint)\s+(?:\w+\s+)?"
    r"(?:carry|sell|stock|have|offer|make|do)\b"
    r"|\b(?:anything|got\s+any|have\s+any|any\s+\w+\s+in\s+stock|looking\s+for)\b"
    r"|\bis\s+there\s+(?:a|an|any)\b|\bare\s+there\s+any\b|^\s*any\b",
    re.IGNORECASE,
)
_STOP = frozenset(
    "a an the is are was were be do does did we you u they y'all i me my our your it its "
    "carry carries sell sells stock stocks have has offer offers make makes got any anything "
    "anyone something there in of for with to on at by and or that this these those what "
    "which who customer customers cust cx looking look wants want wanting need needs please "
    "pls hi hey team someone know confirm asking asks ask says said can could would should "
    "also still currently right now today available availability options option some kind "
    "kinds type types style styles item items product products stylesprint".split()
)
_OPINION = re.compile(
    # plural only: "a review" / "fraud review" are policies, "what do reviews say" is not
    r"\b(?:reviews|reviewers|feedback|testimonials)\b"
    r"|\b(?:people|ppl|customers|custs|buyers|shoppers|folks|others|users|owners)\s+"
    r"(?:say|says|said|think|thought|mention|mentions|complain|complaining|report|find|"
    r"like|love|hate|feel)\b"
    r"|\bwhat\s+do\s+(?:people|ppl|customers?|others|folks)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
#: Catalog passages searched for an existence question (more than the reader's top-k:
#: "leather jackets" may be five rows).
PRODUCT_SEARCH_K = 10
#: Extra passages searched for an opinion question, so that the reviews are found when
#: catalog rows fill the top of the ranking.
OPINION_EXTRA_K = 6
#: Confidence reported for a catalog match. A rule, not a model: every content word of
#: the question is in the product's row. Its precision on the field-test set is in
#: docs/experiments.md; it is not a fitted probability.
PRODUCT_MATCH_CONFIDENCE = 0.9
_PRICE = ("price", "cost", "retail price", "price (usd)")
_STOCK = ("availability", "stock", "status")


def asks_for_opinions(question: str) -> bool:
    """Whether `question` asks what customers say or think of a product (its reviews)."""
    return bool(_OPINION.search(question))


def stem(word: str) -> str:
    """A light plural/possessive stem: "jackets" -> "jacket", "kids'" -> "kid"."""
    w = word.lower().strip("'")
    for suffix in ("'s", "'"):
        if w.endswith(suffix):
            w = w[: -len(suffix)]
    if len(w) > 4 and w.endswith(("ches", "shes", "xes", "sses")):
        return w[:-2]
    if len(w) > 3 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def existence_terms(question: str) -> tuple[str, ...]:
    """The stemmed words a product must match, or () when this is no existence question."""
    if not _EXISTENCE.search(question):
        return ()
    words = _WORD.findall(question.lower())
    return tuple(dict.fromkeys(stem(w) for w in words if w not in _STOP and len(w) > 1))


@dataclass(frozen=True)
class ProductMatch:
    hit: RetrievedPassage
    start: int  # the product name's character range in the passage text
    end: int


def _words(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower())}


def match_products(
    terms: Sequence[str], hits: Sequence[RetrievedPassage], limit: int = 3
) -> list[ProductMatch]:
    """Catalog passages matching every term, in retrieval order, with the name's span."""
    if not terms:
        return []
    found: list[ProductMatch] = []
    for hit in hits:
        p = hit.passage
        if p.kind != "product":
            continue
        haystack = _words(f"{p.title} {p.section} {p.text}")
        if not all(t in haystack for t in terms):
            continue
        start = p.text.find(p.title) if p.title else -1
        if start < 0:
            continue  # the name is not in the passage text: nothing verbatim to quote
        found.append(ProductMatch(hit, start, start + len(p.title)))
        if len(found) >= limit:
            break
    return found


def _field(text: str, labels: Sequence[str]) -> str | None:
    for line in text.splitlines():
        label, sep, value = line.partition(": ")
        if sep and label.strip().lower() in labels and value.strip():
            return value.strip()
    return None


def describe(match: ProductMatch, currency: str = "") -> str:
    """"the Alder Leather Biker Jacket ($289.00, In stock)": the name verbatim, then
    the row's own price (a bare number gets `currency`, as every catalog reply does:
    `reply_catalog.with_currency`) and availability when it has them."""
    p = match.hit.passage
    name = p.text[match.start:match.end]
    price = _field(p.text, _PRICE)
    facts = [v for v in (with_currency(price, currency) if price else None,
                         _field(p.text, _STOCK)) if v]
    return f"the {name} ({', '.join(facts)})" if facts else f"the {name}"


def compose_products(matches: Sequence[ProductMatch], currency: str = "") -> str:
    """"Yes, we carry the A ($1, In stock) and the B."; names and values verbatim."""
    items = [describe(m, currency) for m in matches]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    return f"Yes, we carry {listed}."
