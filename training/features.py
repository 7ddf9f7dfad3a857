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
    """One row per window; token rows are unpadded, `batch()` pads to the longest row.

    Padding per batch rather than to `max_seq_length` matters on CPU: catalog rows
    and policy sections are far shorter than the window, and attention cost grows
    with the padded length.
    """

    columns: dict[str, list[list[int]]]
    start_positions: list[int]
    end_positions: list[int]
    example_index: list[int]
    pad_token_id: int = 0

    def __len__(self) -> int:
        return len(self.example_index)

    def batch(self, indices: Sequence[int]) -> dict[str, torch.Tensor]:
        width = max(len(self.columns["input_ids"][i]) for i in indices)
        out: dict[str, torch.Tensor] = {}
        for key, rows in self.columns.items():
            pad = self.pad_token_id if key == "input_ids" else 0
            out[key] = torch.tensor(
                [rows[i] + [pad] * (width - len(rows[i])) for i in indices], dtype=torch.long
            )
        out["start_positions"] = torch.tensor([self.start_positions[i] for i in indices])
        out["end_positions"] = torch.tensor([self.end_positions[i] for i in indices])
        return out


def build_features(
    examples: Sequence[QAExample],
    tokenizer: Any,
    max_seq_length: int = 256,
    doc_stride: int = 64,
    chunk: int = 1000,
) -> Features:
    """Tokenize and label every example (all windows, at most `max_seq_length` tokens)."""
    # No token_type_ids: peft's PeftModelForQuestionAnswering.forward drops them, so an
    # adapter never sees them in training; leaving them out for every method keeps
    # training, the merged serving model and full fine-tuning computing the same function.
    keys = ("input_ids", "attention_mask")
    cols: dict[str, list] = {k: [] for k in keys}
    starts: list[int] = []
    ends: list[int] = []
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
            padding=False,
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
            starts.append(start_tok)
            ends.append(end_tok)
            example_index.append(lo + ex_i)
    return Features(
        columns={k: v for k, v in cols.items() if v},
        start_positions=starts,
        end_positions=ends,
        example_index=example_index,
        pad_token_id=tokenizer.pad_token_id or 0,
    )
