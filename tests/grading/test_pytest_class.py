"""Tests of class grading (``pytest --lab-class``): a made-up class graded under pytest-xdist.

The class: two scaffolded scenarios (``alpha``, ``beta``) and three learners (and ``dan``, whose
only answer folder is a link to ada's). ``ada`` solved
both; ``bob`` left ``alpha`` as started and never started ``beta``; ``carl`` broke the YAML of
``alpha`` and solved ``beta``. Around them, the folders a real class folder gets: a hidden
``.git``, a README, a folder named after no scenario, a symbolic link, and learner names that
would break a node id, a JUnit name or a terminal. A learner's ``conftest.py`` and
``test_*.py`` must never run. The class is graded once, in a fresh ``pytest -n 2`` process,
and the tests read its JUnit XML, its output and the reports it wrote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

import lab.grading.grader  # noqa: F401  (numpy cannot be imported twice in one process: see test_pytest_plugin)
from lab.grading.pytest_class import shown_name, assigned_from_option, learner_name_refusal
from lab.scenario.scaffold import scaffold

pytest_plugins = ["pytester"]

STRICT = ("-W", "error", "--assert=plain", "-p", "no:asyncio", "-p", "no:textual-snapshot", "-p", "no:syrupy", "-p", "no:cacheprovider", "-p", "no:hypothesispytest")
"""Options of every inner run (as in test_pytest_plugin.py)."""

HOSTILE = ("bad name", "-rf", "a::b", "x\ny", "evil\x1b[2J", "=cmd")
"""Learner folder names the class path refuses, each with a failing item."""


def _write_start(folder: Path, scenario: dict[str, object]) -> None:
    folder.mkdir(parents=True)
    files = scenario["files"]
    assert isinstance(files, dict)
    for name, spec in files.items():
        (folder / name).write_text(spec["content"], encoding="utf-8")


def _write_solution(folder: Path, scenario: dict[str, object]) -> None:
    _write_start(folder, scenario)
    solution = scenario["solution"]
    assert isinstance(solution, dict)
    for name, text in solution.items():
        (folder / name).write_text(text, encoding="utf-8")


def make_class(root: Path) -> None:
    """Write the scenarios and the learners' folders described in the module docstring."""
    (root / "scenarios").mkdir()
    docs = {}
    for sid in ("alpha", "beta"):
        text = scaffold(sid)
        (root / "scenarios" / f"{sid}.yaml").write_text(text, encoding="utf-8")
        docs[sid] = yaml.safe_load(text)
    learners = root / "learners"
    _write_solution(learners / "ada" / "alpha", docs["alpha"])
    _write_solution(learners / "ada" / "beta", docs["beta"])
    _write_start(learners / "bob" / "alpha", docs["alpha"])
    _write_start(learners / "carl" / "alpha", docs["alpha"])
    (learners / "carl" / "alpha" / "service.yaml").write_text("serviceName: web\ndesiredCount: [3\n", encoding="utf-8")
    _write_solution(learners / "carl" / "beta", docs["beta"])
    (learners / "carl" / "Beta-Copy").mkdir()
    (learners / ".git").mkdir()
    (learners / "README.md").write_text("the class\n", encoding="utf-8")
    (learners / "linked").symlink_to(root / "scenarios")
    (learners / "dan").mkdir()
    (learners / "dan" / "alpha").symlink_to(learners / "ada" / "alpha")  # an answer folder that is a link
    for name in HOSTILE:
        (learners / name).mkdir()
    # Learner code that must never run: it would leave a file behind.
    for where in (learners / "bob", learners / "bob" / "alpha", learners / "test-evil"):
        where.mkdir(exist_ok=True)
        (where / "conftest.py").write_text(f"open({str(root / 'RAN')!r}, 'w').write('conftest')\n", encoding="utf-8")
        (where / "test_evil.py").write_text(f"open({str(root / 'RAN')!r}, 'w').write('test')\ndef test_x(): pass\n", encoding="utf-8")


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LAB_SCENARIOS", None)  # ./scenarios of the class is what is graded
    env.update(LAB_DATA_DIR=str(root / "data"), PYTEST_ADDOPTS="", COLUMNS="200")
    return env


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, subprocess.CompletedProcess[str]]]:
    """The class, graded once with two workers."""
    root = tmp_path_factory.mktemp("class")
    make_class(root)
    argv = [sys.executable, "-m", "pytest", "--lab-class", "learners", "--lab-reports", "reports", "-n", "2", "--junitxml", "class.xml", "-rA", *STRICT]
    proc = subprocess.run(argv, cwd=root, env=_env(root), capture_output=True, text=True, timeout=300)
    yield root, proc


