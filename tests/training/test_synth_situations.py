"""Situation questions, list-membership questions and two-section pages of the generator."""

from __future__ import annotations

from random import Random

import pytest

from training.synth import vocab as w
from training.synth.generator import ALL_FACTS, TOPICS, Generator, generate
from training.synth.pages import make_context
from training.synth.situations import (
    MEMBERSHIP,
    SITUATIONS,
    list_members,
    member_offset,
    membership_question,
    situation_question,
)


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    return generate(4000, seed=21)


def test_every_situation_belongs_to_a_real_fact() -> None:
    keys = {f.key for f in ALL_FACTS}
    assert set(SITUATIONS) <= keys and set(MEMBERSHIP) <= keys
    assert len(SITUATIONS) >= 60


def test_a_situation_question_is_one_of_the_facts_situations_in_a_frame() -> None:
    rng = Random(0)
    for _ in range(50):
        q = situation_question("shipping.lost", rng)
        assert q is not None
        assert any(s in q for s in SITUATIONS["shipping.lost"])
    assert situation_question("no.such", rng) is None


def test_membership_names_a_listed_member_or_is_a_same_pool_negative() -> None:
    answer = "Canada, Japan and the United Kingdom"
    pool = w.COUNTRIES
    assert list_members(answer, pool) == ["Canada", "the United Kingdom", "Japan"]
    seen = {"named": 0, "absent": 0}
    rng = Random(3)
    for _ in range(200):
        asked = membership_question("intl.countries", answer, rng)
        assert asked is not None
        question, gold = asked
        if gold:
            seen["named"] += 1
            assert gold in {"Canada", "Japan", "United Kingdom"}
            assert answer[member_offset(answer, gold):].startswith(gold)
            assert gold.lower() in question.lower()
        else:
            seen["absent"] += 1
            member = next(m.removeprefix("the ") for m in pool
                          if m.removeprefix("the ").lower() in question.lower())
            assert member not in answer
    assert seen["named"] > 40 and seen["absent"] > 40
    assert membership_question("returns.window", "30 days", rng) is None
    with pytest.raises(ValueError):
        member_offset(answer, "Peru")


def test_generated_data_holds_both_kinds_answerable_and_not(sample) -> None:
    situations = {s for options in SITUATIONS.values() for s in options}
    relayed = [r for r in sample if any(s in r["question"].lower() for s in situations)]
    assert len(relayed) > 0.05 * len(sample)
    assert 0.1 < sum(not r["answer_text"] for r in relayed) / len(relayed) < 0.6
    member = [r for r in sample if r["group"].endswith(("/member", "~not-listed"))]
    assert {bool(r["answer_text"]) for r in member} == {True, False}
    named = [r for r in member if r["answer_text"]]
    # the member asked about is the answer (agent-style typos may misspell it)
    assert sum(r["answer_text"].lower() in r["question"].lower() for r in named) > 0.6 * len(named)


def test_a_second_section_states_other_facts_and_keeps_every_offset() -> None:
    gen = Generator(seed=5)
    rng, ctx = gen.rng, make_context(gen.rng)
    topic = "returns"
    chosen = TOPICS[topic][:2]
    from training.synth.facts import render

    rendered = [render(f, rng, ctx) for f in chosen]
    passage = gen.layout("prose", rendered, topic, ctx)
    first = passage.text
    longer, stated = gen.second_section(passage, list(chosen), topic, ctx)
    assert longer.text.startswith(first + "\n\n")
    assert len(stated) > len(chosen)
    assert {f.topic for f in stated[len(chosen):]} != {topic}
    for key, (r, start) in longer.answers.items():
        assert longer.text[start:start + len(r.answer)] == r.answer, key


def test_two_section_pages_are_common_and_longer(sample) -> None:
    policy = [r for r in sample if r["kind"] == "policy"]
    two = [r for r in policy if "\n\n" in r["context"]]
    assert 0.2 < len(two) / len(policy) < 0.6
    mean = sum(len(r["context"].split()) for r in two) / len(two)
    rest = [r for r in policy if "\n\n" not in r["context"]]
    assert mean > 1.3 * sum(len(r["context"].split()) for r in rest) / len(rest)
