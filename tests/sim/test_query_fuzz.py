"""The cluster query language fuzzed: any text parses or is refused with a position, never a crash.

Two levels: ``parse`` itself (an ``Expression`` or a ``QueryError`` with an offset inside the
text, whose copy built from its args — as simpy re-raises an exception out of a process —
is the same error), and the learner's path (a service file's ``memberOf`` expression graded
with ``lab grade --answer``: exit 0 or 1 when it parses, exit 2 with ``file:line:col:
message`` when it does not, never an internal error).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lab.cli import main
from lab.sim.query import Expression, QueryError, parse

TOKENS = (
    "attribute:ecs.instance-type", "attribute:ecs.availability-zone", "attribute:stack", "attribute:",
    "agentConnected", "agentVersion", "ec2InstanceId", "registeredAt", "runningTasksCount", "task:group",
    "==", "!=", "=~", "!~", ">", ">=", "<", "<=", "in", "!in", "not in", "exists", "!exists",
    "and", "or", "not", "!", "&&", "||", "(", ")", "[", "]", ",", "'", '"', "\\",
    "t2.*", "m5.large", "us-east-1a", "true", "1.2.0", "2018-06-18", "2018-06-18T22:28:28Z", "3", "-1",
    "a{99999999999}", "(?i)", "[a-", "*", "service:web", "",
)

# Text made of the language's own words reaches deeper into the parser than random characters.
token_soup = st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join)
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)
expressions = st.one_of(token_soup, any_text)


@settings(max_examples=600, deadline=None)
@given(expressions)
@example("attribute:ecs.instance-type =~ t2.*(")
@example("attribute:a =~ a{99999999999}")
@example("(" * 200 + "attribute:a == b" + ")" * 200)
@example("x")
def test_any_text_parses_or_raises_a_positioned_query_error(text: str) -> None:
    try:
        parsed = parse(text)
    except QueryError as exc:
        assert exc.message and str(exc) == exc.message
        assert 0 <= exc.offset <= len(text), (text, exc.offset)
        copy = type(exc)(*exc.args)  # what simpy raises when an error leaves a process
        assert (copy.message, copy.offset, copy.expression) == (exc.message, exc.offset, exc.expression)
    else:
        assert isinstance(parsed, Expression)


SCENARIO = """\
id: member-of
title: memberOf in a service file
topics: [placement]
difficulty: 1
minutes: 5
briefing: b
world:
  cluster: {name: prod}
  instances:
    - {count: 1, type: m5.large, azs: [us-east-1a], role: ecsInstanceRole, attributes: {stack: prod}}
  registry:
    - {repository: web, tag: "1", size_mb: 50}
  roles:
    - RoleName: ecsInstanceRole
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role
files:
  task-definition.yaml:
    kind: task-definition
    content:
      family: web
      containerDefinitions:
        - {name: web, image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1, memory: 128}
  service.yaml:
    kind: service
    content: {serviceName: web, taskDefinition: web, desiredCount: 2, launchType: EC2}
run: {duration: 60, seeds: [1]}
checks:
  - {id: running, kind: service-running, service: web, count: 1, by: 60}
solution:
  service.yaml: {serviceName: web, taskDefinition: web, desiredCount: 1, launchType: EC2}
debrief: d
"""

POSITIONED = re.compile(r"^.+:\d+:\d+: \S")


def _grade_with(expression: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "member-of.yaml").write_text(SCENARIO, encoding="utf-8")
        answer = root / "answer"
        answer.mkdir()
        service = {
            "serviceName": "web", "taskDefinition": "web", "desiredCount": 1, "launchType": "EC2",
            "placementConstraints": [{"type": "memberOf", "expression": expression}],
        }
        (answer / "service.yaml").write_text(yaml.safe_dump(service, allow_unicode=True), encoding="utf-8")
        code = main(["grade", str(root / "member-of.yaml"), "--answer", str(answer)])
    return code, capsys.readouterr().err


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expression=expressions)
@example(expression="attribute:ecs.instance-type =~ t2.*(")
@example(expression="x")
@example(expression="attribute:a =~ a{99999999999}")
def test_lab_grade_never_crashes_on_a_member_of_expression(expression: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _grade_with(expression, capsys)
    assert code in (0, 1, 2), err
    if code == 2:
        lines = err.strip().splitlines()
        assert lines and all(POSITIONED.match(line) for line in lines), err


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("attribute:ecs.instance-type =~ t2.*(", "invalid regular expression 't2.*('"),
        ("x", "unknown subject 'x' at offset 0"),
        ("attribute:a =~ a{99999999999}", "the repetition number is too large"),
    ],
)
def test_a_malformed_expression_is_exit_2_at_the_expression_line(
    expression: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _grade_with(expression, capsys)
    assert code == 2, err
    assert re.match(r"^\S+/service\.yaml:\d+:\d+: placementConstraints\[0\]\.expression: ", err), err
    assert message in err
    assert "internal error" not in err


def test_a_well_formed_expression_grades(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _grade_with("attribute:stack == prod", capsys)
    assert code == 0, err
    code, err = _grade_with("attribute:stack == test", capsys)
    assert code == 1, err


def test_lab_validate_names_the_position_of_a_malformed_starting_expression(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SCENARIO.replace(
        "content: {serviceName: web, taskDefinition: web, desiredCount: 2, launchType: EC2}",
        'content: {serviceName: web, taskDefinition: web, desiredCount: 2, launchType: EC2, '
        'placementConstraints: [{type: memberOf, expression: "attribute:stack =~ ("}]}',
    )
    path = tmp_path / "member-of.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["validate", str(path)])
    err = capsys.readouterr()
    assert code in (1, 2), err
    assert f"{path}:30:140: placementConstraints[0].expression: " in err.out + err.err
    assert "internal error" not in err.out + err.err
