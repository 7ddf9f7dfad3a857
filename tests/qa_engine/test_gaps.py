"""Knowledge gaps from a seeded records database, grouped with the real MiniLM embedder."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gap_cases import TOPICS, seed

from qa_engine.gaps import (
    DECLINED,
    HANDED_OFF,
    VOTED_DOWN,
    collect_gap_items,
    format_gaps,
    knowledge_gaps,
    parse_since,
)
from qa_engine.records import Records
from qa_engine.records.schema import utcnow


@pytest.fixture
def records(tmp_path) -> Records:
    store = Records(f"sqlite:///{tmp_path / 'records.db'}")
    store.warm_up()
    yield store
    store.close()


def topic_of(question: str) -> str:
    return next(t for t, qs in TOPICS.items() if question in qs)


def test_gap_items_are_declines_downvotes_and_handoffs_of_the_period(records) -> None:
    ids = seed(records)
    items = collect_gap_items(records, utcnow() - timedelta(days=7))
    found = {i.answer_id: i.reasons for i in items}
    assert set(found) == {i for t in TOPICS for i in ids[t]}  # no good answer, no old decline
    assert found[ids["price"][0]] == {VOTED_DOWN}
    assert found[ids["wrap"][1]] == {DECLINED, HANDED_OFF}


def test_gaps_are_pure_groups_ranked_by_agents(records, embedder) -> None:
    seed(records)
    gaps = knowledge_gaps(records, embedder, since=timedelta(days=7), similarity=0.55)
    members = [[gap.name, *gap.examples] for gap in gaps]
    purity = [len({topic_of(q) for q in group}) == 1 for group in members]
    assert all(purity), members
    assert [topic_of(g.name) for g in gaps] == ["japan", "price", "wrap"]
    assert [(g.askers, g.questions) for g in gaps] == [(4, 4), (3, 4), (2, 4)]
    price = gaps[1]
    assert price.reasons == {DECLINED: 3, VOTED_DOWN: 1}
    assert gaps[2].reasons == {DECLINED: 4, HANDED_OFF: 1}
    assert gaps[0].passages == [
        {"title": "Shipping › International", "source": "japan.md", "score": 0.63}]
    assert len(gaps[0].examples) == 3 and gaps[0].name not in gaps[0].examples
    report = format_gaps(gaps, limit=2)
    assert report.startswith(f"1. {gaps[0].name}") and "... and 1 more gap(s)" in report


def test_no_gaps_says_so(records, embedder) -> None:
    assert knowledge_gaps(records, embedder, since=timedelta(days=7)) == []
    assert format_gaps([]).startswith("no knowledge gaps")


@pytest.mark.parametrize(("text", "period"), [("7d", timedelta(days=7)),
                                              ("24h", timedelta(hours=24)),
                                              (" 2W ", timedelta(weeks=2))])
def test_since_periods(text: str, period: timedelta) -> None:
    assert parse_since(text) == period


@pytest.mark.parametrize("text", ["", "7", "0d", "7 days", "-1d"])
def test_bad_since_is_one_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="is not a period like 7d"):
        parse_since(text)
