"""Turning document text into reader-sized passages (pure functions, no models).

The span reader sees one passage at a time inside a 256-token window, so passages
are kept to `passage_max_words` words. Consecutive passages of one section repeat
a little text (`passage_overlap_words`) so that an answer sitting on a boundary is
still whole in one of them. Cuts fall on sentence boundaries where possible
(`qa_engine.sentences.split_sentences`, the project's one splitter): a passage that
starts mid-sentence reads badly to an agent and confuses the reader.

Markdown is parsed just enough for a knowledge base: ATX headings (`#`..`######`)
give the document title and the section, and lines inside fenced code are never
mistaken for headings. The passage text convention is shared with the training
data generators (training/synth/kb.py), which must produce byte-for-byte the text
the reader later reads: a section's BODY only, each paragraph (a block between
blank lines) whitespace-normalised, paragraphs joined by a single newline. Inline
markup is kept as written for the same reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa_engine.sentences import split_sentences

_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")


@dataclass(frozen=True)
class Section:
    """The body of one heading: `heading` is the path below the document title."""

    heading: str
    body: str  # normalised paragraphs joined with "\n"; may be empty


def _collapse(text: str) -> str:
    return " ".join(text.split())


def normalise_paragraphs(lines: list[str]) -> str:
    """Whitespace-normalised paragraphs joined with a single newline.

    A paragraph is a block of lines between blank lines; its lines are joined with a
    space and runs of whitespace collapsed. Nothing else is rewritten (see above).
    """
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append(_collapse(" ".join(current)))
            current = []
    return "\n".join(paragraphs)


def parse_markdown(text: str) -> tuple[str | None, list[Section]]:
    """The document title (first `# ` heading) and its sections, in order.

    A section's heading is the nearest heading above its text; text under the title
    before the first subheading gets the title as its heading, text before any
    heading gets "". Sections with an empty body are returned too (callers drop
    them) so the heading structure stays testable.
    """
    title: str | None = None
    current: str | None = None  # heading of the text being collected
    sections: list[Section] = []
    body: list[str] = []
    in_fence = False

    def flush() -> None:
        sections.append(Section(current or "", normalise_paragraphs(body)))
        body.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
            body.append(line)
            continue
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            body.append(line)
            continue
        flush()
        current = _collapse(match.group(2))
        if len(match.group(1)) == 1 and title is None:
            title = current
    flush()
    return title, [s for s in sections if s.heading or s.body]


@dataclass(frozen=True)
class _Unit:
    text: str
    words: int
    para_end: bool  # the unit closes its paragraph: join the next one with "\n"


def _units(text: str, max_piece: int) -> list[_Unit]:
    units: list[_Unit] = []
    for paragraph in text.split("\n"):
        sentences = split_sentences(paragraph)
        for si, sentence in enumerate(sentences):
            words = sentence.split()
            last = si == len(sentences) - 1
            if len(words) <= max_piece:
                units.append(_Unit(" ".join(words), len(words), last))
                continue
            # A sentence longer than a passage: cut it into word windows.
            for start in range(0, len(words), max_piece):
                piece = words[start : start + max_piece]
                end = start + max_piece >= len(words)
                units.append(_Unit(" ".join(piece), len(piece), last and end))
    return units


def _join(units: list[_Unit]) -> str:
    out: list[str] = []
    for i, unit in enumerate(units):
        if i:
            out.append("\n" if units[i - 1].para_end else " ")
        out.append(unit.text)
    return "".join(out)


def _overlap(chunk: list[_Unit], overlap_words: int) -> list[_Unit]:
    """The tail of `chunk` to repeat at the start of the next passage."""
    if overlap_words <= 0:
        return []
    tail: list[_Unit] = []
    words = 0
    for unit in reversed(chunk):
        if words + unit.words > overlap_words:
            break
        tail.insert(0, unit)
        words += unit.words
    if tail:
        return tail
    # The last sentence alone is longer than the overlap: repeat its last words.
    last = chunk[-1]
    piece = last.text.split()[-overlap_words:]
    return [_Unit(" ".join(piece), len(piece), last.para_end)]


def chunk_text(text: str, max_words: int, overlap_words: int) -> list[str]:
    """Split `text` into passages of at most `max_words` words with a small overlap.

    Text that already fits is returned unchanged (one passage). Otherwise sentences
    are packed greedily; the next passage starts with the previous one's last whole
    sentences totalling at most `overlap_words` words (or, when its last sentence
    is longer than that, with that sentence's last `overlap_words` words). Every
    passage adds at least one new sentence, so the loop always ends.
    """
    if max_words < 1:
        raise ValueError("max_words must be at least 1")
    overlap_words = max(0, min(overlap_words, max_words // 2))
    text = text.strip()
    if not text:
        return []
    if len(text.split()) <= max_words:
        return [text]
    units = _units(text, max(1, max_words - overlap_words))
    chunks: list[str] = []
    carry: list[_Unit] = []
    i = 0
    while i < len(units):
        # Drop repeated text from the front until the next new unit fits.
        while carry and sum(u.words for u in carry) + units[i].words > max_words:
            carry = carry[1:]
        chunk = list(carry)
        words = sum(u.words for u in chunk)
        start = i
        while i < len(units) and (i == start or words + units[i].words <= max_words):
            chunk.append(units[i])
            words += units[i].words
            i += 1
        chunks.append(_join(chunk))
        carry = _overlap(chunk, overlap_words) if i < len(units) else []
    return chunks
