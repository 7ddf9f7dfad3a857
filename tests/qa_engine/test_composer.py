"""Brand-voice replies: the fact travels verbatim, the wording comes from the templates."""

from __future__ import annotations

import random
import re

import pytest
import yaml

from qa_engine.composer import DEFAULT_TEMPLATES, BrandVoice, Composer, sentence_around
from qa_engine.types import Passage, RetrievedPassage

RETURNS = Passage(
    id="returns-1",
    text=(
        "Returns & Exchanges\n"
        "Unworn items with tags attached can be returned within 30 days of delivery. "
        "Final-sale items cannot be returned! Refunds go back to the original payment "
        "method within 5-7 business days? Exchanges are free.\n"
        "Gift receipts: refunds become store credit."
    ),
    title="Returns & Exchanges",
    source="policies/returns-and-exchanges.md",
    section="Online orders",
)
DRESS = Passage(
    id="catalog-17",
    text="Name: Linen Wrap Dress\nSizes: XS-XL\nMaterial: 100% European linen\nPrice: $89",
    title="Linen Wrap Dress",
    source="catalog.csv",
    kind="product",
)
LONG_SENTENCE = (
    "Customers who bought items during the seasonal sale and who would like to exchange "
    "them for a different size or colour may do so in any of our stores or by mail, "
    "provided that the items are unworn, still carry their original tags, come with the "
    "receipt or order number, and are brought back within the exchange window of 45 days."
)
LONG = Passage(id="exchanges-3", text=LONG_SENTENCE, title="Exchanges", source="exchanges.md")
EMOJI = Passage(
    id="intl-2",
    text="Wir liefern nach Österreich 🇦🇹 in 3–5 Werktagen. Zölle? Keine!",
    title="International", source="intl.md",
)
PASSAGES = [RETURNS, DRESS, LONG, EMOJI]


@pytest.fixture(scope="module")
def composer() -> Composer:
    return Composer()


def test_reply_carries_any_span_verbatim(composer):
    """Property: for many random spans in several passages, the span is in the reply."""
    rng = random.Random(20240611)
    for _ in range(400):
        passage = rng.choice(PASSAGES)
        start = rng.randrange(len(passage.text))
        end = rng.randrange(start + 1, min(len(passage.text), start + 80) + 1)
        span = passage.text[start:end]
        reply = composer.answer(passage, start, end)
        assert span in reply, (passage.id, start, end)
        assert "{" not in reply and "}" not in reply  # no unfilled placeholder


def test_the_whole_sentence_around_the_span_is_quoted(composer):
    start = RETURNS.text.index("30 days")
    reply = composer.answer(RETURNS, start, start + len("30 days of delivery"))
    sentence = "Unworn items with tags attached can be returned within 30 days of delivery."
    assert reply.endswith(" " + sentence)
    assert reply.removesuffix(" " + sentence) in Composer().voice.openers
    # and nothing of the neighbouring sentences or the heading line
    assert "Final-sale" not in reply and "Returns & Exchanges" not in reply


def test_sentences_end_at_question_and_exclamation_marks_and_lines(composer):
    start = RETURNS.text.index("cannot")
    reply = composer.answer(RETURNS, start, start + len("cannot be returned"))
    assert reply.endswith(" Final-sale items cannot be returned!")
    start = RETURNS.text.index("store credit")
    reply = composer.answer(RETURNS, start, start + len("store credit"))
    assert reply.endswith(" Gift receipts: refunds become store credit.")
    assert "Exchanges are free" not in reply


def test_a_span_across_two_sentences_quotes_both(composer):
    start = RETURNS.text.index("delivery.")
    end = RETURNS.text.index("Final-sale") + len("Final-sale")
    reply = composer.answer(RETURNS, start, end)
    assert "returned within 30 days of delivery. Final-sale items cannot be returned!" in reply


def test_sentence_around_covers_the_span():
    text = RETURNS.text
    rng = random.Random(5)
    for _ in range(200):
        start = rng.randrange(len(text) - 1)
        end = rng.randrange(start + 1, len(text) + 1)
        lo, hi = sentence_around(text, start, end)
        assert lo <= start and end <= hi
        assert not re.search(r"[.!?]\s", text[lo:start]) and "\n" not in text[lo:start]


