"""Make template questions read like what support agents actually type.

Agents write "cust asking if we ship to canada", drop question marks, lowercase
everything, abbreviate and make the odd typo. The reader must not depend on tidy
questions, so a share of every question is roughed up here (deterministically, from
the caller's random generator).
"""

from __future__ import annotations

import re
from random import Random

PREFIXES = (
    "cust asking ", "customer asking ", "cx wants to know ", "quick q: ", "hey team, ",
    "hi, ", "does anyone know ", "q - ", "customer wants to know ", "can someone confirm ",
    "cust on chat asking ", "sorry to bug, ",
)
ABBREVIATIONS = (
    (r"\bcustomers\b", "custs"), (r"\bcustomer\b", "cust"), (r"\bplease\b", "pls"),
    (r"\bwhat is\b", "whats"), (r"\bwhat's\b", "whats"), (r"\binformation\b", "info"),
    (r"\bdo not\b", "dont"), (r"\bbusiness days\b", "biz days"), (r"\byou\b", "u"),
    (r"\binternational\b", "intl"), (r"\band\b", "&"), (r"\bwith\b", "w/"),
    (r"\bthe\b ", ""), (r"\bare\b", "r"), (r"\bis there\b", "any"),
)


def typo(word: str, rng: Random) -> str:
    """One keyboard slip: swapped, dropped or doubled letter."""
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def style(question: str, rng: Random) -> str:
    """Rough up one question: case, punctuation, agent prefixes, shorthand, typos."""
    q = question.strip()
    if rng.random() < 0.45:
        q = q.lower()
    if rng.random() < 0.15:
        pattern, repl = rng.choice(ABBREVIATIONS)
        q = re.sub(pattern, repl, q, count=1).strip()
    if rng.random() < 0.18 and not q.lower().startswith(("cust", "customer", "cx")):
        q = rng.choice(PREFIXES) + q[:1].lower() + q[1:]
    if rng.random() < 0.3:
        q = q.rstrip("?").rstrip()
    if rng.random() < 0.07:
        words = q.split(" ")
        candidates = [i for i, word in enumerate(words) if word.isalpha() and word.islower()
                      and len(word) >= 5]
        if candidates:
            i = rng.choice(candidates)
            words[i] = typo(words[i], rng)
            q = " ".join(words)
    return re.sub(r"\s+", " ", q).strip() or question
