"""Runs the instructor's path of docs/teaching.md: every command of its sections 1 to 5, in order.

The ``sh`` blocks of sections 1 (author) to 4 (publish) run in bash in an empty folder, with
``LAB_HOME`` set to this repository; then a made-up class is gathered from the template the
path made, and the section 5 block grades it with pytest -n auto and reads the gradebook. Each
``lab`` and ``pytest`` command's exit code must be the one its ``# exit N`` comment gives (0
without one). A test also checks that every ``--lab-*`` option the page names is the plugin's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_docs import _blocks, _sections

REPO = Path(__file__).resolve().parent.parent
TEACHING = (REPO / "docs" / "teaching.md").read_text(encoding="utf-8")
_EXIT = re.compile(r"#\s*exit (\d+)")
_ASSIGNMENTS = re.compile(r"^(?:\w+=(?:\"[^\"]*\"|\S+)\s+)+")
_WRAPPERS = """\
set -u
lab() { command lab "$@"; echo "$? lab $*" >> "$RC_LOG"; }
pytest() { command pytest "$@"; echo "$? pytest $*" >> "$RC_LOG"; }
"""
"""Record each command's exit code; the script itself carries on, as a reader would."""


def _section_blocks(prefix: str) -> list[str]:
    """The ``sh`` blocks of the level-2 section whose heading starts with ``prefix``."""
    body = next(b for level, title, b in _sections(TEACHING) if level == 2 and title.startswith(prefix))
    return _blocks(body, "sh")


def _expected(blocks: list[str]) -> list[tuple[int, str]]:
    out = []
    for block in blocks:
        for line in block.splitlines():
            line = _ASSIGNMENTS.sub("", line.strip())  # VAR=value before a command
            if line.startswith(("lab ", "pytest ")):
                m = _EXIT.search(line)
                out.append((int(m.group(1)) if m else 0, line.split("#")[0].strip()))
    return out


def _run(script: str, cwd: Path, env: dict[str, str]) -> list[tuple[int, str]]:
    log = cwd / "rc.log"
    log.unlink(missing_ok=True)
    proc = subprocess.run(["bash", "-c", _WRAPPERS + script], cwd=cwd, env={**env, "RC_LOG": str(log)}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 or log.exists(), proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert "command not found" not in proc.stderr and "No such file" not in proc.stderr, proc.stderr
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        code, command = line.split(" ", 1)
        out.append((int(code), command))
    return out


def _check(ran: list[tuple[int, str]], expected: list[tuple[int, str]]) -> None:
    assert len(ran) == len(expected), f"ran {ran}, the page has {expected}"
    for (code, command), (want, line) in zip(ran, expected, strict=True):
        assert code == want, f"`{line}` exited {code}, the page says {want}"


@pytest.mark.slow
def test_the_instructors_path_runs(tmp_path: Path) -> None:
    """Author, validate, mutate, publish, then grade the class and read the gradebook, as the page says."""
    env = dict(os.environ)
    env.pop("LAB_SCENARIOS", None)
    env.update(LAB_HOME=str(REPO), LAB_DATA_DIR=str(tmp_path / "data"), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    env.update(PYTEST_ADDOPTS="-p no:cacheprovider")
    blocks = [b for prefix in ("1.", "2.", "3.", "4.") for b in _section_blocks(prefix)]
    _check(_run("\n".join(blocks), tmp_path, env), _expected(blocks))
    template = tmp_path / "class-template"
    for name in ("my-scenario/service.yaml", "ecr-pull-denied/instance-role.yaml", ".github/workflows/grade.yml", "README.md"):
        assert (template / name).is_file(), name

    # The class: ada's repository from the template with my-scenario solved, bob's as made.
    learners = tmp_path / "learners"
    for learner in ("ada", "bob"):
        shutil.copytree(template, learners / learner, ignore=shutil.ignore_patterns(".github"))
    solution: dict[str, Any] = yaml.safe_load((tmp_path / "scenarios" / "my-scenario.yaml").read_text(encoding="utf-8"))["solution"]
    for name, text in solution.items():
        (learners / "ada" / "my-scenario" / name).write_text(text, encoding="utf-8")
    shutil.rmtree(learners / "bob" / "ecr-pull-denied")
    grade = _section_blocks("5.")
    assert any("--lab-class" in b for b in grade)
    ran = _run("\n".join(grade), tmp_path, env)
    # bob's starting files fail my-scenario and ada did not solve ecr-pull-denied: pytest exits 1.
    _check(ran, _expected(grade))
    reports = sorted(p.relative_to(tmp_path / "reports").as_posix() for p in (tmp_path / "reports").rglob("*.json"))
    assert reports == ["ada/ecr-pull-denied.json", "ada/my-scenario.json", "bob/my-scenario.json"]
    book = (tmp_path / "gradebook" / "gradebook.md").read_text(encoding="utf-8")
    assert "| ada | 1/2 |" in book and "| bob | 0/1 |" in book


def _plugin_options() -> set[str]:
    """The command-line options the lab's pytest plugin registers."""
    from lab.grading import pytest_plugin

    names: set[str] = set()

    class Group:
        def addoption(self, *opts: str, **_: Any) -> None:
            names.update(opts)

    class Parser:
        def getgroup(self, *_: Any) -> Group:
            return Group()

        def addini(self, *_: Any, **__: Any) -> None:
            pass

    pytest_plugin.pytest_addoption(Parser())  # type: ignore[arg-type]
    return names


def test_every_lab_option_the_page_names_is_the_plugins() -> None:
    """``--lab-class``, ``--lab-assign``, ``--lab-reports``, ``--lab-scenarios``: each is registered."""
    named = set(re.findall(r"--lab-[a-z]+", TEACHING))
    assert {"--lab-class", "--lab-assign", "--lab-reports"} <= named
    assert named <= _plugin_options()


def test_every_example_path_the_page_names_exists() -> None:
    """The template's files the page tells an instructor to copy are in the repository."""
    paths = set(re.findall(r"examples/[\w./-]+[\w]", TEACHING))
    assert paths
    for path in paths:
        assert (REPO / path).exists(), path
