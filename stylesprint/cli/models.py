"""`stylesprint models list | show VERSION | promote VERSION | rollback`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from stylesprint.cli.common import fail, settings_or_exit
from stylesprint.cli.help import App


def register(app: typer.Typer) -> None:
    models = App(help="The model registry: versions of the reader and which one serves.",
                         no_args_is_help=True)
    app.add_typer(models, name="models")

    def _registry():
        from qa_engine.registry import ModelRegistry

        return ModelRegistry(settings_or_exit().models_dir)

    @models.command("list")
    def list_versions(
        as_json: bool = typer.Option(False, "--json", help="One JSON object per version."),
    ) -> None:
        """Every version, oldest first; the serving one is marked with *.

        TRAINED is when the model finished training (from its own metadata; `-` for
        models trained before it was recorded), INSTALLED when it entered this registry.
        """
        from qa_engine.read.reader import read_model_meta

        registry = _registry()
        registry.current()  # installs the shipped reader on a fresh data directory
        current = registry.current_name()
        rows = []
        for v in registry.versions():
            dev = v.info.get("dev_metrics") or {}
            trained = v.info.get("trained_at") or read_model_meta(v.path).get("trained_at")
            rows.append({"version": v.name, "current": v.name == current,
                         "trained": trained, "created": v.info.get("created"),
                         "parent": v.info.get("parent"), "method": v.info.get("method"),
                         "f1": dev.get("f1"), "decision": v.info.get("decision")})
        if as_json:
            for r in rows:
                typer.echo(json.dumps(r))
            return
        for line in _table(rows):
            typer.echo(line)
        shipped = registry.shipped_name()
        if shipped not in {r["version"] for r in rows}:
            typer.echo(f"\nThis release ships {shipped}: `stylesprint models promote {shipped}` "
                       "adds and serves it.")

    @models.command()
    def show(version: str) -> None:
        """Everything recorded about one version (metrics, data, decision, reason)."""
        try:
            v = _registry().get(version)
        except KeyError as exc:
            fail(str(exc.args[0]))
        meta_path = Path(v.path) / "stylesprint.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        typer.echo(json.dumps({**meta, **v.info, "path": str(v.path)}, indent=2, default=str))

    @models.command()
    def promote(version: str, reason: str = typer.Option("promoted by hand")) -> None:
        """Serve VERSION from now on (running bots switch within a minute).

        The name of the reader shipped with this release (`models list` shows it) works
        even in a data directory made by an earlier release: it is copied in first.
        """
        from qa_engine.read.reader import ModelLoadError

        registry = _registry()
        try:
            if version == registry.shipped_name():  # an upgrade's new shipped reader
                registry.add_shipped()
            switched = registry.promote(version, reason=reason)
        except (KeyError, ModelLoadError) as exc:
            fail(str(exc.args[0]))
        if not switched:
            typer.echo(f"{version} is already serving; nothing changed")
            return
        typer.echo(f"now serving {version}")

    @models.command()
    def rollback() -> None:
        """Serve the version that was serving before the current one."""
        try:
            target = _registry().rollback()
        except RuntimeError as exc:
            fail(str(exc))
        typer.echo(f"rolled back: now serving {target}")


def _when(stamp: str | None) -> str:
    """`2026-11-24T03:03:59+00:00` -> `2026-11-24 03:03` (UTC, as recorded); `-` if unknown."""
    if not stamp:
        return "-"
    return str(stamp).replace("T", " ")[:16]


def _table(rows: list[dict]) -> list[str]:
    """`models list` as a table with a header line."""
    width = max([len("VERSION"), *(len(r["version"]) for r in rows)])
    lines = [f"  {'VERSION':<{width}}  {'TRAINED (UTC)':<16}  {'INSTALLED (UTC)':<16}  "
             f"{'METHOD':<8}  {'DEV F1':>6}  DECISION"]
    for r in rows:
        f1 = f"{r['f1']:.3f}" if isinstance(r["f1"], (int, float)) else "-"
        lines.append(f"{'*' if r['current'] else ' '} {r['version']:<{width}}  "
                     f"{_when(r['trained']):<16}  {_when(r['created']):<16}  "
                     f"{r['method'] or '-':<8}  {f1:>6}  {r['decision'] or ''}".rstrip())
    return lines
