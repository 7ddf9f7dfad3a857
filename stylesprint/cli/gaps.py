"""`stylesprint gaps`: what the bot could not answer, grouped by meaning (qa_engine/gaps.py)."""

from __future__ import annotations

import json

import typer

from stylesprint.cli.common import database_or_exit, fail, quiet_libraries, settings_or_exit


def register(app: typer.Typer) -> None:
    @app.command()
    def gaps(
        since: str = typer.Option("7d", "--since", help="Period to read: 7d, 24h, 2w."),
        limit: int = typer.Option(20, "--limit", min=1, help="Gaps shown at most."),
        as_json: bool = typer.Option(False, "--json", help="One JSON object per gap."),
    ) -> None:
        """Knowledge gaps: declined, 👎-voted, not-covered and handed-off questions, grouped.

        Ranked by how many agents asked, each with its closest passages and other
        phrasings, so someone can write the missing article.
        """
        from qa_engine.gaps import gap_embedder, knowledge_gaps, language_reply, parse_since

        try:
            period = parse_since(since)
        except ValueError as exc:
            fail(str(exc))
        settings = settings_or_exit()
        quiet_libraries()
        from qa_engine.records import Records, SchemaMismatch

        records = Records(settings.resolved_database_url)
        try:
            with database_or_exit(settings.resolved_database_url):
                found = knowledge_gaps(records, gap_embedder(settings), since=period,
                                       similarity=settings.engine.gap_similarity,
                                       language_reply=language_reply(settings))
        except SchemaMismatch as exc:
            fail(str(exc))
        finally:
            records.close()
        if as_json:
            for gap in found[:limit]:
                typer.echo(json.dumps(gap.to_json(), default=str))
            return
        from qa_engine.gaps import format_gaps

        typer.echo(format_gaps(found, limit=limit))
