"""Tests for lab.config.shapes: the strict, positioned AWS shape validator."""

from __future__ import annotations

import pytest

from lab.config.shapes import check_shape, describe_path, load_shapes, strip_unmodelled
from lab.config.task_definition import TASK_DEFINITION_MODELLED, parse_task_definition
from tests.config.support import at, doc, failures, position

TD = "ecs.RegisterTaskDefinitionRequest"

FARGATE_WEB_APP = """\
{
  "family": "webapp",
  "taskRoleArn": "arn:aws:iam::123456789012:role/webapp-task",
  "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
  "networkMode": "awsvpc",
  "requiresCompatibilities": ["FARGATE"],
  "cpu": "512",
  "memory": "1024",
  "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"},
  "ephemeralStorage": {"sizeInGiB": 30},
  "volumes": [
    {"name": "scratch"},
    {
      "name": "shared-data",
      "efsVolumeConfiguration": {
        "fileSystemId": "fs-0123456789abcdef0",
        "rootDirectory": "/",
        "transitEncryption": "ENABLED",
        "authorizationConfig": {"accessPointId": "fsap-0123456789abcdef0", "iam": "ENABLED"}
      }
    }
  ],
  "containerDefinitions": [
    {
      "name": "web",
      "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
      "essential": true,
      "cpu": 448,
      "memoryReservation": 768,
      "portMappings": [
        {"containerPort": 8080, "hostPort": 8080, "protocol": "tcp", "name": "http", "appProtocol": "http"}
      ],
      "environment": [{"name": "PORT", "value": "8080"}, {"name": "LOG_LEVEL", "value": "info"}],
      "secrets": [
        {"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf"},
        {"name": "API_KEY", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/prod/api-key"}
      ],
      "mountPoints": [
        {"sourceVolume": "scratch", "containerPath": "/tmp/scratch", "readOnly": false},
        {"sourceVolume": "shared-data", "containerPath": "/srv/data", "readOnly": true}
      ],
      "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
      "linuxParameters": {"initProcessEnabled": true, "capabilities": {"drop": ["NET_RAW"]}},
      "healthCheck": {
        "command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"],
        "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60
      },
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/ecs/webapp", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}
      },
      "dependsOn": [{"containerName": "xray", "condition": "START"}],
      "readonlyRootFilesystem": true,
      "stopTimeout": 60
    },
    {
      "name": "xray",
      "image": "public.ecr.aws/xray/aws-xray-daemon:3.3.7",
      "essential": false,
      "cpu": 32,
      "memoryReservation": 128,
      "portMappings": [{"containerPort": 2000, "protocol": "udp"}],
      "logConfiguration": {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/ecs/webapp", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "xray"}
      }
    }
  ],
  "tags": [{"key": "team", "value": "web"}]
}
"""

EC2_BRIDGE_WORDPRESS = """\
family: wordpress
networkMode: bridge
requiresCompatibilities: [EC2]
taskRoleArn: wordpress-task
containerDefinitions:
  - name: wordpress
    image: wordpress:6.5-apache
    cpu: 512
    memory: 512
    memoryReservation: 256
    essential: true
    links: [mysql]
    portMappings:
      - containerPort: 80
        hostPort: 0
        protocol: tcp
    environment:
      - {name: WORDPRESS_DB_HOST, value: mysql}
      - {name: WORDPRESS_DB_USER, value: wordpress}
    mountPoints:
      - sourceVolume: wp-content
        containerPath: /var/www/html/wp-content
    dockerLabels:
      com.example.team: blog
      com.example.tier: frontend
    logConfiguration:
      logDriver: json-file
      options: {max-size: 10m, max-file: "3"}
    dependsOn:
      - {containerName: mysql, condition: START}
  - name: mysql
    image: mysql:8.0
    cpu: 512
    memory: 1024
    essential: true
    command: ["--default-authentication-plugin=mysql_native_password"]
    environment:
      - {name: MYSQL_DATABASE, value: wordpress}
    mountPoints:
      - {sourceVolume: mysql-data, containerPath: /var/lib/mysql}
    ulimits:
      - {name: nofile, softLimit: 10240, hardLimit: 10240}
    dockerLabels:
      com.example.team: blog
volumes:
  - name: wp-content
    host: {sourcePath: /ecs/wp-content}
  - name: mysql-data
    dockerVolumeConfiguration: {scope: shared, autoprovision: true, driver: local}
placementConstraints:
  - type: memberOf
    expression: attribute:ecs.instance-type =~ t3.*
"""

