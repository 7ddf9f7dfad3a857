"""Which new question a verified answer is served to: the matching rule.

A verified answer (a question, the passage and span an agent verified) used to be served
only to a near-copy of its question (question-embedding cosine >= 0.92), which reaches
almost none of the ways the next agent asks it. The rule here looks at more than the two
questions' embeddings:

- `cos_q`: cosine of the two questions' embeddings (the old criterion);
- `cos_passage`: cosine of the new question and the verified passage (the retriever's
  score of that passage for the new question);
- `passage_lead`: that score minus the best score of any *other* passage of the knowledge
  base for the new question (> 0: the new question retrieves the verified passage first);
- `overlap`: Jaccard overlap of the two questions' content words;
- `cover`: the share of the new question's content words found in the verified question
  or span;
- `key_diff`: key tokens (numbers, sizes, countries) one question has and the other not.

A logistic regression over these (scikit-learn, fitted by `python -m
training.verified_match` on paraphrase groups against near misses of the dev split and of
real QA data; never on the field test) gives a probability; a verified answer is served
from the threshold shipped with the coefficients (`assets/verified_match.json`). Two
questions that name different key tokens of the same kind (another size, another
country, another number) are never matched, whatever the score: "is the trench in XS?"
is a near miss of "is the trench in XL?" at a cosine of 0.95.

Pure functions and a small dataclass: no model, no database; `retrieve/verified_index.py`
computes the embeddings and the knowledge-base scores and asks the rule.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RULE_FILE = Path(__file__).parent / "assets" / "verified_match.json"

FEATURES = ("cos_q", "cos_passage", "passage_lead", "overlap", "cover", "key_diff")

_WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")
STOP = frozenset("""a an the and or but if of to in on at by for with from as into about is
are was were be been being do does did doing have has had having can could will would shall
should may might must i me my we us our you your he she it its they them their this that
these those what which who whom whose when where why how there here any some all no not so
than too very just also then out up down over again s t get got please tell know cust
customer says asks said ask ok okay hi hey""".split())

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


def key_conflict(a: str, b: str) -> bool:
    """Both questions name a number, size or country, and not the same one."""
    ka, kb = key_tokens(a), key_tokens(b)
    return any(ka[k] and kb[k] and ka[k] != kb[k] for k in ka)


def key_diff(a: str, b: str) -> int:
    ka, kb = key_tokens(a), key_tokens(b)
    return sum(len(ka[k] ^ kb[k]) for k in ka)


def features(question: str, verified_question: str, span: str, cos_q: float,
             cos_passage: float, best_other: float) -> list[float]:
    """The rule's inputs, in `FEATURES` order (see the module docstring)."""
    q, vq = content(question), content(verified_question)
    union = q | vq
    overlap = len(q & vq) / len(union) if union else 1.0
    cover = len(q & (vq | content(span))) / len(q) if q else 1.0
    return [float(cos_q), float(cos_passage), float(cos_passage - best_other), overlap,
            cover, float(min(key_diff(question, verified_question), 3))]


@dataclass(frozen=True)
class MatchRule:
    """A fitted logistic regression and the probability from which it serves."""

    coef: tuple[float, ...]
    intercept: float
    threshold: float
    features: tuple[str, ...] = FEATURES
    fitted_on: str = ""

    def probability(self, x: Sequence[float]) -> float:
        z = self.intercept + sum(c * v for c, v in zip(self.coef, x, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def serves(self, question: str, verified_question: str, x: Sequence[float]) -> bool:
        if key_conflict(question, verified_question):
            return False
        return self.probability(x) >= self.threshold

    @classmethod
    def load(cls, path: Path = RULE_FILE) -> MatchRule:
        """The rule in a JSON file written by `python -m training.verified_match`."""
        data = json.loads(Path(path).read_text())
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError(f"{path}: the rule was fitted on features {names}, this "
                             f"version computes {FEATURES}; refit it with python -m "
                             "training.verified_match")
        return cls(coef=tuple(float(c) for c in data["coef"]),
                   intercept=float(data["intercept"]), threshold=float(data["threshold"]),
                   features=names, fitted_on=str(data.get("fitted_on", "")))

    def to_json(self) -> dict[str, object]:
        return {"features": list(self.features), "coef": list(self.coef),
                "intercept": self.intercept, "threshold": self.threshold,
                "fitted_on": self.fitted_on}
