"""The quote unit (qa_engine/read/quote.py): hand-written passages, no model."""

from __future__ import annotations

import pytest

from qa_engine.read.quote import asks_for_quantity, is_bare, settle_quote

DISCOUNT = ("Students get 15% off full-price items with a valid student ID. "
            "The offer is not valid on sale items.")
PETITE = "Petite sizes are available up to size 12, in most dresses and trousers."
EXCHANGE = "Exchanges are accepted within 60 days of delivery; sale items are final sale."
CONTACT = "Call us at 1-800-555-0100 or use the chat in the app."


def quote(question: str, text: str, span: str) -> str:
    start = text.index(span)
    a, b = settle_quote(question, text, start, start + len(span))
    return text[a:b]


@pytest.mark.parametrize("span,bare", [
    ("15%", True), ("$10", True), ("12", True), ("30 days", True), ("1-800-555-0100", True),
    ("up to size 12", True), ("a valid student ID", False), ("Ireland", False),
    ("free", False), ("Free Standard shipping", False),
])
def test_a_span_is_bare_when_it_says_only_a_quantity(span: str, bare: bool) -> None:
    assert is_bare(span) is bare


def test_a_bare_percentage_becomes_the_clause_that_settles_a_yes_no_question() -> None:
    got = quote("is there a student discount?", DISCOUNT, "15%")
    assert got == "Students get 15% off full-price items with a valid student ID."


def test_a_bare_size_becomes_its_clause_for_do_we_questions() -> None:
    assert quote("do we do petites?", PETITE, "12").startswith("Petite sizes are available up")


def test_a_relayed_situation_gets_the_clause_not_the_other_one() -> None:
    got = quote("parcel came 5 weeks ago, can she still exchange", EXCHANGE, "60 days")
    assert got == "Exchanges are accepted within 60 days of delivery"


@pytest.mark.parametrize("question", [
    "how much is the student discount?", "what's the discount percentage for students",
    "student discount amount", "first order discount",
])
def test_a_question_that_asks_for_the_quantity_keeps_the_number(question: str) -> None:
    assert asks_for_quantity(question)
    assert quote(question, DISCOUNT, "15%") == "15%"


def test_a_phone_number_asked_for_stays_a_phone_number() -> None:
    assert quote("what's the phone number?", CONTACT, "1-800-555-0100") == "1-800-555-0100"


def test_spans_with_words_of_their_own_are_never_touched() -> None:
    assert quote("is there a student discount?", DISCOUNT, "a valid student ID") == (
        "a valid student ID")


def test_the_quote_is_always_verbatim_and_contains_the_span() -> None:
    for question, text, span in [("is there a student discount", DISCOUNT, "15%"),
                                 ("do we do petites", PETITE, "12"),
                                 ("exchange ok?", EXCHANGE, "60 days")]:
        got = quote(question, text, span)
        assert got in text and span in got


def test_out_of_range_offsets_are_returned_unchanged() -> None:
    assert settle_quote("q", "short", 3, 99) == (3, 99)
    assert settle_quote("q", "short", 2, 2) == (2, 2)
