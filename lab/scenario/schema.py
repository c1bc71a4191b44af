"""Provides the schema of the files instructors write: simulation documents (and scenarios).

A simulation document is a world plus the config files that run in it: ``world`` (what
exists), ``files`` (name → kind and content, the real AWS shapes a learner edits) and ``run``
(how long, which seeds). Scenarios add the teaching parts around the same three.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lab.config.defaults import new_list
from lab.scenario import kinds
from lab.scenario.checks import CheckSpecByKind
from lab.sim.spec import WorldSpec

__all__ = ["FILE_KINDS", "MAX_RUN_SECONDS", "FileSpec", "MutationsSpec", "RunSpec", "Scenario", "SimDocument"]

FILE_KINDS = kinds.names()
"""File kinds a document may declare (``lab.scenario.kinds``), in apply order."""


class _Model(BaseModel):
    # YAML's .nan and .inf are no time, count or size (JSON, and so AWS, has neither): every
    # model of the lab refuses them as "Input should be a finite number".
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FileSpec(_Model):
    """One config file: its kind and its content (YAML/JSON text, or an inline mapping)."""

    kind: str
    """The file's kind: one of ``lab.scenario.kinds.KINDS`` (``task-definition``: RegisterTaskDefinition
    input; ``service``: CreateService input; ``iam-role``: AWS::IAM::Role properties; ...)."""
    content: str | dict[str, Any]
    readonly: bool = False
    """The learner sees the file but does not edit it: ``lab start`` marks it read-only, the
    workbench shows it read-only, and grading an answer folder uses this content whatever
    the folder holds."""

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if kinds.get(value) is None:
            close = difflib.get_close_matches(value, kinds.names(), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(kinds.names())}"
            raise ValueError(f"unknown file kind '{value}'; {hint}")
        return value


MIN_SEED = 0
"""The smallest seed: Python's random.Random(n) is random.Random(abs(n)), so a negative seed
would be a positive seed's run again under another number."""

MAX_RUN_SECONDS = 7 * 24 * 3600
"""The longest run a document or ``lab sim --until`` may ask for: seven simulated days."""


class RunSpec(_Model):
    """How a document is simulated."""

    duration: float = Field(default=600.0, gt=0, le=MAX_RUN_SECONDS)
    """Simulated seconds."""
    apply_at: float = Field(default=0.0, ge=0)
    """When a learner's answer is applied (the starting files run before it)."""
    seeds: list[Annotated[int, Field(ge=MIN_SEED)]] = Field(default_factory=lambda: [1], min_length=1, max_length=20)

    @field_validator("seeds")
    @classmethod
    def _distinct_seeds(cls, seeds: list[int]) -> list[int]:
        # A seed given twice runs the same world twice: it proves nothing a second time.
        twice = sorted({s for s in seeds if seeds.count(s) > 1})
        if twice:
            raise ValueError(f"seed {', '.join(map(str, twice))} is listed twice; each seed is one distinct run")
        return seeds


class SimDocument(_Model):
    """A world, the config files that run in it, and how long to run."""

    # Built at its first use (``lab sim``, the editor schema): a grade never reads one, and
    # building it repeats the whole world's schema that ``Scenario`` builds too.
    model_config = ConfigDict(defer_build=True, allow_inf_nan=False)

    description: str | None = None
    world: WorldSpec = Field(default_factory=WorldSpec)
    files: dict[str, FileSpec] = Field(default_factory=dict)
    run: RunSpec = Field(default_factory=RunSpec)


FILE_NAME = r"^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,63}\.(yaml|yml|json|config)|Dockerfile(?:\.[A-Za-z0-9_-]{1,32})?)$"
"""A learner file name: no directories, no dot files, YAML or JSON (``.config`` for ``ecs.config`` agent files),
or ``Dockerfile`` / ``Dockerfile.<name>`` for ``dockerfile`` files."""


class MutationsSpec(_Model):
    """What ``lab validate --mutate`` should know about this scenario."""

    harmless: dict[str, str] = Field(default_factory=dict)
    """Standard mutations (by name, see ``lab/grading/mutate.py``) that rightly survive here,
    each with the reason (``static-host-port: one task per instance, no port can clash``).
    They are reported as ``harmless`` and do not fail ``--mutate``."""

    @field_validator("harmless")
    @classmethod
    def _reasons(cls, value: dict[str, str]) -> dict[str, str]:
        for name, why in value.items():
            if not why.strip():
                raise ValueError(f"say why mutation '{name}' is harmless in this scenario")
        return value


class Scenario(_Model):
    """A scenario: the incident, the world it happens in, the files to fix, how it is graded."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    """Stable identifier, kebab-case; the file is ``scenarios/<id>.yaml``."""
    title: str = Field(min_length=3, max_length=100)
    topics: list[str] = Field(min_length=1)
    """Topics for the catalogue (``iam``, ``ecr``, ``networking``...)."""
    track: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    """The curriculum track it belongs to (an id of ``content/tracks.yaml``); shipped scenarios have one."""
    covers: list[str] = Field(default_factory=new_list)
    """Content-map topic ids (``C11``, ``E7``...) its required checks grade; see docs/curriculum.md."""
    difficulty: int = Field(ge=1, le=3)
    minutes: int = Field(ge=1, le=240)
    """How long a learner typically needs."""
    lesson: str | None = None
    """A lesson under ``content/`` (``lessons/iam-roles.md``), shown after a pass."""
    briefing: str = Field(min_length=1)
    """Markdown: the incident as the learner meets it."""
    world: WorldSpec = Field(default_factory=WorldSpec)
    files: dict[str, FileSpec] = Field(min_length=1)
    """The files the learner edits: name → kind and starting content."""
    run: RunSpec = Field(default_factory=RunSpec)
    checks: list[CheckSpecByKind] = Field(min_length=1)
    hints: list[str] = Field(default_factory=new_list)
    """Revealed one at a time."""
    solution: dict[str, str | dict[str, Any]] = Field(min_length=1)
    """A passing answer: file name → content (only the files it changes)."""
    debrief: str = Field(min_length=1)
    """Markdown shown after a pass: the takeaway for the exam."""
    mutations: MutationsSpec = Field(default_factory=MutationsSpec)
    """Grader-quality notes for ``lab validate --mutate``."""

    @field_validator("covers")
    @classmethod
    def _topic_ids(cls, value: list[str]) -> list[str]:
        import re

        for topic in value:
            if not re.fullmatch(r"[A-L][0-9]{1,2}", topic):
                raise ValueError(f"'{topic}' is not a content-map topic id (a letter A-L and a number, like C11)")
        if len(set(value)) != len(value):
            raise ValueError("a topic is listed twice")
        return value

    @field_validator("files")
    @classmethod
    def _file_names(cls, value: dict[str, FileSpec]) -> dict[str, FileSpec]:
        import re

        for name in value:
            if not re.fullmatch(FILE_NAME, name):
                raise ValueError(f"file name '{name}' must be a plain name ending in .yaml, .yml, .json or .config, or Dockerfile[.<name>] (no directories)")
        return value
