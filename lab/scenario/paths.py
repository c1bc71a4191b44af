"""Provides where scenarios are found: light enough for the catalogue to import at start-up."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["scenarios_dir"]


def scenarios_dir() -> Path:
    """Where scenarios are: ``$LAB_SCENARIOS``, ``./scenarios``, or the lab's own copy."""
    env = os.environ.get("LAB_SCENARIOS")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if here.is_dir() and any(here.glob("*.yaml")):
        return here
    return Path(__file__).resolve().parent.parent.parent / "scenarios"
