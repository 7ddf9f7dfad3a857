"""Speed options: the question-embedding cache, int8 quantisation, the OpenMP wait policy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa_engine.read.speed import LRUCache


def test_lru_cache_keeps_the_most_recently_used():
    cache: LRUCache[int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)  # evicts "b"
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert (cache.hits, cache.misses, len(cache)) == (3, 1, 2)
    off: LRUCache[int] = LRUCache(0)
    off.put("a", 1)
    assert off.get("a") is None and len(off) == 0
    with pytest.raises(ValueError):
        LRUCache(-1)


def test_retriever_caches_question_vectors_but_not_passages(tmp_path, embedder):
    from qa_engine.retrieve.chroma_store import get_collection, make_client
    from qa_engine.retrieve.retriever import ChromaRetriever
    from qa_engine.settings import Settings

    settings = Settings(_env_file=None, data_dir=tmp_path)
    collection = get_collection(make_client(settings), "speed")
    text = "Online orders can be returned within 30 days of delivery."
    collection.add(ids=["returns"], documents=[text],
                   embeddings=embedder.embed([text]).tolist(), metadatas=[{"title": "Returns"}])
    retriever = ChromaRetriever(collection, embedder, top_k=2, cache_size=8)
    question = "How long do I have to return an online order?"
    first = retriever.run(question)
    assert retriever.cache.misses == 1 and retriever.cache.hits == 0
    # a passage ingested after the first question is found by the repeated one
    newer = "Exchanges of online orders are free within 30 days."
    collection.add(ids=["exchanges"], documents=[newer],
                   embeddings=embedder.embed([newer]).tolist(), metadatas=[{"title": "Exchanges"}])
    second = retriever.run(question)
    assert retriever.cache.hits == 1
    assert [r.passage.id for r in first] == ["returns"]
    assert {r.passage.id for r in second} == {"returns", "exchanges"}
    assert second[[r.passage.id for r in second].index("returns")].score == pytest.approx(
        first[0].score)


def test_int8_reader_is_quantised_and_still_reads_the_span():
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

    from qa_engine.read.reader import ReaderConfig, SpanReader
    from qa_engine.registry import SHIPPED_MODEL_DIR
    from qa_engine.settings import bundled_minilm_path
    from qa_engine.types import Passage

    passage = Passage(id="p", title="Returns", source="returns.md",
                      text="Online orders can be returned within 30 days of delivery for a "
                           "full refund. Store purchases can be returned within 14 days.")
    question = "How long do I have to return an online order?"
    spans = {}
    for int8 in (False, True):
        reader = SpanReader(SHIPPED_MODEL_DIR, bundled_minilm_path(), ReaderConfig(int8=int8))
        reader.warm_up()
        kinds = {type(m) for m in reader._model.modules()}
        assert (DynamicQuantizedLinear in kinds) is int8
        assert (torch.nn.Linear in kinds) is not int8
        spans[int8] = reader.run(question, [passage]).best.text
    assert "30 days" in spans[False] and "30 days" in spans[True]


def test_int8_question_embeddings_find_the_same_passages(embedder):
    from qa_engine.retrieve.embedder import Embedder

    quantised = Embedder(embedder.model_path, int8=True)
    questions = ["What is the return window for online orders?", "Do you ship to Canada?",
                 "How do I wash a linen dress?"]
    passages = embedder.embed([  # stored passages stay float, as after `stylesprint ingest`
        "Online orders can be returned within 30 days of delivery.",
        "We ship to 38 countries, including Canada and Mexico.",
        "Wash linen cold on a gentle cycle and line dry.",
    ])
    a, b = embedder.embed(questions), quantised.embed(questions)
    assert np.all((a * b).sum(axis=1) > 0.9)  # close, not equal (dev retrieval: -0.9 points)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    assert list((b @ passages.T).argmax(axis=1)) == list((a @ passages.T).argmax(axis=1)) == [
        0, 1, 2]


def _policy_in_child(code: str, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**base, **env}, cwd=Path(__file__).resolve().parents[3],
                         check=True, timeout=120)
    return out.stdout.strip()


def test_the_omp_wait_policy_is_set_before_torch_loads_and_never_overrides(tmp_path):
    set_early = ("from qa_engine.read.speed import apply_omp_wait_policy as a; import os; "
                 "print(a('PASSIVE'), os.environ.get('OMP_WAIT_POLICY'))")
    assert _policy_in_child(set_early) == "True PASSIVE"
    assert _policy_in_child(set_early, OMP_WAIT_POLICY="ACTIVE") == "False ACTIVE"
    too_late = ("import torch; from qa_engine.read.speed import apply_omp_wait_policy as a; "
                "import os; print(a('PASSIVE'), os.environ.get('OMP_WAIT_POLICY'))")
    assert _policy_in_child(too_late) == "False None"
    # the serving engine applies the setting before anything loads torch
    engine = ("import os; from qa_engine.settings import Settings; "
              "from qa_engine.pipeline import AnswerEngine; "
              "AnswerEngine.from_settings(Settings(_env_file=None)); "
              "import torch; print(os.environ.get('OMP_WAIT_POLICY'))")
    assert _policy_in_child(engine, STYLESPRINT_DATA_DIR=str(tmp_path)) == "PASSIVE"
