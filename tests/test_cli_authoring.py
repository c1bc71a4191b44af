"""An instructor's command line: ``lab start``, ``lab validate`` and ``lab list`` on a scenario of their own.

What a scenario file says (its title, briefing, file names) and the paths it is given by are
shown escaped, as every report shows them; a start from a file prints a grade command that
works; validating nothing is bad input, not a pass.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from lab.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "ecr-pull-denied"


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def own_scenario(folder: Path, *, title: str | None = None, briefing_line: str | None = None) -> Path:
    """A copy of a shipped scenario in ``folder`` (outside ``scenarios/``), its text changed as asked."""
    text = (ROOT / "scenarios" / f"{SCENARIO}.yaml").read_text(encoding="utf-8")
    text = text.replace("lesson: ", "# lesson: ", 1)  # the lesson is looked up beside the file
    if title is not None:
        text = text.replace("\ntitle: ", f"\ntitle: {title}\n# ", 1)
    if briefing_line is not None:
        text = text.replace("briefing: |\n", f"briefing: |\n  {briefing_line}\n", 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{SCENARIO}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def assert_inert(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert not any(line.lstrip().startswith("::") for line in text.splitlines()), text


def test_start_from_a_file_prints_a_grade_command_that_works(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The scenario is not in any scenarios folder: its id alone finds nothing, so the command names the file."""
    monkeypatch.chdir(tmp_path)
    own_scenario(tmp_path / "my course")
    code, out, _ = run_main(capsys, "start", f"my course/{SCENARIO}.yaml", "--dir", "work dir")
    assert code == 0
    command = out.splitlines()[-1].removeprefix("Edit them, then: ")
    assert command == f"lab grade 'my course/{SCENARIO}.yaml' --answer 'work dir'"
    code, out, _ = run_main(capsys, *shlex.split(command)[1:], "--no-record")
    assert code == 1 and "FAILED" in out  # graded: the starting files fail


def test_start_shows_a_hostile_title_and_briefing_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = own_scenario(tmp_path, title='"Tasks \\e]0;pwned\\a \\u202e never start"', briefing_line="::error file=x::injected")
    code, out, _ = run_main(capsys, "start", str(path), "--dir", str(tmp_path / "work"))
    assert code == 0
    assert_inert(out)
    assert out.startswith("Tasks \\x1b]0;pwned\\x07 \\u202e never start\n") and ":\\:error file=x::injected" in out


def test_list_shows_a_hostile_title_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    own_scenario(tmp_path / "scenarios", title='"::error::x \\e[2J\\u202e"')
    monkeypatch.setenv("LAB_SCENARIOS", str(tmp_path / "scenarios"))
    code, out, _ = run_main(capsys, "list")
    assert code == 0
    assert_inert(out)
    assert "  ::error::x \\x1b[2J\\u202e  [" in out


@pytest.mark.parametrize("mutate", [False, True], ids=["validate", "validate-mutate"])
def test_validate_shows_a_hostile_path_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mutate: bool) -> None:
    """A folder name with a newline, a title escape and a workflow command, in the line that names the file."""
    monkeypatch.chdir(tmp_path)
    folder = "e\x1b]0;pwn\x07\n::error::x"
    own_scenario(tmp_path / folder)
    args = ["validate", "--mutate"] if mutate else ["validate"]
    code, out, _ = run_main(capsys, *args, f"{folder}/{SCENARIO}.yaml")
    assert code == 0
    assert_inert(out)
    assert out.startswith(f"e\\x1b]0;pwn\\x07\\n::error::x/{SCENARIO}.yaml: ")


def test_validating_a_folder_with_nothing_to_validate_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A CI job pointed at an empty or wrong folder must not pass on nothing."""
    (tmp_path / "empty").mkdir()
    code, out, err = run_main(capsys, "validate", str(tmp_path / "empty"))
    assert (code, out) == (2, "")
    assert err.startswith(f"nothing to validate in {tmp_path / 'empty'}: ")


def test_a_question_given_as_a_scenario_is_named_for_what_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A question outside a questions folder gets one line saying where it belongs, not a dozen unknown keys."""
    question = (ROOT / "content" / "questions" / "placement" / "placement-binpack-memory.yaml").read_text(encoding="utf-8")
    path = tmp_path / "qs" / "placement-binpack-memory.yaml"
    path.parent.mkdir()
    path.write_text(question, encoding="utf-8")
    code, out, _ = run_main(capsys, "validate", str(path))
    assert code == 1
    assert out == f"{path}:1:1: this is an exam question, not a scenario: a question file belongs under a folder named questions (content/questions/<area>/<id>.yaml, see docs/questions.md)\n"
    code, _, err = run_main(capsys, "grade", str(path))
    assert code == 2 and "this is an exam question, not a scenario" in err


@pytest.mark.parametrize("command", ["grade", "validate", "start", "hint"])
def test_a_simulation_document_given_as_a_scenario_is_named_for_what_it_is(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = ROOT / "content" / "sims" / "asg-draining-hook.yaml"
    code, out, err = run_main(capsys, command, str(path))
    assert code == (1 if command == "validate" else 2)
    assert (out + err).splitlines() == [f"{path}:1:1: this is a simulation document, not a scenario (it has no id and no checks): run it with lab sim FILE"]
