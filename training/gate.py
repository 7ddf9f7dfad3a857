"""The promotion gate: a candidate is promoted only if it is not worse on any judged set.

A retrain is judged on three sets, each with margins of its own, because each can hide
what the others show:

- **dev**: the project's dev split (plus nothing else). Written by the same hands as the
  training data, it says whether the candidate forgot how to read StyleSprint's own
  pages; on its own it promoted a reader that answered more unanswerable questions.
- **corrections**: the deterministic held-out slice of agents' corrections, never
  trained on. Small and noisy, hence a wider margin.
- **field**: the field-test questions asked end to end of the field-test knowledge base,
  which nobody on the team wrote or trained on (issue 10). The one set that says whether
  the reader reads a help centre it has never seen.

On each set the gate compares F1 (SQuAD v2: a decline on an unanswerable question
scores 1) and the share of unanswerable questions declined; on dev also the answer
similarity. A metric a set cannot measure (no unanswerable rows, a set that was not
run) is reported as "not measured" and does not block. The share of unanswerable
questions declined is judged in questions: the margin times the set's unanswerable
questions, rounded down, and never less than one question when the margin is positive.
A share moves in steps of one question: on the field test's sample of about 47
unanswerable questions one step is 0.021, above the 0.02 margin, so without this a
candidate was refused for one question while it raised field F1 by 0.037 and fixed 49
replay questions against 22 broken (bench.learning, session 8). Declining fewer unanswerable
questions beyond the margin on *any* set refuses the candidate: an answer bot that
starts answering what it does not know is worse, whatever it gains elsewhere.

Pure: metrics in, decision out; `tests/training/test_gate.py` checks every rule on
hand-written figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: (set, label, ((metric, metric label, `Settings.retrain` field of its margin), ...))
GATE_SETS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    ("dev", "dev split", (
        ("f1", "F1", "margin_f1"),
        ("similarity", "similarity", "margin_similarity"),
        ("unanswerable_declined", "unanswerable declined", "margin_unanswerable"),
    )),
    ("corrections", "held-out feedback", (
        ("f1", "F1", "margin_feedback_f1"),
        ("unanswerable_declined", "unanswerable declined",
         "margin_feedback_unanswerable"),
    )),
    ("field", "field test", (
        ("f1", "F1", "margin_field_f1"),
        ("unanswerable_declined", "unanswerable declined", "margin_field_unanswerable"),
    )),
)


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str
    #: "set.metric" -> candidate minus current (None: not measured)
    deltas: dict[str, float | None]


def margins_from(settings: Any) -> dict[str, float]:
    """"set.metric" -> margin, read from the settings."""
    return {f"{name}.{key}": float(getattr(settings.retrain, attr))
            for name, _, metrics in GATE_SETS for key, _, attr in metrics}


def part(metrics: Mapping[str, Any] | None, name: str) -> Mapping[str, Any]:
    """The figures of one judged set inside a model's metrics (empty when not run)."""
    return ((metrics or {}).get("parts") or {}).get(name) or {}


