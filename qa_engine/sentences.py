"""The project's one sentence splitter (pure functions, no models, no dependencies).

Ingestion cuts passages on sentence boundaries (`ingest/chunking.py`), the composer
quotes whole sentences (`composer.py`), the retrieval-only baseline and the in-context
stand-in answer with one sentence (`training/evaluation/`). They must agree on where a
sentence ends, or the bot quotes half a sentence ("Happy to help! Monday to Friday, and
11 a.m. to 5 p.m. on weekends."): hence one splitter, owned by qa_engine.

A candidate boundary is `.`, `!` or `?` (a run of them, then optional closing quotes,
brackets or Markdown emphasis: "**Can I return it?** Yes."), whitespace, and a next
sentence that starts with a capital, a digit, an opening quote/bracket/emphasis mark or
a currency sign. A newline always ends a sentence: passage text keeps one paragraph (or
one catalog `Label: value` field) per line. The candidate is rejected when the word
before the stop is an abbreviation:

- always: `e.g.`, `i.e.`, `vs.`, `approx.`, `incl.`, `est.`, titles (`Mr.`, `Dr.`, ...);
- before a number: `No. 5`, `no. 5`, `Nos.`, `Approx.`, `ca.`;
- `a.m.` / `p.m.` before a weekday, a month or a time-zone word ("10 a.m. to 8 p.m.
  Monday to Friday", "11 p.m. Pacific Time"), but not before an ordinary capitalised word
  ("We open at 10 a.m. Orders placed ..."), which starts a new sentence;
- initialisms (`U.S.`, `U.K.`, `E.U.`) and `St.` / `Mt.` before a capitalised word, unless
  that word is one that opens sentences ("... within the U.S. The ..."), because names
  follow them ("U.S. Postal Service", "St. Louis").

Decimals ("2.5", "$89.00") never qualify: the stop is not followed by whitespace. A
lower-case next word never starts a sentence ("version 2.5 is out. next ..."): policy
prose is edited text, and a lower-case continuation is far more often an abbreviation
we do not know than a sloppy sentence start.

Why not pysbd (0.3.4, measured): on the 155 demo-KB passages both give exactly the same
sentences, but pysbd cuts the cases this project cares about ("10 a.m. to 8 p.m. |
Monday to Friday", "11 p.m. | Pacific Time", "Approx. | 3 days", "approx. | $5"), takes
1.1 ms per passage against 0.02 ms here (the composer's budget is 2 ms per answer), and
would be a new dependency. tests/qa_engine/test_sentences.py pins the cases.
"""

from __future__ import annotations

import re

# A stop (., !, ? runs, an ellipsis), closing quotes/brackets/emphasis, then whitespace.
_CANDIDATE = re.compile(r"[.!?…]+[\"'”’)\]*_]*(?=\s)")
_NEXT_START = re.compile(r"[\"'“‘(\[*_]*[A-Z0-9£$€¥]")
_WORD_BEFORE = re.compile(r"(\S+)$")

_ALWAYS = frozenset(
    "e.g. i.e. eg. ie. vs. approx. incl. est. mr. mrs. ms. dr. prof. sr. jr. cf. viz.".split()
)
_BEFORE_NUMBER = frozenset("no. nos. approx. ca. nr. fig. pp. p. vol. ch. art.".split())
_CLOCK = frozenset("a.m. p.m. am. pm.".split())
_AFTER_CLOCK = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur
    thurs fri sat sun weekdays weekends january february march april may june july august
    september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    pacific eastern central mountain atlantic local gmt utc bst cet cest et pt ct mt est edt
    pst pdt cst cdt mst mdt hst akst time""".split()
)
_CLOCK_TIME = re.compile(r"^\d{1,2}(?::\d\d)?[ap]\.?m\.$")
_NAME_PREFIX = frozenset("st. mt. ft.".split())
_INITIALISM = re.compile(r"^(?:[A-Za-z]\.){2,}$")
# Words that open sentences: after "U.S." or "St." they mean the sentence ended.
_OPENERS = frozenset(
    """the a an this that these those we you our your it its they their there he she if
    when while all each every any most some no please for in on at to orders items
    customers members returns refunds shipping""".split()
)


def _next_word(text: str, pos: int) -> str:
    match = re.match(r"\s*[\"'“‘(\[*_]*([A-Za-z0-9£$€¥][\w'’-]*)", text[pos:])
    return match.group(1) if match else ""


def _is_boundary(text: str, stop_start: int, stop_end: int) -> bool:
    """Whether the stop text[stop_start:stop_end] followed by whitespace ends a sentence."""
    nxt = stop_end
    while nxt < len(text) and text[nxt].isspace():
        nxt += 1
    if _NEXT_START.match(text, nxt) is None:
        return False
    if text[stop_start] != ".":
        return True  # ! ? and ellipses are never abbreviations
    before = _WORD_BEFORE.search(text, 0, stop_start + 1)
    word = before.group(1).lower().lstrip("(\"'“‘[") if before else ""
    following = _next_word(text, stop_end)
    if word in _ALWAYS:
        return False
    if word in _BEFORE_NUMBER and following[:1].isdigit():
        return False
    if word in _CLOCK or _CLOCK_TIME.match(word):
        return following.lower() not in _AFTER_CLOCK
    if word in _NAME_PREFIX or (_INITIALISM.match(word) and word not in _CLOCK):
        return following.lower() in _OPENERS or not following[:1].isalpha()
    return True


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges [start, end) of the sentences of `text`, in order.

    Every line is split on its own (a newline always ends a sentence); ranges exclude
    surrounding whitespace, so `text[a:b]` is a sentence exactly as written and the
    ranges never overlap. Empty lines give no range.
    """
    spans: list[tuple[int, int]] = []
    line_start = 0
    for line in text.split("\n"):
        cut = 0
        for match in _CANDIDATE.finditer(line):
            if _is_boundary(line, match.start(), match.end()):
                _add(spans, line, line_start, cut, match.end())
                cut = match.end()
        _add(spans, line, line_start, cut, len(line))
        line_start += len(line) + 1
    return spans


def _add(spans: list[tuple[int, int]], line: str, offset: int, lo: int, hi: int) -> None:
    piece = line[lo:hi]
    stripped = piece.strip()
    if stripped:
        lead = len(piece) - len(piece.lstrip())
        spans.append((offset + lo + lead, offset + lo + lead + len(stripped)))


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (lines split too), whitespace-trimmed, as written."""
    return [text[a:b] for a, b in sentence_spans(text)]
