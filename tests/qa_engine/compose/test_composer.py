"""Brand-voice replies: the answer first, the span verbatim, the wording from the templates."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
import yaml

from qa_engine.compose.composer import DEFAULT_TEMPLATES, BrandVoice, Composer, sentence_around
from qa_engine.compose.reply_rules import (
    NO_ANSWER,
    NO_MATCH,
    UNSURE,
    DeclineReason,
    carries_span,
    decline_reason,
    read_question,
)
from qa_engine.ingest.chunking import chunk_text, parse_markdown
from qa_engine.ingest.rendering import render_record
from qa_engine.sentences import sentence_spans
from qa_engine.settings import Settings
from qa_engine.types import Passage, ReaderResult, RetrievedPassage, SpanCandidate
from training.synth.kb import demo_passages

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
HOURS = Passage(
    id="stores-2",
    text=(
        "Stores open 10 a.m. to 8 p.m. Monday to Friday, and 11 a.m. to 5 p.m. on weekends. "
        "Chat is open 7 a.m. to 11 p.m. Pacific Time, every day."
    ),
    title="Stores and Hours", source="policies/stores.md", section="Opening hours",
)
SHIPPING = Passage(
    id="intl-3",
    text=(
        "We ship to Canada, Spain and Portugal. We do not ship to Brazil. Gift cards can be "
        "used online only, not in stores. Members earn 1 point per dollar spent, and every "
        "100 points become a $5 reward. Returns are free, unless the item is final sale."
    ),
    title="International Orders", source="policies/intl.md", section="Where we ship",
)
JACKET = Passage(
    id="catalog-9",
    text=render_record({
        "name": "Alder Leather Biker Jacket", "category": "Outerwear",
        "description": "Tailored biker jacket that falls at the hip. Fully lined, with two zip "
                       "pockets. Water-repellent finish, but not fully waterproof.",
        "price": "289.00", "sizes": "XS, S, M, L", "colors": "Black, Tan",
        "material": "Lambskin leather", "care": "Dry clean only.",
        "availability": "In stock", "heel_height": "4 cm",
    }),
    title="Alder Leather Biker Jacket", source="catalog.csv", kind="product",
)
TOPCOAT = Passage(
    id="catalog-10",
    text="Name: Fir Wool Topcoat\nPrice: $210.00\nAvailability: Backordered until May 3\n"
         "Care: Machine wash cold; do not tumble dry.",
    title="Fir Wool Topcoat", source="catalog.csv", kind="product",
)
SUNGLASSES = Passage(
    id="catalog-11",
    text="Name: Polarized Aviator Sunglasses\nDescription: Metal aviators with polarized "
         "lenses. Comes with a case.\nPrice: 79\nAvailability: Sold out",
    title="Polarized Aviator Sunglasses", source="catalog.csv", kind="product",
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
PASSAGES = [RETURNS, HOURS, SHIPPING, JACKET, TOPCOAT, SUNGLASSES, LONG, EMOJI]
QUESTIONS = [None, "", "what is it?", "is it free?", "cust asking if we ship to Portugal",
             "does the alder come in tan?", "do you deliver to brazil?", "can I wash it?",
             "how many points for a $5 reward?", "does anyone know if it's in stock"]


@pytest.fixture(scope="module")
def composer() -> Composer:
    return Composer(currency="$")


def reply_to(composer: Composer, passage: Passage, span: str, question: str | None = None,
             occurrence: int = 0) -> str:
    start = -1
    for _ in range(occurrence + 1):
        start = passage.text.index(span, start + 1)
    reply = composer.answer(passage, start, start + len(span), question=question)
    assert carries_span(reply, passage.text, start, start + len(span)), reply
    return reply


# --- the invariant -------------------------------------------------------------------------


def test_reply_carries_any_span_verbatim(composer):
    """Property: for random spans in every kind of passage and many questions, the span is in
    the reply, and no placeholder is left unfilled."""
    rng = random.Random(20240611)
    for _ in range(1500):
        passage = rng.choice(PASSAGES)
        start = rng.randrange(len(passage.text))
        end = rng.randrange(start + 1, min(len(passage.text), start + 80) + 1)
        reply = composer.answer(passage, start, end, question=rng.choice(QUESTIONS))
        assert carries_span(reply, passage.text, start, end), (passage.id, start, end, reply)
        assert "{" not in reply and "}" not in reply


def test_carries_span_checks_offsets_and_text():
    assert carries_span("We ship to Canada.", "Canada, Spain", 0, 6)
    assert not carries_span("We ship to Spain.", "Canada, Spain", 0, 6)
    assert not carries_span("anything", "Canada", 3, 3) and not carries_span("x", "abc", 2, 9)


def test_composing_is_fast(composer):
    passages = [p for p in PASSAGES if len(p.text) > 20]
    t0 = time.perf_counter()
    n = 0
    for passage in passages:
        for start in range(0, len(passage.text) - 8, 5):
            composer.answer(passage, start, start + 8, question="is it in stock in canada?")
            n += 1
    assert (time.perf_counter() - t0) / n < 0.002


# --- whole sentences ----------------------------------------------------------------------

_LEAD = re.compile(r"^(?:Yes|No)[,.] ")
_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_CUT_BEFORE = re.compile(r"(?:;|,\s+(?:and|but|so|yet|while|whereas))\s+$|(?:^|\n)(?:[-*•]|\d{1,2}"
                         r"[.)])\s+$")


def _whole_problems(passage: Passage, start: int, end: int, reply: str) -> list[str]:
    """Why `reply` is not whole sentences or a whole clause of `passage` ([] when it is)."""
    problems = []
    if not _END.search(reply):
        problems.append("no final punctuation")
    body = _LEAD.sub("", reply)
    if body == reply and body[:1].islower():
        problems.append("lower-case start")
    if passage.kind == "product" or reply.startswith("Per our "):
        return problems
    sentences = sentence_spans(passage.text)
    starts, ends = {a for a, _ in sentences}, {b for _, b in sentences}
    for cand in (reply, reply[:-1], body, body[:-1]):
        for form in (cand, cand[:1].upper() + cand[1:], cand[:1].lower() + cand[1:]):
            at = passage.text.find(form) if form else -1
            if at >= 0:
                if at not in starts and not _CUT_BEFORE.search(passage.text[:at]):
                    problems.append("starts mid-sentence")
                stop = at + len(form)
                if stop not in ends and passage.text[stop:stop + 1] not in (",", ";", ":"):
                    problems.append("ends mid-sentence")
                return problems
    return [*problems, "not a piece of the passage"]


def _whole_check(passages: list[Passage], seed: int = 0) -> tuple[int, list]:
    composer, rng, bad, n = Composer(currency="$"), random.Random(seed), [], 0
    for passage in passages:
        for lo, hi in sentence_spans(passage.text):
            tokens = [(m.start() + lo, m.end() + lo)
                      for m in re.finditer(r"\S+", passage.text[lo:hi])]
            for _ in range(3):
                i = rng.randrange(len(tokens))
                j = rng.randrange(i, min(len(tokens), i + 6))
                start, end = tokens[i][0], tokens[j][1]
                while end > start and passage.text[end - 1] in ".,;:!?":
                    end -= 1
                if end <= start:
                    continue
                span = passage.text[start:end]
                for question in (None, f"is it {span}?", f"cust asking if we do {span}",
                                 f"what about {span}?"):
                    n += 1
                    reply = composer.answer(passage, start, end, question=question)
                    problems = _whole_problems(passage, start, end, reply)
                    if not carries_span(reply, passage.text, start, end):
                        problems.append("span lost")
                    if problems:
                        bad.append((problems, passage.id, span, question, reply))
    return n, bad


def test_no_reply_over_the_demo_kb_starts_or_ends_mid_sentence():
    """Real passages, in the exact stored form: spans in every sentence, four question
    shapes each; every reply is whole sentences or a whole clause, capital to full stop."""
    passages = [
        Passage(id=f"{p.doc_id}-{i}", text=p.text, title=p.title, source=p.doc_id,
                section=p.section, kind="product" if p.kind == "product" else "document")
        for i, p in enumerate(demo_passages())
    ]
    n, bad = _whole_check(passages)
    assert n > 5000
    assert not bad, bad[:5]


FIELD_KB = Path(__file__).resolve().parents[3] / "training" / "data" / "field_test" / "kb"


@pytest.mark.skipif(not FIELD_KB.is_dir(), reason="the field-test knowledge base is not here")
def test_no_reply_over_the_field_test_kb_starts_or_ends_mid_sentence():
    """The same check over the held-out field-test KB, read ingest-free with the sectioner
    (its text is read at test time only; none of it is a fixture here)."""
    passages = []
    for md in sorted(FIELD_KB.rglob("*.md")):
        title, sections = parse_markdown(md.read_text(encoding="utf-8"))
        for section in sections:
            for i, chunk in enumerate(chunk_text(section.body, 120, 20)):
                passages.append(Passage(id=f"{md.stem}-{section.heading}-{i}", text=chunk,
                                        title=title or md.stem, source=md.name))
    catalog = FIELD_KB / "catalog.csv"
    if catalog.exists():
        import csv

        with catalog.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                passages.append(Passage(id=row.get("sku", ""), title=row.get("name", ""),
                                        text=render_record(row, skip=("sku",)),
                                        source="catalog.csv", kind="product"))
    n, bad = _whole_check(passages)
    assert n > 1000
    assert not bad, bad[:5]


def test_store_and_chat_hours_are_not_cut_at_a_m_and_p_m(composer):
    sentence = ("Stores open 10 a.m. to 8 p.m. Monday to Friday, and 11 a.m. to 5 p.m. "
                "on weekends.")
    for span in ("Monday to Friday", "11 a.m. to 5 p.m.", "10 a.m."):
        assert reply_to(composer, HOURS, span, "when do stores open on weekends?") == sentence
    chat = "Chat is open 7 a.m. to 11 p.m. Pacific Time, every day."
    assert reply_to(composer, HOURS, "Pacific Time", "what time zone is chat in?") == chat
    assert reply_to(composer, HOURS, "7 a.m. to 11 p.m.") == chat


def test_the_whole_sentence_around_the_span_is_the_reply(composer):
    sentence = "Unworn items with tags attached can be returned within 30 days of delivery."
    assert reply_to(composer, RETURNS, "30 days of delivery") == sentence
    assert reply_to(composer, RETURNS, "cannot be returned") == (
        "Final-sale items cannot be returned!")
    assert reply_to(composer, RETURNS, "store credit") == (
        "Gift receipts: refunds become store credit.")


def test_a_span_across_two_sentences_quotes_both(composer):
    start = RETURNS.text.index("delivery.")
    end = RETURNS.text.index("Final-sale") + len("Final-sale")
    reply = composer.answer(RETURNS, start, end)
    assert reply == ("Unworn items with tags attached can be returned within 30 days of delivery. "
                     "Final-sale items cannot be returned!")


def test_sentence_around_covers_the_span():
    text = RETURNS.text
    rng = random.Random(5)
    for _ in range(200):
        start = rng.randrange(len(text) - 1)
        end = rng.randrange(start + 1, len(text) + 1)
        lo, hi = sentence_around(text, start, end)
        assert lo <= start and end <= hi
        assert not re.search(r"[.!?]\s", text[lo:start]) and "\n" not in text[lo:start]


def test_over_long_sentence_falls_back_to_the_quoted_span(composer):
    assert len(LONG_SENTENCE.split()) > composer.voice.max_fact_words
    reply = reply_to(composer, LONG, "45 days")
    assert reply == "Per our Exchanges page: \u201c45 days\u201d."


def test_non_english_and_emoji_pass_through_untouched(composer):
    start = EMOJI.text.index("Österreich")
    end = EMOJI.text.index("Werktagen") + len("Werktagen")
    assert composer.answer(EMOJI, start, end) == "Wir liefern nach Österreich 🇦🇹 in 3–5 Werktagen."


# --- clauses ------------------------------------------------------------------------------


def test_a_clause_the_question_did_not_ask_about_is_dropped(composer):
    reply = reply_to(composer, SHIPPING, "100 points",
                     "How many points are needed for a $5 reward?")
    assert reply == "Every 100 points become a $5 reward."
    # when the span opens the clause in lower case, the clause cannot be capitalised: keep all
    reply = reply_to(composer, SHIPPING, "every 100 points", "How many points for a $5 reward?")
    assert reply.startswith("Members earn 1 point per dollar spent, and every 100 points")


def test_a_clause_is_kept_when_the_question_asks_about_it(composer):
    reply = reply_to(composer, SHIPPING, "100 points",
                     "how many points per dollar, and per reward?")
    assert reply.startswith("Members earn 1 point per dollar")


def test_conditions_are_never_cut(composer):
    reply = reply_to(composer, SHIPPING, "free", "are returns free?")
    assert reply == "Returns are free, unless the item is final sale."


def test_a_long_sentence_is_cut_before_a_list_it_does_not_need(composer):
    passage = Passage(
        id="intl-9", title="International Orders", source="intl.md",
        text="We ship to 38 countries outside the United States, including Canada, Mexico, "
             "the United Kingdom, all European Union countries, Japan and Singapore.")
    reply = reply_to(composer, passage, "38 countries", "how many countries do we ship to?")
    assert reply == "We ship to 38 countries outside the United States."
    reply = reply_to(composer, passage, "Canada", "do we ship to canada?")
    assert reply.startswith("Yes, we ship to 38 countries") and reply.endswith("Singapore.")


# --- yes/no questions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "yes_no"),
    [
        ("Do you deliver to Portugal?", True),
        ("is the city overcoat lined?", True),
        ("can they get the wide leg jeans right now?", True),
        ("cust asking if the wool overcoat is available", True),
        ("does anyone know if we price match?", True),
        ("hi team, customer wants to know whether we ship to Chile", True),
        ("cust asking how to clean the floral dress", False),
        ("do you know how long refunds take?", False),
        ("What is the return policy for online purchases?", False),
        ("stock on rashie?", False),
        ("can you tell me the return window?", False),
    ],
)
def test_yes_no_questions_are_recognised_inside_agent_framing(question, yes_no):
    assert read_question(question).yes_no is yes_no
    assert read_question(None) is None and read_question("  ") is None


def test_a_list_that_holds_the_asked_item_answers_yes(composer):
    reply = reply_to(composer, SHIPPING, "Canada, Spain and Portugal",
                     "Do you deliver to Portugal?")
    assert reply == "Yes, we ship to Canada, Spain and Portugal."
    reply = reply_to(composer, SHIPPING, "Portugal", "cust asking if we ship to portugal")
    assert reply == "Yes, we ship to Canada, Spain and Portugal."


def test_a_list_without_the_asked_item_gives_the_fact_alone(composer):
    reply = reply_to(composer, SHIPPING, "Canada, Spain and Portugal", "Do you deliver to Italy?")
    assert reply == "We ship to Canada, Spain and Portugal."  # not "No": the list may be partial


def test_a_negation_next_to_the_span_answers_no(composer):
    reply = reply_to(composer, SHIPPING, "Brazil", "does anyone know if we ship to brazil")
    assert reply == "No, we do not ship to Brazil."
    reply = reply_to(composer, RETURNS, "cannot be returned", "can final-sale items be returned?")
    assert reply == "No, final-sale items cannot be returned!"


def test_only_x_not_y_answers_no_for_y_and_gives_the_fact_for_x(composer):
    reply = reply_to(composer, SHIPPING, "online only", "can gift cards be used in stores?")
    assert reply == "No, gift cards can be used online only, not in stores."
    reply = reply_to(composer, SHIPPING, "online only", "can gift cards be used online?")
    assert reply == "Gift cards can be used online only, not in stores."


def test_an_unsettled_yes_no_question_gets_the_fact_without_yes_or_no(composer):
    reply = reply_to(composer, RETURNS, "30 days of delivery", "can they return it after a month?")
    assert reply == "Unworn items with tags attached can be returned within 30 days of delivery."


def test_questions_that_are_not_yes_no_never_get_yes_or_no(composer):
    reply = reply_to(composer, SHIPPING, "Brazil", "where don't we ship?")
    assert reply == "We do not ship to Brazil."


# --- catalog rows -------------------------------------------------------------------------


def test_a_bare_price_gets_the_currency_and_keeps_the_span(composer):
    assert reply_to(composer, JACKET, "289.00") == "The Alder Leather Biker Jacket is $289.00."
    assert Composer(currency="€").answer(JACKET, *_at(JACKET, "289.00")).endswith("is €289.00.")
    assert Composer(currency="CAD").answer(JACKET, *_at(JACKET, "289.00")).endswith(
        "is CAD 289.00.")


def test_a_price_with_its_own_currency_is_left_alone(composer):
    assert reply_to(composer, TOPCOAT, "$210.00") == "The Fir Wool Topcoat is $210.00."
    assert reply_to(composer, TOPCOAT, "210.00") == "The Fir Wool Topcoat is $210.00."


def test_the_currency_comes_from_the_settings_passed_not_the_environment(monkeypatch):
    """The composition root reads STYLESPRINT_CURRENCY into settings and the engine passes
    `settings.engine.currency`; the Composer itself reads no environment (its default is
    the setting's declared default)."""
    monkeypatch.setenv("STYLESPRINT_CURRENCY", "£")
    settings = Settings(_env_file=None)
    assert settings.engine.currency == "£"
    composer = Composer(currency=settings.engine.currency)
    assert composer.answer(SUNGLASSES, *_at(SUNGLASSES, "79")).endswith("are £79.")
    assert Composer().answer(SUNGLASSES, *_at(SUNGLASSES, "79")).endswith("are $79.")


def _at(passage: Passage, span: str) -> tuple[int, int]:
    start = passage.text.index(span)
    return start, start + len(span)


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("XS, S, M, L", "The Alder Leather Biker Jacket comes in XS, S, M, L."),
        ("Black, Tan", "The Alder Leather Biker Jacket comes in Black, Tan."),
        ("Lambskin leather", "The Alder Leather Biker Jacket is made of Lambskin leather."),
        ("leather", "The Alder Leather Biker Jacket is made of lambskin leather."),
        ("Dry clean only.",
         "Care instructions for the Alder Leather Biker Jacket: Dry clean only."),
        ("clean only", "The Alder Leather Biker Jacket is dry clean only."),
        ("In stock", "The Alder Leather Biker Jacket is listed as \u201cIn stock\u201d."),
        ("4 cm", "The Alder Leather Biker Jacket's heel height is 4 cm."),
        ("Outerwear", "The Alder Leather Biker Jacket is listed under Outerwear."),
        ("at the hip", "The Alder Leather Biker Jacket falls at the hip."),
        ("two zip pockets", "The Alder Leather Biker Jacket has two zip pockets."),
        ("biker jacket", "The Alder Leather Biker Jacket is a tailored biker jacket that falls at "
                         "the hip."),
    ],
)
def test_catalog_fields_become_sentences_about_the_product(composer, span, expected):
    assert reply_to(composer, JACKET, span, "tell me about the alder") == expected


