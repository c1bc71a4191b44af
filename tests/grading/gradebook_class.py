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

HOSTILE = ("<script>alert(1)</script>", "pipe|name", "new\nline", "=HYPERLINK(\"x\")")
LEARNERS = tuple(f"learner-{i:02d}" for i in range(26)) + HOSTILE


def outcome(i: int, j: int) -> int:
    """The pattern: learner ``i`` on scenario ``j`` → 0..9.

    0-4 solution (one attempt); 5-6 starting files, then the solution (two attempts);
    7 a half-done answer (the starting files where there is none); 8 starting files; 9 no report.
    """
    return (i * 7 + j * 3) % 10


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
            o = outcome(i, j)
            g = graded[sid]
            attempts: list[tuple[str, Report]]
            if o <= 4:
                attempts = [("", g.solution)]
            elif o <= 6:
                attempts = [("", g.start), ("retry", g.solution)]
            elif o == 7:
                attempts = [("", g.partial)]
            elif o == 8:
                attempts = [("", g.start)]
            else:
                continue
            for sub, report in attempts:
                folder = root / "learners" / learner / sub
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{sid}.json").write_text(render_json(report), encoding="utf-8")
                written.setdefault((learner, sid), []).append(report)
    return written
