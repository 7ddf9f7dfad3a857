"""The vocabulary of the synthetic generator: facts, their phrasings and their questions.

A `Fact` is one thing a policy page can state ("the return window"). It has:

- `questions`: ways an agent or customer asks for it (formal, terse, shorthand);
- `variants`: ways a page can state it, each with a value sampler (the answer span
  `A` plus any other slots), several sentence templates containing `{A}`, and the
  full-sentence reply an agent would send;
- `family`: facts that state the same thing share a family ("the return window" and
  "the return policy"), so a passage never holds two of them;
- `related`: families whose statement half-answers this fact's questions (the sale-items
  window for "how long do customers have to return an item?"). They may share a
  passage, but then neither is ever asked as an "unanswerable" question on it.

Templates may also use the store context: {brand}, {site}, {email}, {phone}, {city},
{cur} (currency symbol). `{A}` never starts a sentence unless the value is a number or
a name, so the answer span is always an exact substring with its own capitalisation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

Sampler = Callable[[Random, dict[str, str]], dict[str, str]]


@dataclass(frozen=True)
class Variant:
    sample: Sampler
    sentences: tuple[str, ...]
    reply: str


@dataclass(frozen=True)
class Fact:
    key: str
    topic: str
    questions: tuple[str, ...]
    variants: tuple[Variant, ...]
    family: str = ""
    related: frozenset[str] = field(default_factory=frozenset)

    @property
    def fam(self) -> str:
        return self.family or self.key


def V(sample: Sampler, sentences: tuple[str, ...] | list[str], reply: str) -> Variant:
    """Shorthand for a Variant (the topic tables read better with it)."""
    return Variant(sample, tuple(sentences), reply)


def const(*values: str) -> Sampler:
    """A sampler choosing among fixed answer phrases."""
    return lambda rng, ctx: {"A": rng.choice(values)}


def F(topic: str, key: str, questions: tuple[str, ...] | list[str], *variants: Variant,
      family: str = "", related: tuple[str, ...] = ()) -> Fact:
    """A fact of `topic`; `family`/`related` name families within the same topic."""
    return Fact(f"{topic}.{key}", topic, tuple(questions), tuple(variants),
                f"{topic}.{family}" if family else "",
                frozenset(r if "." in r else f"{topic}.{r}" for r in related))


def can_ask_unanswerable(fact: Fact, present: list[Fact]) -> bool:
    """Whether `fact`'s questions are truly unanswered by a passage stating `present`."""
    fams = {p.fam for p in present}
    if fact.fam in fams or fact.related & fams:
        return False
    return not any(fact.fam in p.related for p in present)


@dataclass(frozen=True)
class Rendered:
    """One stated fact: the sentence, where its answer sits in it, and the reply."""

    fact: Fact
    sentence: str
    answer: str
    offset: int  # of the answer inside `sentence`
    reply: str
    slots: dict[str, str]


def render(fact: Fact, rng: Random, ctx: dict[str, str]) -> Rendered:
    """State `fact` once: pick a variant, sample its values, fill one sentence template."""
    variant = rng.choice(fact.variants)
    slots = {**ctx, **variant.sample(rng, ctx)}
    template = rng.choice(variant.sentences)
    marker = "\x00"
    before, _, after = template.partition("{A}")
    head = before.format(**slots)
    sentence = head + slots["A"] + after.format(**slots)
    if marker in sentence:  # pragma: no cover - a template bug, never valid text
        raise ValueError(f"{fact.key}: bad template {template!r}")
    reply = variant.reply.format(**slots)
    return Rendered(fact, sentence, slots["A"], len(head), reply, slots)


def question_for(fact: Fact, rng: Random, ctx: dict[str, str]) -> str:
    return rng.choice(fact.questions).format(**ctx)
