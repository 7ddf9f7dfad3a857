"""The one sentence splitter: abbreviations, times, initialisms, decimals, lines."""

from __future__ import annotations

import random

import pytest

from qa_engine.ingest import chunking
from qa_engine.sentences import sentence_spans, split_sentences
from training.evaluation import standin, systems
from training.synth.kb import demo_passages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # the store-hours sentence the old composer cut after "8 p.m."
            "Stores open 10 a.m. to 8 p.m. Monday to Friday, and 11 a.m. to 5 p.m. on weekends.",
            ["Stores open 10 a.m. to 8 p.m. Monday to Friday, and 11 a.m. to 5 p.m. on weekends."],
        ),
        (
            "Chat is open 7 a.m. to 11 p.m. Pacific Time, every day. Email us any time.",
            ["Chat is open 7 a.m. to 11 p.m. Pacific Time, every day.", "Email us any time."],
        ),
        (  # a.m. before an ordinary capitalised word does end the sentence
            "We open at 10 a.m. Orders placed before noon ship the same day.",
            ["We open at 10 a.m.", "Orders placed before noon ship the same day."],
        ),
        (
            "We ship within the U.S. and to Canada. Orders to the U.S. Virgin Islands take longer.",
            ["We ship within the U.S. and to Canada.",
             "Orders to the U.S. Virgin Islands take longer."],
        ),
        (
            "Free returns within the U.S. The label is in the box.",
            ["Free returns within the U.S.", "The label is in the box."],
        ),
        (
            "Use a tracked service, e.g. UPS. Keep proof, i.e. The receipt.",
            ["Use a tracked service, e.g. UPS.", "Keep proof, i.e. The receipt."],
        ),
        (
            "Ask for Style No. 5 in store. It costs approx. $5 and takes approx. 3 days.",
            ["Ask for Style No. 5 in store.", "It costs approx. $5 and takes approx. 3 days."],
        ),
        (
            "No. We do not ship to P.O. boxes.",
            ["No.", "We do not ship to P.O. boxes."],
        ),
        (
            "Our flagship is at 12 Main St. The St. Louis store opens at 9 a.m. on Sundays.",
            ["Our flagship is at 12 Main St.", "The St. Louis store opens at 9 a.m. on Sundays."],
        ),
        (
            "Sizes run 2.5 to 10.5. Prices start at $89.00. Heels are 4.5 cm.",
            ["Sizes run 2.5 to 10.5.", "Prices start at $89.00.", "Heels are 4.5 cm."],
        ),
        (
            'He said "Done." Then $5 off! Really? (See below.) Fine.',
            ['He said "Done."', "Then $5 off!", "Really?", "(See below.)", "Fine."],
        ),
        ("version 2.5 is out. next lowercase stays", ["version 2.5 is out. next lowercase stays"]),
        ("Name: Dress\nPrice: 89 USD\n\nSizes: XS-XL", ["Name: Dress", "Price: 89 USD",
                                                       "Sizes: XS-XL"]),
        ("One. Two!  Three?", ["One.", "Two!", "Three?"]),
        ("", []),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


def test_spans_are_exact_offsets_without_whitespace():
    text = "  First one.   Second one!\n\n  Third line ends here  \nLast."
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["First one.", "Second one!", "Third line ends here",
                                             "Last."]
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))


def test_every_caller_uses_the_one_splitter():
    """chunking, the retrieval-only baseline and the in-context stand-in share it."""
    assert chunking.split_sentences is split_sentences
    assert systems.split_sentences is split_sentences
    assert standin.split_sentences is split_sentences
    assert not hasattr(systems, "_SENTENCE_END") and not hasattr(standin, "_SENTENCE_END")


def test_demo_kb_sentences_cover_the_text_and_start_with_a_capital():
    """Over every real passage: sentences partition the non-space text; none starts lower-case."""
    for passage in demo_passages():
        spans = sentence_spans(passage.text)
        covered = "".join(passage.text[a:b] for a, b in spans)
        assert covered.replace(" ", "") == passage.text.replace(" ", "").replace("\n", "")
        for a, b in spans:
            first = passage.text[a:b].lstrip("\"'“(*_")[:1]
            assert not first.islower(), (passage.doc_id, passage.text[a:b])


def test_splitter_is_fast_enough_for_the_composer():
    import time

    text = " ".join(
        random.Random(1).choice(["Stores open 10 a.m. to 8 p.m. Monday to Friday.",
                                 "Use e.g. tracked mail.", "It costs $5.00 in the U.S. today."])
        for _ in range(12)
    )
    t0 = time.perf_counter()
    for _ in range(200):
        sentence_spans(text)
    assert (time.perf_counter() - t0) / 200 < 0.002
