"""The hostile-input suite (issue 18): what a learner's file or a command line can hold never
hijacks a terminal or a CI log, never hangs, never leaks, and is never an internal error."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from lab.cli import main
from lab.errors import Diagnostic, SourceError
from lab.grading.render import render_github, render_json, render_junit, render_text
from lab.grading.report import CheckResult, Report, SeedResult
from lab.yaml_source import load_path, load_text

HOSTILE = "x\x1b]0;PWN\x07\x1b[31mred\r\n::error file=a::injected\n  ::warning::two\u202eevil\x9b2J ##[error]legacy"
"""A terminal title change, a colour, a CR, two workflow commands on their own lines, a bidi
override, an 8-bit CSI and a legacy ``##[`` command."""

ANSI_OR_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_report() -> Report:
    check = CheckResult("c1", "service-running", f"title {HOSTILE}", True, 10, False, f"message {HOSTILE}", 3, "instance-role.yaml", 2)
    bare = CheckResult("c2", "service-running", "bare", True, 5, False, HOSTILE, 4)
    seeds = (SeedResult(1, (check, bare), 10, 0.0), SeedResult(2, (check, bare), 10, 0.0))
    return Report("web", f"Title {HOSTILE}", "scenarios/web.yaml", f"answer{HOSTILE}", seeds, (Diagnostic(f"f{HOSTILE}.yaml", 1, 2, HOSTILE),), (Diagnostic("n.yaml", 0, 0, HOSTILE, "note"),))


def assert_no_command_lines(text: str) -> None:
    """No line starts (after blanks) with a workflow command, none holds a legacy one, no control character."""
    for line in text.split("\n"):
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line
        assert not ANSI_OR_CONTROL.search(line), repr(line)
        assert "\r" not in line


def test_text_report_escapes_controls_and_workflow_commands() -> None:
    out = render_text(hostile_report())
    assert_no_command_lines(out)
    assert "\\x1b]0;PWN\\x07" in out  # visible, not interpreted
    coloured = render_text(hostile_report(), color=True)
    assert coloured.count("\x1b[") == coloured.count("\x1b[0m") * 2  # only our own colours


def test_github_report_escapes_as_github_documents() -> None:
    out = render_github(hostile_report())
    commands = [line for line in out.split("\n") if line]
    assert len(commands) == 4  # one refusal, two failing checks, the notice: nothing injected
    for line in commands:
        assert line.startswith(("::error ", "::warning ", "::notice "))
        head, _, data = line[2:].partition("::")
        assert "##[" not in line and not ANSI_OR_CONTROL.search(line), repr(line)
        assert "\r" not in data and "\n" not in data
    assert "%0D%0A::error file=a::injected" in out  # the learner's newline stays GitHub-encoded data


def test_junit_report_is_valid_xml_with_controls_escaped() -> None:
    out = render_junit(hostile_report())
    root = ET.fromstring(out.split("\n", 1)[1])  # parses: no raw control character
    assert_no_command_lines(out)
    assert "\\x1b]0;PWN" in root.find(".//failure").get("message")


def test_json_report_keeps_the_text_and_escapes_what_a_log_would_run() -> None:
    out = render_json(hostile_report())
    assert_no_command_lines(out)
    assert json.loads(out)["checks"][1]["message"] == HOSTILE  # the data itself is intact


def test_a_hostile_key_in_a_learners_file_reaches_stderr_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Diagnostics quoting a learner's key or value are escaped (one line each, no escape runs)."""
    answer = tmp_path / "answer"
    answer.mkdir()
    (answer / "instance-role.yaml").write_text('RoleName: x\n"bad\\e[31mkey\\n::warning::x ##[error]y": 1\n')
    assert main(["grade", "ecr-pull-denied", "--answer", str(answer)]) == 2
    err = capsys.readouterr().err
    assert_no_command_lines(err)
    assert "bad\\x1b[31mkey\\n::warning::x" in err


# -- a learner's regex never stalls (memberOf =~) ------------------------------------------------

