"""Tests for lab.config.task_definition: the model, cpu/memory parsing and registration rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import lab.config.task_definition as task_definition
from lab.config.task_definition import parse_cpu_units, parse_memory_mib, parse_task_definition, registration_errors
from lab.errors import SourceErrors
from tests.config.support import at, doc, failures, only, position

FARGATE = """\
family: web
requiresCompatibilities: [FARGATE]
networkMode: awsvpc
cpu: "256"
memory: "512"
executionRoleArn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole
containerDefinitions:
  - name: web
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2
    portMappings:
      - containerPort: 8080
"""

EC2 = """\
family: web
containerDefinitions:
  - name: web
    image: nginx:1.27
    memory: 256
    portMappings:
      - containerPort: 80
        hostPort: 8080
"""


def refusal(text: str) -> tuple[str, tuple[int, int]]:
    """Return the single registration refusal of ``text``: its message and position."""
    found = only(parse_task_definition, text)
    return found.message, position(found)


def load(text: str):
    """Parse ``text`` and return the task definition model."""
    return parse_task_definition(doc(text)).task_definition


# --- parsing and defaults ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("256", 256),
        (256, 256),
        ("1024", 1024),
        ("1 vCPU", 1024),
        ("1 vcpu", 1024),
        ("0.25 vcpu", 256),
        ("2vCPU", 2048),
        ("0.125 vCPU", 128),
    ],
)
def test_cpu_text_converts_to_units(text: str | int, units: int) -> None:
    """Task cpu is CPU units or vCPUs × 1024, as RegisterTaskDefinition converts it."""
    assert parse_cpu_units(text) == units


@pytest.mark.parametrize(
    ("text", "mib"),
    [("512", 512), (512, 512), ("1 GB", 1024), ("2GB", 2048), ("0.5 gb", 512), ("1.5 GB", 1536)],
)
def test_memory_text_converts_to_mib(text: str | int, mib: int) -> None:
    """Task memory is MiB or GB × 1024, as RegisterTaskDefinition converts it."""
    assert parse_memory_mib(text) == mib


@pytest.mark.parametrize("text", ["", "lots", "0", "-256", "0.3 vcpu", "1 GB", "1.5", True])
def test_bad_cpu_text_is_refused(text: str) -> None:
    """Unparseable, fractional-unit or non-positive cpu values raise ValueError."""
    with pytest.raises(ValueError):
        parse_cpu_units(text)


def test_defaults_follow_the_api() -> None:
    """Omitted fields take the ECS defaults: bridge, essential, cpu 0, tcp, health check 30/5/3."""
    td = load(EC2.replace("    memory: 256\n", "    memory: 256\n    healthCheck: {command: [CMD-SHELL, 'true']}\n"))
    web = td.container("web")
    assert td.network_mode is None and td.effective_network_mode == "bridge"
    assert (web.essential, web.cpu, web.port_mappings[0].protocol) == (True, 0, "tcp")
    check = web.health_check
    assert (check.interval, check.timeout, check.retries, check.start_period) == (30, 5, 3, None)
    assert td.cpu_units is None and td.memory_mib is None and not td.is_fargate


def test_model_exposes_parsed_sizes_and_aliases() -> None:
    """cpu/memory keep their text and expose units; attributes are snake_case of the camelCase keys."""
    td = load(FARGATE.replace('cpu: "256"', 'cpu: "0.25 vCPU"').replace('memory: "512"', "memory: 0.5 GB"))
    assert (td.cpu, td.cpu_units, td.memory, td.memory_mib) == ("0.25 vCPU", 256, "0.5 GB", 512)
    assert td.execution_role_arn == "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
    assert td.is_fargate and td.container("web").port_mappings[0].container_port == 8080


def test_model_is_frozen() -> None:
    """A parsed task definition cannot be changed in place."""
    td = load(EC2)
    with pytest.raises(ValidationError):
        td.family = "other"  # type: ignore[misc]


def test_integer_task_sizes_become_strings() -> None:
    """CloudFormation-style integer cpu/memory are kept as the strings AWS stores."""
    td = load(FARGATE.replace('cpu: "256"', "cpu: 256").replace('memory: "512"', "memory: 512"))
    assert (td.cpu, td.memory) == ("256", "512")


def test_secrets_and_dependencies_are_kept() -> None:
    """Secrets, dependsOn and log configuration reach the model for rules and checks."""
    text = FARGATE.replace(
        "    portMappings:",
        "    secrets: [{name: DB, valueFrom: arn:aws:ssm:us-east-1:123456789012:parameter/db}]\n"
        "    logConfiguration: {logDriver: awslogs, options: {awslogs-group: /ecs/web}}\n"
        "    dependsOn: [{containerName: web, condition: START}]\n"
        "    portMappings:",
    )
    web = load(text).container("web")
    assert web.secrets[0].value_from.endswith("parameter/db")
    assert web.log_configuration.options == {"awslogs-group": "/ecs/web"}
    assert web.depends_on[0].condition == "START"


def test_validation_errors_never_leak_from_pydantic(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the model refuses data the shape check let through, the error is positioned, not a ValidationError."""
    monkeypatch.setattr(task_definition, "check_shape", lambda *a, **k: ([], []))
    text = "family: web\ncontainerDefinitions:\n  - name: web\n    image: nginx\n    memory: [1]\n"
    found = failures(parse_task_definition, text)
    assert found[0].message.startswith("invalid value for 'containerDefinitions[0].memory'")
    assert position(found[0]) == at(text, "[1]")


