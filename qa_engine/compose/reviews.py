"""Reviews answered as reviews: whose words they are, and how many reviews agree.

A review is a customer's opinion, not the retailer's word. An answer read from one says
so ("A reviewer (★★★★☆) says: “…”") and says how the product's other reviews lean ("3 of
11 reviews of the Alder jacket say it runs small; 1 says it fits true to size"), quoting
verbatim. Two stored shapes are reviews:

* one passage per review, `kind="review"`, with Chroma metadata `product`, `rating`
  (1-5, or -1 when unknown), `review_date` (ISO or "") and `verified_buyer` (the review
  loaders in `qa_engine/ingest/` write these);
* one passage per product holding all its reviews separated by blank lines, titled
  "Customer reviews: <product>" or in the section "Customer reviews" (the field test's
  `reviews.jsonl` layout). It is split into its reviews at answer time (`split_reviews`).

Agreement is decided per review in two pure steps: the review sentence closest in meaning
to the quoted one (MiniLM cosine, the engine's embedder), and its *stance* on the quoted
sentence's aspect (`ASPECTS`: fit, warmth, water, feel, wear, colour, comfort; a small
hand-written lexicon of how shoppers write about clothes, because an embedding puts "runs
small" and "runs large" side by side). A review that takes the other pole of the aspect
says otherwise; one that takes the same pole, or (for an aspect the lexicon does not
know) writes a sentence very close to the quoted one, says the same. No model is
trained here and nothing is tuned on the field test.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from qa_engine.sentences import sentence_spans
from qa_engine.types import Passage, RetrievedPassage

REVIEW_KIND = "review"
REVIEW_SECTION = "customer reviews"
_TITLE = re.compile(r"^\s*customer reviews\s*[:\-–—]\s*(.+?)\s*$", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"\n\s*")
#: A sentence at least this close (cosine) to the quoted one says the same thing, when
#: the lexicon knows neither's aspect. Chosen by hand (MiniLM paraphrases of one short
#: sentence score about 0.75-0.9); not fitted on anything, the field test included.
SAME_SIMILARITY = 0.72
#: Reviews of one product read per question (the most relevant ones, by retrieval).
REVIEWS_READ = 4

#: aspect -> pole -> (what a reply says, patterns). Negated forms are listed under the
#: opposite pole; the longest match wins where two overlap ("not waterproof" beats
#: "waterproof").
ASPECTS: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "fit": {
        "small": ("it runs small", (
            r"runs? (?:a (?:bit|little|size|half size) |about a (?:half )?size |slightly "
            r"|really |very )?small", r"sized? up", r"(?:order|go|went|get|got) (?:a |half a "
            r"|one )?size up", r"too (?:small|tight|snug)", r"tight\b", r"snug\b",
            r"smaller than (?:expected|usual)", r"had to (?:swap|exchange) for a (?:size )?"
            r"(?:bigger|larger|l|xl|m)\b")),
        "large": ("it runs large", (
            r"runs? (?:a (?:bit|little|size|half size) |about a (?:half )?size |slightly "
            r"|really |very )?(?:large|big)", r"sized? down", r"(?:order|go|went|get|got) "
            r"(?:a |half a |one )?size down", r"too (?:big|large|loose|baggy)", r"roomy",
            r"bigger than (?:expected|usual)", r"generous(?:ly)? (?:cut|sized|fit)")),
        "true": ("it fits true to size", (
            r"true to size", r"\btts\b", r"fits? (?:perfectly|as expected|just right)",
            r"(?:my|the) usual size (?:fits|fit|was perfect)")),
    },
    "warmth": {
        "warm": ("it is warm", (
            r"\bwarm(?:est|er)?\b", r"toasty", r"cosy|cozy", r"kept me warm")),
        "cold": ("it is not warm enough", (
            r"not (?:very |really )?warm(?: enough)?", r"(?<!on )(?<!in )\bcold\b(?! water| wash)",
            r"chilly", r"freezing", r"not for (?:winter|cold)")),
    },
    "water": {
        "dry": ("it keeps the rain out", (
            r"waterproof", r"water-?resistant", r"(?:kept|keeps|stayed|bone) (?:me |you )?dry",
            r"completely dry")),
        "wet": ("it lets water in", (
            r"not (?:\w+ )?waterproof(?: at all)?", r"isn'?t (?:\w+ )?waterproof(?: at all)?",
            r"soaked", r"\bleak(?:s|ed|y)?\b", r"wet through", r"got wet")),
    },
    "feel": {
        "soft": ("it feels soft", (
            r"\bsoft(?:est|er)?\b", r"not (?:\w+ )?(?:itchy|scratchy)(?: at all)?",
            r"smooth against")),
        "itchy": ("it feels itchy", (
            r"(?<!not )(?<!not at all )\b(?:itchy|scratchy|itches)\b", r"\brough\b")),
    },
    "wear": {
        "lasts": ("it holds up", (
            r"holds? up", r"held up", r"no (?:cracking|pilling|fraying)", r"still looks? "
            r"(?:new|great)", r"durable")),
        "breaks": ("something broke or wore out", (
            r"\bbroke(?:n)?\b", r"\bripped\b", r"\btore\b", r"fell apart", r"\bpill(?:s|ed|ing)?\b",
            r"frayed", r"came apart", r"\bcracked\b")),
    },
    "colour": {
        "as_shown": ("the colour is as pictured", (
            r"(?:exactly |just )?like the (?:photos?|pictures?)", r"as (?:in|on) the "
            r"(?:photos?|pictures?|site)", r"true to colou?r")),
        "different": ("the colour differs from the photos", (
            r"(?:more|less) \w+ in person", r"different (?:in person|from the (?:photos?|"
            r"pictures?))", r"than (?:in )?the (?:photos?|pictures?)")),
    },
    "comfort": {
        "comfortable": ("it is comfortable", (
            r"(?<!un)comfortable", r"comfy", r"no (?:blisters|breaking in)")),
        "uncomfortable": ("it needs breaking in or rubs", (
            r"uncomfortable", r"blisters?", r"break(?:ing)? (?:them |it )?in", r"\brubs?\b",
            r"pinch(?:es|ed)?", r"took (?:\w+ )?(?:weeks?|days?) to")),
    },
}
_COMPILED = {a: {p: (label, tuple(re.compile(x, re.IGNORECASE) for x in pats))
                 for p, (label, pats) in poles.items()} for a, poles in ASPECTS.items()}


class TextEmbedder(Protocol):
    """What agreement needs of `qa_engine.retrieve.embedder.Embedder`: unit-length vectors."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


