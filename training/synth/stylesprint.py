"""Build the shipped StyleSprint QA set (train/dev JSONL) from the demo knowledge base.

Sources, all in the repository:
- the demo KB passages (`training.synth.kb`), so every context is exactly a passage the
  reader will see;
- hand-written policy questions (`training/data/stylesprint_policy_questions.yaml`);
- hand-written product aliases/description questions
  (`training/data/stylesprint_product_questions.yaml`);
- templated catalog-field questions (price, sizes, colors, material, care, availability).

Unanswerable examples are mostly hard negatives: hand-written same-topic questions, a
fact's question paired with a sibling section of the same document that lacks the fact,
and a product question paired with another product of the same category.

The split is by document (`DEV_POLICY_DOCS`, `DEV_PRODUCTS`), so dev measures reading of
text never trained on. Rebuild with `python -m training.synth.stylesprint`.
"""

from __future__ import annotations

import argparse
import random
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from training.datasets import write_jsonl
from training.synth.kb import KBPassage, demo_passages
from training.synth.records import NO_ANSWER_REFERENCE, RecordError, make_record

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
POLICY_QUESTIONS = DATA_DIR / "stylesprint_policy_questions.yaml"
PRODUCT_QUESTIONS = DATA_DIR / "stylesprint_product_questions.yaml"
TRAIN_PATH = DATA_DIR / "stylesprint_train.jsonl"
DEV_PATH = DATA_DIR / "stylesprint_dev.jsonl"

DEV_POLICY_DOCS = ("care-and-repairs", "gift-cards", "international-orders", "loyalty-program")
DEV_PRODUCTS = (
    "SS-OUT-103", "SS-OUT-106", "SS-DEN-204", "SS-DEN-207", "SS-DRS-302", "SS-DRS-307",
    "SS-KNT-403", "SS-FTW-503", "SS-FTW-506", "SS-BAG-603", "SS-ACC-704", "SS-ACC-706",
    "SS-SWM-805", "SS-KID-902", "SS-KID-907",
)
DEV_DOCS = frozenset(DEV_POLICY_DOCS + DEV_PRODUCTS)

# Templated catalog questions: {n} is an alias of the product. Several registers on
# purpose (formal, terse, agent shorthand) because that is how agents type.
FIELD_QUESTIONS: dict[str, tuple[str, ...]] = {
    "price": (
        "how much is the {n}?", "price of the {n}?", "whats the {n} cost", "{n} price",
        "cust asking how much the {n} is", "What does the {n} cost?", "how much for {n}",
        "What is the price of the {n}?", "is the {n} expensive? how much",
    ),
    "sizes": (
        "what sizes does the {n} come in?", "{n} sizes?", "size range for the {n}",
        "which sizes is the {n} available in", "cust wants to know what sizes the {n} has",
        "What sizes are available for the {n}?", "does the {n} come in xl", "sizing on {n}?",
    ),
    "colors": (
        "what colors does the {n} come in?", "{n} colours?", "which colorways for the {n}",
        "does the {n} come in other colors", "What colours is the {n} available in?",
        "color options {n}", "cust asking what colors the {n} comes in",
    ),
    "material": (
        "what is the {n} made of?", "{n} material?", "fabric of the {n}?",
        "whats the {n} made from", "What material is the {n}?", "composition of {n}",
        "cust asking what fabric the {n} is",
    ),
    "care": (
        "how do i wash the {n}?", "care instructions for {n}?", "how should the {n} be cleaned",
        "can the {n} go in the washing machine?", "What are the care instructions for the {n}?",
        "{n} washing instructions", "cust asking how to clean the {n}",
    ),
    "availability": (
        "is the {n} in stock?", "{n} availability?", "can they get the {n} right now?",
        "is the {n} available", "What is the stock status of the {n}?", "stock on {n}?",
        "cust asking if the {n} is available",
    ),
}

AGENT_PREFIXES = ("cust asking ", "customer wants to know ", "quick q - ", "cx asking: ",
                  "hey, ")

