"""Provides loading scenarios (``scenarios/<id>.yaml``) and finding them.

A scenario is loaded like a simulation document (world, files, run) plus its teaching parts
and checks. Every problem is reported at once as ``file:line:col: message``; starting files
and the solution are parsed with the AWS-shaped models, refusals collected (a starting file
may well be one AWS refuses: that is the incident).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lab.errors import Diagnostic, SourceErrors, UsageError
from lab.scenario.paths import list_scenarios, scenarios_dir
from lab.scenario.paths import scenario_content_dir as content_dir
from lab.scenario.schema import Scenario
from lab.scenario.simdoc import (
    MAX_DOCUMENT_BYTES,
    ConfigFile,
    LoadedDocument,
    check_files,
    check_world,
    parse_config_file,
    parse_files,
    parse_world_files,
)
from lab.yaml_source import Document, is_file, load_path, validation_diagnostics

__all__ = ["LoadedScenario", "content_dir", "find_scenario", "list_scenarios", "load_scenario", "scenarios_dir"]


@dataclass(frozen=True)
class LoadedScenario(LoadedDocument):
    """A validated scenario: the document plus its parsed solution."""

    solution: dict[str, ConfigFile] = field(default_factory=dict)

    @property
    def scenario(self) -> Scenario:
        """The scenario model."""
        return self.spec  # type: ignore[return-value]

    def check_line(self, index: int) -> int:
        """The line where check number ``index`` is defined."""
        return self.document.where(("checks", index))[0]


def load_scenario(path: str | Path, *, display: str | None = None) -> LoadedScenario:
    """Load and validate one scenario file.

    Raises:
        SourceError: the file cannot be read or is not YAML.
        SourceErrors: every schema, config and cross-reference problem, positioned.
    """
    doc = load_path(path, display=display, max_bytes=MAX_DOCUMENT_BYTES)
    if not isinstance(doc.data, dict):
        raise doc.error((), "expected a scenario: a mapping with id, title, briefing, world, files, checks, ...")
    # Another kind of lab document would get a dozen "missing" and "unknown key" lines: one says what it is.
    if "stem" in doc.data and "options" in doc.data and "checks" not in doc.data:
        raise doc.error((), "this is an exam question, not a scenario: a question file belongs under a folder named questions (content/questions/<area>/<id>.yaml, see docs/questions.md)")
    if "world" in doc.data and "checks" not in doc.data and "id" not in doc.data:
        raise doc.error((), "this is a simulation document, not a scenario (it has no id and no checks): run it with lab sim FILE")
    try:
        scenario = Scenario.model_validate(doc.data)
    except ValidationError as exc:
        raise SourceErrors(validation_diagnostics(doc, (), exc, Scenario)) from None
    problems = _cross_references(doc, scenario, Path(path))
    files, file_problems = parse_files(doc, scenario.files, collect_refusals=True)
    world_files, world_problems = parse_world_files(doc, scenario)
    solution: dict[str, ConfigFile] = {}
    solution_problems: list[Diagnostic] = []
    for name, content in scenario.solution.items():
        if name not in scenario.files:
            continue  # reported by _cross_references, at the name
        kind = scenario.files[name].kind
        try:
            if isinstance(content, str):
                sub = doc.embedded(("solution", name))
                solution[name] = parse_config_file(sub, (), name, kind, collect_refusals=True)
            else:
                solution[name] = parse_config_file(doc, ("solution", name), name, kind, collect_refusals=True)
        except SourceErrors as exc:
            solution_problems.extend(exc.diagnostics)
    problems += file_problems + world_problems + solution_problems
    if problems:
        raise SourceErrors(problems)
    notes = tuple(n for f in [*files.values(), *world_files] for n in f.notes)
    loaded = LoadedScenario(doc, scenario, files, tuple(world_files), notes, solution)
    check_world(loaded)
    for name, f in check_files(loaded, {**files, **solution}, collect_refusals=True).items():
        if name in solution and f.all_refusals:
            raise SourceErrors([Diagnostic(d.file, d.line, d.col, f"the solution is refused: {d.message}") for d in f.all_refusals])
    return loaded


def _cross_references(doc: Document, scenario: Scenario, path: Path) -> list[Diagnostic]:
    """Rules that tie the scenario's parts together, positioned."""
    problems: list[Diagnostic] = []

    def add(where: tuple[Any, ...], message: str, *, key: bool = False) -> None:
        line, col = doc.where(where, key=key)
        problems.append(Diagnostic(doc.file, line, col, message))

    if path.suffix in (".yaml", ".yml") and path.stem != scenario.id:
        add(("id",), f"the id '{scenario.id}' must match the file name '{path.name}' (expected id: {path.stem})")
    for name in scenario.solution:
        if name not in scenario.files:
            add(("solution", name), f"the solution names '{name}', which is not one of the scenario's files", key=True)
        elif scenario.files[name].readonly:
            add(("solution", name), f"the solution changes '{name}', which is read-only: a learner could not make that change", key=True)
    seen: dict[str, int] = {}
    for i, check in enumerate(scenario.checks):
        if check.id in seen:
            add(("checks", i, "id"), f"check id '{check.id}' is used twice (first at check {seen[check.id] + 1})")
        seen.setdefault(check.id, i)
        file = getattr(check, "file", None)
        if file is not None and file not in scenario.files:
            add(("checks", i, "file"), f"check '{check.id}' names file '{file}', which is not one of the scenario's files")
        elif file is not None and check.kind in ("policy-allows", "policy-not-allows") and scenario.files[file].kind != "iam-role":
            add(("checks", i, "file"), f"check '{check.id}' is a {check.kind} check but '{file}' is a {scenario.files[file].kind} file")
        elif file is not None and check.kind == "ingress-allows" and scenario.files[file].kind != "security-group":
            add(("checks", i, "file"), f"check '{check.id}' is an ingress-allows check but '{file}' is a {scenario.files[file].kind} file")
    if scenario.run.apply_at >= scenario.run.duration:
        add(("run", "apply_at"), "run.apply_at must come before the end of the run (run.duration)")
    problems += _check_times(doc, scenario)
    if scenario.lesson is not None:
        lesson = content_dir(path) / scenario.lesson
        if ".." in Path(scenario.lesson).parts or not is_file(lesson):
            add(("lesson",), f"lesson '{scenario.lesson}' is not a file under content/")
    return problems


