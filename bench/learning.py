"""`python -m bench.learning`: does the bot learn what agents teach it, at once and for good?

On the field-test knowledge base (`training/data/field_test/`, written by nobody who
wrote the training data), with the paraphrase groups of the field test's held half (the
verified-answer matching rule is fitted on the other half, training/verified_match_field.py),
one simulated week of careful agents:

1. the bot runs as it does in production: `BotRuntime.start` (records, engine, vote
   queue, model watcher) behind the real HTTP endpoint, talking to the local Slack
   stand-in (`tests/bot/slack_standin.py`) with requests signed as Slack signs them;
2. the first question of each sampled paraphrase group is asked with
   `/stylesprint ask`; the agent gives feedback through Slack: a 👍 reaction when the
   answer is right (or a decline is right), and when it is wrong a 👎, the "Suggest
   the right answer" button, and the correction modal with the gold answer and what
   was wrong (wrong part of the passage used, the wrong passage, or, for a question
   the knowledge base does not answer, "the knowledge base does not cover this");
3. measured right after the feedback (verified answers, before any retrain): the
   taught questions asked again word for word, their paraphrases, and questions
   outside every taught group (none may be captured by a verified answer);
4. `run_retrain` as `stylesprint retrain --now` runs it; the bot's watcher follows a
   promotion; measured again, as served (verified answers on) and reader alone.

A question is right when the answer's span scores F1 >= 0.5 against a gold answer, or
when an unanswerable question is declined. Prints a table and writes JSON.

    python -m bench.learning --groups 60 --outside 150 --out bench/results/learning.json
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import ROOT, parser, report, table, write

sys.path.insert(0, str(ROOT / "tests" / "bot"))
from bot_harness import (  # noqa: E402
    BOT_TOKEN,
    SIGNING_SECRET,
    BotServer,
    correction_submission,
    run_uvicorn,
)
from slack_standin import SlackStandIn  # noqa: E402

from training.verified_match_field import field_half, golds  # noqa: E402

FIELD = ROOT / "training" / "data" / "field_test"
CHANNEL = "C0SUPPORT"


def load_groups(path: Path) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in path.read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            groups[row["group"]].append(row)
    return dict(groups)


def held_groups(groups: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The field test's held half: the matching rule was fitted on the other half
    (training/verified_match_field.py), so what it serves here it never saw."""
    return {g: rows for g, rows in groups.items() if field_half(g) == "held"}


def pick_groups(groups: dict[str, list[dict[str, Any]]], n: int, seed: int) -> list[str]:
    """n groups with paraphrases, answerable and unanswerable in the file's proportion."""
    multi = sorted(g for g, rows in groups.items() if len(rows) >= 2)
    answerable = [g for g in multi if golds(groups[g][0])]
    unanswerable = [g for g in multi if not golds(groups[g][0])]
    rng = random.Random(seed)
    share = len(answerable) / max(1, len(multi))
    k = min(len(answerable), round(n * share))
    return rng.sample(answerable, k) + rng.sample(unanswerable, min(len(unanswerable), n - k))


def right_span(answered: bool, span: str | None, gold: list[str]) -> bool:
    from training.evaluation.metrics import f1_score

    if not gold:
        return not answered
    return bool(answered and f1_score(span, gold) >= 0.5)


def right(answer: Any, row: dict[str, Any]) -> bool:
    return right_span(answer.answered, answer.span or answer.answer, golds(row))


def ask_all(engine: Any, rows: list[dict[str, Any]]) -> dict[str, dict[str, bool]]:
    """question id -> {right, verified (served from a verified answer)}."""
    out = {}
    for row in rows:
        answer = engine.ask(row["question"])
        out[row["id"]] = {"right": right(answer, row),
                          "verified": bool(getattr(answer, "verified", None)),
                          "declined": not answer.answered}
    return out


def summarise(results: dict[str, dict[str, bool]], ids: list[str]) -> dict[str, Any]:
    got = [results[i] for i in ids if i in results]
    n = len(got)
    return {"n": n, "right": round(sum(g["right"] for g in got) / n, 4) if n else None,
            "verified_served": sum(g["verified"] for g in got)}


