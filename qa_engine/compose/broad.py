"""Broad questions: "what's the return policy?", "shipping options?", "loyalty program".

Agents type these all day, and a span reader has nothing to point at: no one span of the
returns page *is* the return policy, so it declines or quotes a fragment. When the reader
declines a broad question, the engine answers it with the opening sentences of the
knowledge-base section the question names, verbatim and cited, instead.

A question is broad when, without agent framing and question words, it is one to three
topic words followed by a word that asks for a whole topic ("policy", "options", "rules",
"program", "how does X work"), or a bare topic of one or two words that names a section
title ("gift cards?"). The section must be named: every topic word has to be in the
passage's title, section heading or file name (five-letter stems, so "returns"/"return" and
"shipping"/"ship" meet). A question whose topic names no heading is left declined.

Pure functions; `broad_topic` and `pick_section` are tested with hand-written passages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa_engine.compose.reply_rules import read_question, stems
from qa_engine.sentences import sentence_spans
from qa_engine.types import RetrievedPassage

#: what an answer from a named section is worth: the section was found by its name and
#: is quoted whole, not read; shown as the confidence, like a catalog match's
BROAD_ANSWER_CONFIDENCE = 0.8
BROAD_SEARCH_K = 8  # passages searched for the section a broad question names
MAX_WORDS = 60

_WHOLE_TOPIC = frozenset(
    """policy policies option options rule rules process procedure program programme
    programs info information details terms overview guidelines work works""".split()
)
_LEAD = re.compile(
    r"^(?:what(?:'s| is| are)?|tell me about|explain|info on|details on|how (?:does|do)|"
    r"any info on|do we have an?|do we have)?\s*(?:the |our |your |a |an )?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z][a-z'-]*")


def broad_topic(question: str) -> tuple[str, ...] | None:
    """The topic words of a broad question, or None when the question asks something
    specific (it has a number, more than three topic words, or is a yes/no question about
    a detail)."""
    read = read_question(question)
    if read is None or re.search(r"\d", read.text):
        return None
    core = _LEAD.sub("", read.text.strip().rstrip("?!. ").lower(), count=1)
    words = _WORD.findall(core)
    if not words:
        return None
    asks_whole = words[-1] in _WHOLE_TOPIC
    topic = [w for w in (words[:-1] if asks_whole else words) if w not in _WHOLE_TOPIC]
    limit = 3 if asks_whole else 2
    if not topic or len(topic) > limit or (read.yes_no and not asks_whole):
        return None
    if not stems(" ".join(topic)):
        return None
    return tuple(topic)


def _heading_stems(hit: RetrievedPassage) -> set[str]:
    """Title, heading and the file's name ("loyalty-program.md"): what names a section."""
    name = hit.passage.source.rsplit("/", 1)[-1].rsplit(".", 1)[0].replace("-", " ")
    return stems(f"{hit.passage.title} {hit.passage.section} {name.replace('_', ' ')}")


def pick_section(topic: Sequence[str], hits: Sequence[RetrievedPassage],
                 question: str = "") -> RetrievedPassage | None:
    """The retrieved passage whose title or heading names every topic word; among several,
    the one whose heading also names what the question asks for ("options"), then the
    most similar. Catalog rows and reviews are never a section."""
    want = stems(" ".join(topic))
    asked = stems(question) - want
    named = [h for h in hits if h.passage.kind not in ("product", "review")
             and want <= _heading_stems(h)]
    if not named:
        return None
    return max(named, key=lambda h: (bool(asked & stems(h.passage.section)), h.score))


def broad_reply(hit: RetrievedPassage, start: int, end: int) -> str:
    """The reply: the section's opening sentences, verbatim, naming the section."""
    return f"From “{hit.passage.label}”: {hit.passage.text[start:end]}"


def opening(text: str, max_words: int = MAX_WORDS) -> tuple[int, int]:
    """The character range of the passage's opening sentences, at most `max_words` words
    (always at least the first sentence)."""
    spans = sentence_spans(text)
    if not spans:
        return 0, len(text)
    lo, hi = spans[0]
    for _a, b in spans[1:]:
        if len(text[lo:b].split()) > max_words:
            break
        hi = b
    return lo, hi
