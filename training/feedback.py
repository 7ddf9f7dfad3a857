"""From agents' feedback (votes and corrections) to training examples, and a review list.

The records (`qa_engine.records.Records.export()`) hold every answer the bot gave with
the passage text exactly as the reader saw it and the span offsets in it. An
agent's 👍 confirms that span; a correction names the right answer, which is
located (qa_engine/corrections.py) in the passage used, the other passages the answer
retrieved, then the whole knowledge base; found elsewhere than in the passage used, that
passage becomes the question's hard negative. A correction whose agent says the knowledge
base does not cover the question teaches the reader to decline it on the passage it read
when a lead wrote it (and stays in the knowledge-gap report). Everything agents gave ends
up in exactly one of:

- the training examples (project JSONL, loadable by `training.datasets.load_jsonl`);
- the held-out examples: a deterministic slice of the corrections that joins the
  frozen gold set and is never trained on;
- the review list, with the reason it could not become training data and what a lead
  can do (training/review.py: a 👎 without a correction, a correction written nowhere in
  the knowledge base, a tie ...).

A 👎 that has had no correction for over a day is also listed for review
(`stale_downvotes`), whatever became of the vote itself.

Rules (docs/retraining.md has the prose):
- one feedback *item* per answer with a current vote (its tally of latest votes)
  and one per correction;
- items about the same question (case and spacing ignored) and the same passage
  text are one *group*; inside a group each candidate answer (a span, or "" for
  "rightly declined") scores its 👍 minus 👎, plus one per correction naming it;
- the candidate with the highest positive score wins if no other ties it: its
  items are merged into one example; items for candidates with a score <= 0 are
  overruled by it (kept as provenance on the example); other positive candidates
  are outvoted and go to review. No positive candidate, or a tie: review.

This module is pure (rows in, dataclasses out) except `load_feedback_rows` and
`write_dataset`, so every rule is tested on hand-written rows.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from qa_engine.corrections import USED, Located, PassageSource, locate, locate_correction
from qa_engine.records.schema import NOT_COVERED, OUTDATED
from qa_engine.records.verified import (
    ACTIVE,
    PENDING,
    WITHDRAWN,
    StaleDownvote,
    question_key,
)
from training.datasets import QAExample, write_jsonl
from training.evaluation.metrics import normalize_answer
from training.review import (  # noqa: F401  (re-exported: the codes' home was here)
    CONFLICT,
    CORRECTION_NOT_IN_KB,
    CORRECTION_NOT_IN_PASSAGE,
    IN_GOLD_SET,
    NET_DOWN,
    NO_PASSAGE,
    NOT_APPROVED,
    NOT_COVERED_BY_KB,
    OUTVOTED,
    REVIEW_ACTION,
    REVIEW_TEXT,
    SPAN_NOT_IN_PASSAGE,
    STALE_DOWNVOTE,
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


@dataclass
class FeedbackDataset:
    """Training examples, held-out gold examples and the review list, with counts."""

    train: list[dict[str, Any]] = field(default_factory=list)
    heldout: list[dict[str, Any]] = field(default_factory=list)
    review: list[ReviewItem] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)
    # 👎 without a correction for over a day (listed with the review, whatever became of the
    # vote above: overruled and outvoted votes are in no other list)
    stale_downvotes: list[ReviewItem] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Changes exactly when the examples (train or held out) change."""
        rows = sorted((r["id"], r["question"], r["context"], r["answer_text"], r["answer_start"])
                      for r in self.train + self.heldout)
        return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def to_example(row: Mapping[str, Any]) -> QAExample:
    return QAExample(**{k: row[k] for k in QAExample.__dataclass_fields__ if k in row})


def example_key(question: str, context: str) -> tuple[str, str]:
    """Two examples are duplicates when question (case/spacing aside) and passage agree."""
    return question_key(question), context


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


def _bucket(key: tuple[str, str]) -> float:
    """A stable number in [0, 1) per question+passage: decides the held-out slice."""
    digest = hashlib.sha256(("\0".join(key)).encode()).hexdigest()
    return int(digest[:8], 16) / 2**32


def held_out(key: tuple[str, str], heldout_share: float, rotation: int = 0) -> bool:
    """Whether the correction example `key` is held out for the gold set this time.

    The examples fall into `round(1 / heldout_share)` stable slots (a hash of question and
    passage); slot `rotation mod slots` is held out. The retrain passes the week's number
    as `rotation`, so a correction held out this week is trained on next week and no
    correction is only ever judged; rotation 0 holds out the hash's lowest share, as
    before rotation existed.
    """
    if heldout_share <= 0:
        return False
    slots = max(1, round(1 / min(heldout_share, 1.0)))
    return int(_bucket(key) * slots) == rotation % slots


