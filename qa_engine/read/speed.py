"""Serving speed options: int8 dynamic quantisation and a small LRU cache.

Both are opt-in settings (`STYLESPRINT_READER_INT8`, `STYLESPRINT_EMBEDDER_INT8`,
`STYLESPRINT_QUESTION_CACHE_SIZE`); `docs/experiments.md` ("Speed and memory") has the
measured effect of each on latency and dev F1, which is why some are off by default.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import warnings
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

V = TypeVar("V")


def apply_omp_wait_policy(policy: str | None) -> bool:
    """Set OMP_WAIT_POLICY for this process (and its children) if it can still take effect.

    OpenMP reads it once, when torch loads it: after `import torch` it is too late (and
    then nothing is changed). An OMP_WAIT_POLICY already in the environment wins.
    Returns True when the policy was set here.
    """
    if not policy or "OMP_WAIT_POLICY" in os.environ:
        return False
    if "torch" in sys.modules:
        logger.debug("torch is already loaded; OMP_WAIT_POLICY=%s not applied", policy)
        return False
    os.environ["OMP_WAIT_POLICY"] = policy
    return True


def quantize_int8(model: Any, device: str = "cpu") -> Any:
    """`model` with every `nn.Linear` swapped for a dynamically quantised int8 one (in place).

    Weights are stored as int8 and activations quantised on the fly per batch, so
    no calibration data is needed; embeddings, LayerNorm and softmax stay float.
    Quantised kernels exist only on CPU: on any other device the model is returned
    unchanged (with a warning) rather than moved back to the CPU behind the
    operator's back.
    """
    if device != "cpu":
        logger.warning("int8 quantisation is CPU-only; serving the float model on %s", device)
        return model
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        # torch warns that quantised tensor constructors are deprecated (in favour of
        # torchao); the kernels still ship with torch and are what is measured here.
        warnings.simplefilter("ignore")
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


class LRUCache(Generic[V]):
    """A thread-safe least-recently-used map with at most `max_size` entries (0 = off)."""

    def __init__(self, max_size: int) -> None:
        if max_size < 0:
            raise ValueError("cache size must be >= 0")
        self.max_size = max_size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> V | None:
        if not self.max_size:
            return None
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Hashable, value: V) -> None:
        if not self.max_size:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