# Questions no catalog row answers; skipped for a product whose text has a keyword.
MISSING_ATTRIBUTE_QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("where is the {n} made?", ("made in", "imported")),
    ("how much does the {n} weigh?", ("weigh", " kg", " g ")),
    ("is the {n} on sale?", ("sale", "discount")),
    ("whats the warranty on the {n}", ("warranty", "guarantee")),
    ("what size is the model wearing in the {n} photos?", ("model",)),
    ("does the {n} run small?", ("true to size", "runs ", "run small", "size up")),
    ("how many {n} are left?", ("left", "last ")),
    ("when is the {n} going on sale", ("sale",)),
    ("cust asking if the {n} can be gift wrapped", ("gift",)),
    ("is the {n} eligible for free shipping?", ("shipping",)),
    ("how many reviews does the {n} have?", ("review",)),
    ("is the {n} sold in stores in canada?", ("canada",)),
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def locate(text: str, answer: str, at: str | None, where: str) -> int:
    """Offset of `answer` in `text`, disambiguated by the longer snippet `at`."""
    if at:
        anchor = text.find(at)
        inner = at.find(answer)
        if anchor < 0 or inner < 0:
            raise RecordError(f"{where}: anchor {at!r} or answer {answer!r} not found")
        return anchor + inner
    start = text.find(answer)
    if start < 0:
        raise RecordError(f"{where}: answer {answer!r} not in passage")
    if text.find(answer, start + 1) >= 0:
        raise RecordError(f"{where}: answer {answer!r} occurs twice; give `at`")
    return start


def half_answers(answer: str, text: str) -> bool:
    """Whether `text` may (partly) answer a question whose answer is `answer`.

    True when it contains the answer or any of the answer's numbers ("30 days" vs a
    "30-day window"): such a passage is no safe negative for that question.
    """
    if answer in text:
        return True
    return any(re.search(rf"(?<![\d.,]){re.escape(num)}(?![\d])", text)
               for num in re.findall(r"\d+(?:[.,]\d+)*", answer))


def _load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}


def _aliases(item: dict[str, Any], name: str) -> list[str]:
    """How agents name a product; a leading "the" is dropped (templates supply it)."""
    aliases = [re.sub(r"^the ", "", str(a)) for a in item.get("alias", [])]
    return aliases or [name]


def _availability_reference(name: str, value: str, be: str) -> str:
    low = value.lower()
    if low == "in stock":
        return f"The {name} {be} in stock."
    if low == "low stock":
        return f"The {name} {be} in stock, but stock is low."
    if low == "online only":
        return f"The {name} {be} available online only."
    if low.startswith("pre-order"):
        return f"The {name} {be} available to pre-order ({value})."
    return f"The {name} {be} not in stock right now ({value})."


def _field_reference(field: str, name: str, value: str) -> str:
    plural = name.endswith("s") and not name.endswith("ss")
    be = "are" if plural else "is"
    if field == "price":
        return f"The {name} {'cost' if plural else 'costs'} {value}."
    if field == "sizes":
        return f"The {name} {'come' if plural else 'comes'} in {value}."
    if field == "colors":
        return f"The {name} {be} available in {value}."
    if field == "material":
        return f"The {name} {be} made of {value[:1].lower() + value[1:]}."
    if field == "care":
        return f"Care instructions for the {name}: {value}"
    return _availability_reference(name, value, be)


