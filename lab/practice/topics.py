"""Provides the content-map topics (``content/topics.yaml``) and where the practice content lives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lab.errors import Diagnostic, SourceError, SourceErrors
from lab.scenario.paths import content_dir

__all__ = ["Topic", "Topics", "content_dir", "load_topics", "questions_dir"]


def questions_dir() -> Path:
    """Where the question bank is: ``<content>/questions``."""
    return content_dir() / "questions"


@dataclass(frozen=True)
class Topic:
    """One content-map row: id, area slug and the one-line topic."""

    id: str
    area: str
    """The area's slug (``placement``), which is also the question folder's name."""
    title: str


@dataclass(frozen=True)
class Topics:
    """Every content-map topic by id, and the area names by slug, in content-map order."""

    by_id: dict[str, Topic]
    areas: dict[str, str]
    """Area display names by slug."""

    def area_of(self, topic_id: str) -> str | None:
        """The area slug of a topic id, or None for an unknown id."""
        topic = self.by_id.get(topic_id)
        return topic.area if topic else None


def load_topics(path: Path | None = None) -> Topics:
    """Read ``content/topics.yaml``.

    Raises:
        SourceError: the file cannot be read or is not YAML.
        SourceErrors: an entry is not shaped ``ID: {area: slug, topic: text}``.
    """
    from lab.yaml_source import load_path  # PyYAML: not imported by the catalogue's first frame

    doc = load_path(path or content_dir() / "topics.yaml")
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("areas"), dict) or not isinstance(data.get("topics"), dict):
        raise doc.error((), "expected a mapping with 'areas' (slug: name) and 'topics' (id: {area, topic})")
    areas = {str(k): str(v) for k, v in data["areas"].items()}
    problems: list[Diagnostic] = []
    by_id: dict[str, Topic] = {}
    for tid, entry in data["topics"].items():
        if not isinstance(entry, dict) or set(entry) != {"area", "topic"} or entry["area"] not in areas:
            err: SourceError = doc.error(("topics", tid), f"topic '{tid}' must be {{area: <one of {', '.join(areas)}>, topic: <text>}}")
            problems.append(err.diagnostic)
            continue
        by_id[str(tid)] = Topic(str(tid), str(entry["area"]), str(entry["topic"]))
    if problems:
        raise SourceErrors(problems)
    return Topics(by_id, areas)
