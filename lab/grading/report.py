"""Provides the grading report: per check, per seed, and the verdict.

The report is plain data; ``lab.grading.render`` turns it into text, JSON, JUnit XML and
GitHub annotations. ``to_dict`` is the stable JSON schema (``schema_version``), documented in
``docs/grading-in-ci.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lab.errors import Diagnostic

__all__ = ["SCHEMA_VERSION", "CheckResult", "Report", "SeedResult"]

SCHEMA_VERSION = 1
"""Version of the JSON report schema; bumped on any incompatible change."""


@dataclass(frozen=True)
class CheckResult:
    """One check judged on one seed."""

    id: str
    kind: str
    title: str
    required: bool
    points: int
    """Points the check is worth."""
    passed: bool
    message: str
    """What happened, for the learner (built from the run)."""
    defined_at: int = 0
    """Line of the scenario file where the check is defined."""
    file: str | None = None
    """The learner file the check is about, when it points at one."""
    line: int | None = None
    """Line in that file, when the check can point at one."""

    @property
    def awarded(self) -> int:
        """Points earned."""
        return self.points if self.passed else 0


@dataclass(frozen=True)
class SeedResult:
    """Every check on one seed."""

    seed: int
    checks: tuple[CheckResult, ...]
    events: int
    """Events in the run's log."""
    cost_usd: float

    @property
    def passed(self) -> bool:
        """Every required check passed."""
        return all(c.passed for c in self.checks if c.required)

    @property
    def score(self) -> int:
        """Points earned on this seed."""
        return sum(c.awarded for c in self.checks)


@dataclass(frozen=True)
class Report:
    """The outcome of grading one answer to one scenario."""

    scenario_id: str
    title: str
    scenario_file: str
    answer: str
    """What was graded: ``starting files``, ``solution`` or the answer folder."""
    seeds: tuple[SeedResult, ...]
    apply_errors: tuple[Diagnostic, ...] = ()
    """What AWS refused in the answer (applied as failed calls), positioned in its files."""
    notes: tuple[Diagnostic, ...] = field(default_factory=tuple)
    """What the lab accepted in the answer but does not simulate ("not simulated"), positioned."""

    @property
    def passed(self) -> bool:
        """Every required check passed on every seed."""
        return bool(self.seeds) and all(s.passed for s in self.seeds)

    @property
    def score(self) -> int:
        """The worst seed's points."""
        return min((s.score for s in self.seeds), default=0)

    @property
    def max_score(self) -> int:
        """Points available."""
        return sum(c.points for c in self.seeds[0].checks) if self.seeds else 0

    def worst(self) -> tuple[CheckResult, ...]:
        """Per check, its result on the first seed where it failed (else the first seed's)."""
        if not self.seeds:
            return ()
        rows = []
        for i, first in enumerate(self.seeds[0].checks):
            failed = next((s.checks[i] for s in self.seeds if not s.checks[i].passed), None)
            rows.append(failed or first)
        return tuple(rows)

    def failing_seeds(self, check_id: str) -> list[int]:
        """Seeds on which a check failed."""
        return [s.seed for s in self.seeds for c in s.checks if c.id == check_id and not c.passed]

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (stable key order, version field)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": {"id": self.scenario_id, "title": self.title, "file": self.scenario_file},
            "answer": self.answer,
            "passed": self.passed,
            "score": self.score,
            "max_score": self.max_score,
            "apply_errors": [_diag(d) for d in self.apply_errors],
            # Added in schema 1 without a bump (a new field): the text report's "note:" lines.
            "notes": [_diag(d) for d in self.notes],
            "checks": [
                {
                    "id": c.id,
                    "kind": c.kind,
                    "title": c.title,
                    "required": c.required,
                    "points": c.points,
                    "passed": all(s.checks[i].passed for s in self.seeds),
                    "failed_seeds": self.failing_seeds(c.id),
                    "message": c.message,
                    "defined_at": c.defined_at,
                    "file": c.file,
                    "line": c.line,
                }
                for i, c in enumerate(self.worst())
            ],
            "seeds": [
                {
                    "seed": s.seed,
                    "passed": s.passed,
                    "score": s.score,
                    "events": s.events,
                    "cost_usd": round(s.cost_usd, 4),
                    "checks": {c.id: {"passed": c.passed, "message": c.message} for c in s.checks},
                }
                for s in self.seeds
            ],
        }


def _diag(d: Diagnostic) -> dict[str, Any]:
    return {"file": d.file, "line": d.line, "col": d.col, "message": d.message}
