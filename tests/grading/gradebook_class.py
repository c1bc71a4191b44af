"""A made-up class for the gradebook tests: 30 learners × 5 shipped scenarios, graded for real.

Each scenario is graded once per answer kind (its starting files, its solution and, where
the solution changes several files, each half-done answer), and the reports are written to
``learners/<name>/<scenario>.json`` (a second attempt under ``learners/<name>/retry/``) by a
fixed pattern, so a test can work out every expected number from the pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lab.grading.grader import grade
from lab.grading.render import render_json
from lab.grading.report import Report
from lab.scenario.loader import find_scenario, load_scenario

SCENARIOS = ("ecr-pull-denied", "host-port-conflict", "memory-fragmentation", "sg-blocks-alb", "task-role-s3")

HOSTILE = ("<img src=x onerror=alert(1)>", "pipe|name", "new\nline", "=HYPERLINK(\"x\")")
"""Learner names a folder can have that HTML, Markdown and CSV must escape (no ``/`` in a folder name)."""
LEARNERS = tuple(f"learner-{i:02d}" for i in range(26)) + HOSTILE


def outcome(i: int, j: int) -> str:
    """The pattern: what learner ``i`` handed in for scenario ``j`` (later scenarios are harder).

    ``solution`` (one attempt), ``retry`` (the starting files, then the solution: two
    attempts), ``partial`` (a half-done answer; the starting files where there is none),
    ``start`` (the starting files) or ``none`` (no report).
    """
    o = (i * 7 + j * 3) % 10
    if o == 9:
        return "none"
    if o < 5 - j:
        return "solution"
    if o < 7 - j:
        return "retry"
    return "partial" if o % 2 == 0 else "start"


@dataclass(frozen=True)
class Graded:
    """The reports of one scenario by answer kind."""

    start: Report
    solution: Report
    partial: Report


def grade_all() -> dict[str, Graded]:
    """Grade the five scenarios' starting files, solutions and a half-done answer each."""
    out = {}
    for sid in SCENARIOS:
        loaded = load_scenario(find_scenario(sid))
        start = grade(loaded, None)
        solution = grade(loaded, loaded.solution, label="solution")
        names = sorted(loaded.solution)
        partial = grade(loaded, {names[0]: loaded.solution[names[0]]}, label="partial") if len(names) > 1 else start
        out[sid] = Graded(start, solution, partial)
    return out


def write_class(root: Path, graded: dict[str, Graded]) -> dict[tuple[str, str], list[Report]]:
    """Write the class's reports under ``root/learners``; return each pair's reports in path order."""
    written: dict[tuple[str, str], list[Report]] = {}
    for i, learner in enumerate(LEARNERS):
        for j, sid in enumerate(SCENARIOS):
            kind = outcome(i, j)
            g = graded[sid]
            attempts: list[tuple[str, Report]]
            if kind == "none":
                continue
            if kind == "solution":
                attempts = [("", g.solution)]
            elif kind == "retry":
                attempts = [("", g.start), ("retry", g.solution)]
            else:
                attempts = [("", g.partial if kind == "partial" else g.start)]
            for sub, report in attempts:
                folder = root / "learners" / learner / sub
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{sid}.json").write_text(render_json(report), encoding="utf-8")
                written.setdefault((learner, sid), []).append(report)
    return written
