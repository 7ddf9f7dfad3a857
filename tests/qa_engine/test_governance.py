"""Data a retailer can govern, over a real records database (SQLite, and PostgreSQL when one
answers) and real training files: `forget` removes exactly one person's rows and file rows
with the right counts, retention drops old text and keeps the rows, the purge empties it all.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from bot.state import QuestionStore, Teamwork
from bot.state.erasure import BOT_TABLES
from bot.state.questions import QuestionJobRow
from qa_engine.governance import DataGovernance
from qa_engine.private import private_tree
from qa_engine.records import UP, Records
from qa_engine.records.erasure import all_tables
from qa_engine.records.schema import AnswerRow, CorrectionRow, utcnow
from qa_engine.types import Answer, Passage, RetrievedPassage, SourceRef

TABLES = all_tables(BOT_TABLES)  # every table with people's data, the bot's included
PASSAGE = Passage(id="returns::0001", title="Returns & Exchanges", source="returns.md",
                  text="Online orders can be returned within 30 days of delivery. "
                       "Gift cards are not refundable.")
SPAN = "within 30 days"


def answer(question: str) -> Answer:
    start = PASSAGE.text.index(SPAN)
    return Answer(question=question, answered=True, answer=f"Returns: {SPAN}.", span=SPAN,
                  confidence=0.8, sources=[SourceRef(PASSAGE.id, PASSAGE.label, PASSAGE.source,
                                                     0.7)],
                  model_version="v1", latency_ms=1.0, passage=PASSAGE, span_start=start,
                  span_end=start + len(SPAN), retrieved=[RetrievedPassage(PASSAGE, 0.7)])


@pytest.fixture(params=["sqlite", "postgresql"])
def records(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Records]:
    if request.param == "sqlite":
        store = Records(f"sqlite:///{tmp_path / 'records.db'}")
    else:
        store = Records(request.getfixturevalue("pg_url"),
                        schema=request.getfixturevalue("pg_schema"))
    store.warm_up()
    yield store
    store.close()


@dataclass
class World:
    """Rows from several people: UASK1 asked a1, a2; UASK2 asked a3; U1 and U2 voted 👍 on
    a1 (verified by votes); U1 corrected a3 (verified from the correction); hand-offs, a
    lead's rollback, queued questions, and training files made from the answers."""

    records: Records
    data_dir: Path
    a1: int
    a2: int
    a3: int

    @property
    def governance(self) -> DataGovernance:
        return DataGovernance(self.records, self.data_dir, retention=timedelta(days=30),
                              parts=BOT_TABLES)

    def count(self, table: str, where: str = "1=1") -> int:
        schema = self.records.schema
        name = f'"{schema}".{table}' if schema else table
        with self.records.engine.connect() as conn:
            return int(conn.scalar(text(f"SELECT COUNT(*) FROM {name} WHERE {where}")))

    def rows(self) -> dict[str, int]:
        return {table: self.count(table) for table in TABLES}

    def file_rows(self, name: str) -> list[dict[str, Any]]:
        path = self.data_dir / name
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


TRAIN = "retrain/run-00001/train.jsonl"
REVIEW = "feedback/dataset.review.jsonl"


@pytest.fixture
def world(records: Records, tmp_path: Path) -> World:
    a1 = records.log_answer(answer("Can I return my online order, asks Alice?"),
                            surface="command", channel="C1", asker="UASK1")
    a2 = records.log_answer(answer("Alice's second question about returns"),
                            surface="mention", channel="C1", asker="UASK1")
    a3 = records.log_answer(answer("Bob asks: are gift cards refundable?"),
                            surface="command", channel="C2", asker="UASK2")
    records.record_vote(a1, "U1", UP, source="button")
    records.record_vote(a1, "U2", UP, source="button")  # two 👍: verified
    correction = records.add_correction(a3, "U1", "Gift cards are not refundable.")
    records.verified.add_from_correction(
        correction, passage_id=PASSAGE.id, passage_text=PASSAGE.text,
        passage_label=PASSAGE.label, span="Gift cards are not refundable.",
        span_start=PASSAGE.text.index("Gift cards"))
    team = Teamwork(records)
    team.mark_replied(team.add_handoff(a1, "UASK1", "CLEADS"), "ULEAD")
    team.add_handoff(a3, "UASK2", "CLEADS")
    team.record_rollback("ULEAD", "v2", "v1", outcome="done")
    queue = QuestionStore(records.engine)
    queue.add({"text": "Alice again?", "asker": "UASK1", "channel": "C1", "surface": "command"})
    queue.add({"text": "Bob again?", "asker": "UASK2", "channel": "C2", "surface": "command"})
    data_dir = tmp_path / "data"
    (data_dir / "retrain" / "run-00001").mkdir(parents=True)
    (data_dir / "feedback").mkdir()
    train = [{"id": "base-1", "question": "base?", "context": PASSAGE.text},
             {"id": "fb-1", "question": "Can I return my online order, asks Alice?",
              "answer_ids": [a1], "overruled_answer_ids": []},
             {"id": "fb-3", "question": "Bob asks: are gift cards refundable?",
              "answer_ids": [a3], "overruled_answer_ids": []}]
    review = [{"answer_id": a2, "question": "Alice's second question about returns"},
              {"answer_id": a3, "question": "Bob asks: are gift cards refundable?"}]
    for name, lines in ((TRAIN, train), (REVIEW, review)):
        (data_dir / name).write_text("".join(json.dumps(r) + "\n" for r in lines))
    return World(records, data_dir, a1, a2, a3)


