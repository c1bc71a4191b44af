"""Provides the canonical graded run: build the world, apply the answer, simulate, judge.

For every seed in ``run.seeds`` (or the seeds asked for), the grader builds the scenario's
world with its starting files, applies the answer at ``run.apply_at`` the way a real change
is applied (a new revision, an UpdateService, a role update; a file AWS refuses is a failed
call), simulates ``run.duration`` and judges every check over the whole run. The answer
passes only when every required check passes on every seed; its score is the worst seed's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lab.grading.checks import RunView, judge
from lab.grading.report import CheckResult, Report, SeedResult
from lab.scenario.loader import LoadedScenario
from lab.scenario.simdoc import ConfigFile, build_world, check_files

__all__ = ["grade", "run_seed"]


def run_seed(loaded: LoadedScenario, answer: Mapping[str, ConfigFile] | None, seed: int) -> SeedResult:
    """Grade one seed."""
    scenario = loaded.scenario
    world = build_world(loaded, seed=seed, answer=answer)
    world.run(until=scenario.run.duration)
    files = {**loaded.files, **(answer or {})}
    view = RunView(world, files, duration=scenario.run.duration, apply_at=scenario.run.apply_at)
    results = []
    for index, check in enumerate(scenario.checks):
        verdict = judge(check, view)
        results.append(
            CheckResult(
                id=check.id,
                kind=check.kind,
                title=check.describe(),
                required=check.required,
                points=check.points,
                passed=verdict.passed,
                message=verdict.message,
                defined_at=loaded.check_line(index),
                file=verdict.file,
                line=verdict.line,
            )
        )
    return SeedResult(seed, tuple(results), len(world.log), world.cost_usd())


def grade(
    loaded: LoadedScenario,
    answer: Mapping[str, ConfigFile] | None = None,
    *,
    seeds: Sequence[int] | None = None,
    label: str = "starting files",
) -> Report:
    """Grade an answer (None: the starting files) on the scenario's seeds.

    Args:
        loaded: the scenario.
        answer: the learner's files by name (only the ones they have).
        seeds: override ``run.seeds``.
        label: how the report names what was graded.
    """
    scenario = loaded.scenario
    chosen = list(seeds) if seeds else list(scenario.run.seeds)
    changed = {name for name, f in (answer or {}).items() if name not in loaded.files or f.model != loaded.files[name].model}
    in_force = check_files(loaded, {**loaded.files, **(answer or {})}, collect_refusals=True, changed=changed)
    # Refusals positioned in the files graded (a refusal a changed file caused is positioned there).
    sources = None if answer is None else {f.document.file for f in answer.values() if f.document is not None}
    apply_errors = tuple(d for f in in_force.values() for d in f.all_refusals if sources is None or d.file in sources)
    results = tuple(run_seed(loaded, answer, seed) for seed in chosen)
    notes = tuple(n for f in (answer or {}).values() for n in f.notes)
    return Report(scenario.id, scenario.title, loaded.document.file, label, results, apply_errors, notes)
