"""Tiny knowledge base, data files and engine for the learning-loop tests (retrain, schedule).

Everything is real and small: six passages in a real Chroma collection, the bundled
MiniLM embedder, the session's tiny AdaLoRA reader as the serving version "v1" in a
real registry, answers logged through `Records.log_answer` exactly as the bot logs them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qa_engine.settings import Settings

RETURNS = "Online orders can be returned within 30 days of delivery for a full refund."
SHIPPING = "Standard shipping is free on orders over $50; express shipping costs $12."
DRESS = "Product: Linen Wrap Dress. Sizes: XS to XL. Material: 100% European linen."
PAYMENT = "We accept Visa, Mastercard, PayPal and StyleSprint gift cards at checkout."
HOURS = "Our stores are open 9am to 8pm Monday to Saturday and 11am to 5pm on Sunday."
CARE = ("Caring for linen is simple. Wash it cold on a gentle cycle with similar colours. "
        "Do not use bleach. For stubborn stains, take the garment to any StyleSprint store "
        "for a free spot clean.")
PASSAGES = {"returns": RETURNS, "shipping": SHIPPING, "dress": DRESS, "payment": PAYMENT,
            "hours": HOURS, "care": CARE}

# the "shipped train split" of the tests
BASE = [
    ("How long do I have to return an online order?", RETURNS, "30 days of delivery"),
    ("Is standard shipping free?", SHIPPING, "free on orders over $50"),
    ("How much does express shipping cost?", SHIPPING, "$12"),
    ("What sizes does the Linen Wrap Dress come in?", DRESS, "XS to XL"),
    ("What is the Linen Wrap Dress made of?", DRESS, "100% European linen"),
    ("Can I pay with a gift card?", PAYMENT, "StyleSprint gift cards"),
    ("When do stores open on Sunday?", HOURS, "11am to 5pm"),
    ("How should I wash linen?", CARE, "cold on a gentle cycle"),
    ("Do you ship to Mars?", SHIPPING, ""),
    ("Is the dress available in green?", DRESS, ""),
]
# the frozen gold set ("dev split"): different questions, never trained on
GOLD = [
    ("Within how many days can an online purchase be returned?", RETURNS, "30 days of delivery"),
    ("What is the price of express shipping?", SHIPPING, "$12"),
    ("Which sizes are available for the wrap dress?", DRESS, "XS to XL"),
    ("What material is the Linen Wrap Dress?", DRESS, "100% European linen"),
    ("Which payment methods are accepted?", PAYMENT,
     "Visa, Mastercard, PayPal and StyleSprint gift cards"),
    ("What are the store hours on Sunday?", HOURS, "11am to 5pm"),
    ("How do I clean a linen shirt?", CARE, "cold on a gentle cycle"),
    ("When is standard shipping free?", SHIPPING, "on orders over $50"),
    ("Can I return a worn swimsuit?", HOURS, ""),
    ("Do you accept cryptocurrency?", RETURNS, ""),
    ("Is there a store in Paris?", CARE, ""),
    ("Does the dress come in petite sizes?", PAYMENT, ""),
]
# what agents ask the bot, with the answer they know is right
ASKED = [
    ("How many days do customers have to send back an online order?", "30 days of delivery"),
    ("What does express delivery cost?", "$12"),
    ("Which sizes is the Linen Wrap Dress offered in?", "XS to XL"),
    ("Which cards do you take at checkout?", "Visa, Mastercard, PayPal and StyleSprint gift cards"),
    ("What are the Sunday opening hours of the stores?", "11am to 5pm"),
    ("How do I wash linen clothes?", "cold on a gentle cycle"),
    ("Where can customers get a stubborn stain removed?", "any StyleSprint store"),
    ("What fabric is the wrap dress made from?", "100% European linen"),
    ("Do you ship to the Moon?", ""),  # nothing in the KB says: the bot should decline
    ("Is the wrap dress sold in purple?", ""),
    ("Can customers pay in bitcoin?", ""),
]


def write_examples(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w") as fh:
        for i, (q, c, a) in enumerate(rows):
            fh.write(json.dumps({"id": f"{path.stem}-{i}", "question": q, "context": c,
                                 "answer_text": a, "answer_start": c.index(a) if a else -1})
                     + "\n")
    return path


# the "field test" of the tests: other questions, asked end to end of the six passages as
# a knowledge base of Markdown pages (the gate's third set)
FIELD = [
    ("how long to send back an online order", "30 days of delivery"),
    ("express shipping price?", "$12"),
    ("wrap dress sizes", "XS to XL"),
    ("sunday hours for stores", "11am to 5pm"),
    ("do we have a store in Berlin", ""),
    ("can customers pay with cash on delivery", ""),
]


def write_field_test(root: Path) -> tuple[Path, Path]:
    """(questions.jsonl, kb folder) in the field-test format over PASSAGES."""
    kb = root / "kb"
    kb.mkdir(parents=True, exist_ok=True)
    for name, text in PASSAGES.items():
        (kb / f"{name}.md").write_text(f"# {name.title()}\n\n{text}\n")
    questions = root / "questions.jsonl"
    with questions.open("w") as fh:
        for i, (q, a) in enumerate(FIELD):
            fh.write(json.dumps({"id": f"ft-{i}", "question": q, "answer": a,
                                 "group": f"g{i}", "style": "terse"}) + "\n")
    return questions, kb


def loop_settings(tmp: Path, **retrain: Any) -> Settings:
    """Settings for a tiny install: data under `tmp`, tiny base/gold/field files, 1 torch
    thread; `retrain` overrides `Settings.retrain` values. The tiny reader (30 steps) cannot
    be held to the production feedback-fit rule, so `min_feedback_fit` is 0 here; the rule
    itself has its own tests."""
    base = write_examples(tmp / "base.jsonl", BASE)
    gold = write_examples(tmp / "gold.jsonl", GOLD)
    field_gold, field_kb = write_field_test(tmp / "field")
    retrain_values: dict[str, Any] = dict(
        base_data=[base], gold_data=gold,
        field_gold=field_gold, field_kb=[field_kb], field_sample=0,
        min_feedback_fit=0.0, feedback_repeat=2,
        max_steps=30, timeout_s=300, heldout_share=0.0,
        synthetic_replay=8,
        # a 12-row gold set with 4 unanswerable questions: one question is 0.25 of that share
        margin_f1=0.05, margin_similarity=0.05, margin_unanswerable=0.25,
        # six field questions, two unanswerable: one question is 0.5 of that share
        margin_field_f1=0.2, margin_field_unanswerable=0.5,
        margin_feedback_f1=0.2, margin_feedback_unanswerable=0.5,
    )
    return Settings(_env_file=None, data_dir=tmp / "data", engine={"torch_threads": 1, "top_k": 1},
                    retrain={**retrain_values, **retrain})


def install_current(settings: Settings, model_dir: Path, name: str = "v1") -> Any:
    """The tiny trained reader as the serving version of a fresh registry."""
    from qa_engine.registry import ModelRegistry

    registry = ModelRegistry(settings.models_dir)
    registry.add(model_dir, name, {"origin": "test: session tiny reader"})
    registry.promote(name, reason="test setup")
    return registry


def tiny_engine(settings: Settings, embedder: Any) -> Any:
    """A real AnswerEngine over the six passages, reading with the registry's current version."""
    from qa_engine.compose.composer import Composer
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.read.build import build_reader
    from qa_engine.retrieve.chroma_store import get_collection, make_client
    from qa_engine.retrieve.retriever import ChromaRetriever

    collection = get_collection(make_client(settings), settings.engine.collection)
    ids = list(PASSAGES)
    texts = [PASSAGES[i] for i in ids]
    collection.add(ids=ids, documents=texts, embeddings=embedder.embed(texts).tolist(),
                   metadatas=[{"title": i.title(), "source": f"{i}.md"} for i in ids])
    engine = AnswerEngine(ChromaRetriever(collection, embedder, top_k=settings.engine.top_k),
                          build_reader(settings), Composer(), top_k=settings.engine.top_k)
    engine.warm_up()
    return engine