def test_availability_with_a_date_reads_as_a_sentence(composer):
    assert reply_to(composer, TOPCOAT, "until May 3", "when is the fir topcoat back?") == (
        "The Fir Wool Topcoat is backordered until May 3.")
    assert reply_to(composer, TOPCOAT, "Backordered until May 3", "when is it back?") == (
        "The Fir Wool Topcoat is not available right now (Backordered until May 3).")


def test_plural_product_names_agree(composer):
    assert reply_to(composer, SUNGLASSES, "79") == "The Polarized Aviator Sunglasses are $79."
    assert reply_to(composer, SUNGLASSES, "a case", "do they come with a case?") == (
        "The Polarized Aviator Sunglasses come with a case.")


def test_availability_settles_yes_and_no(composer):
    assert reply_to(composer, JACKET, "In stock", "is the alder in stock?") == (
        "Yes, the Alder Leather Biker Jacket is listed as \u201cIn stock\u201d.")
    assert reply_to(composer, SUNGLASSES, "Sold out",
                    "cust asking if the aviators are available") == (
        "No, the Polarized Aviator Sunglasses are not available right now (Sold out).")
    assert reply_to(composer, TOPCOAT, "Backordered until May 3", "can they get the topcoat now?"
                    ).startswith("No, the Fir Wool Topcoat is not available right now")