class Agents:
    """The Slack side: ask by slash command, react, open and submit the correction modal."""

    def __init__(self, bot: BotServer, slack: SlackStandIn) -> None:
        self.bot, self.slack = bot, slack

    def ask(self, question: str) -> tuple[int, str]:
        """(answer id, message ts) of the answer the bot posted for `question`."""
        before = len(self.slack.calls_to("chat.postMessage"))
        r = self.bot.command(f"ask {question}", channel=CHANNEL, user="UAGENT1")
        r.raise_for_status()
        call = self.slack.wait_for("chat.postMessage", before + 1, timeout=120)[before]
        ts = call.response["ts"]
        deadline = time.monotonic() + 30
        while (ref := self.bot.records.find_by_message(CHANNEL, ts)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError("the answer was posted but never recorded")
            time.sleep(0.05)
        return ref.id, ts

    def thumbs(self, ts: str, emoji: str, user: str = "UAGENT2") -> None:
        self.bot.reaction("reaction_added", emoji, user, CHANNEL, ts).raise_for_status()

    def correct(self, answer_id: int, ts: str, text: str, reason: str) -> None:
        from bot.blocks import SUGGEST_ACTION

        self.thumbs(ts, "-1")
        opened = len(self.slack.calls_to("views.open"))
        self.bot.click(SUGGEST_ACTION, str(answer_id), "UAGENT2").raise_for_status()
        call = self.slack.wait_for("views.open", opened + 1, timeout=60)[opened]
        self.bot.interaction(correction_submission(call, text, reason=reason,
                                                   user="UAGENT2")).raise_for_status()


def teach(agents: Agents, taught: list[dict[str, Any]]) -> dict[str, str]:
    """Ask every taught question once and give the feedback a careful agent gives;
    question id -> what was given (up, confirmed_decline, corrected, down_unanswerable)."""
    from qa_engine.records.schema import NOT_COVERED, WRONG_PASSAGE, WRONG_SPAN

    kinds: dict[str, str] = {}
    asked = [(row, *agents.ask(row["question"])) for row in taught]
    rows = {r["answer_id"]: r for r in agents.bot.records.export()}
    for row, answer_id, ts in asked:
        rec = rows[answer_id]
        gold = golds(row)
        if right_span(rec["answered"], rec["span"] or rec["answer"], gold):
            agents.thumbs(ts, "+1")
            kinds[row["id"]] = "up" if gold else "confirmed_decline"
        elif gold:
            in_passage = gold[0] in (rec["passage_text"] or "")
            agents.correct(answer_id, ts, gold[0], WRONG_SPAN if in_passage else WRONG_PASSAGE)
            kinds[row["id"]] = "corrected"
        else:  # answered what the KB does not say: 👎 and "the KB does not cover this"
            agents.correct(answer_id, ts, "The knowledge base does not say.", NOT_COVERED)
            kinds[row["id"]] = "down_unanswerable"
    return kinds


def main(argv: list[str] | None = None) -> int:
    p = parser("Does the bot learn from agents' feedback? (field-test KB)", None)
    p.add_argument("--groups", type=int, default=60, help="paraphrase groups taught")
    p.add_argument("--outside", type=int, default=150,
                   help="questions outside the taught groups checked for capture")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-retrain", action="store_true", help="stop after the verified phase")
    p.add_argument("--feedback-repeat", type=int, default=None,
                   help="STYLESPRINT_RETRAIN_FEEDBACK_REPEAT for the retrain (default: setting)")
    args = p.parse_args(argv)

    from bot.runtime import BotRuntime
    from bot.server import create_asgi_app
    from bot.settings import ServingSettings as Settings  # every group (bot= below)
    from qa_engine.logs import quiet_libraries
    from qa_engine.pipeline import AnswerEngine
    from training.retrain import run_retrain

    quiet_libraries()
    groups = held_groups(load_groups(FIELD / "questions.jsonl"))
    chosen = pick_groups(groups, args.groups, args.seed)
    taught = [groups[g][0] for g in chosen]
    paraphrases = [r for g in chosen for r in groups[g][1:]]
    rng = random.Random(args.seed)
    others = [r for g, rows in groups.items() if g not in set(chosen) for r in rows]
    outside = rng.sample(others, min(args.outside, len(others)))

    tmp = Path(tempfile.mkdtemp(prefix="bench-learning-"))
    slack = SlackStandIn().start()
    settings = Settings(
        _env_file=None, data_dir=tmp / "data",
        engine={"kb_paths": [FIELD / "kb"], "torch_threads": 1},
        slack={"bot_token": BOT_TOKEN, "signing_secret": SIGNING_SECRET,
               "api_url": slack.api_url},
        # the correcting agent is a lead: their corrections are published at once (an
        # agent's would wait for approval, docs/slack.md "Who can ask and who can publish")
        bot={"model_watch_interval_s": 2.0, "lead_users": ["UAGENT2"]},
        retrain={"feedback_repeat": args.feedback_repeat} if args.feedback_repeat else {},
    )
    t0 = time.perf_counter()
    runtime = BotRuntime.start(settings)
    server, thread, url = run_uvicorn(create_asgi_app(runtime.app))
    bot = BotServer(url=url, records=runtime.records, standin=slack, pool=runtime.pool)
    agents = Agents(bot, slack)
    figures: dict[str, Any] = {"groups": len(chosen), "taught": len(taught),
                               "paraphrases": len(paraphrases), "outside": len(outside)}
    phases: dict[str, dict[str, dict[str, bool]]] = {}
    kinds: dict[str, str] = {}
    everything = taught + paraphrases + outside
    try:
        engine = runtime.engine
        phases["before"] = ask_all(engine, everything)
        t1 = time.perf_counter()
        kinds = teach(agents, taught)
        figures["feedback_seconds"] = round(time.perf_counter() - t1, 1)
        figures["feedback"] = {k: sum(1 for v in kinds.values() if v == k)
                               for k in sorted(set(kinds.values()))}
        deadline = time.monotonic() + 60  # reactions are recorded after their ack
        while runtime.votes is not None and runtime.votes.pending and (
                time.monotonic() < deadline):
            time.sleep(0.2)
        time.sleep(3)  # the last listeners finish; the verified index syncs on the next ask
        phases["verified"] = ask_all(engine, everything)
        tabulate(figures, phases, kinds, taught, paraphrases, outside)
        print_table(figures)  # the verified phase now: the retrain takes long
        if args.out:
            write(report("learning", figures, settings), args.out.with_suffix(".partial.json"))
        if not args.no_retrain:
            t2 = time.perf_counter()
            outcome = run_retrain(settings, trigger="manual")
            figures["retrain"] = {"status": outcome.status, "reason": outcome.reason,
                                  "seconds": round(time.perf_counter() - t2, 1),
                                  "counts": outcome.counts, "deltas": outcome.deltas}
            if outcome.promoted:
                deadline = time.monotonic() + 180
                while engine.model_version != outcome.candidate:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the bot did not pick up the promoted version")
                    time.sleep(1)
            phases["after"] = ask_all(engine, everything)
            reader_only = AnswerEngine.from_settings(
                settings.updated(engine={"verified_answers": False}))
            reader_only.warm_up()
            phases["after, reader only"] = ask_all(reader_only, everything)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()
        slack.stop()
    figures["seconds"] = round(time.perf_counter() - t0, 1)
    tabulate(figures, phases, kinds, taught, paraphrases, outside)
    print_table(figures)
    write(report("learning", figures, settings), args.out)
    return 0


def tabulate(figures: dict[str, Any], phases: dict[str, dict[str, dict[str, bool]]],
             kinds: dict[str, str], taught: list[dict[str, Any]],
             paraphrases: list[dict[str, Any]], outside: list[dict[str, Any]]) -> None:
    """figures["phases"]: each phase's share right per part of the questions."""
    by_group = {row["group"]: kinds.get(row["id"]) for row in taught} if phases.get(
        "verified") else {}
    parts = {
        "corrected": [r["id"] for r in taught if kinds.get(r["id"]) == "corrected"],
        "corrected, paraphrases": [r["id"] for r in paraphrases
                                   if by_group.get(r["group"]) == "corrected"],
        "confirmed": [r["id"] for r in taught
                      if kinds.get(r["id"]) in ("up", "confirmed_decline")],
        "confirmed, paraphrases": [r["id"] for r in paraphrases
                                   if by_group.get(r["group"]) in ("up", "confirmed_decline")],
        "outside the taught groups": [r["id"] for r in outside],
        "outside, unanswerable": [r["id"] for r in outside if not golds(r)],
    }
    figures["phases"] = {phase: {name: summarise(results, ids) for name, ids in parts.items()}
                         for phase, results in phases.items()}
    before = phases.get("before", {})
    for phase, results in phases.items():  # of those right before, the share still right
        for name, ids in parts.items():
            kept = [results[i]["right"] for i in ids if before.get(i, {}).get("right")
                    and i in results]
            figures["phases"][phase][name]["still_right"] = (
                round(sum(kept) / len(kept), 4) if kept else None)
    for phase, results in phases.items():
        unans = [results[i] for i in parts["outside, unanswerable"] if i in results]
        figures["phases"][phase]["outside, unanswerable"]["declined"] = (
            round(sum(g["declined"] for g in unans) / len(unans), 4) if unans else None)


def print_table(f: dict[str, Any]) -> None:
    phases = f.get("phases", {})
    names = list(next(iter(phases.values()), {}))
    rows = []
    for name in names:
        row: list[Any] = [name, phases[next(iter(phases))][name]["n"]]
        for phase in phases:
            part = phases[phase][name]
            value = part.get("declined") if "declined" in part else part["right"]
            row.append("—" if value is None else f"{value:.1%}")
        rows.append(row)
    print(table(rows, ["questions (right; unanswerable: declined)", "n", *phases]))
    captured = phases.get("verified", {}).get("outside the taught groups", {})
    print(f"feedback given: {f.get('feedback')}; questions outside the taught groups served "
          f"a verified answer: {captured.get('verified_served')}")
    kept = {phase: part.get("confirmed, paraphrases", {}).get("still_right")
            for phase, part in phases.items() if phase != "before"}
    if any(v is not None for v in kept.values()):
        print("paraphrases of confirmed questions right before, still right: " + ", ".join(
            f"{phase} {v:.1%}" for phase, v in kept.items() if v is not None))
    if "retrain" in f:
        r = f["retrain"]
        print(f"retrain: {r['status']} in {r['seconds']} s: {r['reason']}")
        counts = r.get("counts") or {}
        if counts.get("seconds"):  # where the child's time went (training_work phases)
            print("retrain time by phase (s): " + ", ".join(
                f"{k} {v}" for k, v in counts["seconds"].items()))
        print(f"feedback examples {counts.get('examples')} (held out {counts.get('heldout')}); "
              f"confirmed answers wrong after training: {counts.get('confirmed_wrong')}; "
              f"replay set: {counts.get('replay_broken')} broken, "
              f"{counts.get('replay_fixed')} fixed")


if __name__ == "__main__":
    sys.exit(main())