def _field_values(passage: KBPassage) -> dict[str, str]:
    values = {}
    for line in passage.text.split("\n"):
        label, _, value = line.partition(": ")
        values[label.lower()] = value
    return values


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.records: list[dict[str, Any]] = []

    def add(self, *, question: str, passage: KBPassage, answer: str, start: int | None,
            group: str, reference: str) -> None:
        self.records.append(make_record(
            id=f"ss-{len(self.records):05d}", question=question, context=passage.text,
            answer_text=answer, answer_start=start if answer else None, doc=passage.doc_id,
            group=group, reference=reference if answer else NO_ANSWER_REFERENCE,
            kind=passage.kind,
        ))

    def at_least_three(self, questions: list[str]) -> list[str]:
        """Pad a short paraphrase list with agent-shorthand forms of its questions."""
        out = list(questions)
        for question in questions:
            if len(out) >= 3:
                break
            prefix = self.rng.choice(AGENT_PREFIXES)
            out.append(prefix + question.rstrip("?").lower())
        return out

    def add_negatives(self, lines: list[str], passage: KBPassage, group: str) -> None:
        for i, line in enumerate(lines):
            for question in (q.strip() for q in str(line).split(" | ")):
                self.add(question=question, passage=passage, answer="", start=None,
                         group=f"{group}/n{i}", reference="")

    # -- policies -------------------------------------------------------------------
    def policies(self, spec: dict[str, Any], sections: dict[tuple[str, str], KBPassage]) -> None:
        by_doc: dict[str, list[KBPassage]] = defaultdict(list)
        for (doc, _), passage in sections.items():
            by_doc[doc].append(passage)
        for doc, doc_spec in spec.items():
            for section, sec_spec in doc_spec.items():
                passage = sections.get((doc, section))
                if passage is None:
                    raise RecordError(f"{doc} › {section}: no such section in the demo KB")
                base = f"{doc}/{_slug(section)}"
                for i, fact in enumerate(sec_spec.get("facts", [])):
                    group = f"{base}/f{i}"
                    start = locate(passage.text, fact["a"], fact.get("at"), group)
                    for question in fact["q"]:
                        self.add(question=question, passage=passage, answer=fact["a"],
                                 start=start, group=group, reference=fact["ref"])
                    # Hard negative: the same question against a sibling section
                    # of the same document that does not contain the answer.
                    siblings = [p for p in by_doc[doc] if p is not passage
                                and p.section not in fact.get("not_in", ())
                                and not half_answers(fact["a"], p.text)]
                    if siblings:
                        other = self.rng.choice(siblings)
                        self.add(question=self.rng.choice(fact["q"]), passage=other,
                                 answer="", start=None,
                                 group=f"{group}~{_slug(other.section)}", reference="")
                self.add_negatives(sec_spec.get("neg", []), passage, base)

    # -- products -------------------------------------------------------------------
    def products(self, spec: dict[str, Any], products: dict[str, KBPassage]) -> None:
        by_category: dict[tuple[str, bool], list[str]] = defaultdict(list)
        for sku, passage in products.items():
            category = _field_values(passage)["category"]
            by_category[(category, sku in DEV_DOCS)].append(sku)
        for sku, passage in products.items():
            item = spec.get(sku) or {}
            name = passage.title
            aliases = _aliases(item, name)
            values = _field_values(passage)
            for field, templates in FIELD_QUESTIONS.items():
                group = f"{sku}/{field}"
                for template in self.rng.sample(templates, 3):
                    alias = self.rng.choice(aliases)
                    self.add(question=template.format(n=alias), passage=passage,
                             answer=values[field], start=passage.text.index(
                                 f"{field.capitalize()}: {values[field]}") + len(field) + 2,
                             group=group, reference=_field_reference(field, name, values[field]))
            for i, fact in enumerate(item.get("facts", [])):
                group = f"{sku}/f{i}"
                start = locate(passage.text, fact["a"], fact.get("at"), group)
                for question in self.at_least_three(fact["q"]):
                    self.add(question=question, passage=passage, answer=fact["a"], start=start,
                             group=group, reference=fact["ref"])
            self.add_negatives(item.get("neg", []), passage, sku)
            # Wrong product: a field question about a sibling of the same category.
            peers = [s for s in by_category[(values["category"], sku in DEV_DOCS)] if s != sku]
            for other in self.rng.sample(peers, min(2, len(peers))):
                other_aliases = _aliases(spec.get(other) or {}, products[other].title)
                field = self.rng.choice(list(FIELD_QUESTIONS))
                question = self.rng.choice(FIELD_QUESTIONS[field]).format(
                    n=self.rng.choice(other_aliases))
                self.add(question=question, passage=passage, answer="", start=None,
                         group=f"{other}/{field}@{sku}", reference="")
            # Attribute a catalog row never states.
            lowered = f" {passage.text.lower()} "
            usable = [(t, kws) for t, kws in MISSING_ATTRIBUTE_QUESTIONS
                      if not any(k in lowered for k in kws)]
            for template, _ in self.rng.sample(usable, min(2, len(usable))):
                self.add(question=template.format(n=self.rng.choice(aliases)), passage=passage,
                         answer="", start=None, group=f"{sku}/missing/{_slug(template)}",
                         reference="")


def build(kb_dir: Path | None = None, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """(train, dev) records, split by document; deterministic for a given seed."""
    passages = demo_passages(kb_dir)
    sections = {(p.doc_id, p.section): p for p in passages if p.kind == "policy"}
    products = {p.doc_id: p for p in passages if p.kind == "product"}
    builder = _Builder(seed)
    builder.policies(_load_yaml(POLICY_QUESTIONS), sections)
    builder.products(_load_yaml(PRODUCT_QUESTIONS), products)
    train = [r for r in builder.records if r["doc"] not in DEV_DOCS]
    dev = [r for r in builder.records if r["doc"] in DEV_DOCS]
    return train, dev


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train", type=Path, default=TRAIN_PATH)
    parser.add_argument("--dev", type=Path, default=DEV_PATH)
    args = parser.parse_args(argv)
    train, dev = build(seed=args.seed)
    for name, rows, path in (("train", train, args.train), ("dev", dev, args.dev)):
        write_jsonl(rows, path)
        unanswerable = sum(1 for r in rows if not r["answer_text"])
        print(f"{name}: {len(rows)} examples ({unanswerable / len(rows):.0%} unanswerable) "
              f"-> {path}")


if __name__ == "__main__":
    main()
