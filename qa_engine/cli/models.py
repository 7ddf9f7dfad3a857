"""`stylesprint models list | show VERSION | promote VERSION | rollback`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from qa_engine.cli.common import fail, settings_or_exit


def register(app: typer.Typer) -> None:
    models = typer.Typer(help="The model registry: versions of the reader and which one serves.",
                         no_args_is_help=True)
    app.add_typer(models, name="models")

    def _registry():
        from qa_engine.registry import ModelRegistry

        return ModelRegistry(settings_or_exit().models_dir)

    @models.command("list")
    def list_versions(as_json: bool = typer.Option(False, "--json")) -> None:
        """Every version, oldest first; the serving one is marked with *."""
        registry = _registry()
        registry.current()  # installs the shipped reader on a fresh data directory
        current = registry.current_name()
        rows = []
        for v in registry.versions():
            dev = v.info.get("dev_metrics") or {}
            rows.append({"version": v.name, "current": v.name == current,
                         "created": v.info.get("created"), "parent": v.info.get("parent"),
                         "method": v.info.get("method"), "f1": dev.get("f1"),
                         "decision": v.info.get("decision")})
        if as_json:
            for r in rows:
                typer.echo(json.dumps(r))
            return
        for r in rows:
            mark = "*" if r["current"] else " "
            typer.echo(f"{mark} {r['version']:<28} {r['created'] or '':<26} "
                       f"{r['method'] or '':<8} dev F1 {r['f1'] if r['f1'] is not None else '-'}"
                       f"  {r['decision'] or ''}")
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
        from qa_engine.reader import ModelLoadError

        registry = _registry()
        try:
            if version == registry.shipped_name():  # an upgrade's new shipped reader
                registry.add_shipped()
            registry.promote(version, reason=reason)
        except (KeyError, ModelLoadError) as exc:
            fail(str(exc.args[0]))
        typer.echo(f"now serving {version}")

    @models.command()
    def rollback() -> None:
        """Serve the version that was serving before the current one."""
        try:
            target = _registry().rollback()
        except RuntimeError as exc:
            fail(str(exc))
        typer.echo(f"rolled back: now serving {target}")
