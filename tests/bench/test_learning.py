"""bench.learning's tabulation on hand-made results: each part's share right per phase,
and of the questions right before, the share still right."""

from __future__ import annotations

from bench.learning import tabulate


def test_parts_and_what_stayed_right() -> None:
    taught = [{"id": "t1", "group": "g1", "answer": "x"}, {"id": "t2", "group": "g2",
                                                           "answer": "y"}]
    paraphrases = [{"id": "p1", "group": "g1", "answer": "x"},
                   {"id": "p2", "group": "g2", "answer": "y"},
                   {"id": "p3", "group": "g2", "answer": "y"}]
    outside = [{"id": "o1", "group": "g3", "answer": ""}]
    kinds = {"t1": "corrected", "t2": "up"}

    def res(right: set[str], verified: set[str] = frozenset()) -> dict[str, dict[str, bool]]:
        ids = ["t1", "t2", "p1", "p2", "p3", "o1"]
        return {i: {"right": i in right, "verified": i in verified, "declined": i == "o1"}
                for i in ids}

    phases = {"before": res({"t2", "p2", "p3", "o1"}),
              "verified": res({"t1", "t2", "p1", "p2", "o1"}, verified={"t1", "p1"})}
    figures: dict = {}
    tabulate(figures, phases, kinds, taught, paraphrases, outside)
    after = figures["phases"]["verified"]
    assert after["corrected"] == {"n": 1, "right": 1.0, "verified_served": 1,
                                  "still_right": None}
    assert after["corrected, paraphrases"]["verified_served"] == 1
    # p2 and p3 were right before; p3 is wrong now
    assert after["confirmed, paraphrases"]["right"] == 0.5
    assert after["confirmed, paraphrases"]["still_right"] == 0.5
    assert after["outside, unanswerable"]["declined"] == 1.0