def test_product_template_names_the_product(composer):
    start = DRESS.text.index("XS-XL")
    reply = composer.answer(DRESS, start, start + len("XS-XL"))
    assert "For the Linen Wrap Dress: Sizes: XS-XL." in reply
    assert "Material" not in reply and "$89" not in reply


def test_document_template_does_not_name_a_product(composer):
    start = RETURNS.text.index("Exchanges are free")
    reply = composer.answer(RETURNS, start, start + len("Exchanges are free"))
    assert "For the" not in reply and reply.endswith(" Exchanges are free.")


def test_over_long_sentence_falls_back_to_the_quoted_span(composer):
    assert len(LONG_SENTENCE.split()) > composer.voice.max_fact_words
    start = LONG_SENTENCE.index("45 days")
    reply = composer.answer(LONG, start, start + len("45 days"))
    assert reply.endswith("Our Exchanges says: \u201c45 days\u201d")
    assert "seasonal sale" not in reply


def test_non_english_and_emoji_pass_through_untouched(composer):
    start = EMOJI.text.index("Österreich")
    end = EMOJI.text.index("Werktagen") + len("Werktagen")
    reply = composer.answer(EMOJI, start, end)
    assert "Wir liefern nach Österreich 🇦🇹 in 3–5 Werktagen." in reply


def test_opener_is_deterministic_for_the_same_passage_and_span(composer):
    """Paraphrased questions that find the same fact get the very same reply."""
    start = RETURNS.text.index("30 days")
    end = start + len("30 days of delivery")
    replies = {composer.answer(RETURNS, start, end) for _ in range(5)}
    replies.add(Composer().answer(RETURNS, start, end))  # a fresh instance, same result
    assert len(replies) == 1


def test_openers_vary_across_facts(composer):
    openers = composer.voice.openers
    used = set()
    for passage in PASSAGES:
        for start in range(0, len(passage.text) - 5, 7):
            reply = composer.answer(passage, start, start + 5)
            used.update(o for o in openers if reply.startswith(o))
    assert used == set(openers)


def _retrieved(*passages: Passage) -> list[RetrievedPassage]:
    return [RetrievedPassage(p, 0.9 - i / 10) for i, p in enumerate(passages)]


def test_declined_names_the_closest_sources_and_suggests_escalation(composer):
    duplicate = Passage(id="returns-2", text="x", title=RETURNS.title, source=RETURNS.source,
                        section=RETURNS.section)
    reply = composer.declined(_retrieved(RETURNS, duplicate, DRESS, LONG))
    # the two closest distinct sources, closest first; the third ("Exchanges") is left out
    assert ("The closest sources I found are Returns & Exchanges › Online orders; "
            "Linen Wrap Dress. If the customer") in reply
    assert reply.count("Returns & Exchanges") == 1  # one mention per source
    assert "team lead" in reply and "couldn't find a reliable answer" in reply
    assert "{" not in reply


def test_declined_respects_max_sources(composer):
    reply = composer.declined(_retrieved(RETURNS, DRESS, LONG), max_sources=3)
    assert "Returns & Exchanges › Online orders; Linen Wrap Dress; Exchanges" in reply
    one = composer.declined(_retrieved(RETURNS, DRESS, LONG), max_sources=1)
    assert "Linen Wrap Dress" not in one


def test_declined_without_any_source(composer):
    reply = composer.declined([])
    assert reply == composer.voice.declined_no_sources
    assert "team lead" in reply and "sources" not in reply


def test_a_templates_file_missing_an_entry_is_refused(tmp_path):
    data = yaml.safe_load(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    del data["declined"], data["short_answer"]
    path = tmp_path / "voice.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"missing brand-voice entries: short_answer, declined"):
        BrandVoice.load(path)


def test_a_templates_file_without_openers_is_refused(tmp_path):
    data = yaml.safe_load(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    data["openers"] = []
    path = tmp_path / "voice.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match="openers"):
        BrandVoice.load(path)


def test_custom_templates_are_used(tmp_path):
    data = yaml.safe_load(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    data.update(openers=["Hi!"], document_answer="{opener} >> {fact} <<")
    path = tmp_path / "voice.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    composer = Composer(BrandVoice.load(path))
    start = RETURNS.text.index("Exchanges are free")
    assert composer.answer(RETURNS, start, start + 18) == "Hi! >> Exchanges are free. <<"
