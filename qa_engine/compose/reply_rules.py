"""What a reply says, decided without a model: pure functions over the question and passage.

The composer (`composer.py`) fills the brand-voice templates; these rules decide what
goes in them. Each is a small, testable heuristic, argued where it is defined. They all
respect one invariant: the reader's span is never altered. A rule may drop words around
it (a clause that does not carry it), change the case of a first letter that is not part
of it, or add words (a product name, "Yes,"), never touch the span itself;
`carries_span` checks the result.

Why rules and not a model: composing must take well under 2 ms per answer on the CPU
that serves the bot, and what the agent pastes must be what the knowledge base says.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa_engine.types import SpanCandidate

_WORD = re.compile(r"[a-z0-9]+(?:['’/-][a-z0-9]+)*")
STOPWORDS = frozenset(
    """a an the is are was were be been am do does did of to in on for and or with at by from
    it its this that these those what which who whom how when where why can could i you we
    they he she my your our their me us them have has had will would should shall may might
    must not no any there here about as if so than then into out up get got just also please
    cust customer customers asking ask asks wants want know anyone tell let check whether""".split()
)


def words(text: str) -> list[str]:
    """Lower-case word tokens ("what's" and "xs/s" stay one token)."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOPWORDS}


# --- the question --------------------------------------------------------------------

# Agent framing around the real question: "cust asking if ...", "does anyone know if ...".
# Framing that ends in "if"/"whether" embeds a yes/no question in statement order
# ("cust asking if the overcoat is lined"), so it is yes/no whatever its first word.
_FRAMING = re.compile(
    r"^\s*(?:(?:hi|hey|hello)(?: (?:team|all|there|folks))?[,!.:]?\s+)?"
    r"(?:(?:quick|q)(?: q| question)?[:,]?\s+)?"
    r"(?:(?:cust|customer|cx|client|shopper|caller)s?\s+(?:is\s+|here\s+)?"
    r"(?:asking|asks|asked|wants to know|wondering|wonders|needs to know|enquiring|inquiring)"
    r"(?:\s+(?:about|me))?\s+"
    r"|(?:does|do)\s+(?:anyone|anybody|someone|you|we)\s+know\s+"
    r"|(?:can|could)\s+(?:you|someone|anyone|somebody)\s+(?:tell me|check|confirm|let me know)\s+"
    r"|(?:any idea|anyone know|wondering|just checking|checking|need to know)\s+)?",
    re.IGNORECASE,
)
_EMBEDDED = re.compile(r"^(?:if|whether)\s+", re.IGNORECASE)
_AUX = frozenset(
    """is are was were am do does did can could will would has have had should shall may
    might must isn't aren't wasn't doesn't don't didn't can't cannot couldn't won't wouldn't
    hasn't haven't shouldn't""".split()
)


@dataclass(frozen=True)
class ParsedQuestion:
    text: str  # framing removed
    yes_no: bool
    words: tuple[str, ...]


def read_question(question: str | None) -> ParsedQuestion | None:
    """The question without agent framing, and whether it asks yes or no."""
    if not question or not question.strip():
        return None
    core = _FRAMING.sub("", question.strip(), count=1)
    embedded = _EMBEDDED.match(core)
    if embedded:
        core = core[embedded.end():]
    tokens = tuple(words(core))
    yes_no = bool(embedded) or (bool(tokens) and tokens[0] in _AUX)
    return ParsedQuestion(core, yes_no, tokens)


# --- clauses ---------------------------------------------------------------------------