def _cases(root: Path) -> dict[str, tuple[str, str]]:
    """JUnit test case name → (outcome, message)."""
    out = {}
    for case in ET.parse(root / "class.xml").getroot().iter("testcase"):
        outcome, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            node = case.find(tag)
            if node is not None:
                outcome, message = tag, (node.get("message") or "") + "\n" + (node.text or "")
        out[case.get("name", "")] = (outcome, message)
    return out


@pytest.mark.slow
def test_each_learner_and_scenario_is_an_item_with_its_outcome(graded: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """Solved answers pass, an unsolved one fails with its checks, a missing one is not attempted."""
    root, proc = graded
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 workers" in proc.stdout
    cases = _cases(root)
    assert cases["ada/alpha"][0] == "passed"
    assert cases["ada/beta"][0] == "passed"
    assert cases["carl/beta"][0] == "passed"
    outcome, message = cases["bob/alpha"]
    assert outcome == "failure"
    assert "failed, score" in message and "check '" in message and "scenarios/alpha.yaml:" in message
    outcome, message = cases["bob/beta"]
    assert outcome == "skipped"
    assert "not attempted: learners/bob/beta does not exist" in message


@pytest.mark.slow
def test_broken_yaml_fails_its_item_with_the_positioned_message(graded: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """carl's broken service.yaml fails carl/alpha with file:line:col, and grades nothing else wrong."""
    root, proc = graded
    outcome, message = _cases(root)["carl/alpha"]
    assert outcome == "failure"
    assert "bad input, not graded" in message
    assert "learners/carl/alpha/service.yaml:3:1: " in message, message
    assert "Traceback" not in proc.stdout and "INTERNALERROR" not in proc.stdout


@pytest.mark.slow
def test_bad_folders_and_hostile_names_are_failing_items_not_a_crash(graded: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """Refused names, a link and a stray folder each fail one item; hidden folders and files are passed over."""
    root, proc = graded
    cases = _cases(root)
    assert "error" not in {outcome for outcome, _ in cases.values()}, "a collection or setup error"
    refused = {name: message for name, (outcome, message) in cases.items() if "not a learner name" in message}
    assert len(refused) == len(HOSTILE), sorted(cases)
    assert all(outcome == "failure" for name, (outcome, _) in cases.items() if name in refused)
    # Escaped for a terminal and the node id: no raw control character, no "::" separator.
    assert not any(ch in name for name in cases for ch in "\x1b\n"), sorted(cases)
    assert not any("::" in name for name in cases)
    assert "\x1b" not in proc.stdout
    assert cases["linked"][0] == "failure"
    assert "learners/linked: is a symbolic link; not a learner folder" in cases["linked"][1]
    outcome, message = cases["dan/alpha"]
    assert outcome == "failure" and "learners/dan/alpha: is a symbolic link; not an answer folder" in message
    assert cases["dan/beta"][0] == "skipped"
    outcome, message = cases["carl/Beta-Copy"]
    assert outcome == "failure" and "no scenario is named 'Beta-Copy'" in message
    assert not any(name.startswith((".git", "README")) for name in cases)
    # test-evil is a learner (a plain name) with nothing attempted; its code never ran.
    assert cases["test-evil/alpha"][0] == "skipped"
    assert not (root / "RAN").exists(), (root / "RAN").read_text()


@pytest.mark.slow
def test_reports_are_lab_grades_json_and_the_gradebook_reads_them(
    graded: tuple[Path, subprocess.CompletedProcess[str]], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One report per graded pair, byte-identical to ``lab grade --format json``; ``lab gradebook`` reads the folder."""
    from lab.cli import main

    root, _proc = graded
    reports = sorted(p.relative_to(root / "reports").as_posix() for p in (root / "reports").rglob("*.json"))
    assert reports == ["ada/alpha.json", "ada/beta.json", "bob/alpha.json", "carl/beta.json"], "a report for each pair graded, none for the others"
    monkeypatch.chdir(root)
    monkeypatch.delenv("LAB_SCENARIOS", raising=False)
    monkeypatch.setenv("LAB_DATA_DIR", str(root / "data"))
    for pair in ("bob/alpha", "carl/beta"):
        learner, scenario = pair.split("/")
        out = root / f"{learner}-{scenario}.json"
        main(["grade", scenario, "--answer", f"learners/{pair}", "--format", "json", "--output", str(out), "--no-record"])
        assert out.read_bytes() == (root / "reports" / f"{pair}.json").read_bytes()
    assert main(["gradebook", "reports", "--out", "gradebook", "--format", "json"]) == 0
    capsys.readouterr()
    book = json.loads((root / "gradebook" / "gradebook.json").read_text(encoding="utf-8"))
    matrix = {(row["learner"], row["scenario"]): row["passed"] for row in book["matrix"]}
    assert matrix == {("ada", "alpha"): True, ("ada", "beta"): True, ("bob", "alpha"): False, ("carl", "beta"): True}


def test_assigned_scenarios_and_an_unknown_one(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--lab-assign`` fixes the scenarios: one nobody started is not attempted, an unknown id fails."""
    monkeypatch.delenv("LAB_SCENARIOS", raising=False)
    pytester.mkdir("scenarios")
    (pytester.path / "scenarios" / "alpha.yaml").write_text(scaffold("alpha"), encoding="utf-8")
    (pytester.path / "learners" / "ada").mkdir(parents=True)
    result = pytester.runpytest("--lab-class", "learners", "--lab-assign", "alpha,nope", "--lab-assign", "alpha", "-rA", *STRICT)
    result.assert_outcomes(failed=1, skipped=1)
    out = result.stdout.str()
    assert "not attempted: learners/ada/alpha does not exist" in out
    assert "learners::ada/nope" in out
    assert "no scenario 'nope'" in out


def test_a_missing_class_folder_is_one_line(pytester: pytest.Pytester) -> None:
    """``--lab-class`` naming no folder is a usage error, one line, no traceback."""
    result = pytester.runpytest("--lab-class", "nowhere", *STRICT)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--lab-class nowhere: no such folder" in result.stderr.str()
    assert "Traceback" not in result.stderr.str()


def test_class_options_need_lab_class(pytester: pytest.Pytester) -> None:
    """``--lab-reports`` without ``--lab-class`` is refused rather than ignored."""
    result = pytester.runpytest("--lab-reports", "r", *STRICT)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--lab-assign and --lab-reports go with --lab-class DIR" in result.stderr.str()


# -- names, for any text --------------------------------------------------------------------

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@given(st.text(max_size=120))
@example("0\n")  # a final newline once passed the pattern's `$`
def test_an_accepted_learner_name_is_plain(name: str) -> None:
    """An accepted name has no separator, space, control or bidi character and no leading . - = @ +."""
    if learner_name_refusal(name) is None:
        assert 1 <= len(name) <= 100
        assert not _UNSAFE.search(name)
        assert not any(ch in name for ch in "/\\: \t\"'`|<>*?[]{}()$;&!#,%=~")
        assert name[0].isalnum()


@given(st.text(max_size=120))
def test_a_shown_name_is_inert(name: str) -> None:
    """Any folder name, shown as an item name, has no control or bidi character and no ``::``."""
    shown = shown_name(name)
    assert not _UNSAFE.search(shown)
    assert "::" not in shown


@given(st.lists(st.text(alphabet="abc-, ", max_size=12), max_size=5))
def test_assigned_ids_are_each_named_once_in_order(values: list[str]) -> None:
    """``--lab-assign`` values split on commas, stripped, without blanks or repeats, first seen first."""
    ids = assigned_from_option(values)
    parts = [p.strip() for v in values for p in v.split(",") if p.strip()]
    assert ids == list(dict.fromkeys(parts))
