"""Customer reviews of fictional products, and the questions agents ask about them.

Agents answer "do people say the parka runs small?" from the reviews shown on a product
page. A review passage here is 3-6 short reviews of one product (a paragraph each, as
ingestion stores a JSON document's `text`): each review voices one or two *aspects*
(fit, warmth, fabric, colour, comfort, durability, ...) in a customer's words, among
filler sentences. A question about an aspect some review voices is answered by that
review's opinion phrase; a question about an aspect no review mentions is unanswerable
on the passage (the hard negative).
"""

from __future__ import annotations

from dataclasses import dataclass
from random import Random


@dataclass(frozen=True)
class Aspect:
    key: str
    opinions: tuple[str, ...]  # answer phrases; each appears verbatim in the review
    frames: tuple[str, ...]  # review sentences containing {o}
    questions: tuple[str, ...]  # {n}: the product
    reply: str  # {N}: product, {o}: opinion


def _a(key: str, opinions: tuple[str, ...], frames: tuple[str, ...],
       questions: tuple[str, ...], reply: str) -> Aspect:
    return Aspect(key, opinions, frames, questions, reply)


ASPECTS = (
    _a("fit", ("runs about a size small", "runs large", "fits true to size",
               "comes up a little big", "is quite snug across the shoulders"),
       ("Beautiful, but it {o}.", "Heads up: it {o}.", "For reference, it {o}.",
        "I'd say it {o}, so order accordingly.", "Mine {o}."),
       ("do people say the {n} runs small?", "how does the {n} fit according to reviews",
        "does the {n} run true to size", "sizing feedback on the {n}?",
        "cust asking if the {n} runs big or small", "Do reviewers recommend sizing up in the {n}?",
        "{n} fit reviews"),
       "Reviewers say the {N} {o}."),
    _a("warmth", ("warm enough for a Chicago winter", "not warm enough below freezing",
                  "toasty even at -10", "too warm for spring", "perfect for chilly mornings"),
       ("Honestly, it's {o}.", "It is {o}.", "I found it {o}."),
       ("is the {n} warm according to reviews?", "do customers say the {n} is warm enough",
        "how warm is the {n} per reviewers", "any reviews on the {n} warmth"),
       "Customers describe the {N} as {o}."),
    _a("fabric", ("started pilling after two washes", "shrank in the wash", "feels soft and thick",
                  "is a bit scratchy", "wrinkles easily", "held up well after many washes"),
       ("The fabric {o}.", "Mine {o}, which was disappointing.", "Note that it {o}."),
       ("any complaints about the {n} pilling?", "does the {n} shrink - what do reviews say",
        "what do people say about the {n} fabric", "is the {n} itchy?",
        "quality of the {n} material per reviews"),
       "One reviewer says the {N} {o}."),
    _a("colour", ("darker than in the photos", "exactly like the pictures",
                  "more mustard than yellow", "a lovely deep green", "lighter in person"),
       ("The colour is {o}.", "Colour-wise it's {o}.", "It looked {o}."),
       ("does the {n} look like the photos?", "is the {n} colour accurate",
        "reviews on the {n} colour?", "cust asking if the {n} color matches the pictures"),
       "Reviewers say the colour of the {N} is {o}."),
    _a("comfort", ("comfortable enough to wear all day", "a bit stiff at first",
                   "light as a feather", "tight at the waist", "too narrow for wide feet"),
       ("It is {o}.", "Be aware it is {o}.", "Honestly, it's {o}."),
       ("is the {n} comfortable?", "do people find the {n} comfy",
        "comfort reviews for the {n}", "any complaints about the {n} being uncomfortable"),
       "Customers find the {N} {o}."),
    _a("durability", ("the zip broke after a month", "still going strong after two years",
                      "a seam came loose after three wears", "the strap snapped",
                      "held up to daily use"),
       ("Sadly {o}.", "Quality is great: {o}.", "My only gripe is that {o}."),
       ("is the {n} durable?", "any reviews saying the {n} broke",
        "how long does the {n} last according to customers", "{n} quality issues?"),
       "One review says {o}."),
    _a("waterproof", ("kept me dry in a downpour", "soaked through in light rain",
                      "let water in at the seams", "stayed dry all day"),
       ("In my experience it {o}.", "It {o}.", "Tested on my commute: it {o}."),
       ("is the {n} actually waterproof?", "do reviews say the {n} keeps you dry",
        "{n} in the rain - reviews?"),
       "Reviewers report that the {N} {o}."),
    _a("length", ("hits just below the knee on me", "is shorter than expected",
                  "long enough to cover my hips", "very long in the arms"),
       ("At 5'6\", it {o}.", "It {o}.", "On me it {o}."),
       ("how long is the {n} on people?", "do reviewers say the {n} is short",
        "length feedback for the {n}"),
       "Reviewers say the {N} {o}."),
)
FILLERS = (
    "Arrived quickly and well packed.", "I get compliments every time I wear it.",
    "Bought it for my daughter's birthday.", "Five stars from me.", "Would buy again.",
    "The pockets are a nice touch.", "Great value for the price.", "Ordered my usual size.",
    "I wear it to work most days.", "Returned the first one for a different colour.",
    "Packaging was plastic-free, which I appreciated.", "Took a few days to arrive.",
)
AUTHORS = ("Maya R.", "Tom", "Priya K.", "J. Alvarez", "Sam", "Lena", "Chris W.", "Aisha",
           "Dani", "Rob M.", "Hana", "Grace T.", "Owen", "Noor", "Beth S.")


@dataclass(frozen=True)
class ReviewPassage:
    text: str
    spans: dict[str, tuple[str, int]]  # aspect key -> (opinion, start)
    absent: tuple[Aspect, ...]


def review_passage(rng: Random) -> ReviewPassage:
    """3-6 reviews of one product voicing 2-4 aspects, each review a paragraph."""
    voiced = rng.sample(ASPECTS, rng.randint(2, 4))
    n_reviews = rng.randint(max(3, len(voiced)), 6)
    slots: list[list[Aspect]] = [[] for _ in range(n_reviews)]
    for i, aspect in enumerate(voiced):
        slots[i if i < n_reviews else rng.randrange(n_reviews)].append(aspect)
    rng.shuffle(slots)
    paragraphs: list[str] = []
    spans: dict[str, tuple[str, int]] = {}
    offset = 0
    for aspects in slots:
        lead = ""
        roll = rng.random()
        if roll < 0.35:
            lead = f"{rng.randint(1, 5)}/5 - "
        elif roll < 0.6:
            lead = f"{rng.choice(AUTHORS)}: "
        text = lead
        parts = [*aspects, *([None] * rng.randint(1 if not aspects else 0, 2))]
        rng.shuffle(parts)
        for j, part in enumerate(parts):
            if j:
                text += " "
            if part is None:
                text += rng.choice(FILLERS)
                continue
            opinion = rng.choice(part.opinions)
            frame = rng.choice(part.frames)
            sentence = frame.format(o=opinion)
            sentence = sentence[:1].upper() + sentence[1:]
            spans[part.key] = (opinion, offset + len(text) + sentence.index(opinion))
            text += sentence
        paragraphs.append(text)
        offset += len(text) + 1  # paragraphs are joined by one newline
    absent = tuple(a for a in ASPECTS if a.key not in spans)
    return ReviewPassage("\n".join(paragraphs), spans, absent)
