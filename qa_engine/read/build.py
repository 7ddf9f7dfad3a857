"""The reader as the settings and the model registry build it: `build_reader` (what the
engine, the model watcher and the evaluation serve), `earlier_reader` (the fallback when
the promoted version cannot be loaded) and the settings that decide a reader's config.
"""

from __future__ import annotations

import logging
from pathlib import Path

from qa_engine.read.reader import TRAINED_WINDOW, ModelLoadError, SpanReader
from qa_engine.registry import ModelRegistry, ModelVersion
from qa_engine.settings import Settings

logger = logging.getLogger(__name__)


def earlier_reader(
    settings: Settings, registry: ModelRegistry, broken: str, error: Exception
) -> SpanReader:
    """A warmed-up reader of the most recently served version other than `broken`.

    A promoted version that cannot be loaded (corrupt or missing weights) must not keep
    the bot down: serve what served before it, and say so loudly. CURRENT is left as it
    is, so `stylesprint models list` still shows what was promoted; fix it or roll back.
    """
    names: list[str] = []
    for event in reversed(registry.history()):
        for name in (event.get("previous"), event.get("version")):
            if name and name != broken and name not in names:
                names.append(name)
    for name in names:
        try:
            reader = build_reader(settings, registry, version=registry.get(name))
            reader.warm_up()
        except (KeyError, ModelLoadError, OSError, ValueError, RuntimeError) as exc:
            logger.warning("earlier model version %s cannot be loaded either: %s", name, exc)
            continue
        logger.error("model version %s cannot be loaded (%s); serving %s instead. Fix it or "
                     "run `stylesprint models rollback`.", broken, error, name)
        return reader
    raise ModelLoadError(
        f"model version {broken} cannot be loaded and no earlier version can: {error}"
    ) from error


def build_reader(
    settings: Settings, registry: ModelRegistry | None = None, version: ModelVersion | None = None,
    model_dir: Path | None = None,
) -> SpanReader:
    """The reader for `model_dir`, `version`, the configured adapter (`adapter_dir`), or the
    registry's current version, in that order.

    Built by `SpanReader.from_model_dir`: the model's own window and base model, unless
    the settings name them (`STYLESPRINT_MAX_SEQ_LENGTH`, `STYLESPRINT_DOC_STRIDE`,
    `STYLESPRINT_BASE_MODEL`); decoding limits, int8, device and threshold from settings.
    """
    if model_dir is None and version is None:
        model_dir = settings.engine.adapter_dir
    if model_dir is not None:
        name = f"path:{Path(model_dir).name}"
    else:
        chosen = version or (registry or ModelRegistry(settings.models_dir)).current()
        model_dir, name = chosen.path, chosen.name
    return SpanReader.from_model_dir(
        model_dir, base_model=settings.engine.base_model, device=settings.engine.device,
        threshold=settings.engine.confidence_threshold, model_version=name,
        **reader_overrides(settings),
    )


def reader_overrides(settings: Settings) -> dict[str, object]:
    """The `ReaderConfig` fields the settings decide (the window only when set explicitly)."""
    engine = settings.engine
    window = {k: getattr(engine, k) for k in TRAINED_WINDOW if k in engine.model_fields_set}
    return {"max_answer_length": engine.max_answer_tokens, "n_best": engine.n_best,
            "int8": engine.reader_int8, **window}
