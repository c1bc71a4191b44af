"""Behaviour tests for ``lab grade``, ``lab start`` and ``lab list``: exit codes, reports, bad answers.

Exit 0 is a pass, 1 a graded failure, 2 bad input (one line or ``file:line:col: message``
per problem, never a traceback). The JSON report has the same bytes in two interpreters;
the JUnit report parses with one testcase per check; GitHub annotations point at the
learner's lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from lab.cli import main
from lab.grading.grader import grade
from lab.grading.render import render_github, render_junit, render_text, use_color
from lab.scenario.loader import find_scenario, load_scenario
from lab.scenario.workspace import read_answer

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "ecr-pull-denied"

ADMIN_ROLE = """\
RoleName: ecsInstanceRole
AssumeRolePolicyDocument:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal: {Service: ec2.amazonaws.com}
      Action: sts:AssumeRole
Policies:
  - PolicyName: everything
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: "*"
          Resource: "*"
"""


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A folder with the scenario's starting files, as ``lab start`` writes them."""
    folder = tmp_path / "work"
    code, out, _ = run_main(capsys, "start", SCENARIO, "--dir", str(folder))
    assert code == 0 and "Wrote 3 files" in out
    return folder


def test_list_shows_the_shipped_scenarios(capsys):
    code, out, _ = run_main(capsys, "list", "--json")
    assert code == 0
    ids = [row["id"] for row in json.loads(out)]
    assert SCENARIO in ids
    assert ids == sorted(ids)


def test_starting_files_fail_and_name_the_failing_checks(capsys):
    code, out, _ = run_main(capsys, "grade", SCENARIO)
    assert code == 1
    assert "FAILED" in out and "web-running" in out and "no-pull-errors" in out
    assert "not authorized to perform: ecr:" in out


def test_the_solution_passes(capsys):
    code, out, _ = run_main(capsys, "grade", SCENARIO, "--solution")
    assert code == 0
    assert "PASSED  score 100/100" in out


def test_a_fixed_answer_folder_passes_and_one_seed_can_be_chosen(capsys, answer):
    loaded = load_scenario(find_scenario(SCENARIO))
    (answer / "instance-role.yaml").write_text(loaded.scenario.solution["instance-role.yaml"], encoding="utf-8")
    code, out, _ = run_main(capsys, "grade", SCENARIO, "--answer", str(answer), "--seed", "7")
    assert code == 0, out
    assert "seeds 7" in out


def test_a_role_widened_to_star_fails_least_privilege_and_is_annotated_on_its_line(capsys, answer):
    (answer / "instance-role.yaml").write_text(ADMIN_ROLE, encoding="utf-8")
    code, out, _ = run_main(capsys, "grade", SCENARIO, "--answer", str(answer), "--format", "github")
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    # Line 13 of the file is the statement's `Action: "*"`: the annotation points there.
    assert any(f"file={answer}/instance-role.yaml,line=13" in line and 'no blanket "*"' in line for line in errors), out
    assert out.splitlines()[-1].startswith("::notice ")


def test_junit_report_parses_with_one_testcase_per_check(capsys, tmp_path):
    report_file = tmp_path / "report.xml"
    code, out, _ = run_main(capsys, "grade", SCENARIO, "--format", "junit", "--output", str(report_file))
    assert code == 1 and out == ""
    root = ET.parse(report_file).getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == SCENARIO
    cases = suite.findall("testcase")
    loaded = load_scenario(find_scenario(SCENARIO))
    assert len(cases) == len(loaded.scenario.checks)
    failed = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures")) == len(failed) == 2
    assert all("not authorized" in c.find("failure").get("message") for c in failed)


def test_json_report_follows_the_schema(capsys):
    code, out, _ = run_main(capsys, "grade", SCENARIO, "--solution", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] == 1
    assert data["passed"] is True and data["score"] == data["max_score"] == 100
    assert [s["seed"] for s in data["seeds"]] == [1, 2, 3]
    assert {c["id"] for c in data["checks"]} == {"web-running", "no-pull-errors", "no-admin", "no-ecr-wildcard"}


