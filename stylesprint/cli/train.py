"""`stylesprint train`, `stylesprint calibrate` and `stylesprint models ...`."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import typer

from stylesprint.cli.common import fail, quiet_libraries, settings_or_exit


def _calibrate_and_card(model_dir: Path, dev: Path | None, settings, command: str,
                        trained_at: str | None = None,
                        hold_declines: float | None = None) -> dict:
    """Fit calibration on `dev` (when given), record dev metrics, write the model card.

    `trained_at` (ISO time, UTC) is recorded when the model was just trained.
    """
    from qa_engine.read.reader import MODEL_META_FILE, SpanReader
    from training.calibrate import fit_calibration, reader_metrics, score_examples
    from training.datasets import load_examples
    from training.model_card import write_model_card

    meta_path = model_dir / MODEL_META_FILE
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    metrics = {}
    if dev is not None:
        examples = load_examples(dev)
        reader = SpanReader.from_model_dir(
            model_dir, settings.engine.resolved_base_model,
            max_answer_length=settings.engine.max_answer_tokens, n_best=settings.engine.n_best,
        )
        scores = score_examples(reader, examples)
        calibration = fit_calibration(scores, source=str(dev),
                                      min_unanswerable_declined=hold_declines)
        calibration.save(model_dir)
        metrics = reader_metrics(scores, calibration)
        meta.update({"dev_path": str(dev), "dev_metrics": metrics})
    if trained_at:
        meta["trained_at"] = trained_at
    meta.setdefault("command", command)
    meta_path.write_text(json.dumps(meta, indent=2, default=str) + "\n")
    write_model_card(model_dir, command=meta["command"])
    return metrics


def derived_from(path: Path) -> dict:
    """{"sources": ...} for a derived file (the real-QA mixes of training/realqa.py), so
    the model card names the files it came from; {} for any other file."""
    from training.realqa import read_sources

    sources = read_sources(path)
    return {"sources": sources} if sources else {}


def _check_dev(dev: Path | None) -> None:
    """A dev file that cannot be read is a one-line usage error before any model loads."""
    if dev is None:
        return
    from training.datasets import DatasetError, load_examples

    try:
        if not load_examples(dev):
            fail(f"{dev}: no examples")
    except DatasetError as exc:
        fail(f"--dev {exc}")


def register(app: typer.Typer) -> None:
    @app.command()
    def train(
        data: list[Path] = typer.Option(..., "--data", help="Training file(s): project JSONL, "
                                        "SQuAD v2 JSON or SubjQA CSV. Repeat for several."),
        dev: Path | None = typer.Option(None, help="Dev file for calibration and metrics."),
        out: Path = typer.Option(Path("runs/reader"), help="Output model directory."),
        method: str = typer.Option("adalora", help="adalora | lora | full"),
        epochs: float = typer.Option(2.0, help="Passes over the data."),
        batch_size: int = typer.Option(16),
        learning_rate: float | None = typer.Option(None, help="Default 1e-3 (adapters), "
                                                      "5e-5 (full)."),
        max_seq_length: int = typer.Option(256),
        doc_stride: int = typer.Option(64),
        init_r: int = typer.Option(12, help="AdaLoRA initial rank per matrix."),
        target_r: int = typer.Option(8, help="AdaLoRA average final rank (LoRA rank)."),
        target_modules: str = typer.Option("query,key,value,dense",
                                           help="Comma-separated module names to adapt."),
        max_steps: int | None = typer.Option(None, help="Stop after this many steps."),
        seed: int = typer.Option(0),
        init_from: Path | None = typer.Option(None, help="Warm-start from this adapter."),
        limit: int | None = typer.Option(None, help="Use at most N examples per file."),
    ) -> None:
        """Fine-tune the span reader (AdaLoRA by default) and save only the adapter."""
        quiet_libraries()
        settings = settings_or_exit()
        if settings.engine.torch_threads:
            import torch

            torch.set_num_threads(settings.engine.torch_threads)
        from training.adapters import TrainConfig
        from training.datasets import DatasetError, load_examples
        from training.trainer import train_reader

        try:
            cfg = TrainConfig(
                method=method, epochs=epochs, batch_size=batch_size,
                learning_rate=learning_rate, max_seq_length=max_seq_length,
                doc_stride=doc_stride, init_r=init_r, target_r=target_r,
                target_modules=tuple(m.strip() for m in target_modules.split(",") if m.strip()),
                max_steps=max_steps, seed=seed,
            )
            examples, provenance = [], []
            for path in data:
                loaded = load_examples(path)[: limit or None]
                examples.extend(loaded)
                provenance.append({"path": str(path), "examples": len(loaded),
                                   **derived_from(path)})
        except (ValueError, DatasetError) as exc:
            fail(str(exc))
        _check_dev(dev)
        command = "stylesprint " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        typer.echo(f"training {method} on {len(examples)} examples from {len(data)} file(s)",
                   err=True)
        result = train_reader(
            examples, out, settings.engine.resolved_base_model, cfg, init_from=init_from,
            meta={"data": provenance, "command": command,
                  "init_from": str(init_from) if init_from else None},
        )
        from datetime import datetime, timezone

        trained_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        metrics = _calibrate_and_card(out, dev, settings, command, trained_at=trained_at)
        typer.echo(json.dumps({"out": str(out), "steps": result.steps,
                               "seconds": round(result.seconds, 1),
                               "final_loss": round(sum(result.losses[-50:]) /
                                                   max(1, len(result.losses[-50:])), 4),
                               "dev": metrics}, indent=2))

    @app.command()
    def calibrate(
        dev: Path = typer.Option(..., help="Dev file (project JSONL, SQuAD v2, SubjQA CSV)."),
        model: str | None = typer.Option(
            None, help="Model directory or registry version (default: the current version)."),
        hold_declines: float | None = typer.Option(
            None, min=0.0, max=1.0,
            help="Raise the threshold until at least this share of the dev file's "
                 "unanswerable questions is declined (e.g. the parent version's rate)."),
    ) -> None:
        """Fit the confidence temperature and decline threshold on a dev split; store them."""
        quiet_libraries()
        settings = settings_or_exit()
        _check_dev(dev)
        from qa_engine.registry import ModelRegistry

        registry = ModelRegistry(settings.models_dir)
        if model and Path(model).is_dir():
            model_dir = Path(model)
        else:
            try:
                model_dir = registry.get(model).path if model else registry.current().path
            except KeyError as exc:
                fail(str(exc.args[0]))
        metrics = _calibrate_and_card(model_dir, dev, settings, command="",
                                      hold_declines=hold_declines)
        typer.echo(json.dumps({"model": str(model_dir), "dev": metrics}, indent=2))
