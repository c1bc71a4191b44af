"""Provides the pytest plugin that tests scenarios: each loads, its starting files fail, its solution passes.

Installed with the lab (entry point ``pytest11``: ``ecs-lab``), the plugin does nothing until
it is enabled, with the ini option ``lab_scenarios = true`` or the flag ``--lab-scenarios``.
Enabled, it collects every ``.yaml``/``.yml`` file whose top level has both an ``id:`` and a
``checks:`` key (a scenario; simulation documents and other YAML are left alone, and the test
is textual so a scenario that is not valid YAML is still collected and reported; a
scenario-shaped fixture that must not be collected belongs outside the test paths), with items:

* ``load``: the scenario loads; a failure lists every ``file:line:col: message``.
* ``starting files fail[seed=N]``: on seed N the starting files fail a required check.
* ``solution passes[seed=N]``: on seed N the solution passes every check.

A failure is a short report, not a traceback: each check concerned with its id, its message and
``scenarios/<id>.yaml:LINE``, the line that defines it. Items only use the documented
``pytest.File``/``pytest.Item`` API.

With ``--lab-class DIR`` it grades a class instead: every learner's answer to every scenario,
one item each (``lab.grading.pytest_class``; ``--lab-assign`` and ``--lab-reports`` go with it).

To load the plugin by hand (``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``), name its entry point,
``-p ecs-lab``: ``-p lab.grading.pytest_plugin`` registers the module a second time under
another name when autoloading is on, which pytest refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lab.errors import LabError

__all__ = [
    "ScenarioFailure",
    "ScenarioFile",
    "ScenarioItem",
    "is_scenario_file",
    "pytest_addoption",
    "pytest_collect_directory",
    "pytest_collect_file",
    "pytest_configure",
]

_TOP_LEVEL_ID = re.compile(r"^id\s*:", re.MULTILINE)
_TOP_LEVEL_CHECKS = re.compile(r"^checks\s*:", re.MULTILINE)
_MAX_SNIFF_BYTES = 1024 * 1024
"""Files larger than this are not scenarios (the loader refuses them anyway)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--lab-scenarios`` and the ``lab_scenarios`` ini option."""
    group = parser.getgroup("ecs-lab", "ECS Lab scenarios")
    group.addoption(
        "--lab-scenarios",
        action="store_true",
        default=False,
        help="collect scenario YAML files: each loads, its starting files fail and its solution passes, per seed",
    )
    parser.addini("lab_scenarios", type="bool", default=False, help="collect ECS Lab scenario YAML files (as --lab-scenarios)")
    group.addoption(
        "--lab-class",
        metavar="DIR",
        default=None,
        help="grade a class: DIR/<learner>/<scenario id>/ holds each answer; one item per learner and scenario",
    )
    group.addoption(
        "--lab-assign",
        metavar="IDS",
        action="append",
        default=None,
        help="with --lab-class: the scenario ids graded, comma-separated or repeated (default: every scenario a learner's folder is named after)",
    )
    group.addoption(
        "--lab-reports",
        metavar="DIR",
        default=None,
        help="with --lab-class: write DIR/<learner>/<scenario id>.json, the JSON of lab grade --format json (for lab gradebook DIR)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Check the class options; with ``--lab-class`` and no test paths, collect only the class.

    Raises:
        pytest.UsageError: ``--lab-class`` names no folder, or ``--lab-assign``/``--lab-reports``
            is given without it (one line, pytest's exit code 4).
    """
    folder = config.getoption("lab_class")
    if folder is None:
        if config.getoption("lab_assign") or config.getoption("lab_reports"):
            raise pytest.UsageError("--lab-assign and --lab-reports go with --lab-class DIR")
        return
    if not hasattr(pytest, "Directory"):
        raise pytest.UsageError(f"--lab-class needs pytest 8 or later (this is pytest {pytest.__version__})")
    path = Path(folder)
    if not path.is_dir():
        raise pytest.UsageError(f"--lab-class {folder}: no such folder")
    # Without paths on the command line pytest would collect its testpaths or the working
    # folder; the class folder is what was asked for. Every pytest-xdist worker runs this too
    # (it re-parses the same command line), so all collect the same items.
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [folder]


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """The ``--lab-class`` folder is collected as a class, and never walked for test files."""
    folder = parent.config.getoption("lab_class")
    if folder is None or path.resolve() != Path(folder).resolve():
        return None
    from lab.grading.pytest_class import ClassFolder, assigned_from_option

    node = ClassFolder.from_parent(parent, path=path)
    node.label = folder
    node.assigned = assigned_from_option(parent.config.getoption("lab_assign"))
    reports = parent.config.getoption("lab_reports")
    node.reports = Path(reports) if reports else None
    return node


