"""SQuAD v2's answer metrics: exact match and token F1 of a span against gold answers.

Below both the engine and training, because both judge spans with them: the evaluation
and the retrain's gate (training/evaluation/metrics.py re-exports them), and the
verified-answer matching rule, whose `span_agree` is the reader's span scored against
the verified one (qa_engine/retrieve/verified_match.py) and whose fitted labels are
scored the same way (training/verified_match_field.py). One normalisation for all:
lowercase, punctuation and a/an/the dropped, spaces squashed.

Conventions: an unanswerable question has no gold answers; a system is right on it iff
it declined (EM = F1 = 1, else 0). A declined answerable question (`prediction=None`)
scores 0. Pure functions over strings.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text: str | None) -> str:
    """SQuAD v2 normalisation: lowercase, drop punctuation and a/an/the, squash spaces."""
    if not text:
        return ""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def _tokens(text: str | None) -> list[str]:
    return normalize_answer(text).split()


def exact_match(prediction: str | None, answers: Sequence[str]) -> float:
    """1.0 if the prediction equals any gold answer after normalisation.

    `prediction=None` means the system declined; with no gold answers (unanswerable)
    declining is the right answer.
    """
    if not answers:
        return 1.0 if not normalize_answer(prediction) else 0.0
    if prediction is None:
        return 0.0
    norm = normalize_answer(prediction)
    return 1.0 if any(norm == normalize_answer(gold) for gold in answers) else 0.0


def f1_score(prediction: str | None, answers: Sequence[str]) -> float:
    """Token-overlap F1 against the best-matching gold answer (SQuAD v2 rules)."""
    if not answers:
        return 1.0 if not normalize_answer(prediction) else 0.0
    if prediction is None:
        return 0.0
    return max(_f1(_tokens(prediction), _tokens(gold)) for gold in answers)


def _f1(pred: list[str], gold: list[str]) -> float:
    if not pred or not gold:
        return float(pred == gold)
    common = Counter(pred) & Counter(gold)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(pred)
    recall = overlap / len(gold)
    return 2 * precision * recall / (precision + recall)
