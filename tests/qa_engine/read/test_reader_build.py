"""`SpanReader.from_model_dir`: the one construction, configured from the model's metadata.

Nothing is loaded here: construction is cheap, weights load in `warm_up()`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_engine.protocols import Reader
from qa_engine.read.build import build_reader
from qa_engine.read.reader import MODEL_META_FILE, SpanReader
from qa_engine.settings import Settings, bundled_minilm_path


def _model_dir(tmp_path: Path, meta: dict) -> Path:
    d = tmp_path / "v1"
    d.mkdir()
    (d / MODEL_META_FILE).write_text(json.dumps(meta))
    return d


def test_window_and_base_model_come_from_the_model_dir(tmp_path):
    d = _model_dir(tmp_path, {"base_model": "bundled:all-MiniLM-L6-v2",
                              "train_config": {"max_seq_length": 128, "doc_stride": 32}})
    reader = SpanReader.from_model_dir(d)
    assert (reader.config.max_seq_length, reader.config.doc_stride) == (128, 32)
    assert reader.base_model == bundled_minilm_path()
    assert reader.model_version == "v1" and isinstance(reader, Reader)


def test_overrides_win_and_unknown_ones_are_refused(tmp_path):
    d = _model_dir(tmp_path, {"base_model": "some/hub-model",
                              "train_config": {"max_seq_length": 128, "doc_stride": 32}})
    reader = SpanReader.from_model_dir(d, base_model="other/model", n_best=5, doc_stride=None)
    assert reader.base_model == "other/model"
    assert (reader.config.n_best, reader.config.doc_stride) == (5, 32)
    assert SpanReader.from_model_dir(d).base_model == "some/hub-model"
    with pytest.raises(TypeError, match="not a reader setting"):
        SpanReader.from_model_dir(d, windowz=3)


def test_serving_uses_the_models_window_unless_the_settings_name_one(tmp_path):
    d = _model_dir(tmp_path, {"train_config": {"max_seq_length": 128, "doc_stride": 32}})
    plain = build_reader(Settings(_env_file=None, data_dir=tmp_path, engine={"adapter_dir": d}))
    assert (plain.config.max_seq_length, plain.config.doc_stride) == (128, 32)
    assert plain.model_version == "path:v1"
    pinned = build_reader(Settings(_env_file=None, data_dir=tmp_path,
                                   engine={"adapter_dir": d, "max_seq_length": 384,
                                           "doc_stride": 64, "n_best": 7}))
    assert (pinned.config.max_seq_length, pinned.config.doc_stride) == (384, 64)
    assert pinned.config.n_best == 7


def test_a_full_model_dir_with_its_own_tokenizer_reads_with_it(tmp_path):
    d = _model_dir(tmp_path, {})
    assert SpanReader.from_model_dir(d)._tokenizer_source() == bundled_minilm_path()
    (d / "tokenizer_config.json").write_text("{}")
    assert SpanReader.from_model_dir(d)._tokenizer_source() == str(d)


def test_the_shipped_adalora_adapter_loads_with_its_saved_ranks_and_no_false_warning():
    """peft 0.21 warns that every AdaLoRA rank_pattern key "matched no module" (it compares
    parameter names with module names); the modules are resized all the same. The load
    proves each rank against the pattern and keeps the false alarm out of the logs."""
    import warnings

    import qa_engine
    from qa_engine.read.reader import adalora_ranks, load_qa_model

    shipped = Path(qa_engine.__file__).parent / "assets" / "reader"
    pattern = json.loads((shipped / "adapter_config.json").read_text())["rank_pattern"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load_qa_model(shipped, str(bundled_minilm_path()), merge=False)
    assert not [w for w in caught if "rank_pattern" in str(w.message)]
    ranks = adalora_ranks(model)
    assert ranks == {k.split(".lora_E")[0]: sum(v) for k, v in pattern.items()}
    assert sum(ranks.values()) < 12 * len(ranks)  # pruned: not every matrix at init_r


def test_any_hugging_face_qa_model_directory_serves_with_one_setting(tmp_path):
    """Swapping the reader for another Hugging Face extractive-QA model is one setting
    (`STYLESPRINT_ADAPTER_DIR`): a directory as `save_pretrained` writes it, with no
    StyleSprint metadata and no calibration, loads, reads and answers verbatim."""
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from qa_engine.types import Passage

    d = tmp_path / "other-qa-model"
    AutoModelForQuestionAnswering.from_pretrained(bundled_minilm_path()).save_pretrained(d)
    AutoTokenizer.from_pretrained(bundled_minilm_path()).save_pretrained(d)
    reader = build_reader(Settings(_env_file=None, data_dir=tmp_path / "data",
                                   engine={"adapter_dir": d}))
    reader.warm_up()
    text = "Returns are accepted within 30 days of delivery. Shipping is free over $50."
    passage = Passage(id="p1", text=text, title="Returns", source="returns.md")
    result = reader.run("how long do customers have to return an item?", [passage])
    assert reader.model_version == "path:other-qa-model"
    assert result.best is not None
    assert text[result.best.start:result.best.end] == result.best.text