def test_forget_an_asker_removes_their_rows_text_and_file_rows_and_nothing_else(
        world: World) -> None:
    before = world.rows()
    report = world.governance.forget("UASK1")

    assert report.tables == {"answers": 2, "votes": 0, "corrections": 0, "verified_answers": 1,
                             "handoffs": 1, "rollbacks": 0, "question_jobs": 1}
    assert report.files == {TRAIN: 1, REVIEW: 1}
    # the answers stay (U1's and U2's votes hang on a1), without the asker or any text
    assert world.rows() == {**before, "handoffs": before["handoffs"] - 1,
                            "question_jobs": before["question_jobs"] - 1}
    assert world.count("answers", "asker = 'UASK1'") == 0
    assert world.count("answers", "question LIKE '%Alice%' OR reply <> ''") == 1  # Bob's a3
    assert world.count("verified_answers", "question LIKE '%Alice%'") == 0
    assert world.count("handoffs", "requested_by = 'UASK1'") == 0
    assert "Alice" not in json.dumps([world.file_rows(TRAIN), world.file_rows(REVIEW)])
    # the others' rows are untouched
    assert [r["id"] for r in world.file_rows(TRAIN)] == ["base-1", "fb-3"]
    assert [r["answer_id"] for r in world.file_rows(REVIEW)] == [world.a3]
    assert world.count("votes") == 2 and world.count("corrections") == 1
    assert world.count("handoffs", "requested_by = 'UASK2'") == 1
    assert world.count("question_jobs") == 1
    (served,) = world.records.verified.active()
    assert served.question.startswith("Bob asks")
    assert len(world.records.verified.all()) == 2  # the withdrawn one is kept, retired


def test_forget_a_voter_and_corrector_withdraws_what_they_verified(world: World) -> None:
    report = world.governance.forget("U1")

    assert report.tables == {"answers": 0, "votes": 1, "corrections": 1, "verified_answers": 2,
                             "handoffs": 0, "rollbacks": 0, "question_jobs": 0}
    assert report.files == {TRAIN: 2, REVIEW: 1}  # rows made from a1 (voted) and a3 (corrected)
    assert world.count("votes", "user_id = 'U1'") == 0 and world.count("votes") == 1
    assert world.count("corrections") == 0
    assert world.records.verified.active() == []  # one 👍 left on a1; a3's correction gone
    assert all("U1" not in v.verified_by for v in world.records.verified.all())
    assert world.count("answers", "question <> ''") == 3  # nobody's question was U1's
    assert [r["id"] for r in world.file_rows(TRAIN)] == ["base-1"]


def test_forget_is_idempotent_and_a_lead_loses_their_id_not_the_audit_rows(
        world: World) -> None:
    first = world.governance.forget("ULEAD")
    assert first.tables["handoffs"] == 1 and first.tables["rollbacks"] == 1
    assert world.count("rollbacks") == 1 and world.count("rollbacks", "user_id = 'ULEAD'") == 0
    assert world.count("handoffs", "replied_by = 'ULEAD'") == 0
    for user in ("ULEAD", "UASK1", "U1"):
        world.governance.forget(user)
    again = [world.governance.forget(user) for user in ("ULEAD", "UASK1", "U1")]
    assert [r.total for r in again] == [0, 0, 0]
    assert world.governance.forget("UNOBODY").total == 0
    with pytest.raises(ValueError):
        world.governance.forget("  ")


