"""Wiring for `stylesprint eval`: which systems run, on which models and knowledge base.

Kept apart from the CLI so the wiring is testable without typer and the CLI stays
a thin shell. Systems that cannot run here (no LoRA model trained, no chat
endpoint configured) become `SkippedSystem`s with a note saying how to enable
them; an explicitly given model path that is broken is an error instead, because
the person asked for exactly that model.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_engine.retrieve.embedder import Embedder
from qa_engine.settings import Settings
from training.evaluation.base import Retrieve, System, SystemUnavailable
from training.evaluation.evaluator import SkippedSystem

log = logging.getLogger(__name__)

SYSTEM_NAMES = ("retrieval-only", "adalora", "lora", "full-ft", "in-context")
#: registry method recorded in a model's stylesprint.json, per system name
METHOD_OF = {"adalora": "adalora", "lora": "lora", "full-ft": "full"}


class EvalSetupError(ValueError):
    """The command line asks for something impossible (unknown system, bad model path)."""


def parse_systems(values: Sequence[str]) -> list[str]:
    """`["retrieval-only,adalora", "lora"]` -> ordered unique names; `all` = every system."""
    names: list[str] = []
    for value in values:
        for name in (v.strip().lower() for v in value.split(",")):
            if not name:
                continue
            expanded = list(SYSTEM_NAMES) if name == "all" else [name]
            for item in expanded:
                if item not in SYSTEM_NAMES:
                    raise EvalSetupError(
                        f"unknown system {item!r}; choose from {', '.join(SYSTEM_NAMES)} or all"
                    )
                if item not in names:
                    names.append(item)
    if not names:
        raise EvalSetupError("no systems given")
    return names


def parse_models(values: Sequence[str]) -> dict[str, Path]:
    """`["lora=runs/lora", "full-ft=runs/full"]` -> {system: directory}."""
    models: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        name = name.strip().lower()
        if not sep or not path.strip():
            raise EvalSetupError(f"--model expects NAME=PATH, got {value!r}")
        if name not in METHOD_OF:
            raise EvalSetupError(
                f"--model {name}: only {', '.join(METHOD_OF)} take a model directory"
            )
        models[name] = Path(path.strip())
        _check_model(name, models[name])
    return models


def _check_model(name: str, path: Path) -> None:
    from qa_engine.read.reader import ModelLoadError, check_model_dir

    try:
        check_model_dir(path)
    except ModelLoadError as exc:
        raise EvalSetupError(f"--model {name}={path}: {exc}") from exc


def kb_collection_name(paths: Sequence[Path]) -> str:
    """A collection of its own for an evaluation knowledge base, named by its paths."""
    key = "\n".join(sorted(str(Path(p).resolve()) for p in paths))
    return "eval_kb_" + hashlib.sha1(key.encode()).hexdigest()[:12]


def open_retriever(settings: Settings, embedder: Embedder,
                   kb_paths: Sequence[Path] | None) -> tuple[Any, str]:
    """A ChromaRetriever over the knowledge base end-to-end questions are asked of.

    With `--kb`, the given files/folders are ingested (incrementally, pruning what
    is no longer there) into a collection of their own, so an evaluation never
    rewrites the knowledge base the bot serves. Without it, the configured
    collection is used as the bot would (filled from STYLESPRINT_KB_PATHS or the
    demo KB when empty).
    """
    from qa_engine.ingest import Ingestor, ensure_demo_kb
    from qa_engine.retrieve.chroma_store import get_collection, make_client
    from qa_engine.retrieve.retriever import ChromaRetriever
    from qa_engine.types import KnowledgeBaseUnavailable

    client = make_client(settings)
    if kb_paths:
        name = kb_collection_name(kb_paths)
        kb_settings = settings.updated(engine={"collection": name})
        collection = get_collection(client, name)
        from qa_engine.ingest import IngestPathError

        try:
            report = Ingestor(kb_settings, embedder, collection, client=client,
                              progress=False).run(list(kb_paths), prune=True)
        except IngestPathError as exc:
            raise EvalSetupError(f"--kb: {exc}") from exc
        if report.collection_size == 0:
            raise KnowledgeBaseUnavailable(
                f"nothing could be ingested from {', '.join(map(str, kb_paths))}"
            )
        described = f"{', '.join(map(str, kb_paths))} (collection {name}, " \
                    f"{report.collection_size} passages)"
    else:
        collection = get_collection(client, settings.engine.collection)
        ensure_demo_kb(settings, embedder, collection)
        described = f"collection {settings.engine.collection} ({collection.count()} passages)"
    return ChromaRetriever(collection, embedder, top_k=settings.engine.top_k), described


def find_registry_model(settings: Settings, method: str) -> Path | None:
    """The newest registered model version trained with `method`, if any."""
    from qa_engine.read.reader import read_model_meta
    from qa_engine.registry import ModelRegistry

    for version in reversed(ModelRegistry(settings.models_dir).versions()):
        meta = read_model_meta(version.path)
        if (meta.get("method") or version.info.get("method")) == method:
            return version.path
    return None


@dataclass
class SystemSet:
    systems: list[System] = field(default_factory=list)
    skipped: list[SkippedSystem] = field(default_factory=list)
    details: dict[str, dict[str, Any]] = field(default_factory=dict)


def build_systems(
    settings: Settings,
    names: Sequence[str],
    embedder: Embedder,
    models: dict[str, Path] | None = None,
    retriever: Any | None = None,
) -> SystemSet:
    """Construct (not load) every requested system; skipped ones carry the reason."""
    from qa_engine.compose.composer import Composer
    from qa_engine.pipeline import AnswerEngine
    from qa_engine.read.build import build_reader
    from qa_engine.read.reader import ModelLoadError
    from training.evaluation.incontext import InContextSystem
    from training.evaluation.systems import (
        ReaderSystem,
        RetrievalOnlySystem,
        retrieval_function,
    )

    models = models or {}
    retrieve: Retrieve | None = retrieval_function(retriever) if retriever is not None else None
    out = SystemSet()
    composer: Composer | None = None
    for name in names:
        if name == "retrieval-only":
            out.systems.append(RetrievalOnlySystem(embedder, retrieve, top_k=settings.engine.top_k))
            out.details[name] = {"model": "none (best sentence of the top passage)"}
        elif name == "in-context":
            try:
                system = InContextSystem.from_settings(settings, retrieve=retrieve)
            except SystemUnavailable as exc:
                out.skipped.append(SkippedSystem(name, str(exc)))
                continue
            out.systems.append(system)
            out.details[name] = {"model": settings.openai.model,
                                 "endpoint": settings.openai.base_url,
                                 "price_per_1k_tokens": settings.openai.price_per_1k_tokens}
        else:
            path = models.get(name)
            if path is not None:
                _check_model(name, path)
            elif name != "adalora":
                path = find_registry_model(settings, METHOD_OF[name])
                if path is None:
                    how = "stylesprint train --method " + METHOD_OF[name]
                    out.skipped.append(SkippedSystem(
                        name, f"no {name} model: train one with `{how}` and pass "
                              f"--model {name}=DIR"))
                    continue
            try:
                reader = build_reader(settings, model_dir=path)
            except (ModelLoadError, FileNotFoundError, KeyError) as exc:
                out.skipped.append(SkippedSystem(name, f"reader unavailable: {exc}"))
                continue
            composer = composer or Composer(currency=settings.engine.currency)
            engine = (AnswerEngine.assemble(settings, retriever, reader, composer,
                                            embedder=embedder)
                      if retriever is not None else None)
            out.systems.append(ReaderSystem(name, reader, composer, engine=engine))
            out.details[name] = {"model_version": reader.model_version,
                                 "model_dir": str(reader.model_dir)}
    return out
