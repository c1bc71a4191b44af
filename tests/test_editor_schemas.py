"""Editor schemas (``lab schema``): the shipped files and the schemas agree, and so do schema and loader.

An editor running yaml-language-server checks a file against its schema as the author types;
``lab validate`` checks it with the loader. These tests hold the two to the same answer: every
shipped scenario, question and simulation document (with every starting and solution file)
validates against its schema with the ``jsonschema`` library, and a set of broken files (an
unknown key, a wrong type, a bad enum value) is refused by both. They also check that the
files ``lab start`` and ``lab new`` write name their schema on the first line, that every
loader still reads them, and the ``lab schema`` command.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from lab.cli import main
from lab.config.json_schema import NOT_SIMULATED
from lab.errors import LabError
from lab.practice.bank import Context, load_question
from lab.practice.schemas import editor_schemas
from lab.scenario import editor_schema, kinds
from lab.scenario.loader import load_scenario
from lab.scenario.simdoc import load_sim_document, parse_config_file
from lab.scenario.workspace import read_answer, write_start
from lab.yaml_source import load_path, load_text

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
QUESTIONS = sorted((ROOT / "content/questions").glob("**/*.yaml"))
SIMS = sorted((ROOT / "content/sims").glob("*.yaml"))

_VALIDATORS: dict[str, Draft7Validator] = {}


def validator(name: str) -> Draft7Validator:
    """The validator of one schema (``scenario``, ``question``, ``simulation`` or a kind), built once."""
    if not _VALIDATORS:
        for entry in editor_schemas():
            _VALIDATORS[entry.name] = Draft7Validator(entry.schema)
    return _VALIDATORS[name]


def schema_errors(name: str, data: Any) -> list[str]:
    """What the schema says is wrong with ``data`` (empty: valid)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator(name).iter_errors(data)]


def content_data(content: str | dict[str, Any], name: str) -> Any:
    """A file's content as the loader reads it (text parsed by lab.yaml_source, a mapping as is)."""
    return load_text(content, name).data if isinstance(content, str) else content


# -- the schemas themselves ------------------------------------------------------------------------


def test_every_schema_is_valid_draft_07_with_a_title() -> None:
    entries = editor_schemas()
    assert {e.name for e in entries} == {"scenario", "question", "simulation", *editor_schema.schema_kinds()}
    for entry in entries:
        Draft7Validator.check_schema(entry.schema)
        assert entry.schema["$schema"] == editor_schema.DIALECT
        assert entry.schema["title"] and entry.schema["description"]


def test_every_yaml_file_kind_has_a_schema_and_plain_text_kinds_none() -> None:
    for record in kinds.KINDS:
        schema = editor_schema.kind_schema(record.name)
        assert (schema is None) == record.text, record.name


def test_schemas_carry_descriptions_and_enums_from_the_models() -> None:
    td = editor_schema.kind_schema("task-definition")
    assert td is not None
    network_mode = td["properties"]["networkMode"]
    assert network_mode["enum"] == ["bridge", "host", "awsvpc", "none"]
    assert network_mode["description"]
    # Keys AWS accepts and the lab does not act on are described so, as the loader notes them.
    assert td["properties"]["volumes"]["description"] == NOT_SIMULATED
    scenario = editor_schema.scenario_schema()
    assert scenario["properties"]["briefing"]["description"].startswith("Markdown")
    assert scenario["$defs"]["FileSpec"]["properties"]["kind"]["enum"] == list(kinds.names())


def test_a_check_is_reported_against_its_own_kind() -> None:
    # Discriminated unions (checks by kind, timeline entries by event) are "kind is one of;
    # if X then X's shape", so a mistake is reported against the one model meant.
    scenario = load_path(ROOT / "scenarios/ecr-pull-denied.yaml").data
    checks = editor_schema.scenario_schema()["properties"]["checks"]["items"]
    assert "service-running" in checks["properties"]["kind"]["enum"]
    scenario["checks"][0]["servce"] = "web"
    assert schema_errors("scenario", scenario) == ["checks/0: Additional properties are not allowed ('servce' was unexpected)"]
    timeline = editor_schema.sim_document_schema()["$defs"]["WorldSpec"]["properties"]["timeline"]["items"]
    assert "run-task" in timeline["properties"]["event"]["enum"]


