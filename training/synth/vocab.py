"""Word banks and value samplers for the synthetic retail knowledge bases.

Everything here is invented for fictional stores: none of it names StyleSprint or any
product of the demo knowledge base. Samplers take a `random.Random` so the whole
generator stays deterministic for a seed. Values are written the way real policy
pages write them, in several styles ("$5", "$5.00", "5 days", "five days", "3-5 business
days", "3 to 5 business days"), so the reader meets the variety a new KB will have.
"""

from __future__ import annotations

from random import Random

BRAND_FIRST = (
    "Northwind", "Fernhill", "Maple & Moss", "Luma", "Coastline", "Brightwater", "Oakridge",
    "Velvet Fox", "Juniper", "Harlow", "Saltmarsh", "Cobalt", "Wren", "Marigold", "Ashby",
    "Copperleaf", "Bluebell", "Ironbark", "Sable", "Tidepool", "Larkspur", "Meadowlark",
    "Quillon", "Rowan", "Solstice", "Thistle", "Urbana", "Vantage", "Willow Lane", "Yarrow",
    "Zephyr", "Amberly", "Birch & Bloom", "Calloway", "Driftwood", "Everly", "Foxglove",
    "Greystone", "Hollis", "Indigo Row", "Kestrel", "Loom & Lane", "Mosswood", "Nettle",
    "Orchard", "Pebble", "Redfern", "Seabright", "Tamsin", "Upland", "Violet Hill",
)
BRAND_SECOND = (
    "Apparel", "Outfitters", "Clothing Co.", "Supply", "Goods", "Studio", "Wear", "Threads",
    "Collective", "& Co.", "Boutique", "Closet", "Atelier", "Trading", "Label", "",
)
CITIES = (
    "Portland", "Denver", "Austin", "Boston", "Toronto", "Vancouver", "Leeds", "Bristol",
    "Dublin", "Melbourne", "Auckland", "Minneapolis", "Nashville", "Raleigh", "Tucson",
    "Madison", "Halifax", "Calgary", "Glasgow", "Cardiff", "Brighton", "Savannah", "Boise",
    "Sacramento", "Pittsburgh", "Richmond", "Omaha", "Spokane", "Burlington", "Asheville",
)
STREETS = (
    "Main Street", "Elm Avenue", "Harbor Road", "Market Street", "King Street", "Union Square",
    "Pine Street", "Riverside Drive", "Church Lane", "Mill Road", "Station Road",
    "Broad Street", "High Street", "Lakeview Boulevard", "Granville Street", "Canal Street",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
COUNTRIES = (
    "Canada", "Mexico", "the United Kingdom", "Ireland", "France", "Germany", "Spain", "Italy",
    "the Netherlands", "Belgium", "Sweden", "Denmark", "Norway", "Finland", "Poland",
    "Australia", "New Zealand", "Japan", "South Korea", "Singapore", "Hong Kong",
    "the United Arab Emirates", "Israel", "Switzerland", "Austria", "Portugal", "Iceland",
)
REGIONS = ("South America", "Africa", "Russia", "mainland China", "India", "the Middle East",
           "Central America", "Southeast Asia", "Brazil", "Argentina")
CARRIERS = ("UPS", "FedEx", "USPS", "DHL", "Canada Post", "Royal Mail", "Purolator", "DPD",
            "Evri", "OnTrac", "Australia Post", "GLS")
PAYMENT_METHODS = ("Visa", "Mastercard", "American Express", "Discover", "PayPal", "Apple Pay",
                   "Google Pay", "Shop Pay", "Venmo", "Maestro", "UnionPay", "JCB",
                   "gift cards", "store credit")
BNPL = ("Klarna", "Afterpay", "Affirm", "Sezzle", "Zip", "Clearpay", "Laybuy")
TIER_NAMES = ("Bronze", "Silver", "Gold", "Platinum", "Insider", "VIP", "Icon", "Member",
              "Plus", "Elite", "Pearl", "Sapphire", "Diamond", "Classic", "Select", "Prestige")
PROGRAM_WORDS = ("Club", "Circle", "Rewards", "Insiders", "Perks", "Collective", "Loyalty",
                 "Society", "Points", "Family")
SHIPPING_METHODS = ("Standard", "Express", "Next-day", "Same-day", "Economy", "Priority",
                    "Two-day", "Overnight", "Saturday", "Ground", "Expedited", "Tracked 48")
REPAIR_SERVICES = ("hemming", "zip replacement", "button replacement", "patching a tear",
                   "resoling", "heel replacement", "sleeve shortening", "waist taking-in",
                   "re-waxing", "strap repair", "lining replacement", "darning")

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                "seventeen", "eighteen", "nineteen", "twenty")
TENS_WORDS = {20: "twenty", 30: "thirty", 40: "forty", 45: "forty-five", 60: "sixty",
              90: "ninety"}


