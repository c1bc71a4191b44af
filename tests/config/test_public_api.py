"""Tests that lab.config's public surface is explicit and its imports stay headless."""

from __future__ import annotations

import importlib
import subprocess
import sys

import lab.config


def test_all_is_alphabetised_and_complete() -> None:
    """``__all__`` is sorted and every name in it exists."""
    assert lab.config.__all__ == sorted(lab.config.__all__)
    assert all(hasattr(lab.config, name) for name in lab.config.__all__)


def test_public_names_are_exported() -> None:
    """Every public class or function defined in lab.config's modules is re-exported."""
    exported = set(lab.config.__all__)
    for module_name in (
        "agent_config", "auto_scaling_group", "autoscaling", "capacity_provider", "fargate", "iam", "instance_types", "metric_alarm",
        "task_definition",
    ):
        module = importlib.import_module(f"lab.config.{module_name}")
        assert set(module.__all__) <= exported, module_name


def test_lazy_exports_resolve_to_the_defining_module() -> None:
    """A name read from lab.config is the object its module defines."""
    from lab.config.task_definition import parse_task_definition

    assert lab.config.parse_task_definition is parse_task_definition
    assert "parse_task_definition" in dir(lab.config)


def test_config_imports_no_ui_simulator_or_botocore() -> None:
    """Importing lab.config pulls in no textual, rich, simpy, botocore or other lab layers."""
    code = (
        "import sys, lab.config\n"
        "from lab.config import *\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'simpy', 'botocore')"
        " or m.startswith(('lab.sim', 'lab.grading', 'lab.tui', 'lab.cli'))]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_core_imports_no_textual_or_rich() -> None:
    """Config, scenario, simulator and grading — and a whole graded run through the command line — load no UI library."""
    code = (
        "import sys\n"
        "import lab.config, lab.scenario.loader, lab.scenario.simdoc, lab.scenario.scaffold, lab.sim.world\n"
        "import lab.grading.grader, lab.grading.render, lab.grading.mutate, lab.grading.checks\n"
        "from lab.cli import main\n"
        "for fmt in ('text', 'json', 'junit', 'github'):\n"
        "    try:\n"
        "        main(['grade', 'unscaled-instances', '--solution', '--seed', '1', '--format', fmt])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich') or m.startswith('lab.tui')]\n"
        "print('BAD:' + ','.join(bad), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr.strip().splitlines()[-1] == "BAD:"