def is_review(passage: Passage) -> bool:
    """Whether `passage` holds customers' reviews (either stored shape)."""
    return (passage.kind == REVIEW_KIND or passage.section.strip().lower() == REVIEW_SECTION
            or bool(_TITLE.match(passage.title)))


def product_of(passage: Passage) -> str:
    """The product a review passage is about ("Customer reviews: X" -> "X")."""
    if passage.product:
        return passage.product
    match = _TITLE.match(passage.title)
    return match.group(1) if match else passage.title


@dataclass(frozen=True)
class Review:
    """One customer's review: `passage.text[start:end]`."""

    passage: Passage
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.passage.text[self.start:self.end]

    @property
    def key(self) -> str:
        return f"{self.passage.id}@{self.start}"


def split_reviews(passage: Passage) -> list[Review]:
    """The reviews in a review passage: the whole text for one `kind="review"` passage,
    else its paragraphs, one review each (ingestion stores a blank-line-separated
    paragraph as one line; whitespace trimmed, offsets kept)."""
    text = passage.text
    if passage.kind == REVIEW_KIND:
        pieces = [(0, len(text))]
    else:
        pieces, at = [], 0
        for match in [*_LINE_BREAKS.finditer(text), None]:
            end = match.start() if match else len(text)
            pieces.append((at, end))
            at = match.end() if match else len(text)
    reviews = []
    for lo, hi in pieces:
        chunk = text[lo:hi]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            reviews.append(Review(passage, lo + lead, lo + lead + len(chunk.strip())))
    return reviews


def distinct(reviews: Sequence[Review]) -> list[Review]:
    """`reviews` without repeats: chunks of one stored document overlap, so a review (or
    its first sentences) can be in two passages; the longest copy is kept."""
    kept: list[Review] = []
    for review in sorted(reviews, key=lambda r: -len(r.text)):
        if not any(review.text in k.text for k in kept):
            kept.append(review)
    order = {r.key: i for i, r in enumerate(reviews)}
    return sorted(kept, key=lambda r: order[r.key])


_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def names_product(question: str, product: str) -> int:
    """How many words of the product's name the question uses ("is the kestrel warm?"
    names the Kestrel Waterproof Parka once)."""
    asked = {_stem(w) for w in _WORD.findall(question.lower()) if len(w) > 2}
    return len(asked & {_stem(w) for w in _WORD.findall(product.lower()) if len(w) > 2})