# --- registration rules -----------------------------------------------------------------------


def test_valid_fargate_and_ec2_definitions_register() -> None:
    """The base definitions used below are accepted."""
    assert load(FARGATE).family == "web"
    assert load(EC2).family == "web"
    assert registration_errors(load(EC2)) == []


def test_fargate_requires_awsvpc() -> None:
    """FARGATE with another network mode is refused at networkMode."""
    text = FARGATE.replace("networkMode: awsvpc", "networkMode: bridge")
    assert refusal(text) == ("ClientException: Fargate only supports network mode ‘awsvpc’.", at(text, "bridge"))


def test_fargate_without_network_mode_is_bridge_and_refused() -> None:
    """Omitting networkMode means bridge, which Fargate refuses; the error points at requiresCompatibilities."""
    text = FARGATE.replace("networkMode: awsvpc\n", "")
    assert refusal(text) == ("ClientException: Fargate only supports network mode ‘awsvpc’.", at(text, "[FARGATE]"))


def test_fargate_requires_task_cpu() -> None:
    """Fargate needs a task-level cpu."""
    text = FARGATE.replace('cpu: "256"\n', "")
    assert refusal(text) == (
        "ClientException: Fargate requires that 'cpu' be defined at the task level.",
        at(text, "[FARGATE]"),
    )


def test_fargate_requires_task_memory() -> None:
    """Fargate needs a task-level memory."""
    text = FARGATE.replace('memory: "512"\n', "")
    found = failures(parse_task_definition, text)
    expected = ("ClientException: Fargate requires that 'memory' be defined at the task level.", at(text, "[FARGATE]"))
    assert (found[0].message, position(found[0])) == expected
    # The container then also lacks any memory setting, which AWS reports as well.
    assert found[1].message.endswith("At least one of 'memory' or 'memoryReservation' must be specified.")


def test_fargate_refuses_a_cpu_outside_the_table() -> None:
    """A cpu value Fargate does not offer is an invalid cpu setting."""
    text = FARGATE.replace('cpu: "256"', 'cpu: "300"')
    assert refusal(text) == ("ClientException: Invalid 'cpu' setting for task.", at(text, '"300"'))


def test_unparseable_task_cpu_is_refused() -> None:
    """A cpu that is not units or vCPUs is an invalid cpu setting."""
    text = EC2.replace("containerDefinitions:", "cpu: lots\ncontainerDefinitions:")
    assert refusal(text) == ("ClientException: Invalid 'cpu' setting for task.", at(text, "lots"))


def test_unparseable_task_memory_is_refused() -> None:
    """A memory that is not MiB or GB is an invalid memory setting."""
    text = EC2.replace("containerDefinitions:", "memory: 1 TB\ncontainerDefinitions:")
    assert refusal(text) == ("ClientException: Invalid 'memory' setting for task.", at(text, "1 TB"))


