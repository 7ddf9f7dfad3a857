"""Existence questions answered from catalog rows (qa_engine/retrieve/products.py)."""

from __future__ import annotations

import pytest

from qa_engine.retrieve.products import compose_products, existence_terms, match_products, stem
from qa_engine.types import Passage, RetrievedPassage


def row(name: str, text: str, score: float, kind: str = "product") -> RetrievedPassage:
    return RetrievedPassage(Passage(id=name, text=text, title=name, source="catalog.csv",
                                    section="", kind=kind), score)


JACKET = row("Alder Leather Biker Jacket", "Name: Alder Leather Biker Jacket\n"
             "Category: Outerwear\nMaterial: Lambskin leather\nPrice: $289.00\n"
             "Availability: In stock", 0.71)
BOOT = row("Fell Vegan Chelsea Boot", "Name: Fell Vegan Chelsea Boot\nCategory: Footwear\n"
           "Material: Vegan leather (polyurethane)\nPrice: $119.00", 0.55)
PUFFER = row("Bay Quilted Puffer", "Name: Bay Quilted Puffer\nCategory: Outerwear\n"
             "Material: Recycled nylon\nAvailability: Backordered until May 3", 0.64)
POLICY = row("Returns", "Leather jackets can be returned within 30 days.", 0.8, kind="policy")


@pytest.mark.parametrize(("question", "terms"), [
    ("do we carry leather jackets?", ("leather", "jacket")),
    ("anything vegan in footwear?", ("vegan", "footwear")),
    ("cust looking for a waterproof trench, do we have any", ("waterproof", "trench")),
    ("got any kids' raincoats", ("kid", "raincoat")),
    ("Do you sell swimwear?", ("swimwear",)),
    ("What is the return policy for online purchases?", ()),
    ("how much is the Alder jacket?", ()),
])
def test_existence_questions_and_their_terms(question, terms):
    assert existence_terms(question) == terms


def test_stem_handles_plurals_and_possessives():
    assert [stem(w) for w in ("jackets", "kids'", "dresses", "accessories", "dress", "boots")] \
        == ["jacket", "kid", "dress", "accessory", "dress", "boot"]


def test_only_catalog_rows_matching_every_term_are_answers_with_the_name_span():
    hits = [POLICY, JACKET, PUFFER, BOOT]
    found = match_products(("leather", "jacket"), hits)
    assert [m.hit.passage.title for m in found] == ["Alder Leather Biker Jacket"]
    m = found[0]
    assert m.hit.passage.text[m.start:m.end] == "Alder Leather Biker Jacket"
    # "vegan" + "footwear": the boot's row only (the jacket is leather but not vegan)
    assert [x.hit.passage.title for x in match_products(("vegan", "footwear"), hits)] \
        == ["Fell Vegan Chelsea Boot"]
    # nothing in the catalog is a swimsuit: no answer, the reader decides
    assert match_products(("swimsuit",), hits) == []
    assert match_products((), hits) == []


def test_the_reply_names_products_verbatim_with_their_own_price_and_availability():
    both = match_products(("outerwear",), [JACKET, PUFFER])
    assert compose_products(both) == (
        "Yes, we carry the Alder Leather Biker Jacket ($289.00, In stock) and the "
        "Bay Quilted Puffer (Backordered until May 3).")
    assert compose_products(both[:1]) == \
        "Yes, we carry the Alder Leather Biker Jacket ($289.00, In stock)."


@pytest.mark.parametrize(
    ("question", "opinion"),
    [
        ("do people say the Alder jacket runs small?", True),
        ("sorrel trench sizing reviews", True),
        ("what do customers think of the fit", True),
        ("any feedback on the calla dress", True),
        ("customers say it runs large?", True),
        ("customer says her order never arrived, what now", False),  # a relayed situation
        ("cust says the tracking shows delivered", False),
        ("what sizes does the alder jacket come in", False),
        ("do we carry leather jackets", False),
        ("what's the waterproof rating of the parka", False),  # a product attribute
        ("how many points for writing a review", False),  # a policy about reviews
    ],
)
def test_opinion_questions_are_told_from_relayed_situations(question, opinion):
    from qa_engine.retrieve.products import asks_for_opinions

    assert asks_for_opinions(question) is opinion


def test_a_bare_price_gets_the_configured_currency_as_in_every_catalog_reply():
    from qa_engine.types import Passage, RetrievedPassage

    row = Passage(id="p-hol", title="Holm Linen Shirt", source="catalog.csv", kind="product",
                  section="Shirts", text="Holm Linen Shirt\nPrice: 75.00\nAvailability: In stock")
    found = match_products(("linen", "shirt"), [RetrievedPassage(row, 0.8)])
    assert compose_products(found, "$") == \
        "Yes, we carry the Holm Linen Shirt ($75.00, In stock)."
    assert compose_products(found, "EUR") == \
        "Yes, we carry the Holm Linen Shirt (EUR 75.00, In stock)."
    # a price that names its currency already is left as written
    assert compose_products(match_products(("outerwear",), [JACKET]), "EUR") == \
        "Yes, we carry the Alder Leather Biker Jacket ($289.00, In stock)."
