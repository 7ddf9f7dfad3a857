"""`stylesprint ingest PATH... [--reset] [--prune] [--json] [-v]`: load the knowledge base.

Exit codes: 0 every file ingested or unchanged, 1 some files failed (the others
were still ingested), 2 usage errors (a path that does not exist, bad settings),
3 the knowledge base (Chroma) could not be opened, 8 nothing to ingest (the paths hold
no supported file; nothing was touched). Each failed file is reported once, on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from stylesprint.cli.common import (
    EXIT_KB,
    EXIT_NOTHING_TO_INGEST,
    EXIT_USAGE,
    fail,
    quiet_libraries,
    settings_or_exit,
)

if TYPE_CHECKING:
    from qa_engine.ingest import FileReport


def _file_line(f: FileReport) -> str:
    if f.status == "failed":
        return f"  failed     {f.path}: {f.reason}"
    if f.status == "skipped":
        return f"  skipped    {f.path} ({f.reason})"
    detail = f"{f.passages} passages"
    if f.status == "ingested":
        detail += f", +{f.added} -{f.removed}"
    return f"  {f.status:<10} {f.path} -> {f.source} ({detail})"


def register(app: typer.Typer) -> None:
    from qa_engine.ingest.loaders import LOADERS  # the formats, named once

    formats = " ".join(sorted(LOADERS))

    @app.command("ingest")
    def ingest(
        paths: list[Path] = typer.Argument(
            ...,
            help=f"Files or folders (walked recursively): {formats}; "
            "store exports (Shopify products, Zendesk/Help Scout articles, review CSV) are "
            "recognised by their columns.",
            show_default=False,
        ),
        reset: bool = typer.Option(
            False, "--reset", help="Delete and recreate the collection first."
        ),
        prune: bool = typer.Option(
            False,
            "--prune",
            help="Remove passages of files that are not among PATHS (deleted or moved).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="One line per file."),
    ) -> None:
        """Ingest knowledge-base files into the vector store (idempotent)."""
        quiet_libraries()
        from qa_engine.ingest import Ingestor, IngestPathError, NothingToIngest
        from qa_engine.retrieve.embedder import Embedder
        from qa_engine.types import KnowledgeBaseUnavailable

        settings = settings_or_exit()
        embedder = Embedder(settings.engine.resolved_embedding_model, device=settings.engine.device)
        # size warnings and progress lines (large inputs) go to stderr, as they happen
        ingestor = Ingestor(settings, embedder, notify=lambda line: typer.echo(line, err=True))
        try:
            report = ingestor.run(paths, reset=reset, prune=prune)
        except NothingToIngest as exc:
            typer.echo(f"warning: {exc}", err=True)
            raise typer.Exit(EXIT_NOTHING_TO_INGEST) from None
        except IngestPathError as exc:
            fail(str(exc), code=EXIT_USAGE)
        except KnowledgeBaseUnavailable as exc:
            fail(str(exc), code=EXIT_KB)

        if report.demo_replaced:
            typer.echo(f"note: collection {report.collection!r} held only the demo knowledge "
                       f"base; replaced it with your files ({report.demo_replaced} demo "
                       "passages removed)", err=True)
        if as_json:
            typer.echo(json.dumps(report.to_json(), indent=2))
            raise typer.Exit(report.exit_code)
        for f in report.files:
            if verbose:
                typer.echo(_file_line(f), err=f.status == "failed")
            elif f.status == "failed":
                typer.echo(f"failed: {f.path}: {f.reason}", err=True)
            if verbose:
                for warning in f.warnings:
                    typer.echo(f"             warning: {warning}")
        if verbose:
            for source in report.pruned_sources:
                typer.echo(f"  pruned     {source}")
        lead = "Ingest finished: " if report.ok else "Ingest finished with errors: "
        typer.echo(lead + report.summary())
        raise typer.Exit(report.exit_code)
