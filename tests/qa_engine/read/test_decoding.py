"""Span decoding on hand-written logits: every expected value is worked out by hand."""

from __future__ import annotations

import pytest

from qa_engine.read.decoding import best_span, decode_window, merge_candidates
from qa_engine.types import SpanCandidate

# A window laid out like the tokenizer's: [CLS] question [SEP] context [SEP] (pad).
#            0:CLS  1:q    2:SEP   3:"Free"  4:"ship"  5:"over"  6:"$50"  7:SEP   8:pad
CONTEXT = "Free ship over $50"
OFFSETS = [None, None, None, (0, 4), (5, 9), (10, 14), (15, 18), None, None]
N = len(OFFSETS)


def logits(**at: float) -> list[float]:
    """-5 everywhere except the given positions (p0=..., p3=...)."""
    out = [-5.0] * N
    for key, value in at.items():
        out[int(key[1:])] = value
    return out


def test_best_span_is_picked_and_scored_as_start_plus_end():
    start = logits(p0=1.0, p3=2.0, p5=6.0)
    end = logits(p0=0.5, p4=1.0, p6=7.0)
    cands = decode_window(start, end, OFFSETS, CONTEXT, passage_id="p1", window=4)
    top = cands[0]
    assert (top.text, top.start, top.end) == ("over $50", 10, 18)
    assert top.score == pytest.approx(13.0)
    assert top.null_score == pytest.approx(1.5)  # CLS start + CLS end
    assert top.margin == pytest.approx(11.5)
    assert top.passage_id == "p1" and top.window == 4
    assert top.text == CONTEXT[top.start:top.end]
    scores = [c.score for c in cands]
    assert scores == sorted(scores, reverse=True)


def test_tokens_outside_the_context_are_never_chosen():
    # the question token, the final [SEP] and padding have the highest logits by far
    start = logits(p1=50.0, p7=40.0, p8=45.0, p4=1.0)
    end = logits(p1=50.0, p2=40.0, p8=45.0, p5=1.0)
    cands = decode_window(start, end, OFFSETS, CONTEXT)
    assert cands, "context spans must still be proposed"
    assert cands[0].text == "ship over"
    for c in cands:
        assert 0 <= c.start < c.end <= len(CONTEXT)
        assert c.text == CONTEXT[c.start:c.end]


def test_end_before_start_is_excluded():
    # best start at token 6, best end at token 3: that pair is not a span
    start = logits(p6=9.0, p3=1.0)
    end = logits(p3=9.0, p6=1.0)
    cands = decode_window(start, end, OFFSETS, CONTEXT)
    assert all(c.start < c.end for c in cands)
    assert 18.0 not in [c.score for c in cands]  # never start 9 + end 9
    assert max(c.score for c in cands) == pytest.approx(10.0)
    assert {cands[0].text, cands[1].text} == {"Free", "$50"}  # 9+1 either way


def test_spans_longer_than_max_answer_length_are_excluded():
    start = logits(p3=9.0, p5=2.0)
    end = logits(p6=9.0, p5=1.0)
    cands = decode_window(start, end, OFFSETS, CONTEXT, max_answer_length=2)
    assert all(c.text != "Free ship over $50" for c in cands)  # tokens 3..6 = 4 tokens
    assert cands[0].text == "over $50"  # 2 tokens: 2 + 9
    one = decode_window(start, end, OFFSETS, CONTEXT, max_answer_length=1)
    assert {c.text for c in one} <= {"Free", "ship", "over", "$50"}
    longest = decode_window(start, end, OFFSETS, CONTEXT, max_answer_length=4)
    assert longest[0].text == "Free ship over $50"


def test_n_best_limits_the_candidates():
    start = logits(p3=4.0, p4=3.0, p5=2.0, p6=1.0)
    end = logits(p3=1.0, p4=2.0, p5=3.0, p6=4.0)
    assert len(decode_window(start, end, OFFSETS, CONTEXT, n_best=20)) == 10  # 4+3+2+1 pairs
    three = decode_window(start, end, OFFSETS, CONTEXT, n_best=3)
    assert len(three) == 3
    assert three[0].text == "Free ship over $50"  # 4 + 4
    # n_best also limits which start/end positions are tried: only the top-1 of each
    one = decode_window(start, end, OFFSETS, CONTEXT, n_best=1)
    assert [c.text for c in one] == ["Free ship over $50"]


