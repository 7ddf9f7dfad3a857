"""The synthetic QA generator: fictional stores' policies, listings and catalogs.

Every passage is built for one fictional brand from facts (`topics_*`), listings
(`tables`) or products (`catalog`), with shuffled fact order, several layouts (prose,
FAQ, bullets, pipe tables, "Column: value" records) and distractor sentences full of
numbers and dates. Each passage yields one or two answerable questions and, to keep
about `UNANSWERABLE_SHARE` of the output unanswerable, often a question it does not
answer: mostly hard negatives (a fact of the same topic that is absent, a store or
product the passage does not list, a catalog column it lacks), sometimes a question
from another topic entirely.

`generate(n, seed)` is deterministic: the same arguments give the same records.
"""

from __future__ import annotations

from random import Random
from typing import Any

from qa_engine.ingest.rendering import field_label, render_record
from training.synth import catalog, reviews, tables
from training.synth import vocab as w
from training.synth.facts import Fact, Rendered, can_ask_unanswerable, question_for, render
from training.synth.noise import agent_style, style
from training.synth.pages import DISTRACTORS, LEADS, Passage, make_context
from training.synth.records import NO_ANSWER_REFERENCE, make_record
from training.synth.situations import member_offset, membership_question, situation_question
from training.synth.topics_orders import TOPICS_ORDERS
from training.synth.topics_services import TOPICS_SERVICES
from training.synth.topics_stores import TOPICS_STORES

UNANSWERABLE_SHARE = 0.30
SITUATION_SHARE = 0.3  # asked facts (and absent ones) asked as a relayed customer situation
MEMBERSHIP_SHARE = 1.0  # list facts also asked "do we ship to X?" about one member
TOPICS: dict[str, list[Fact]] = {**TOPICS_ORDERS, **TOPICS_SERVICES, **TOPICS_STORES}
ALL_FACTS: list[Fact] = [f for facts in TOPICS.values() for f in facts]

