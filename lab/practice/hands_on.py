"""Provides hands-on scenarios inside an exam: picking them and grading them with the lab's grader."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lab.practice.exam import ScenarioItem, ScenarioOutcome

if TYPE_CHECKING:
    from lab.grading.report import Report
    from lab.scenario.loader import LoadedScenario
    from lab.scenario.simdoc import ConfigFile

__all__ = ["grade_scenario", "outcome_of", "pick_scenarios", "required_checks", "scenario_item"]


def scenario_item(path: Path) -> ScenarioItem:
    """The exam item for a scenario file (loads and validates it).

    Raises:
        LabError: the scenario does not load.
    """
    from lab.scenario.loader import load_scenario

    s = load_scenario(path).scenario
    return ScenarioItem(s.id, s.title, s.minutes)


def pick_scenarios(paths: Sequence[Path], count: int, *, seed: int) -> list[Path]:
    """``count`` scenario files chosen by ``seed`` (sorted input gives the same choice every time)."""
    pool = sorted(paths)
    random.Random(seed).shuffle(pool)
    return pool[:count]


def required_checks(report: Report) -> dict[str, bool]:
    """Each required check of a graded run: True when it passed on every seed."""
    out: dict[str, bool] = {}
    for seed in report.seeds:
        for check in seed.checks:
            if check.required:
                out[check.id] = out.get(check.id, True) and check.passed
    return out


def outcome_of(report: Report) -> ScenarioOutcome:
    """A grader report as an exam outcome: the worst seed's score and its failed required checks."""
    checks = required_checks(report)
    failed = tuple(sorted(c for c, ok in checks.items() if not ok))
    passed = tuple(sorted(c for c, ok in checks.items() if ok))
    return ScenarioOutcome(report.scenario_id, report.score, report.max_score, report.passed, failed, passed)


def grade_scenario(loaded: LoadedScenario, answer: Mapping[str, ConfigFile] | None, *, label: str = "exam answer") -> ScenarioOutcome:
    """Grade an answer exactly as ``lab grade`` does (every seed of ``run.seeds``)."""
    from lab.grading.grader import grade

    return outcome_of(grade(loaded, answer, label=label))