@pytest.mark.slow
def test_json_report_is_byte_identical_in_two_processes():
    def run(hash_seed: str) -> bytes:
        env = {k: v for k, v in os.environ.items() if k != "LAB_DEBUG"}
        env["PYTHONHASHSEED"] = hash_seed
        result = subprocess.run(
            [sys.executable, "-m", "lab", "grade", SCENARIO, "--format", "json"],
            capture_output=True, cwd=ROOT, env=env, timeout=120, check=False,
        )
        assert result.returncode == 1, result.stderr
        return result.stdout

    assert run("1") == run("4242")


def test_text_report_is_plain_without_colour_and_coloured_with_it():
    loaded = load_scenario(find_scenario(SCENARIO))
    report = grade(loaded, None, seeds=[1])
    plain, coloured = render_text(report), render_text(report, color=True)
    assert "\x1b[" not in plain and "\x1b[" in coloured
    # The words carry the verdict: the same lines once the colour codes are gone.
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_no_color_wins_over_a_terminal(monkeypatch):
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Tty())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())


def test_renderers_are_pure_functions_of_the_report():
    loaded = load_scenario(find_scenario(SCENARIO))
    first, second = grade(loaded, None, seeds=[2]), grade(loaded, None, seeds=[2])
    assert render_junit(first) == render_junit(second)
    assert render_github(first) == render_github(second)


# -- bad answers: exit 2, one clear line per problem, nothing overwritten ---------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("RoleName: x\n  bad: [\n", "instance-role.yaml:2:", id="broken-yaml"),
        pytest.param(
            'RoleName: ecsInstanceRole\nAssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}\nMangedPolicyArns: []\n',
            "did you mean 'ManagedPolicyArns'?",
            id="unknown-key",
        ),
        pytest.param("RoleName: [1, 2]\n", "instance-role.yaml:1:", id="wrong-type"),
    ],
)
def test_a_broken_answer_file_is_positioned_and_exits_2(capsys, answer, content, expected):
    (answer / "instance-role.yaml").write_text(content, encoding="utf-8")
    code, out, err = run_main(capsys, "grade", SCENARIO, "--answer", str(answer))
    assert code == 2
    assert expected in err
    assert "Traceback" not in err and out == ""
    assert (answer / "instance-role.yaml").read_text(encoding="utf-8") == content