def build_dataset(
    rows: Iterable[Mapping[str, Any]],
    *,
    gold_keys: frozenset[tuple[str, str]] | set[tuple[str, str]] = frozenset(),
    heldout_share: float = 0.2,
    kb: PassageSource | None = None,
    stale_downvotes: Sequence[StaleDownvote] = (),
    rotation: int = 0,
) -> FeedbackDataset:
    """Turn exported answer rows into a `FeedbackDataset` (see the module docstring).

    `kb`: where corrections are searched beyond the passage used (None: that passage only).
    `stale_downvotes` (`Records.verified.stale_downvotes()`) are listed for review.
    `rotation`: which slot of corrections is held out (`held_out`; the retrain passes the
    week number).
    """
    ds = FeedbackDataset()
    groups: dict[tuple[str, str], list[FeedbackItem]] = defaultdict(list)
    answers = with_feedback = total_items = 0
    for row in rows:
        answers += 1
        items, review = items_from_row(row, kb)
        if items or review:
            with_feedback += 1
        total_items += len(items) + len(review)
        ds.review.extend(review)
        for item in items:
            assert item.passage_text is not None
            groups[example_key(item.question, item.passage_text)].append(item)

    in_examples = overruled = merged = 0
    kinds: dict[str, int] = defaultdict(int)
    for key, items in groups.items():
        support: dict[str, int] = defaultdict(int)
        for item in items:
            support[normalize_answer(item.answer_text)] += item.score
        ranked = sorted(support.items(), key=lambda kv: kv[1], reverse=True)
        best, best_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else None
        if best_score <= 0:
            for item in items:
                ds.review.append(ReviewItem(item, NET_DOWN if item.score < 0 else TIED_VOTES))
            continue
        if runner_up == best_score:
            tied = [c for c, s in ranked if s == best_score]
            for item in items:
                ds.review.append(ReviewItem(item, CONFLICT, "tied: " + " | ".join(
                    repr(c or "(decline)") for c in tied)))
            continue
        winners = [i for i in items if normalize_answer(i.answer_text) == best]
        losers = [i for i in items if normalize_answer(i.answer_text) != best]
        outvoted = [i for i in losers if support[normalize_answer(i.answer_text)] > 0]
        for item in outvoted:
            ds.review.append(ReviewItem(item, OUTVOTED, f"winner {best or '(decline)'!r} "
                                        f"scores {best_score}"))
        if key in gold_keys:
            for item in winners + [i for i in losers if i not in outvoted]:
                ds.review.append(ReviewItem(item, IN_GOLD_SET))
            continue
        example = _example(key, winners, [i for i in losers if i not in outvoted])
        kinds[example["kind"]] += 1
        in_examples += len(winners)
        overruled += len(losers) - len(outvoted)
        merged += len(winners) - 1
        if example["kind"] == "feedback-correction" and held_out(key, heldout_share, rotation):
            ds.heldout.append(example)
        else:
            ds.train.append(example)

    by_reason: dict[str, int] = defaultdict(int)
    for r in ds.review:
        by_reason[r.reason] += 1
    ds.counts = {
        "answers": answers,
        "answers_with_feedback": with_feedback,
        "feedback_items": total_items,
        "examples": len(ds.train) + len(ds.heldout),
        "train": len(ds.train),
        "heldout": len(ds.heldout),
        "from_votes": kinds["feedback-vote"],
        "from_corrections": kinds["feedback-correction"],
        "declines_confirmed": kinds["feedback-decline"],
        "items_merged_as_duplicates": merged,
        "items_overruled": overruled,
        "review": len(ds.review),
        "review_by_reason": dict(sorted(by_reason.items())),
    }
    ds.stale_downvotes = [ReviewItem(FeedbackItem(
        answer_id=d.answer_id, kind="vote", question=d.question, passage_text=None,
        passage_id=None, answer_text="", answer_start=-1, up=d.up, down=d.down),
        STALE_DOWNVOTE, f"last 👎 {d.last_down_at:%Y-%m-%d %H:%M} UTC, message {d.message_ts} "
        f"in {d.channel}") for d in stale_downvotes]
    ds.counts["downvotes_without_correction"] = len(ds.stale_downvotes)
    accounted = in_examples + overruled + len(ds.review)
    if accounted != total_items:  # a bug here would silently lose feedback: refuse instead
        raise RuntimeError(f"feedback bookkeeping: {total_items} items but {accounted} placed")
    return ds