def test_fargate_refuses_an_invalid_cpu_memory_pair() -> None:
    """256 CPU with 4096 MiB is not a Fargate size; the message names both values."""
    text = FARGATE.replace('memory: "512"', 'memory: "4096"')
    assert refusal(text) == (
        "ClientException: No Fargate configuration exists for given values: 256 CPU, 4096 memory. "
        "See the Amazon ECS documentation for the valid values.",
        at(text, '"4096"'),
    )


def test_ec2_task_cpu_range() -> None:
    """On EC2 the task cpu must be at least 128 units."""
    text = EC2.replace("containerDefinitions:", "cpu: 64\ncontainerDefinitions:")
    assert refusal(text) == ("ClientException: Invalid 'cpu' setting for task.", at(text, "64"))


def test_fargate_ecr_image_needs_an_execution_role() -> None:
    """A private ECR image on Fargate without executionRoleArn is refused at the image."""
    text = FARGATE.replace("executionRoleArn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole\n", "")
    assert refusal(text) == (
        "ClientException: Fargate requires task definition to have execution role ARN to support ECR images.",
        at(text, "123456789012.dkr"),
    )


def test_fargate_awslogs_needs_an_execution_role() -> None:
    """awslogs on Fargate without executionRoleArn is refused at the log driver."""
    text = (
        FARGATE.replace("executionRoleArn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole\n", "")
        .replace("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2", "nginx:1.27")
        .replace("    portMappings:", "    logConfiguration: {logDriver: awslogs}\n    portMappings:")
    )
    assert refusal(text) == (
        "ClientException: Fargate requires task definition to have execution role ARN to support log driver awslogs.",
        at(text, "awslogs"),
    )


def test_ec2_ecr_image_and_awslogs_need_no_execution_role() -> None:
    """On EC2 the instance role pulls and logs, so no execution role is required."""
    text = EC2.replace("nginx:1.27", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1").replace(
        "    memory: 256\n", "    memory: 256\n    logConfiguration: {logDriver: awslogs}\n"
    )
    assert load(text).container("web").log_configuration.log_driver == "awslogs"


def test_secrets_need_an_execution_role() -> None:
    """Container secrets without executionRoleArn are refused on any launch type."""
    text = EC2.replace(
        "    memory: 256\n",
        "    memory: 256\n    secrets:\n      - {name: DB, valueFrom: arn:aws:ssm:us-east-1:123456789012:parameter/db}\n",
    )
    assert refusal(text) == (
        "ClientException: When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
        at(text, "- {name: DB"),
    )


def test_container_needs_memory_or_reservation_without_task_memory() -> None:
    """Without task memory each container needs memory or memoryReservation."""
    text = EC2.replace("    memory: 256\n", "")
    assert refusal(text) == (
        "ClientException: Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified.",
        at(text, "name: web"),
    )


def test_task_memory_is_enough_for_containers() -> None:
    """With task memory set, containers need no memory of their own."""
    text = EC2.replace("    memory: 256\n", "").replace("containerDefinitions:", "memory: 512\ncontainerDefinitions:")
    assert load(text).container("web").memory is None


def test_memory_reservation_must_not_exceed_memory() -> None:
    """A soft limit above the hard limit is refused at memoryReservation."""
    text = EC2.replace("    memory: 256\n", "    memory: 256\n    memoryReservation: 512\n")
    assert refusal(text) == (
        "ClientException: Invalid setting for container 'web'. 'memoryReservation' must be less than or equal to 'memory'.",
        at(text, "512"),
    )


def test_memory_reservation_equal_to_memory_is_accepted() -> None:
    """Equal soft and hard limits register."""
    text = EC2.replace("    memory: 256\n", "    memory: 256\n    memoryReservation: 256\n")
    assert load(text).container("web").memory_reservation == 256


