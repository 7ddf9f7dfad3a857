"""`stylesprint eval`: score systems on a gold set; one comparison table, JSON, a report.

Examples:
    stylesprint eval --gold training/data/stylesprint_dev.jsonl --mode e2e
    stylesprint eval --gold ../shared/data/subjqa/books-dev.csv --limit 50 \\
        --systems retrieval-only,adalora,in-context --report reports/books
    stylesprint eval --gold dev.jsonl --systems all --model lora=runs/lora --format markdown
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from stylesprint.cli.common import fail, quiet_libraries, settings_or_exit


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_command(
        gold: Path = typer.Option(
            ..., "--gold", help="Gold questions: eval/training JSONL, SQuAD v2 JSON or SubjQA CSV."
        ),
        kb: Optional[list[Path]] = typer.Option(  # noqa: UP045 (typer needs Optional)
            None, "--kb",
            help="Knowledge-base files/folders for end-to-end questions (ingested into a "
                 "collection of their own). Default: the configured knowledge base.",
        ),
        systems: list[str] = typer.Option(
            ["all"], "--systems",
            help="Comma-separated: retrieval-only, adalora, lora, full-ft, in-context, or all.",
        ),
        model: list[str] = typer.Option(
            [], "--model", help="NAME=DIR model directory, e.g. lora=runs/lora (repeatable)."
        ),
        mode: str = typer.Option(
            "auto", "--mode",
            help="reader: read the gold context; e2e: retrieve from the knowledge base; "
                 "auto: context when the row has one.",
        ),
        limit: Optional[int] = typer.Option(  # noqa: UP045
            None, "--limit", min=1, help="Only the first N questions (a quick run)."
        ),
        sample: Optional[int] = typer.Option(  # noqa: UP045
            None, "--sample", min=1,
            help="About N questions drawn at random (seed 0), whole paraphrase groups; "
                 "covers every topic of a file sorted by document.",
        ),
        correct: str = typer.Option(
            "f1", "--correct",
            help="When a span counts as right for calibration: em, or f1 (F1 >= 0.5, as "
                 "`stylesprint calibrate` fits it).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
        report: Optional[Path] = typer.Option(  # noqa: UP045
            None, "--report", help="Write report.md and PNG plots into this directory."
        ),
        fmt: str = typer.Option(
            "text", "--format", help="Table format: text or markdown (README-ready)."
        ),
    ) -> None:
        """Evaluate answer systems on gold questions and compare them in one table."""
        quiet_libraries()
        from qa_engine.types import KnowledgeBaseUnavailable
        from training.evaluation.gold import GoldFormatError, load_gold, sample_rows
        from training.evaluation.runner import EvalSetupError, parse_models, parse_systems

        if fmt not in ("text", "markdown"):
            fail(f"--format must be text or markdown, not {fmt!r}")
        if mode not in ("auto", "reader", "e2e"):
            fail(f"--mode must be auto, reader or e2e, not {mode!r}")
        if correct not in ("em", "f1"):
            fail(f"--correct must be em or f1, not {correct!r}")
        settings = settings_or_exit()
        try:
            names = parse_systems(systems)
            models = parse_models(model)
            rows = load_gold(gold, limit=limit)
            if sample is not None:
                rows = sample_rows(rows, sample)
        except (EvalSetupError, GoldFormatError) as exc:
            fail(str(exc))
        try:
            output = _run(settings, rows, names, models, mode, correct, kb, report, gold)
        except (EvalSetupError, ValueError) as exc:
            fail(str(exc))
        except KnowledgeBaseUnavailable as exc:
            fail(str(exc), code=3)
        results, skipped, payload, report_path = output
        from training.evaluation.report import format_breakdown, format_table

        if as_json:
            typer.echo(json.dumps(payload, indent=2))
        else:
            typer.echo(format_table(results, skipped, fmt))
            for by in ("style", "category"):
                table = format_breakdown(results, by, fmt)
                if table:
                    typer.echo(f"\nBy {by}:\n{table}")
        if report_path is not None:
            typer.echo(f"report: {report_path}", err=as_json)


def _run(settings, rows, names, models, mode, correct, kb, report_dir, gold):  # noqa: ANN001, ANN202
    from qa_engine.read.reader import ModelLoadError
    from qa_engine.retrieve.embedder import Embedder
    from training.evaluation.base import SystemUnavailable
    from training.evaluation.evaluator import EvaluationAborted, Evaluator, SkippedSystem
    from training.evaluation.report import write_report
    from training.evaluation.runner import build_systems, open_retriever

    embedder = Embedder(settings.engine.resolved_embedding_model, device=settings.engine.device)
    evaluator = Evaluator(
        embedder, mode=mode, criterion=correct,
        price_per_1k_tokens=settings.openai.price_per_1k_tokens, progress=_progress,
    )
    evaluator.check(rows)
    rows, dropped = evaluator.scorable(rows)
    if dropped:
        typer.echo(
            f"note: {len(dropped)} unanswerable question(s) left out of end-to-end scoring: "
            "their gold says only that their own passage lacks the answer, not the knowledge "
            "base (use --mode reader to score them)", err=True,
        )
    if not rows:
        raise ValueError("no question left to score end to end; use --mode reader")
    retriever, kb_description = None, "not used (every question has a context)"
    if evaluator.needs_retrieval(rows):
        retriever, kb_description = open_retriever(settings, embedder, kb)
    elif kb:
        typer.echo("note: --kb not used: every question is read from its own context "
                   "(use --mode e2e to retrieve)", err=True)
    built = build_systems(settings, names, embedder, models, retriever)
    for skipped in built.skipped:
        typer.echo(f"note: {skipped.system} skipped: {skipped.reason}", err=True)
    results = []
    for system in built.systems:
        try:
            system.warm_up()
        except (ModelLoadError, SystemUnavailable, OSError) as exc:
            built.skipped.append(SkippedSystem(system.name, f"cannot load: {exc}"))
            typer.echo(f"note: {system.name} skipped: cannot load: {exc}", err=True)
            continue
        typer.echo(f"evaluating {system.name} on {len(rows)} questions ...", err=True)
        try:
            results.append(evaluator.run(system, rows, built.details.get(system.name)))
        except EvaluationAborted as exc:
            built.skipped.append(SkippedSystem(system.name, str(exc)))
            typer.echo(f"note: {system.name} stopped: {exc}", err=True)
        close = getattr(system, "close", None)
        if close:
            close()
    meta = {
        "gold": str(gold),
        "questions": len(rows),
        "answerable": sum(r.answerable for r in rows),
        "left out (unanswerable only in their own passage)": len(dropped),
        "mode": mode,
        "knowledge base": kb_description,
        "correct span (calibration)": "exact match" if correct == "em" else "F1 >= 0.5",
    }
    report_path = write_report(report_dir, results, built.skipped, meta) if report_dir else None
    payload = {
        "gold": str(gold), "questions": len(rows), "answerable": meta["answerable"],
        "left_out": len(dropped),
        "mode": mode, "knowledge_base": kb_description, "correct": correct,
        "systems": [r.to_json() for r in results],
        "skipped": [{"system": s.system, "reason": s.reason} for s in built.skipped],
        "report": str(report_path) if report_path else None,
    }
    return results, built.skipped, payload, report_path


def _progress(name: str, done: int, total: int) -> None:
    step = max(1, total // 10)
    if sys.stderr.isatty() and (done % step == 0 or done == total):
        typer.echo(f"  {name}: {done}/{total}", err=True)
