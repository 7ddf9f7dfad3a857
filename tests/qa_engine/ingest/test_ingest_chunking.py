"""Markdown sections, paragraph normalisation, sentence splitting and passage chunking."""

from __future__ import annotations

import pytest

from qa_engine.ingest.chunking import (
    chunk_text,
    normalise_paragraphs,
    parse_markdown,
    split_sentences,
)

POLICY = """\
Preamble before any heading.

# Returns and Exchanges

Intro under the title,
wrapped over   two lines.

## Online orders

Online orders can be returned within 30 days.

Second paragraph here.

### Refund timing
Refunds take 5 to 10 business days.

```
# a comment in code, not a heading
```

## Only a heading

## Exchanges ##
Exchanges are free.
"""


def test_markdown_title_sections_and_bodies():
    title, sections = parse_markdown(POLICY)
    assert title == "Returns and Exchanges"
    pairs = [(s.heading, s.body) for s in sections]
    assert pairs == [
        ("", "Preamble before any heading."),
        ("Returns and Exchanges", "Intro under the title, wrapped over two lines."),
        (
            "Online orders",
            "Online orders can be returned within 30 days.\nSecond paragraph here.",
        ),
        (
            "Refund timing",
            # a fenced block is a paragraph like any other (the shared convention)
            "Refunds take 5 to 10 business days.\n``` # a comment in code, not a heading ```",
        ),
        ("Only a heading", ""),
        ("Exchanges", "Exchanges are free."),
    ]


def test_markdown_without_title_and_second_h1():
    title, sections = parse_markdown("Just text.\n\n# First\nA.\n# Second\nB.\n")
    assert title == "First"
    assert [(s.heading, s.body) for s in sections] == [
        ("", "Just text."),
        ("First", "A."),
        ("Second", "B."),
    ]
    assert parse_markdown("no headings at all\n")[0] is None
    assert parse_markdown("#hashtag is not a heading\n")[1][0].body == "#hashtag is not a heading"


def test_paragraphs_are_whitespace_normalised_and_joined_by_one_newline():
    lines = ["  first   line", "continues\there", "", "", "second", "   ", "third  "]
    assert normalise_paragraphs(lines) == "first line continues here\nsecond\nthird"
    assert normalise_paragraphs(["", "  "]) == ""


def test_sentences_split_on_boundaries_not_abbreviations():
    text = 'Items ship fast. Use e.g. tracked mail. He said "Done." Then $5 off! Approx. 3 days.'
    assert split_sentences(text) == [
        "Items ship fast.",
        "Use e.g. tracked mail.",
        'He said "Done."',
        "Then $5 off!",
        "Approx. 3 days.",
    ]
    assert split_sentences("version 2.5 is out. next lowercase stays") == [
        "version 2.5 is out. next lowercase stays"
    ]


def _sentences(n: int) -> list[str]:
    return [f"Sentence {i} has exactly seven words here." for i in range(n)]


def test_short_text_is_one_unchanged_passage():
    text = "Name: Trench\nPrice: $10"
    assert chunk_text(text, 120, 20) == [text]
    assert chunk_text("   ", 120, 20) == []


def test_chunks_respect_size_overlap_on_sentence_boundaries_and_cover_everything():
    sentences = _sentences(40)  # 280 words
    chunks = chunk_text(" ".join(sentences), max_words=60, overlap_words=15)
    assert len(chunks) > 4
    for chunk in chunks:
        assert len(chunk.split()) <= 60
        # sentence boundaries: every chunk starts and ends with whole sentences
        assert chunk.startswith("Sentence ") and chunk.endswith("here.")
    for before, after in zip(chunks, chunks[1:], strict=False):
        shared = [s for s in sentences if s in before and s in after]
        assert 1 <= sum(len(s.split()) for s in shared) <= 15
        overlap = " ".join(shared)
        assert before.endswith(overlap) and after.startswith(overlap)
    joined = " ".join(chunks)
    assert all(s in joined for s in sentences)


def test_paragraph_breaks_survive_chunking():
    paragraphs = [" ".join(_sentences(6)) for _ in range(5)]
    chunks = chunk_text("\n".join(paragraphs), max_words=50, overlap_words=10)
    assert any("\n" in c for c in chunks)
    assert all(len(c.split()) <= 50 for c in chunks)


def test_a_sentence_longer_than_a_passage_is_cut_into_word_windows_with_overlap():
    words = [f"w{i}" for i in range(300)]
    chunks = chunk_text(" ".join(words), max_words=120, overlap_words=20)
    sizes = [len(c.split()) for c in chunks]
    assert max(sizes) <= 120
    assert chunks[1].split()[:20] == chunks[0].split()[-20:]
    assert set(" ".join(chunks).split()) == set(words)


def test_overlap_falls_back_to_words_when_the_last_sentence_is_long():
    # Every sentence (7 words) is longer than the overlap (5 words).
    chunks = chunk_text(" ".join(_sentences(20)), max_words=60, overlap_words=5)
    assert len(chunks) >= 3
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert len(after.split()) <= 60
        assert after.split()[:5] == before.split()[-5:]


@pytest.mark.parametrize("overlap", [0, 5, 60])
def test_chunking_always_terminates_and_bounds_size(overlap):
    text = " ".join(_sentences(30))
    chunks = chunk_text(text, max_words=20, overlap_words=overlap)
    assert all(len(c.split()) <= 20 for c in chunks)
    assert chunks[-1].endswith("Sentence 29 has exactly seven words here.")
