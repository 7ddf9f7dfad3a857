"""Typo repair toward the knowledge base's words (qa_engine/retrieve/normalize.py)."""

from __future__ import annotations

from qa_engine.retrieve.normalize import KBNormalizer, QuestionNormalizer, words_of

KB = words_of([
    "Gift purchases can be returned without a receipt for store credit. Return labels are free.",
    "A restocking fee of $8 applies to opened fragrance. Exchanges within 14 days.",
    "The Harbor Waterproof Trench comes in Stone and Navy.",
    "Leather jackets are dry clean only.",
])
ENGLISH = {"can", "return", "a", "gift", "without", "the", "is", "what", "whats", "do",
           "we", "carry", "leather", "jackets", "form", "from", "harbor"}


def normalizer() -> QuestionNormalizer:
    return QuestionNormalizer(ENGLISH, KB)


def test_swapped_dropped_and_doubled_letters_are_repaired_toward_kb_words():
    n = normalizer()
    assert n.run("can i retrun a gift wihtout reciept") == "can i return a gift without receipt"
    assert n.run("whats the restcoking fee") == "whats the restocking fee"
    assert n.run("is the Harbr trench waterprooof") == "is the harbor trench waterproof"
    assert n.run("exchnage window") == "exchanges window"  # the closest word the KB uses


def test_known_words_kb_words_short_words_and_shorthand_are_never_touched():
    n = normalizer()
    # "form" is an English word (not a typo of "from"); "Stone" is the KB's; "cust"
    # and "pls" are agents' shorthand; "fe" is too short to judge.
    assert n.run("cust pls form Stone fe") == "cust pls form Stone fe"
    # nothing within reach in the KB: left as typed
    assert n.run("zqxwv giraffe") == "zqxwv giraffe"


def test_longer_words_allow_two_edits_short_ones_one():
    n = normalizer()
    assert n.correct_word("retrn") == "return"  # 5 letters, one edit
    assert n.correct_word("rtrn") == "rtrn"  # two edits away, too short to risk it
    assert n.correct_word("restokcnig") == "restocking"  # 10 letters, two edits


class _Collection:
    """A knowledge base whose passages change, as another process's ingest would."""

    def __init__(self, texts: list[str]) -> None:
        self.items = list(texts)

    def count(self) -> int:
        return len(self.items)

    def texts(self) -> list[str]:
        return list(self.items)


def test_kb_normalizer_learns_the_words_of_a_newly_ingested_kb():
    kb = _Collection(["Returns are accepted within 30 days."])
    live = KBNormalizer(kb, lambda: {"the"}, recheck_seconds=0.0)
    assert live.run("retruns") == "returns"
    assert live.run("mongrammed") == "mongrammed"
    kb.items.append("Monogrammed items cannot be returned.")
    assert live.run("mongrammed") == "monogrammed"
