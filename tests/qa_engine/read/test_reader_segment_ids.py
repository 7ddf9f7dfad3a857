"""A reader from any Hugging Face extractive-QA directory, BERT-style segment ids included,
and the model watcher following a pinned directory (STYLESPRINT_ADAPTER_DIR).

The model is a tiny randomly initialised `BertForQuestionAnswering` with a word-piece
vocabulary written here, saved with `save_pretrained`: nothing is downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qa_engine.read.build import build_reader
from qa_engine.read.reader import MODEL_META_FILE
from qa_engine.settings import Settings
from qa_engine.types import Passage
from qa_engine.watcher import ModelWatcher, start_model_watcher

WORDS = ("returns are accepted within 30 days of delivery shipping is free over 50 how "
         "long do customers have to return an item ? . $ , what the store opens at 9 am").split()
TEXT = "Returns are accepted within 30 days of delivery. Shipping is free over $50."
QUESTION = "how long do customers have to return an item?"


def save_tiny_bert(path: Path, seed: int = 0) -> Path:
    import torch
    from transformers import BertConfig, BertForQuestionAnswering, BertTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    vocab = path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n")
    BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True).save_pretrained(path)
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=5 + len(WORDS), hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=37, type_vocab_size=2,
                        max_position_embeddings=128)
    BertForQuestionAnswering(config).save_pretrained(path)
    return path


def segment_ids_seen(reader: Any) -> list[Any]:
    """The token type ids that reach the model's embedding layer during one read."""
    seen: list[Any] = []
    layer = reader._model.bert.embeddings.token_type_embeddings
    handle = layer.register_forward_hook(lambda _m, inputs, _o: seen.append(inputs[0].clone()))
    try:
        result = reader.run(QUESTION, [Passage(id="p1", text=TEXT, title="Returns",
                                               source="returns.md")])
    finally:
        handle.remove()
    assert result.best is not None
    assert TEXT[result.best.start:result.best.end] == result.best.text  # verbatim span
    return seen


def settings_for(tmp_path: Path, model_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data",
                    engine={"adapter_dir": model_dir, "max_seq_length": 64, "doc_stride": 16})


def test_a_bert_qa_directory_reads_with_its_segment_ids(tmp_path: Path) -> None:
    model_dir = save_tiny_bert(tmp_path / "bert-qa")
    reader = build_reader(settings_for(tmp_path, model_dir))
    reader.warm_up()
    (ids,) = segment_ids_seen(reader)
    assert set(ids.unique().tolist()) == {0, 1}  # question segment 0, passage segment 1


def test_a_stylesprint_trained_model_reads_without_them_as_it_was_trained(
        tmp_path: Path) -> None:
    model_dir = save_tiny_bert(tmp_path / "trained-here")
    (model_dir / MODEL_META_FILE).write_text(json.dumps({"method": "full"}))
    reader = build_reader(settings_for(tmp_path, model_dir))
    reader.warm_up()
    (ids,) = segment_ids_seen(reader)
    assert set(ids.unique().tolist()) == {0}  # none given: BERT's default, all zeros


class Serving:
    """The engine's side of a swap: what it serves now."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader

    @property
    def model_version(self) -> str:
        return self.reader.model_version

    def swap_reader(self, reader: Any) -> None:
        self.reader = reader


def test_the_watcher_follows_a_pinned_directory(tmp_path: Path) -> None:
    model_dir = save_tiny_bert(tmp_path / "pinned", seed=0)
    settings = settings_for(tmp_path, model_dir)
    first = build_reader(settings)
    first.warm_up()
    engine = Serving(first)
    watcher = ModelWatcher(settings, engine, interval_s=60)
    assert watcher.run().action == "pinned"  # unchanged

    (model_dir / "model.safetensors").write_bytes(b"")  # caught half-written
    refused = watcher.run()
    assert refused.action == "refused" and engine.reader is first
    assert watcher.run().reason == "refused before; unchanged since"

    save_tiny_bert(model_dir, seed=1)  # the new model is in place
    switched = watcher.run()
    assert switched.action == "switched", switched.reason
    assert engine.reader is not first and engine.model_version == "path:pinned"
    assert watcher.run().action == "pinned"

    started = start_model_watcher(settings, engine, 60)  # a serving process starts it
    try:
        assert started is not None
    finally:
        if started is not None:
            started.stop()


def test_no_watcher_when_watching_is_off(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, tmp_path / "none")
    assert start_model_watcher(settings, Serving(None), 0) is None