_CHECK_TIMES = ("after", "before", "by", "at", "always_after")
"""The fields of a check that are moments of the run, in simulated seconds."""


def _check_times(doc: Document, scenario: Scenario) -> list[Diagnostic]:
    """Check moments past the end of the run, and windows that close before they open.

    Either judges a run the simulator never produces: a "never" check over an empty window
    passes whatever the answer does, and a deadline past the end is never reached.
    """
    duration = scenario.run.duration
    problems: list[Diagnostic] = []
    for i, check in enumerate(scenario.checks):
        for name in _CHECK_TIMES:
            value = getattr(check, name, None)
            if value is not None and value > duration:
                line, col = doc.where(("checks", i, name))
                problems.append(Diagnostic(doc.file, line, col, f"check '{check.id}': '{name}' is {value:g} s, after the end of the run (run.duration: {duration:g} s)"))
        after, before = getattr(check, "after", None), getattr(check, "before", None)
        if after is not None and before is not None and after > before:
            line, col = doc.where(("checks", i, "before"))
            problems.append(Diagnostic(doc.file, line, col, f"check '{check.id}': 'before' ({before:g} s) comes before 'after' ({after:g} s): the window is empty"))
    return problems


def find_scenario(ref: str) -> Path:
    """A scenario file from an id or a path.

    Raises:
        UsageError: no scenario has that id, and it is not a file.
    """
    candidate = Path(ref)
    if candidate.suffix in (".yaml", ".yml") and is_file(candidate):
        return candidate
    if not all(ch.isalnum() or ch == "-" for ch in ref):
        raise UsageError(f"'{ref}' is neither a scenario id nor a scenario file")
    path = scenarios_dir() / f"{ref}.yaml"
    if not is_file(path):
        known = ", ".join(p.stem for p in list_scenarios()) or "none"
        raise UsageError(f"no scenario '{ref}' (known: {known})")
    # Reports name the scenario file; relative to the working folder where it can be, so a
    # report made in a clone at another path has the same bytes.
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path