def test_a_symlink_leading_out_is_refused(capsys, answer, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text("RoleName: x\n", encoding="utf-8")
    (answer / "instance-role.yaml").unlink()
    (answer / "instance-role.yaml").symlink_to(outside)
    code, _, err = run_main(capsys, "grade", SCENARIO, "--answer", str(answer))
    assert code == 2 and "symlink" in err


def test_an_oversized_answer_file_is_refused(capsys, answer):
    (answer / "instance-role.yaml").write_text("#" * (300 * 1024), encoding="utf-8")
    code, _, err = run_main(capsys, "grade", SCENARIO, "--answer", str(answer))
    assert code == 2 and "256 KiB" in err


@pytest.mark.parametrize("ref", ["../etc/passwd", "a/../../b", "no-such-scenario"])
def test_hostile_or_unknown_scenario_references_exit_2(capsys, ref):
    code, _, err = run_main(capsys, "grade", ref)
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_a_missing_answer_folder_exits_2(capsys, tmp_path):
    code, _, err = run_main(capsys, "grade", SCENARIO, "--answer", str(tmp_path / "nope"))
    assert code == 2 and "does not exist" in err


@pytest.mark.parametrize("renamed", ["Instance-Role.yaml", "instance-role.yml", "instance-role.json"])
def test_an_answer_file_under_another_case_or_suffix_exits_2_naming_it(capsys, answer, renamed):
    """The fix in `instance-role.yml` was silently not read: the starting file was graded (exit 1)."""
    (answer / "instance-role.yaml").write_text(ADMIN_ROLE, encoding="utf-8")
    (answer / "instance-role.yaml").rename(answer / renamed)
    code, out, err = run_main(capsys, "grade", SCENARIO, "--answer", str(answer), "--no-record")
    assert (code, out) == (2, "")
    assert err == f"{answer / renamed}: rename it instance-role.yaml: the lab reads your file only under that exact name (case and suffix too), and would grade the starting instance-role.yaml instead\n"


def test_start_does_not_overwrite_edited_files(capsys, answer):
    edited = answer / "instance-role.yaml"
    edited.write_text(ADMIN_ROLE, encoding="utf-8")
    code, _, err = run_main(capsys, "start", SCENARIO, "--dir", str(answer))
    assert code == 2 and err.strip()
    assert edited.read_text(encoding="utf-8") == ADMIN_ROLE


def test_only_declared_files_are_read(answer):
    loaded = load_scenario(find_scenario(SCENARIO))
    (answer / "extra.yaml").write_text("not: [valid\n", encoding="utf-8")
    files = read_answer(loaded, answer)
    assert set(files) <= set(loaded.scenario.files)


def test_a_refused_answer_file_is_annotated_once_on_its_own_path(capsys, tmp_path):
    """An answer AWS refuses is graded as a failed call; its annotation names the file as read."""
    folder = tmp_path / "bad"
    run_main(capsys, "start", "fargate-no-execution-role", "--dir", str(folder))
    code, out, _ = run_main(capsys, "grade", "fargate-no-execution-role", "--answer", str(folder), "--format", "github")
    assert code == 1
    refusal = next(line for line in out.splitlines() if "AWS refused this file" in line)
    assert f"file={folder}/task-definition.yaml" in refusal and f"{folder}/{folder}" not in refusal


def test_junit_names_the_learner_file_inside_the_answer_folder(capsys, answer):
    (answer / "instance-role.yaml").write_text(ADMIN_ROLE, encoding="utf-8")
    code, out, _ = run_main(capsys, "grade", SCENARIO, "--answer", str(answer), "--format", "junit")
    assert code == 1
    cases = ET.fromstring(out.split("\n", 1)[1]).find("testsuite").findall("testcase")
    assert {c.get("file") for c in cases if c.get("file")} == {str(answer / "instance-role.yaml")}


def test_a_misspelt_event_type_in_a_check_is_positioned(capsys, tmp_path):
    """event-not-occurred on a type that does not exist would always pass: it is refused at load."""
    source = (ROOT / "scenarios" / f"{SCENARIO}.yaml").read_text(encoding="utf-8")
    broken = source.replace("checks:\n", "checks:\n  - {id: typo, kind: event-not-occurred, type: ServiceEvnt}\n", 1)
    path = tmp_path / f"{SCENARIO}.yaml"
    path.write_text(broken, encoding="utf-8")
    code, out, err = run_main(capsys, "validate", str(path))
    assert code == 1
    line = broken.splitlines().index("  - {id: typo, kind: event-not-occurred, type: ServiceEvnt}") + 1
    assert f"{path}:{line}:" in out and "did you mean 'ServiceEvent'?" in out


def test_graded_answers_show_in_lab_list(capsys, answer):
    """`lab grade --answer` records the attempt; `lab list` shows status and best score."""
    run_main(capsys, "grade", SCENARIO, "--answer", str(answer))
    code, out, _ = run_main(capsys, "list")
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith(SCENARIO))
    assert "attempted 20/100" in row
    loaded = load_scenario(find_scenario(SCENARIO))
    (answer / "instance-role.yaml").write_text(loaded.scenario.solution["instance-role.yaml"], encoding="utf-8")
    run_main(capsys, "grade", SCENARIO, "--answer", str(answer))
    code, out, _ = run_main(capsys, "list", "--json")
    assert next(r for r in json.loads(out) if r["id"] == SCENARIO)["status"] == "passed 100/100"


