"""The comparison table (terminal or Markdown) and the Markdown report with plots.

The table is what the README quotes (`--format markdown` pastes as is); the report
is for a person deciding whether a model is good enough: plots of confidence
quality, results per category, and the worst answers to read one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from training.evaluation.evaluator import EvalResult, RowResult, SkippedSystem
from training.evaluation.metrics import QASummary


@dataclass(frozen=True)
class Column:
    header: str
    help: str


COLUMNS: tuple[Column, ...] = (
    Column("System", "system name (--systems)"),
    Column("EM", "exact match, all questions (unanswerable: 1 iff declined)"),
    Column("F1", "token F1, all questions"),
    Column("EM ans", "exact match on answerable questions"),
    Column("F1 ans", "F1 on answerable questions"),
    Column("Unans declined", "share of unanswerable questions declined (higher is better)"),
    Column("Ans declined", "share of answerable questions wrongly declined (lower is better)"),
    Column("Sim span", "cosine(MiniLM) of the answer span and the short gold answer"),
    Column("Sim reply", "cosine(MiniLM) of the full reply and the human reference reply"),
    Column("Sim sent", "the same for the verbatim KB sentence holding the span sent as the "
                       "reply (no composer): the composer's share is Sim reply minus this"),
    Column("Cons cos", "paraphrase groups: mean pairwise cosine of replies"),
    Column("Cons span", "paraphrase groups: share of pairs giving the same span"),
    Column("Recall@k", "answerable questions whose top-k passages contain the answer"),
    Column("ECE", "expected calibration error of the confidence (10 bins)"),
    Column("p50 ms", "median latency per question"),
    Column("p95 ms", "95th-percentile latency per question"),
    Column("CPU s/1k", "CPU seconds (time.process_time) per 1,000 questions"),
    Column("Wall s/1k", "wall-clock seconds per 1,000 questions"),
    Column("$/1k", "API price per 1,000 questions (tokens x OPENAI_PRICE_PER_1K_TOKENS)"),
)


def _f(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def table_rows(results: Sequence[EvalResult]) -> list[list[str]]:
    rows = []
    for result in results:
        x = result.metrics
        rows.append([
            result.system,
            _f(x.qa.exact_match), _f(x.qa.f1),
            _f(x.qa.answerable_exact_match), _f(x.qa.answerable_f1),
            _f(x.qa.unanswerable_declined), _f(x.qa.answerable_declined),
            _f(x.span_similarity), _f(x.reply_similarity), _f(x.sentence_similarity),
            _f(x.consistency.reply_similarity), _f(x.consistency.same_span_rate),
            _f(x.recall_at_k), _f(x.ece),
            _f(x.latency_p50_ms, 1), _f(x.latency_p95_ms, 1),
            _f(x.cost.cpu_seconds_per_1k, 1), _f(x.cost.wall_seconds_per_1k, 1),
            _f(x.cost.dollars_per_1k, 4),
        ])
    return rows


def _headers(results: Sequence[EvalResult]) -> list[str]:
    k = next((r.metrics.k for r in results if r.metrics.k), None)
    return [c.header.replace("@k", f"@{k}") if k else c.header for c in COLUMNS]


def format_table(
    results: Sequence[EvalResult], skipped: Sequence[SkippedSystem] = (), fmt: str = "text"
) -> str:
    """One row per system; `fmt` is "text" (aligned) or "markdown" (GitHub table)."""
    headers = _headers(results)
    rows = table_rows(results)
    if fmt == "markdown":
        lines = ["| " + " | ".join(headers) + " |",
                 "|" + "|".join(["---"] + ["---:"] * (len(headers) - 1)) + "|"]
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    elif fmt == "text":
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
                  for i, h in enumerate(headers)]
        lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                           for i, (h, w) in enumerate(zip(headers, widths, strict=True)))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(row, widths, strict=True)))
                  for row in rows]
    else:
        raise ValueError(f"unknown table format {fmt!r} (use text or markdown)")
    notes = [f"- {s.system}: skipped ({s.reason})" for s in skipped]
    notes += [
        f"- {r.system}: {r.metrics.errors} question(s) failed and count as declined"
        for r in results if r.metrics.errors
    ]
    return "\n".join(lines + ([""] + notes if notes else []))


BREAKDOWN_HEADERS = ("System", "n", "answerable", "EM", "F1", "F1 ans", "Unans declined",
                     "Ans declined", "Sim reply", "Sim sent")


def format_breakdown(results: Sequence[EvalResult], by: str = "style", fmt: str = "text") -> str:
    """One row per (group, system): the QA figures per question style or category.

    `by` is "style" or "category"; "" when no gold row carries one.
    """
    attr = {"style": "by_style", "category": "by_category"}[by]
    names = sorted({k for r in results for k in getattr(r.metrics, attr)})
    if not names:
        return ""
    recall = any(v is not None for r in results for v in r.metrics.recall_by.get(by, {}).values())
    k = next((r.metrics.k for r in results if r.metrics.k), None)
    headers = [by.capitalize(), *BREAKDOWN_HEADERS, *([f"Recall@{k}"] if recall else [])]
    rows = []
    for name in names:
        for r in results:
            s = getattr(r.metrics, attr).get(name)
            if s is None:
                continue
            rows.append([name, r.system, str(s.n), str(s.n_answerable), _f(s.exact_match),
                         _f(s.f1), _f(s.answerable_f1), _f(s.unanswerable_declined),
                         _f(s.answerable_declined),
                         *(_f(v) for v in r.metrics.similarity_by.get(by, {}).get(
                             name, (None, None))),
                         *([_f(r.metrics.recall_by.get(by, {}).get(name))] if recall else [])])
    if fmt == "markdown":
        lines = ["| " + " | ".join(headers) + " |",
                 "|---|---|" + "|".join(["---:"] * (len(headers) - 2)) + "|"]
        return "\n".join(lines + ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows])
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) if i < 2 else h.rjust(w)
                       for i, (h, w) in enumerate(zip(headers, widths, strict=True)))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))) for row in rows]
    return "\n".join(lines)


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


# --- plots -------------------------------------------------------------------------------------


def plot_reliability(results: Sequence[EvalResult], path: Path) -> bool:
    """Reliability diagram per system with a confidence; False when none has one."""
    with_conf = [r for r in results if r.metrics.n_confident]
    if not with_conf:
        return False
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(with_conf), figsize=(4.2 * len(with_conf), 4.2),
                             squeeze=False)
    for ax, result in zip(axes[0], with_conf, strict=True):
        bins = result.metrics.reliability
        centers = [(b.low + b.high) / 2 for b in bins if b.count]
        ax.bar(centers, [b.accuracy for b in bins if b.count], width=1 / len(bins) * 0.9,
               color="#4C72B0", edgecolor="black", label="accuracy")
        ax.plot([0, 1], [0, 1], "--", color="gray", label="perfect calibration")
        ax.plot(centers, [b.mean_confidence for b in bins if b.count], "o", color="#DD8452",
                label="mean confidence")
        for c, b in zip(centers, [b for b in bins if b.count], strict=True):
            ax.annotate(str(b.count), (c, 0.02), ha="center", fontsize=7)
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="share right",
               title=f"{result.system} (ECE {_f(result.metrics.ece)})")
        ax.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_coverage(results: Sequence[EvalResult], path: Path) -> bool:
    """Coverage vs accuracy for every threshold; the served threshold is marked."""
    with_conf = [r for r in results if r.metrics.coverage]
    if not with_conf:
        return False
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    for result in with_conf:
        pts = result.metrics.coverage
        sel = [(p.coverage, p.selective_accuracy) for p in pts if p.selective_accuracy is not None]
        line = left.plot([c for c, _ in sel], [a for _, a in sel], label=result.system)[0]
        right.plot([p.threshold for p in pts], [p.overall_accuracy for p in pts],
                   color=line.get_color(), label=result.system)
        t = result.metrics.threshold
        if t is not None:
            here = min(pts, key=lambda p: abs(p.threshold - t))
            if here.selective_accuracy is not None:
                left.plot([here.coverage], [here.selective_accuracy], "o",
                          color=line.get_color())
            right.axvline(t, linestyle=":", color=line.get_color())
    left.set(xlabel="coverage (share of questions answered)", ylabel="accuracy of answered",
             xlim=(0, 1), ylim=(0, 1.02), title="What the decline threshold trades")
    right.set(xlabel="decline threshold", ylabel="accuracy incl. right declines",
              xlim=(0, 1), ylim=(0, 1.02), title="Overall accuracy by threshold")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_summary(results: Sequence[EvalResult], path: Path) -> bool:
    if not results:
        return False
    plt = _pyplot()
    names = [r.system for r in results]
    series = {
        "F1 ans": [r.metrics.qa.answerable_f1 or 0.0 for r in results],
        "Unans declined": [r.metrics.qa.unanswerable_declined or 0.0 for r in results],
        "Sim span": [r.metrics.span_similarity or 0.0 for r in results],
        "Sim reply": [r.metrics.reply_similarity or 0.0 for r in results],
    }
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(names) + 2), 4))
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(names))], values, width=width, label=label)
    ax.set_xticks([x + 0.4 - width / 2 for x in range(len(names))], names)
    ax.set(ylim=(0, 1), title="Systems compared")
    ax.legend(fontsize=8, ncols=len(series))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# --- Markdown report -----------------------------------------------------------------------------


def _qa_line(name: str, s: QASummary) -> str:
    return (f"| {_md(name)} | {s.n} | {s.n_answerable} | {_f(s.exact_match)} | {_f(s.f1)} | "
            f"{_f(s.answerable_f1)} | {_f(s.unanswerable_declined)} | "
            f"{_f(s.answerable_declined)} |")


def worst_rows(result: EvalResult, n: int = 10) -> list[RowResult]:
    """Wrong answers first, the most confident and least similar of them first."""
    def key(r: RowResult) -> tuple[float, float, float]:
        sim = r.span_similarity if r.span_similarity is not None else (r.reply_similarity or 0.0)
        return (r.f1, -(r.prediction.confidence or 0.0), sim)

    return sorted((r for r in result.rows if r.f1 < 1.0), key=key)[:n]


def _clip(text: str | None, limit: int = 140) -> str:
    if text is None:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_report(
    directory: Path,
    results: Sequence[EvalResult],
    skipped: Sequence[SkippedSystem] = (),
    meta: dict[str, Any] | None = None,
    n_worst: int = 10,
) -> Path:
    """Write report.md and its PNG plots into `directory`; returns the report path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    meta = meta or {}
    plots = {
        "summary.png": plot_summary(results, directory / "summary.png"),
        "reliability.png": plot_reliability(results, directory / "reliability.png"),
        "coverage.png": plot_coverage(results, directory / "coverage.png"),
    }
    out = ["# StyleSprint Assist — evaluation report", ""]
    out.append(f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.")
    out += [f"- **{_md(k)}**: {_md(v)}" for k, v in meta.items()]
    out += ["", "## Comparison", "", format_table(results, skipped, "markdown"), ""]
    out += ["<details><summary>What the columns mean</summary>", ""]
    out += [f"- **{c.header}**: {c.help}" for c in COLUMNS]
    out += ["", "</details>", ""]
    for by in ("style", "category"):
        table = format_breakdown(results, by, "markdown")
        if table:
            out += [f"## By {by}", "", table, ""]
    if plots["summary.png"]:
        out += ["![systems compared](summary.png)", ""]
    out += ["## Confidence quality", ""]
    if plots["reliability.png"]:
        out += [
            "Reliability diagram: bars are the share of right answers among questions whose "
            "confidence fell in the bin (count at the bottom); on the dashed line confidence "
            "means what it says. ECE is the count-weighted gap.", "",
            "![reliability diagram](reliability.png)", "",
            "Coverage vs accuracy: moving the decline threshold up answers fewer questions "
            "(left, to the left) and usually answers them better; the dot / dotted line is "
            "the threshold the model version ships with. Right: accuracy counting a decline "
            "of an unanswerable question as right.", "",
            "![coverage vs accuracy](coverage.png)", "",
        ]
    else:
        out += ["No system in this run reports a confidence.", ""]
    for result in results:
        out += _system_section(result, n_worst)
    path = directory / "report.md"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _system_section(result: EvalResult, n_worst: int) -> list[str]:
    x = result.metrics
    out = [f"## {result.system}", ""]
    out += [f"- {_md(k)}: {_md(v)}" for k, v in result.details.items()]
    out += [
        f"- questions: {x.qa.n} ({x.qa.n_answerable} answerable, "
        f"{x.qa.n_unanswerable} unanswerable); failed: {x.errors}",
        f"- consistency: {x.consistency.groups} paraphrase groups, {x.consistency.pairs} pairs",
        f"- replies compared with a human reference: {x.n_references}",
        f"- decline threshold: {_f(x.threshold)}; calibration judged on "
        f"{x.n_confident} questions",
        f"- tokens per 1,000 questions: {x.cost.tokens_per_1k:.0f}",
        "",
    ]
    if x.by_category:
        out += ["| Category | n | answerable | EM | F1 | F1 ans | Unans declined | "
                "Ans declined |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        out += [_qa_line(name, s) for name, s in sorted(x.by_category.items())]
        out.append("")
    worst = worst_rows(result, n_worst)
    if worst:
        out += [f"### Worst answers ({len(worst)})", "",
                "| Question | Gold | Answer | Conf | F1 | Sim |", "|---|---|---|---:|---:|---:|"]
        for r in worst:
            gold = r.gold.answer or ("*(not in the KB)*" if r.gold.unanswerable_in == "kb"
                                     else "*(not in its passage)*")
            said = r.prediction.text if r.prediction.answered else "*(declined)*"
            if r.prediction.error:
                said = f"*(failed: {_clip(r.prediction.error, 60)})*"
            sim = r.span_similarity if r.span_similarity is not None else r.reply_similarity
            out.append(f"| {_md(_clip(r.gold.question))} | {_md(_clip(gold))} | "
                       f"{_md(_clip(said))} | {_f(r.prediction.confidence, 2)} | "
                       f"{_f(r.f1, 2)} | {_f(sim, 2)} |")
        out.append("")
    return out
