"""Fixtures shared across the test suite. Keep each one additive and clearly named."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 sentence embedder, loaded once per test session."""
    from qa_engine.retrieve.embedder import Embedder
    from qa_engine.settings import bundled_minilm_path

    model = Embedder(bundled_minilm_path())
    model.warm_up()
    return model


# --------------------------------------------------------------------------------------
# One tiny trained AdaLoRA reader, shared by every test that needs a real model directory
# (trainer, span reader, registry). Training is real (`train_reader` on the bundled MiniLM):
# a dozen examples, 64-token windows, 24 steps, a few seconds on one CPU thread. While it
# trains, AdaLoRA's `update_and_allocate` is wrapped (the real method still runs) to record
# when it is called relative to backward() and zero_grad().

_TINY_RETURNS = "Online orders can be returned within 30 days of delivery for a full refund."
_TINY_SHIPPING = "Standard shipping is free on orders over $50; express shipping costs $12."
_TINY_DRESS = "Product: Linen Wrap Dress. Sizes: XS to XL. Material: 100% European linen."
_TINY_PAYMENT = "We accept Visa, Mastercard, PayPal and StyleSprint gift cards at checkout."
_TINY_HOURS = "Our stores are open 9am to 8pm Monday to Saturday and 11am to 5pm on Sunday."
_TINY_CARE = (
    "Caring for linen is simple. Wash it cold on a gentle cycle with similar colours. "
    "Do not use bleach, because it weakens the fibres and fades the dye. Tumble dry on low "
    "or, better, line dry in the shade. Linen softens with every wash, so a few creases are "
    "part of its charm. If you prefer a crisp look, iron it while it is still slightly damp "
    "on a medium setting. Store it folded in a cool, dry drawer away from direct sunlight. "
    "For stubborn stains, take the garment to any StyleSprint store for a free spot clean."
)
_TINY_QA = [
    ("How long do I have to return an online order?", _TINY_RETURNS, "30 days of delivery"),
    ("Is standard shipping free?", _TINY_SHIPPING, "free on orders over $50"),
    ("How much does express shipping cost?", _TINY_SHIPPING, "$12"),
    ("What sizes does the Linen Wrap Dress come in?", _TINY_DRESS, "XS to XL"),
    ("What is the Linen Wrap Dress made of?", _TINY_DRESS, "100% European linen"),
    ("Can I pay with a gift card?", _TINY_PAYMENT, "StyleSprint gift cards"),
    ("When do stores open on Sunday?", _TINY_HOURS, "11am to 5pm"),
    ("How should I wash linen?", _TINY_CARE, "cold on a gentle cycle"),
    ("Where can I get a stubborn stain cleaned?", _TINY_CARE, "any StyleSprint store"),
    ("Do you ship to Mars?", _TINY_SHIPPING, ""),
    ("Can I return a worn swimsuit?", _TINY_HOURS, ""),
    ("Is the dress available in green?", _TINY_DRESS, ""),
]


@contextlib.contextmanager
def _one_torch_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture
def one_torch_thread():
    """Run the test on one intra-op thread: on the two shared cores here that is several
    times faster for MiniLM training than two contending threads."""
    with _one_torch_thread():
        yield


@dataclasses.dataclass
class TinyReader:
    """The session's tiny trained reader and what was observed while training it."""

    dir: Path  # the saved model directory (adapter + stylesprint.json); treat as read-only
    base_model: str
    cfg: Any  # training.adapters.TrainConfig of the run; dataclasses.replace() for variants
    examples: list  # the QAExamples it was trained on
    result: Any  # training.trainer.TrainResult
    model: Any  # the in-memory PeftModel right after training (eval mode)
    # one (step, LoRA params, params holding a grad, grad norm) per update_and_allocate call
    allocate_calls: list[tuple[int, int, int, float]]
    # (step, LoRA params still holding a grad) as seen by on_step, once the step is over
    grads_after_step: list[tuple[int, int]]