STALL = r"""
import sys
from lab.sim.query import parse

class Facts:
    attributes = {"name": "i-" + "a" * 5000}
    agent_connected, agent_version, ec2_instance_id = True, "1.68.2", "i-" + "a" * 5000
    registered_at, running_tasks_count = "2018-03-01T10:00:00Z", 0
    task_groups = ("service:" + "a" * 5000,)

for text in (r"ec2InstanceId =~ i-((\w|\w)+)+Z", r"attribute:name =~ i-(a|a)*(a|a)*(a*)*Z", r"task:group =~ service:((a|aa)+)+Z"):
    try:
        print(parse(text).matches(Facts()))
    except Exception as exc:
        print(type(exc).__name__, exc)
"""


def test_catastrophic_regexes_finish_at_once() -> None:
    """`=~ i-((\\w|\\w)+)+Z` against a 5,000-character id: no match, and no stall (a linear-time engine)."""
    done = subprocess.run([sys.executable, "-c", STALL], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["False", "False", "False"], done.stderr


def test_a_nested_repetition_the_linear_engine_cannot_run_is_refused() -> None:
    """A backreference under nested repetition would need backtracking: refused with a clear message."""
    from lab.sim.query import QueryError, parse

    with pytest.raises(QueryError, match="nested repetition"):
        parse(r"attribute:x =~ (a)((\w|\1)+)+Z")
    assert parse(r"attribute:x =~ (a)b\1").matches(type("F", (), {"attributes": {"x": "aba"}})())  # no nesting: still runs


# -- small internal errors become positioned messages and exit 2 ---------------------------------



def test_an_integer_over_4300_digits_is_a_positioned_error() -> None:
    with pytest.raises(SourceError) as caught:
        load_text("a: 1\nMaxSessionDuration: " + "9" * 5000 + "\n", "f.yaml")
    assert (caught.value.line, caught.value.col) == (2, 21) and "digits" in str(caught.value)


def test_a_huge_integer_in_an_answer_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = tmp_path / "answer"
    answer.mkdir()
    (answer / "instance-role.yaml").write_text("MaxSessionDuration: " + "9" * 5000 + "\n")
    assert main(["grade", "ecr-pull-denied", "--answer", str(answer)]) == 2
    assert "instance-role.yaml:1:21:" in capsys.readouterr().err


def test_a_merge_key_with_an_override_is_accepted() -> None:
    """``<<: *base`` then one key overridden: the override wins (YAML 1.1 merge), no duplicate error."""
    doc = load_text("base: &base {a: 1, b: 2}\nitem:\n  <<: *base\n  b: 3\nmulti:\n  <<: [{x: 1}, {x: 2, y: 2}]\n", "f.yaml")
    assert doc.data["item"] == {"a": 1, "b": 3}
    assert doc.data["multi"] == {"x": 1, "y": 2}  # the first mapping listed wins
    assert doc.where(("item", "b")) == (4, 6)
    with pytest.raises(SourceError, match="duplicate key 'b'"):
        load_text("item:\n  <<: {a: 1}\n  b: 3\n  b: 4\n", "f.yaml")


@pytest.mark.parametrize("until", ["nan", "inf", "-inf", "-5", "0", "1e400", "604800.5", "1e308"])
def test_until_must_be_a_finite_positive_number(until: str, capsys: pytest.CaptureFixture[str]) -> None:
    """At most seven days, as run.duration: 1e308 once ran ~70 s of CPU to end at the event budget."""
    assert main(["sim", "ecr-pull-denied", f"--until={until}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--until must be a positive number of seconds, at most 604800 (7 days, the longest run)") and "internal error" not in err


def test_output_to_a_full_device_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "ecr-pull-denied", "--output", "/dev/full"]) == 2
    err = capsys.readouterr().err
    assert "/dev/full" in err and "internal error" not in err


