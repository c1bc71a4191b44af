"""An author's mistakes that would make a check judge nothing are positioned errors at load.

A malformed ``config-field`` path, a moment past the end of the run, a window that closes
before it opens and a seed listed twice all loaded before: the check then passed or failed
whatever the answer did. Each is now refused at its line, in one clear message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.cli import main
from lab.errors import SourceErrors
from lab.scenario.loader import load_scenario

SCENARIO = (
    "id: author\ntitle: mistakes\ntopics: [services]\ndifficulty: 1\nminutes: 5\nbriefing: b\n"
    "files:\n  service.yaml:\n    kind: service\n    content: {serviceName: web, taskDefinition: web, desiredCount: 1}\n"
    "  task-definition.yaml:\n    kind: task-definition\n    content:\n      family: web\n"
    "      containerDefinitions: [{name: web, image: nginx, memory: 128}]\n"
    "run: {duration: 600, seeds: [1, 2]}\n"
    "checks:\n  - id: check\n    {check}\n"
    "solution:\n  service.yaml: {serviceName: web, taskDefinition: web, desiredCount: 2}\ndebrief: d\n"
)
KIND_LINE = 19
"""The line of the check's first key after its id."""


def load(tmp_path: Path, check: str, *, run: str = "{duration: 600, seeds: [1, 2]}") -> list[tuple[int, int, str]]:
    path = tmp_path / "author.yaml"
    text = SCENARIO.replace("{check}", check.replace("\n", "\n    ")).replace("{duration: 600, seeds: [1, 2]}", run)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceErrors) as caught:
        load_scenario(path)
    return [(d.line, d.col, d.message) for d in caught.value.diagnostics]


@pytest.mark.parametrize("path", ["'desiredCount[0'", "'a..b'", "''", "'.serviceName'", "'[x]'", "'serviceName.'"])
def test_a_malformed_config_field_path_is_refused_at_its_line(tmp_path: Path, path: str) -> None:
    (problem,) = load(tmp_path, f"kind: config-field\nfile: service.yaml\npath: {path}\npresent: true")
    assert problem[:2] == (KIND_LINE + 2, 11)
    assert problem[2].startswith("'path': ") and "is not a field path" in problem[2]


@pytest.mark.parametrize("field", ["by", "after", "before", "at", "always_after"])
@pytest.mark.parametrize("value", ["601", ".inf", ".nan"])
def test_a_check_moment_after_the_end_of_the_run_is_refused(tmp_path: Path, field: str, value: str) -> None:
    kind = {"by": "service-running\nservice: web\ncount: 1", "at": "tasks-spread\nservice: web\nmin_azs: 1", "always_after": "tasks-spread\nservice: web\nmin_azs: 1"}
    check = f"kind: {kind.get(field, 'no-task-stopped')}\n{field}: {value}"
    (problem,) = load(tmp_path, check)
    assert problem[0] > KIND_LINE
    if value == "601":
        assert problem[2].startswith(f"check 'check': '{field}' is ") and "after the end of the run (run.duration: 600 s)" in problem[2]
    else:  # no moment at all: refused as a number, before any comparison with the run
        assert problem[2] == f"'{field}': Input should be a finite number"


def test_a_window_that_closes_before_it_opens_is_refused(tmp_path: Path) -> None:
    (problem,) = load(tmp_path, "kind: no-task-stopped\nafter: 500\nbefore: 100")
    assert problem == (KIND_LINE + 2, 13, "check 'check': 'before' (100 s) comes before 'after' (500 s): the window is empty")


def test_a_seed_listed_twice_is_refused(tmp_path: Path) -> None:
    (problem,) = load(tmp_path, "kind: no-task-stopped", run="{duration: 600, seeds: [3, 1, 3]}")
    assert problem[2] == "'seeds': seed 3 is listed twice; each seed is one distinct run"


def test_validator_messages_carry_no_pydantic_prefix_and_no_index_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A check's own rule reads as the rule: no "Value error, ", no "'0': " for the list index."""
    path = tmp_path / "author.yaml"
    path.write_text(SCENARIO.replace("{check}", "kind: config-field\n    file: service.yaml\n    path: serviceName\n    present: true\n    equals: web"), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out == f"{path}:{KIND_LINE - 1}:5: give exactly one of 'equals', 'one_of', 'matches', 'not_matches', 'present', or 'at_least'/'at_most'\n"


def test_a_solution_naming_a_file_the_scenario_lacks_is_positioned_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt solution file name was a KeyError (exit 3, "internal error"); found by fuzzing the loader."""
    path = tmp_path / "author.yaml"
    text = SCENARIO.replace("{check}", "kind: no-task-stopped").replace("solution:\n  service.yaml:", "solution:\n  servce.yaml:")
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out == f"{path}:21:3: the solution names 'servce.yaml', which is not one of the scenario's files\n"


def test_a_negative_seed_is_refused_at_its_position(tmp_path: Path) -> None:
    """random.Random(-1) is random.Random(1): seed -1 would be seed 1's run under another number."""
    (problem,) = load(tmp_path, "kind: no-task-stopped", run="{duration: 600, seeds: [1, -1]}")
    assert problem[2] == "Input should be greater than or equal to 0"