def focus_on_product(question: str, hits: Sequence[RetrievedPassage],
                     k: int) -> list[RetrievedPassage]:
    """The review passages of the product the question names most clearly, when it
    names one (by the words of the product's name), in retrieval order; else `hits[:k]`.
    "is the kestrel parka warm?" must not be answered from the rain mac's reviews."""
    scores = [names_product(question, product_of(h.passage)) if is_review(h.passage) else 0
              for h in hits]
    best = max(scores, default=0)
    if best == 0:
        return list(hits[:k])
    return [h for h, sc in zip(hits, scores, strict=True) if sc == best][:k]


def stance(sentence: str, aspect: str | None = None) -> tuple[str, str] | None:
    """(aspect, pole) that `sentence` takes, or None; only `aspect` when given."""
    best: tuple[int, int, str, str] | None = None  # (-length, start, aspect, pole)
    for name, poles in _COMPILED.items():
        if aspect is not None and name != aspect:
            continue
        for pole, (_, patterns) in poles.items():
            for pattern in patterns:
                for m in pattern.finditer(sentence):
                    cand = (-(m.end() - m.start()), m.start(), name, pole)
                    if best is None or cand < best:
                        best = cand
    return (best[2], best[3]) if best else None


def pole_label(aspect: str, pole: str) -> str:
    return ASPECTS[aspect][pole][0]


@dataclass
class Agreement:
    """How the product's reviews lean on what the quoted review says."""

    total: int  # reviews of the product
    same: int  # reviews saying the same (the quoted one included)
    aspect: str | None = None
    pole: str | None = None
    others: dict[str, list[str]] = field(default_factory=dict)  # pole -> sentences, verbatim


def _sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def agreement(quoted: str, quoted_review: Review, reviews: Sequence[Review],
              embedder: TextEmbedder | None, question: str = "") -> Agreement:
    """How many of `reviews` (all of one product's) say what `quoted` (a sentence of
    `quoted_review`) says, and what those that disagree say."""
    claim = stance(quoted) or stance(question)
    aspect, pole = claim if claim else (None, None)
    result = Agreement(total=0, same=1, aspect=aspect, pole=pole)
    rest = [r for r in reviews if r.key != quoted_review.key
            and quoted_review.text not in r.text and r.text not in quoted_review.text]
    result.total = len(rest) + 1
    if aspect is not None:
        for review in rest:
            taken = [s for s in (stance(x, aspect) for x in _sentences(review.text)) if s]
            poles = {p for _, p in taken}
            if pole in poles:
                result.same += 1
            elif poles:
                other = sorted(poles)[0]
                sentence = next(x for x in _sentences(review.text) if stance(x, aspect) ==
                                (aspect, other))
                result.others.setdefault(other, []).append(sentence)
        return result
    sentences = [(r, s) for r in rest for s in _sentences(r.text)]
    if not sentences or embedder is None:
        return result
    vectors = embedder.embed([quoted] + [s for _, s in sentences])
    sims = vectors[1:] @ vectors[0]
    close = {r.key for (r, _), sim in zip(sentences, sims, strict=True) if sim >= SAME_SIMILARITY}
    result.same += len(close)
    return result


def stars(rating: int | None) -> str:
    """★★★★☆ for 4 (of 5); "" when the rating is unknown."""
    if rating is None or not 1 <= rating <= 5:
        return ""
    return "★" * rating + "☆" * (5 - rating)


def quote_range(text: str, start: int, end: int, max_words: int) -> tuple[int, int]:
    """The sentence(s) of a review around its span, or the span when they are too long."""
    spans = sentence_spans(text)
    lo = next((a for a, b in reversed(spans) if a <= start), start)
    hi = next((b for a, b in spans if b >= end), end)
    lo, hi = min(lo, start), max(hi, end)
    if len(text[lo:hi].split()) > max_words:
        return start, end
    return lo, hi


def quoted_sentence(review: Review, start: int, end: int, max_words: int) -> str:
    """The sentence of `review` a reply quotes for the span [start, end) of its passage."""
    lo, hi = quote_range(review.text, start - review.start, end - review.start, max_words)
    return review.text[lo:hi]


def review_at(passage: Passage, start: int, end: int) -> Review | None:
    """The review of a review passage that holds the span [start, end) (the whole
    passage when the span crosses two reviews); None for any other passage."""
    if not is_review(passage):
        return None
    return next((r for r in split_reviews(passage) if r.start <= start and end <= r.end),
                Review(passage, 0, len(passage.text)))
