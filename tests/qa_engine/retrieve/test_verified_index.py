"""Verified answers through the real engine: a knowledge base of its own (real Chroma, real
ingestion), the shipped reader, a SQLite records database written by another connection."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qa_engine.corrections import ChromaPassages, Located
from qa_engine.ingest.ingestor import Ingestor
from qa_engine.pipeline import AnswerEngine
from qa_engine.records import UP, Records
from qa_engine.retrieve.verified_index import verify_correction
from qa_engine.settings import Settings

RETURNS = ("# Returns\n\nOnline orders can be returned within 30 days of delivery for a full "
           "refund. Items bought on sale can be returned within 14 days for store credit.\n")
SHIPPING = ("# Shipping\n\nStandard shipping is free on orders over $50. Express shipping "
            "costs $12 and arrives in two business days.\n")


class Setup:
    def __init__(self, engine: AnswerEngine, records: Records, settings: Settings,
                 kb_dir: Path) -> None:
        self.engine, self.records, self.settings, self.kb_dir = engine, records, settings, kb_dir

    @property
    def kb(self) -> ChromaPassages:
        return ChromaPassages(self.engine.retriever.collection)

    def asked(self, question: str) -> int:
        """Ask, and log the answer as the bot does; returns its id."""
        return self.records.log_answer(self.engine.ask(question), surface="command")

    def correct(self, answer_id: int, text: str, reason: str | None = None) -> Any:
        cid = self.records.add_correction(answer_id, "UFIX", text, reason=reason)
        return verify_correction(self.records, cid, self.kb)


@pytest.fixture
def setup(engine: AnswerEngine, tmp_path: Path) -> Iterator[Setup]:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    (kb_dir / "returns.md").write_text(RETURNS)
    (kb_dir / "shipping.md").write_text(SHIPPING)
    settings = Settings(data_dir=tmp_path / "data", _env_file=None, engine={"kb_paths": [kb_dir]})
    ours = AnswerEngine.from_settings(settings, reader=engine.reader)  # the shipped reader
    ours.warm_up()  # ingests kb_dir
    records = Records(settings.resolved_database_url)  # another connection: "the bot"
    records.warm_up()
    yield Setup(ours, records, settings, kb_dir)
    records.close()
    ours.verified.close()


QUESTION = "How much does express shipping cost?"


def test_a_correction_is_served_with_the_mark_at_the_next_ask(setup: Setup) -> None:
    first = setup.engine.ask(QUESTION)
    assert first.verified is None
    answer_id = setup.records.log_answer(first, surface="command")
    found = setup.correct(answer_id, "$12 and arrives in two business days",
                          reason="wrong_span")
    assert isinstance(found, Located)
    again = setup.engine.ask("how much does EXPRESS shipping cost")
    assert again.verified is not None and again.verified.origin == "correction"
    assert again.answered and again.span == "$12 and arrives in two business days"
    assert again.passage.text[again.span_start:again.span_end] == again.span
    assert again.span in again.answer and again.confidence == 1.0
    data = again.to_json()
    assert data["verified"]["origin"] == "correction" and data["verified"]["similarity"] >= 0.92


def test_a_near_miss_question_is_not_captured(setup: Setup) -> None:
    setup.correct(setup.asked(QUESTION), "$12")
    assert setup.engine.ask(QUESTION).verified is not None
    for other in ("Is standard shipping free?", "How long does express shipping take?",
                  "Can sale items be returned?"):
        assert setup.engine.ask(other).verified is None, other


def test_a_verified_answer_is_retired_when_its_passage_changes(setup: Setup) -> None:
    setup.correct(setup.asked(QUESTION), "$12")
    assert setup.engine.ask(QUESTION).verified is not None
    (setup.kb_dir / "shipping.md").write_text(SHIPPING.replace("$12", "$15"))
    Ingestor(setup.settings, setup.engine.retriever.embedder,
             setup.engine.retriever.collection).run([setup.kb_dir])
    after = setup.engine.ask(QUESTION)
    assert after.verified is None  # answered by the reader from the new text instead
    (row,) = setup.records.verified.all()
    assert row.status == "retired" and "passage" in (row.status_reason or "")


def test_two_agents_thumbs_up_are_served_as_verified(setup: Setup) -> None:
    question = "What is the return window for online orders?"
    answer_id = setup.asked(question)
    setup.records.record_vote(answer_id, "U1", UP, source="reaction")
    assert setup.engine.ask(question).verified is None  # one agent is not enough
    setup.records.record_vote(answer_id, "U2", UP, source="button")
    served = setup.engine.ask(question)
    assert served.verified is not None and served.verified.origin == "votes"


def test_not_covered_is_never_verified(setup: Setup) -> None:
    """Nothing to serve; who may train on it (a decline) is recorded on the correction."""
    answer_id = setup.asked(QUESTION)
    assert setup.correct(answer_id, "$12", reason="not_covered") is None
    agent = setup.records.add_correction(answer_id, "UAGENT", "not in the KB",
                                         reason="not_covered")
    assert verify_correction(setup.records, agent, setup.kb, publish=False) is None
    assert setup.records.verified.all() == []
    (row,) = [r for r in setup.records.export() if r["answer_id"] == answer_id]
    assert [c["publication"] for c in row["corrections"]] == ["active", "pending"]


def test_verified_answers_can_be_switched_off(engine: AnswerEngine, tmp_path: Path) -> None:
    off = Settings(data_dir=tmp_path, _env_file=None, engine={"verified_answers": False})
    assert AnswerEngine.from_settings(off, reader=engine.reader).verified is None


def test_unreachable_records_leave_the_reader_answering(
        engine: AnswerEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A records database that cannot be opened: answered by the reader, then not retried."""
    from qa_engine.retrieve.verified_index import VerifiedIndex

    (tmp_path / "a-file").write_text("")
    gone = Records(f"sqlite:///{tmp_path / 'a-file' / 'records.db'}")  # cannot be created
    index = VerifiedIndex(gone, engine.retriever.embedder,
                          ChromaPassages(engine.retriever.collection), threshold=0.92)
    served = AnswerEngine(engine.retriever, engine.reader, engine.composer, verified=index)
    with caplog.at_level("WARNING", logger="qa_engine.retrieve.verified_index"):
        answer = served.ask("What is the return window for online orders?")
        assert index.lookup("anything") is None  # skipped during the back-off
    assert answer.verified is None and answer.answered and answer.span
    (warning,) = [r.message for r in caplog.records if "unavailable" in r.message]
    assert warning.startswith("verified answers unavailable for 30 s, answering from the reader")


