"""SpanReader end to end on the session's tiny trained adapter: real tokenizer, real
merged model, real decoding and calibration."""

from __future__ import annotations

import math
import shutil

import pytest
import torch

from qa_engine.read.calibration import Calibration
from qa_engine.read.decoding import best_span, decode_window
from qa_engine.read.reader import ReaderConfig, SpanReader
from qa_engine.types import Passage

pytestmark = pytest.mark.usefixtures("one_torch_thread")

CONFIG = ReaderConfig(max_seq_length=64, doc_stride=16, n_best=200)


def _passages(tiny_reader) -> list[Passage]:
    returns, shipping, care = (tiny_reader.examples[i].context for i in (0, 1, 7))
    return [
        Passage(id="returns", text=returns, title="Returns", source="returns.md"),
        Passage(id="shipping", text=shipping, title="Shipping", source="shipping.md"),
        # long enough for several 64-token windows
        Passage(id="care", text=care + " " + care, title="Care", source="care.md"),
    ]


@pytest.fixture(scope="module")
def reader(tiny_reader) -> SpanReader:
    r = SpanReader(tiny_reader.dir, tiny_reader.base_model, config=CONFIG, model_version="tiny")
    r.warm_up()
    return r


def test_best_span_is_verbatim_text_of_its_passage(reader, tiny_reader):
    passages = _passages(tiny_reader)
    result = reader.run("How long do I have to return an online order?", passages)
    by_id = {p.id: p for p in passages}
    assert result.best is not None and result.best.passage_id in by_id
    assert result.best.text == by_id[result.best.passage_id].text[result.best.start:result.best.end]
    assert result.best.text.strip()
    assert 0.0 <= result.confidence <= 1.0
    assert result.threshold == 0.5  # no calibration.json in the tiny dir: the default
    for cand in result.candidates:
        assert cand.text == by_id[cand.passage_id].text[cand.start:cand.end]
    # candidates come ranked by margin and the best is the first
    margins = [c.margin for c in result.candidates]
    assert margins == sorted(margins, reverse=True) and result.candidates[0] == result.best


def test_long_passages_are_read_in_several_windows(reader, tiny_reader):
    passages = _passages(tiny_reader)
    cands = reader.candidates("How should I wash linen?", passages)
    windows = {c.window for c in cands}
    assert len(windows) > len(passages)
    care_windows = {c.window for c in cands if c.passage_id == "care"}
    assert len(care_windows) >= 3
    # spans from later windows still index the whole passage text correctly
    care = passages[2].text
    late = [c for c in cands if c.passage_id == "care" and c.window == max(care_windows)]
    assert late and all(c.start > len(care) // 3 and care[c.start:c.end] == c.text for c in late)


def test_reader_scores_match_the_trained_model(reader, tiny_reader):
    """What is served (merged adapter, reader tokenization) scores spans exactly as the
    in-memory model did at the end of training."""
    question, context = tiny_reader.examples[3].question, tiny_reader.examples[3].context
    passage = Passage(id="dress", text=context, title="Linen Wrap Dress", source="catalog.csv")
    served = best_span(reader.candidates(question, [passage]))

    enc = reader._tokenizer(question, context, truncation="only_second", max_length=64,
                            return_offsets_mapping=True, return_tensors="pt")
    raw = enc.pop("offset_mapping")[0].tolist()
    offsets = [tuple(o) if s == 1 else None
               for o, s in zip(raw, enc.sequence_ids(0), strict=True)]
    enc.pop("token_type_ids")
    with torch.inference_mode():
        out = tiny_reader.model(**enc)
    trained = best_span(decode_window(out.start_logits[0], out.end_logits[0], offsets, context,
                                      passage_id="dress", n_best=200, max_answer_length=48))
    assert (served.start, served.end) == (trained.start, trained.end)
    assert served.score == pytest.approx(trained.score, abs=1e-3)
    assert served.margin == pytest.approx(trained.margin, abs=1e-3)


def test_answered_follows_the_threshold_override(tiny_reader):
    reader = SpanReader(tiny_reader.dir, tiny_reader.base_model, config=CONFIG, threshold=0.0)
    passages = _passages(tiny_reader)[:2]
    question = "Is standard shipping free?"
    first = reader.run(question, passages)
    assert first.answered and first.threshold == 0.0
    conf = first.confidence
    assert 0.0 < conf < 1.0
    reader.threshold_override = conf  # exactly at the threshold still answers
    assert reader.run(question, passages).answered
    reader.threshold_override = min(1.0, conf + 1e-6)
    again = reader.run(question, passages)
    assert not again.answered and again.best == first.best  # same span, just declined
    reader.threshold_override = None  # back to the model's own (default 0.5)
    assert reader.run(question, passages).answered == (conf >= 0.5)


def test_calibration_stored_with_the_model_is_used(tiny_reader, tmp_path):
    model_dir = tmp_path / "calibrated"
    shutil.copytree(tiny_reader.dir, model_dir)
    Calibration(temperature=2.0, bias=1.0, threshold=0.7, fitted_on="test").save(model_dir)
    reader = SpanReader(model_dir, tiny_reader.base_model, config=CONFIG)
    result = reader.run("When do stores open on Sunday?", _passages(tiny_reader)[:2])
    assert reader.threshold == 0.7 and result.threshold == 0.7
    expected = 1 / (1 + math.exp(-(result.best.margin - 1.0) / 2.0))
    assert result.confidence == pytest.approx(expected)
    assert result.answered == (expected >= 0.7)


def test_warm_up_is_idempotent_and_no_passages_reads_nothing(reader):
    model = reader._model
    reader.warm_up()
    assert reader._model is model
    empty = reader.run("Anything?", [])
    assert empty.best is None and not empty.answered and empty.confidence == 0.0