def test_a_catalog_list_settles_yes_only_when_it_holds_the_item(composer):
    assert reply_to(composer, JACKET, "Black, Tan", "does the alder come in tan?") == (
        "Yes, the Alder Leather Biker Jacket comes in Black, Tan.")
    assert reply_to(composer, JACKET, "XS, S, M, L", "does the alder come in xl?") == (
        "The Alder Leather Biker Jacket comes in XS, S, M, L.")
    # the product's own name does not count as the asked item
    assert reply_to(composer, JACKET, "Black, Tan", "is the leather jacket waterproof?") == (
        "The Alder Leather Biker Jacket comes in Black, Tan.")


def test_a_negated_catalog_value_answers_no(composer):
    reply = reply_to(composer, TOPCOAT, "do not tumble dry", "can the topcoat go in the dryer? "
                     "can I tumble dry it?")
    assert reply == ("No, care instructions for the Fir Wool Topcoat: Machine wash cold; "
                     "do not tumble dry.")
    reply = reply_to(composer, JACKET, "not fully waterproof", "is the alder waterproof?")
    assert reply.startswith("No, the Alder Leather Biker Jacket")


def test_a_span_taking_in_the_label_is_kept_with_it(composer):
    assert reply_to(composer, JACKET, "Price: 289.00") == (
        "For the Alder Leather Biker Jacket: Price: 289.00.")


