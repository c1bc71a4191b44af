"""Provides ``CatalogueEntry`` and ``read_catalogue``: what the catalogue lists, read cheaply.

The catalogue's first frame needs only each scenario's id, title, topics, track, difficulty
and minutes. Reading those with the YAML parser alone keeps pydantic models, the simulator and
numpy out of start-up; the full load (and its validation) happens when a scenario is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lab.scenario.paths import scenarios_dir

__all__ = ["CatalogueEntry", "read_catalogue", "scenarios_dir"]

MAX_DOCUMENT_BYTES = 1024 * 1024
"""Scenario files larger than this are not listed (``lab.scenario.simdoc`` refuses them too)."""


@dataclass(frozen=True)
class CatalogueEntry:
    """One scenario as the catalogue lists it."""

    id: str
    title: str
    topics: tuple[str, ...]
    difficulty: int
    minutes: int
    path: Path
    track: str | None = None
    """The curriculum track (``content/tracks.yaml``), if the scenario names one."""


def read_catalogue(directory: Path | None = None) -> tuple[list[CatalogueEntry], list[str]]:
    """Every scenario file's catalogue fields, and one line per file that cannot be listed.

    Read from the start-up cache (``lab.cache``) while no scenario file and none of the lab's
    files changed; computed by ``_read`` otherwise.
    """
    from lab.cache import cached, input_key

    paths = sorted((directory or scenarios_dir()).glob("*.yaml"))

    def compute() -> dict[str, list[Any]]:
        entries, problems = _read(paths)
        return {"entries": [[e.id, e.title, list(e.topics), e.difficulty, e.minutes, str(e.path), e.track] for e in entries], "problems": problems}

    value = cached("catalogue", input_key(paths, []), compute)
    entries = [CatalogueEntry(i, title, tuple(topics), difficulty, minutes, Path(path), track) for i, title, topics, difficulty, minutes, path, track in value["entries"]]
    return entries, list(value["problems"])


def _read(paths: list[Path]) -> tuple[list[CatalogueEntry], list[str]]:
    """The catalogue fields of these scenario files, and one line per file that cannot be listed.

    Each file is opened once and refused before reading when it is not a regular file (a FIFO
    would block, a device never ends) or over ``MAX_DOCUMENT_BYTES``; the fields must be
    plain scalars (a "billion laughs" of aliases in ``title`` would expand when printed).
    """
    from lab.yaml_source import UnsafeFile, read_regular

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries, problems = [], []
    for path in paths:
        try:
            data = yaml.load(read_regular(path, max_bytes=MAX_DOCUMENT_BYTES), Loader=loader)  # noqa: S506 - a safe loader
            if not isinstance(data, dict):
                raise TypeError("not a mapping")
            topics = data.get("topics") or ["other"]
            fields = [data["id"], data.get("title", data["id"]), data.get("difficulty", 1), data.get("minutes", 0)]
            if not isinstance(topics, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in [*topics, *fields]):
                raise TypeError("id, title, topics, difficulty and minutes must be plain values")
            track = data.get("track")
            if track is not None and not isinstance(track, str):
                raise TypeError("track must be a plain value")
            entries.append(CatalogueEntry(str(data["id"]), str(fields[1]), tuple(str(t) for t in topics), int(fields[2]), int(fields[3]), path, track))
        except UnsafeFile as exc:
            problems.append(f"{path.name}: cannot be listed: it {exc.strerror}")
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
            problems.append(f"{path.name}: cannot be listed ({exc.__class__.__name__})")
    return entries, problems
