"""docs/benchmarks.md states exactly the figures in bench/results/*.json."""

from __future__ import annotations

from bench.summary import BEGIN, DOC, END, render


def test_benchmarks_doc_matches_the_committed_results():
    doc = DOC.read_text()
    generated = doc[doc.index(BEGIN) + len(BEGIN): doc.index(END)]
    assert generated.strip() == render().strip(), (
        "docs/benchmarks.md is out of date: run `python -m bench.summary --write`"
    )


def test_every_section_names_its_machine_and_command():
    text = render()
    for name in ("latency", "slack_load", "ingest", "retrain", "levers"):
        assert f"python -m bench.{name}" in text
    assert text.count("cores, torch") >= 6
