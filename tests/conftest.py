"""Shared fixtures: no test reads or writes the real learner's data directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# No test asserts a duration (timings belong to benchmarks/): Hypothesis's per-example
# deadline of 200 ms would fail a slow example on a loaded two-core CI runner.
settings.register_profile("lab", deadline=None)
settings.load_profile("lab")


@pytest.fixture(autouse=True)
def _isolated_learner_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point ``LAB_DATA_DIR`` at a fresh folder (progress and autosaved edits go there), and ``LAB_CACHE_DIR`` (``lab list``'s cache) at another."""
    folder = tmp_path_factory.mktemp("lab-data")
    monkeypatch.setenv("LAB_DATA_DIR", str(folder))
    monkeypatch.setenv("LAB_CACHE_DIR", str(tmp_path_factory.mktemp("lab-cache")))
    return folder
