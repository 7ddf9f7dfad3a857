"""What a retrain trains and is judged on: the feedback dataset as it stands this week,
the base data, the synthetic replay, and the frozen gold set's path. Read by
`training.retrain`; `stylesprint feedback dataset` builds the same feedback dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa_engine.settings import Settings
from training.feedback import (
    FeedbackDataset,
    build_dataset,
    example_key,
    load_feedback_rows,
    negative_examples,
)

DATA_DIR = Path(__file__).parent / "data"
SHIPPED_TRAIN = DATA_DIR / "stylesprint_train.jsonl"
SHIPPED_DEV = DATA_DIR / "stylesprint_dev.jsonl"


def gold_path(settings: Settings) -> Path:
    return Path(settings.retrain.gold_data or SHIPPED_DEV)


def base_paths(settings: Settings) -> list[Path]:
    return [Path(p) for p in (settings.retrain.base_data or [SHIPPED_TRAIN])]


def synthetic_replay(n: int, seed: int) -> list[dict[str, Any]]:
    """`n` fresh synthetic examples over fictional stores, different for every run.

    Fine-tuned on StyleSprint's own questions alone, the reader drifts towards their
    phrasing and forgets how to read other stores (2 epochs on the StyleSprint train
    split: dev F1 +3.9 points, F1 on held-out synthetic stores −5.9; docs/experiments.md).
    Replaying general reading practice with every retrain keeps that skill; no synthetic
    store shares a passage with the gold set.
    """
    if n <= 0:
        return []
    from training.synth.generator import generate

    return generate(n, seed=10_000 + seed)


def week_number(when: Any = None) -> int:
    """Weeks since 1970-01-05 (a Monday) at `when` (default now, UTC): the held-out
    rotation of the run (`training.feedback.held_out`)."""
    from datetime import datetime, timezone

    when = when or datetime.now(timezone.utc)
    return (when.date().toordinal() - datetime(1970, 1, 5).date().toordinal()) // 7


def gold_keys(settings: Settings) -> set[tuple[str, str]]:
    """(question, passage) keys of the frozen gold set: never trained on."""
    from training.datasets import load_examples

    return {example_key(e.question, e.context) for e in load_examples(gold_path(settings))}


def feedback_dataset(settings: Settings, rotation: int | None = None) -> FeedbackDataset:
    """The feedback dataset as a retrain would build it now (gold questions kept out);
    `rotation` (default: this week's number) picks the held-out slot of corrections."""
    from training.feedback_sources import load_stale_downvotes, open_kb

    rows = load_feedback_rows(settings.resolved_database_url)
    return build_dataset(rows, gold_keys=gold_keys(settings),
                         heldout_share=settings.retrain.heldout_share,
                         kb=open_kb(settings),  # corrections are searched in the whole KB
                         stale_downvotes=load_stale_downvotes(settings.resolved_database_url),
                         rotation=week_number() if rotation is None else rotation)


def training_set(settings: Settings, base: Sequence[Any], ds: FeedbackDataset, run_id: int,
                 ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """What the candidate trains on, and its counts: the base data (the gold questions
    kept out; a fresh seeded share of it each run, `base_sample`: the replay keeps what
    the reader knows, the feedback is what it must learn, and the run stays within its
    budget), fresh synthetic replay, and the feedback examples with their hard negatives,
    `feedback_repeat` times."""
    gold = gold_keys(settings)
    kept = [ex for ex in base if example_key(ex.question, ex.context) not in gold]
    in_base = len(kept)
    if settings.retrain.base_sample and len(kept) > settings.retrain.base_sample:
        import random

        kept = random.Random(run_id).sample(kept, settings.retrain.base_sample)
    replay = synthetic_replay(settings.retrain.synthetic_replay, seed=run_id)
    repeat = settings.retrain.feedback_repeat
    negatives = negative_examples(ds.train)  # decline where the bot wrongly read
    train = [ex.to_json() for ex in kept] + replay + (ds.train + negatives) * repeat
    return train, {"base_examples": len(kept), "base_in_gold_dropped": len(base) - in_base,
                   "synthetic_replay": len(replay), "hard_negatives": len(negatives),
                   "feedback_repeat": repeat, "train_examples": len(train)}
