"""Page furniture of the synthetic generator: section titles and leads, distractor
sentences, a store's context, and the passage under construction."""

from __future__ import annotations

from random import Random

from training.synth import vocab as w
from training.synth.facts import Rendered

LEADS = {
    "returns": ("Returns and exchanges", "We want you to love what you ordered."),
    "shipping": ("Shipping information", "Here is how delivery works."),
    "intl": ("International orders", "We're happy to ship around the world."),
    "orders": ("Managing your order", "Need to change something?"),
    "payments": ("Payment options", "Paying is quick and secure."),
    "discounts": ("Discounts and offers", "Everyone loves a good deal."),
    "giftcards": ("Gift cards", "The perfect present when you can't decide."),
    "loyalty": ("Rewards program", "Membership has its perks."),
    "warranty": ("Our quality promise", "We stand behind everything we make."),
    "repairs": ("Repairs and alterations", "Make your favourites last longer."),
    "rental": ("Rental and subscription", "Wear something new without buying it."),
    "services": ("Stores and customer care", "We're here to help."),
    "account": ("Your account", "Keep your details safe."),
    "green": ("Sustainability", "We're working to reduce our footprint."),
    "stores": ("Our stores", "Come and see us in person."),
}
DISTRACTORS = (
    "{brand} was founded in {year} in {city}.",
    "Our warehouse in {city} packs more than {n},000 orders each week.",
    "Thank you for shopping with {brand}.",
    "This page was last updated on {date}.",
    "Prices and promotions may change without notice.",
    "Our team of {n} stylists is based in {city}.",
    "Questions about this policy? Our team is happy to help.",
    "Since {year}, we have donated over {cur}{n},000 to local charities.",
    "More than {n}0,000 customers shopped with us last year.",
    "Our flagship store in {city} opened on {date}, {year}.",
    "We review this policy every {n} months.",
    "Over {n}% of our customers rate us five stars.",
)


def make_context(rng: Random) -> dict[str, str]:
    name = w.brand(rng)
    return {"brand": name, "site": w.website(name), "email": w.email(rng, name),
            "phone": w.phone(rng), "city": rng.choice(w.CITIES), "cur": w.currency(rng),
            "program": f"{name.split(' ')[0]} {rng.choice(w.PROGRAM_WORDS)}"}


class Passage:
    """Text under construction, remembering where each stated fact's answer lies."""

    def __init__(self) -> None:
        self.text = ""
        self.answers: dict[str, tuple[Rendered, int]] = {}
        self.faq_questions: dict[str, str] = {}  # fact key -> template used as FAQ heading

    def put(self, piece: str) -> None:
        self.text += piece

    def put_fact(self, rendered: Rendered, bold: bool = False) -> None:
        """Append the fact's sentence; `bold` wraps the answer in Markdown `**` (ingestion
        keeps inline markup, so a KB that bolds key values shows the reader `**30 days**`)."""
        sentence, offset = rendered.sentence, rendered.offset
        if bold:
            end = offset + len(rendered.answer)
            sentence = f"{sentence[:offset]}**{rendered.answer}**{sentence[end:]}"
            offset += 2
        self.answers[rendered.fact.key] = (rendered, len(self.text) + offset)
        self.text += sentence