def test_container_memory_has_a_docker_floor() -> None:
    """Below 6 MiB Docker cannot start the container, so registration refuses it."""
    text = EC2.replace("    memory: 256\n", "    memory: 4\n")
    assert refusal(text) == (
        "ClientException: Invalid setting for container 'web'. 'memory' must be at least 6 MiB.",
        at(text, "4\n"),
    )


def test_awsvpc_host_port_must_match_container_port() -> None:
    """In awsvpc mode hostPort must equal containerPort; the error is at hostPort."""
    text = EC2.replace("family: web\n", "family: web\nnetworkMode: awsvpc\n")
    assert refusal(text) == (
        "ClientException: When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
        at(text, "8080"),
    )


def test_host_mode_host_port_must_match_container_port() -> None:
    """In host mode hostPort must equal containerPort."""
    text = EC2.replace("family: web\n", "family: web\nnetworkMode: host\n")
    assert refusal(text) == (
        "ClientException: When networkMode=host, the host ports and container ports in port mappings must match.",
        at(text, "8080"),
    )


def test_awsvpc_without_host_port_is_accepted() -> None:
    """Leaving hostPort out in awsvpc mode is fine."""
    text = EC2.replace("family: web\n", "family: web\nnetworkMode: awsvpc\n").replace("        hostPort: 8080\n", "")
    assert load(text).container("web").port_mappings[0].host_port is None


def test_network_mode_none_forbids_port_mappings() -> None:
    """networkMode none has no connectivity, so port mappings are refused."""
    text = EC2.replace("family: web\n", "family: web\nnetworkMode: none\n")
    assert refusal(text) == (
        "ClientException: When networkMode=none, port mappings are not supported.",
        at(text, "- containerPort"),
    )


def test_container_names_must_be_unique() -> None:
    """A second container with the same name is refused at its name."""
    text = EC2 + "  - {name: web, image: busybox, memory: 64}\n"
    assert refusal(text) == (
        "ClientException: Container names must be unique within a Task Definition.",
        at(text, "web", 3),
    )


def test_container_name_must_not_be_empty() -> None:
    """An empty container name is refused."""
    text = EC2.replace("name: web", "name: ''")
    assert refusal(text) == ("ClientException: Container.name should not be null or empty.", at(text, "''"))


def test_container_name_characters() -> None:
    """Container names allow letters, digits, hyphens and underscores only."""
    text = EC2.replace("name: web", "name: my web")
    assert refusal(text) == ("ClientException: Container.name contains invalid characters.", at(text, "my web"))


def test_container_image_must_not_be_empty() -> None:
    """An empty image is refused."""
    text = EC2.replace("image: nginx:1.27", "image: ''")
    assert refusal(text) == ("ClientException: Container.image should not be null or empty.", at(text, "''"))


def test_family_characters() -> None:
    """A family with spaces is refused."""
    text = EC2.replace("family: web", "family: my web")
    assert refusal(text) == ("ClientException: Family contains invalid characters.", at(text, "my web"))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("family: web", 'family: "web\\n"', "Family contains invalid characters."),
        ("name: web", 'name: "web\\n"', "Container.name contains invalid characters."),
    ],
)
def test_a_name_ending_in_a_newline_is_refused(old: str, new: str, message: str) -> None:
    """A final newline is an invalid character too (a block scalar's ``|`` leaves one): the
    name's pattern must match the whole value, not stop before a last newline as ``$`` does."""
    text = EC2.replace(old, new)
    assert refusal(text) == (f"ClientException: {message}", at(text, new.split(": ", 1)[1]))


def test_at_least_one_container_is_essential() -> None:
    """A task whose containers are all non-essential is refused."""
    text = EC2.replace("    memory: 256\n", "    memory: 256\n    essential: false\n")
    assert refusal(text) == (
        "ClientException: Task definition doesn't have any essential container.",
        at(text, "- name"),
    )


def test_depends_on_must_name_an_existing_container() -> None:
    """dependsOn naming no container is refused at containerName, in AWS's exact words."""
    text = EC2.replace("    memory: 256\n", "    memory: 256\n    dependsOn: [{containerName: db, condition: START}]\n")
    assert refusal(text) == (
        "ClientException: Cannot depend on container + 'db' because it does not exist",
        at(text, "db,"),
    )


