"""What a retrain judges a reader by: its scores on the gold set, kept on disk, and the
figures the gate compares (F1, similarity, declines per part; the replay set; the fit
of the feedback it was trained on). Used by the retrain's child (training/retrain_work.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: feedback examples of answers agents confirmed (👍 on an answer or on a decline)
CONFIRMED_KINDS = frozenset({"feedback-vote", "feedback-decline"})
#: what of a model's metadata its reader is built from (window, rank pattern, base)
READING_META = ("base_model", "train_config", "rank_pattern")


def hash_model(h: Any, model_dir: Path, *, with_calibration: bool) -> None:
    """Feed `h` what a model's scores depend on: its weight files (and its calibration,
    for figures that apply the decline threshold) and the metadata its reader is built
    from. A registry version never changes, so equal hashes mean equal figures."""
    files = sorted(p for p in Path(model_dir).iterdir()
                   if p.suffix in (".safetensors", ".bin", ".pt")
                   or (with_calibration and p.name == "calibration.json"))
    meta_path = Path(model_dir) / "stylesprint.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    reading = {k: meta.get(k) for k in READING_META}
    h.update(json.dumps(reading, sort_keys=True, default=str).encode() + b"\0")
    for f in files:
        h.update(f.name.encode() + b"\0" + f.read_bytes())


def subset(scores: Any, idx: Sequence[int]) -> Any:
    """The ReaderScores of some examples only."""
    from training.calibrate import ReaderScores

    ix = np.asarray(idx, dtype=int)
    return ReaderScores(margins=scores.margins[ix],
                        predictions=[scores.predictions[i] for i in ix],
                        answerable=scores.answerable[ix],
                        f1_if_answered=scores.f1_if_answered[ix],
                        em_if_answered=scores.em_if_answered[ix])


def similarities(scores: Any, calibration: Any, examples: Sequence[Any], embedder: Any,
                 ) -> list[float | None]:
    """Per example: cosine(answered span, gold answer); 0 if declined; None if unanswerable."""
    answered = [calibration.probability(m) >= calibration.threshold for m in scores.margins]
    pairs = [(i, scores.predictions[i], ex.answer_text) for i, ex in enumerate(examples)
             if ex.answerable and answered[i] and scores.predictions[i]]
    sims: list[float | None] = [0.0 if ex.answerable else None for ex in examples]
    if pairs:
        vectors = embedder.embed([p for _, p, _ in pairs] + [g for _, _, g in pairs])
        n = len(pairs)
        for k, (i, _, _) in enumerate(pairs):
            sims[i] = float(np.dot(vectors[k], vectors[n + k]))
    return sims


def gold_metrics(scores: Any, calibration: Any, examples: Sequence[Any], embedder: Any,
                 parts: dict[str, list[int]]) -> dict[str, Any]:
    """reader_metrics and similarity on the whole gold set and on each part."""
    from training.calibrate import reader_metrics

    sims = similarities(scores, calibration, examples, embedder)

    def mean_sim(idx: Sequence[int]) -> float | None:
        values = [sims[i] for i in idx if sims[i] is not None]
        return round(float(np.mean(values)), 4) if values else None

    out: dict[str, Any] = reader_metrics(scores, calibration)
    out["similarity"] = mean_sim(range(len(examples)))
    out["parts"] = {name: {**reader_metrics(subset(scores, idx), calibration),
                           "similarity": mean_sim(idx)}
                    for name, idx in parts.items() if idx}
    return out


def cached_scores(reader: Any, examples: Sequence[Any], model_dir: Path, data_path: Path,
                  cache_dir: Path, job: Any) -> Any:
    """`score_examples(reader, examples)`, kept on disk per model version and data file.

    Scores depend on the weights and the data only (not on the calibration), and neither
    a model version nor the frozen dev split changes, so the serving version's scores are
    read, not recomputed: the candidate's are stored as it is scored and, promoted, it is
    next week's serving version (the retrain otherwise reads the 888 dev questions twice).
    The key is the model's weight files, what of its metadata the reader is built from
    (base model, training config: window, rank pattern), the decoding settings and the
    data file.
    """
    from training.calibrate import ReaderScores, score_examples

    h = hashlib.sha256()
    for part in (str(job.max_answer_length), str(job.n_best), job.base_model):
        h.update(part.encode() + b"\0")
    hash_model(h, model_dir, with_calibration=False)
    h.update(Path(data_path).name.encode() + b"\0" + Path(data_path).read_bytes())
    path = cache_dir / f"scores-{h.hexdigest()[:20]}.json"
    if path.exists():
        data = json.loads(path.read_text())
        if len(data["margins"]) == len(examples):
            return ReaderScores(margins=np.asarray(data["margins"], dtype=float),
                                predictions=data["predictions"],
                                answerable=np.asarray(data["answerable"], dtype=bool),
                                f1_if_answered=np.asarray(data["f1"], dtype=float),
                                em_if_answered=np.asarray(data["em"], dtype=float))
    scores = score_examples(reader, list(examples))
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"margins": scores.margins.tolist(),
                               "predictions": scores.predictions,
                               "answerable": scores.answerable.tolist(),
                               "f1": scores.f1_if_answered.tolist(),
                               "em": scores.em_if_answered.tolist()}))
    tmp.replace(path)
    return scores


def concat_scores(a: Any, b: Any) -> Any:
    from training.calibrate import ReaderScores

    return ReaderScores(margins=np.concatenate([a.margins, b.margins]),
                        predictions=list(a.predictions) + list(b.predictions),
                        answerable=np.concatenate([a.answerable, b.answerable]),
                        f1_if_answered=np.concatenate([a.f1_if_answered, b.f1_if_answered]),
                        em_if_answered=np.concatenate([a.em_if_answered, b.em_if_answered]))


def right_flags(scores: Any, calibration: Any, examples: Sequence[Any]) -> list[bool]:
    """Per example: answered with F1 >= 0.5 (answerable) or declined (unanswerable)."""
    out = []
    for i, ex in enumerate(examples):
        answered = calibration.probability(scores.margins[i]) >= calibration.threshold
        out.append(bool(answered and scores.f1_if_answered[i] >= 0.5) if ex.answerable
                   else not answered)
    return out


def replay(before: Sequence[bool], after: Sequence[bool], examples: Sequence[Any],
           ) -> dict[str, Any]:
    """What the candidate broke and fixed on the fixed replay set (the gold questions):
    broken = right with the serving version, wrong with the candidate; fixed = the reverse."""
    broken = [ex.id for ex, a, b in zip(examples, before, after, strict=True) if a and not b]
    fixed = [ex.id for ex, a, b in zip(examples, before, after, strict=True) if b and not a]
    return {"questions": len(examples), "right_before": int(sum(before)),
            "right_after": int(sum(after)), "broken": len(broken), "fixed": len(fixed),
            "broken_ids": broken[:50], "fixed_ids": fixed[:50]}


def feedback_fit(reader: Any, examples: Sequence[Any]) -> dict[str, Any]:
    """How many of the feedback examples trained on the candidate now answers right.

    Right: an answerable example answered with F1 >= 0.5 against the agents' span; a
    "rightly declined" example declined. These are training data, so a candidate that
    gets them wrong did not learn what it was taught (the parent fails the run).
    """
    from training.calibrate import score_examples

    if not examples:
        return {"examples": 0, "right": 0, "share": None, "wrong": [],
                "confirmed": 0, "confirmed_wrong": []}
    flags = right_flags(score_examples(reader, list(examples)), reader.calibration, examples)
    wrong = [ex.id for ex, ok in zip(examples, flags, strict=True) if not ok]
    right = len(examples) - len(wrong)
    confirmed = [ex for ex in examples if ex.kind in CONFIRMED_KINDS]
    return {"examples": len(examples), "right": right,
            "share": round(right / len(examples), 4), "wrong": wrong[:50],
            "confirmed": len(confirmed),
            "confirmed_wrong": [ex.id for ex, ok in zip(examples, flags, strict=True)
                                if not ok and ex.kind in CONFIRMED_KINDS]}