class Generator:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = Random(seed)
        self.records: list[dict[str, Any]] = []
        self.unanswerable = 0
        self.passages = 0
        self.markdown = False  # this passage uses inline Markdown emphasis

    # -- bookkeeping ----------------------------------------------------------------
    def want_unanswerable(self) -> bool:
        share = self.unanswerable / max(1, len(self.records))
        return self.rng.random() < (0.75 if share < UNANSWERABLE_SHARE else 0.1)

    def emit(self, doc: str, kind: str, context: str, question: str, answer: str,
             start: int | None, group: str, reply: str, styled: bool = True) -> None:
        """Record one question; `styled=False` for questions already in an agent's words
        (relayed situations), which get only the light roughening."""
        question = agent_style(question, self.rng) if styled else style(question, self.rng)
        self.records.append(make_record(
            id=f"syn{self.seed}-{len(self.records):06d}", question=question,
            context=context, answer_text=answer, answer_start=start if answer else None,
            doc=doc, group=f"{doc}/{group}", reference=reply if answer else NO_ANSWER_REFERENCE,
            kind=kind))
        if not answer:
            self.unanswerable += 1

    def other_topic_question(self, present: list[Fact], ctx: dict[str, str]) -> tuple[str, str]:
        for _ in range(20):
            fact = self.rng.choice(ALL_FACTS)
            if can_ask_unanswerable(fact, present):
                return question_for(fact, self.rng, ctx), fact.key
        raise RuntimeError("no unanswerable question found")  # pragma: no cover

    # -- policy prose / FAQ / bullets -------------------------------------------------
    def policy(self, doc: str) -> None:
        rng, ctx = self.rng, make_context(self.rng)
        topic = rng.choice(list(TOPICS))
        pool = list(TOPICS[topic])
        rng.shuffle(pool)
        chosen: list[Fact] = []
        # Leave at least one fact of the topic unstated: it is the hard negative.
        k = rng.randint(2, min(6, max(2, len(pool) - 1)))
        for fact in pool:
            if fact.fam not in {c.fam for c in chosen}:
                chosen.append(fact)
            if len(chosen) >= k:
                break
        if rng.random() < 0.2:
            extra = rng.choice(ALL_FACTS)
            if extra.topic != topic and extra.fam not in {c.fam for c in chosen}:
                chosen.append(extra)
        rendered = [render(f, rng, ctx) for f in chosen]
        rng.shuffle(rendered)
        layout = rng.choices(("prose", "faq", "bullets"), weights=(65, 17, 18))[0]
        passage = self.layout(layout, rendered, topic, ctx)

        if rng.random() < 0.4:  # a longer page: a second topic's section follows
            passage, chosen = self.second_section(passage, chosen, topic, ctx)
        asked = rng.sample(rendered, min(len(rendered), rng.choice((1, 1, 2))))
        for r in asked:
            _, start = passage.answers[r.fact.key]
            situation = situation_question(r.fact.key, rng) \
                if rng.random() < SITUATION_SHARE else None
            if situation:
                self.emit(doc, "policy", passage.text, situation, r.answer, start,
                          r.fact.key, r.reply, styled=False)
                continue
            used = passage.faq_questions.get(r.fact.key)
            templates = [q for q in r.fact.questions if q != used] or list(r.fact.questions)
            question = rng.choice(templates).format(**ctx)
            self.emit(doc, "policy", passage.text, question, r.answer, start, r.fact.key,
                      r.reply)
        self.ask_membership(doc, passage, rendered)
        if self.want_unanswerable():
            candidates = [f for f in TOPICS[topic] if can_ask_unanswerable(f, chosen)]
            situation = None
            if candidates and rng.random() < 0.85:
                fact = rng.choice(candidates)
                group = f"{fact.key}~absent"
                situation = situation_question(fact.key, rng) \
                    if rng.random() < SITUATION_SHARE else None
                question = situation or question_for(fact, rng, ctx)
            else:
                question, key = self.other_topic_question(chosen, ctx)
                group = f"{key}~other-topic"
            self.emit(doc, "policy", passage.text, question, "", None, group, "",
                      styled=situation is None)

    def second_section(self, passage: Passage, chosen: list[Fact], topic: str,
                       ctx: dict[str, str]) -> tuple[Passage, list[Fact]]:
        """Append a section of another topic (field pages run to 250 words and mix
        topics); returns the longer passage and every fact it now states, so that no
        unanswerable question is asked that the second section answers."""
        rng = self.rng
        other = rng.choice([t for t in TOPICS if t != topic])
        pool = [f for f in TOPICS[other] if can_ask_unanswerable(f, chosen)]
        rng.shuffle(pool)
        extra: list[Fact] = []
        for fact in pool:
            if fact.fam not in {e.fam for e in extra} and can_ask_unanswerable(fact, extra):
                extra.append(fact)
            if len(extra) >= rng.randint(2, 4):
                break
        if not extra:
            return passage, chosen
        section = self.layout(rng.choice(("prose", "bullets")),
                              [render(f, rng, ctx) for f in extra], other, ctx)
        title = LEADS.get(other, ("", ""))[0]
        joint = "\n\n" + (f"{title}\n" if title and rng.random() < 0.7 else "")
        shift = len(passage.text) + len(joint)
        passage.text += joint + section.text
        for key, (r, start) in section.answers.items():
            passage.answers[key] = (r, start + shift)
        return passage, chosen + extra

    def ask_membership(self, doc: str, passage: Passage, rendered: list[Rendered]) -> None:
        """"do we ship to japan?" about a stated list: the member's name when the list
        names it, otherwise a same-topic hard negative (see `situations.MEMBERSHIP`)."""
        rng = self.rng
        for r in rendered:
            if rng.random() >= MEMBERSHIP_SHARE:
                continue
            asked = membership_question(r.fact.key, r.answer, rng)
            if asked is None:
                continue
            question, member = asked
            if not member:
                self.emit(doc, "policy", passage.text, question, "", None,
                          f"{r.fact.key}~not-listed", "")
                continue
            _, start = passage.answers[r.fact.key]
            at = start + member_offset(r.answer, member)
            self.emit(doc, "policy", passage.text, question, member, at,
                      f"{r.fact.key}/member", f"Yes: {r.reply}")

    def layout(self, layout: str, rendered: list[Rendered], topic: str,
               ctx: dict[str, str]) -> Passage:
        rng = self.rng
        passage = Passage()
        self.markdown = rng.random() < 0.12
        if layout == "faq":
            qa = rng.random() < 0.5
            for i, r in enumerate(rendered):
                if i:
                    passage.put("\n")
                faq_q = r.fact.questions[0]  # the generic wording: FAQ headings are tidy
                passage.faq_questions[r.fact.key] = faq_q
                faq_q = faq_q.format(**ctx)
                faq_q = faq_q[:1].upper() + faq_q[1:]
                if self.markdown and not qa:
                    faq_q = f"**{faq_q}**"
                passage.put(f"Q: {faq_q}\nA: " if qa else f"{faq_q}\n")
                self._put(passage, r)
            return passage
        sentences: list[Rendered | str] = list(rendered)
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            slots = {**ctx, "year": str(rng.randint(1968, 2021)), "n": str(rng.randint(2, 60)),
                     "date": w.date(rng)}
            sentences.insert(rng.randrange(len(sentences) + 1),
                             rng.choice(DISTRACTORS).format(**slots))
        title, lead = LEADS.get(topic, ("", ""))
        if layout == "bullets":
            sep = "\n" if rng.random() < 0.75 else " "
            if rng.random() < 0.5:
                passage.put(f"{title}:{sep}")
            for i, s in enumerate(sentences):
                passage.put(("" if i == 0 else sep) + "- ")
                self._put(passage, s)
            return passage
        if rng.random() < 0.3:
            sentences.insert(0, lead)
        breaks = set(rng.sample(range(1, len(sentences)), min(len(sentences) - 1,
                                                              rng.choice((0, 0, 1, 2)))))
        for i, s in enumerate(sentences):
            if i:
                passage.put("\n" if i in breaks else " ")
            self._put(passage, s)
        return passage

    def _put(self, passage: Passage, item: Rendered | str) -> None:
        if isinstance(item, str):
            passage.put(item)
        else:
            passage.put_fact(item, bold=self.markdown and self.rng.random() < 0.5)

    # -- listings ---------------------------------------------------------------------
    def listing(self, doc: str) -> None:
        rng, ctx = self.rng, make_context(self.rng)
        listing = rng.choice(tables.BUILDERS)(rng, ctx)
        answerable = [(e, a) for (e, a) in listing.spans if a in listing.questions]
        for entity, attr in rng.sample(answerable, min(len(answerable), rng.choice((1, 2)))):
            span = listing.spans[(entity, attr)]
            question = rng.choice(listing.questions[attr]).format(e=entity)
            reply = listing.replies[attr].format(E=entity[:1].upper() + entity[1:], A=span.text)
            self.emit(doc, "policy", listing.text, question, span.text, span.start,
                      f"{entity}/{attr}", reply)
        if self.want_unanswerable():
            if rng.random() < 0.6:
                entity = rng.choice(listing.absent_entities)
                attr = rng.choice(list(listing.questions))
                question = rng.choice(listing.questions[attr]).format(e=entity)
            else:
                entity = rng.choice(listing.entities)
                attr = rng.choice(list(listing.absent_attrs))
                question = rng.choice(listing.absent_attrs[attr]).format(e=entity)
            self.emit(doc, "policy", listing.text, question, "", None,
                      f"{entity}/{attr}~absent", "")

    # -- catalog records ----------------------------------------------------------------
    def record(self, doc: str) -> None:
        rng = self.rng
        cur = w.currency(rng) if rng.random() < 0.3 else "$"
        product = catalog.make_product(rng, cur=cur)
        fields = {f: v for f, v in product.fields.items()
                  if (f in catalog.BASE_FIELDS and rng.random() < 0.88)
                  or (f in catalog.EXTRA_FIELDS and rng.random() < 0.25)}
        order = [f for f in (*catalog.BASE_FIELDS, *catalog.EXTRA_FIELDS) if f in fields]
        if rng.random() < 0.3:
            rng.shuffle(order)
        row: dict[str, str] = {rng.choice(catalog.COLUMN_NAMES["name"]): product.name}
        if rng.random() < 0.8:
            row[rng.choice(catalog.COLUMN_NAMES["category"])] = product.category
        describe = rng.random() < 0.85
        desc_key = rng.choice(catalog.COLUMN_NAMES["description"])
        if describe:
            row[desc_key] = product.fields["description"]
        keys = {f: rng.choice(catalog.COLUMN_NAMES[f]) for f in order}
        for f in order:
            row[keys[f]] = fields[f]
        text = render_record(row)

        def value_start(key: str, value: str) -> int:
            return text.index(f"{field_label(key)}: {value}") + len(field_label(key)) + 2

        alias = rng.choice((product.name, product.name, product.name.lower(),
                            product.name.split(" ", 1)[1].lower()))
        options: list[tuple[str, str, int, str, str]] = []  # question, answer, start, group, reply
        for f in order:
            q = catalog.field_question(f, alias, rng, product)
            options.append((q, fields[f], value_start(keys[f], fields[f]), f,
                            catalog.FIELD_REPLIES[f].format(N=product.name, A=fields[f])))
        if describe:
            base = value_start(desc_key, product.fields["description"])
            for i, feat in enumerate(product.features):
                at = base + product.fields["description"].index(feat.text)
                at += feat.text.index(feat.value)
                options.append((rng.choice(feat.questions).format(n=alias), feat.value, at,
                                f"feature{i}", feat.reply.replace("{N}", product.name)))
        for q, answer, start, group, reply in rng.sample(options, min(len(options),
                                                                      rng.choice((1, 1, 2)))):
            self.emit(doc, "product", text, q, answer, start, group, reply)
        if rng.random() < 0.3:  # "do we carry leather jackets?" -> the product's name
            q, _ = catalog.existence_question(product, rng)
            name_key = next(iter(row))
            self.emit(doc, "product", text, q, product.name, value_start(name_key, product.name),
                      "exists", f"Yes, we carry the {product.name}.")
        if rng.random() < 0.12:  # the same kind of question about a product this row is not
            other = catalog.make_product(rng)
            q, used = catalog.existence_question(other, rng)
            if catalog.unrelated(used, text):
                self.emit(doc, "product", text, q, "", None, "exists~other-product", "")
        if self.want_unanswerable():
            missing = [f for f in (*catalog.BASE_FIELDS, *catalog.EXTRA_FIELDS) if f not in fields]
            roll = rng.random()
            if missing and roll < 0.45:
                f = rng.choice(missing)
                q, group = catalog.field_question(f, alias, rng, product), f"{f}~absent"
            elif roll < 0.9:
                other = catalog.make_product(rng, product.category)
                if other.name == product.name:
                    other.name = f"{other.name} II"
                f = rng.choice(order or ["price"])
                q = catalog.field_question(f, other.name, rng, other)
                group = f"{f}~other-product"
            else:
                q, key = self.other_topic_question([], make_context(rng))
                group = f"{key}~other-topic"
            self.emit(doc, "product", text, q, "", None, group, "")

    def product_prose(self, doc: str) -> None:
        """Two or three products described in running text (a lookbook or FAQ answer)."""
        rng = self.rng
        products = []
        category = rng.choice(list(catalog.CATEGORIES))
        names: set[str] = set()
        while len(products) < rng.randint(2, 3):
            p = catalog.make_product(rng, category)
            if p.name not in names:
                names.add(p.name)
                products.append(p)
        templates = (
            ("price", "colors", "The {name} costs {price} and comes in {colors}."),
            ("price", "sizes", "The {name} ({price}) is available in sizes {sizes}."),
            ("material", "price", "Our {name} is made of {material} and costs {price}."),
            ("colors", "sizes", "Choose the {name} in {colors}, sizes {sizes}."),
            ("price", "material", "At {price}, the {name} is made from {material}."),
        )
        text = ""
        spans: dict[tuple[str, str], tuple[str, int]] = {}
        for i, p in enumerate(products):
            f1, f2, template = rng.choice(templates)
            vals = {"name": p.name, f1: p.fields[f1], f2: p.fields[f2]}
            if "material" in vals:
                vals["material"] = vals["material"][:1].lower() + vals["material"][1:]
            text += " " if i else ""
            pos = 0
            for part in template.split("{")[1:]:
                slot, _, _ = part.partition("}")
                before = template[pos:template.index("{" + slot + "}", pos)]
                text += before.format(**vals)
                if slot != "name":
                    spans[(p.name, slot)] = (vals[slot], len(text))
                text += vals[slot]
                pos = template.index("{" + slot + "}", pos) + len(slot) + 2
            text += template[pos:]
        stated = list(spans)
        for name, f in rng.sample(stated, rng.choice((1, 2))):
            value, start = spans[(name, f)]
            q = catalog.field_question(f, name, rng)
            self.emit(doc, "product", text, q, value, start, f"{name}/{f}",
                      catalog.FIELD_REPLIES[f].format(N=name, A=value))
        nouns = [p.name.split(" ")[-1] for p in products]
        unique = [p for p, noun in zip(products, nouns, strict=True) if nouns.count(noun) == 1]
        if unique and rng.random() < 0.3:
            p = rng.choice(unique)
            q, _ = catalog.existence_question(p, rng)
            self.emit(doc, "product", text, q, p.name, text.index(p.name), f"{p.name}/exists",
                      f"Yes, we carry the {p.name}.")
        if self.want_unanswerable():
            unstated = [(p.name, f) for p in products for f in ("price", "colors", "sizes",
                                                                 "material", "care")
                        if (p.name, f) not in spans]
            if unstated and rng.random() < 0.6:
                name, f = rng.choice(unstated)
            else:
                name = catalog.make_product(rng, category).name
                while name in names:
                    name = f"{name} Plus"
                f = rng.choice(("price", "colors", "sizes", "material"))
            q = catalog.field_question(f, name, rng)
            self.emit(doc, "product", text, q, "", None, f"{name}/{f}~absent", "")

    # -- customer reviews of one product ---------------------------------------------------
    def reviews(self, doc: str) -> None:
        rng = self.rng
        product = catalog.make_product(rng)
        passage = reviews.review_passage(rng)
        alias = rng.choice((product.name, product.name.lower(),
                            product.name.split(" ", 1)[1].lower()))
        by_key = {a.key: a for a in reviews.ASPECTS}
        for key in rng.sample(list(passage.spans), min(len(passage.spans), rng.choice((1, 2)))):
            opinion, start = passage.spans[key]
            aspect = by_key[key]
            self.emit(doc, "review", passage.text, rng.choice(aspect.questions).format(n=alias),
                      opinion, start, f"review/{key}",
                      aspect.reply.format(N=product.name, o=opinion))
        if passage.absent and self.want_unanswerable():
            aspect = rng.choice(passage.absent)
            self.emit(doc, "review", passage.text, rng.choice(aspect.questions).format(n=alias),
                      "", None, f"review/{aspect.key}~absent", "")

    # -- driver -----------------------------------------------------------------------------
    def run(self, n: int) -> list[dict[str, Any]]:
        makers = (self.policy, self.listing, self.record, self.product_prose, self.reviews)
        weights = (46, 14, 22, 9, 9)
        while len(self.records) < n:
            doc = f"synth-{self.seed}-{self.passages:06d}"
            self.passages += 1
            self.rng.choices(makers, weights=weights)[0](doc)
        return self.records[:n]


def generate(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` synthetic QA records (project JSONL dicts), deterministic for `seed`."""
    if n < 0:
        raise ValueError("n must be >= 0")
    return Generator(seed).run(n)
