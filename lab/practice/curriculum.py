"""Provides the curriculum: tracks (``content/tracks.yaml``), what each scenario covers, and its table.

Each shipped scenario names a track and the content-map topics its required checks grade
(``track:``, ``covers:``). ``curriculum_problems`` finds unknown ids for ``lab validate``;
``render_curriculum`` writes docs/curriculum.md's tables (every track with its scenarios,
every content-map topic with the scenarios and questions that cover it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lab.errors import SourceError, SourceErrors
from lab.practice.topics import Topics
from lab.practice.tracks import Track, Tracks, tracks_file

if TYPE_CHECKING:
    from lab.practice.model import Question

__all__ = ["Track", "Tracks", "ScenarioSummary", "curriculum_problems", "load_tracks", "render_curriculum", "scenario_summaries", "tracks_file"]


def load_tracks(path: Path | None = None) -> Tracks:
    """Read ``content/tracks.yaml`` (``tracks_file()`` unless ``path`` is given).

    Raises:
        SourceError: the file cannot be read or is not YAML.
        SourceErrors: a track is not shaped ``id: {title: text, about: text}``.
    """
    from lab.yaml_source import load_path  # PyYAML: not imported by the catalogue's first frame

    doc = load_path(path or tracks_file())
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("tracks"), dict):
        raise doc.error((), "expected a mapping with 'tracks' (id: {title, about})")
    by_id: dict[str, Track] = {}
    problems = []
    for tid, entry in data["tracks"].items():
        if not isinstance(entry, dict) or set(entry) != {"title", "about"} or not all(isinstance(v, str) for v in entry.values()):
            err: SourceError = doc.error(("tracks", tid), f"track '{tid}' must be {{title: <text>, about: <text>}}")
            problems.append(err.diagnostic)
            continue
        by_id[str(tid)] = Track(str(tid), entry["title"], entry["about"])
    if problems:
        raise SourceErrors(problems)
    return Tracks(by_id)


@dataclass(frozen=True)
class ScenarioSummary:
    """What the curriculum needs of one scenario."""

    id: str
    title: str
    track: str | None
    covers: tuple[str, ...]
    difficulty: int


def scenario_summaries(scenarios: Iterable[Any]) -> list[ScenarioSummary]:
    """Summaries of scenario models (``lab.scenario.schema.Scenario``)."""
    return [ScenarioSummary(s.id, s.title, s.track, tuple(s.covers), s.difficulty) for s in scenarios]


def curriculum_problems(scenario: Any, where: Any, topics: Topics, tracks: Tracks) -> list[str]:
    """``file:line:col: message`` for each unknown track or topic id of ``scenario``.

    ``where(path)`` gives the ``file:line:col`` prefix of a path in the scenario file.
    """
    problems = []
    if scenario.track is not None and scenario.track not in tracks.by_id:
        problems.append(f"{where(('track',))}: unknown track '{scenario.track}' (tracks: {', '.join(tracks.by_id)})")
    for i, topic in enumerate(scenario.covers):
        if topic not in topics.by_id:
            problems.append(f"{where(('covers', i))}: '{topic}' is not a topic of content/topics.yaml")
    return problems


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_curriculum(scenarios: Sequence[ScenarioSummary], questions: Sequence[Question], topics: Topics, tracks: Tracks) -> str:
    """The tracks table and the topic coverage table as Markdown."""
    lines = [f"**{len(scenarios)} scenarios** in {len(tracks.by_id)} tracks:", "", "| track | scenarios |", "|---|---|"]
    by_track: dict[str | None, list[ScenarioSummary]] = {}
    for s in sorted(scenarios, key=lambda s: (tracks.order(s.track), s.difficulty, s.id)):
        by_track.setdefault(s.track, []).append(s)
    for tid, track in tracks.by_id.items():
        listed = ", ".join(f"`{s.id}`" for s in by_track.get(tid, [])) or "— (none yet)"
        lines.append(f"| {_cell(track.title)} | {listed} |")
    if None in by_track:
        lines.append(f"| (no track) | {', '.join(f'`{s.id}`' for s in by_track[None])} |")
    graded: dict[str, list[str]] = {}
    for s in scenarios:
        for topic in s.covers:
            graded.setdefault(topic, []).append(s.id)
    asked = Counter(t for q in questions for t in q.topics)
    both = sum(1 for t in topics.by_id if t in graded)
    only_questions = sum(1 for t in topics.by_id if t not in graded and asked[t])
    none = len(topics.by_id) - both - only_questions
    lines += [
        "",
        f"Content-map topics: **{both} graded by a scenario**, {only_questions} covered by questions only, "
        f"**{none} not covered**.",
        "",
        "| id | area | topic | graded by | questions |",
        "|---|---|---|---|---:|",
    ]
    for row in topics.by_id.values():
        by = ", ".join(f"`{sid}`" for sid in sorted(graded.get(row.id, []))) or ("—" if asked[row.id] else "**not covered**")
        lines.append(f"| {row.id} | {row.area} | {_cell(row.title)} | {by} | {asked[row.id]} |")
    return "\n".join(lines) + "\n"