def _example(key: tuple[str, str], winners: list[FeedbackItem],
             overruled: list[FeedbackItem]) -> dict[str, Any]:
    first = winners[0]
    has_correction = any(i.kind == "correction" for i in winners)
    kind = ("feedback-correction" if has_correction
            else "feedback-decline" if first.answer_text == DECLINE else "feedback-vote")
    # prefer the span as an agent wrote it (a correction) over the bot's own
    source = next((i for i in winners if i.kind == "correction"), first)
    votes = [i for i in winners if i.kind == "vote"]
    corrections = [i for i in winners if i.kind == "correction"]
    negatives = {i.negative_id or "": i.negative_text for i in corrections if i.negative_text}
    return {
        "id": "fb-" + hashlib.sha256(("\0".join(key)).encode()).hexdigest()[:12],
        "question": first.question.strip(),
        "context": first.passage_text,
        "answer_text": source.answer_text,
        "answer_start": source.answer_start if source.answer_text else -1,
        "doc": first.passage_id or "",
        "group": "feedback",
        "reference": "",
        "kind": kind,
        # provenance (ignored by the loaders): which answers and votes this came from
        "answer_ids": sorted({i.answer_id for i in winners}),
        "overruled_answer_ids": sorted({i.answer_id for i in overruled}),
        "votes": {"up": sum(i.up for i in votes), "down": sum(i.down for i in votes)},
        "corrections": len(corrections),
        # what the correctors said was wrong, and the passages the bot wrongly read for this
        # question (hard negatives for retrieval/reading)
        "correction_reasons": sorted({i.reason for i in corrections if i.reason}),
        "hard_negatives": [{"passage_id": pid or None, "text": text}
                           for pid, text in negatives.items()],
    }


def negative_examples(examples: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The trained corrections' hard negatives as unanswerable examples (kind
    "feedback-negative"): the question on the passage the bot wrongly answered from, the
    right answer having been found in another one. The reader should have declined there;
    without these it learns only where the answer is, and grows surer of every passage of
    the knowledge base it was taught on (a retrain of shipped-0.7 declined fewer of the
    field test's unanswerable questions). A pair that is itself an example is left out."""
    have = {example_key(ex["question"], ex["context"]) for ex in examples}
    out: list[dict[str, Any]] = []
    for ex in examples:
        for k, negative in enumerate(ex.get("hard_negatives") or []):
            key = example_key(ex["question"], negative.get("text") or "")
            if not negative.get("text") or key in have:
                continue
            have.add(key)
            out.append({"id": f"{ex['id']}-neg{k}", "question": ex["question"],
                        "context": negative["text"], "answer_text": "", "answer_start": -1,
                        "doc": negative.get("passage_id") or "", "group": "feedback",
                        "reference": "", "kind": "feedback-negative",
                        "answer_ids": ex.get("answer_ids", [])})
    return out


def load_feedback_rows(database_url: str) -> list[dict[str, Any]]:
    """Every exported answer row from the records database (read-only use)."""
    from qa_engine.records import Records

    records = Records(database_url)
    try:
        records.warm_up()
        return list(records.export())
    finally:
        records.close()


def dataset_paths(out: Path) -> dict[str, Path]:
    """`x.jsonl` -> train `x.jsonl`, held out `x.heldout.jsonl`, review `x.review.jsonl`."""
    out = Path(out)
    stem = out.name.removesuffix(".jsonl")
    return {"train": out, "heldout": out.with_name(f"{stem}.heldout.jsonl"),
            "review": out.with_name(f"{stem}.review.jsonl")}


def write_dataset(ds: FeedbackDataset, out: Path) -> dict[str, Path]:
    paths = dataset_paths(out)
    write_jsonl(ds.train, paths["train"])
    write_jsonl(ds.heldout, paths["heldout"])
    write_jsonl((r.to_json() for r in ds.review + ds.stale_downvotes), paths["review"])
    return paths


def format_counts(counts: Mapping[str, Any]) -> str:
    """The human summary `feedback dataset` and `retrain` print."""
    lines = [
        f"{counts['answers']} answer(s), {counts['answers_with_feedback']} with feedback "
        f"({counts['feedback_items']} item(s): votes and corrections)",
        f"examples: {counts['examples']} ({counts['from_votes']} from 👍, "
        f"{counts['from_corrections']} from corrections, {counts['declines_confirmed']} "
        f"confirmed declines); {counts['train']} for training, {counts['heldout']} held out "
        "for the gold set",
        f"merged duplicates: {counts['items_merged_as_duplicates']}, overruled: "
        f"{counts['items_overruled']}",
        f"for review: {counts['review']}",
    ]
    for reason, n in counts.get("review_by_reason", {}).items():
        lines.append(f"  {n:>4}  {reason}: {REVIEW_TEXT[reason]}")
        lines.append(f"        → {REVIEW_ACTION[reason]}")
    if stale := counts.get("downvotes_without_correction"):
        lines.append(f"  {stale:>4}  {STALE_DOWNVOTE}: {REVIEW_TEXT[STALE_DOWNVOTE]} "
                     "(also in the review file)")
        lines.append(f"        → {REVIEW_ACTION[STALE_DOWNVOTE]}")
    return "\n".join(lines)
