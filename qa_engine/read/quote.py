"""The quote unit: widen a bare fragment to the clause that settles the question.

The reader is trained on spans annotators chose, and for many questions those are the
shortest thing that answers: "15%", "12", a phone number. An agent pastes the quote to a
customer, and "15%" answers "is there a student discount?" only to someone who can see
the passage. So after decoding, a span that is *bare* is widened, verbatim, to the
clause of its sentence that carries it (`reply_rules.clause_range`, the composer's own
clause cutter, so the reply and the quote agree on where a clause ends).

A span is bare when it says nothing but a quantity: every word is a number, a price, a
percentage, a size, a time or a unit ("15%", "$10", "12", "30 days", "1-800-555-0100").
It stays as it is when the question asks for exactly that quantity ("how much...",
"what's the price", "how many days", "phone number?") or is a terse topic ("first order
discount"): there the number is the answer and the clause would only dilute it. Spans
with words of their own are never touched: the reader chose them, and widening a right
phrase to a clause costs span F1 for nothing.

Why a step after decoding, not only new training labels: the label alone cannot make the
reader refuse to stop at a number when the annotators of most real QA did, and the rule
is cheap (no model), deterministic and tested with hand-written passages
(tests/qa_engine/read/test_quote.py). `settle_quote` is pure.
"""

from __future__ import annotations

import re

from qa_engine.compose.reply_rules import clause_range, read_question
from qa_engine.sentences import sentence_spans

#: A word that carries only a quantity: numbers, prices, percentages, sizes, ranges,
#: phone numbers, clock times, and the unit words that go with them.
_QUANTITY = re.compile(
    r"^(?:[$£€¥]?\d[\d,.:/\-–]*(?:%|st|nd|rd|th|am|pm|a\.m\.|p\.m\.|k|mm|cm|kg|g|lbs?|oz)?"
    r"|[+(]?\d[\d ()\-]{6,}\d"
    r"|xxs|xs|s|m|l|xl|xxl|xxxl|%|percent|usd|eur|gbp|cad"
    r"|days?|weeks?|months?|years?|hours?|hrs?|minutes?|mins?|business|working|calendar"
    r"|am|pm|a\.m\.|p\.m\.|up|to|and|or|off|per|each|size|sizes|free)$",
    re.IGNORECASE,
)
_HAS_DIGIT = re.compile(r"\d")
#: Question words that ask for the quantity itself.
_ASKS_QUANTITY = re.compile(
    r"\b(?:how (?:much|many|long|far|old|soon|late|early|big|small|heavy|warm|tall)"
    r"|what time|when|until|price|prices|cost|costs|fee|fees|charge|number|phone|percentage"
    r"|percent|rate|amount|minimum|min|maximum|max|limit|deadline|window|hours|age|height"
    r"|weight|length|temperature|rating|size|sizes|measurements?|dimensions?)\b",
    re.IGNORECASE,
)
MAX_QUOTE_WORDS = 40


def is_bare(span: str) -> bool:
    """Whether `span` says nothing but a quantity ("15%", "$10", "30 days", "12")."""
    tokens = span.strip(" .,;:!?\"'()").split()
    if not tokens or not _HAS_DIGIT.search(span):
        return False
    return all(_QUANTITY.match(t.strip(".,;:!?\"'()")) for t in tokens)


def asks_for_quantity(question: str) -> bool:
    """Whether the number is what the question wants: it names a quantity ("how much",
    "price", "when") and is not a yes/no question, or it is a terse topic of at most
    four words ("first order discount", "veteran discount"): an agent typing a topic
    wants the figure, one asking "is there ...?" or relaying a situation wants the rule."""
    read = read_question(question)
    if read is None:
        return False
    if read.yes_no:
        return False
    return bool(_ASKS_QUANTITY.search(read.text)) or len(read.words) <= 4


def settle_quote(question: str, text: str, start: int, end: int,
                 trim_over_words: int = 25) -> tuple[int, int]:
    """The quote's character range in `text`: [start, end) itself, or, for a bare span
    the question does not ask for as such, the clause of its sentence that carries it."""
    if start < 0 or end > len(text) or end <= start:
        return start, end
    span = text[start:end]
    if not is_bare(span) or asks_for_quantity(question):
        return start, end
    sentence = next(((a, b) for a, b in sentence_spans(text) if a <= start and end <= b), None)
    if sentence is None:
        return start, end
    lo, hi = sentence
    clo, chi = clause_range(text[lo:hi], start - lo, end - lo, read_question(question),
                            trim_over_words)
    lo, hi = lo + clo, lo + chi
    piece = text[lo:hi]
    # keep the quote verbatim but without a dangling separator or list label
    lead = len(piece) - len(piece.lstrip(" ,;:-–•*"))
    trail = len(piece) - len(piece.rstrip(" ,;:-–"))
    lo, hi = lo + lead, hi - trail
    if hi - lo <= end - start or len(text[lo:hi].split()) > MAX_QUOTE_WORDS:
        return start, end
    return lo, hi