def test_null_score_comes_from_the_cls_position():
    start = logits(p0=3.0, p4=1.0)
    end = logits(p0=4.0, p4=1.0)
    cands = decode_window(start, end, OFFSETS, CONTEXT)
    assert all(c.null_score == pytest.approx(7.0) for c in cands)
    assert cands[0].margin == pytest.approx(2.0 - 7.0)  # "no answer" preferred: margin < 0
    other = decode_window(start, end, OFFSETS, CONTEXT, cls_index=8)
    assert other[0].null_score == pytest.approx(-10.0)


def test_shape_mismatch_raises_value_error():
    with pytest.raises(ValueError, match="equal length"):
        decode_window([0.0] * N, [0.0] * (N - 1), OFFSETS, CONTEXT)
    with pytest.raises(ValueError, match="equal length"):
        decode_window([0.0] * N, [0.0] * N, OFFSETS[:-1], CONTEXT)
    with pytest.raises(ValueError, match="1-D"):
        decode_window([[0.0] * N], [[0.0] * N], OFFSETS, CONTEXT)


def cand(pid: str, start: int, end: int, score: float, null: float, window: int = 0):
    return SpanCandidate(pid, f"{pid}[{start}:{end}]", start, end, score, null, window)


def test_best_span_compares_margins_not_raw_scores():
    # window a: high raw score but an even higher "no answer"; window b: modest but sure
    a = cand("p1", 0, 4, score=20.0, null=19.0, window=0)
    b = cand("p2", 5, 9, score=6.0, null=-2.0, window=1)
    assert best_span([a, b]) is b
    assert best_span([b, a]) is b
    assert best_span([]) is None


def test_best_span_ties_are_deterministic():
    first = cand("p1", 3, 8, score=5.0, null=1.0)
    later = cand("p1", 10, 15, score=5.0, null=1.0)
    higher_raw = cand("p2", 20, 25, score=6.0, null=2.0)  # same margin, higher score
    assert best_span([later, first]) is first
    assert best_span([first, later, higher_raw]) is higher_raw


def test_merge_keeps_one_copy_per_span_with_the_better_margin():
    # windows 0 and 1 of passage p1 overlap and both propose chars 10..18
    w0 = [cand("p1", 10, 18, score=8.0, null=5.0, window=0), cand("p1", 0, 4, 3.0, 5.0, 0)]
    w1 = [cand("p1", 10, 18, score=7.0, null=1.0, window=1)]
    # passage p2 has a span at the same offsets: a different span, kept separately
    w2 = [cand("p2", 10, 18, score=4.0, null=0.0, window=2)]
    merged = merge_candidates([w0, w1, w2])
    keys = [(c.passage_id, c.start, c.end) for c in merged]
    assert len(keys) == len(set(keys)) == 3
    same = [c for c in merged if c.passage_id == "p1" and c.start == 10]
    assert len(same) == 1 and same[0].window == 1 and same[0].margin == pytest.approx(6.0)
    assert [c.margin for c in merged] == [6.0, 4.0, -2.0]  # best margin first
    assert merge_candidates([w0, w1, w2], n_best=2) == merged[:2]
    assert best_span(merged) is merged[0]


def test_decoded_windows_of_one_passage_merge_into_one_ranking():
    # The same context seen by two windows with different CLS scores: the span's margin
    # is judged against its own window's null score.
    start_a, end_a = logits(p0=4.0, p5=5.0), logits(p0=4.0, p6=5.0)
    start_b, end_b = logits(p0=-1.0, p5=4.0), logits(p0=-1.0, p6=4.0)
    a = decode_window(start_a, end_a, OFFSETS, CONTEXT, passage_id="p", window=0)
    b = decode_window(start_b, end_b, OFFSETS, CONTEXT, passage_id="p", window=1)
    best = best_span(merge_candidates([a, b]))
    assert best.text == "over $50" and best.window == 1 and best.margin == pytest.approx(10.0)