# --- openers and sign-offs -----------------------------------------------------------------


def test_no_opener_or_sign_off_by_default(composer):
    for passage in PASSAGES:
        for start in range(0, len(passage.text) - 5, 7):
            reply = composer.answer(passage, start, start + 5)
            assert not reply.startswith(("Happy to help", "Great question", "Thanks for asking"))


def _voice(tmp_path, **changes) -> BrandVoice:
    data = yaml.safe_load(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "voice.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return BrandVoice.load(path)


def test_openers_and_sign_offs_are_configurable_rare_and_deterministic(tmp_path):
    voice = _voice(tmp_path, openers=["Hi!", "Sure!"], opener_share=0.25,
                   signoffs=["Anything else?"], signoff_share=0.1)
    composer = Composer(voice, currency="$")
    replies = [composer.answer(p, s, s + 5) for p in PASSAGES for s in range(0, len(p.text) - 5, 3)]
    opened = [r for r in replies if r.startswith(("Hi! ", "Sure! "))]
    signed = [r for r in replies if r.endswith(" Anything else?")]
    assert 0.1 * len(replies) < len(opened) < 0.4 * len(replies)
    assert 0 < len(signed) < 0.25 * len(replies)
    assert {r.split()[0] for r in opened} == {"Hi!", "Sure!"}
    # the same fact always gets the same reply, from any instance
    start = RETURNS.text.index("30 days")
    again = {Composer(voice, currency="$").answer(RETURNS, start, start + 7) for _ in range(3)}
    assert len(again) == 1


# --- declines -----------------------------------------------------------------------------


def _retrieved(*passages: Passage) -> list[RetrievedPassage]:
    return [RetrievedPassage(p, 0.9 - i / 10) for i, p in enumerate(passages)]


def _candidate(passage: Passage, text: str, margin: float) -> SpanCandidate:
    start = passage.text.index(text)
    return SpanCandidate(passage.id, text, start, start + len(text), margin, 0.0)


def test_decline_without_any_matching_passage_says_so(composer):
    reply = composer.declined(_retrieved(RETURNS, HOURS), reason=NO_MATCH)
    assert reply.startswith("I'm sorry, I don't have that information: nothing in our knowledge "
                            "base covers it.")
    assert ("\u201cReturns & Exchanges › Online orders\u201d and "
            "\u201cStores and Hours › Opening hours\u201d") in reply
    assert "team lead" in reply


def test_decline_when_passages_do_not_answer_names_them(composer):
    duplicate = Passage(id="returns-2", text="x", title=RETURNS.title, source=RETURNS.source,
                        section=RETURNS.section)
    reply = composer.declined(_retrieved(RETURNS, duplicate, JACKET, LONG), reason=NO_ANSWER)
    assert ("\u201cReturns & Exchanges › Online orders\u201d and \u201cAlder Leather Biker "
            "Jacket\u201d come closest but don't answer it") in reply
    assert reply.count("Returns & Exchanges") == 1 and "\u201cExchanges\u201d" not in reply
    assert "team lead" in reply


def test_decline_when_unsure_names_the_two_candidates_first(composer):
    reason = DeclineReason(UNSURE, (LONG.id, HOURS.id))
    reply = composer.declined(_retrieved(RETURNS, HOURS, LONG), reason=reason)
    assert ("I can't give a definite answer: \u201cExchanges\u201d and \u201cStores and Hours › "
            "Opening hours\u201d could each answer this") in reply
    assert "Returns" not in reply


def test_decline_kinds_read_differently_and_respect_max_sources(composer):
    retrieved = _retrieved(RETURNS, HOURS, LONG)
    replies = {kind: composer.declined(retrieved, reason=kind)
               for kind in (NO_MATCH, NO_ANSWER, UNSURE)}
    assert len(set(replies.values())) == 3
    three = composer.declined(retrieved, reason=NO_ANSWER, max_sources=3)
    assert ("Online orders\u201d, \u201cStores and Hours › Opening hours\u201d and "
            "\u201cExchanges") in three
    assert "Opening hours" not in composer.declined(retrieved, max_sources=1)


def test_decline_without_any_source(composer):
    reply = composer.declined([])
    assert reply == composer.voice.declined_no_sources
    assert "team lead" in reply and "›" not in reply


def test_decline_reason_from_the_reader_result():
    near = _candidate(HOURS, "Pacific Time", 1.5)
    best = _candidate(SHIPPING, "Canada", 2.0)
    same = _candidate(SHIPPING, "Spain", 1.9)
    far = _candidate(HOURS, "every day", -3.0)

    def result(*cands, confidence=0.3):
        return ReaderResult(cands[0] if cands else None, confidence, False, 0.37, cands)

    assert decline_reason(False, best, [best, near]).kind == NO_MATCH
    assert Composer.decline_reason(False, result(best, near)).kind == NO_MATCH
    assert Composer.decline_reason(True, result()).kind == NO_MATCH  # nothing was read
    unsure = Composer.decline_reason(True, result(best, same, near))
    assert unsure == DeclineReason(UNSURE, (SHIPPING.id, HOURS.id))
    assert Composer.decline_reason(True, result(best, far)).kind == NO_ANSWER
    # two near-zero candidates are "none answers", not a close call
    assert Composer.decline_reason(True, result(best, near, confidence=0.05)).kind == NO_ANSWER
    # the same words from two passages agree: not torn between answers
    twin = _candidate(RETURNS, "store credit", 1.8)
    first = _candidate(SHIPPING, "Canada", 2.0)
    assert Composer.decline_reason(True, result(first, twin)).kind == UNSURE
    echo = SpanCandidate(RETURNS.id, "Canada", 0, 6, 1.9, 0.0)
    assert Composer.decline_reason(True, result(first, echo)).kind == NO_ANSWER


# --- the templates file -------------------------------------------------------------------


def test_a_templates_file_missing_an_entry_is_refused(tmp_path):
    data = yaml.safe_load(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    del data["declined_unsure"], data["short_answer"]
    path = tmp_path / "voice.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError,
                       match=r"missing brand-voice entries: short_answer, declined_unsure"):
        BrandVoice.load(path)


def test_a_catalog_field_without_a_template_is_refused(tmp_path):
    data = yaml.safe_load(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))
    data["catalog_fields"]["price"].pop("template")
    path = tmp_path / "voice.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match="price"):
        BrandVoice.load(path)


def test_custom_templates_are_used(tmp_path):
    voice = _voice(tmp_path, document_answer=">> {fact} <<")
    composer = Composer(voice, currency="$")
    start = RETURNS.text.index("Exchanges are free")
    assert composer.answer(RETURNS, start, start + 18) == ">> Exchanges are free. <<"
    fields = yaml.safe_load(DEFAULT_TEMPLATES.read_text(encoding="utf-8"))["catalog_fields"]
    fields["price"]["template"] = "Only {price} for {product_lower}!"
    composer = Composer(_voice(tmp_path, catalog_fields=fields), currency="$")
    assert composer.answer(JACKET, *_at(JACKET, "289.00")) == (
        "Only $289.00 for the Alder Leather Biker Jacket!")
