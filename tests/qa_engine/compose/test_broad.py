"""Broad questions (qa_engine/compose/broad.py): hand-written passages, no model."""

from __future__ import annotations

import pytest

from qa_engine.compose.broad import broad_topic, opening, pick_section
from qa_engine.types import Passage, RetrievedPassage


def hit(title: str, section: str, text: str, score: float, source: str = "policies/x.md",
        kind: str = "document") -> RetrievedPassage:
    return RetrievedPassage(Passage(id=f"{title}/{section}", text=text, title=title,
                                    source=source, section=section, kind=kind), score)


RETURNS = hit("Returns and Exchanges", "Online purchases",
              "Online purchases can be returned within 30 days of delivery. Items must be "
              "unworn, with tags attached. Refunds go to the original payment method.", 0.56)
SHIPPING = hit("Shipping and Delivery", "Shipping options and costs",
               "We offer three delivery speeds. Standard shipping costs $5.95.", 0.50)
FREE = hit("Shipping and Delivery", "Free shipping", "Standard shipping is free over $75.", 0.55)
REWARDS = hit("StyleSprint Rewards", "Earning points", "Members earn 1 point per $1.", 0.40,
              source="policies/loyalty-program.md")
JACKET = hit("Moto Jacket", "Outerwear", "Name: Moto Jacket\nPrice: 139.00", 0.60,
             source="catalog.csv", kind="product")


@pytest.mark.parametrize("question,topic", [
    ("what's the return policy?", ("return",)),
    ("shipping options?", ("shipping",)),
    ("cust asking about the loyalty program", ("loyalty",)),
    ("how does the loyalty program work", ("loyalty",)),
    ("gift cards?", ("gift", "cards")),
])
def test_broad_questions_give_their_topic(question: str, topic: tuple[str, ...]) -> None:
    assert broad_topic(question) == topic


@pytest.mark.parametrize("question", [
    "can a customer return worn shoes after 30 days?",  # a detail, with a number
    "do we ship to ireland",  # yes/no about a detail
    "what is the return window for sale items bought online in the outlet",  # too specific
    "",
])
def test_specific_questions_are_not_broad(question: str) -> None:
    assert broad_topic(question) is None


def test_the_section_the_question_names_is_picked() -> None:
    assert pick_section(("return",), [SHIPPING, RETURNS], "return policy") is RETURNS
    # both shipping sections are named; the one whose heading has "options" wins
    assert pick_section(("shipping",), [FREE, SHIPPING], "shipping options") is SHIPPING


def test_the_file_name_names_a_section_too() -> None:
    assert pick_section(("loyalty",), [SHIPPING, REWARDS], "loyalty program") is REWARDS


def test_no_section_named_means_no_broad_answer() -> None:
    assert pick_section(("layaway",), [RETURNS, SHIPPING, FREE], "layaway policy") is None
    # catalog rows are never a section, even when their title names the topic
    assert pick_section(("moto",), [JACKET], "moto jacket info") is None


def test_the_opening_is_whole_sentences_verbatim_within_the_word_limit() -> None:
    text = RETURNS.passage.text
    lo, hi = opening(text, max_words=20)
    assert text[lo:hi] == ("Online purchases can be returned within 30 days of delivery. Items "
                           "must be unworn, with tags attached.")
    lo, hi = opening(text, max_words=3)
    assert text[lo:hi] == "Online purchases can be returned within 30 days of delivery."