@pytest.fixture(scope="session")
def tiny_reader(tmp_path_factory: pytest.TempPathFactory) -> TinyReader:
    import torch
    from peft.tuners.adalora.model import AdaLoraModel

    from qa_engine.settings import bundled_minilm_path
    from training.adapters import TrainConfig
    from training.datasets import QAExample
    from training.trainer import train_reader

    base = bundled_minilm_path()
    examples = [QAExample(q, c, a, c.index(a) if a else -1, id=f"tiny-{i}")
                for i, (q, c, a) in enumerate(_TINY_QA)]
    # 24 steps: AdaLoRA warm-up (2), budget phase masking every 3 steps, the final
    # allocation at step 20, then 4 steps on the fixed rank pattern.
    cfg = TrainConfig(method="adalora", epochs=1, max_steps=24, batch_size=4,
                      max_seq_length=64, doc_stride=16, init_r=4, target_r=2, delta_t=3,
                      tinit_ratio=0.1, tfinal_ratio=0.2, learning_rate=3e-3,
                      checkpoint_every=0, seed=0)
    calls: list[tuple[int, int, int, float]] = []
    after: list[tuple[int, int]] = []
    seen: dict[str, Any] = {}
    original = AdaLoraModel.update_and_allocate

    def recording(self: Any, global_step: int) -> Any:
        lora = [p for n, p in self.model.named_parameters() if "lora_" in n and p.requires_grad]
        grads = [p.grad for p in lora if p.grad is not None]
        norm = float(torch.sqrt(sum((g.float() ** 2).sum() for g in grads))) if grads else 0.0
        calls.append((global_step, len(lora), len(grads), norm))
        return original(self, global_step)  # the real allocation still happens

    def on_step(step: int, model: Any) -> None:
        seen["model"] = model
        after.append((step, sum(1 for n, p in model.named_parameters()
                                if "lora_" in n and p.grad is not None)))

    out = tmp_path_factory.mktemp("tiny-reader")
    with _one_torch_thread(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(AdaLoraModel, "update_and_allocate", recording)
        result = train_reader(examples, out, base, cfg, progress=False, on_step=on_step)
    return TinyReader(out, base, cfg, examples, result, seen["model"], calls, after)


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory shared by the tests that read the demo knowledge base."""
    return tmp_path_factory.mktemp("demo-data")


@pytest.fixture(scope="session")
def engine(demo_data_dir: Path) -> Any:
    """The real AnswerEngine (shipped reader, real Chroma, demo KB ingested), loaded once."""
    from qa_engine.logs import quiet_libraries
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.settings import Settings

    quiet_libraries()
    answer_engine = AnswerEngine.from_settings(Settings(data_dir=demo_data_dir, _env_file=None))
    answer_engine.warm_up()
    return answer_engine


PG_URL = os.environ.get(
    "STYLESPRINT_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The PostgreSQL server the integration tests use (STYLESPRINT_TEST_PG_URL overrides)."""
    return PG_URL


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A throw-away PostgreSQL schema, upgraded to the head as `stylesprint db upgrade`
    would; skips with the reason when no server answers."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
    except Exception as exc:  # no driver, no server, no database
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}")
    schema = f"stylesprint_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    from qa_engine.records.migrate import upgrade

    upgrade(engine, schema)  # the deploy step (`stylesprint db upgrade`)
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def memory_kb(embedder: Any) -> Iterator[Any]:
    """A factory of small knowledge bases in real (in-memory) Chroma, real MiniLM vectors:
    `memory_kb({id: text}, {id: title})` -> `qa_engine.corrections.ChromaPassages`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from qa_engine.corrections import ChromaPassages
    from qa_engine.retrieve.chroma_store import get_collection

    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    made: list[str] = []

    def make(texts: dict[str, str], titles: dict[str, str] | None = None) -> ChromaPassages:
        collection = get_collection(client, f"kb_{uuid.uuid4().hex[:12]}")
        ids = list(texts)
        collection.add(ids=ids, documents=[texts[i] for i in ids],
                       embeddings=embedder.embed([texts[i] for i in ids]).tolist(),
                       metadatas=[{"title": (titles or {}).get(i, i)} for i in ids])
        made.append(collection.name)
        return ChromaPassages(collection)

    yield make
    for name in made:
        client.delete_collection(name)
