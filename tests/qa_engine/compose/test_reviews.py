"""Reviews as reviews: split, stance, agreement and the reply's attribution (pure parts)."""

from __future__ import annotations

from qa_engine.compose.composer import Composer
from qa_engine.compose.reply_rules import carries_span
from qa_engine.compose.reviews import (
    Review,
    agreement,
    focus_on_product,
    is_review,
    product_of,
    review_at,
    split_reviews,
    stance,
    stars,
)
from qa_engine.types import Passage, RetrievedPassage

FIELD_LAYOUT = Passage(
    id="reviews.jsonl::1", source="reviews.jsonl", section="Customer reviews",
    title="Customer reviews: Ridgeway Leather Hiking Boot",
    text="They run small, I sized up half a size.\nFits true to size for me.\n"
         "Runs small for sure, order a size up.\nThe lace hook broke after a month.")


def one(text: str, **extra: object) -> Passage:
    return Passage(id="r1", text=text, title="Review", source="reviews.csv", kind="review",
                   **extra)  # type: ignore[arg-type]


def test_both_stored_shapes_are_reviews_and_name_their_product() -> None:
    assert is_review(FIELD_LAYOUT) and product_of(FIELD_LAYOUT) == "Ridgeway Leather Hiking Boot"
    single = one("Great.", product="Mistral Cashmere Scarf")
    assert is_review(single) and product_of(single) == "Mistral Cashmere Scarf"
    assert not is_review(Passage(id="p", text="x", title="Returns", source="r.md"))


def test_a_multi_review_passage_splits_per_paragraph_with_exact_offsets() -> None:
    parts = split_reviews(FIELD_LAYOUT)
    assert [p.text for p in parts] == FIELD_LAYOUT.text.split("\n")
    assert all(FIELD_LAYOUT.text[p.start:p.end] == p.text for p in parts)
    start = FIELD_LAYOUT.text.index("true to size")
    found = review_at(FIELD_LAYOUT, start, start + len("true to size"))
    assert found is not None and found.text == "Fits true to size for me."


def test_stance_takes_the_longest_match_so_negations_win() -> None:
    assert stance("It runs about a size small though.") == ("fit", "small")
    assert stance("Definitely size down.") == ("fit", "large")
    assert stance("The knit isn't waterproof at all.") == ("water", "wet")
    assert stance("Genuinely waterproof in a downpour.") == ("water", "dry")
    assert stance("Washed it on cold, no shrinking.", "warmth") is None
    assert stance("Nice buttons.") is None


def test_agreement_counts_the_same_pole_and_quotes_the_other() -> None:
    parts = split_reviews(FIELD_LAYOUT)
    agree = agreement("They run small, I sized up half a size.", parts[0], parts, None)
    assert (agree.total, agree.same, agree.aspect, agree.pole) == (4, 2, "fit", "small")
    assert agree.others == {"true": ["Fits true to size for me."]}


def test_agreement_without_a_known_aspect_uses_sentence_similarity(embedder) -> None:
    texts = ["The zipper pull snapped off.", "The zipper pull snapped off within a week.",
             "Lovely colour."]
    passages = [one(t, product="Bag").__class__(id=f"r{i}", text=t, title="Review",
                                                source="x", kind="review", product="Bag")
                for i, t in enumerate(texts)]
    reviews = [Review(p, 0, len(p.text)) for p in passages]
    agree = agreement("Lovely colour.", reviews[2], reviews, embedder)
    assert agree.aspect is None and (agree.total, agree.same) == (3, 1)


def test_a_review_reply_says_whose_words_with_stars_and_counts_and_keeps_the_span() -> None:
    passage = one("Solid boot. They run small, I sized up half a size.", rating=4,
                  review_date="2026-02-11", verified_buyer=True, product="Ridgeway Boot")
    start = passage.text.index("run small")
    parts = [Review(passage, 0, len(passage.text)), *split_reviews(FIELD_LAYOUT)[1:3]]
    agree = agreement("They run small, I sized up half a size.", parts[0], parts, None)
    reply = Composer(currency="$").review(parts[0], start, start + len("run small"), agree)
    assert reply.startswith("A verified buyer (★★★★☆, 2026-02-11) says: “They run small")
    assert "2 of 3 reviews of the Ridgeway Boot say it runs small" in reply
    assert "1 says it fits true to size: “Fits true to size for me.”" in reply
    assert carries_span(reply, passage.text, start, start + len("run small"))
    assert stars(None) == "" and stars(-1) == "" and stars(1) == "★☆☆☆☆"


def test_a_question_naming_a_product_reads_that_products_reviews() -> None:
    def hit(pid: str, product: str, score: float) -> RetrievedPassage:
        return RetrievedPassage(one("x", product=product).__class__(
            id=pid, text="x", title="Review", source="s", kind="review", product=product),
            score)

    hits = [hit("a", "Harbour Rain Mac", 0.6), hit("b", "Kestrel Waterproof Parka", 0.5),
            hit("c", "Kestrel Waterproof Parka", 0.4)]
    assert [h.passage.id for h in focus_on_product("is the kestrel parka warm", hits, 3)] == [
        "b", "c"]
    assert [h.passage.id for h in focus_on_product("is it warm", hits, 2)] == ["a", "b"]
