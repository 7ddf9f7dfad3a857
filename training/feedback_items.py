"""One answer's feedback as items: each vote tally and each correction, placed or not.

`items_from_row` reads one exported answer (qa_engine/records `export()`) and returns its
`FeedbackItem`s (what can become training data: a voted span, a located correction, a
decline) and the `ReviewItem`s that cannot, with the reason (training/review.py).
`training/feedback.py` groups the items of all answers into examples. Pure except the
knowledge-base look-up a correction may need.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from qa_engine.corrections import USED, Located, PassageSource, locate, locate_correction
from qa_engine.records.schema import NOT_COVERED, OUTDATED
from qa_engine.records.verified import ACTIVE, PENDING, WITHDRAWN
from training.review import (
    CORRECTION_NOT_IN_KB,
    CORRECTION_NOT_IN_PASSAGE,
    NET_DOWN,
    NO_PASSAGE,
    NOT_APPROVED,
    NOT_COVERED_BY_KB,
    REVIEW_ACTION,
    REVIEW_TEXT,
    SPAN_NOT_IN_PASSAGE,
    TIED_VOTES,
)

DECLINE = ""  # candidate key of "the bot was right to decline"
# a correction whose verified answer is in these states is not trained on (docs/slack.md,
# "Who can ask and who can publish": an agent's correction waits for approval)
UNPUBLISHED = (PENDING, WITHDRAWN)


@dataclass(frozen=True)
class FeedbackItem:
    """One thing agents gave: the votes on an answer, or one correction."""

    answer_id: int
    kind: str  # "vote" | "correction"
    question: str
    passage_text: str | None
    passage_id: str | None
    answer_text: str  # the span (vote on an answer), the correction text, "" = declined
    answer_start: int  # located offset in passage_text; -1 = declined or not found
    up: int = 0
    down: int = 0
    user: str | None = None  # the corrector
    reason: str | None = None  # what the corrector says was wrong (CORRECTION_REASONS)
    located: str = ""  # where the correction was found: used | retrieved | kb
    negative_id: str | None = None  # the passage the bot wrongly used: a hard negative
    negative_text: str | None = None

    @property
    def score(self) -> int:
        return self.up - self.down if self.kind == "vote" else 1


@dataclass(frozen=True)
class ReviewItem:
    """An item that did not become training data, and why."""

    item: FeedbackItem
    reason: str
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "why": REVIEW_TEXT[self.reason],
                "action": REVIEW_ACTION[self.reason], "detail": self.detail,
                **{k: v for k, v in asdict(self.item).items() if k != "reason"},
                "correction_reason": self.item.reason}


def items_from_row(row: Mapping[str, Any], kb: PassageSource | None = None,
                   ) -> tuple[list[FeedbackItem], list[ReviewItem]]:
    """The feedback items of one exported answer, and those that cannot be used at all.

    `kb` (the knowledge base now) lets a correction be found outside the passage used."""
    items: list[FeedbackItem] = []
    review: list[ReviewItem] = []
    if not str(row.get("question") or "").strip():
        # its text was dropped (retention, `stylesprint forget`: qa_engine/governance.py):
        # nothing left to learn from or to review
        return items, review
    passage = row.get("passage_text")
    base = dict(answer_id=int(row["answer_id"]), question=str(row["question"]),
                passage_text=passage, passage_id=row.get("passage_id"))
    votes = row.get("votes") or {}
    up, down = int(votes.get("up", 0)), int(votes.get("down", 0))
    if up or down:
        span = row.get("span") if row.get("answered") else None
        item = FeedbackItem(kind="vote", answer_text=span or DECLINE, answer_start=-1, up=up,
                            down=down, **base)
        if not passage:
            review.append(ReviewItem(item, NO_PASSAGE))
        elif span:
            start, end = row.get("span_start"), row.get("span_end")
            if start is not None and end is not None and passage[start:end] == span:
                items.append(FeedbackItem(**{**asdict(item), "answer_start": int(start)}))
            elif (found := locate(span, passage)) is not None:
                items.append(FeedbackItem(**{**asdict(item), "answer_text": found[0],
                                             "answer_start": found[1]}))
            elif up > down:
                review.append(ReviewItem(item, SPAN_NOT_IN_PASSAGE, f"span {span!r}"))
            else:  # a 👎 on an unlocatable span still counts against nothing trainable
                review.append(ReviewItem(item, NET_DOWN if down > up else TIED_VOTES))
        else:
            items.append(item)
    for correction in row.get("corrections") or []:
        item = FeedbackItem(kind="correction", answer_text=str(correction["text"]),
                            answer_start=-1, user=correction.get("user"),
                            reason=correction.get("reason"), **base)
        if correction.get("publication") in UNPUBLISHED:  # not trained on until approved
            review.append(ReviewItem(item, NOT_APPROVED, str(correction["publication"])))
            continue
        placed = _correction_item(item, row, correction.get("source"), kb,
                                  correction.get("publication"))
        (items if isinstance(placed, FeedbackItem) else review).append(placed)
    anchor = next((i for i in items if i.kind == "correction"), None)
    if anchor is not None:  # a 👎 on the bot's answer joins the located correction's group,
        # where the correction overrules it: it is no "👎 without a correction"
        downs = [i for i in items if i.kind == "vote" and i.score <= 0]
        downs += [r.item for r in review if r.item.kind == "vote" and r.item.score <= 0]
        review = [r for r in review if r.item not in downs]
        items = [i for i in items if i not in downs] + [
            FeedbackItem(**{**asdict(i), "passage_text": anchor.passage_text,
                            "passage_id": anchor.passage_id}) for i in downs]
    return items, review


def _correction_item(item: FeedbackItem, row: Mapping[str, Any], hint: str | None,
                     kb: PassageSource | None, publication: str | None = None,
                     ) -> FeedbackItem | ReviewItem:
    """A correction located in the knowledge base (qa_engine/corrections.py), or why not.

    Found in another passage than the one the bot used, the used one is exported as the
    question's hard negative (the bot read the wrong passage)."""
    if item.reason == NOT_COVERED:
        if not item.passage_text or publication != ACTIVE:
            # nothing was read (only the gap to fill), or no lead vouched for it (the
            # export's `publication`: NULL on corrections older than the column)
            return ReviewItem(item, NOT_COVERED_BY_KB)
        # The knowledge base does not answer the question, so neither does the passage
        # the bot read: the reader should have declined there (SQuAD 2.0's unanswerable
        # example, on the very passage it answered from with a neighbouring fact).
        return FeedbackItem(**{**asdict(item), "answer_text": DECLINE, "answer_start": -1,
                               "located": USED})
    if not item.passage_text and kb is None:
        return ReviewItem(item, NO_PASSAGE)
    found = locate_correction(item.answer_text, used_id=item.passage_id,
                              used_text=item.passage_text,
                              retrieved_ids=row.get("retrieved_ids") or [], kb=kb,
                              question=item.question)
    if not isinstance(found, Located):
        detail = "; ".join(x for x in (found.detail(), f"source given: {hint}" if hint else "",
                                       "the agent says the answer is outdated"
                                       if item.reason == OUTDATED else "") if x)
        return ReviewItem(item, CORRECTION_NOT_IN_KB if kb is not None
                          else CORRECTION_NOT_IN_PASSAGE, detail)
    elsewhere = found.where != USED and bool(item.passage_text)
    return FeedbackItem(**{
        **asdict(item), "answer_text": found.text, "answer_start": found.start,
        "passage_text": found.passage_text, "passage_id": found.passage_id or item.passage_id,
        "located": found.where,
        "negative_id": item.passage_id if elsewhere else None,
        "negative_text": item.passage_text if elsewhere else None})
