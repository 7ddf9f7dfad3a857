"""Typo repair for agents' questions, against the knowledge base's own words.

Agents type fast: "can i retrun a gift wihtout receipt". A sub-word encoder splits
"retrun" into pieces that mean nothing, so retrieval drifts and the reader loses the
word that ties the question to the passage. The repair here is deliberately narrow:

* only a word that is neither an English word the encoder knows whole (its tokenizer's
  vocabulary) nor a word of the knowledge base is touched, so product names, tier names
  and jargon the KB uses are never "corrected";
* it becomes the knowledge-base word at the smallest Damerau-Levenshtein distance (a
  swapped pair of letters is one edit), at most 1 edit for words of up to 5 letters and
  2 for longer ones, ties broken by how often the KB uses the word; no such word, no
  change. Only corrections *toward the KB's vocabulary* can help retrieval and reading,
  so that is the only dictionary needed, and it is always the deployed KB's.

The corrected text is what the engine retrieves and reads with; the agent's own words
are what the reply, the records and the logs keep. Distances come from rapidfuzz (a
well-kept C++ library) rather than a hand-written edit-distance loop.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable

from rapidfuzz.distance import DamerauLevenshtein
from rapidfuzz.process import extract

from qa_engine.protocols import Retriever

_WORD = re.compile(r"[A-Za-z]+")
_MIN_LEN = 4
#: Agents' shorthand that is no typo (and not in an encoder's vocabulary).
SHORTHAND = frozenset("cust custs cx pls plz thx whats dont cant wont didnt isnt doesnt arent "
                      "im ive intl biz asap fyi btw rma sku eta ooo".split())


def words_of(texts: Iterable[str]) -> Counter[str]:
    """Lower-cased alphabetic words of `texts` (3+ letters) with their counts."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(w.lower() for w in _WORD.findall(text) if len(w) >= 3)
    return counts


def max_edits(word: str) -> int:
    return 1 if len(word) <= 5 else 2


class QuestionNormalizer:
    """Repairs misspelt words of a question toward the knowledge base's vocabulary.

    `known` is the set of words left alone whatever the KB says (the encoder's whole-word
    vocabulary); `kb_words` the KB's words with their counts (`words_of(passages)`).
    """

    def __init__(self, known: Iterable[str], kb_words: Counter[str]) -> None:
        self.known = frozenset(w.lower() for w in known) | SHORTHAND
        self.kb_words = kb_words
        self._choices = sorted(kb_words)
        self._cache: dict[str, str] = {}

    def correct_word(self, word: str) -> str:
        """The KB word `word` was meant to be, or `word` itself."""
        low = word.lower()
        if len(low) < _MIN_LEN or low in self.known or low in self.kb_words:
            return word
        if low in self._cache:
            return self._cache[low]
        limit = max_edits(low)
        matches = extract(low, self._choices, scorer=DamerauLevenshtein.distance,
                          score_cutoff=limit, limit=None)
        best = word
        if matches:
            # smallest distance first, then the word the KB uses most, then alphabetical
            ranked = sorted(matches, key=lambda m: (m[1], -self.kb_words[m[0]], m[0]))
            best = ranked[0][0]
        self._cache[low] = best
        return best

    def run(self, question: str) -> str:
        """`question` with each misspelt word replaced (case of the rest kept)."""
        return _WORD.sub(lambda m: self.correct_word(m.group(0)), question)


class KBNormalizer:
    """A `QuestionNormalizer` kept in step with a knowledge base that can change.

    Built on first use from the retriever's passages and the encoder's vocabulary, and
    rebuilt when the passage count changes (another process ingested), checked at most
    every `recheck_seconds`, so a running bot learns the words of a new KB.
    """

    def __init__(self, retriever: Retriever, known: Callable[[], Iterable[str]],
                 recheck_seconds: float = 60.0) -> None:
        self.retriever = retriever
        self.known = known
        self.recheck_seconds = recheck_seconds
        self._normalizer: QuestionNormalizer | None = None
        self._count = -1
        self._checked = 0.0
        self._lock = threading.Lock()

    def current(self) -> QuestionNormalizer:
        now = time.monotonic()
        if self._normalizer is None or now - self._checked >= self.recheck_seconds:
            with self._lock:
                if self._normalizer is None or now - self._checked >= self.recheck_seconds:
                    count = self.retriever.count()
                    if count != self._count or self._normalizer is None:
                        self._normalizer = QuestionNormalizer(
                            self.known(), words_of(self.retriever.texts()))
                        self._count = count
                    self._checked = now
        return self._normalizer

    def run(self, question: str) -> str:
        return self.current().run(question)