def test_no_ref_has_siblings_draft_07_would_ignore() -> None:
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            assert not ("$ref" in node and len(node) > 1), where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    for entry in editor_schemas():
        walk(entry.schema, entry.name)


# -- every shipped file validates ------------------------------------------------------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenario_and_its_files_validate(path: Path) -> None:
    data = load_path(path).data
    assert schema_errors("scenario", data) == []
    for name, spec in data["files"].items():
        if spec["kind"] in editor_schema.schema_kinds():
            assert schema_errors(spec["kind"], content_data(spec["content"], name)) == [], name
    for name, content in data["solution"].items():
        kind = data["files"][name]["kind"]
        if kind in editor_schema.schema_kinds():
            assert schema_errors(kind, content_data(content, name)) == [], f"solution {name}"


@pytest.mark.parametrize("path", SIMS, ids=lambda p: p.stem)
def test_shipped_simulation_document_and_its_files_validate(path: Path) -> None:
    data = load_path(path).data
    assert schema_errors("simulation", data) == []
    for name, spec in data.get("files", {}).items():
        if spec["kind"] in editor_schema.schema_kinds():
            assert schema_errors(spec["kind"], content_data(spec["content"], name)) == [], name


def test_shipped_questions_validate() -> None:
    assert QUESTIONS
    problems = {str(p.relative_to(ROOT)): schema_errors("question", load_path(p).data) for p in QUESTIONS}
    assert {k: v for k, v in problems.items() if v} == {}


# -- schema and loader agree on broken files -------------------------------------------------------

VALID: dict[str, dict[str, Any]] = {
    "account-setting": {"name": "awsvpcTrunking", "value": "enabled"},
    "event-rule": {
        "Name": "web-capacity",
        "EventPattern": '{"source": ["aws.ecs"], "detail-type": ["ECS Service Action"]}',
        "State": "ENABLED",
        "Targets": [{"Id": "oncall", "Arn": "arn:aws:sns:us-east-1:123456789012:oncall"}],
    },
    "iam-role": {
        "RoleName": "ecsTaskRole",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"},
        },
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
    },
    "security-group": {
        "GroupName": "web",
        "GroupDescription": "web tasks",
        "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0"}],
    },
    "target-group": {"Name": "web", "Protocol": "HTTP", "Port": 80, "TargetType": "instance", "HealthCheckPath": "/health"},
    "load-balancer": {
        "Name": "web-alb",
        "Subnets": ["subnet-0laba", "subnet-0labb"],
        "Listeners": [{
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
            "Rules": [{
                "Priority": 10,
                "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
                "Actions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "web", "Weight": 1}]}}],
            }],
        }],
    },
    "auto-scaling-group": {
        "AutoScalingGroupName": "ecs-asg",
        "MinSize": "1",
        "MaxSize": 4,
        "AvailabilityZones": ["us-east-1a"],
        "LaunchTemplate": {"LaunchTemplateName": "ecs-lt", "Version": "$Latest"},
    },
    "capacity-provider": {
        "name": "cp",
        "autoScalingGroupProvider": {
            "autoScalingGroupArn": "ecs-asg",
            "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
            "managedTerminationProtection": "DISABLED",
        },
    },
    "cluster-capacity-providers": {
        "cluster": "prod",
        "capacityProviders": ["cp"],
        "defaultCapacityProviderStrategy": [{"capacityProvider": "cp", "weight": 1}],
    },
    "task-definition": {
        "family": "web",
        "cpu": 256,
        "memory": "512",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        "containerDefinitions": [{"name": "web", "image": "nginx:1.27", "essential": True, "portMappings": [{"containerPort": 80}]}],
    },
    "service": {"serviceName": "web", "taskDefinition": "web", "desiredCount": 2, "launchType": "EC2"},
    "scalable-target": {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/prod/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 1,
        "MaxCapacity": 4,
    },
    "scaling-policy": {
        "PolicyName": "cpu50",
        "ServiceNamespace": "ecs",
        "ResourceId": "service/prod/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
    },
    "asg-scaling-policy": {
        "AutoScalingGroupName": "ecs-asg",
        "PolicyName": "out",
        "PolicyType": "SimpleScaling",
        "AdjustmentType": "ChangeInCapacity",
        "ScalingAdjustment": 1,
    },
    "metric-alarm": {
        "AlarmName": "high-cpu",
        "MetricName": "CPUReservation",
        "Namespace": "AWS/ECS",
        "Dimensions": [{"Name": "ClusterName", "Value": "prod"}],
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 3,
        "Threshold": 75,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": ["out"],
    },
    "deployment-group": {
        "ApplicationName": "orders",
        "DeploymentGroupName": "orders-dg",
        "ServiceRoleArn": "arn:aws:iam::123456789012:role/CodeDeployRoleForECS",
        "DeploymentStyle": {"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"},
        "ECSServices": [{"ClusterName": "prod", "ServiceName": "orders"}],
        "LoadBalancerInfo": {
            "TargetGroupPairInfoList": [
                {"TargetGroups": [{"Name": "orders-blue"}, {"Name": "orders-green"}], "ProdTrafficRoute": {"ListenerArns": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"]}}
            ]
        },
    },
    "appspec": {
        "version": 0.0,
        "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": "orders:2", "LoadBalancerInfo": {"ContainerName": "orders", "ContainerPort": 8000}}}}],
        "Hooks": [{"AfterAllowTestTraffic": "orders-smoke-test"}],
    },
}
"""A small valid file of every YAML kind (every kind's schema and loader accept it)."""

