"""Provides ``CatalogueEntry``, ``read_index`` and ``read_catalogue``: what the catalogue lists, read cheaply.

The catalogue's first frame needs only each scenario's id, title, topics, track, difficulty
and minutes, and the curriculum's tracks. Reading those with the YAML parser alone keeps
pydantic models, the simulator and numpy out of start-up; the full load (and its validation)
happens when a scenario is opened. Both come from the start-up cache while nothing changed,
so the first frame does not import PyYAML either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.practice.tracks import Track, Tracks, tracks_file
from lab.scenario.paths import scenarios_dir

__all__ = ["CatalogueEntry", "CatalogueIndex", "read_catalogue", "read_index", "read_tracks", "scenarios_dir", "tracks_file"]

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


@dataclass(frozen=True)
class CatalogueIndex:
    """What the catalogue shows: the scenarios, the files that cannot be listed, the tracks."""

    entries: list[CatalogueEntry]
    problems: list[str]
    """One line per scenario file that cannot be listed."""
    tracks: Tracks
    """The curriculum's tracks; none when the tracks file is broken (scenarios are then listed by topic)."""


def read_index(directory: Path | None = None) -> CatalogueIndex:
    """Every scenario file's catalogue fields, the files that cannot be listed, and the tracks.

    Read from the start-up cache (``lab.cache``) while no scenario file, the tracks file and
    none of the lab's files changed; computed by ``_read`` and ``load_tracks`` otherwise.
    """
    from lab.cache import cached, input_key

    paths = sorted((directory or scenarios_dir()).glob("*.yaml"))
    tracks_path = tracks_file()

    def compute() -> dict[str, list[Any]]:
        entries, problems = _read(paths)
        return {
            "entries": [[e.id, e.title, list(e.topics), e.difficulty, e.minutes, str(e.path), e.track] for e in entries],
            "problems": problems,
            "tracks": [[t.id, t.title, t.about] for t in read_tracks(tracks_path).by_id.values()],
        }

    value = cached("catalogue", input_key([*paths, tracks_path], []), compute)
    entries = [CatalogueEntry(i, title, tuple(topics), difficulty, minutes, Path(path), track) for i, title, topics, difficulty, minutes, path, track in value["entries"]]
    tracks = Tracks({tid: Track(tid, title, about) for tid, title, about in value["tracks"]})
    return CatalogueIndex(entries, list(value["problems"]), tracks)


def read_catalogue(directory: Path | None = None) -> tuple[list[CatalogueEntry], list[str]]:
    """Every scenario file's catalogue fields, and one line per file that cannot be listed (``read_index``)."""
    index = read_index(directory)
    return index.entries, index.problems


def read_tracks(path: Path) -> Tracks:
    """The tracks in ``path``, or none when the file is broken."""
    # The reader and its errors: not imported by a first frame whose index comes from the cache.
    from lab.errors import LabError
    from lab.practice.curriculum import load_tracks

    try:
        return load_tracks(path)
    except LabError:
        # A broken tracks file must not close the catalogue: scenarios are then listed by topic.
        return Tracks({})


def _read(paths: list[Path]) -> tuple[list[CatalogueEntry], list[str]]:
    """The catalogue fields of these scenario files, and one line per file that cannot be listed.

    Each file is opened once and refused before reading when it is not a regular file (a FIFO
    would block, a device never ends) or over ``MAX_DOCUMENT_BYTES``; the fields must be
    plain scalars (a "billion laughs" of aliases in ``title`` would expand when printed).
    """
    import yaml

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
