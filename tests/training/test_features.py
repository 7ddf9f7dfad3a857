"""Training windows and their start/end labels, with the real MiniLM tokenizer."""

from __future__ import annotations

import pytest
import torch

from qa_engine.settings import bundled_minilm_path
from training.datasets import QAExample
from training.features import build_features

SHORT = "Standard shipping is free on orders over $50; express shipping costs $12."
# ~120 words: several 64-token windows. The answer sits near the very end.
LONG = " ".join(
    f"Rule {i}: items bought in store number {i} follow the usual return steps." for i in range(12)
) + " Swimwear can only be returned with the hygiene liner still attached."


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(bundled_minilm_path())


def ex(question: str, context: str, answer: str, start: int | None = None) -> QAExample:
    if not answer:
        return QAExample(question, context, "", -1)
    return QAExample(question, context, answer, context.index(answer) if start is None else start)


def squash(text: str) -> str:
    """Uncased MiniLM decodes lower case and spaces out punctuation: compare without both."""
    return "".join(text.lower().split())


def labelled_text(feats, tokenizer, row: int) -> str:
    ids = feats.columns["input_ids"][row]
    s, e = feats.start_positions[row], feats.end_positions[row]
    return tokenizer.decode(ids[s:e + 1])


@pytest.mark.parametrize(
    ("question", "context", "answer"),
    [
        ("Is standard shipping free?", SHORT, "free on orders over $50"),
        ("How much is express?", SHORT, "$12"),
        ("What does express shipping cost?", SHORT, "express shipping costs $12."),
        ("What is the first word?", SHORT, "Standard"),
    ],
)
def test_labels_point_at_the_answer_tokens(tokenizer, question, context, answer):
    feats = build_features([ex(question, context, answer)], tokenizer, 64, 16)
    assert len(feats) == 1 and feats.example_index == [0]
    s, e = feats.start_positions[0], feats.end_positions[0]
    assert 0 < s <= e
    assert squash(labelled_text(feats, tokenizer, 0)) == squash(answer)


def test_the_second_occurrence_is_labelled_when_answer_start_says_so(tokenizer):
    start = SHORT.index("shipping", 20)  # "express shipping", not "Standard shipping"
    feats = build_features([ex("Which shipping?", SHORT, "shipping", start)], tokenizer, 64, 16)
    ids = feats.columns["input_ids"][0]
    s = feats.start_positions[0]
    assert tokenizer.decode(ids[s - 1:s + 1]) == "express shipping"


def test_unanswerable_questions_point_every_window_at_cls(tokenizer):
    feats = build_features([ex("Do you ship to Mars?", SHORT, ""),
                            ex("Is there a store on the moon?", LONG, "")], tokenizer, 64, 16)
    assert len(feats) > 2
    assert set(feats.start_positions) == {0} and set(feats.end_positions) == {0}
    assert all(ids[0] == tokenizer.cls_token_id for ids in feats.columns["input_ids"])


def test_long_context_gives_overlapping_windows_and_only_one_holds_the_answer(tokenizer):
    answer = "with the hygiene liner still attached"
    max_len, stride = 64, 16
    feats = build_features([ex("Can I return swimwear?", LONG, answer)], tokenizer, max_len, stride)
    n = len(feats)
    assert n >= 4 and feats.example_index == [0] * n
    rows = feats.columns["input_ids"]
    assert all(len(r) <= max_len for r in rows)
    q_len = len(tokenizer("Can I return swimwear?")["input_ids"])  # [CLS] q [SEP]
    contexts = [r[q_len:-1] for r in rows]  # between the question's [SEP] and the last [SEP]
    for a, b in zip(contexts, contexts[1:], strict=False):
        assert a[-stride:] == b[:stride], "neighbouring windows must share `stride` tokens"
    # together the windows cover the whole context
    full = tokenizer(LONG, add_special_tokens=False)["input_ids"]
    joined = contexts[0] + [t for c in contexts[1:] for t in c[stride:]]
    assert joined == full
    # the answer is at the very end: only the last window holds it, the others point at CLS
    labelled = [i for i in range(n) if feats.start_positions[i] != 0]
    assert labelled == [n - 1]
    assert squash(labelled_text(feats, tokenizer, n - 1)) == squash(answer)
    assert all(feats.end_positions[i] == 0 for i in range(n - 1))


def test_answer_cut_by_a_window_edge_is_not_labelled_in_that_window(tokenizer):
    """A window that holds only part of the answer must point at CLS, never at half of it."""
    answer = "items bought in store number 5 follow the usual return steps. Rule 6: items"
    feats = build_features([ex("Which rule?", LONG, answer)], tokenizer, 64, 16)
    for i in range(len(feats)):
        if feats.start_positions[i]:
            assert squash(labelled_text(feats, tokenizer, i)) == squash(answer)
    assert any(feats.start_positions[i] for i in range(len(feats)))


def test_example_index_maps_windows_back_to_examples(tokenizer):
    examples = [ex("q1?", SHORT, "$12"), ex("q2?", LONG, ""), ex("q3?", SHORT, "")]
    feats = build_features(examples, tokenizer, 64, 16, chunk=2)  # crosses a chunk boundary
    idx = feats.example_index
    assert idx == sorted(idx) and set(idx) == {0, 1, 2}
    assert idx.count(0) == 1 and idx.count(1) > 1 and idx.count(2) == 1


def test_batch_pads_to_the_longest_row(tokenizer):
    feats = build_features([ex("Is shipping free?", SHORT, "free"),
                            ex("Swimwear?", LONG, "hygiene liner")], tokenizer, 64, 16)
    short_row = 0
    long_row = len(feats) - 1
    batch = feats.batch([short_row, long_row])
    width = max(len(feats.columns["input_ids"][i]) for i in (short_row, long_row))
    assert batch["input_ids"].shape == (2, width)
    n_short = len(feats.columns["input_ids"][short_row])
    assert n_short < width
    assert (batch["input_ids"][0, n_short:] == tokenizer.pad_token_id).all()
    assert batch["attention_mask"][0].tolist() == [1] * n_short + [0] * (width - n_short)
    assert batch["start_positions"].tolist() == [feats.start_positions[short_row],
                                                 feats.start_positions[long_row]]
    assert batch["input_ids"].dtype == torch.long
    # no segment ids: peft's QA wrapper would drop them, so the model never trains on them
    assert set(batch) == {"input_ids", "attention_mask", "start_positions", "end_positions"}
