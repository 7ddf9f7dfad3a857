"""End-to-end figures of several readers on one knowledge base (the retrain gate's field test).

`stylesprint eval --mode e2e` is the command a person runs; this is the same evaluation
as a function, for the retrain child: ingest the KB (incrementally, into a collection
of its own), build each reader's engine with `AnswerEngine.assemble` (exactly the bot's
engine), ask every question and keep the figures the gate compares. Verified answers
are switched off here: the gate judges the reader, not what agents already fixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qa_engine.settings import Settings


class E2ESetupError(ValueError):
    """The questions or the knowledge base cannot be used (the message says why)."""


def e2e_metrics(settings: Settings, readers: Mapping[str, Path], gold: Path,
                kb: Sequence[Path], *, sample: int | None = None, seed: int = 0,
                ) -> dict[str, dict[str, Any]]:
    """{reader name: {f1, answerable_f1, unanswerable_declined, answerable_declined,
    examples}} for each model directory in `readers`, on the same questions."""
    from qa_engine.retrieve.embedder import Embedder
    from training.evaluation.evaluator import Evaluator
    from training.evaluation.gold import GoldFormatError, load_gold, sample_rows
    from training.evaluation.runner import EvalSetupError, build_systems, open_retriever

    settings = settings.updated(engine={"verified_answers": False})
    try:
        rows = load_gold(gold)
        if sample:
            rows = sample_rows(rows, sample, seed=seed)
    except GoldFormatError as exc:
        raise E2ESetupError(f"{gold}: {exc}") from exc
    embedder = Embedder(settings.engine.resolved_embedding_model, device=settings.engine.device)
    evaluator = Evaluator(embedder, mode="e2e", criterion="f1")
    evaluator.check(rows)
    rows, _dropped = evaluator.scorable(rows)
    if not rows:
        raise E2ESetupError(f"{gold}: no question can be scored end to end")
    try:
        retriever, _ = open_retriever(settings, embedder, list(kb))
    except EvalSetupError as exc:
        raise E2ESetupError(str(exc)) from exc
    out: dict[str, dict[str, Any]] = {}
    for name, path in readers.items():
        built = build_systems(settings, ["adalora"], embedder, {"adalora": Path(path)},
                              retriever)
        if built.skipped:
            raise E2ESetupError(f"{name}: {built.skipped[0].reason}")
        system = built.systems[0]
        system.warm_up()
        qa = evaluator.run(system, rows).metrics.qa
        out[name] = {"examples": qa.n, "unanswerable": qa.n_unanswerable,
                     "f1": round(qa.f1, 4),
                     "answerable_f1": _round(qa.answerable_f1),
                     "unanswerable_declined": _round(qa.unanswerable_declined),
                     "answerable_declined": _round(qa.answerable_declined)}
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)
