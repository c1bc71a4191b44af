"""The house's structure, checked in the test run: layers, the simulator's one-way stack, types.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``, ``[tool.mypy]``); these tests
run them so CI keeps them, and add the rules no contract tool states: every simulator module
has its place in the stack, code outside the simulator uses its public surface only, no module
reaches into another's private names, and no object changes class.
"""

from __future__ import annotations

import ast
import importlib
import tomllib
from pathlib import Path

import pytest

import lab.sim

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "lab"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _sources() -> list[Path]:
    return sorted(LAB.rglob("*.py"))


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.slow
def test_import_contracts_are_kept() -> None:
    """The layers of pyproject's [tool.importlinter]: shells > grading > scenario > sim > config > source."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


@pytest.mark.slow
def test_mypy_passes_over_lab() -> None:
    """``mypy`` with the project's configuration reports no error over lab/."""
    from mypy import api

    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-incremental", str(LAB)])
    assert status == 0, stdout + stderr


def test_every_simulator_module_has_a_layer() -> None:
    """A new module in lab/sim must be placed in the one-way stack, or the contract would not see it."""
    contract = next(c for c in PYPROJECT["tool"]["importlinter"]["contracts"] if c["name"].startswith("The simulator"))
    placed = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    modules = {_module(p) for p in (LAB / "sim").glob("*.py") if p.name != "__init__.py"}
    assert modules - placed == set(), "add these modules to the simulator's layers in pyproject.toml"
    assert placed - modules == set(), "these layers name modules that do not exist"


def test_code_outside_the_simulator_uses_its_public_surface() -> None:
    """Shells, grading and scenario code import only the modules ``lab.sim`` declares public."""
    offenders = []
    for path in _sources():
        if path.is_relative_to(LAB / "sim"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] if node.module != "lab.sim" else [f"lab.sim.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("lab.sim.") and name not in lab.sim.PUBLIC_MODULES:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert offenders == []


def test_the_public_surface_resolves() -> None:
    for name in lab.sim.__all__:
        assert getattr(lab.sim, name) is not None
    for module in lab.sim.PUBLIC_MODULES:
        importlib.import_module(module)
    with pytest.raises(AttributeError):
        _ = lab.sim.Kernel  # type: ignore[attr-defined]


def _private_reaches(tree: ast.AST) -> list[tuple[int, str]]:
    """``other._name`` attribute uses (not ``self``/``cls``/``super()``, not namedtuple API)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_") or node.attr.startswith("__"):
            continue
        if node.attr in ("_replace", "_asdict", "_fields", "_make"):
            continue
        value = node.value
        if isinstance(value, ast.Name) and value.id in ("self", "cls"):
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super":
            continue
        found.append((node.lineno, ast.unparse(node)))
    return found


def test_no_module_reaches_into_private_names() -> None:
    offenders = [f"{p.relative_to(ROOT)}:{line}: {text}" for p in _sources() for line, text in _private_reaches(ast.parse(p.read_text()))]
    assert offenders == []


def test_the_private_name_check_finds_a_reach() -> None:
    assert _private_reaches(ast.parse("world._jitter((1, 2))\nself._ok()\nsuper()._fine()\nrow._replace(a=1)")) == [(1, "world._jitter")]


def test_no_object_changes_class() -> None:
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "__class__":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_world_module_stays_a_thin_facade() -> None:
    lines = (LAB / "sim" / "world.py").read_text().count("\n")
    assert lines <= 500, f"lab/sim/world.py has {lines} lines: move behaviour into a subsystem"
