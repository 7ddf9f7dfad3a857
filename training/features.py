"""Training features: (question, context) pairs cut into windows with start/end labels.

As in transformers' question-answering example, a long context is split into
overlapping windows (`stride` tokens shared between neighbours); a window whose
context part contains the whole answer is labelled with its token positions, any
other window (and every window of an unanswerable question) points at [CLS],
which is what teaches the model its "no answer" score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from training.datasets import QAExample


@dataclass
class Features:
    """Tensors for training, one row per window."""

    tensors: dict[str, torch.Tensor]
    example_index: list[int]

    def __len__(self) -> int:
        return len(self.example_index)


def build_features(
    examples: Sequence[QAExample],
    tokenizer: Any,
    max_seq_length: int = 256,
    doc_stride: int = 64,
    chunk: int = 1000,
) -> Features:
    """Tokenize and label every example (all windows), padded to `max_seq_length`."""
    keys = ("input_ids", "attention_mask", "token_type_ids")
    cols: dict[str, list] = {k: [] for k in (*keys, "start_positions", "end_positions")}
    example_index: list[int] = []
    for lo in range(0, len(examples), chunk):
        batch = examples[lo : lo + chunk]
        enc = tokenizer(
            [e.question.strip() for e in batch],
            [e.context for e in batch],
            truncation="only_second",
            max_length=max_seq_length,
            stride=doc_stride,
            return_overflowing_tokens=True,
            return_offsets_mapping=True,
            padding="max_length",
        )
        for i, offsets in enumerate(enc["offset_mapping"]):
            ex_i = enc["overflow_to_sample_mapping"][i]
            ex = batch[ex_i]
            seq_ids = enc.sequence_ids(i)
            start_tok = end_tok = 0
            if ex.answerable:
                a_start = ex.answer_start
                a_end = a_start + len(ex.answer_text)
                ctx = [j for j, s in enumerate(seq_ids) if s == 1]
                if ctx and offsets[ctx[0]][0] <= a_start and offsets[ctx[-1]][1] >= a_end:
                    start_tok = next(j for j in ctx if offsets[j][1] > a_start)
                    end_tok = next(j for j in reversed(ctx) if offsets[j][0] < a_end)
            for k in keys:
                if k in enc:
                    cols[k].append(enc[k][i])
            cols["start_positions"].append(start_tok)
            cols["end_positions"].append(end_tok)
            example_index.append(lo + ex_i)
    tensors = {k: torch.tensor(v, dtype=torch.long) for k, v in cols.items() if v}
    return Features(tensors=tensors, example_index=example_index)
