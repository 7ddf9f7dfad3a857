"""The answer engine end to end: real Chroma with the demo KB, the shipped reader."""

from __future__ import annotations

import pytest

from qa_engine.types import QuestionError


def test_return_policy_is_answered_from_the_returns_document(engine):
    answer = engine.ask("What is the return policy for online purchases?")
    assert answer.answered
    assert answer.passage is not None
    assert answer.passage.source.endswith("returns-and-exchanges.md")
    # The span is verbatim passage text at its offsets, and the reply carries it unaltered.
    assert answer.passage.text[answer.span_start : answer.span_end] == answer.span
    assert answer.span in answer.answer
    assert "30 days" in answer.answer
    assert answer.sources[0].id == answer.passage.id
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.model_version == engine.model_version
    assert set(answer.timings_ms) == {"retrieve", "read"}


def test_kids_sizes_question_is_answered_with_the_kids_size_range(engine):
    answer = engine.ask("Are winter coats available in children's sizes?")
    assert answer.answered
    assert "4" in answer.span and "14" in answer.span  # "Kids 4-14" / "4 to 14"
    assert "kid" in answer.passage.label.lower()


def test_product_answers_name_the_product(engine):
    answer = engine.ask("what sizes does the Snowline Kids' Winter Coat come in?")
    assert answer.answered
    assert answer.passage.kind == "product"
    assert answer.passage.title in answer.answer


@pytest.mark.parametrize(
    "question",
    ["What is the boiling point of mercury on Jupiter?", "who won the world cup in 2018"],
)
def test_off_topic_questions_are_declined_with_closest_sources(engine, question):
    answer = engine.ask(question)
    assert not answer.answered
    assert answer.span is None
    assert answer.sources, "a decline still names the closest sources"
    assert answer.sources[0].title in answer.answer
    assert "team lead" in answer.answer


def test_json_contract_fields(engine):
    data = engine.ask("how much is express shipping?").to_json()
    assert list(data) == ["question", "answered", "answer", "span", "confidence", "sources",
                          "model_version", "latency_ms", "verified"]
    assert set(data["sources"][0]) == {"id", "title", "source", "score"}


def test_bad_questions_raise_question_error(engine):
    with pytest.raises(QuestionError):
        engine.ask("   ")
    with pytest.raises(QuestionError, match="limit"):
        engine.ask("why " * 400)


def test_existence_questions_are_answered_with_catalog_products(engine):
    """'do we carry ...' names the matching products, verbatim from their rows."""
    answer = engine.ask("do we carry leather jackets?")
    assert answer.answered and answer.passage is not None
    assert answer.passage.kind == "product"
    assert "leather" in answer.passage.text.lower() and "jacket" in answer.span.lower()
    assert answer.span == answer.passage.text[answer.span_start:answer.span_end]
    assert answer.answer.startswith("Yes, we carry the ") and answer.span in answer.answer
    assert answer.question == "do we carry leather jackets?"


def test_a_misspelt_question_is_read_as_the_kb_spells_it(engine):
    clean = engine.ask("How long is the return window for online orders?")
    typed = engine.ask("how long is the retrun windwo for onlien orders")
    assert typed.question == "how long is the retrun windwo for onlien orders"  # as typed
    assert typed.answered and typed.span == clean.span
