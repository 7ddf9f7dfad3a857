"""Fixtures shared across the test suite. Keep each one additive and clearly named."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 sentence embedder, loaded once per test session."""
    from qa_engine.embedder import Embedder
    from qa_engine.settings import bundled_minilm_path

    model = Embedder(bundled_minilm_path())
    model.warm_up()
    return model