def test_an_unknown_check_kind_is_positioned_with_a_suggestion(capsys, tmp_path):
    source = (ROOT / "scenarios" / f"{SCENARIO}.yaml").read_text(encoding="utf-8")
    path = tmp_path / f"{SCENARIO}.yaml"
    path.write_text(source.replace("kind: service-running", "kind: service-runing", 1), encoding="utf-8")
    code, _, err = run_main(capsys, "grade", str(path))
    assert code == 2
    line = source.splitlines().index("    kind: service-running") + 1
    assert f"{path}:{line}:11: unknown kind 'service-runing'; did you mean 'service-running'?" in err


def test_a_service_short_of_capacity_names_the_tasks_waiting_in_provisioning():
    """unscaled-instances: Service Auto Scaling raised the count, the cluster did not grow."""
    loaded = load_scenario(find_scenario("unscaled-instances"))
    report = grade(loaded, None, seeds=[1])
    check = next(c for c in report.worst() if c.kind == "service-running")
    assert not check.passed
    assert "waiting in PROVISIONING" in check.message


# -- learner and instructor paths (issue 11, item 6) -----------------------------------------------


def test_json_report_carries_the_not_simulated_notes_the_text_report_prints(capsys, answer):
    """A key the lab accepts but does not simulate is a note in both reports, at its line."""
    loaded = load_scenario(find_scenario(SCENARIO))
    fixed = loaded.scenario.solution["instance-role.yaml"] + "MaxSessionDuration: 7200\n"
    (answer / "instance-role.yaml").write_text(fixed, encoding="utf-8")
    line = fixed.splitlines().index("MaxSessionDuration: 7200") + 1
    code, text, _ = run_main(capsys, "grade", SCENARIO, "--answer", str(answer), "--no-record")
    assert code == 0
    assert f"note: {answer}/instance-role.yaml:{line}:1: note: 'MaxSessionDuration' is accepted but not simulated" in text
    code, out, _ = run_main(capsys, "grade", SCENARIO, "--answer", str(answer), "--no-record", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] == 1  # an added field: no bump
    assert data["notes"] == [
        {"file": f"{answer}/instance-role.yaml", "line": line, "col": 1, "message": "'MaxSessionDuration' is accepted but not simulated"}
    ]


def test_json_report_notes_are_empty_without_notes(capsys):
    code, out, _ = run_main(capsys, "grade", SCENARIO, "--solution", "--format", "json")
    assert code == 0 and json.loads(out)["notes"] == []


def test_text_report_shows_the_debrief_and_the_lesson_after_a_pass(capsys):
    loaded = load_scenario(find_scenario(SCENARIO))
    code, out, _ = run_main(capsys, "grade", SCENARIO, "--solution")
    assert code == 0
    results, _, after = out.partition("\nDebrief\n")
    assert "PASSED  score 100/100" in results, "the debrief comes after the results"
    assert loaded.scenario.debrief.strip().splitlines()[0] in after
    lesson = next(line for line in after.splitlines() if line.startswith("Lesson: "))
    assert lesson.endswith(f"{loaded.scenario.lesson})")
    title = (ROOT / "content" / loaded.scenario.lesson).read_text(encoding="utf-8").splitlines()[0].removeprefix("# ")
    assert title in lesson


