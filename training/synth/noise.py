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


# --- the question styles agents type (the field-test styles) -----------------------------
# `style()` above roughs up a share of questions a little; the field shows whole styles the
# templates never produce: keyword fragments ("restocking fee"), several typos in one
# question, a customer's situation relayed ("cust says ..., what do i tell her") and formal
# requests. `agent_style()` picks one style per question so that each is well represented.

STOPWORDS = frozenset(
    "a an the is are was were be been do does did can could will would should may might "
    "what whats what's which who whom how when where why there their they them we us our "
    "you your u i me my to of for on in at by it its this that these those if please pls "
    "tell know asking wants want any anyone someone confirm".split()
)
QUOTE_FRAMES = (
    "cust says {situation}, {q}", "customer says {situation} - {q}",
    "cust on chat, {situation}. {q}", "got a customer who says {situation}, {q}",
    "customer emailed: \"{q}\" what do i tell them", "cx asking \"{q}\"",
    "cust writes: {q} - what do we say?", "customer is asking {q} ({situation})",
    "hi all, customer {situation} and wants to know {q}", "{q} - customer on the phone",
)
SITUATIONS = (
    "she ordered last week", "he is in a hurry", "it's a gift for her sister",
    "they bought it online", "she is a returning customer", "he saw it on instagram",
    "they are travelling next month", "she is pretty upset", "it's for her son",
    "he can't find it on the site", "she already emailed twice", "he paid by card",
)
FORMAL_FRAMES = (
    "Could you tell me {q}", "I would like to know {q}", "Can you please confirm {q}",
    "{Q}", "{Q}", "May I ask {q}",
)


def terse(question: str) -> str:
    """Keyword fragment: the content words only ("what is the fee?" -> "fee")."""
    words = re.findall(r"[\w'$%.-]+", question.lower())
    kept = [w.strip(".") for w in words if w.strip(".") and w.strip(".") not in STOPWORDS]
    return " ".join(kept) or question


def typos(question: str, rng: Random, n: int) -> str:
    """Up to `n` keyboard slips in different words, the question lowercased."""
    words = question.lower().split(" ")
    candidates = [i for i, word in enumerate(words) if word.isalpha() and len(word) >= 5]
    for i in rng.sample(candidates, min(n, len(candidates))):
        words[i] = typo(words[i], rng)
    return " ".join(words)


def _as_clause(question: str) -> str:
    q = question.strip().rstrip("?").strip()
    return q[:1].lower() + q[1:]


def agent_style(question: str, rng: Random) -> str:
    """One question in one of the styles agents type, chosen at random.

    About a third keep the light roughening of `style()`; the rest become keyword
    fragments, typo-heavy lowercase, relayed customer situations or formal requests.
    """
    roll = rng.random()
    if roll < 0.36:
        return style(question, rng)
    if roll < 0.50:
        return terse(question)
    if roll < 0.66:
        q = typos(question, rng, rng.choice((1, 2, 2, 3)))
        return q.rstrip("?") if rng.random() < 0.6 else q
    if roll < 0.84:
        frame = rng.choice(QUOTE_FRAMES)
        q = _as_clause(question)
        if rng.random() < 0.3:
            q = typos(q, rng, 1)
        return frame.format(q=q, situation=rng.choice(SITUATIONS))
    frame = rng.choice(FORMAL_FRAMES)
    q = question.strip().rstrip("?")
    q = q[:1].upper() + q[1:]
    text = frame.format(q=_as_clause(question), Q=q)
    return text + "?"
