"""Why a piece of feedback is on the review list, and what a lead can do about it.

Stable codes (the review file's `reason`), the explanation (`why`) and the action
(`action`) that `stylesprint feedback dataset` prints beside each count.
"""

from __future__ import annotations

# review reasons (stable codes; the text is in REVIEW_TEXT)
NET_DOWN = "net_down_without_correction"
TIED_VOTES = "tied_votes"
NO_PASSAGE = "no_passage_recorded"
SPAN_NOT_IN_PASSAGE = "span_not_in_passage"
CORRECTION_NOT_IN_PASSAGE = "correction_not_in_passage"
CORRECTION_NOT_IN_KB = "correction_not_in_kb"
NOT_COVERED_BY_KB = "kb_does_not_cover"
STALE_DOWNVOTE = "downvote_without_correction"
CONFLICT = "conflicting_feedback"
OUTVOTED = "outvoted"
IN_GOLD_SET = "in_gold_set"
NOT_APPROVED = "correction_not_approved"

REVIEW_TEXT = {
    NET_DOWN: "more 👎 than 👍 and nobody said what the right answer is",
    TIED_VOTES: "as many 👍 as 👎",
    NO_PASSAGE: "the answer has no passage recorded, so there is nothing to train on",
    SPAN_NOT_IN_PASSAGE: "the recorded span is not in the recorded passage",
    CORRECTION_NOT_IN_PASSAGE: "the corrected answer is not written in the passage the bot used "
    "(the knowledge base was not available to search)",
    CORRECTION_NOT_IN_KB: "the corrected answer is written in no passage of the knowledge base",
    NOT_COVERED_BY_KB: "the agent says the knowledge base does not cover this question",
    STALE_DOWNVOTE: "an agent gave 👎 over a day ago and nobody has said what the right answer is",
    CONFLICT: "agents disagree and no answer has a majority",
    OUTVOTED: "another answer to the same question and passage has more support",
    IN_GOLD_SET: "the question and passage are in the frozen gold set, which is never trained on",
    NOT_APPROVED: "an agent's correction no lead approved and no second agent confirmed "
    "(still waiting, or withdrawn)",
}

# what a lead can do about each (shown with the review list)
REVIEW_ACTION = {
    NET_DOWN: "ask the agent for the right answer, or correct the answer yourself in Slack",
    TIED_VOTES: "read the answer and vote, or correct it in Slack",
    NO_PASSAGE: "nothing to do: the answer cites no passage (catalog or declined answers)",
    SPAN_NOT_IN_PASSAGE: "re-ingest the knowledge base; the passage changed since the answer",
    CORRECTION_NOT_IN_PASSAGE: "run `stylesprint feedback dataset` where the knowledge base "
    "is reachable, so that the whole knowledge base is searched",
    CORRECTION_NOT_IN_KB: "if the knowledge base lacks or misstates the answer, fix the "
    "document and re-ingest (`stylesprint ingest <path>`); if the correction is worded "
    "differently from the document, ask the agent to quote the document; the next "
    "`stylesprint feedback dataset` finds it",
    NOT_COVERED_BY_KB: "add the answer to the knowledge base (see the knowledge-gap report) "
    "and re-ingest; it is not a training example",
    CONFLICT: "decide which answer is right and correct it in Slack",
    OUTVOTED: "nothing to do unless the winning answer is wrong",
    IN_GOLD_SET: "nothing to do: gold questions are never trained on",
    STALE_DOWNVOTE: "ask the agent what was wrong, or correct the answer yourself in Slack",
    NOT_APPROVED: "approve it in the App Home or the review channel if it is right; it is "
    "trained on once approved",
}
