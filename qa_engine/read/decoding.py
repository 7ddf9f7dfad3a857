"""Turning a QA head's start/end logits into answer spans: pure functions, no model.

This follows the decoding of transformers' question-answering example
(`utils_qa.postprocess_qa_predictions`): for every window of a passage take the
n-best start and end positions, keep the pairs that lie inside the context, in
order and no longer than `max_answer_length` tokens, and score a span as
start logit + end logit. The "no answer" score of a window is the logit pair at
the [CLS] position. A span's *margin* (span score minus null score of the same
window) is what the reader compares across windows and passages and what the
calibration turns into a probability, because raw scores of different windows
are not on a common scale while the margin is relative to the window itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qa_engine.types import SpanCandidate

Offsets = Sequence[tuple[int, int] | None]


def decode_window(
    start_logits: Sequence[float],
    end_logits: Sequence[float],
    offsets: Offsets,
    context: str,
    passage_id: str = "",
    window: int = 0,
    n_best: int = 20,
    max_answer_length: int = 48,
    cls_index: int = 0,
) -> list[SpanCandidate]:
    """The best spans of one window, highest score first.

    `offsets[i]` is the (start, end) character range of token i in `context`, or
    None for tokens that are not context (question, special tokens, padding);
    the tokenizer's `offset_mapping` with non-context entries blanked.
    """
    start = np.asarray(start_logits, dtype=np.float64)
    end = np.asarray(end_logits, dtype=np.float64)
    if start.shape != end.shape or start.ndim != 1 or len(offsets) != len(start):
        raise ValueError(
            "start_logits, end_logits and offsets must be 1-D and of equal length, got "
            f"{start.shape}, {end.shape}, {len(offsets)}"
        )
    null_score = float(start[cls_index] + end[cls_index])
    start_idx = np.argsort(start)[::-1][:n_best]
    end_idx = np.argsort(end)[::-1][:n_best]
    candidates: list[SpanCandidate] = []
    for s in start_idx:
        s_off = offsets[s]
        if s_off is None:
            continue
        for e in end_idx:
            e_off = offsets[e]
            if e_off is None or e < s or e - s + 1 > max_answer_length:
                continue
            char_start, char_end = int(s_off[0]), int(e_off[1])
            if char_end <= char_start:
                continue
            candidates.append(
                SpanCandidate(
                    passage_id=passage_id,
                    text=context[char_start:char_end],
                    start=char_start,
                    end=char_end,
                    score=float(start[s] + end[e]),
                    null_score=null_score,
                    window=window,
                )
            )
    candidates.sort(key=lambda c: c.score, reverse=True)
    return candidates[:n_best]


def best_span(candidates: Sequence[SpanCandidate]) -> SpanCandidate | None:
    """The candidate the reader most prefers over "no answer", across windows and passages.

    Ties on the margin go to the longer-context-independent raw score, then to
    the earlier span, so the result is deterministic.
    """
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c.margin, c.score, -c.start))


def merge_candidates(
    per_window: Sequence[Sequence[SpanCandidate]], n_best: int = 20
) -> list[SpanCandidate]:
    """All windows' candidates, best margin first, one entry per distinct passage span.

    Overlapping windows of one passage propose the same character span twice;
    keep the better-scored copy.
    """
    best: dict[tuple[str, int, int], SpanCandidate] = {}
    for window in per_window:
        for cand in window:
            key = (cand.passage_id, cand.start, cand.end)
            if key not in best or cand.margin > best[key].margin:
                best[key] = cand
    ranked = sorted(best.values(), key=lambda c: (c.margin, c.score), reverse=True)
    return ranked[:n_best]
