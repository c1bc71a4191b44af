"""Behaviour tests for ``lab sim``: the shipped examples, determinism and bad input.

Bad input must exit 2 with ``file:line:col: message`` (or one line naming the file for
file-level problems) on stderr and never a traceback; positions inside a ``content: |``
block map back to the document's own lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "content" / "sims"
STATIC_PORT = EXAMPLES / "static-host-port.yaml"
ECR_DENIED = EXAMPLES / "ecr-pull-denied.yaml"

INSTANCE_ROLE = """\
  roles:
    - RoleName: ecsInstanceRole
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}
"""


def lab(*args: str, cwd: Path | None = None, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    """Run ``python -m lab`` in a fresh interpreter with a fixed PYTHONHASHSEED."""
    env = {k: v for k, v in os.environ.items() if k != "LAB_DEBUG"}
    env["PYTHONHASHSEED"] = hash_seed
    return subprocess.run(
        [sys.executable, "-m", "lab", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120, check=False
    )


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``lab.cli.main`` in-process; return (exit code, stdout, stderr)."""
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- the shipped examples ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "needles"),
    [
        pytest.param(ECR_DENIED, ["CannotPullContainerError", "TaskFailedToStart"], id="ecr-pull-denied"),
        pytest.param(STATIC_PORT, ["RESOURCE:PORTS", "The closest matching"], id="static-host-port"),
    ],
)
def test_shipped_examples_run(capsys, path, needles):
    """Each shipped example runs to the end, exits 0 and shows the failure it was written to show."""
    code, out, err = run_main(capsys, "sim", str(path))
    assert code == 0, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in out
    assert out.splitlines()[-1].startswith("-- ") and ", seed 1, simulated 120 s --" in out.splitlines()[-1]


def test_json_log_is_byte_identical_under_different_hash_seeds():
    """`lab sim --json` prints the same bytes in two interpreters with different PYTHONHASHSEED values."""
    first = lab("sim", str(STATIC_PORT), "--json", hash_seed="1")
    second = lab("sim", str(STATIC_PORT), "--json", hash_seed="4242")
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert first.stdout.count("\n") > 10
    assert first.stdout == second.stdout


def test_a_different_seed_gives_a_different_log(capsys):
    """`--seed` changes the random choices, so the JSON log differs from the document's default seed."""
    code_a, default, _ = run_main(capsys, "sim", str(STATIC_PORT), "--json")
    code_b, seeded, _ = run_main(capsys, "sim", str(STATIC_PORT), "--json", "--seed", "2")
    code_c, again, _ = run_main(capsys, "sim", str(STATIC_PORT), "--json", "--seed", "2")
    assert (code_a, code_b, code_c) == (0, 0, 0)
    assert default != seeded
    assert seeded == again


# -- bad input ----------------------------------------------------------------------------------

BROKEN_YAML = """\
world:
  cluster: {name: prod
  instances: []
"""

UNKNOWN_WORLD_KEY = """\
world:
  cluster: {name: prod}
  instnces:
    - {count: 1, type: t3.medium}
"""

WRONG_TYPE = """\
world:
  instances:
    - count: many
      type: t3.medium
"""

UNKNOWN_CONTAINER_KEY = """\
world:
  instances:
    - {count: 1, type: t3.medium}
""" + INSTANCE_ROLE + """\
files:
  td.yaml:
    kind: task-definition
    content: |
      family: web
      containerDefinitions:
        - name: web
          image: nginx:1.27
          memoryReservaton: 256
"""

FARGATE_WITHOUT_EXECUTION_ROLE = """\
files:
  td.yaml:
    kind: task-definition
    content: |
      family: web
      networkMode: awsvpc
      requiresCompatibilities: [FARGATE]
      cpu: "256"
      memory: "512"
      containerDefinitions:
        - name: web
          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0
"""

UNKNOWN_INSTANCE_TYPE = """\
world:
  instances:
    - {count: 1, type: t3.gigantic}
""" + INSTANCE_ROLE

UNKNOWN_INSTANCE_TYPE_ON_TIMELINE = """\
world:
""" + INSTANCE_ROLE + """\
  timeline:
    - {at: 100, event: add-instances, count: 1, type: t3.gigantic}
"""

