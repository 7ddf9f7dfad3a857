"""`python -m bench.summary`: the Markdown tables of docs/benchmarks.md, from bench/results/*.json.

The benchmark scripts write their figures as JSON (`--out bench/results/NAME.json`);
this renders the latest ones, with the machine and command of each, so the
document never states a figure that no run produced. `--write` replaces the
generated part of docs/benchmarks.md (between the two `<!-- bench:summary -->`
markers); a test checks that the two agree.

    python -m bench.summary            # print
    python -m bench.summary --write    # update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.common import ROOT

RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:summary:begin -->", "<!-- bench:summary:end -->"

#: The targets of the speed issue, checked against the figures below.
TARGETS = {"ask_p50_ms": 80, "ask_p95_ms": 150, "ack_p99_ms_at_50": 200, "serve_rss_mb": 800}


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _md(rows: list[list[Any]], headers: list[str]) -> str:
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _where(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    return (f"_{m['cpu']}, {m['cores']} cores, torch {m['torch']} ({m['torch_threads']} threads), "
            f"load average {m['load_average'][0]} at the end; {doc['taken_at'][:16]} UTC; "
            f"`{doc['command']}`_")


def _ok(value: float, limit: float, unit: str) -> str:
    return f"{value} {unit} ({'meets' if value <= limit else 'misses'} the target ≤ {limit} {unit})"


def _stats_row(name: str, s: dict[str, float]) -> list[Any]:
    return [name, s["n"], s["p50"], s["p95"], s["p99"], s["max"]]


def latency(doc: dict[str, Any]) -> str:
    w = doc["warm_ms"]
    rows = [_stats_row(label, w[key]) for key, label in (
        ("retrieve", "retrieve (clean, embed, Chroma query)"),
        ("read", "read (tokenise, reader, decode)"), ("ask", "whole `ask`"),
        ("ask_repeated_question", "`ask`, question asked before (cache)"))]
    cold = doc.get("cold_start") or []
    out = [f"### Warm `ask` latency ({doc['questions']} dev questions, model "
           f"{doc['model_version']})", "", _md(rows, ["ms", "n", "p50", "p95", "p99", "max"]), "",
           f"- `ask` p50 {_ok(w['ask']['p50'], TARGETS['ask_p50_ms'], 'ms')}, p95 "
           f"{_ok(w['ask']['p95'], TARGETS['ask_p95_ms'], 'ms')}.",
           f"- Resident memory of this process (which also ingested the demo KB): "
           f"{doc['process_memory'].get('rss_mb')} MiB."]
    if cold:
        c = cold[0]
        out.append(f"- Cold start to first answer (fresh process, KB already ingested): "
                   f"{', '.join(str(x['to_first_answer_s']) for x in cold)} s "
                   f"(imports {c['imports_s']} s, load and warm-up {c['build_and_warm_up_s']} s, "
                   f"first ask {c['first_ask_ms']} ms); resident memory after 50 questions "
                   f"{', '.join(str(x['memory'].get('rss_mb')) for x in cold)} MiB.")
    return "\n".join([*out, "", _where(doc)])


def slack_load(doc: dict[str, Any]) -> str:
    c, r, mem = doc["commands"], doc["reactions"], doc["serve_memory"]
    n = c["commands"]
    rows = [_stats_row("command acknowledged", c["ack_ms"]),
            _stats_row("command answered (posted)", c["answer_ms"]),
            _stats_row("reaction acknowledged", r["ack_ms"]),
            _stats_row("vote recorded", r["record_ms"])]
    where = (f"{doc['health']['capacity']} workers, durable queue" if "queue" in doc["health"]
             else f"capacity {doc['health']['capacity']}")
    lines = [f"### {n} concurrent slash commands, then {r['events']} reactions "
             f"(`stylesprint serve`, {where})", "",
             _md(rows, ["ms", "n", "p50", "p95", "p99", "max"]), "",
             f"- Commands: {c['answered_in_channel']} answered, {c['busy']} told busy, "
             f"{c['lost']} lost, {c['answered_twice']} answered twice, "
             f"{c['ack_failed']} acknowledgements failed"
             + (f"; the last answer came {c['last_answer_s']} s after the burst."
                if "last_answer_s" in c else "."),
             f"- Reactions: {r['votes_recorded']} votes recorded, {r['lost']} lost, "
             f"{r['recorded_twice']} recorded twice.",
             f"- Serving process resident memory: {mem['ready']['rss_mb']} MiB ready, "
             f"{mem['after_load']['rss_mb']} MiB after the load "
             f"(peak {mem['after_load']['peak_rss_mb']} MiB, reached while the first start "
             f"ingested the demo KB)."]
    if n == 50:
        ack = _ok(c["ack_ms"]["p99"], TARGETS["ack_p99_ms_at_50"], "ms")
        rss = _ok(mem["after_load"]["rss_mb"], TARGETS["serve_rss_mb"], "MiB")
        lines.append(f"- Acknowledgement p99 {ack}; serving process resident {rss}.")
    return "\n".join([*lines, "", _where(doc)])


def _embed_rates(doc: dict[str, Any]) -> list[str]:
    rates = doc.get("embed_only_passages_per_s") or {}
    if not rates:
        return []
    return [f"- Embedding alone, timed alternately on the same passages: "
            f"{rates['before']} passages/s before (128 per call, file order), "
            f"{rates['after']} after (shortest first, 256 per call)."]


def ingest(doc: dict[str, Any]) -> str:
    q = doc["query_ms"]
    return "\n".join([
        f"### Ingesting a generated catalog of {doc['products']:,} products", "",
        f"- {doc['passages_added']:,} passages in {doc['ingest_s']} s: "
        f"**{doc['passages_per_s']} passages/s** (embedding dominates); re-ingesting the "
        f"unchanged catalog: {doc['reingest_unchanged_s']} s.",
        f"- The product asked about is in the top {doc['top_k']}: {doc['product_in_top_k']:.0%}.",
        *_embed_rates(doc),
        "", _md([_stats_row("retrieve", q["retrieve"]), _stats_row("whole `ask`", q["ask"])],
                ["ms at 10k passages", "n", "p50", "p95", "p99", "max"]),
        "", f"- Resident memory after ingesting and querying: "
            f"{doc['memory_after_queries'].get('rss_mb')} MiB.", "", _where(doc)])


def retrain(doc: dict[str, Any]) -> str:
    rows = [[r["feedback_answers"], r["counts"]["train_examples"], r["counts"]["train_steps"],
             r["wall_s"], r["peak_tree_rss_mb"], r["status"],
             f"F1 {r['deltas']['f1']:+.3f}, unanswerable declined "
             f"{r['deltas']['unanswerable_declined']:+.3f}"] for r in doc["runs"]]
    return "\n".join([
        "### `retrain --now` (training in a child process, evaluation, promotion)", "",
        _md(rows, ["feedback answers", "train examples", "steps", "wall s", "peak RSS MiB",
                   "outcome", "dev change"]), "",
        "- Peak RSS is the retrain process plus its training child, sampled while it ran.",
        "", _where(doc)])


def levers(doc: dict[str, Any]) -> str:
    out = []
    internals = doc.get("reader_internals")
    if internals:
        out += [f"### Reader internals ({doc['questions']} dev questions, same retrieved "
                "passages)", "",
                _md([[r["lever"], r["read_ms"]["p50"], r["read_ms"]["p95"],
                      f"{r['same_answer_as_shipped']:.0%}"] for r in internals],
                    ["lever", "read p50 ms", "read p95 ms", "same answer as shipped"]), ""]
    settings = doc.get("settings")
    if settings:
        base = settings[0]
        version = base.get("model_version", "shipped-0.3")  # runs before it was recorded: 0.3
        out += [f"### Settings, one at a time (`ask` over {doc['questions']} dev questions; "
                f"reader {version}, F1 over all 888 with decline applied)", "",
                _md([[r["lever"], r["ask_ms"]["p50"], r["ask_ms"]["p95"],
                      r["repeated_question_ms"]["p50"], r["rss_mb"],
                      f"{r['reader_f1']:.3f} ({r['reader_f1'] - base['reader_f1']:+.3f})",
                      r["unanswerable_declined"], r["hit_rate"]] for r in settings],
                    ["lever", "ask p50", "ask p95", "repeat p50", "RSS MiB", "reader F1",
                     "unans. declined", "answer in top 3"]), ""]
    return "\n".join([*out, _where(doc)])


#: (results file, renderer, the command that writes the file)
SECTIONS = (
    ("latency", latency, "latency"),
    ("slack_load_50", slack_load, "slack_load --n 50"),
    ("slack_load_200", slack_load, "slack_load --n 200"),
    ("ingest", ingest, "ingest"),
    ("retrain", retrain, "retrain"),
    ("levers", levers, "levers"),
)


def render() -> str:
    parts = []
    for name, fn, command in SECTIONS:
        doc = _load(name)
        parts.append(fn(doc) if doc else f"### {name}\n\n_not run yet: `python -m bench."
                     f"{command} --out bench/results/{name}.json`_")
    return "\n\n".join(parts) + "\n"


def write_doc(text: str, path: Path = DOC) -> None:
    doc = path.read_text()
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    path.write_text(doc[:start] + "\n" + text + doc[end:])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--write", action="store_true", help=f"Update {DOC.relative_to(ROOT)}.")
    args = p.parse_args(argv)
    text = render()
    if args.write:
        write_doc(text)
        print(f"updated {DOC.relative_to(ROOT)}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
