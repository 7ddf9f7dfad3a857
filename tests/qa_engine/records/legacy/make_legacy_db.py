"""Make `release_v3.sql`: a data directory's database as the release before Alembic wrote it.

Run ONCE with that release's code (commit d5083a0, schema v3: the `MIGRATIONS` dict and
`create_all` at start), never with today's: the point of the fixture is that it was
written by the old code path. It puts rows in every table a data directory had
(records, verified answers, processed events, question queue, hand-offs, rollbacks,
retrain runs and lock, APScheduler's job) and dumps the SQLite file as SQL text, so
the fixture is reviewable and `tests/qa_engine/records/test_migrations.py` can
rebuild the exact file:

    git worktree add /tmp/v3 d5083a0 && cd /tmp/v3 && \
        python tests/qa_engine/records/legacy/make_legacy_db.py OUT.sql
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
from pathlib import Path


def main(out: Path) -> None:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    from bot.state.keys import IdempotencyKeys
    from bot.state.questions import QuestionStore
    from bot.state.teamwork import Teamwork
    from qa_engine.db import make_engine
    from qa_engine.records import Records
    from qa_engine.types import Answer, Passage, SourceRef
    from training.runs import RetrainStore

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "records.db"
        url = f"sqlite:///{db}"
        records = Records(url)
        records.warm_up()
        passage = Passage(id="policies/returns.md#0", text="Returns within 30 days of delivery.",
                          title="Returns", source="policies/returns.md")
        ids = []
        for i in range(3):
            answer = Answer(question=f"return window {i}?", answer="Within 30 days.",
                            answered=True, span="30 days", span_start=15, span_end=22,
                            confidence=0.8, passage=passage, sources=[SourceRef(
                                id=passage.id, title="Returns", source=passage.source,
                                score=0.9)], model_version="shipped-0.6", latency_ms=12.0)
            ids.append(records.log_answer(answer, surface="command", channel="C1",
                                          asker="U9", message_ts=f"1700000000.00000{i}"))
        records.record_vote(ids[0], "U1", 1, source="reaction", event_ts="1700000001.000001")
        records.record_vote(ids[0], "U2", 1, source="button", event_ts="1700000001.000002")
        records.record_vote(ids[1], "U1", -1, source="reaction", event_ts="1700000001.000003")
        cid = records.add_correction(ids[1], "U1", "Within 30 days of delivery",
                                     reason="wrong_span")
        records.verified.add_from_correction(
            cid, passage_id=passage.id, passage_text=passage.text, passage_label="Returns",
            span="30 days", span_start=15)
        IdempotencyKeys(records).mark_event_processed("Ev0001")
        QuestionStore(records.engine).add({"text": "q", "channel": "C1", "asker": "U9"})
        team = Teamwork(records)
        handoff = team.add_handoff(ids[2], "U1", "C_LEADS")
        team.mark_posted(handoff, "1700000002.000001")
        team.record_rollback("U5", "shipped-0.6", "shipped-0.5", outcome="done")
        records.close()

        runs = RetrainStore(url)
        runs.warm_up()
        run = runs.start_run("manual", owner="host:1:abc", parent="shipped-0.6")
        runs.finish_run(run, "rejected", "candidate not better", candidate="cand-1")
        runs.acquire("host:1:abc", 60.0)
        runs.close()

        scheduler = BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(
            engine=make_engine(url), tablename="apscheduler_jobs")})
        scheduler.add_job("builtins:print", "interval", hours=1, id="legacy-job")
        scheduler.start(paused=True)
        scheduler.shutdown(wait=False)

        conn = sqlite3.connect(db)
        out.write_text("\n".join(conn.iterdump()) + "\n", encoding="utf-8")
        conn.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