if not hasattr(pytest, "Directory"):
    # pytest before 8 has no directory collectors and would refuse the unknown hook, which
    # would take the scenario self-tests down with it: class grading is left out there.
    del pytest_collect_directory


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("lab_scenarios") or config.getini("lab_scenarios"))


def is_scenario_file(path: Path) -> bool:
    """Whether a file looks like a scenario: YAML with top-level ``id:`` and ``checks:`` keys."""
    if path.suffix not in (".yaml", ".yml"):
        return False
    from lab.yaml_source import read_regular

    try:
        # Opened once, non-blocking, checked on the opened file: a FIFO or a device named
        # *.yaml never hangs collection.
        text = read_regular(path, max_bytes=_MAX_SNIFF_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    return bool(_TOP_LEVEL_ID.search(text) and _TOP_LEVEL_CHECKS.search(text))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    """Collect a scenario file when the plugin is enabled."""
    if _enabled(parent.config) and is_scenario_file(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFailure(Exception):
    """A scenario item failed; ``str`` is the report to show."""


class ScenarioFile(pytest.File):
    """One scenario file: a load item, then the starting and solution items per seed."""

    loaded: Any = None
    """The ``LoadedScenario``, or None when it does not load."""
    load_error: str | None = None
    """Every load problem, one ``file:line:col: message`` per line."""

    def display_name(self) -> str:
        """The file as messages name it: relative to the rootdir when inside it."""
        try:
            return str(self.path.relative_to(self.config.rootpath))
        except ValueError:
            return str(self.path)

    def collect(self) -> Iterator[ScenarioItem]:
        """Load the scenario and yield its items (only ``load`` when it does not load)."""
        from lab.scenario.loader import load_scenario

        try:
            self.loaded = load_scenario(self.path, display=self.display_name())
        except LabError as exc:
            self.load_error = str(exc)
        yield ScenarioItem.from_parent(self, name="load", role="load", seed=None)
        if self.loaded is None:
            return
        for seed in self.loaded.scenario.run.seeds:
            yield ScenarioItem.from_parent(self, name=f"starting files fail[seed={seed}]", role="starting", seed=seed)
        for seed in self.loaded.scenario.run.seeds:
            yield ScenarioItem.from_parent(self, name=f"solution passes[seed={seed}]", role="solution", seed=seed)


class ScenarioItem(pytest.Item):
    """One self-test of a scenario: it loads, or one seed of its starting files or solution."""

    def __init__(self, *, role: str, seed: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.role = role
        """``load``, ``starting`` or ``solution``."""
        self.seed = seed
        """The seed graded (None for ``load``)."""

    @property
    def scenario_file(self) -> ScenarioFile:
        """The file node this item belongs to."""
        assert isinstance(self.parent, ScenarioFile)
        return self.parent

    def runtest(self) -> None:
        """Load, or grade one seed, and raise ``ScenarioFailure`` with a report on failure."""
        from lab.grading.grader import run_seed

        source = self.scenario_file
        if self.role == "load":
            if source.load_error is not None:
                raise ScenarioFailure(f"the scenario does not load:\n{source.load_error}")
            return
        loaded = source.loaded
        assert loaded is not None and self.seed is not None
        where = loaded.document.file
        if self.role == "starting":
            result = run_seed(loaded, None, self.seed)
            if result.passed:
                lines = [f"the starting files pass every required check on seed {self.seed}: the scenario teaches nothing"]
                lines += [f"  {where}:{c.defined_at}: check '{c.id}' passes: {c.message}" for c in result.checks if c.required]
                raise ScenarioFailure("\n".join(lines))
            return
        result = run_seed(loaded, loaded.solution, self.seed)
        failed = [c for c in result.checks if not c.passed]
        if failed:
            count = f"{len(failed)} check{'s' if len(failed) != 1 else ''}"
            lines = [f"the solution fails {count} on seed {self.seed}:"]
            for c in failed:
                kind = "required" if c.required else "optional"
                lines.append(f"  {where}:{c.defined_at}: check '{c.id}' ({c.kind}, {kind}) fails: {c.message}")
            raise ScenarioFailure("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        """The report of a ``ScenarioFailure``; pytest's usual one for anything else (a lab bug)."""
        if isinstance(excinfo.value, ScenarioFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """(file, 0-based line of what the item tests, ``scenario <id>: <item>``)."""
        loaded = self.scenario_file.loaded
        line: int | None = None
        if loaded is not None:
            key = {"starting": "files", "solution": "solution"}.get(self.role)
            line = loaded.document.where((key,), key=True)[0] - 1 if key else 0
            return self.path, line, f"scenario {loaded.scenario.id}: {self.name}"
        return self.path, line, f"scenario {self.path.stem}: {self.name}"