CLOUDFORMATION_STYLE_EC2_AWSVPC = """\
family: api
networkMode: awsvpc
requiresCompatibilities: [EC2]
cpu: 1024
memory: 2048
containerDefinitions:
  - name: api
    image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api@sha256:94afd1f2e64d908bc90dbca0035a5b567e5a4b1b8e0d3e5d5c5b5a5f5e5d5c5b
    portMappings: [{containerPort: 3000}]
    systemControls: [{namespace: net.core.somaxconn, value: "1024"}]
    stopTimeout: 300
"""


def check(text: str, shape: str = TD, modelled: frozenset[str] = TASK_DEFINITION_MODELLED):
    """Run check_shape over the whole document."""
    loaded = doc(text)
    return check_shape(loaded, (), loaded.data, shape, modelled=modelled)


@pytest.mark.parametrize(
    "text",
    [FARGATE_WEB_APP, EC2_BRIDGE_WORDPRESS, CLOUDFORMATION_STYLE_EC2_AWSVPC],
    ids=["fargate-web-app", "ec2-bridge-wordpress", "cloudformation-style-ec2-awsvpc"],
)
def test_realistic_task_definitions_load_with_notes_and_no_errors(text: str) -> None:
    """Full task definitions in the AWS documentation's style register, with "not simulated" notes."""
    parsed = parse_task_definition(doc(text))
    assert parsed.notes
    assert all(n.severity == "note" and n.message.endswith("is accepted but not simulated") for n in parsed.notes)


def test_fargate_example_notes_name_each_unmodelled_path_once() -> None:
    """The Fargate example's notes cover volumes, mount points, ulimits and Linux parameters, once each."""
    parsed = parse_task_definition(doc(FARGATE_WEB_APP))
    noted = [n.message.split("'")[1] for n in parsed.notes]
    assert len(noted) == len(set(noted))
    for path in (
        "volumes",
        "containerDefinitions[].mountPoints",
        "containerDefinitions[].ulimits",
        "containerDefinitions[].linuxParameters",
        "runtimePlatform",
        "tags",
    ):
        assert path in noted
    # A port mapping's name is modelled: Service Connect's portName refers to it (§14.2).
    assert "containerDefinitions[].environment" not in noted and "containerDefinitions[].portMappings[].name" not in noted


def test_unknown_key_is_reported_at_the_key_with_did_you_mean() -> None:
    """A misspelt key is an error at the key's line:col, suggesting the real key."""
    text = "family: web\ncontainerDefinitions:\n  - name: web\n    image: nginx\n    memoryReservaton: 128\n"
    errors, _ = check(text)
    assert len(errors) == 1
    assert (
        errors[0].message
        == "unknown key 'memoryReservaton' in containerDefinitions[0]; did you mean 'memoryReservation'?"
    )
    assert position(errors[0]) == at(text, "memoryReservaton")


def test_unknown_key_without_close_match_lists_the_allowed_keys() -> None:
    """When nothing is close and few keys are allowed, the message lists them."""
    text = "family: web\ncontainerDefinitions:\n  - name: web\n    image: nginx\n    portMappings: [{zzz: 1}]\n"
    errors, _ = check(text)
    assert errors[0].message == (
        "unknown key 'zzz' in containerDefinitions[0].portMappings[0]; "
        "allowed keys: appProtocol, containerPort, containerPortRange, hostPort, name, protocol"
    )


def test_unknown_key_among_many_points_to_the_api_reference() -> None:
    """When nothing is close and many keys are allowed, the message names the shape to look up."""
    errors, _ = check("family: web\ncontainerDefinitions: [{name: a, image: b, qqqqqq: 1}]\n")
    assert "see ContainerDefinition in the AWS API reference" in errors[0].message


