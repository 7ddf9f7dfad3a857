"""What the engine accepts as a question (`clean_question`), before any model runs."""

from __future__ import annotations

import pytest

from qa_engine.pipeline import clean_question
from qa_engine.types import QuestionError


@pytest.mark.parametrize(
    "question", ["", " ", "   \t\n  ", "\u200b", "\x00\x07\x1b", "\u200d", " \u200c\u200d "]
)
def test_empty_questions_are_refused_with_an_example(question):
    with pytest.raises(QuestionError, match="the question is empty: ask something like"):
        clean_question(question, max_chars=500)


@pytest.mark.parametrize("question", [None, 42, b"What is the return policy?", ["a", "b"]])
def test_non_text_is_refused(question):
    with pytest.raises(QuestionError, match="must be text"):
        clean_question(question, max_chars=500)


def test_too_long_questions_are_refused_with_the_limit():
    with pytest.raises(QuestionError, match=r"is 501 characters long; the limit is 500"):
        clean_question("a" * 501, max_chars=500)
    assert clean_question("a" * 500, max_chars=500) == "a" * 500


def test_length_is_counted_after_cleaning():
    padded = "  " + "x" * 20 + "\x00" * 30 + "   "
    assert clean_question(padded, max_chars=21) == "x" * 20


def test_question_error_is_a_value_error():
    assert issubclass(QuestionError, ValueError)


def test_control_characters_are_stripped_and_spaces_collapsed():
    raw = "What\x00 is the\x1b[31m return\u200b policy?\r\n\t for  sale items\x7f"
    assert clean_question(raw, 500) == "What is the [31m return policy? for sale items"


def test_ordinary_questions_are_unchanged():
    q = "What is the return policy for online purchases?"
    assert clean_question(q, 500) == q
    assert clean_question(f"  {q}\n", 500) == q


@pytest.mark.parametrize(
    "question",
    [
        "Can I return these 👗👠 if they don't fit? 🙏",
        "¿Puedo devolver un vestido comprado en línea?",
        "Kann ich Größe M gegen L umtauschen?",
        "オンラインで買った服は返品できますか？",
        "هل يمكنني إرجاع الطلب؟",
        "Is the 👩\u200d👩\u200d👧 family bundle on sale?",  # zero-width joiners: one emoji
        "می\u200cخواهم سفارشم را لغو کنم",  # Persian: the zero-width non-joiner is spelling
    ],
)
def test_emoji_and_non_english_are_kept(question):
    assert clean_question(question, 500) == question