def _age(world: World, days: int, *answer_ids: int) -> None:
    then = utcnow() - timedelta(days=days)
    with world.records.engine.begin() as conn:
        conn.execute(update(AnswerRow).where(AnswerRow.id.in_(answer_ids))
                     .values(created_at=then))
        conn.execute(update(CorrectionRow).where(CorrectionRow.answer_id.in_(answer_ids))
                     .values(created_at=then))


def test_retention_drops_old_text_and_keeps_every_row_for_the_counts(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qa_engine.records.erasure.BATCH", 1)  # one row per transaction
    _age(world, 31, world.a2, world.a3)
    with world.records.engine.begin() as conn:  # a question never finished, a month old
        conn.execute(update(QuestionJobRow).where(QuestionJobRow.id == 1)
                     .values(admitted_at=time.time() - 31 * 86400))
    old_file = world.data_dir / TRAIN
    month_ago = time.time() - 31 * 86400
    os.utime(old_file, (month_ago, month_ago))
    before = world.rows()
    exported_before = len(list(world.records.export()))

    report = world.governance.apply_retention()

    assert report.tables["answers"] == 2 and report.tables["corrections"] == 1
    assert report.tables["question_jobs"] == 1
    assert report.files == {TRAIN: 3}
    assert not old_file.exists() and (world.data_dir / REVIEW).exists()  # written today
    assert world.rows() == before  # rows kept: counts, votes, the App Home's figures
    assert len(list(world.records.export())) == exported_before
    kept = world.records.engine.connect()
    try:
        questions = dict(kept.execute(select(AnswerRow.id, AnswerRow.question)).all())
        passages = dict(kept.execute(select(AnswerRow.id, AnswerRow.passage_text)).all())
        correction = kept.scalar(select(CorrectionRow.text))
    finally:
        kept.close()
    assert questions[world.a1].startswith("Can I return") and passages[world.a1]
    assert questions[world.a2] == questions[world.a3] == ""
    assert passages[world.a2] is None and passages[world.a3] is None
    assert correction == ""
    # the served verified answer keeps its text: it is what the bot answers with
    assert len(world.records.verified.active()) == 2
    assert world.governance.apply_retention().total == 0  # idempotent


def test_no_retention_period_drops_nothing(world: World) -> None:
    _age(world, 3650, world.a1, world.a2, world.a3)
    report = DataGovernance(world.records, world.data_dir, retention=None,
                            parts=BOT_TABLES).apply_retention()
    assert report.total == 0
    assert world.count("answers", "question = ''") == 0


def test_purge_empties_every_table_with_people_in_it_and_the_training_files(
        world: World) -> None:
    report = world.governance.purge_workspace()
    assert report.tables == {"answers": 3, "votes": 2, "corrections": 1, "verified_answers": 2,
                             "handoffs": 2, "rollbacks": 1, "question_jobs": 2}
    assert report.files == {TRAIN: 3, REVIEW: 2}
    assert world.rows() == dict.fromkeys(TABLES, 0)
    assert world.governance.training_files() == []
    with world.records.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AnswerRow)) == 0
    assert world.governance.purge_workspace().total == 0


def test_private_tree_makes_old_data_private(tmp_path: Path) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True, mode=0o755)
    (tmp_path / "d" / "e" / "f.json").write_text("{}")
    os.chmod(tmp_path / "d" / "e" / "f.json", 0o644)
    os.chmod(tmp_path / "d", 0o755)
    assert private_tree(tmp_path / "d") >= 2
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [tmp_path / "d",
                                                               *(tmp_path / "d").rglob("*")]}
    assert modes == {"d": 0o700, "e": 0o700, "f.json": 0o600}
    assert private_tree(tmp_path / "d") == 0


def test_a_forgotten_askers_questions_leave_the_knowledge_gaps(world: World) -> None:
    from qa_engine.gaps import collect_gap_items
    from qa_engine.records import DOWN

    world.records.record_vote(world.a2, "U2", DOWN, source="button")  # a gap: voted down
    since = utcnow() - timedelta(days=7)  # a1 and a3 were handed off: gaps too
    gaps = [i.answer_id for i in collect_gap_items(world.records, since)]
    assert gaps == [world.a1, world.a2, world.a3]
    world.governance.forget("UASK1")
    assert [i.answer_id for i in collect_gap_items(world.records, since)] == [world.a3]