# Where a sentence may be cut. "semi" and "conj" separate clauses that can stand alone
# when the right one starts with a subject; "tail" introduces a list or an example that
# can be dropped but never stands alone. Conditions (", unless", ", if", ", provided",
# ", except") are never cut: dropping one would change what the policy says.
_CUTS = re.compile(
    r"(?P<semi>;\s+)"
    r"|(?P<conj>,\s+(?:and|but|so|yet|while|whereas)\s+)"
    r"|(?P<tail>,\s+(?:including|such as|for example|e\.g\.|like)\s+)"
    r"|(?P<fine>,\s+(?:not|or|with)\s+)"
)
_SUBJECT = frozenset(
    """the a an our your their we you there every each all most some any no many orders
    items members customers rewards points refunds returns exchanges shipping delivery
    stores gift""".split()
)
_LIMITS = ("only", "not", "if", "unless", "except", "when", "provided", "as", "after", "before")
_AUX_VERBS = frozenset(
    """is are was were be been can cannot could will would may might must should shall has
    have had do does did don't doesn't can't won't isn't aren't""".split()
)
_PREPOSITIONS = frozenset("in on at for to from with by of within after before over under".split())
_SUBORDINATE = frozenset(
    "if when unless once after before until while provided as although though because since "
    "for during within outside between".split()
)


@dataclass(frozen=True)
class _Cut:
    left_end: int  # the clause on the left ends here (the separator excluded)
    right_start: int  # the clause on the right starts here (after the conjunction)
    kind: str
    conjunction: str


def _cuts(sentence: str) -> list[_Cut]:
    out = []
    for m in _CUTS.finditer(sentence):
        kind = m.lastgroup or "fine"
        conj = m.group(0).strip(" ,;")
        out.append(_Cut(m.start(), m.end(), kind, conj))
    return out


def _standalone(piece: str) -> bool:
    """A clause that reads alone: starts with a subject word (not a pronoun) and has a verb."""
    first = (words(piece) or [""])[0]
    if re.match(r"(?i)(?:each|every|any) one\b|one\b", piece):
        return False  # "each one is valid for 60 days": one of what?
    starts = first in _SUBJECT or (piece[:1].isupper() and first not in STOPWORDS)
    return starts and len(piece.split()) >= 4 and _has_verb(piece)


def _has_verb(piece: str) -> bool:
    """Whether a clause has its verb, so that it is not an elliptical tail ("..., and the
    baby range in 0-24 months"): an auxiliary anywhere, a pronoun subject, or a word in -s
    or -ed after the subject's first words and before any preposition."""
    tokens = words(piece)
    if _AUX_VERBS & set(tokens) or tokens[:1] in (["we"], ["you"], ["they"]):
        return True
    for token in tokens[1:6]:
        if token in _PREPOSITIONS:
            return False
        if len(token) > 3 and token.endswith(("s", "ed")) and not token.endswith("ss"):
            return True
    return False


def stems(text: str, ignore: frozenset[str] = frozenset()) -> set[str]:
    """Content words cut to five letters: "refunded"/"refund", "delivery"/"deliver" meet."""
    return {w[:5] for w in content_words(text) if w not in ignore}


def asked(question: ParsedQuestion | None, ignore: frozenset[str] = frozenset()) -> set[str]:
    """What the question asks about: its content-word stems, less `ignore` (the title words:
    every passage about gift cards mentions gift cards)."""
    return stems(question.text, ignore) if question else set()