def test_success_dependency_cannot_be_essential() -> None:
    """Waiting for an essential container to succeed is refused at the condition."""
    text = EC2.replace(
        "    memory: 256\n", "    memory: 256\n    dependsOn: [{containerName: init, condition: SUCCESS}]\n"
    )
    text += "  - {name: init, image: busybox, memory: 16}\n"
    assert refusal(text) == (
        "ClientException: A dependency container with SUCCESS or COMPLETE condition cannot be an essential container",
        at(text, "SUCCESS"),
    )


def test_fargate_stop_timeout_is_at_most_120() -> None:
    """Fargate allows stopTimeout up to 120 seconds."""
    text = FARGATE.replace("    portMappings:", "    stopTimeout: 121\n    portMappings:")
    assert refusal(text) == (
        "ClientException: Invalid 'stopTimeout' setting for container 'web'. Fargate supports values from 2 to 120 seconds.",
        at(text, "121"),
    )


def test_ec2_stop_timeout_may_exceed_120() -> None:
    """On EC2 a longer stopTimeout registers."""
    text = EC2.replace("    memory: 256\n", "    memory: 256\n    stopTimeout: 300\n")
    assert load(text).container("web").stop_timeout == 300


@pytest.mark.parametrize("value", ["enabled", "disabled"])
def test_version_consistency_is_modelled(value: str) -> None:
    """versionConsistency registers as written, with no "not simulated" note (§4)."""
    text = EC2.replace("    memory: 256\n", f"    memory: 256\n    versionConsistency: {value}\n")
    parsed = parse_task_definition(doc(text))
    assert parsed.task_definition.container("web").version_consistency == value
    assert not parsed.notes


def test_version_consistency_defaults_to_unset() -> None:
    """Omitted, it is None: the API default, enabled."""
    assert load(EC2).container("web").version_consistency is None


def test_version_consistency_other_values_are_refused_at_the_value() -> None:
    """Only enabled and disabled exist (ContainerDefinition.versionConsistency)."""
    text = EC2.replace("    memory: 256\n", "    memory: 256\n    versionConsistency: Disabled\n")
    found = only(parse_task_definition, text)
    assert "Disabled" in found.message and "enabled, disabled" in found.message
    assert position(found) == at(text, "Disabled")


def test_version_consistency_is_in_the_json_schema() -> None:
    """The editor schema offers the two values and describes the key as simulated."""
    import json

    schema = json.dumps(task_definition.task_definition_json_schema())
    start = schema.index('"versionConsistency"')
    entry = schema[start : start + 400]
    assert '"enum": ["enabled", "disabled"]' in entry and "Accepted but not simulated" not in entry


def test_container_cpu_sum_within_task_cpu() -> None:
    """Container cpu values must not add up to more than the task cpu."""
    text = FARGATE.replace("    portMappings:", "    cpu: 512\n    portMappings:")
    assert refusal(text) == (
        "ClientException: The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.",
        at(text, '"256"'),
    )


def test_container_memory_within_task_memory() -> None:
    """A container hard limit above the task memory is refused at the container."""
    text = FARGATE.replace("    portMappings:", "    memory: 1024\n    portMappings:")
    assert refusal(text) == (
        "ClientException: The 'memory' setting for container 'web' is greater than for the task.",
        at(text, "1024"),
    )


def test_container_reservations_within_task_memory() -> None:
    """The sum of memoryReservation values must fit the task memory."""
    text = FARGATE.replace("    portMappings:", "    memoryReservation: 400\n    portMappings:")
    text += "  - {name: side, image: busybox, memoryReservation: 200, essential: false}\n"
    assert refusal(text) == (
        "ClientException: The sum of all container 'memoryReservation' values cannot be greater than the value of the task 'memory'.",
        at(text, '"512"'),
    )


@pytest.mark.parametrize("key", ["executionRoleArn", "taskRoleArn"])
def test_role_arns_must_look_like_roles(key: str) -> None:
    """A role field holding something that is neither a role ARN nor a role name is refused."""
    text = EC2.replace("family: web\n", f"family: web\n{key}: arn:aws:iam::123:user/bob\n")
    assert refusal(text) == ("ClientException: Role is not valid", at(text, "arn:aws:iam::123"))


