"""What makes a retrain fast without changing what it computes: length-grouped training
batches (the same windows, once each per epoch) and the dev split read many questions per
forward pass (the same spans and margins as one `score()` at a time)."""

from __future__ import annotations

import random

import pytest
import torch

from training.trainer import MEGABATCH, epoch_order


def padded_tokens(order: list[int], lengths: list[int], batch_size: int) -> int:
    return sum(max(lengths[j] for j in order[b:b + batch_size]) * len(order[b:b + batch_size])
               for b in range(0, len(order), batch_size))


def test_grouped_epoch_order_reads_every_window_once_with_less_padding():
    rng = random.Random(3)
    lengths = [rng.choice([20, 40, 90, 250]) + rng.randrange(10) for _ in range(2 * MEGABATCH * 16
                                                                              + 37)]
    grouped = epoch_order(lengths, 16, seed=5, group_by_length=True)
    plain = epoch_order(lengths, 16, seed=5, group_by_length=False)
    assert sorted(grouped) == list(range(len(lengths)))
    assert grouped == epoch_order(lengths, 16, seed=5, group_by_length=True)  # seeded
    assert grouped != epoch_order(lengths, 16, seed=6, group_by_length=True)
    # the short batch (37 % 16 windows) is the last one, so batch b is positions b*16..
    assert len(grouped) % 16 == 37 % 16
    assert padded_tokens(grouped, lengths, 16) < 0.8 * padded_tokens(plain, lengths, 16)
    # without grouping, the order is the trainer's historical seeded shuffle
    assert plain == torch.randperm(len(lengths),
                                   generator=torch.Generator().manual_seed(5)).tolist()


def test_reading_many_pairs_at_once_gives_the_spans_and_margins_of_score(tiny_reader):
    from qa_engine.read.reader import SpanReader
    from qa_engine.types import Passage

    reader = SpanReader.from_model_dir(tiny_reader.dir, tiny_reader.base_model)
    pairs = [(ex.question, Passage(id=f"p{i}", text=ex.context, title="t", source="s"))
             for i, ex in enumerate(tiny_reader.examples)]
    # a passage longer than the 64-token window: several windows of one pair
    long_text = " ".join(ex.context for ex in tiny_reader.examples[:8])
    pairs.append(("Where can I get a stubborn stain cleaned?",
                  Passage(id="long", text=long_text, title="t", source="s")))
    many = reader.best_spans(pairs, batch_size=5)
    one_by_one = [reader.score(q, [p]) for q, p in pairs]
    assert len(many) == len(pairs)
    for a, b in zip(many, one_by_one, strict=True):
        assert (a.text, a.start, a.end, a.passage_id) == (b.text, b.start, b.end, b.passage_id)
        assert a.margin == pytest.approx(b.margin, abs=1e-3)
    assert reader.best_spans([]) == []


def test_score_examples_reads_with_any_reader(tiny_reader):
    """A `Reader` without `best_spans` is read one `score()` at a time, to the same figures."""
    from qa_engine.read.reader import SpanReader
    from training.calibrate import score_examples

    reader = SpanReader.from_model_dir(tiny_reader.dir, tiny_reader.base_model)

    class OneAtATime:
        def score(self, question, passages):
            return reader.score(question, passages)

    batched = score_examples(reader, tiny_reader.examples)
    plain = score_examples(OneAtATime(), tiny_reader.examples)
    assert batched.predictions == plain.predictions
    assert batched.margins == pytest.approx(plain.margins, abs=1e-3)
    assert list(batched.f1_if_answered) == list(plain.f1_if_answered)