def clause_range(
    sentence: str, a: int, b: int, question: ParsedQuestion | None, trim_over_words: int,
    ignore: frozenset[str] = frozenset(),
) -> tuple[int, int]:
    """The part of `sentence` to send for a span at [a, b): the whole sentence, or the
    narrowest clause holding the span such that what is dropped says nothing the question
    asks about that the kept part does not already say. Without a question, or when the
    kept part shares nothing with it, only sentences over `trim_over_words` are cut.

    A left part is dropped only at "; " or ", and/but/so ..." followed by a clause that
    reads alone, and never in a sentence that opens with a condition ("If ..., we ...");
    a right part also at ", including ..." and the like, but never when it starts with a
    limit ("but only ...", "but not ..."): that would change what the policy says.
    """
    want = asked(question, ignore)
    long = len(sentence.split()) > trim_over_words
    opens_with_condition = (words(sentence) or [""])[0] in _SUBORDINATE
    los, his = [0], [len(sentence)]
    for cut in _cuts(sentence):
        right = sentence[cut.right_start:]
        if cut.kind == "fine":
            continue
        if cut.left_end >= b:
            limited = (words(right) or [""])[0] in _LIMITS
            if not limited and (cut.kind != "conj" or _standalone(right)):
                his.append(cut.left_end)
        elif (cut.right_start <= a and cut.kind != "tail" and not opens_with_condition
              and _standalone(right)
              and (right[:1].isupper() or cut.right_start < a)):
            los.append(cut.right_start)
    best = (0, len(sentence))
    for lo in los:
        for hi in his:
            kept = stems(sentence[lo:hi], ignore)
            dropped = stems(sentence[:lo] + " " + sentence[hi:], ignore)
            if (dropped & want) - kept or not (long or kept & want):
                continue
            if hi - lo < best[1] - best[0]:
                best = (lo, hi)
    return best


_NEGATION = re.compile(
    r"\b(?:not|cannot|can't|don't|doesn't|isn't|aren't|won't|wasn't|never|no longer|unable)\b"
    r"|n't\b|\bnon-", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:if|unless|when|where|once|until)\b", re.IGNORECASE)


def _pieces(sentence: str) -> list[tuple[int, int]]:
    """The sentence cut at every clause or list separator."""
    bounds, lo = [], 0
    for cut in _cuts(sentence):
        bounds.append((lo, cut.left_end))
        lo = cut.right_start if cut.kind != "fine" or cut.conjunction != "not" else cut.left_end
    bounds.append((lo, len(sentence)))
    return bounds


def _negated(piece: str) -> bool:
    """A negation that is not inside a condition ("... if a replacement is not available")."""
    m = _NEGATION.search(piece)
    return m is not None and not _CONDITION.search(piece, 0, m.start())


def negation_settles(sentence: str, a: int, b: int, question: ParsedQuestion,
                     ignore: frozenset[str] = frozenset()) -> bool:
    """Every clause the span touches is negated and about what was asked (it shares a word
    with the question beyond the title); or "only X, not Y" where the question asks about Y.
    """
    want = asked(question, ignore)
    pieces = _pieces(sentence)
    touched = [sentence[lo:hi] for lo, hi in pieces if lo < b and a < hi]
    if touched and all(_negated(p) for p in touched) and want & stems(" ".join(touched)):
        return True
    for (lo, hi), (lo2, hi2) in zip(pieces, pieces[1:], strict=False):
        tail = sentence[lo2:hi2].lstrip(" ,")
        if " only" in sentence[lo:hi] and tail.startswith("not ") and want & stems(tail):
            return True
    return False


_CONNECTIVES = re.compile(r"^(?:including|such as|like|e\.g\.|and|or|plus|in|both|either)\s+",
                          re.IGNORECASE)


def list_holds(text: str, question: ParsedQuestion, ignore: frozenset[str],
               min_items: int = 1) -> bool:
    """Whether a list in `text` holds what the question asks about.

    Items are cut at commas, "and", "or", ";"; an item matches when all its content words
    are in the question (less `ignore`, the title: "the Sage Hoodie" does not ask about
    the colour sage) and it holds one of the question's last two content words, where
    English puts what a yes/no question asks about ("do we ship to *Portugal*?"), not
    its setting ("do customers in Canada pay duties on *delivery*?"). Single letters
    (sizes S, M, L) count as content words. Prose needs `min_items` (3): "lost or
    stolen" is not a list of places we ship to.
    """
    tokens = [w for w in question.words if w not in ignore]
    content = [w for w in tokens if w not in STOPWORDS or len(w) == 1]
    last = set(content[-2:])
    items = []
    for item in re.split(r",\s*|\s+(?:and|or|&)\s+|;\s*", text):
        item = _CONNECTIVES.sub("", item.strip(" .!?()"))
        have = {w for w in words(item) if w not in STOPWORDS or len(w) == 1}
        if have and len(have) <= 4:  # list items are short; longer pieces are clauses
            items.append(have)
    if len(items) < min_items:
        return False
    return any(item <= set(tokens) and last & item for item in items)