def test_text_report_hides_the_debrief_on_a_fail(capsys):
    loaded = load_scenario(find_scenario(SCENARIO))
    code, out, _ = run_main(capsys, "grade", SCENARIO)
    assert code == 1
    assert "Debrief" not in out and "Lesson:" not in out
    assert loaded.scenario.debrief.strip().splitlines()[0] not in out


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` (lock files included) with its bytes and modification time."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def recorded(capsys, answer, _isolated_learner_data) -> Path:
    """A data folder holding the learner's progress and practice deck from one graded answer."""
    code, _, _ = run_main(capsys, "grade", SCENARIO, "--answer", str(answer))
    assert code == 1
    assert (_isolated_learner_data / "progress.json").is_file()
    assert (_isolated_learner_data / "practice.json").is_file()
    return _isolated_learner_data


def test_grading_a_learner_answer_records_progress(capsys, answer, recorded):
    """The control for the tests below: without an opt-out, a graded answer is recorded."""
    before = _snapshot(recorded)
    run_main(capsys, "grade", SCENARIO, "--answer", str(answer))
    assert _snapshot(recorded) != before
    assert json.loads((recorded / "progress.json").read_text())["scenarios"][SCENARIO]["attempts"] == 2


@pytest.mark.parametrize(
    "args",
    [
        ("grade", SCENARIO, "--solution"),
        ("grade", SCENARIO),
        ("grade", SCENARIO, "--answer", "{answer}", "--no-record"),
        ("grade", SCENARIO, "--answer", "{answer}", "--no-record", "--format", "json"),
        ("validate", f"scenarios/{SCENARIO}.yaml"),
        ("validate", "--mutate", SCENARIO),
        ("validate", "content/questions/load-balancing"),
    ],
    ids=["solution", "starting-files", "no-record", "no-record-json", "validate", "validate-mutate", "validate-questions"],
)
def test_grading_as_an_author_never_records_progress(capsys, answer, recorded, monkeypatch, args):
    monkeypatch.chdir(ROOT)
    before = _snapshot(recorded)
    run_main(capsys, *(a.replace("{answer}", str(answer)) for a in args))
    assert _snapshot(recorded) == before


@pytest.mark.parametrize("value", ["1", "yes"])
def test_lab_no_record_in_the_environment_records_nothing(capsys, answer, recorded, monkeypatch, value):
    monkeypatch.setenv("LAB_NO_RECORD", value)
    before = _snapshot(recorded)
    code, _, _ = run_main(capsys, "grade", SCENARIO, "--answer", str(answer))
    assert code == 1
    assert _snapshot(recorded) == before


def test_lab_no_record_0_still_records(capsys, answer, recorded, monkeypatch):
    monkeypatch.setenv("LAB_NO_RECORD", "0")
    before = _snapshot(recorded)
    run_main(capsys, "grade", SCENARIO, "--answer", str(answer))
    assert _snapshot(recorded) != before


@pytest.mark.slow
def test_the_pytest_plugin_never_records_progress(recorded):
    """The scenario tests (`pytest --lab-scenarios`) grade starting files and solutions only."""
    before = _snapshot(recorded)
    env = {**os.environ, "LAB_DATA_DIR": str(recorded)}
    env.pop("LAB_NO_RECORD", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", "--lab-scenarios", f"scenarios/{SCENARIO}.yaml"],
        capture_output=True, cwd=ROOT, env=env, timeout=300, check=False, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout
    assert _snapshot(recorded) == before


def test_an_answer_folder_without_the_scenarios_files_is_bad_input_and_not_recorded(capsys, tmp_path, recorded):
    """A folder holding none of the declared files would grade the starting files as the
    learner's attempt: it is bad input (one line naming the folder and the files), exit 2."""
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an answer\n")
    before = _snapshot(recorded)
    code, out, err = run_main(capsys, "grade", SCENARIO, "--answer", str(empty))
    assert code == 2 and out == ""
    names = ", ".join(load_scenario(find_scenario(SCENARIO)).scenario.files)
    assert err.strip().splitlines() == [f"answer folder {empty} holds none of the scenario's files ({names})"]
    assert _snapshot(recorded) == before


@pytest.mark.parametrize("command", ["grade", "sim"])
def test_a_negative_seed_is_bad_input_as_in_run_seeds(capsys, command):
    """random.Random(-n) is random.Random(n): run.seeds takes seeds ≥ 0, and so does --seed."""
    code, out, err = run_main(capsys, command, SCENARIO, "--seed", "-1")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["--seed must be a whole number ≥ 0, as in run.seeds (got -1): seed -n would rerun seed n"]
