"""Provides the learner's progress and autosaved edits, stored under the XDG data directory.

``$XDG_DATA_HOME/ecs-lab/`` (default ``~/.local/share/ecs-lab/``; ``LAB_DATA_DIR`` overrides
it) holds ``progress.json`` (per scenario: status, best score, hints used, seconds spent,
whether the solution was revealed) and ``workspaces/<scenario id>/<file>`` (the learner's
edits). Every write is atomic (a temporary file, then a rename), so a killed process leaves
either the old or the new file, never half of one. A progress file that cannot be read is
moved aside (``progress.json.corrupt``), reported, and replaced by an empty one: the lab
never crashes on it and never silently throws the learner's history away.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ProgressStore", "ScenarioProgress", "data_dir"]

STATUSES = ("new", "attempted", "passed")


def data_dir() -> Path:
    """Where the lab keeps the learner's data."""
    override = os.environ.get("LAB_DATA_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ecs-lab"


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash leaves the old or the new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


@dataclass
class ScenarioProgress:
    """What the learner has done with one scenario."""

    status: str = "new"
    """new, attempted or passed."""
    best_score: int | None = None
    max_score: int | None = None
    hints_used: int = 0
    seconds_spent: float = 0.0
    solution_revealed: bool = False
    attempts: int = 0
    """Graded attempts."""


@dataclass
class ProgressStore:
    """Progress of every scenario, loaded from and saved to ``progress.json``."""

    root: Path = field(default_factory=data_dir)
    scenarios: dict[str, ScenarioProgress] = field(default_factory=dict)
    problem: str | None = None
    """Set when the stored file could not be read (it was kept aside)."""

    @property
    def path(self) -> Path:
        """The progress file."""
        return self.root / "progress.json"

    @classmethod
    def load(cls, root: Path | None = None) -> ProgressStore:
        """Read the progress file; a missing one is empty, a corrupt one is kept aside."""
        store = cls(root or data_dir())
        try:
            raw = store.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return store
        except OSError as exc:
            store.problem = f"cannot read {store.path}: {exc.strerror}"
            return store
        try:
            data = json.loads(raw)
            entries = data["scenarios"]
            if not isinstance(entries, dict):
                raise TypeError("scenarios is not a mapping")
            for sid, values in entries.items():
                known = {k: v for k, v in values.items() if k in ScenarioProgress.__dataclass_fields__}
                entry = ScenarioProgress(**known)
                if entry.status not in STATUSES:
                    raise ValueError(f"unknown status {entry.status!r}")
                store.scenarios[str(sid)] = entry
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            aside = store.path.with_name("progress.json.corrupt")
            try:
                os.replace(store.path, aside)
                where = f"kept it as {aside}"
            except OSError:
                where = "left it in place"
            store.scenarios = {}
            store.problem = f"{store.path} could not be read ({exc}); started afresh and {where}"
        return store

    def get(self, scenario_id: str) -> ScenarioProgress:
        """The progress of one scenario (a new entry when there is none)."""
        return self.scenarios.setdefault(scenario_id, ScenarioProgress())

    def save(self) -> None:
        """Write the progress file atomically."""
        payload: dict[str, Any] = {"version": 1, "scenarios": {k: asdict(v) for k, v in sorted(self.scenarios.items())}}
        atomic_write(self.path, json.dumps(payload, indent=2) + "\n")

    def record_grade(self, scenario_id: str, *, passed: bool, score: int, max_score: int) -> None:
        """Remember a graded attempt (the best score is kept)."""
        entry = self.get(scenario_id)
        entry.attempts += 1
        entry.max_score = max_score
        entry.best_score = score if entry.best_score is None else max(entry.best_score, score)
        if passed:
            entry.status = "passed"
        elif entry.status == "new":
            entry.status = "attempted"
        self.save()

    # -- autosaved edits ----------------------------------------------------------------------

    def workspace(self, scenario_id: str) -> Path:
        """The folder holding a scenario's autosaved edits."""
        return self.root / "workspaces" / scenario_id

    def save_edit(self, scenario_id: str, name: str, text: str) -> None:
        """Autosave one edited file (atomically)."""
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"refusing file name {name!r}")
        atomic_write(self.workspace(scenario_id) / name, text)

    def edits(self, scenario_id: str) -> dict[str, str]:
        """The autosaved edits of a scenario, by file name."""
        folder = self.workspace(scenario_id)
        if not folder.is_dir():
            return {}
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}

    def reset_edits(self, scenario_id: str) -> None:
        """Forget a scenario's edits (the caller asked the learner first)."""
        folder = self.workspace(scenario_id)
        if folder.is_dir():
            for p in folder.iterdir():
                if p.is_file():
                    p.unlink()
