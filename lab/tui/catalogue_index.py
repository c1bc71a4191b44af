"""Provides ``CatalogueEntry`` and ``read_catalogue``: what the catalogue lists, read cheaply.

The catalogue's first frame needs only each scenario's id, title, topics, difficulty and
minutes. Reading those with the YAML parser alone keeps pydantic models, the simulator and
numpy out of start-up; the full load (and its validation) happens when a scenario is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from lab.scenario.paths import scenarios_dir

__all__ = ["CatalogueEntry", "read_catalogue", "scenarios_dir"]

HEADER_BYTES = 64 * 1024
"""Scenario files larger than this are listed from their first part only."""


@dataclass(frozen=True)
class CatalogueEntry:
    """One scenario as the catalogue lists it."""

    id: str
    title: str
    topics: tuple[str, ...]
    difficulty: int
    minutes: int
    path: Path


def read_catalogue(directory: Path | None = None) -> tuple[list[CatalogueEntry], list[str]]:
    """Every scenario file's catalogue fields, and a message per file that cannot be listed."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries, problems = [], []
    for path in sorted((directory or scenarios_dir()).glob("*.yaml")):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
            topics = tuple(str(t) for t in data.get("topics") or ("other",))
            entries.append(
                CatalogueEntry(str(data["id"]), str(data.get("title", data["id"])), topics, int(data.get("difficulty", 1)), int(data.get("minutes", 0)), path)
            )
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(f"{path.name}: cannot be listed ({exc.__class__.__name__})")
    return entries, problems
