"""Locating a correction: the passage used, the other retrieved ones, the whole knowledge
base (a real Chroma collection), exact and fuzzy, and why when it is nowhere."""

from __future__ import annotations

from typing import Any

import pytest

from qa_engine.corrections import (
    KB,
    RETRIEVED,
    USED,
    ChromaPassages,
    Located,
    NotLocated,
    fuzzy_locate,
    locate,
    locate_correction,
)

RETURNS = "Online orders can be returned within 30 days of delivery for a full refund."
SHIPPING = "Standard shipping is free on orders over $50; express shipping costs $12."
CARE = "Wash linen cold on a gentle cycle. Take stubborn stains to any StyleSprint store."
GIFT = "Gift cards never expire and can be used online or in any StyleSprint store."
KB_TEXTS = {"returns::1": RETURNS, "shipping::1": SHIPPING, "care::1": CARE, "gift::1": GIFT}


@pytest.fixture
def kb(memory_kb: Any) -> ChromaPassages:
    return memory_kb(KB_TEXTS, {i: i.split("::")[0].title() for i in KB_TEXTS})


def test_exact_locate_keeps_the_passage_characters() -> None:
    assert locate("30 days", RETURNS) == ("30 days", RETURNS.find("30 days"))
    assert locate("ONLINE ORDERS", RETURNS) == ("Online orders", 0)
    assert locate("turn", RETURNS) is None


def test_found_in_the_passage_the_answer_used(kb: ChromaPassages) -> None:
    found = locate_correction("a full refund.", used_id="returns::1", used_text=RETURNS,
                              retrieved_ids=["returns::1", "shipping::1"], kb=kb)
    assert isinstance(found, Located)
    assert (found.where, found.match, found.passage_id, found.text) == (
        USED, "exact", "returns::1", "a full refund")
    assert RETURNS[found.start:found.end] == "a full refund"


def test_found_in_another_retrieved_passage(kb: ChromaPassages) -> None:
    found = locate_correction("$12", used_id="returns::1", used_text=RETURNS,
                              retrieved_ids=["returns::1", "shipping::1"], kb=kb)
    assert isinstance(found, Located)
    assert (found.where, found.passage_id, found.passage_text[found.start:found.end]) == (
        RETRIEVED, "shipping::1", "$12")


def test_found_elsewhere_in_the_knowledge_base(kb: ChromaPassages) -> None:
    found = locate_correction("any StyleSprint store", used_id="returns::1", used_text=RETURNS,
                              retrieved_ids=["returns::1", "shipping::1"], kb=kb,
                              question="where can stubborn stains be cleaned?")
    # two passages hold the text verbatim: the one most like the question wins
    assert isinstance(found, Located)
    assert (found.where, found.passage_id) == (KB, "care::1")


def test_fuzzy_match_is_widened_to_whole_words(kb: ChromaPassages) -> None:
    found = locate_correction("within 30 days from delivery", used_id="shipping::1",
                              used_text=SHIPPING, retrieved_ids=[], kb=kb)
    assert isinstance(found, Located)
    assert (found.where, found.match, found.passage_id) == (KB, "fuzzy", "returns::1")
    assert found.text == "within 30 days of delivery"
    assert found.score >= 88


def test_fuzzy_match_never_changes_a_number() -> None:
    assert fuzzy_locate("within 45 days of delivery", RETURNS) is None
    assert fuzzy_locate("wihtin 30 days of delivery", RETURNS)[0] == "within 30 days of delivery"
    assert fuzzy_locate("30 day", RETURNS) is None  # short: exact only


def test_not_found_says_what_was_searched(kb: ChromaPassages) -> None:
    found = locate_correction("store credit within 90 days", used_id="returns::1",
                              used_text=RETURNS, retrieved_ids=["shipping::1"], kb=kb)
    assert isinstance(found, NotLocated)
    assert found.kb_searched and found.searched == len(KB_TEXTS)
    assert "searched 4 passage(s), the whole knowledge base" in found.detail()
    assert found.closest_label
    without_kb = locate_correction("store credit", used_id="returns::1", used_text=RETURNS)
    assert isinstance(without_kb, NotLocated) and not without_kb.kb_searched
    assert "knowledge base not available" in without_kb.detail()


def test_no_passage_recorded_is_still_searched_in_the_kb(kb: ChromaPassages) -> None:
    found = locate_correction("free on orders over $50", used_id=None, used_text=None,
                              retrieved_ids=[], kb=kb)
    assert isinstance(found, Located) and found.passage_id == "shipping::1"
