"""Fictional catalog products, rendered as "Column: value" records or short prose.

Rows go through `render_record` (the ingestion's own function), with varied column
names ("colors"/"colours"/"colorways"), optional extra columns and missing ones, so the
reader learns the record layout rather than one CSV. Descriptions carry product facts
(heel height, inseam, capacity, temperature rating) with their own questions. Style
names are invented and never those of the demo catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from training.synth import vocab as w

STYLE_NAMES = (
    "Aster", "Brisk", "Cove", "Dune", "Ember", "Fjord", "Glen", "Haven", "Isla", "Jett",
    "Knoll", "Lark", "Mesa", "Nook", "Onyx", "Pike", "Quay", "Ridge", "Sage", "Tor", "Umber",
    "Vale", "Wick", "Yew", "Zinnia", "Arlo", "Bexley", "Calla", "Delphi", "Esme", "Fable",
    "Gala", "Hale", "Ines", "Juno", "Kit", "Lumen", "Mira", "Nell", "Orla", "Pax", "Rue",
    "Sol", "Tessa", "Uma", "Vida", "Wynn", "Xander", "Yara", "Zora",
)
COLORS = ("Black", "White", "Navy", "Ivory", "Camel", "Olive", "Rust", "Sage", "Charcoal",
          "Burgundy", "Cream", "Forest Green", "Sky Blue", "Blush", "Mustard", "Chocolate",
          "Stone", "Cobalt", "Lilac", "Terracotta", "Heather Grey", "Red", "Teal", "Sand")
CARE = ("Machine wash cold; tumble dry low.", "Hand wash only.", "Dry clean only.",
        "Machine wash at 30°C; do not tumble dry.", "Spot clean only.",
        "Wash inside out at 40°C; line dry.", "Wipe clean with a damp cloth.",
        "Hand wash cold and dry flat.", "Machine wash on a gentle cycle; iron on low.")
AVAILABILITY = ("In stock", "Low stock", "Online only", "In stores only", "Sold out",
                "Only a few left", "Available to order")


def _availability(rng: Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return f"Pre-order, ships {w.date(rng)}"
    if roll < 0.3:
        return f"Back in stock {w.date(rng)}"
    return rng.choice(AVAILABILITY)


@dataclass(frozen=True)
class Feature:
    """A description fact: `text` contains `value`; questions use {n} for the product."""

    text: str
    value: str
    questions: tuple[str, ...]
    reply: str


def _f(template: str, value: str, questions: tuple[str, ...], reply: str) -> Feature:
    return Feature(template.format(v=value), value, questions, reply.replace("{v}", value))


def _features(category: str, rng: Random) -> list[Feature]:
    """Candidate description sentences for a category, values freshly sampled."""
    r = rng
    pool: dict[str, list[Feature]] = {
        "Outerwear": [
            _f("It is rated to {v}.", f"-{r.choice((5, 10, 15, 20, 25, 30))}°C",
               ("how warm is the {n}?", "temperature rating of the {n}?",
                "what temp is the {n} rated to"), "The {N} is rated to {v}."),
            _f("The shell has a {v} waterproof rating.",
               f"{r.choice(('5,000', '10,000', '15,000', '20,000'))} mm",
               ("how waterproof is the {n}?", "{n} waterproof rating?"),
               "The {N} has a {v} waterproof rating."),
            _f("It comes with a {v}.", r.choice(("detachable hood", "fixed hood",
                                                 "packable hood")),
               ("does the {n} have a hood?", "{n} hood?"), "The {N} has a {v}."),
            _f("It falls at {v}.", r.choice(("the hip", "mid-thigh", "the knee", "mid-calf")),
               ("how long is the {n}?", "{n} length?"), "The {N} falls at {v}."),
        ],
        "Denim": [
            _f("It has a {v} inseam.", f"{r.choice((28, 29, 30, 31, 32, 34))}-inch",
               ("whats the inseam on the {n}?", "{n} inseam?", "leg length of the {n}"),
               "The {N} has a {v} inseam."),
            _f("Cut with a {v}.", r.choice(("high rise", "mid rise", "low rise")),
               ("what rise is the {n}?", "is the {n} high waisted"), "The {N} has a {v}."),
            _f("The denim has {v}.", r.choice(("comfort stretch", "no stretch", "super stretch")),
               ("does the {n} stretch?", "is the {n} stretchy"), "The {N} has {v}."),
        ],
        "Footwear": [
            _f("It sits on a {v} heel.", f"{r.choice((2, 3, 4, 5, 6, 7, 8))} cm",
               ("what's the heel height on the {n}?", "how high is the heel on the {n}"),
               "The {N} has a {v} heel."),
            _f("It has a {v} sole.", r.choice(("rubber lug", "leather", "cushioned foam",
                                                "non-slip")),
               ("what sole does the {n} have?", "{n} sole?"), "The {N} has a {v} sole."),
            _f("It fastens with {v}.", r.choice(("a side zip", "elastic side panels", "laces",
                                                  "a buckle strap")),
               ("how does the {n} fasten?", "does the {n} have laces"),
               "The {N} fastens with {v}."),
        ],
        "Bags": [
            _f("It fits a {v} laptop.", f"{r.choice((13, 14, 15, 16))}-inch",
               ("what size laptop fits in the {n}?", "does a laptop fit in the {n}"),
               "The {N} fits a {v} laptop."),
            _f("It holds {v}.", f"{r.choice((8, 12, 20, 25, 30, 40))} litres",
               ("how big is the {n}?", "{n} capacity?"), "The {N} holds {v}."),
            _f("It closes with a {v}.", r.choice(("zip top", "magnetic snap", "drawstring")),
               ("how does the {n} close?", "does the {n} have a zip"),
               "The {N} closes with a {v}."),
        ],
        "Dresses": [
            _f("It is {v} length.", r.choice(("midi", "maxi", "mini", "knee")),
               ("how long is the {n}?", "{n} length?"), "The {N} is {v} length."),
            _f("The dress is {v}.", r.choice(("fully lined", "unlined", "lined in the bodice")),
               ("is the {n} lined?", "{n} lining?"), "The {N} is {v}."),
            _f("It has {v}.", r.choice(("side pockets", "no pockets", "a hidden pocket")),
               ("does the {n} have pockets?",), "The {N} has {v}."),
        ],
        "Knitwear": [
            _f("Knitted in a {v} yarn.", r.choice(("fine-gauge", "chunky", "mid-weight")),
               ("how thick is the {n}?", "is the {n} chunky"), "The {N} is a {v} knit."),
            _f("It has a {v}.", r.choice(("crew neck", "V-neck", "turtleneck", "mock neck")),
               ("what neckline is the {n}?", "{n} neck?"), "The {N} has a {v}."),
        ],
        "Swimwear": [
            _f("The fabric offers {v} sun protection.", r.choice(("UPF 50+", "UPF 30", "UPF 40")),
               ("does the {n} have sun protection?", "{n} upf?"),
               "The {N} has {v} sun protection."),
            _f("It has {v}.", r.choice(("removable cups", "underwire support", "tie sides")),
               ("does the {n} have padding?", "what support does the {n} have"),
               "The {N} has {v}."),
        ],
        "Accessories": [
            _f("It measures {v}.", f"{r.choice((150, 170, 180, 200))} cm",
               ("how long is the {n}?", "{n} length?"), "The {N} measures {v}."),
        ],
        "Kids": [
            _f("It has {v}.", r.choice(("reflective trims", "a name label", "an adjustable waist")),
               ("does the {n} have reflectors?", "{n} features?"), "The {N} has {v}."),
            _f("Made for ages {v}.", f"{r.choice((2, 3, 4))} to {r.choice((8, 10, 12, 14))}",
               ("what ages is the {n} for?", "{n} age range?"), "The {N} is made for ages {v}."),
        ],
    }
    return pool.get(category, [])


CATEGORIES: dict[str, dict[str, tuple[str, ...]]] = {
    "Outerwear": {"nouns": ("Parka", "Rain Jacket", "Peacoat", "Bomber Jacket", "Puffer Vest",
                            "Trench Coat", "Anorak", "Fleece Jacket", "Duffle Coat", "Shacket"),
                  "materials": ("100% recycled nylon", "80% wool, 20% polyamide",
                                "Cotton canvas with a waxed finish", "Recycled polyester")},
    "Denim": {"nouns": ("Skinny Jean", "Straight Jean", "Mom Jean", "Flare Jean", "Denim Shorts",
                        "Barrel Jean", "Denim Shirt"),
              "materials": ("99% cotton, 1% elastane", "100% cotton", "Organic cotton denim")},
    "Dresses": {"nouns": ("Tea Dress", "Wrap Dress", "Slip Dress", "Sweater Dress", "Sundress",
                          "Shirt Dress", "Smock Dress"),
                "materials": ("100% linen", "Viscose crepe", "Organic cotton jersey", "Silk")},
    "Knitwear": {"nouns": ("Crewneck Jumper", "Cardigan", "Roll-Neck Sweater", "Knit Vest",
                           "Polo Sweater"),
                 "materials": ("100% merino wool", "Lambswool", "Cotton-cashmere blend",
                               "Alpaca blend")},
    "Footwear": {"nouns": ("Ankle Boot", "Loafer", "Trainer", "Mule", "Derby Shoe", "Slingback",
                           "Hiking Boot", "Espadrille"),
                 "materials": ("Suede upper, rubber sole", "Full-grain leather",
                               "Recycled mesh upper", "Canvas upper, jute sole")},
    "Bags": {"nouns": ("Tote", "Backpack", "Crossbody Bag", "Holdall", "Bucket Bag", "Clutch"),
             "materials": ("Pebbled leather", "Recycled nylon", "Waxed canvas", "Vegan leather")},
    "Accessories": {"nouns": ("Wool Scarf", "Bucket Hat", "Leather Belt", "Knit Gloves",
                              "Beanie", "Wrap Scarf"),
                    "materials": ("Lambswool", "Cotton twill", "Recycled polyester", "Leather",
                                  "Merino wool")},
    "Swimwear": {"nouns": ("Swimsuit", "Bikini Top", "Swim Shorts", "Rash Vest", "Kaftan"),
                 "materials": ("Recycled nylon and elastane", "Polyester", "Cotton voile")},
    "Kids": {"nouns": ("Kids' Puffer Coat", "Kids' Wellies", "Kids' Joggers", "Baby Sleepsuit",
                       "Kids' Raincoat", "Kids' Backpack"),
             "materials": ("Organic cotton", "Recycled polyester", "Natural rubber")},
}


def _sizes(category: str, rng: Random) -> str:
    if category == "Footwear":
        lo = rng.choice((35, 36, 37))
        return rng.choice((f"EU {lo}-{lo + rng.randint(6, 10)}", f"UK {lo - 33}-{lo - 25}",
                           f"US {lo - 30}-{lo - 22}"))
    if category == "Denim":
        return rng.choice(("24-34", "26-36", "W26-W38", "Waist 24-32"))
    if category in ("Bags",):
        return "One size"
    if category == "Accessories":
        return rng.choice(("One size", "S/M, M/L", "S, M, L"))
    if category == "Kids":
        return rng.choice(("2-12 years", "Kids 4-14", "0-24 months", "3-4Y to 11-12Y"))
    letters = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"]
    a = rng.randint(0, 2)
    b = rng.randint(a + 3, min(len(letters) - 1, a + 6))
    chosen = letters[a:b + 1]
    return rng.choice((", ".join(chosen), f"{chosen[0]}-{chosen[-1]}", " ".join(chosen)))


@dataclass
class Product:
    name: str
    category: str
    fields: dict[str, str]  # canonical field -> value (price, sizes, colors, ...)
    features: list[Feature] = field(default_factory=list)


def make_product(rng: Random, category: str | None = None, cur: str = "$") -> Product:
    category = category or rng.choice(list(CATEGORIES))
    spec = CATEGORIES[category]
    name = f"{rng.choice(STYLE_NAMES)} {rng.choice(spec['nouns'])}"
    feats = _features(category, rng)
    chosen = rng.sample(feats, min(len(feats), rng.randint(1, 2))) if feats else []
    lead = rng.choice(("Everyday", "Relaxed", "Lightweight", "Classic", "Modern", "Soft",
                       "Tailored", "Easy-wearing"))
    noun = name.split(" ", 1)[1].lower()
    opener = rng.choice((f"{lead} {noun}.", f"{lead} {noun} for every day.",
                         f"A {lead.lower()} {noun} you'll wear on repeat."))
    desc = " ".join([opener, *(f.text for f in chosen)])
    fields = {
        "description": desc,
        "price": w.money(rng, 15, 320, sym=cur),
        "sizes": _sizes(category, rng),
        "colors": ", ".join(rng.sample(COLORS, rng.randint(1, 4))),
        "material": rng.choice(spec["materials"]),
        "care": rng.choice(CARE),
        "availability": _availability(rng),
        "fit": rng.choice(("Relaxed", "Slim", "Regular", "Oversized", "True to size")),
        "origin": f"Made in {rng.choice(('Portugal', 'Italy', 'Vietnam', 'India', 'Turkey'))}",
        "warranty": rng.choice(("1 year", "2 years", "Lifetime", "6 months")),
        "weight": f"{rng.randint(90, 1400)} g",
    }
    return Product(name, category, fields, chosen)


# canonical field -> column names a catalog might use
COLUMN_NAMES = {
    "name": ("name", "product", "product_name", "item"),
    "category": ("category", "department", "type"),
    "description": ("description", "details", "about"),
    "price": ("price", "price", "cost", "retail_price", "price (USD)"),
    "sizes": ("sizes", "size_range", "available_sizes", "sizes"),
    "colors": ("colors", "colours", "colorways", "color_options"),
    "material": ("material", "fabric", "composition", "materials"),
    "care": ("care", "care_instructions", "washing", "care"),
    "availability": ("availability", "stock", "status", "availability"),
    "fit": ("fit",), "origin": ("origin", "country_of_origin"),
    "warranty": ("warranty",), "weight": ("weight",),
}
BASE_FIELDS = ("price", "sizes", "colors", "material", "care", "availability")
EXTRA_FIELDS = ("fit", "origin", "warranty", "weight")

FIELD_QUESTIONS: dict[str, tuple[str, ...]] = {
    "price": ("how much is the {n}?", "price of the {n}?", "what does the {n} cost",
              "{n} price", "cust asking the price of the {n}", "How much does the {n} cost?",
              "whats the {n} retail for", "is the {n} under 100?", "{n} how much"),
    "sizes": ("what sizes does the {n} come in?", "{n} size range?", "sizes for the {n}",
              "does the {n} come in large", "What sizes is the {n} available in?",
              "does the {n} come in {s}?", "is there a {s} in the {n}", "{n} in {s}?"),
    "colors": ("what colors does the {n} come in?", "{n} colours?", "color options for {n}",
               "does the {n} come in black", "Which colours is the {n} sold in?",
               "does the {n} come in {c}?", "is the {n} available in {c}", "{n} in {c}?"),
    "material": ("what is the {n} made of?", "{n} fabric?", "material of the {n}",
                 "What is the {n}'s composition?", "is the {n} cotton", "is the {n} {m}?",
                 "is the {n} real leather?", "Is the {n} made of {m}?"),
    "care": ("how do you wash the {n}?", "care instructions for the {n}",
             "can the {n} be machine washed", "How should the {n} be cleaned?",
             "is the {n} dry clean only?", "can the {n} go in the washing machine",
             "Is the {n} machine washable?"),
    "availability": ("is the {n} in stock?", "{n} availability?", "can they buy the {n} now",
                     "Is the {n} available?", "stock status of the {n}", "is the {n} sold out?",
                     "can a customer still order the {n}", "when is the {n} back in stock"),
    "fit": ("how does the {n} fit?", "{n} fit?", "is the {n} slim or relaxed"),
    "origin": ("where is the {n} made?", "country of origin for the {n}?",
               "is the {n} made in italy"),
    "warranty": ("whats the warranty on the {n}?", "{n} warranty?",
                 "how long is the {n} guaranteed"),
    "weight": ("how heavy is the {n}?", "{n} weight?", "what does the {n} weigh"),
}
FIELD_REPLIES = {
    "price": "The {N} costs {A}.", "sizes": "The {N} comes in {A}.",
    "colors": "The {N} comes in {A}.", "material": "The {N} is made of {A}.",
    "care": "Care for the {N}: {A}", "availability": "Availability of the {N}: {A}.",
    "fit": "The {N} has a {A} fit.", "origin": "The {N}: {A}.",
    "warranty": "The {N} comes with a {A} warranty.", "weight": "The {N} weighs {A}.",
}


# --- existence and yes/no questions ------------------------------------------------------
# Agents ask whether the store carries something at all ("do we carry leather jackets?",
# "anything vegan in footwear?"); the answer span is the matching product's name, and a
# catalog row that does not match is a hard negative for the same question.
MATERIAL_WORDS = ("vegan leather", "vegan", "suede", "leather", "merino", "cashmere",
                  "lambswool", "alpaca", "wool", "linen", "silk", "denim", "canvas", "nylon",
                  "rubber", "mesh", "recycled", "organic cotton", "cotton", "polyester")
SIZE_WORDS = ("XL", "small", "large", "XS", "medium", "size 8", "petite", "XXL")
EXISTENCE_QUESTIONS = (
    "do we carry {adj} {nouns}?", "do we sell {nouns}", "any {adj} {nouns} in stock?",
    "anything {adj} in {category}?", "do you have a {adj} {noun}?",
    "cust looking for {adj} {nouns}, do we have any", "Do you stock {adj} {nouns}?",
    "got any {nouns}?", "is there a {noun} in {color}?", "do we have {nouns} in {color}",
    "Do you sell any {adj} {nouns}?", "anything in {category} made of {adj}",
    "customer wants a {adj} {noun}, what do we have", "{adj} {nouns}?",
    "looking for {nouns} for a customer", "what {adj} {nouns} do we have",
)


def material_word(material: str) -> str:
    low = material.lower()
    return next((m for m in MATERIAL_WORDS if m in low), "")


def plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun if noun.endswith("s") else noun + "es"
    return noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"


def field_question(f: str, alias: str, rng: Random, product: Product | None = None) -> str:
    """A question about field `f` of the product called `alias` (slots filled at random)."""
    return rng.choice(FIELD_QUESTIONS[f]).format(
        n=alias, c=rng.choice(COLORS).lower(), s=rng.choice(SIZE_WORDS),
        m=(material_word(product.fields["material"]) if product else "") or "cotton")


def existence_question(product: Product, rng: Random) -> tuple[str, tuple[str, ...]]:
    """'do we carry leather jackets?' asked so that `product` is an answer.

    Returns the question and the words that make a row match it (noun, adjective,
    colour or category as used), for picking rows that certainly do not.
    """
    noun = product.name.split(" ", 1)[1].lower()
    noun = noun.split(" ")[-1] if rng.random() < 0.6 else noun
    adj = material_word(product.fields["material"]) or rng.choice(
        [c.lower() for c in product.fields["colors"].split(", ")])
    color = product.fields["colors"].split(", ")[0].lower()
    template = rng.choice(EXISTENCE_QUESTIONS)
    slots = {"adj": adj, "noun": noun, "nouns": plural(noun),
             "category": product.category.lower(), "color": color}
    used = tuple(slots[k].split(" ")[-1].rstrip("s") for k in ("adj", "noun", "category", "color")
                 if "{" + k in template)
    return " ".join(template.format(**slots).split()), used


def unrelated(used: tuple[str, ...], text: str) -> bool:
    """Whether a row rendered as `text` mentions none of an existence question's words."""
    low = text.lower()
    return not any(word in low for word in used)
