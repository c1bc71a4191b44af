"""The hostile-input suite (issue 18): what a learner's file or a command line can hold never
hijacks a terminal or a CI log, never hangs, never leaks, and is never an internal error."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from lab.cli import main
from lab.errors import Diagnostic
from lab.grading.render import render_github, render_json, render_junit, render_text
from lab.grading.report import CheckResult, Report, SeedResult

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