def test_symlink_loops_as_answer_folder_or_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    assert main(["grade", "ecr-pull-denied", "--answer", str(tmp_path / "loop-a")]) == 2
    answer = tmp_path / "answer"
    answer.mkdir()
    (answer / "instance-role.yaml").symlink_to("other.yaml")
    (answer / "other.yaml").symlink_to("instance-role.yaml")
    assert main(["grade", "ecr-pull-denied", "--answer", str(answer)]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err and "instance-role.yaml" in err


def test_an_empty_availability_zone_is_refused_as_aws_refuses_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``AvailabilityZones: ["", ...]`` is AWS's length validation error at its position, not an internal error."""
    answer = tmp_path / "answer"
    answer.mkdir()
    (answer / "auto-scaling-group.yaml").write_text(
        'AutoScalingGroupName: ecs-asg\nMinSize: "3"\nMaxSize: "6"\nDesiredCapacity: "3"\n'
        'AvailabilityZones: ["", us-east-1b]\nLaunchTemplate: {LaunchTemplateName: ecs-node, Version: $Latest}\n'
    )
    assert main(["grade", "ami-rollout-without-hook", "--answer", str(answer), "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "auto-scaling-group.yaml:5:21: ValidationError: 1 validation error detected: Value '' at 'availabilityZones.1.member'" in err


# -- files opened once, safely -------------------------------------------------------------------


ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
) + "id: *i\ntitle: *i\n"
"""A "billion laughs": 9**9 strings from a few hundred bytes."""


def test_special_files_are_refused_before_reading(tmp_path: Path) -> None:
    """A FIFO (no writer: opening would block) and /dev/zero (endless) are refused at once."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero"), Path("/dev/null")):
        with pytest.raises(SourceError, match="not a regular file"):
            load_path(path)


def test_every_read_has_a_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * (5 * 1024 * 1024) + "\n")
    with pytest.raises(SourceError, match="larger than"):
        load_path(big)  # no max_bytes given: the default limit still holds


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_lab_sim_on_a_special_file_exits_2_at_once(tmp_path: Path, target: str) -> None:
    if target == "fifo":
        target = str(tmp_path / "doc.yaml")
        os.mkfifo(target)
    done = subprocess.run([sys.executable, "-m", "lab", "sim", target], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "not a regular file" in done.stderr, done.stderr


def test_a_fifo_and_an_alias_bomb_in_the_scenarios_folder_are_listed_as_broken(tmp_path: Path) -> None:
    """The catalogue lists the good scenarios and one clear line per broken file; nothing freezes."""
    import shutil

    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(Path(__file__).parent.parent / "scenarios" / "ecr-pull-denied.yaml", folder)
    os.mkfifo(folder / "fifo.yaml")
    (folder / "bomb.yaml").write_text(ALIAS_BOMB)
    (folder / "dev.yaml").symlink_to("/dev/zero")
    script = (
        "from pathlib import Path; from lab.tui.catalogue_index import read_catalogue\n"
        f"entries, problems = read_catalogue(Path({str(folder)!r}))\n"
        "print([e.id for e in entries]); print(*problems, sep='\\n')"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    lines = done.stdout.splitlines()
    assert lines[0] == "['ecr-pull-denied']", done.stderr
    assert sorted(line.split(":")[0] for line in lines[1:]) == ["bomb.yaml", "dev.yaml", "fifo.yaml"]
    assert all(len(line) < 200 for line in lines)


def _swap_forever(answer: str, secret: str) -> None:
    """Flip the answer file between a regular file and a symlink to ``secret`` (atomic renames)."""
    target = os.path.join(answer, "instance-role.yaml")
    n = 0
    while True:
        n += 1
        link, plain = os.path.join(answer, f".l{n}"), os.path.join(answer, f".p{n}")
        os.symlink(secret, link)
        os.replace(link, target)
        with open(plain, "w") as handle:
            handle.write("RoleName: r\n")
        os.replace(plain, target)


@pytest.mark.slow
def test_a_racing_symlink_swap_never_leaks_a_file_outside_the_answer(tmp_path: Path) -> None:
    """While another process swaps the answer file with a symlink to a secret, the grader never reads the secret."""
    import multiprocessing

    from lab.errors import LabError
    from lab.scenario.loader import find_scenario, load_scenario
    from lab.scenario.workspace import read_answer

    loaded = load_scenario(find_scenario("ecr-pull-denied"))
    secret = tmp_path / "secret.yaml"
    secret.write_text("SECRET_TOKEN_42: 1\n")
    answer = tmp_path / "answer"
    answer.mkdir()
    (answer / "instance-role.yaml").write_text("RoleName: r\n")
    swapper = multiprocessing.get_context("fork").Process(target=_swap_forever, args=(str(answer), str(secret)), daemon=True)
    swapper.start()
    leaks = refused = 0
    try:
        for _ in range(400):
            try:
                read_answer(loaded, answer)
            except LabError as exc:
                leaks += "SECRET_TOKEN_42" in str(exc)
                refused += "symlink" in str(exc)
    finally:
        swapper.kill()
        swapper.join()
    assert leaks == 0
    assert refused > 0  # the swap did race the reads


def test_lab_start_never_writes_through_a_planted_symlink(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    work = tmp_path / "work"
    work.mkdir()
    for name in ("instance-role.yaml", "task-definition.yaml"):
        (work / f".{name}.tmp").symlink_to(outside)  # the old temp name
    (work / "service.yaml").symlink_to(outside)
    code = main(["start", "ecr-pull-denied", "--dir", str(work), "--force"])
    assert outside.read_text() == "precious\n"
    assert code == 0 and not (work / "service.yaml").is_symlink()


def test_lab_new_never_writes_through_a_planted_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "my-new.yaml").symlink_to(tmp_path / "elsewhere.yaml")  # dangling: exists() says no
    assert main(["new", "my-new", "--dir", str(folder)]) == 2
    assert not (tmp_path / "elsewhere.yaml").exists()
    assert "my-new.yaml" in capsys.readouterr().err


def test_the_pytest_plugin_never_hangs_on_a_fifo_named_yaml(tmp_path: Path) -> None:
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    script = f"from pathlib import Path; from lab.grading.pytest_plugin import is_scenario_file; print(is_scenario_file(Path({str(fifo)!r})))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_an_empty_availability_zone_in_a_world_is_positioned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "world.yaml"
    doc.write_text(
        'world:\n  instances: [{count: 2, type: m5.large, azs: ["", us-east-1b], role: r}]\n'
        "  roles:\n    - RoleName: r\n      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: "
        "[{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: 'sts:AssumeRole'}]}\n"
    )
    assert main(["sim", str(doc)]) == 2
    err = capsys.readouterr().err
    assert f"{doc}:2:" in err and "Traceback" not in err and "internal error" not in err


def test_a_week_of_failed_starts_does_not_overflow(capsys: pytest.CaptureFixture[str]) -> None:
    """ecr-pull-denied's starting files fail to start every task: a week of back-off doublings
    once overflowed a float (exit 3); the delay is capped at 15 minutes long before that (§4.5)."""
    assert main(["sim", "ecr-pull-denied", "--until", "604800"]) == 0
    assert "internal error" not in capsys.readouterr().err


def test_a_runaway_world_is_ended_by_the_event_budget(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import lab.sim.kernel as kernel

    monkeypatch.setattr(kernel, "MAX_LOG_EVENTS", 200)
    assert main(["sim", "ecr-pull-denied", "--until", "86400"]) == 2
    err = capsys.readouterr().err
    assert "logged more than 200 events" in err and "Traceback" not in err


def test_running_in_slices_gives_the_same_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget check between slices does not change what happens (events at a slice's end
    run in the next one, in the same order)."""
    import lab.sim.kernel as kernel
    from lab.scenario.simdoc import build_world, load_sim_document

    doc = load_sim_document(Path(__file__).resolve().parent.parent / "content" / "sims" / "rolling-deployment.yaml")
    whole = build_world(doc, seed=1)
    whole.run(until=1200)
    monkeypatch.setattr(kernel, "RUN_SLICE_S", 7.0)
    sliced = build_world(doc, seed=1)
    sliced.run(until=1200)
    assert list(sliced.log) == list(whole.log) and len(whole.log) > 50


# -- ECS quotas, applied as ECS applies them (§11) -----------------------------------------------

SIMS = Path(__file__).resolve().parent.parent / "content" / "sims"


def _unscaled_instances_file(name: str, old: str, new: str) -> str:
    import yaml

    scenario = yaml.safe_load((Path(__file__).resolve().parent.parent / "scenarios" / "unscaled-instances.yaml").read_text(encoding="utf-8"))
    content: str = scenario["files"][name]["content"]
    assert old in content
    return content.replace(old, new)


def test_a_desired_count_past_the_quota_is_refused_with_ecs_text_and_no_task_starts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``desiredCount: 100000`` once took minutes and a GiB per seed: CreateService refuses it, positioned."""
    answer = tmp_path / "answer"
    answer.mkdir()
    (answer / "service.yaml").write_text(_unscaled_instances_file("service.yaml", "desiredCount: 2", "desiredCount: 100000"))
    assert main(["grade", "unscaled-instances", "--answer", str(answer), "--seed", "1"]) == 1  # graded, failing
    out = capsys.readouterr().out
    assert f"{answer / 'service.yaml'}:3:15: InvalidParameterException: Desired count exceeds limit." in out
    assert "web had 0 of at least 10 tasks running" in out  # the service was never created


def test_a_min_capacity_past_the_quota_never_runs_more_than_ecs_allows(tmp_path: Path) -> None:
    """Application Auto Scaling takes ``MinCapacity: 100000``; ECS refuses that desired count
    (an ApiCallFailed in the run) and the service keeps the count it had."""
    from lab.scenario.simdoc import build_world, load_sim_document
    from lab.sim.events import ApiCallFailed

    text = (SIMS / "service-target-tracking.yaml").read_text(encoding="utf-8")
    assert "MinCapacity: 2" in text
    path = tmp_path / "sim.yaml"
    path.write_text(text.replace("MinCapacity: 2", "MinCapacity: 100000").replace("MaxCapacity: 10", "MaxCapacity: 200000"))
    world = build_world(load_sim_document(path), seed=1)
    world.run(until=120)
    refused = [e for e in world.log if isinstance(e, ApiCallFailed)]
    assert refused and refused[0].message == "UpdateService failed: InvalidParameterException: Desired count exceeds limit."
    assert world.services["web"].desired <= 10 and len(world.tasks) < 100


def test_a_timeline_update_service_past_the_quota_is_an_api_call_failed(tmp_path: Path) -> None:
    from lab.scenario.simdoc import build_world, load_sim_document
    from lab.sim.events import ApiCallFailed

    text = (SIMS / "rolling-deployment.yaml").read_text(encoding="utf-8")
    old = "{at: 610, event: update-service, service: web, forceNewDeployment: true}"
    assert old in text
    path = tmp_path / "sim.yaml"
    path.write_text(text.replace(old, "{at: 610, event: update-service, service: web, desiredCount: 100000}"))
    world = build_world(load_sim_document(path), seed=1)
    before = world.services["web"].desired
    world.run(until=700)
    refused = [e for e in world.log if isinstance(e, ApiCallFailed)]
    assert [e.message for e in refused] == ["UpdateService failed: InvalidParameterException: Desired count exceeds limit."]
    assert world.services["web"].desired == before


def test_a_timeline_run_task_of_more_than_ten_is_refused_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """RunTask starts at most 10 tasks per call (§1.7, §11.1)."""
    text = (SIMS / "rolling-deployment.yaml").read_text(encoding="utf-8")
    old = "    - {at: 0, event: traffic, target_group: web, rps: 200}\n"
    path = tmp_path / "sim.yaml"
    path.write_text(text.replace(old, old + "    - {at: 5, event: run-task, taskDefinition: web, count: 11}\n"))
    assert main(["sim", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:24:" in err and "10" in err and "Traceback" not in err


def test_a_service_past_the_services_per_cluster_quota_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """5,000 services per cluster (§11.1); the quota is lowered here so the test stays small."""
    import lab.sim.services as services
    from lab.errors import InvalidParameterException
    from lab.scenario.simdoc import build_world, load_sim_document

    world = build_world(load_sim_document(SIMS / "rolling-deployment.yaml"), seed=1)
    monkeypatch.setattr(services, "MAX_SERVICES_PER_CLUSTER", len(world.services))
    model = next(iter(world.services.values())).model
    with pytest.raises(InvalidParameterException, match="Services per cluster exceeds limit"):
        world.create_service(model.model_copy(update={"service_name": "another"}))
    assert "another" not in world.services


LONG = "a" * 300
"""A name over the file system's 255-byte limit: every call on it raises ENAMETOOLONG."""


@pytest.mark.parametrize(
    "argv",
    [
        ["grade", f"{LONG}.yaml"],
        ["grade", LONG],
        ["sim", f"{LONG}.yaml"],
        ["hint", f"{LONG}.yaml"],
        ["start", f"{LONG}.yaml"],
        ["validate", f"{LONG}.yaml"],
        ["validate", "--mutate", f"{LONG}.yaml"],
        ["start", "ecr-pull-denied", "--dir", LONG],
        ["new", "too-long", "--dir", LONG],
        ["schema", "--out", LONG],
        ["gradebook", LONG],
    ],
    ids=["grade-file", "grade-id", "sim", "hint", "start", "validate", "mutate", "start-dir", "new-dir", "schema-out", "gradebook"],
)
def test_a_name_too_long_for_the_file_system_exits_2_in_one_line(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Each was an OSError, exit 3 "internal error"."""
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "internal error" not in err
    assert any(said in err for said in ("File name too long", f"no scenario '{LONG}'", "is neither a scenario id nor a scenario file"))


def test_a_lesson_name_too_long_for_the_file_system_is_positioned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = (Path(__file__).resolve().parents[1] / "scenarios" / "ecr-pull-denied.yaml").read_text(encoding="utf-8")
    (tmp_path / "content").mkdir()  # the lesson's folder exists: the long name is what fails
    (tmp_path / "scenarios").mkdir()
    path = tmp_path / "scenarios" / "ecr-pull-denied.yaml"
    path.write_text(re.sub(r"(?m)^lesson: .*$", f"lesson: {LONG}.md", source, count=1), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"lesson '{LONG}.md' is not a file under content/" in out


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_check_time_that_is_not_finite_is_refused_at_its_line(value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """YAML's .nan passed as "greater than or equal to 0" (a wrong reason), .inf as a time no run reaches."""
    source = (Path(__file__).resolve().parents[1] / "scenarios" / "scale-in-cuts-exports.yaml").read_text(encoding="utf-8")
    path = tmp_path / "scale-in-cuts-exports.yaml"
    path.write_text(source.replace("    by: 3600\n", f"    by: {value}\n", 1), encoding="utf-8")
    line = source[: source.index("    by: 3600\n")].count("\n") + 1
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{line}:9: 'by': Input should be a finite number" in out and "greater than" not in out, out


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_a_learners_number_that_is_not_finite_exits_2_at_its_line(value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """JSON, and so every AWS API, has no NaN or infinity: a target value of .nan is bad input."""
    policy = "PolicyName: p\nServiceNamespace: ecs\nResourceId: service/reports/exports\nScalableDimension: ecs:service:DesiredCount\n"
    policy += f"PolicyType: TargetTrackingScaling\nTargetTrackingScalingPolicyConfiguration:\n  TargetValue: {value}\n"
    policy += "  PredefinedMetricSpecification: {PredefinedMetricType: ECSServiceAverageCPUUtilization}\n"
    (tmp_path / "cpu-policy.yaml").write_text(policy, encoding="utf-8")
    assert main(["grade", "scale-in-cuts-exports", "--answer", str(tmp_path), "--no-record"]) == 2
    err = capsys.readouterr().err
    assert err == f"{tmp_path / 'cpu-policy.yaml'}:7:16: invalid value for 'TargetTrackingScalingPolicyConfiguration.TargetValue': Input should be a finite number\n", err


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_a_timeline_time_that_is_not_finite_is_refused_at_its_line(value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = (Path(__file__).resolve().parents[1] / "content" / "sims" / "asg-draining-hook.yaml").read_text(encoding="utf-8")
    path = tmp_path / "doc.yaml"
    path.write_text(source.replace("{at: 120,", f"{{at: {value},", 1), encoding="utf-8")
    assert main(["sim", str(path)]) == 2
    assert capsys.readouterr().err == f"{path}:33:12: 'at': Input should be a finite number\n"


def test_every_model_of_the_lab_refuses_nan_and_infinities() -> None:
    """The rule holds for models added later too: each is built with allow_inf_nan=False."""
    import importlib
    import pkgutil

    from pydantic import BaseModel

    import lab

    for module in pkgutil.walk_packages(lab.__path__, "lab."):
        if not module.name.startswith("lab.tui") and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    models, seen = [], set()
    todo = list(BaseModel.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo += cls.__subclasses__()
        if cls.__module__.startswith("lab.") and not cls.__name__.startswith("_"):
            models.append(cls)
    assert len(models) > 50
    assert [f"{m.__module__}.{m.__qualname__}" for m in models if m.model_config.get("allow_inf_nan") is not False] == []
