"""Serving processes follow the registry: a promotion or rollback is picked up without restart.

`ModelWatcher` polls the registry's CURRENT pointer (a one-line file, so a poll is
one small read) every `interval_s` seconds on a daemon thread. When the pointer
names a version other than the one the engine serves, it builds a new
`SpanReader` for it in the background, warms it up and reads one probe question
(a version that loads but cannot run is caught here, not by an agent), then calls
`engine.swap_reader()`: questions already in flight finish on the reader they
started with, new ones get the new version, and `model_version` in answers and
logs changes with it. The probe's answer must be a real one (`probe_reader`): a
span with text and a finite confidence and score; a version whose weights are NaN loads
and runs, and would otherwise fail every question afterwards (a NaN confidence cannot
be recorded). A version that is missing, half-written, fails to load or fails the probe
is refused: the current reader keeps serving and the reason is logged once (it is
tried again only if the version directory changes or the pointer moves on).

A model pinned with STYLESPRINT_ADAPTER_DIR is watched too: the registry is ignored, and
when the pinned directory's files change (a new model saved or moved into it) the reader
is rebuilt from it, probed and swapped the same way (write the new model elsewhere and
move it into place: a directory caught half-written is refused until it changes again).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from qa_engine.memory import release_free_memory
from qa_engine.protocols import PROBE_PASSAGE, PROBE_QUESTION, Reader
from qa_engine.read.reader import check_model_dir
from qa_engine.registry import ModelRegistry
from qa_engine.settings import Settings
from qa_engine.types import ReaderResult

logger = logging.getLogger(__name__)

class ProbeFailed(RuntimeError):
    """The probe question got no usable answer (empty, NaN, infinite)."""


def probe_reader(reader: Reader) -> ReaderResult:
    """Read the probe question; ProbeFailed unless the answer is a real span with finite
    numbers (what /healthz and the watcher both ask of a reader)."""
    result = reader.run(PROBE_QUESTION, [PROBE_PASSAGE])
    best = result.best
    if best is None or not best.text.strip():
        raise ProbeFailed("the probe answer is empty")
    numbers = {"confidence": result.confidence, "score": best.score,
               "null score": best.null_score}
    bad = [name for name, value in numbers.items() if not math.isfinite(float(value))]
    if bad:
        raise ProbeFailed(f"the probe answer's {' and '.join(bad)} is not a number")
    return result


class SwappableEngine(Protocol):
    """What the watcher needs of `qa_engine.pipeline.AnswerEngine`."""

    @property
    def model_version(self) -> str: ...

    def swap_reader(self, reader: Reader) -> None: ...


@dataclass(frozen=True)
class WatchResult:
    """One poll: `action` is unchanged, switched, refused or pinned (STYLESPRINT_ADAPTER_DIR)."""

    action: str
    version: str | None
    previous: str | None
    reason: str = ""


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    """What the version directory looks like now (names, sizes, mtimes)."""
    if not path.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns)
                        for p in path.iterdir() if p.is_file()))


class ModelWatcher:
    """Polls the registry and swaps the engine's reader when the served version changes."""

    def __init__(self, settings: Settings, engine: SwappableEngine, interval_s: float,
                 registry: ModelRegistry | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.interval_s = float(interval_s)  # between two checks (`start()`)
        self.registry = registry or ModelRegistry(settings.models_dir)
        self._refused: dict[str, tuple[Any, ...]] = {}
        pinned = settings.engine.adapter_dir
        # what the pinned directory looked like when the serving reader was built from it
        self._pinned_stamp = _stamp(Path(pinned)) if pinned is not None else None
        self._check_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def warm_up(self) -> None:
        """Nothing to load: readers are built when a new version appears."""

    def run(self) -> WatchResult:
        """Check the pointer once and switch if needed (thread-safe; never raises)."""
        with self._check_lock:
            try:
                return self._check()
            except Exception as exc:  # a poll must never take the serving process down
                logger.warning("model watcher: check failed: %s", exc)
                return WatchResult("refused", None, self.engine.model_version, str(exc))

    def _check(self) -> WatchResult:
        serving = self.engine.model_version
        pinned = self.settings.engine.adapter_dir
        if pinned is not None:
            return self._check_pinned(Path(pinned), serving)
        name = self.registry.current_name()
        if name is None or name == serving:
            return WatchResult("unchanged", serving, serving)
        stamp = (name, _stamp(self.registry.root / name))
        if self._refused.get(name) == stamp:
            return WatchResult("refused", name, serving, "refused before; unchanged since")
        from qa_engine.read.build import build_reader  # the engine's own construction

        def build() -> Reader:
            version = self.registry.get(name)
            check_model_dir(version.path)
            return build_reader(self.settings, version=version)

        return self._switch(name, serving, stamp, build)

    def _check_pinned(self, path: Path, serving: str) -> WatchResult:
        """STYLESPRINT_ADAPTER_DIR: follow the pinned directory's contents, not the registry."""
        stamp = _stamp(path)
        if stamp == self._pinned_stamp:
            return WatchResult("pinned", serving, serving,
                               "STYLESPRINT_ADAPTER_DIR pins the served model; unchanged")
        key = f"pinned:{path}"
        if self._refused.get(key) == stamp:
            return WatchResult("refused", serving, serving, "refused before; unchanged since")
        from qa_engine.read.build import build_reader

        def build() -> Reader:
            check_model_dir(path)
            return build_reader(self.settings)

        result = self._switch(key, serving, stamp, build)
        if result.action == "switched":
            self._pinned_stamp = stamp
        return result

    def _switch(self, name: str, serving: str, stamp: Any,
                build: Callable[[], Reader]) -> WatchResult:
        """Build, warm and probe a reader, then swap it in; refuse it (once) if any fails."""
        try:
            reader = build()
            reader.warm_up()
            probe_reader(reader)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            self._refused[name] = stamp
            logger.warning("model watcher: refusing version %s, still serving %s: %s",
                           name, serving, reason)
            return WatchResult("refused", name, serving, reason)
        self.engine.swap_reader(reader)
        release_free_memory()  # the replaced reader's weights, once the last question drops it
        self._refused.pop(name, None)
        logger.info("model watcher: now serving %s (was %s)", reader.model_version, serving)
        return WatchResult("switched", reader.model_version, serving)

    # ------------------------------------------------------------------ background thread
    def start(self) -> ModelWatcher:
        """Poll on a daemon thread until `stop()`; idempotent; no thread when interval_s is 0."""
        if self.interval_s <= 0 or (self._thread is not None and self._thread.is_alive()):
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="model-watcher", daemon=True)
        self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.run()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None


def start_model_watcher(settings: Settings, engine: Any,
                        interval_s: float) -> ModelWatcher | None:
    """The watcher a serving process runs, checking every `interval_s` (the bot's
    STYLESPRINT_MODEL_WATCH_INTERVAL_S), started; None when there is nothing to follow
    (an interval of 0, or an engine that cannot swap its reader); a pinned
    STYLESPRINT_ADAPTER_DIR is watched for a new model saved into it."""
    if interval_s <= 0 or not hasattr(engine, "swap_reader"):
        return None
    return ModelWatcher(settings, engine, interval_s).start()