def test_role_names_and_arns_are_accepted() -> None:
    """A bare role name and a full role ARN (with a path) both register."""
    text = EC2.replace(
        "family: web\n",
        "family: web\nexecutionRoleArn: ecsTaskExecutionRole\ntaskRoleArn: arn:aws:iam::123456789012:role/app/web-task\n",
    )
    td = load(text)
    assert (td.execution_role_arn, td.task_role_arn) == (
        "ecsTaskExecutionRole",
        "arn:aws:iam::123456789012:role/app/web-task",
    )


def test_member_of_needs_an_expression() -> None:
    """A memberOf constraint without an expression is refused."""
    text = EC2.replace("family: web\n", "family: web\nplacementConstraints: [{type: memberOf}]\n")
    assert refusal(text) == (
        "ClientException: A memberOf placement constraint requires an expression.",
        at(text, "{type"),
    )


def test_health_check_ranges() -> None:
    """A health check interval outside 5-300 seconds is refused at the interval."""
    text = EC2.replace("    memory: 256\n", "    memory: 256\n    healthCheck: {command: [CMD, x], interval: 1}\n")
    assert refusal(text) == (
        "ClientException: Invalid 'interval' setting for the health check of container 'web'. It must be between 5 and 300.",
        at(text, "1}"),
    )


def test_all_refusals_are_reported_together_in_file_order() -> None:
    """Several broken rules come back at once, sorted by position."""
    text = FARGATE.replace("networkMode: awsvpc", "networkMode: host").replace('memory: "512"', 'memory: "8192"')
    found = failures(parse_task_definition, text)
    assert [d.message.split(":")[1].strip()[:20] for d in found] == ["Fargate only support", "No Fargate configura"]
    assert [position(d) for d in found] == sorted(position(d) for d in found)


def test_source_errors_message_is_file_line_col() -> None:
    """The raised error prints as file:line:col: ClientException: ... lines."""
    text = FARGATE.replace("networkMode: awsvpc", "networkMode: bridge")
    with pytest.raises(SourceErrors) as caught:
        parse_task_definition(doc(text, "task-definition.yaml"))
    assert (
        str(caught.value) == "task-definition.yaml:3:14: ClientException: Fargate only supports network mode ‘awsvpc’."
    )


# --- ECS quotas and ranges (§11) ----------------------------------------------------------------


def test_more_than_ten_containers_is_refused_at_the_eleventh() -> None:
    """A task definition holds at most 10 container definitions (§11.1); ten register."""
    containers = "".join(f"  - {{name: c{i}, image: nginx, memory: 64}}\n" for i in range(11))
    text = "family: web\ncontainerDefinitions:\n" + containers
    assert refusal(text) == (
        "ClientException: Too many containers: a task definition has at most 10 container definitions.",
        at(text, "{name: c10"),
    )
    ten = "family: web\ncontainerDefinitions:\n" + "".join(f"  - {{name: c{i}, image: nginx, memory: 64}}\n" for i in range(10))
    assert len(load(ten).container_definitions) == 10


@pytest.mark.parametrize(("key", "value"), [("containerPort", "70000"), ("containerPort", "-1"), ("hostPort", "65536")])
def test_a_port_outside_0_to_65535_is_refused_at_its_value(key: str, value: str) -> None:
    """Port numbers run from 0 to 65535 (§11.2)."""
    old = {"containerPort": "containerPort: 80", "hostPort": "hostPort: 8080"}[key]
    text = EC2.replace(old, f"{key}: {value}")
    line, col = at(text, f"{key}: {value}")
    assert refusal(text) == (
        f"ClientException: Invalid '{key}' setting for container 'web'. Valid values are 0 to 65535.",
        (line, col + len(key) + 2),
    )


def test_ports_at_the_ends_of_the_range_register() -> None:
    text = EC2.replace("containerPort: 80", "containerPort: 65535").replace("hostPort: 8080", "hostPort: 0")
    assert load(text).container_definitions[0].port_mappings[0].container_port == 65535
