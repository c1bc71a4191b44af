"""Provides where scenarios and content are found: light enough for start-up (the catalogue, ``lab list``) to import."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["content_dir", "list_scenarios", "scenario_content_dir", "scenarios_dir"]


def scenarios_dir() -> Path:
    """Where scenarios are: ``$LAB_SCENARIOS``, ``./scenarios``, or the lab's own copy."""
    env = os.environ.get("LAB_SCENARIOS")
    if env:
        return Path(env)
    here = Path.cwd() / "scenarios"
    if here.is_dir() and any(here.glob("*.yaml")):
        return here
    return Path(__file__).resolve().parent.parent.parent / "scenarios"


def list_scenarios(directory: Path | None = None) -> list[Path]:
    """Scenario files in a folder, sorted by name.

    Every ``*.yaml`` entry but a folder: a FIFO or a link to a device is listed, and loading
    it is refused with one clear line (``lab.yaml_source.read_regular``), never skipped
    silently and never read.
    """
    folder = directory or scenarios_dir()
    return sorted(p for p in folder.glob("*.yaml") if not p.is_dir())


def scenario_content_dir(scenario_path: Path) -> Path:
    """The ``content/`` folder next to a scenarios folder (where a scenario's lesson is)."""
    return scenario_path.resolve().parent.parent / "content"


def content_dir() -> Path:
    """The practice content folder: ``$LAB_CONTENT``, ``./content`` when it has topics, or the lab's own."""
    env = os.environ.get("LAB_CONTENT")
    if env:
        return Path(env)
    here = Path.cwd() / "content"
    if (here / "topics.yaml").is_file():
        return here
    return Path(__file__).resolve().parent.parent.parent / "content"