WRONG_TYPE: dict[str, tuple[tuple[str | int, ...], Any]] = {
    "account-setting": (("value",), ["enabled"]),
    "event-rule": (("Targets",), {"Id": "oncall"}),
    "iam-role": (("ManagedPolicyArns",), "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"),
    "security-group": (("SecurityGroupIngress", 0, "FromPort"), True),
    "target-group": (("HealthCheckEnabled",), "yes"),
    "load-balancer": (("Listeners", 0, "Port"), "eighty"),
    "auto-scaling-group": (("MaxSize",), "four"),
    "capacity-provider": (("autoScalingGroupProvider", "managedScaling", "targetCapacity"), "100%"),
    "cluster-capacity-providers": (("capacityProviders",), "cp"),
    "task-definition": (("containerDefinitions", 0, "essential"), "yes"),
    "service": (("desiredCount",), "two"),
    "scalable-target": (("MinCapacity",), [1]),
    "scaling-policy": (("TargetTrackingScalingPolicyConfiguration", "TargetValue"), "fifty"),
    "asg-scaling-policy": (("ScalingAdjustment",), {"by": 1}),
    "metric-alarm": (("EvaluationPeriods",), [3]),
    "deployment-group": (("ECSServices",), {"ClusterName": "prod", "ServiceName": "orders"}),
    "appspec": (("Hooks",), "AfterAllowTestTraffic"),
}
"""A value of the wrong type for each kind, at a path of its valid file."""

BAD_ENUM: dict[str, tuple[tuple[str | int, ...], Any]] = {
    "account-setting": (("name",), "awsvpcTrunkng"),
    "event-rule": (("State",), "ENABLED_NOW"),
    "iam-role": (("AssumeRolePolicyDocument", "Statement", "Effect"), "Permit"),
    "security-group": None,  # type: ignore[dict-item]  # IpProtocol is free text plus numbers: no enum to break
    "target-group": (("Protocol",), "HTTP2"),
    "load-balancer": (("Scheme",), "public"),
    "auto-scaling-group": None,  # type: ignore[dict-item]
    "capacity-provider": (("autoScalingGroupProvider", "managedTerminationProtection"), "ON"),
    "cluster-capacity-providers": None,  # type: ignore[dict-item]
    "task-definition": (("networkMode",), "vpc"),
    "service": (("launchType",), "SPOT"),
    "scalable-target": (("ScalableDimension",), "ecs:service:Count"),
    "scaling-policy": (("PolicyType",), "PredictiveScaling"),
    "asg-scaling-policy": (("AdjustmentType",), "ChangeCapacity"),
    "metric-alarm": (("ComparisonOperator",), "GreaterThan"),
    "deployment-group": (("DeploymentStyle", "DeploymentType"), "CANARY"),
    "appspec": None,  # type: ignore[dict-item]  # enums sit below the Resources list
}
"""An enum value the kind does not take (None: the kind has no enum at the top levels)."""


