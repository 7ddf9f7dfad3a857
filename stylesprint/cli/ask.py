"""`stylesprint ask`: answer one question, or a stream of them with `--json -`."""

from __future__ import annotations

import json
import sys

import typer

from stylesprint.cli.common import EXIT_DATABASE, fail, quiet_libraries, settings_or_exit
from stylesprint.cli.status import status_line


def _render(answer) -> str:
    """The reply for a person at a terminal: reply, then source and confidence."""
    lines = [answer.answer, ""]
    if answer.answered:
        lines.append(f"  Quote:      \u201c{answer.span}\u201d")
        top = answer.sources[0]
        lines.append(f"  Source:     {top.title} ({top.source})")
    else:
        lines.append("  Declined:   not confident enough to answer")
        for s in answer.sources[:3]:
            lines.append(f"  Closest:    {s.title} ({s.source}, similarity {s.score:.2f})")
    if answer.verified is not None:
        lines.append(f"  Verified:   by an agent ({answer.verified.origin}, question "
                     f"similarity {answer.verified.similarity:.2f})")
    lines.append(f"  Confidence: {answer.confidence:.0%}   model {answer.model_version}   "
                 f"{answer.latency_ms:.0f} ms")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command()
    def ask(
        question: str = typer.Argument(..., help="The question, or '-' to read one per line "
                                       "from stdin (with --json)."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON object per answer."),
        top_k: int | None = typer.Option(None, "--top-k", min=1, max=50,
                                            help="Passages to read (default from settings)."),
    ) -> None:
        """Answer a product or policy question from the knowledge base."""
        quiet_libraries()
        settings = settings_or_exit()
        from qa_engine.pipeline import AnswerEngine, clean_question
        from qa_engine.records import SchemaMismatch
        from qa_engine.types import KnowledgeBaseUnavailable, QuestionError

        batch = question == "-"
        if batch and not as_json:
            fail("reading questions from stdin ('-') needs --json")
        if not batch:
            try:  # reject bad input before paying for model loading
                clean_question(question, settings.engine.max_question_chars)
            except QuestionError as exc:
                fail(str(exc))
        existed = settings.data_dir.exists()
        try:
            engine = AnswerEngine.from_settings(settings)
            engine.warm_up()
            typer.echo(status_line(settings, engine.retriever.collection, engine.model_version,
                                   data_dir_existed=existed), err=True)
        except KnowledgeBaseUnavailable as exc:
            fail(str(exc), code=3)
        except SchemaMismatch as exc:  # verified answers' database not upgraded
            fail(str(exc), code=EXIT_DATABASE)

        if not batch:
            try:
                answer = engine.ask(question, top_k=top_k)
            except KnowledgeBaseUnavailable as exc:
                fail(str(exc), code=3)
            except SchemaMismatch as exc:
                fail(str(exc), code=EXIT_DATABASE)
            typer.echo(json.dumps(answer.to_json(), ensure_ascii=False) if as_json
                       else _render(answer))
            return

        for line in sys.stdin:
            text = line.rstrip("\n")
            try:
                out = engine.ask(text, top_k=top_k).to_json()
            except (QuestionError, KnowledgeBaseUnavailable) as exc:
                out = {"question": text, "error": str(exc)}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()
