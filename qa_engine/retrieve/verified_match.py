"""Which new question a verified answer is served to: the matching rule.

A verified answer (a question, the passage and span an agent verified) used to be served
only to a near-copy of its question (question-embedding cosine >= 0.92), which reaches
almost none of the ways the next agent asks it. The rule here looks at three kinds of
evidence, in `FEATURES` order:

- the questions and the knowledge base, through the embedder: `cos_q` (the two
  questions), `cos_passage` (the new question and the verified passage: retrieval's
  score), `passage_lead` (that minus the best score of any *other* passage: > 0 when the
  new question retrieves the verified passage first);
- their words: `overlap` (Jaccard of the two questions' content words), `cover` (the
  new question's content words found in the verified question or span), `key_diff`
  (numbers, sizes, countries one names and the other not), `uncovered` and
  `uncovered_share` (content words of the new question found nowhere in the verified
  question *or its passage*: "do we have cashmere hoodies?" asks about hoodies, which the
  roll-neck passage verified for "any cashmere stuff?" never mentions);
- the reader, reading the new question on the verified passage (`Reading`): `span_agree`
  (token F1 of its best span with the verified span), `span_gap` (minus how far the best
  span overlapping the verified one trails its best span; -20 when none is in its
  n-best) and `span_margin` (its best span's margin over "no answer"). The reader is
  the only part that reads question and passage together: a near miss about another
  fact of the same passage ("how long does click and collect take?" against "how long
  are click and collect orders held?") makes it point elsewhere.

The rule is a small gradient-boosted tree ensemble (scikit-learn's
`HistGradientBoostingClassifier`, fitted by `python -m training.verified_match` on
paraphrase groups against near misses of the dev split, of real QA data and of half of
the field test's groups; the other half is held out for `bench.learning`). Trees,
because the evidence interacts: a high `span_agree` means little when the new question
retrieves another passage first. Cross-validated over the field test's groups, a
logistic regression on these features served 39% of paraphrase pairs at 27 of 1,110
near-miss pairs captured, the trees 71% at 29 (docs/experiments.md). The trees are
stored as plain JSON (`assets/verified_match.json`) and evaluated here in a few lines: no
pickle in a served asset, and no scikit-learn needed to serve.

Two questions that name different key tokens of the same kind (another size, another
country, another number) are never matched, whatever the score: "is the trench in XS?" is
a near miss of "is the trench in XL?" at a cosine of 0.95. Nor is a new question that
names a country the verified question and span do not.

Pure functions and small dataclasses: no model, no database; `verified_index.py` computes
the embeddings, the knowledge-base scores and the reading, and asks the rule.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa_engine.squad_metrics import f1_score

RULE_FILE = Path(__file__).parent / "assets" / "verified_match.json"

FEATURES = ("cos_q", "cos_passage", "passage_lead", "overlap", "cover", "key_diff",
            "uncovered", "uncovered_share", "span_agree", "span_gap", "span_margin")
NO_OVERLAP_GAP = -20.0  # span_gap when no span of the reader's n-best overlaps the verified one

_WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")
STOP = frozenset("""a an the and or but if of to in on at by for with from as into about is
are was were be been being do does did doing have has had having can could will would shall
should may might must i me my we us our you your he she it its they them their this that
these those what which who whom whose when where why how there here any some all no not so
than too very just also then out up down over again s t get got please tell know cust
customer says asks said ask ok okay hi hey cust someone anything stuff thing want wants
wanted need needs carry sell stock use her his she he""".split())

SIZES = frozenset("xxs xs s m l xl xxl xxxl 2xl 3xl 4xl petite tall plus small medium large "
                  "regular short long wide narrow".split())
_COUNTRY_ALIASES = {
    "usa": "us", "america": "us", "states": "us", "canada": "canada",
    "mexico": "mexico", "uk": "uk", "britain": "uk", "england": "uk", "scotland": "uk",
    "wales": "uk", "ireland": "ireland", "france": "france", "germany": "germany",
    "spain": "spain", "italy": "italy", "portugal": "portugal", "netherlands": "netherlands",
    "belgium": "belgium", "switzerland": "switzerland", "austria": "austria",
    "norway": "norway", "sweden": "sweden", "denmark": "denmark", "finland": "finland",
    "poland": "poland", "australia": "australia", "zealand": "new zealand",
    "japan": "japan", "china": "china", "korea": "korea", "india": "india",
    "singapore": "singapore", "brazil": "brazil", "argentina": "argentina", "chile": "chile",
    "colombia": "colombia", "peru": "peru", "africa": "africa", "nigeria": "nigeria",
    "kenya": "kenya", "egypt": "egypt", "israel": "israel", "uae": "uae", "dubai": "uae",
    "turkey": "turkey", "russia": "russia", "greece": "greece", "hawaii": "hawaii",
    "alaska": "alaska", "europe": "europe", "eu": "europe", "asia": "asia",
    "puerto": "puerto rico",
}


def words(text: str) -> list[str]:
    """Lower-case word tokens; a final plural 's' dropped ("cards" = "card")."""
    out = []
    for w in _WORD.findall(text.lower().replace("’", "'")):
        w = w.split("'", 1)[0]
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


def content(text: str) -> set[str]:
    return {w for w in words(text) if w not in STOP}


def key_tokens(text: str) -> dict[str, set[str]]:
    """Numbers, sizes and countries the text names, by kind."""
    raw = [w.strip("'") for w in re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))]
    keys: dict[str, set[str]] = {"number": set(), "size": set(), "country": set()}
    for i, w in enumerate(raw):
        if any(c.isdigit() for c in w):
            keys["number"].add(w)
        elif w in SIZES and (len(w) > 1 or (i > 0 and raw[i - 1] in ("size", "in", "a"))):
            keys["size"].add(w)
        elif w in _COUNTRY_ALIASES:
            if w == "states" and (i == 0 or raw[i - 1] != "united"):
                continue
            keys["country"].add(_COUNTRY_ALIASES[w])
    if re.search(r"\bUS\b|\bU\.S\.", text):  # "us" lower-case is the pronoun
        keys["country"].add("us")
    return keys


def key_conflict(question: str, verified_question: str, span: str = "") -> bool:
    """The new question names another number, size or country than the verified one, or
    a country that neither the verified question nor its span names ("… student discount
    in Canada?" is not "student discount?": the verified answer may not hold there)."""
    ka, kb = key_tokens(question), key_tokens(verified_question)
    if any(ka[k] and kb[k] and ka[k] != kb[k] for k in ka):
        return True
    return bool(ka["country"] - kb["country"] - key_tokens(span)["country"])


def key_diff(a: str, b: str) -> int:
    ka, kb = key_tokens(a), key_tokens(b)
    return sum(len(ka[k] ^ kb[k]) for k in ka)


def _stem(word: str) -> str:
    """A crude stem for "is this word in that text" ("returned" = "returns" = "return")."""
    return word[:5]


@dataclass(frozen=True)
class Reading:
    """What the reader makes of the new question on the verified passage."""

    agree: float  # token F1 of its best span with the verified span
    gap: float  # -(best margin - best margin of a span overlapping the verified one), <= 0
    margin: float  # its best span's margin over "no answer"


def reading(candidates: Sequence[Any], span_start: int, span_end: int, span: str) -> Reading:
    """`Reading` from the reader's n-best spans (`SpanCandidate`s) on the verified passage
    alone."""
    if not candidates:
        return Reading(0.0, NO_OVERLAP_GAP, NO_OVERLAP_GAP)
    best = max(candidates, key=lambda c: c.margin)
    overlapping = [c.margin for c in candidates if c.start < span_end and c.end > span_start]
    gap = -(best.margin - max(overlapping)) if overlapping else NO_OVERLAP_GAP
    return Reading(f1_score(best.text, [span]), max(gap, NO_OVERLAP_GAP),
                   max(best.margin, NO_OVERLAP_GAP))


def features(question: str, verified_question: str, span: str, passage: str, cos_q: float,
             cos_passage: float, best_other: float, read: Reading) -> list[float]:
    """The rule's inputs, in `FEATURES` order (see the module docstring)."""
    q, vq = content(question), content(verified_question)
    union = q | vq
    overlap = len(q & vq) / len(union) if union else 1.0
    cover = len(q & (vq | content(span))) / len(q) if q else 1.0
    known = {_stem(w) for w in vq | content(passage)}
    uncovered = sum(1 for w in q if _stem(w) not in known)
    return [float(cos_q), float(cos_passage), float(cos_passage - best_other), overlap,
            cover, float(min(key_diff(question, verified_question), 3)),
            float(min(uncovered, 3)), uncovered / len(q) if q else 0.0,
            read.agree, read.gap, read.margin]


@dataclass(frozen=True)
class Tree:
    """One regression tree as parallel lists (node i: a leaf when `leaf[i]`, else go to
    `left[i]` when x[feature[i]] <= threshold[i], to `right[i]` otherwise)."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    leaf: tuple[bool, ...]
    value: tuple[float, ...]

    def __call__(self, x: Sequence[float]) -> float:
        i = 0
        while not self.leaf[i]:
            i = self.left[i] if x[self.feature[i]] <= self.threshold[i] else self.right[i]
        return self.value[i]

    @classmethod
    def from_json(cls, d: dict[str, list[Any]]) -> Tree:
        return cls(tuple(int(v) for v in d["feature"]), tuple(float(v) for v in d["threshold"]),
                   tuple(int(v) for v in d["left"]), tuple(int(v) for v in d["right"]),
                   tuple(bool(v) for v in d["leaf"]), tuple(float(v) for v in d["value"]))

    def to_json(self) -> dict[str, list[Any]]:
        return {"feature": list(self.feature), "threshold": list(self.threshold),
                "left": list(self.left), "right": list(self.right), "leaf": list(self.leaf),
                "value": list(self.value)}


@dataclass(frozen=True)
class MatchRule:
    """A fitted tree ensemble (log-odds = baseline + the trees' sum) and the probability
    from which it serves."""

    trees: tuple[Tree, ...]
    baseline: float
    threshold: float
    features: tuple[str, ...] = FEATURES
    fitted_on: str = ""

    def probability(self, x: Sequence[float]) -> float:
        if len(x) != len(self.features):
            raise ValueError(f"{len(x)} features given, the rule takes {len(self.features)}")
        z = self.baseline + sum(tree(x) for tree in self.trees)
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def serves(self, question: str, verified_question: str, span: str,
               x: Sequence[float]) -> bool:
        if key_conflict(question, verified_question, span):
            return False
        return self.probability(x) >= self.threshold

    @classmethod
    def load(cls, path: Path = RULE_FILE) -> MatchRule:
        """The rule in a JSON file written by `python -m training.verified_match`."""
        data = json.loads(Path(path).read_text())
        names = tuple(data["features"])
        if names != FEATURES or "trees" not in data:
            raise ValueError(f"{path}: the rule was fitted on features {names}, this "
                             f"version computes {FEATURES}; refit it with python -m "
                             "training.verified_match")
        return cls(trees=tuple(Tree.from_json(t) for t in data["trees"]),
                   baseline=float(data["baseline"]), threshold=float(data["threshold"]),
                   features=names, fitted_on=str(data.get("fitted_on", "")))

    def to_json(self) -> dict[str, object]:
        return {"features": list(self.features), "baseline": self.baseline,
                "threshold": self.threshold, "fitted_on": self.fitted_on,
                "trees": [t.to_json() for t in self.trees]}
