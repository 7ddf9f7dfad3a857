"""The Home view stays within Block Kit's limits whatever the lists hold."""

from __future__ import annotations

from datetime import datetime

from bot.home import LeadFigures, cut, home_view
from bot.state.reports import PeriodStats, RecentQuestion
from qa_engine.gaps import Gap


def test_cut_keeps_room_for_the_count_line() -> None:
    assert cut([1, 2, 3], 6, 2) == ([1, 2, 3], 0)
    assert cut([1, 2, 3, 4], 6, 2) == ([1, 2], 2)
    assert cut([1, 2], 0, 2) == ([], 2)


def test_a_full_lead_view_fits_in_100_blocks_and_3000_characters() -> None:
    recent = [RecentQuestion(n, "q" * 5000, n % 2 == 0, "a" * 5000, datetime(2026, 12, 1),
                             None) for n in range(200)]
    gaps = [Gap(f"gap {n} " + "g" * 4000, 3, 4, {"declined": 4}, ["e" * 4000],
                [{"title": "t" * 4000, "source": "s", "score": 0.5}]) for n in range(30)]
    stats = PeriodStats(10, 5, 3, 1, 2, 1)
    lead = LeadFigures(stats, PeriodStats(0, 0, 0, 0, 0, 0), gaps, "v2", "v1", None)
    view = home_view(recent, 500, lead)
    blocks = view["blocks"]
    assert len(blocks) <= 100
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert max(len(s) for s in sections) <= 3000
    text = str(blocks)
    assert "…and 25 more gap(s)" in text and "more question(s) not shown" in text
    assert "*Questions asked:* 10  (last week 0)" in text and "*Answered:* 50%" in text
    assert "*:+1: of votes:* 75%" in text and "Roll back to v1" in text