UNKNOWN_BASE_IMAGE_ON_TIMELINE = """\
world:
""" + INSTANCE_ROLE + """\
  timeline:
    - {at: 100, event: push-image, image: {repository: web, base: python-9}}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            UNKNOWN_WORLD_KEY,
            "doc.yaml:3:3: unknown key 'instnces'; did you mean 'instances'?",
            id="unknown-world-key",
        ),
        pytest.param(
            WRONG_TYPE,
            "doc.yaml:3:14: 'count': Input should be a valid integer, unable to parse string as an integer",
            id="wrong-type",
        ),
        pytest.param(
            UNKNOWN_CONTAINER_KEY,
            "doc.yaml:18:11: unknown key 'memoryReservaton' in containerDefinitions[0]; did you mean 'memoryReservation'?",
            id="unknown-key-inside-content-block",
        ),
        pytest.param(
            FARGATE_WITHOUT_EXECUTION_ROLE,
            "doc.yaml:12:18: ClientException: Fargate requires task definition to have execution role ARN to support ECR images.",
            id="fargate-ecr-without-execution-role",
        ),
    ],
)
def test_bad_document_reports_file_line_col(capsys, tmp_path, monkeypatch, text, expected):
    """A document with a schema or registration problem exits 2 with exactly one `file:line:col: message` line."""
    monkeypatch.chdir(tmp_path)
    Path("doc.yaml").write_text(text, encoding="utf-8")
    code, out, err = run_main(capsys, "sim", "doc.yaml")
    assert (code, out) == (2, "")
    assert err.splitlines() == [expected]


def test_broken_yaml_reports_where_the_parser_stopped(capsys, tmp_path, monkeypatch):
    """YAML that does not parse exits 2 with the parser's position and problem."""
    monkeypatch.chdir(tmp_path)
    Path("doc.yaml").write_text(BROKEN_YAML, encoding="utf-8")
    code, out, err = run_main(capsys, "sim", "doc.yaml")
    assert (code, out) == (2, "")
    assert err.splitlines() == ["doc.yaml:3:12: expected ',' or '}', but got ':' (while parsing a flow mapping)"]


def _write_not_utf8(path: Path) -> None:
    path.write_bytes(b"world:\n  cluster: {name: caf\xe9}\n")


def _write_too_big(path: Path) -> None:
    path.write_text("description: |\n" + ("  " + "x" * 100 + "\n") * 11_000, encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        pytest.param("missing.yaml", None, "missing.yaml: no such file", id="missing-file"),
        pytest.param("adir", Path.mkdir, "adir: is a directory, expected a file", id="directory"),
        pytest.param("latin1.yaml", _write_not_utf8, "latin1.yaml: not UTF-8 text (byte 28)", id="not-utf8"),
        pytest.param("big.yaml", _write_too_big, "big.yaml: file is larger than the 1024 KiB limit", id="over-1-MiB"),
    ],
)
def test_unreadable_file_reports_one_line(capsys, tmp_path, monkeypatch, name, make, expected):
    """A file that cannot be read as a document exits 2 with one line naming the file."""
    monkeypatch.chdir(tmp_path)
    if make is not None:
        make(Path(name))
    code, out, err = run_main(capsys, "sim", name)
    assert (code, out) == (2, "")
    assert err.splitlines() == [expected]


def test_unknown_instance_type_is_refused_in_one_line(capsys, tmp_path, monkeypatch):
    """An instance type the catalogue does not know exits 2 with one line naming the file and the type."""
    monkeypatch.chdir(tmp_path)
    Path("doc.yaml").write_text(UNKNOWN_INSTANCE_TYPE, encoding="utf-8")
    code, out, err = run_main(capsys, "sim", "doc.yaml")
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    assert line.startswith("doc.yaml")
    assert "unknown instance type 't3.gigantic'" in line


def test_unknown_instance_type_is_positioned(capsys, tmp_path, monkeypatch):
    """An unknown instance type in world.instances is reported at its line (3) like every other schema problem."""
    monkeypatch.chdir(tmp_path)
    Path("doc.yaml").write_text(UNKNOWN_INSTANCE_TYPE, encoding="utf-8")
    code, _, err = run_main(capsys, "sim", "doc.yaml")
    assert code == 2
    assert err.startswith("doc.yaml:3:")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param(UNKNOWN_INSTANCE_TYPE_ON_TIMELINE, "unknown instance type 't3.gigantic'", id="add-instances"),
        pytest.param(UNKNOWN_BASE_IMAGE_ON_TIMELINE, "unknown base image 'python-9'", id="push-image"),
    ],
)
def test_unknown_catalogue_names_on_the_timeline_are_refused_at_load(capsys, tmp_path, monkeypatch, text, problem):
    """A timeline entry naming an unknown instance type or base image is refused at load, with its position, even if the run stops earlier."""
    monkeypatch.chdir(tmp_path)
    Path("doc.yaml").write_text(text, encoding="utf-8")
    code, out, err = run_main(capsys, "sim", "doc.yaml", "--until", "50")
    assert (code, out) == (2, "")
    assert err.startswith("doc.yaml:9:")
    assert problem in err


def test_non_positive_until_is_a_usage_error(capsys):
    """`--until 0` exits 2 with one line and prints no log."""
    code, out, err = run_main(capsys, "sim", str(STATIC_PORT), "--until", "0")
    assert (code, out) == (2, "")
    assert err.splitlines() == ["--until must be a positive number of seconds, at most 604800 (7 days, the longest run) (got 0)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(BROKEN_YAML, "doc.yaml:3:12: ", id="broken-yaml"),
        pytest.param(UNKNOWN_CONTAINER_KEY, "doc.yaml:18:11: ", id="content-block"),
    ],
)
def test_bad_input_never_prints_a_traceback_from_the_command(tmp_path, text, expected):
    """Run as a real command, bad input exits 2 with the positioned line and no traceback."""
    (tmp_path / "doc.yaml").write_text(text, encoding="utf-8")
    result = lab("sim", "doc.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(expected)
    assert len(result.stderr.splitlines()) == 1