def test_a_pending_correction_is_served_to_its_author_only_until_published(
        setup: Setup) -> None:
    published = setup.correct(setup.asked(QUESTION), "$12")  # published (a lead's)
    assert isinstance(published, Located)
    answer_id = setup.asked(QUESTION)
    cid = setup.records.add_correction(answer_id, "UAGENT", "arrives in two business days")
    assert isinstance(verify_correction(setup.records, cid, setup.kb, publish=False), Located)
    (pending,) = setup.records.verified.pending()

    mine = setup.engine.ask(QUESTION, asker="UAGENT")
    assert mine.verified is not None and mine.verified.id == pending.id
    assert not mine.verified.published and mine.span == "arrives in two business days"
    for other in ("UOTHER", None):  # everyone else still gets the published one
        theirs = setup.engine.ask(QUESTION, asker=other)
        assert theirs.verified is not None and theirs.verified.published
        assert theirs.span == "$12" and theirs.verified.verified_by == ("UFIX",)

    assert setup.records.verified.publish(pending.id, "ULEAD", "a lead")
    now = setup.engine.ask(QUESTION, asker="UOTHER")  # the next question, no restart
    assert now.verified is not None and now.verified.id == pending.id
    assert now.verified.verified_by == ("UAGENT", "ULEAD")
    assert setup.records.verified.withdraw(pending.id, "ULEAD")
    after = setup.engine.ask(QUESTION, asker="UAGENT")
    assert after.verified is None or after.verified.id != pending.id
