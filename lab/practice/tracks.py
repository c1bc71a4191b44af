"""Provides ``Track``, ``Tracks`` and ``tracks_file``: the curriculum's tracks as the catalogue shows them.

Apart from ``lab.practice.curriculum`` (which reads the tracks file, ``load_tracks``), so that
the catalogue's first frame, whose tracks come from the start-up cache, imports neither the
reader nor the error and topic modules it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lab.scenario.paths import content_dir

__all__ = ["Track", "Tracks", "tracks_file"]


@dataclass(frozen=True)
class Track:
    """One track of the curriculum."""

    id: str
    title: str
    about: str


@dataclass(frozen=True)
class Tracks:
    """Every track by id, in the order a learner takes them."""

    by_id: dict[str, Track]

    def order(self, track_id: str | None) -> int:
        """The track's position (unknown or missing tracks last)."""
        ids = list(self.by_id)
        return ids.index(track_id) if track_id in self.by_id else len(ids)


def tracks_file() -> Path:
    """The tracks file ``load_tracks`` reads by default: the content folder's, else the lab's own."""
    # An instructor's own content folder may have no tracks: the lab's own apply then.
    path = content_dir() / "tracks.yaml"
    if not path.is_file():
        path = Path(__file__).resolve().parent.parent.parent / "content" / "tracks.yaml"
    return path
