"""The App Home tab: how to ask and one's own recent questions for every agent; for leads,
the agents' corrections waiting for approval (Approve / Reject, bot/review.py), this week
against last week, the top knowledge gaps, the served model, the last retrain's decision
and a rollback button.

Block Kit allows 100 blocks in a Home view and 3,000 characters in a section: every
list here is cut to the room left, with a line saying how much was left out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.blocks import Block, clip, context, escape, section
from bot.branding import Branding
from bot.review import review_buttons, review_text
from bot.state.reports import PeriodStats, RecentQuestion, period_stats, recent_questions
from bot.team import Team
from qa_engine.records.schema import utcnow

logger = logging.getLogger(__name__)

MAX_BLOCKS = 100  # Block Kit: blocks in a Home tab view
RECENT = 15  # an agent's recent questions shown at most
TOP_GAPS = 5
WEEK = timedelta(days=7)
ROLLBACK_ACTION = "stylesprint_rollback_open"
_VOTE = {1: ":+1: you found it helpful", -1: ":-1: you flagged it", None: "not voted yet"}
_GATED = (("f1", "F1"), ("similarity", "similarity"),
          ("unanswerable_declined", "unanswerable declined"))


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150)}}


def more(left: int, what: str) -> Block:
    return context(f"…and {left} more {what} not shown.")


def cut(items: list[Any], room: int, per_item: int) -> tuple[list[Any], int]:
    """As many items as `room` blocks hold (`per_item` blocks each, one kept for the
    "and N more" line when some are cut); the items kept and how many were left out."""
    if len(items) * per_item <= room:
        return items, 0
    keep = max(0, (room - 1) // per_item)
    return items[:keep], len(items) - keep


@dataclass(frozen=True)
class LeadFigures:
    this_week: PeriodStats
    last_week: PeriodStats
    gaps: list[Any]  # qa_engine.gaps.Gap
    model_version: str | None
    rollback_to: str | None
    last_run: Any  # training.runs.RunRecord | None
    pending: list[Any] = field(default_factory=list)  # records.verified.Verified, oldest first


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def stats_block(this: PeriodStats, last: PeriodStats) -> Block:
    rows = [("Questions asked", str(this.questions), str(last.questions)),
            ("Answered", _pct(this.answered_share), _pct(last.answered_share)),
            (":+1: of votes", _pct(this.up_share), _pct(last.up_share)),
            ("Corrections", str(this.corrections), str(last.corrections)),
            ("Hand-offs to a lead", str(this.handoffs), str(last.handoffs))]
    lines = [f"*{name}:* {now}  (last week {before})" for name, now, before in rows]
    return section("*This week* (last 7 days) against *last week* (the 7 days before)\n"
                   + "\n".join(lines))


def retrain_text(run: Any) -> str:
    if run is None:
        return "*Last retrain:* none has evaluated a candidate yet."
    details = run.details or {}
    current = details.get("current_metrics") or {}
    candidate = details.get("candidate_metrics") or {}
    deltas = [f"{label} {current[k]:.3f} → {candidate[k]:.3f} ({candidate[k] - current[k]:+.3f})"
              for k, label in _GATED if current.get(k) is not None
              and candidate.get(k) is not None]
    when = f"{run.started_at:%Y-%m-%d %H:%M} UTC"
    head = f"*Last retrain:* #{run.id} {run.status} {escape(run.candidate or '')} ({when})"
    return "\n".join([head, escape(run.reason or ""), "; ".join(deltas)]).strip()


def lead_blocks(figures: LeadFigures, room: int) -> list[Block]:
    """The lead part of the view, at most `room` blocks."""
    blocks: list[Block] = [header("Team lead view")]
    if figures.pending:  # first: each waits on a lead (or a second agent) to be served
        blocks.append(section(f"*Corrections waiting for approval* ({len(figures.pending)}): "
                              "served to their authors only until approved"))
        shown, left = cut(figures.pending, room // 2 - len(blocks), 2)
        for v in shown:
            blocks += [section(review_text(v)), review_buttons(v.id)]
        if left:
            blocks.append(more(left, "correction(s) waiting"))
    blocks += [stats_block(figures.this_week, figures.last_week),
               section("*Top knowledge gaps this week*" + (
                   "" if figures.gaps else "\nNone: every question was answered "
                   "and none was voted down."))]
    fixed = 4  # divider, model, retrain, rollback after the gaps
    gaps, left = cut(figures.gaps[:TOP_GAPS], room - len(blocks) - fixed, 1)
    for n, gap in enumerate(gaps, 1):
        also = f"\n_also asked:_ {escape(gap.examples[0])}" if gap.examples else ""
        near = (f"\n_closest:_ {escape(str(gap.passages[0]['title']))}" if gap.passages else "")
        blocks.append(section(f"{n}. *{escape(clip(gap.name, 500))}*: {gap.askers} agent(s), "
                              f"{gap.questions} question(s){also}{near}"))
    hidden = left + max(0, len(figures.gaps) - TOP_GAPS)
    if hidden:
        blocks.append(more(hidden, "gap(s) (`stylesprint gaps` lists them all)"))
    blocks.append({"type": "divider"})
    blocks.append(section(f"*Serving model:* `{escape(figures.model_version or 'unknown')}`"))
    blocks.append(section(retrain_text(figures.last_run)))
    if figures.rollback_to:
        blocks.append({"type": "actions", "block_id": "stylesprint_rollback", "elements": [{
            "type": "button", "action_id": ROLLBACK_ACTION, "style": "danger",
            "text": {"type": "plain_text", "text": f"Roll back to {figures.rollback_to}"[:75]},
            "value": figures.model_version or ""}]})
    else:
        blocks.append(context("No earlier version to roll back to."))
    return blocks[:room]


def agent_blocks(recent: list[RecentQuestion], total: int, room: int,
                 branding: Branding | None = None) -> list[Block]:
    branding = branding or Branding()
    blocks: list[Block] = [header(branding.app_name), section(branding.usage()),
                           {"type": "divider"},
                           section(f"*Your recent questions* ({total} in all)" if total else
                                   "*Your recent questions*\nNone yet: ask me anything above.")]
    shown, left = cut(recent, room - len(blocks), 2)
    for item in shown:
        verdict = escape(clip(item.reply, 600)) if item.answered else (
            ":warning: I couldn't find a confident answer.")
        blocks.append(section(f"*{escape(clip(item.question, 500))}*\n{verdict}"))
        blocks.append(context(f"{item.created_at:%Y-%m-%d %H:%M} UTC · {_VOTE.get(item.vote)}"))
    left += max(0, total - len(recent))
    if left:
        blocks.append(more(left, "question(s)"))
    return blocks[:room]


def home_view(recent: list[RecentQuestion], total: int, lead: LeadFigures | None,
              branding: Branding | None = None) -> dict[str, Any]:
    """The Home tab view: within `MAX_BLOCKS` whatever the lists hold."""
    lead_part = lead_blocks(lead, MAX_BLOCKS // 2) if lead is not None else []
    blocks = agent_blocks(recent, total, MAX_BLOCKS - len(lead_part) - (1 if lead_part else 0),
                          branding)
    if lead_part:
        blocks += [{"type": "divider"}, *lead_part]
    return {"type": "home", "callback_id": "stylesprint_home", "blocks": blocks[:MAX_BLOCKS]}


def lead_figures(team: Team, now: datetime | None = None) -> LeadFigures:
    from qa_engine.gaps import knowledge_gaps, language_reply

    now = now or utcnow()
    this_week = period_stats(team.records, now - WEEK, now + timedelta(seconds=1))
    last_week = period_stats(team.records, now - 2 * WEEK, now - WEEK)
    gaps = knowledge_gaps(team.records, team.gap_embedder(), since=WEEK,
                          similarity=team.settings.engine.gap_similarity, now=now,
                          language_reply=language_reply(team.settings))
    registry = team.registry()
    version = registry.current_name()
    return LeadFigures(this_week, last_week, gaps, version,
                       registry.rollback_target() if version else None,
                       team.last_retrain(), team.records.verified.pending())


def build_home(team: Team, client: WebClient, user: str,
               branding: Branding | None = None) -> tuple[dict[str, Any], bool]:
    """The user's Home view and whether it is the lead view."""
    recent, total = recent_questions(team.records, user, RECENT)
    lead = team.is_lead(client, user)
    return home_view(recent, total, lead_figures(team) if lead else None, branding), lead


def publish_home(team: Team, client: WebClient, user: str,
                 branding: Branding | None = None) -> None:
    view, lead = build_home(team, client, user, branding)
    client.views_publish(user_id=user, view=view)
    logger.info("App Home published (%s view, %d blocks)", "lead" if lead else "agent",
                len(view["blocks"]))