def test_wrong_type_names_expected_and_actual() -> None:
    """A string where an integer belongs is an error at the value."""
    text = "family: web\ncontainerDefinitions:\n  - name: web\n    image: nginx\n    memory: '512'\n"
    errors, _ = check(text)
    assert [e.message for e in errors] == ["expected an integer for 'memory', got a string"]
    assert position(errors[0]) == at(text, "'512'")


def test_boolean_is_not_an_integer() -> None:
    """``true`` is refused where an integer is expected."""
    errors, _ = check("family: web\ncontainerDefinitions: [{name: a, image: b, cpu: true}]\n")
    assert [e.message for e in errors] == ["expected an integer for 'cpu', got a boolean"]


def test_null_is_a_wrong_type() -> None:
    """An empty YAML value (null) is not taken as absent."""
    errors, _ = check("family: web\ncontainerDefinitions: [{name: a, image: b, memory: }]\n")
    assert [e.message for e in errors] == ["expected an integer for 'memory', got null"]


def test_task_level_cpu_and_memory_may_be_integers() -> None:
    """Task-level cpu/memory are strings in the API but integers are accepted, CloudFormation-style."""
    errors, _ = check("family: web\ncpu: 256\nmemory: 512\ncontainerDefinitions: [{name: a, image: b}]\n")
    assert errors == []


def test_other_string_fields_refuse_integers() -> None:
    """Only the task-level cpu and memory get the integer leniency."""
    errors, _ = check("family: 123\ncontainerDefinitions: [{name: a, image: b}]\n")
    assert [e.message for e in errors] == ["expected a string for 'family', got an integer"]


def test_integer_is_accepted_where_a_double_is_expected() -> None:
    """A whole number satisfies a double-typed field (TargetValue of a scaling policy)."""
    text = (
        "PolicyName: cpu50\nServiceNamespace: ecs\nResourceId: service/prod/web\n"
        "ScalableDimension: ecs:service:DesiredCount\nPolicyType: TargetTrackingScaling\n"
        "TargetTrackingScalingPolicyConfiguration:\n  TargetValue: 50\n"
        "  PredefinedMetricSpecification: {PredefinedMetricType: ECSServiceAverageCPUUtilization}\n"
    )
    errors, _ = check(text, "application-autoscaling.PutScalingPolicyRequest", frozenset())
    assert errors == []


def test_bad_enum_value_is_case_sensitive_with_suggestion() -> None:
    """``ec2`` is not ``EC2``: the error lists the allowed values and suggests the right case."""
    text = "family: web\nrequiresCompatibilities: [ec2]\ncontainerDefinitions: [{name: a, image: b}]\n"
    errors, _ = check(text)
    assert [e.message for e in errors] == [
        "invalid value 'ec2' for 'requiresCompatibilities[0]'; expected one of EC2, FARGATE, EXTERNAL, "
        "MANAGED_INSTANCES; did you mean 'EC2'?"
    ]
    assert position(errors[0]) == at(text, "ec2")


def test_distinct_instance_is_refused_in_a_task_definition() -> None:
    """Task-definition placement constraints only allow ``memberOf``."""
    text = (
        "family: web\nplacementConstraints: [{type: distinctInstance}]\ncontainerDefinitions: [{name: a, image: b}]\n"
    )
    errors, _ = check(text)
    assert [e.message for e in errors] == ["invalid value 'distinctInstance' for 'type'; expected one of memberOf"]


def test_missing_required_key_is_reported_at_the_parent() -> None:
    """A container without a name is an error located at that container."""
    text = "family: web\ncontainerDefinitions:\n  - image: nginx\n    memory: 128\n"
    errors, _ = check(text)
    assert [e.message for e in errors] == ["missing required key 'name' in containerDefinitions[0]"]
    assert position(errors[0]) == at(text, "image")


def test_missing_required_top_level_key() -> None:
    """A task definition without containers says so at the top level."""
    errors, _ = check("family: web\n")
    assert [e.message for e in errors] == ["missing required key 'containerDefinitions' at the top level"]


def test_misspelt_required_key_is_one_error_not_two() -> None:
    """``famly`` gives a did-you-mean, not also a missing-'family' error."""
    errors, _ = check("famly: web\ncontainerDefinitions: [{name: a, image: b}]\n")
    assert [e.message for e in errors] == ["unknown key 'famly' at the top level; did you mean 'family'?"]