def gate(current: Mapping[str, Any], candidate: Mapping[str, Any],
         margins: Mapping[str, float], replay: Mapping[str, Any] | None = None,
         ) -> GateDecision:
    """Promote iff the candidate is not worse than current by more than the margin on
    each gated metric of each set (see the module docstring), and, given the replay
    figures (`training.retrain_scores.replay`: questions of the fixed replay set right
    before and wrong after, and the reverse), breaks no more answers than it fixes."""
    deltas: dict[str, float | None] = {}
    worse: list[str] = []
    fine: list[str] = []
    if replay and replay.get("questions"):
        broken, fixed = int(replay["broken"]), int(replay["fixed"])
        deltas["replay.broken"], deltas["replay.fixed"] = float(broken), float(fixed)
        text = (f"replay set: {broken} right answer(s) broken, {fixed} fixed "
                f"of {replay['questions']}")
        (worse if broken > fixed else fine).append(text)
    for name, label, metrics in GATE_SETS:
        cur, cand = part(current, name), part(candidate, name)
        if not cur and not cand:
            fine.append(f"{label} not run")
            for key, _, _ in metrics:
                deltas[f"{name}.{key}"] = None
            continue
        for key, metric_label, _ in metrics:
            slot = f"{name}.{key}"
            a, b = cur.get(key), cand.get(key)
            if a is None or b is None:
                deltas[slot] = None
                continue
            delta = round(float(b) - float(a), 4)
            deltas[slot] = delta
            margin = float(margins.get(slot, 0.0))
            n = cur.get("unanswerable") if key == "unanswerable_declined" else None
            if n:  # a share of questions: judged in questions (module docstring)
                lost, allowed = questions_lost(float(a), float(b), int(n), margin)
                text = (f"{label} {metric_label} {a:.3f} → {b:.3f} ({-lost:+d} of {n} "
                        f"questions, margin {allowed})")
                (worse if lost > allowed else fine).append(text)
                continue
            text = (f"{label} {metric_label} {a:.3f} → {b:.3f} "
                    f"({delta:+.3f}, margin {margin:.3f})")
            (worse if delta < -margin else fine).append(text)
    if worse:
        return GateDecision(False, "worse on " + "; ".join(worse), deltas)
    return GateDecision(True, "not worse: " + "; ".join(fine), deltas)


def questions_lost(current: float, candidate: float, n: int, margin: float,
                   ) -> tuple[int, int]:
    """(questions the candidate declines fewer of `n` unanswerable ones, questions the
    margin allows): a positive margin allows at least one question, since a share moves
    in steps of 1/n and a margin below one step would refuse any single flip."""
    lost = round((current - candidate) * n)
    allowed = math.floor(margin * n + 1e-9)
    return lost, max(1, allowed) if margin > 0 else allowed


def fit_failure(fit: Mapping[str, Any], min_fit: float, require_confirmed: bool = True,
                ) -> str | None:
    """Why a candidate that did not learn its own feedback fails the run (None: it did).

    `fit` is what the retrain child measured on the feedback examples it trained on
    (`training.retrain_scores.feedback_fit`): they are training data, so a candidate that
    still answers them wrong would promote the very answers agents corrected. Every
    confirmed answer (👍 on an answer or a decline) must be right: one wrong fails the run.
    """
    confirmed_wrong = fit.get("confirmed_wrong") or []
    if confirmed_wrong and require_confirmed:
        return (f"the candidate got {len(confirmed_wrong)} of {fit.get('confirmed')} "
                f"confirmed answer(s) wrong after training on them (agents gave them 👍; "
                f"e.g. {', '.join(map(str, confirmed_wrong[:3]))}); raise "
                f"STYLESPRINT_RETRAIN_FEEDBACK_REPEAT or the steps")
    share = fit.get("share")
    if share is None or share >= min_fit:
        return None
    wrong = int(fit["examples"]) - int(fit["right"])
    return (f"the candidate did not learn its feedback: {wrong} of {fit['examples']} trained "
            f"feedback example(s) still wrong after training (fit {share:.3f} < "
            f"STYLESPRINT_RETRAIN_MIN_FEEDBACK_FIT {min_fit:.2f}); raise "
            f"STYLESPRINT_RETRAIN_FEEDBACK_REPEAT or the steps")


def format_deltas(current: Mapping[str, Any] | None, candidate: Mapping[str, Any] | None,
                  ) -> str:
    """"dev F1 0.790 → 0.801 (+0.011); field test F1 ..." for a one-line summary."""
    out = []
    for name, label, metrics in GATE_SETS:
        cur, cand = part(current, name), part(candidate, name)
        for key, metric_label, _ in metrics:
            a, b = cur.get(key), cand.get(key)
            if a is not None and b is not None:
                out.append(f"{label} {metric_label} {a:.3f} → {b:.3f} ({b - a:+.3f})")
    return "; ".join(out)