def availability_settles(value: str, yes: Sequence[str], no: Sequence[str]) -> str | None:
    low = value.strip().lower()
    if any(low.startswith(n) for n in no):
        return "no"
    if any(low.startswith(y) for y in yes):
        return "yes"
    return None


# --- casing and punctuation --------------------------------------------------------------

_FUNCTION = frozenset(
    """the a an we you our your it its they their this that these those all each every most
    some any no there if when once orders items members customers""".split()
)


def lowerable(text: str, protected_from: int, reference: str) -> bool:
    """Whether text's first letter may be lower-cased: it is not part of the span (which
    starts at `protected_from` in text, or later) and the first word is not a name."""
    if not text or protected_from <= 0 or not text[0].isupper():
        return False
    first = text.split(None, 1)[0].rstrip(",.;:!?")
    return first.lower() in _FUNCTION or not is_name(text, reference)


def is_name(text: str, reference: str) -> bool:
    """The first word of `text` is a name or an acronym ("StyleSprint", "UPS", "Canada"):
    mixed or upper case, or capitalised somewhere in `reference` (the passage, edited text)
    where no sentence starts. "Final-sale", "Stores" are ordinary words."""
    first = (text.split(None, 1) or [""])[0].rstrip(",.;:!?")
    if not first[:1].isupper():
        return False
    if any(ch.isupper() for ch in first[1:]):
        return True
    return re.search(rf"[\w,;:] {re.escape(first)}(?![\w-])", reference) is not None


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def finish(text: str) -> str:
    """The sentence with final punctuation (a trailing ":" or "," becomes a full stop)."""
    text = text.rstrip()
    if re.search(r"[.!?…][\"'”’)\]]*$", text):
        return text
    return text.rstrip(",;: ") + "." if text[-1:] in ",;:" else text + "."


# --- the invariant ------------------------------------------------------------------------


def carries_span(reply: str, passage_text: str, start: int, end: int) -> bool:
    """The reply holds passage_text[start:end] verbatim (and the offsets are a real span)."""
    return 0 <= start < end <= len(passage_text) and passage_text[start:end] in reply


# --- declines ---------------------------------------------------------------------------

NO_MATCH, NO_ANSWER, UNSURE = "no_match", "no_answer", "unsure"


@dataclass(frozen=True)
class DeclineReason:
    """Why the bot declines; `passage_ids` are the passages to name first (unsure)."""

    kind: str
    passage_ids: tuple[str, ...] = ()


def decline_reason(
    on_topic: bool,
    best: SpanCandidate | None,
    candidates: Sequence[SpanCandidate],
    confidence: float = 0.0,
    threshold: float = 1.0,
    max_gap: float = 1.0,
) -> DeclineReason:
    """No passage about it / passages found but none answers / torn between two answers.

    "Unsure" needs the best span and the best span of another passage to be within
    `max_gap` of each other in margin (the reader's logit preference over "no answer",
    the quantity the calibration maps to confidence: with the shipped temperature of
    about 4, a gap of 1 is a few points of confidence), to say different things, and the
    best one to have at least half the decline threshold: two near-zero candidates are
    "none answers", not a close call.
    """
    if not on_topic or best is None:
        return DeclineReason(NO_MATCH)
    if confidence >= threshold / 2:
        for other in candidates:
            if other.passage_id == best.passage_id:
                continue
            if (best.margin - other.margin <= max_gap
                    and words(other.text) != words(best.text)):
                return DeclineReason(UNSURE, (best.passage_id, other.passage_id))
            break
    return DeclineReason(NO_ANSWER)
