"""Sentence embeddings for passages and questions (sentence-transformers)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np


class Embedder:
    """Normalised sentence embeddings from a local sentence-transformers model.

    `__init__` is cheap; `warm_up()` loads the model once (idempotent, thread-safe),
    so a process can build components first and pay for loading when it chooses.
    """

    def __init__(
        self, model_path: str, device: str = "cpu", batch_size: int = 64, int8: bool = False
    ) -> None:
        self.model_path = model_path
        self.device = device
        self.batch_size = batch_size
        self.int8 = int8  # dynamic int8 quantisation (CPU), see qa_engine/read/speed.py
        self._model = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(
                    self.model_path, device=self.device, local_files_only=True
                )
                if self.int8:
                    from qa_engine.read.speed import quantize_int8

                    model = quantize_int8(model, self.device)
                self._model = model

    @property
    def dimension(self) -> int:
        self.warm_up()
        return int(self._model.get_sentence_embedding_dimension())

    def vocabulary(self) -> set[str]:
        """The whole words the encoder's tokenizer knows (no sub-word pieces)."""
        self.warm_up()
        vocab = self._model.tokenizer.get_vocab()
        words = (t.lstrip("\u0120\u2581") for t in vocab if not t.startswith("##"))
        return {w.lower() for w in words if w.isalpha()}

    def embed(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        )
        return vectors.astype(np.float32)
