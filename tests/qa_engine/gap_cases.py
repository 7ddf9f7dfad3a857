"""A seeded records database of unanswered questions with known topics (gap tests)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.state import Teamwork
from qa_engine.records import DOWN, UP, Records
from qa_engine.records.schema import AnswerRow, utcnow
from qa_engine.types import Answer, SourceRef

TOPICS = {
    "wrap": ["Do you offer gift wrapping?", "Can I get my order gift wrapped?",
             "Is gift wrap available for online orders?", "How much does gift wrapping cost?"],
    "price": ["Do you price match competitors?",
              "Will StyleSprint match a lower price from another store?",
              "Is there a price match guarantee?", "Can a customer get a price match?"],
    "japan": ["Do you ship to Japan?", "Can we send orders to Tokyo?",
              "Is shipping to Japan available?", "How long does delivery to Japan take?"],
}
SOURCE = {"wrap": ("Gift Cards", 0.41), "price": ("Pricing & Promotions", 0.52),
          "japan": ("Shipping › International", 0.63)}


def declined(question: str, topic: str) -> Answer:
    title, score = SOURCE[topic]
    return Answer(question=question, answered=False, answer="I couldn't find that.", span=None,
                  confidence=0.1, sources=[SourceRef(f"{topic}-1", title, f"{topic}.md", score)],
                  model_version="shipped-v1", latency_ms=10.0)


def answered(question: str) -> Answer:
    return Answer(question=question, answered=True, answer="Within 30 days.", span="30 days",
                  confidence=0.9, sources=[SourceRef("returns-1", "Returns", "r.md", 0.8)],
                  model_version="shipped-v1", latency_ms=10.0)


def seed(records: Records) -> dict[str, list[int]]:
    """Japan asked by 4 agents, price by 3, wrap by 2; plus noise that is not a gap.

    Price's first phrasing is answered but voted 👎 (a gap), one wrap question is
    handed off; a good answer and an old decline are not in a 7-day report.
    """
    askers = {"japan": ["U1", "U2", "U3", "U4"], "price": ["U1", "U2", "U3", "U3"],
              "wrap": ["U5", "U5", "U6", "U6"]}
    ids: dict[str, list[int]] = {}
    for topic, questions in TOPICS.items():
        for question, asker in zip(questions, askers[topic], strict=True):
            made = answered(question) if question == TOPICS["price"][0] else declined(question,
                                                                                      topic)
            ids.setdefault(topic, []).append(
                records.log_answer(made, surface="mention", channel="C1", asker=asker))
    records.record_vote(ids["price"][0], "U1", DOWN, source="reaction")
    Teamwork(records).add_handoff(ids["wrap"][1], "U5", "C0LEADS")
    good = records.log_answer(answered("What is the return window?"), surface="command",
                              channel="C1", asker="U7")
    records.record_vote(good, "U7", UP, source="button")
    old = records.log_answer(declined("Do you ship to Mars?", "japan"), surface="command",
                             channel="C1", asker="U8")
    with records.engine.begin() as conn:
        conn.execute(update(AnswerRow).where(AnswerRow.id == old)
                     .values(created_at=utcnow() - timedelta(days=30)))
    ids["noise"] = [good, old]
    return ids
