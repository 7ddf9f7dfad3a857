"""Passages that list several entities: shipping methods, stores, loyalty tiers, repair
prices and size charts, written as prose, bullet lines, pipe tables or "Name: value" lines.

These teach the reader to find the row the question names (the Denver store, the Express
method, size M) instead of grabbing the first price or time in the passage. Each builder
returns a `Listing`: the text, and for every (entity, attribute) the answer span, plus
question templates; questions about an entity or attribute the listing lacks are the
hard negatives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

from training.synth import vocab as w


@dataclass
class Span:
    text: str
    start: int


@dataclass
class Listing:
    topic: str
    text: str = ""
    spans: dict[tuple[str, str], Span] = field(default_factory=dict)
    entities: list[str] = field(default_factory=list)
    absent_entities: list[str] = field(default_factory=list)
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)  # attr -> templates
    replies: dict[str, str] = field(default_factory=dict)  # attr -> reply template
    absent_attrs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, piece: str) -> None:
        self.text += piece

    def val(self, entity: str, attr: str, value: str) -> None:
        self.spans[(entity, attr)] = Span(value, len(self.text))
        self.text += value


class _Row:
    """A row rendered from a format string whose {slots} become recorded spans."""

    def __init__(self, entity: str, values: dict[str, str]) -> None:
        self.entity, self.values = entity, values

    def write(self, listing: Listing, template: str, joined: dict[str, tuple[str, str]]) -> None:
        """Write `template`; `joined` maps a combined slot to (first, last) sub-slots."""
        import string

        start_of: dict[str, int] = {}
        for literal, name, _, _ in string.Formatter().parse(template):
            listing.add(literal)
            if name is None:
                continue
            start_of[name] = len(listing.text)
            listing.val(self.entity, name, self.values[name])
        for combo, (first, last) in joined.items():
            if first in start_of and last in start_of:
                a = start_of[first]
                b = start_of[last] + len(self.values[last])
                listing.spans[(self.entity, combo)] = Span(listing.text[a:b], a)


def _render(listing: Listing, rng: Random, rows: list[_Row], prose: tuple[str, ...],
            lines: tuple[str, ...], header: tuple[str, ...], cells: tuple[str, ...], lead: str,
            joined: dict[str, tuple[str, str]] | None = None) -> None:
    """Write the rows in one of four layouts (all rows share the layout and template)."""
    joined = joined or {}
    for row in rows:
        name = row.values["name"]
        row.values["Name"] = name[:1].upper() + name[1:]
    style = rng.choices(("prose", "bullets", "table", "lines"), weights=(40, 25, 20, 15))[0]
    line = rng.choice(lines)
    template = rng.choice(prose)
    sep = "\n" if style != "prose" and rng.random() < 0.75 else " "
    if style == "lines" and sep == " ":
        sep = "; "
    if lead and rng.random() < 0.6:
        listing.add(lead + ("\n" if sep == "\n" or style == "table" else " "))
    for i, row in enumerate(rows):
        if i:
            listing.add(sep if style != "table" else "\n")
        if style == "prose":
            row.write(listing, template if rng.random() < 0.7 else rng.choice(prose), joined)
        elif style == "table":
            if i == 0:
                listing.add(" | ".join(header) + "\n")
            row.write(listing, " | ".join("{" + c + "}" for c in cells), joined)
        else:
            bullet = "- " if style == "bullets" else ""
            row.write(listing, bullet + line, joined)


def shipping_methods(rng: Random, ctx: dict[str, str]) -> Listing:
    names = rng.sample(w.SHIPPING_METHODS, rng.randint(2, 4) + 1)
    shown, absent = names[:-1], names[-1:]
    lo = 3.0
    rows = []
    for name in shown:
        cost = w.money(rng, lo, lo + 8, sym=ctx["cur"])
        lo += 6
        rows.append(_Row(name, {"name": name, "cost": cost, "time": w.day_range(rng, 1, 9)}))
    listing = Listing("shipping_table", entities=shown, absent_entities=absent)
    _render(listing, rng, rows, (
        "{name} shipping costs {cost} and takes {time}.",
        "{name} delivery is {cost}, arriving in {time}.",
        "For {cost}, {name} orders arrive in {time}.",
        "Choose {name} ({cost}) for delivery in {time}."),
        ("{Name}: {cost}, {time}", "{Name} - {cost} (delivery in {time})",
         "{Name} shipping: {cost}, arrives in {time}"),
        ("Method", "Price", "Delivery time"), ("name", "cost", "time"),
        rng.choice(("Delivery options:", "We offer the following shipping methods.",
                    f"Shipping rates at {ctx['brand']}:")))
    listing.questions = {
        "cost": ("how much is {e} shipping?", "{e} delivery cost?", "whats the price for {e}",
                 "cust wants {e}, how much is it", "What does {e} shipping cost?"),
        "time": ("how long does {e} shipping take?", "{e} delivery time?",
                 "how many days for {e}", "How quickly does {e} delivery arrive?"),
    }
    listing.replies = {"cost": "{E} shipping costs {A}.", "time": "{E} shipping takes {A}."}
    listing.absent_attrs = {"insured": ("is {e} shipping insured?", "does {e} include insurance"),
                            "signature": ("does {e} delivery need a signature?",)}
    return listing


def stores(rng: Random, ctx: dict[str, str]) -> Listing:
    cities = rng.sample(w.CITIES, rng.randint(2, 3) + 1)
    shown, absent = cities[:-1], cities[-1:]
    rows = []
    for city in shown:
        style = rng.randrange(3)
        open_wk, close_wk = (w.clock(rng, h, style) for h in ((9, 10), (18, 19, 20, 21)))
        open_sat, close_sat = (w.clock(rng, h, style) for h in ((9, 10, 11), (17, 18, 19)))
        addr = f"{rng.randint(2, 980)} {rng.choice(w.STREETS)}"
        rows.append(_Row(city, {"name": city, "address": addr, "wk_open": open_wk,
                                "wk_close": close_wk, "sat_open": open_sat,
                                "sat_close": close_sat, "phone": w.phone(rng)}))
    listing = Listing("stores", entities=shown, absent_entities=absent)
    joined = {"weekday": ("wk_open", "wk_close"), "saturday": ("sat_open", "sat_close")}
    _render(listing, rng, rows, (
        "Our {name} store at {address} is open {wk_open} to {wk_close} on weekdays and "
        "{sat_open} to {sat_close} on Saturdays. Call it on {phone}.",
        "{name}: {address}. Monday to Friday {wk_open}-{wk_close}, Saturday "
        "{sat_open}-{sat_close}. Phone {phone}.",
        "The {name} shop ({address}, {phone}) opens weekdays from {wk_open} until "
        "{wk_close} and Saturdays from {sat_open} until {sat_close}."),
        ("{Name} - {address}; Mon-Fri {wk_open}-{wk_close}, Sat {sat_open}-{sat_close}; "
         "tel. {phone}",
         "{Name} store: {address}, phone {phone}. Weekdays {wk_open} to {wk_close}, "
         "Saturdays {sat_open} to {sat_close}."),
        ("Store", "Address", "Mon-Fri opens", "Mon-Fri closes", "Sat opens", "Sat closes",
         "Phone"),
        ("name", "address", "wk_open", "wk_close", "sat_open", "sat_close", "phone"),
        rng.choice(("Store locations and opening hours.", f"Visit {ctx['brand']} in person:",
                    "Find us here:")), joined)
    listing.questions = {
        "address": ("where is the {e} store?", "{e} store address?", "address of our {e} shop",
                    "What is the address of the {e} store?"),
        "phone": ("whats the phone number for the {e} store?", "{e} store phone?",
                  "how can they call the {e} shop"),
        "weekday": ("what are the weekday hours for the {e} store?", "{e} store hours mon-fri?",
                    "when is the {e} shop open during the week"),
        "saturday": ("what are the {e} store's saturday hours?", "is the {e} store open saturday",
                     "{e} saturday opening times?"),
        "wk_close": ("what time does the {e} store close on weekdays?",
                     "{e} store closing time monday?"),
        "sat_open": ("what time does the {e} store open on saturday?",
                     "when does {e} open saturdays"),
    }
    listing.replies = {"address": "The {E} store is at {A}.", "phone": "The {E} store's number "
                       "is {A}.", "weekday": "On weekdays the {E} store is open {A}.",
                       "saturday": "On Saturdays the {E} store is open {A}.",
                       "wk_close": "The {E} store closes at {A} on weekdays.",
                       "sat_open": "The {E} store opens at {A} on Saturdays."}
    listing.absent_attrs = {"sunday": ("what are the {e} store's sunday hours?",
                                       "is the {e} store open on sunday"),
                            "parking": ("is there parking at the {e} store?",)}
    return listing


def tiers(rng: Random, ctx: dict[str, str]) -> Listing:
    names = rng.sample(w.TIER_NAMES, rng.randint(2, 3) + 1)
    shown, absent = names[:-1], names[-1:]
    perks = ["free standard shipping", "free express shipping", "early access to sales",
             "double points", "free alterations", "a birthday gift", "free returns",
             "a personal stylist", "invitations to private events", "triple points"]
    rng.shuffle(perks)
    rows = []
    spend = rng.choice((0, 100, 150, 200))
    for i, name in enumerate(shown):
        threshold = f"{ctx['cur']}{spend:,}" if spend else "no minimum spend"
        spend += rng.choice((250, 300, 400, 500, 750, 1000))
        rows.append(_Row(name, {"name": name, "threshold": threshold, "perk": perks[i]}))
    listing = Listing("tiers", entities=shown, absent_entities=absent)
    _render(listing, rng, rows, (
        "{name} status requires {threshold} a year and includes {perk}.",
        "Reach {name} with {threshold} in annual spend to unlock {perk}.",
        "{name} members ({threshold} per year) enjoy {perk}."),
        ("{Name}: spend {threshold} a year; benefit: {perk}",
         "{Name} ({threshold} annual spend) - {perk}"),
        ("Tier", "Annual spend", "Benefit"), ("name", "threshold", "perk"),
        rng.choice((f"The {ctx['program']} has these tiers.", "Membership levels:",
                    f"{ctx['program']} tiers")))
    listing.questions = {
        "threshold": ("how much do they need to spend for {e}?", "{e} tier threshold?",
                      "whats the spend for {e} status", "How do customers reach {e}?"),
        "perk": ("what perks does {e} get?", "what do {e} members get",
                 "{e} benefits?", "What is the {e} tier benefit?"),
    }
    listing.replies = {"threshold": "{E} requires {A} a year.", "perk": "{E} members get {A}."}
    listing.absent_attrs = {"expiry": ("does {e} status expire?", "how long does {e} last"),
                            "points": ("how many points per dollar do {e} members earn?",)}
    return listing


def repair_prices(rng: Random, ctx: dict[str, str]) -> Listing:
    names = rng.sample(w.REPAIR_SERVICES, rng.randint(2, 4) + 1)
    shown, absent = names[:-1], names[-1:]
    rows = [_Row(n, {"name": n, "price": w.money(rng, 5, 60, sym=ctx["cur"]),
                     "time": rng.choice((w.day_range(rng, 1, 10),
                                         w.duration(rng, (1, 2, 3), "weeks")))}) for n in shown]
    listing = Listing("repair_prices", entities=shown, absent_entities=absent)
    _render(listing, rng, rows, (
        "{Name} costs {price} and takes {time}.",
        "We charge {price} for {name}, ready in {time}.",
        "Price for {name}: {price} (about {time})."),
        ("{Name}: {price}, ready in {time}", "{Name} - {price} ({time})"),
        ("Service", "Price", "Turnaround"), ("name", "price", "time"),
        rng.choice(("Repair and alteration prices.", "Our repair studio charges:",
                    "Alterations menu")))
    listing.questions = {
        "price": ("how much is {e}?", "price for {e}?", "what do we charge for {e}",
                  "cost of {e}?"),
        "time": ("how long does {e} take?", "{e} turnaround?", "when will {e} be done"),
    }
    listing.replies = {"price": "{E} costs {A}.", "time": "{E} takes {A}."}
    listing.absent_attrs = {"warranty": ("is {e} guaranteed?",)}
    return listing


def size_chart(rng: Random, ctx: dict[str, str]) -> Listing:
    labels = ["XS", "S", "M", "L", "XL", "XXL", "3XL"]
    start = rng.randint(0, 2)
    count = rng.randint(3, 4)
    shown, absent = labels[start:start + count], [labels[start + count]]
    unit = rng.choice(("cm", "in"))
    chest = rng.choice((78, 82, 84)) if unit == "cm" else rng.choice((30, 31, 32))
    waist = chest - (16 if unit == "cm" else 6)
    step = 4 if unit == "cm" else 2
    rows = []
    for i, label in enumerate(shown):
        c0, wa0 = chest + step * (start + i), waist + step * (start + i)
        rows.append(_Row(label, {"name": label, "chest": f"{c0}-{c0 + step - 1} {unit}",
                                 "waist": f"{wa0}-{wa0 + step - 1} {unit}"}))
    listing = Listing("size_chart", entities=shown, absent_entities=absent)
    _render(listing, rng, rows, (
        "Size {name} fits a chest of {chest} and a waist of {waist}.",
        "{name}: chest {chest}, waist {waist}.",
        "Our {name} is made for a {chest} chest and {waist} waist."),
        ("{Name}: chest {chest}, waist {waist}", "Size {name} - chest {chest} / waist {waist}"),
        ("Size", "Chest", "Waist"), ("name", "chest", "waist"),
        rng.choice(("Size guide (body measurements).", "Women's tops and dresses size chart:",
                    "How our sizes fit")))
    listing.questions = {
        "chest": ("what chest measurement is a size {e}?", "chest for size {e}?",
                  "size {e} bust measurement", "How big is the chest on a {e}?"),
        "waist": ("what waist is a size {e}?", "size {e} waist measurement?",
                  "whats the waist for {e}"),
    }
    listing.replies = {"chest": "Size {E} fits a chest of {A}.",
                       "waist": "Size {E} fits a waist of {A}."}
    listing.absent_attrs = {"hip": ("what hip measurement is a size {e}?",),
                            "length": ("how long is a size {e}?",)}
    return listing


BUILDERS: tuple[Callable[[Random, dict[str, str]], Listing], ...] = (
    shipping_methods, stores, tiers, repair_prices, size_chart,
)