def test_numeric_minimum_and_maximum() -> None:
    """Values outside the model's min/max are errors (managed scaling target capacity 1-100)."""
    text = (
        "name: cp\nautoScalingGroupProvider:\n  autoScalingGroupArn: arn:aws:autoscaling:x\n"
        "  managedScaling: {targetCapacity: 0, maximumScalingStepSize: 10001}\n"
    )
    errors, _ = check(text, "ecs.CreateCapacityProviderRequest", frozenset())
    assert [e.message for e in errors] == [
        "'targetCapacity' must be at least 1, got 0",
        "'maximumScalingStepSize' must be at most 10000, got 10001",
    ]


def test_many_errors_are_reported_in_one_pass() -> None:
    """Every problem in the file comes back at once, not just the first."""
    text = (
        "famly: web\ncontainerDefinitions:\n  - {name: a, image: b, cpu: x}\n  - {name: c, image: d, essental: true}\n"
    )
    errors, _ = check(text)
    assert len(errors) == 3


def test_not_simulated_note_points_at_the_key_once_per_path() -> None:
    """An unmodelled key gets one note per distinct path, at the first key."""
    text = (
        "family: web\nvolumes: []\ncontainerDefinitions:\n"
        "  - {name: a, image: b, memory: 64, links: [c]}\n"
        "  - {name: c, image: d, memory: 64, links: [a]}\n"
    )
    errors, notes = check(text)
    assert errors == []
    assert [n.message for n in notes] == [
        "'volumes' is accepted but not simulated",
        "'containerDefinitions[].links' is accepted but not simulated",
    ]
    assert all(n.severity == "note" for n in notes)
    assert position(notes[0]) == at(text, "volumes")
    assert position(notes[1]) == at(text, "links")


def test_modelled_leaf_is_opaque() -> None:
    """Keys inside a modelled leaf (healthCheck) get no notes of their own."""
    text = "family: web\ncontainerDefinitions: [{name: a, image: b, memory: 64, healthCheck: {command: [CMD, x], startPeriod: 5}}]\n"
    _, notes = check(text)
    assert notes == []


def test_strip_unmodelled_keeps_modelled_paths_only() -> None:
    """Unmodelled keys are dropped; modelled leaves are kept whole."""
    data = {
        "family": "f",
        "volumes": [],
        "containerDefinitions": [{"name": "a", "links": [], "healthCheck": {"command": ["x"]}}],
    }
    assert strip_unmodelled(data, TASK_DEFINITION_MODELLED) == {
        "family": "f",
        "containerDefinitions": [{"name": "a", "healthCheck": {"command": ["x"]}}],
    }


def test_describe_path_renders_indexes() -> None:
    """Paths print as learners write them."""
    assert describe_path(("containerDefinitions", 0, "portMappings", 1, "hostPort")) == (
        "containerDefinitions[0].portMappings[1].hostPort"
    )


def test_shape_data_has_every_root() -> None:
    """The committed data holds all eight input shapes the lab reads."""
    roots = load_shapes()["roots"]
    assert len(roots) == 8
    assert all(root in load_shapes()["shapes"] for root in roots)


def test_errors_are_positioned_in_embedded_root() -> None:
    """A task definition nested in a bigger file is checked at its own path."""
    text = "world:\n  taskdef:\n    family: web\n    containerDefinitions: [{name: a, image: b, cpuu: 1}]\n"
    loaded = doc(text)
    errors, _ = check_shape(loaded, ("world", "taskdef"), loaded.get(("world", "taskdef")), TD, modelled=frozenset())
    assert errors[0].message.startswith("unknown key 'cpuu' in containerDefinitions[0]")
    assert position(errors[0]) == at(text, "cpuu")


def test_parse_task_definition_raises_all_shape_errors() -> None:
    """parse_task_definition refuses a file with shape errors, listing each."""
    found = failures(parse_task_definition, "famly: web\ncontainerDefinitions: [{name: a, image: b, cpu: x}]\n")
    assert len(found) == 2