def brand(rng: Random) -> str:
    second = rng.choice(BRAND_SECOND)
    first = rng.choice(BRAND_FIRST)
    return f"{first} {second}" if second else first


def number_text(n: int, rng: Random, words: float = 0.25) -> str:
    """"14" or, sometimes, "fourteen" (policy pages write both)."""
    if rng.random() < words:
        if n < len(NUMBER_WORDS):
            return NUMBER_WORDS[n]
        if n in TENS_WORDS:
            return TENS_WORDS[n]
    return str(n)


def money(rng: Random, lo: float, hi: float, cents: bool | None = None, sym: str = "$") -> str:
    """A price between lo and hi, written "$12", "$12.00" or "$11.95"."""
    value = rng.uniform(lo, hi)
    style = rng.random() if cents is None else (0.9 if cents else 0.1)
    if style < 0.35:
        text = f"{round(value):,}"
    elif style < 0.6:
        text = f"{round(value):,}.00"
    else:
        text = f"{int(value):,}.{rng.choice(('95', '99', '50', '49', '75', '25'))}"
    return f"{sym}{text}"


def currency(rng: Random) -> str:
    return rng.choices(("$", "£", "€", "CA$", "A$"), weights=(70, 10, 10, 5, 5))[0]


def duration(rng: Random, choices: tuple[int, ...], unit: str = "days") -> str:
    n = rng.choice(choices)
    word = number_text(n, rng)
    singular = unit[:-1] if unit.endswith("s") else unit
    return f"{word} {singular if n == 1 else unit}"


def day_range(rng: Random, lo: int, hi: int, unit: str = "business days") -> str:
    a = rng.randint(lo, hi - 1)
    b = rng.randint(a + 1, hi)
    sep = rng.choice(("-", " to ", "–", "-"))
    return f"{a}{sep}{b} {unit}"


def clock(rng: Random, hours: tuple[int, ...], style: int | None = None) -> str:
    """A time of day: "9 am", "9:00 AM", "9am" or "21:00"."""
    h = rng.choice(hours)
    m = rng.choice((0, 0, 0, 30))
    style = rng.randrange(4) if style is None else style
    if style == 3:
        return f"{h:02d}:{m:02d}"
    suffix = "am" if h < 12 else "pm"
    h12 = h % 12 or 12
    if style == 1:
        return f"{h12}:{m:02d} {suffix.upper()}"
    base = f"{h12}:{m:02d}" if m else str(h12)
    return f"{base}{suffix}" if style == 2 else f"{base} {suffix}"


def hours_span(rng: Random, open_h: tuple[int, ...], close_h: tuple[int, ...]) -> str:
    style = rng.randrange(4)
    a, b = clock(rng, open_h, style), clock(rng, close_h, style)
    return f"{a} to {b}" if rng.random() < 0.6 else f"{a}-{b}" if style == 3 else f"{a} – {b}"


def date(rng: Random) -> str:
    month, day = rng.choice(MONTHS), rng.randint(1, 28)
    return rng.choice((f"{month} {day}", f"{day} {month}"))


def percent(rng: Random, choices: tuple[int, ...]) -> str:
    n = rng.choice(choices)
    return f"{n}%" if rng.random() < 0.8 else f"{n} percent"


def phone(rng: Random) -> str:
    a, b = rng.randint(200, 989), rng.randint(1000, 9999)
    return rng.choice((f"1-800-{a}-{b}", f"(555) {a}-{b}", f"+1 888 {a} {b}", f"0800 {a} {b}"))


def slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def email(rng: Random, brand_name: str) -> str:
    box = rng.choice(("help", "support", "care", "hello", "orders", "returns"))
    return f"{box}@{slug(brand_name)[:14]}.com"


def website(brand_name: str) -> str:
    return f"{slug(brand_name)[:14]}.com"


def pick_list(rng: Random, bank: tuple[str, ...], lo: int, hi: int) -> list[str]:
    return rng.sample(bank, rng.randint(lo, min(hi, len(bank))))


def join_list(items: list[str], rng: Random) -> str:
    """"a, b and c" / "a, b, and c" / "a, b or c"-style lists as policy pages write them."""
    if len(items) == 1:
        return items[0]
    conj = rng.choice((" and ", ", and ")) if len(items) > 2 else " and "
    return ", ".join(items[:-1]) + conj + items[-1]
