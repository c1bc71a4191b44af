"""Tests of the scenario pytest plugin, run in-process with pytester.

The plugin reaches the inner runs through its ``pytest11`` entry point (the lab is installed),
so these tests also prove the entry point works. Every inner run uses ``-W error`` so the
plugin must not warn, and ``--assert=plain``: in-process, ``lab`` is already imported by the
outer run, and pytest would warn that it cannot rewrite the asserts of the entry point's
package (a fresh ``pytest`` process imports ``lab`` only after that step).
"""

from __future__ import annotations

from pathlib import Path

import pytest

# Imported here, not first in an inner run: pytester drops the modules an in-process run
# imports, and numpy (under the simulator) cannot be imported twice in one process.
import lab.grading.grader  # noqa: F401
import lab.scenario.loader  # noqa: F401
from lab.scenario.scaffold import scaffold

pytest_plugins = ["pytester"]

STRICT = ("-W", "error", "--assert=plain", "-p", "no:asyncio", "-p", "no:textual-snapshot", "-p", "no:syrupy", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
"""Options of every inner run (see the module docstring); plugins the scenarios do not use are
left out, so their own configuration warnings (asyncio's loop scope) do not apply."""

REPO = Path(__file__).resolve().parents[2]

NOT_A_SCENARIO = """\
description: a simulation document, not a scenario
world: {cluster: {name: prod}}
files: {}
run: {duration: 60}
"""


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_passing_scenario_collects_load_starting_and_solution_items_per_seed(pytester: pytest.Pytester) -> None:
    """A valid scenario yields a load item plus a starting and a solution item per seed, all passing."""
    pytester.makefile(".yaml", demo=scaffold("demo"))
    result = pytester.runpytest("--lab-scenarios", *STRICT, "-v")
    result.assert_outcomes(passed=5)
    out = result.stdout.str()
    for name in ("load", "starting files fail[seed=1]", "starting files fail[seed=2]", "solution passes[seed=1]", "solution passes[seed=2]"):
        assert f"demo.yaml::{name} PASSED" in out


def test_ini_option_enables_the_plugin(pytester: pytest.Pytester) -> None:
    """``lab_scenarios = true`` in the ini file enables collection without the flag."""
    pytester.makeini("[pytest]\nlab_scenarios = true\n")
    pytester.makefile(".yaml", demo=scaffold("demo"))
    result = pytester.runpytest(*STRICT)
    result.assert_outcomes(passed=5)


def test_failing_solution_reports_check_message_and_defining_line(pytester: pytest.Pytester) -> None:
    """A solution that fails shows the check id, its message and the scenario line that defines it, without a traceback."""
    text = scaffold("demo").replace("memoryReservation: 512", "memoryReservation: 4096")
    pytester.makefile(".yaml", demo=text)
    result = pytester.runpytest("--lab-scenarios", *STRICT)
    result.assert_outcomes(passed=3, failed=2)
    out = result.stdout.str()
    check_line = line_of(text, "- id: web-running")
    assert f"demo.yaml:{check_line}: check 'web-running' (service-running, required) fails: web had 0 of 2 tasks running" in out
    assert "the solution fails 2 checks on seed 1:" in out
    assert "Traceback" not in out and "def runtest" not in out


def test_scenario_whose_starting_files_pass_fails_its_starting_items(pytester: pytest.Pytester) -> None:
    """Starting files that already pass make the starting items fail, naming the checks that pass."""
    text = scaffold("demo").replace("memoryReservation: 3072", "memoryReservation: 256")
    pytester.makefile(".yaml", demo=text)
    result = pytester.runpytest("--lab-scenarios", *STRICT)
    result.assert_outcomes(passed=3, failed=2)
    out = result.stdout.str()
    assert "the starting files pass every required check on seed 1: the scenario teaches nothing" in out
    assert f"demo.yaml:{line_of(text, '- id: web-running')}: check 'web-running' passes" in out


def test_broken_yaml_fails_its_load_item_with_a_position(pytester: pytest.Pytester) -> None:
    """A scenario that is not valid YAML is still collected, and its load item fails with file:line:col."""
    text = scaffold("demo").replace("minutes: 10", "minutes: [10")
    pytester.makefile(".yaml", demo=text)
    result = pytester.runpytest("--lab-scenarios", *STRICT)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "demo.yaml::load" in out
    assert "the scenario does not load:" in out
    result.stdout.re_match_lines([r".*demo\.yaml:\d+:\d+: .+"])
    assert "Traceback" not in out


def test_schema_error_reports_every_position(pytester: pytest.Pytester) -> None:
    """A scenario that breaks the schema fails to load with the offending key's line."""
    text = scaffold("demo").replace("difficulty: 1 ", "difficulty: 9 ")
    pytester.makefile(".yaml", demo=text)
    result = pytester.runpytest("--lab-scenarios", *STRICT)
    result.assert_outcomes(failed=1)
    assert f"demo.yaml:{line_of(text, 'difficulty: 9')}:" in result.stdout.str()


def test_nothing_is_collected_without_the_option(pytester: pytest.Pytester) -> None:
    """Installed but not enabled, the plugin collects nothing."""
    pytester.makefile(".yaml", demo=scaffold("demo"))
    result = pytester.runpytest(*STRICT)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_yaml_that_is_not_a_scenario_is_not_collected(pytester: pytest.Pytester) -> None:
    """Simulation documents and other YAML files are left alone even when enabled."""
    pytester.makefile(".yaml", sim=NOT_A_SCENARIO, data="id: 3\nname: not a scenario either\n")
    result = pytester.runpytest("--lab-scenarios", *STRICT)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_project_configuration_collects_the_shipped_scenarios(pytester: pytest.Pytester) -> None:
    """The project's own pytest configuration enables the plugin for ``pytest scenarios/``."""
    target = REPO / "scenarios" / "ecr-pull-denied.yaml"
    result = pytester.runpytest("--collect-only", "-q", *STRICT, "-c", str(REPO / "pyproject.toml"), "--rootdir", str(REPO), str(target))
    out = result.stdout.str()
    assert "scenarios/ecr-pull-denied.yaml::load" in out
    assert "scenarios/ecr-pull-denied.yaml::solution passes[seed=3]" in out


def test_plugin_loads_by_entry_point_name_without_autoload(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """With plugin autoloading off, ``-p ecs-lab`` loads the plugin by its entry-point name."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makefile(".yaml", demo=scaffold("demo"))
    result = pytester.runpytest("-p", "ecs-lab", "--lab-scenarios", *STRICT)
    result.assert_outcomes(passed=5)