def set_at(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


def loader_refuses(kind: str, data: dict[str, Any]) -> bool:
    """Whether the kind's loader refuses the file (refusals AWS makes at the API are collected, not raised)."""
    doc = load_text(yaml.safe_dump(data, sort_keys=False), f"broken.{kind}.yaml")
    try:
        parse_config_file(doc, (), f"{kind}.yaml", kind, collect_refusals=True)
    except LabError:
        return True
    return False


KIND_NAMES = list(VALID)


def test_every_yaml_kind_has_a_valid_example() -> None:
    assert set(KIND_NAMES) == set(editor_schema.schema_kinds())


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_the_valid_example_is_accepted_by_schema_and_loader(kind: str) -> None:
    assert schema_errors(kind, VALID[kind]) == []
    assert not loader_refuses(kind, VALID[kind])


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_an_unknown_key_is_refused_by_schema_and_loader(kind: str) -> None:
    broken = {**VALID[kind], "Colour": "blue"}
    assert schema_errors(kind, broken)
    assert loader_refuses(kind, broken)
    # A misspelt key nested a level down too.
    nested = next(((k, v) for k, v in VALID[kind].items() if isinstance(v, dict)), None)
    if nested is not None:
        broken = set_at(VALID[kind], (nested[0], "Colour"), "blue")
        assert schema_errors(kind, broken)
        assert loader_refuses(kind, broken)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_a_wrong_type_is_refused_by_schema_and_loader(kind: str) -> None:
    path, value = WRONG_TYPE[kind]
    broken = set_at(VALID[kind], path, value)
    assert schema_errors(kind, broken)
    assert loader_refuses(kind, broken)


@pytest.mark.parametrize("kind", [k for k in KIND_NAMES if BAD_ENUM[k] is not None])
def test_a_bad_enum_value_is_refused_by_schema_and_loader(kind: str) -> None:
    path, value = BAD_ENUM[kind]
    broken = set_at(VALID[kind], path, value)
    assert schema_errors(kind, broken)
    assert loader_refuses(kind, broken)


def test_numbers_as_strings_where_the_loader_takes_them() -> None:
    # CloudFormation types an Auto Scaling group's sizes as String; RegisterTaskDefinition's
    # task-level cpu and memory are strings that may be written as integers.
    assert schema_errors("auto-scaling-group", set_at(VALID["auto-scaling-group"], ("MaxSize",), "4")) == []
    assert schema_errors("task-definition", set_at(VALID["task-definition"], ("memory",), 512)) == []
    assert schema_errors("task-definition", set_at(VALID["task-definition"], ("cpu",), "256")) == []


BROKEN_DOCUMENTS: list[tuple[str, tuple[str | int, ...], Any]] = [
    ("unknown key", ("hint",), ["a"]),
    ("wrong type", ("difficulty",), "hard"),
    ("bad enum", ("checks", 0, "kind"), "service-runing"),
    ("unknown file kind", ("files", "service.yaml", "kind"), "ecs-service"),
    ("broken inline content", ("files", "service.yaml", "content"), {"serviceName": "web", "desiredCount": "two"}),
    ("broken world role", ("world", "roles"), [{"RoleName": "ecsInstanceRole"}]),
]


@pytest.mark.parametrize(("what", "path", "value"), BROKEN_DOCUMENTS, ids=[b[0] for b in BROKEN_DOCUMENTS])
def test_a_broken_scenario_is_refused_by_schema_and_loader(what: str, path: tuple[str | int, ...], value: Any, tmp_path: Path) -> None:
    source = ROOT / "scenarios/ecr-pull-denied.yaml"
    data = load_path(source).data
    data.pop("lesson", None)  # the copy has no content/ folder beside it
    assert schema_errors("scenario", data) == []
    broken = set_at(data, path, value)
    assert schema_errors("scenario", broken), what
    target = tmp_path / "scenarios" / source.name
    target.parent.mkdir()
    target.write_text(yaml.safe_dump(broken, sort_keys=False), encoding="utf-8")
    with pytest.raises(LabError):
        load_scenario(target)


@pytest.mark.parametrize(
    ("path", "value"),
    [(("explanation",), "x"), (("difficulty",), 5), (("choose",), "two"), (("exams", "DOP-C02", 0), "D9")],
    ids=["unknown key", "bad enum", "wrong type", "bad domain"],
)
def test_a_broken_question_is_refused_by_schema_and_loader(path: tuple[str | int, ...], value: Any, tmp_path: Path) -> None:
    source = QUESTIONS[0]
    broken = set_at(load_path(source).data, path, value)
    assert schema_errors("question", broken)
    target = tmp_path / source.name
    target.write_text(yaml.safe_dump(broken, sort_keys=False), encoding="utf-8")
    with pytest.raises(LabError):
        load_question(target, Context.default())


# -- the schema line: written by lab start and lab new, read past by every loader ------------------


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_lab_start_writes_the_schema_line_and_the_answer_still_loads(path: Path, tmp_path: Path) -> None:
    loaded = load_scenario(path)
    work = tmp_path / "work"
    write_start(loaded, work)
    for name, spec in loaded.scenario.files.items():
        text = (work / name).read_text(encoding="utf-8")
        if name.endswith((".yaml", ".yml")) and spec.kind in editor_schema.schema_kinds():
            first = text.splitlines()[0]
            assert first == f"# yaml-language-server: $schema=.schemas/{spec.kind}.schema.json"
            schema_path = work / first.split("$schema=", 1)[1]
            # The schema is there, beside the file, and the file as written validates against it.
            schema = json.loads(schema_path.read_text(encoding="utf-8"))
            assert schema == editor_schema.kind_schema(spec.kind)
            assert [e.message for e in Draft7Validator(schema).iter_errors(load_text(text, name).data)] == []
        else:
            assert "yaml-language-server" not in text
    # Every loader reads past the line: the untouched folder is the starting files.
    answer = read_answer(loaded, work)
    assert {name: f.model for name, f in answer.items()} == {
        name: f.model for name, f in loaded.files.items() if not loaded.scenario.files[name].readonly
    }


def test_lab_start_command_writes_the_schemas_and_starts_again_cleanly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["start", "task-role-s3", "--dir", str(tmp_path / "w")]) == 0
    assert sorted(p.name for p in (tmp_path / "w/.schemas").iterdir()) == [
        "iam-role.schema.json", "service.schema.json", "task-definition.schema.json",
    ]
    # Starting again over the untouched folder is no clash.
    assert main(["start", "task-role-s3", "--dir", str(tmp_path / "w")]) == 0
    capsys.readouterr()


