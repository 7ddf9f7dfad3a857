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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_engine.corrections import PassageSource
from qa_engine.records.verified import StaleDownvote, question_key
from training.datasets import QAExample, write_jsonl
from training.evaluation.metrics import normalize_answer
from training.feedback_items import DECLINE, FeedbackItem, ReviewItem, items_from_row
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
