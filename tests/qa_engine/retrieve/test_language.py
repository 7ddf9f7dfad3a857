"""A question in another language is told so in one line, and counted in the gaps report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from qa_engine.gaps import DECLINED, OTHER_LANGUAGE, collect_gap_items, language_reply
from qa_engine.records import Records
from qa_engine.records.schema import utcnow
from qa_engine.retrieve.language import LanguageGate
from qa_engine.settings import Settings

ENGLISH_ONLY = "I can only answer in English for now."


@pytest.fixture(scope="module")
def gate() -> LanguageGate:
    built = LanguageGate()
    built.warm_up()
    return built


@pytest.mark.parametrize(("question", "code"), [
    ("¿Cuál es la política de devoluciones?", "es"),
    ("Est-ce que vous avez des vestes en cuir ?", "fr"),
    ("Wie lange dauert der Versand nach Berlin?", "de"),
    ("What is the return policy for online purchases?", None),
    ("cust asks do we carry leather jackets in kids sizes", None),
    ("kestrel parka warm?", None),  # a product name and two words: never called foreign
    ("", None),
])
def test_the_gate_names_a_foreign_language_and_leaves_english_alone(
        gate: LanguageGate, question: str, code: str | None) -> None:
    assert gate.other_language(question) == code


def test_the_check_follows_its_settings() -> None:
    assert LanguageGate.for_engine(Settings(
        _env_file=None, engine={"question_languages": "off"}).engine) is None
    gate = LanguageGate.for_engine(Settings(_env_file=None, engine={
        "question_languages": "es, EN", "language_min_words": 2}).engine)
    assert gate is not None and gate.languages == ("es", "en") and gate.min_words == 2
    with pytest.raises(ValidationError, match="not an ISO 639-1"):
        Settings(_env_file=None, engine={"question_languages": "en,xx"})


def test_the_engine_answers_a_spanish_question_with_one_line(engine) -> None:
    answer = engine.ask("¿Cuál es la política de devoluciones para compras en línea?")
    assert not answer.answered and answer.answer == ENGLISH_ONLY
    assert answer.sources == [] and answer.span is None
    english = engine.ask("What is the return policy for online purchases?")
    assert english.answer != ENGLISH_ONLY


def test_gaps_count_other_language_declines_apart(tmp_path, engine) -> None:
    records = Records(f"sqlite:///{tmp_path / 'records.db'}")
    records.warm_up()
    try:
        spanish = engine.ask("¿Tienen chaquetas de cuero para niños?")
        other = engine.ask("Do you sell gift cards shaped like a dinosaur on the moon?")
        records.log_answer(spanish, surface="command", channel="C1", asker="U1")
        records.log_answer(other, surface="command", channel="C1", asker="U2")
        reply = language_reply(Settings(_env_file=None))
        assert reply == ENGLISH_ONLY
        items = collect_gap_items(records, utcnow() - timedelta(days=1), reply)
        reasons = {i.question: i.reasons for i in items}
        assert reasons[spanish.question] == frozenset({OTHER_LANGUAGE})
        if not other.answered:
            assert reasons[other.question] == frozenset({DECLINED})
    finally:
        records.close()