def test_lab_start_refuses_a_schemas_file_in_the_way(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "w"
    work.mkdir()
    (work / ".schemas").write_text("mine", encoding="utf-8")
    assert main(["start", "task-role-s3", "--dir", str(work)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ".schemas exists and is not a folder" in err
    assert (work / ".schemas").read_text(encoding="utf-8") == "mine"


def test_lab_new_writes_the_schema_line_and_the_scenario_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "tiny-cluster", "--dir", str(tmp_path / "scenarios")]) == 0
    capsys.readouterr()
    path = tmp_path / "scenarios/tiny-cluster.yaml"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=.schemas/scenario.schema.json"
    schema = json.loads((tmp_path / "scenarios/.schemas/scenario.schema.json").read_text(encoding="utf-8"))
    assert schema == editor_schema.scenario_schema()
    assert [e.message for e in Draft7Validator(schema).iter_errors(load_path(path).data)] == []
    load_scenario(path)  # the loader reads past the line


def test_question_and_simulation_loaders_read_past_a_schema_line(tmp_path: Path) -> None:
    question = tmp_path / QUESTIONS[0].name
    question.write_text(editor_schema.modeline("../.schemas/question.schema.json") + QUESTIONS[0].read_text(encoding="utf-8"), encoding="utf-8")
    assert load_question(question, Context.default()).id == load_question(QUESTIONS[0], Context.default()).id
    sim = tmp_path / SIMS[0].name
    sim.write_text(editor_schema.modeline("simulation.schema.json") + SIMS[0].read_text(encoding="utf-8"), encoding="utf-8")
    assert load_sim_document(sim).spec == load_sim_document(SIMS[0]).spec


# -- lab schema ------------------------------------------------------------------------------------


def test_lab_schema_lists_without_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    for entry in editor_schemas():
        assert entry.file_name in out
    assert "lab schema --out DIR" in out
    assert list(tmp_path.iterdir()) == []


def test_lab_schema_out_writes_every_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "editor" / "schemas"
    assert main(["schema", "--out", str(out_dir)]) == 0
    # Counted, not written down: every new file kind adds one.
    assert f"Wrote {len(editor_schemas())} schemas" in capsys.readouterr().out
    for entry in editor_schemas():
        assert (out_dir / entry.file_name).read_text(encoding="utf-8") == editor_schema.render(entry.schema)
    # Running again replaces them (they are generated).
    assert main(["schema", "--out", str(out_dir)]) == 0


def test_lab_schema_out_a_file_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "schemas.json"
    target.write_text("{}", encoding="utf-8")
    assert main(["schema", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err == f"--out {target}: is a file, not a folder\n"
    assert target.read_text(encoding="utf-8") == "{}"


def test_lab_schema_print_one_and_an_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--print", "task-definition"]) == 0
    assert json.loads(capsys.readouterr().out) == editor_schema.kind_schema("task-definition")
    assert main(["schema", "--print", "ecs-service"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("no schema 'ecs-service' (known: scenario, question")


# -- a property: whatever the schema refuses, the loader refuses -----------------------------------

LAX_NUMBERS = frozenset({"account-setting", "auto-scaling-group", "asg-scaling-policy", "metric-alarm", "deployment-group", "appspec"})
"""Kinds whose loader (a lax pydantic model) takes true/false or a numeric string for a number;
the schema, like the AWS API and the botocore-shaped kinds, does not (it takes the strings only
where CloudFormation types the property as String: an Auto Scaling group's sizes and cooldown).
A known leniency of those loaders, left out of the property below."""


def lax_number(value: Any) -> bool:
    """True/false or a string a lax pydantic model reads as a number."""
    if isinstance(value, bool):
        return True
    try:
        float(value.strip()) if isinstance(value, str) else None
    except ValueError:
        return False
    return isinstance(value, str)

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=5),
    st.sampled_from(["", "x", "ENABLED", "*", "-1", "tcp", "0.0.0.0/0", "1", "sg-0123abcd"]),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "Key"]), st.integers(), max_size=1),
)


def _paths(node: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*path, i))
    return out


def _without(data: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return out


@pytest.mark.parametrize("kind", KIND_NAMES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_what_the_schema_refuses_the_loader_refuses(kind: str, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(_paths(VALID[kind])), label="path")
    if data.draw(st.booleans(), label="delete") and isinstance(path[-1], str):
        broken = _without(VALID[kind], path)
    else:
        value = data.draw(VALUES, label="value")
        assume(not (kind in LAX_NUMBERS and lax_number(value)))
        broken = set_at(VALID[kind], path, value)
    if schema_errors(kind, broken):
        assert loader_refuses(kind, broken), schema_errors(kind, broken)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_deleting_any_key_gets_the_same_answer_from_schema_and_loader(kind: str) -> None:
    for path in _paths(VALID[kind]):
        if isinstance(path[-1], str):
            broken = _without(VALID[kind], path)
            assert bool(schema_errors(kind, broken)) == loader_refuses(kind, broken), path
