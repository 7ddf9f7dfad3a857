"""`stylesprint ingest` (being written: see qa_engine/ingest)."""

import typer


def register(app: typer.Typer) -> None:
    pass
