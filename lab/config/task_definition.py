"""Provides the task definition model (RegisterTaskDefinition input) and its registration rules.

Loading runs in three passes, each reporting every problem it finds at once:

1. ``check_shape`` against ``ecs.RegisterTaskDefinitionRequest``: unknown keys, types, enums,
   required keys. Known keys the simulator ignores come back as "not simulated" notes.
2. The pydantic model is built from the modelled subset of the input.
3. ``registration_errors``: the checks RegisterTaskDefinition itself makes, worded as the
   ``ClientException`` AWS returns. Texts observed in real AWS output are cited; the others
   are marked ``# wording UNCONFIRMED``.

Section numbers (§) refer to docs/ecs-facts.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from lab.config.fargate import FARGATE_CPU_UNITS, is_valid_fargate_size
from lab.config.quotas import MAX_CONTAINERS_PER_TASK_DEFINITION, MAX_PORT
from lab.config.shapes import check_shape, positioned, strip_unmodelled, validation_diagnostics
from lab.errors import ClientException, Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "ContainerDefinition",
    "ContainerDependency",
    "HealthCheck",
    "KeyValuePair",
    "LogConfiguration",
    "ParsedTaskDefinition",
    "PlacementConstraint",
    "PortMapping",
    "Secret",
    "TASK_DEFINITION_MODELLED",
    "TaskDefinition",
    "client_exception_diagnostics",
    "parse_cpu_units",
    "parse_memory_mib",
    "parse_task_definition",
    "registration_errors",
    "task_definition_json_schema",
]

TASK_DEFINITION_MODELLED: frozenset[str] = frozenset(
    {
        "family",
        "networkMode",
        "requiresCompatibilities",
        "cpu",
        "memory",
        "executionRoleArn",
        "taskRoleArn",
        "placementConstraints",
        "containerDefinitions[].name",
        "containerDefinitions[].image",
        "containerDefinitions[].cpu",
        "containerDefinitions[].memory",
        "containerDefinitions[].memoryReservation",
        "containerDefinitions[].essential",
        "containerDefinitions[].portMappings[].containerPort",
        "containerDefinitions[].portMappings[].name",
        "containerDefinitions[].portMappings[].hostPort",
        "containerDefinitions[].portMappings[].protocol",
        "containerDefinitions[].environment",
        "containerDefinitions[].secrets",
        "containerDefinitions[].healthCheck",
        "containerDefinitions[].stopTimeout",
        "containerDefinitions[].versionConsistency",
        "containerDefinitions[].dependsOn",
        "containerDefinitions[].logConfiguration.logDriver",
        "containerDefinitions[].logConfiguration.options",
    }
)
"""RegisterTaskDefinition members the simulator models (``[]`` marks list items)."""

_ROOT_SHAPE = "ecs.RegisterTaskDefinitionRequest"

CPU_UNITS_PER_VCPU = 1024
"""CPU units per vCPU (§2.1)."""

EC2_TASK_CPU_MIN_UNITS = 128
"""Smallest task-level ``cpu`` on EC2 (§2.1)."""

EC2_TASK_CPU_MAX_UNITS = 196_608
"""Largest task-level ``cpu`` on EC2. Δ §2.1 quotes 10240 from the 2023 Developer Guide; the
2026 API model (RegisterTaskDefinitionRequest.cpu) says 128 to 196608 (192 vCPUs), and the
reference says the API model is the newer statement."""

DOCKER_MIN_CONTAINER_MEMORY_MIB = 6
"""Docker ≥ 20.10 refuses a container memory limit below 6 MiB (§2.1)."""

FARGATE_STOP_TIMEOUT_RANGE_S = (2, 120)
"""Valid container ``stopTimeout`` on Fargate (§3.1, §9.3; API ContainerDefinition.stopTimeout gives the
maximum, the lower bound is UNCONFIRMED)."""

_CD = "containerDefinitions"

NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
"""Family, container and service names: up to 255 letters, digits, hyphens and underscores (API model)."""

_ECR_IMAGE_RE = re.compile(r"^\d{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/")
"""A private ECR image reference: ``<account>.dkr.ecr.<region>.amazonaws.com/<repo>...``."""

_ROLE_ARN_RE = re.compile(r"^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")

_CPU_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpus?)?\s*$", re.IGNORECASE)
_MEMORY_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$", re.IGNORECASE)


def _to_units(text: str | int, pattern: re.Pattern[str], scale: int) -> int:
    if isinstance(text, bool):
        raise ValueError(f"not a size: {text!r}")
    if isinstance(text, int):
        number = Decimal(text)
    else:
        match = pattern.match(text)
        if match is None:
            raise ValueError(f"not a size: {text!r}")
        try:
            number = Decimal(match.group(1))
        except InvalidOperation:
            raise ValueError(f"not a size: {text!r}") from None
        if match.group(2):
            number *= scale
    if number != number.to_integral_value() or number <= 0:
        raise ValueError(f"not a whole positive size: {text!r}")
    return int(number)


def parse_cpu_units(text: str | int) -> int:
    """Convert a task-level ``cpu`` to CPU units the way RegisterTaskDefinition does.

    ``"256"`` and ``256`` are units; ``"1 vCPU"``, ``"0.25 vcpu"`` and ``"2vcpus"`` are vCPUs
    (× 1024, case-insensitive).

    Raises:
        ValueError: the text is not a whole, positive number of units.
    """
    return _to_units(text, _CPU_RE, CPU_UNITS_PER_VCPU)


def parse_memory_mib(text: str | int) -> int:
    """Convert a task-level ``memory`` to MiB the way RegisterTaskDefinition does.

    ``"512"`` and ``512`` are MiB; ``"1 GB"`` and ``"2GB"`` are GB (× 1024, case-insensitive).

    Raises:
        ValueError: the text is not a whole, positive number of MiB.
    """
    return _to_units(text, _MEMORY_RE, 1024)


# --------------------------------------------------------------------------------------------
# Models


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        populate_by_name=True,
        extra="forbid",
        alias_generator=to_camel,
        allow_inf_nan=False,
    )


class PortMapping(_Model):
    """One container port mapping."""

    container_port: int | None = None
    """The port the container listens on (absent only with the unmodelled ``containerPortRange``)."""
    host_port: int | None = None
    """The host port; None or 0 means dynamic in bridge mode, equal to the container port
    in awsvpc and host mode (§2.3, §2.4)."""
    protocol: Literal["tcp", "udp"] = "tcp"  # API default (PortMapping.protocol)
    """Transport protocol; the API default is ``tcp``."""
    name: str | None = None
    """The port's name: what a Service Connect ``portName`` refers to."""


class KeyValuePair(_Model):
    """One ``environment`` entry."""

    name: str | None = None
    """Variable name."""
    value: str | None = None
    """Variable value."""


class Secret(_Model):
    """One ``secrets`` entry; kept so rules and checks can see which secrets a task reads."""

    name: str
    """Environment variable the secret is exposed as."""
    value_from: str
    """ARN (or SSM parameter name) the secret is read from."""


class HealthCheck(_Model):
    """A container health check, with the ECS defaults."""

    command: tuple[str, ...]
    """``["CMD", ...]`` or ``["CMD-SHELL", "..."]``."""
    interval: int = 30  # ECS default; see docs/ecs-facts.md §4.3
    """Seconds between checks; ECS default 30 (5–300), see §4.3."""
    timeout: int = 5  # ECS default; see docs/ecs-facts.md §4.3
    """Seconds before a check counts as failed; ECS default 5 (2–60), see §4.3."""
    retries: int = 3  # ECS default; see docs/ecs-facts.md §4.3
    """Consecutive failures before UNHEALTHY; ECS default 3 (1–10), see §4.3."""
    start_period: int | None = None  # ECS default (off); see docs/ecs-facts.md §4.3
    """Grace seconds before failures count; off by default (0–300), see §4.3."""


class ContainerDependency(_Model):
    """One ``dependsOn`` entry."""

    container_name: str
    """The container waited for."""
    condition: Literal["START", "COMPLETE", "SUCCESS", "HEALTHY"]
    """What the dependency must reach before this container starts."""


class LogConfiguration(_Model):
    """A container's log driver."""

    log_driver: str
    """``awslogs``, ``json-file``, ...; ``awslogs`` on Fargate needs an execution role (§8.4)."""
    options: dict[str, str] | None = None
    """Driver options (``awslogs-group``, ...)."""


class PlacementConstraint(_Model):
    """A task-definition placement constraint; only ``memberOf`` is allowed here (§1.3)."""

    type: Literal["memberOf"]
    """Always ``memberOf``; ``distinctInstance`` is refused in task definitions."""
    expression: str | None = None
    """A cluster query language expression (§1.4)."""


class ContainerDefinition(_Model):
    """One container of a task definition."""

    name: str
    """Unique within the task definition."""
    image: str
    """Image reference, e.g. ``123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2``."""
    cpu: int = 0  # API default; see docs/ecs-facts.md §2.1
    """CPU units reserved for the container (Docker cpu-shares); API default 0 (§2.1)."""
    memory: int | None = None
    """Hard memory limit in MiB (§2.1)."""
    memory_reservation: int | None = None
    """Soft memory limit in MiB; what placement reserves when set (§2.1)."""
    essential: bool = True  # API default (ContainerDefinition.essential)
    """The task stops when an essential container stops; API default true."""
    port_mappings: tuple[PortMapping, ...] = ()
    """Published ports."""
    environment: tuple[KeyValuePair, ...] = ()
    """Plain environment variables."""
    secrets: tuple[Secret, ...] = ()
    """Secrets injected as environment variables (need an execution role, §8.2)."""
    health_check: HealthCheck | None = None
    """Container health check, if any."""
    stop_timeout: int | None = None  # None: agent default 30 s; see docs/ecs-facts.md §3.1
    """Seconds between SIGTERM and SIGKILL; None means the agent default of 30 (§3.1)."""
    depends_on: tuple[ContainerDependency, ...] = ()
    """Start-order dependencies."""
    log_configuration: LogConfiguration | None = None
    """Log driver configuration."""
    version_consistency: Literal["enabled", "disabled"] | None = None  # None: enabled (API default)
    """Whether a service deployment resolves the image tag to a digest and starts all its tasks
    from that digest (``enabled``, the default) or every task pulls the tag as it starts
    (``disabled``); docs/ecs-facts.md §4, "Container image resolution"."""


class TaskDefinition(_Model):
    """A task definition as the simulator uses it (the modelled part of RegisterTaskDefinition)."""

    family: str
    """The family name; registrations of one family get increasing revisions."""
    network_mode: Literal["bridge", "host", "awsvpc", "none"] | None = None  # None: bridge (§2.4)
    """As written; None means the API default (see ``effective_network_mode``)."""
    requires_compatibilities: tuple[str, ...] = ()
    """``EC2``, ``FARGATE``, ``EXTERNAL``, ``MANAGED_INSTANCES``."""
    cpu: str | None = None
    """Task-level CPU as written (``"256"``, ``"1 vCPU"``); see ``cpu_units``."""
    memory: str | None = None
    """Task-level memory as written (``"512"``, ``"2 GB"``); see ``memory_mib``."""
    execution_role_arn: str | None = None
    """Role the agent uses to pull images, ship logs and read secrets (§8.2)."""
    task_role_arn: str | None = None
    """Role the application in the containers uses (§8.3)."""
    placement_constraints: tuple[PlacementConstraint, ...] = ()
    """``memberOf`` constraints applied wherever the task runs."""
    container_definitions: tuple[ContainerDefinition, ...]
    """The containers, in the order written."""

    @field_validator("cpu", "memory", mode="before")
    @classmethod
    def _integer_as_string(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @property
    def effective_network_mode(self) -> str:
        """The network mode in force: the field, or ``bridge``, the EC2 Linux default (§2.4)."""
        return self.network_mode or "bridge"

    @property
    def is_fargate(self) -> bool:
        """Whether the definition asks for Fargate compatibility."""
        return "FARGATE" in self.requires_compatibilities

    @property
    def cpu_units(self) -> int | None:
        """Task-level CPU in units, or None when not set (``"1 vCPU"`` → 1024)."""
        return None if self.cpu is None else parse_cpu_units(self.cpu)

    @property
    def memory_mib(self) -> int | None:
        """Task-level memory in MiB, or None when not set (``"2 GB"`` → 2048)."""
        return None if self.memory is None else parse_memory_mib(self.memory)

    def container(self, name: str) -> ContainerDefinition:
        """Return the container called ``name``.

        Raises:
            KeyError: no container has that name.
        """
        for container in self.container_definitions:
            if container.name == name:
                return container
        raise KeyError(name)


@dataclass(frozen=True)
class ParsedTaskDefinition:
    """A task definition that passed every check, plus the notes about it."""

    task_definition: TaskDefinition
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes, positioned at the keys they concern."""
    refusals: list[Diagnostic] = field(default_factory=list)
    """Registration refusals, when the caller asked to collect them instead of raising."""


# --------------------------------------------------------------------------------------------
# Registration rules


def registration_errors(td: TaskDefinition) -> list[ClientException]:
    """Return every refusal RegisterTaskDefinition would give ``td``, worded as AWS words it.

    Each exception's ``path`` names the offending field (camelCase, relative to the task
    definition); a missing field is reported at the field that makes it necessary.
    """
    errors: list[ClientException] = []

    def refuse(message: str, *path: str | int) -> None:
        errors.append(ClientException(message, tuple(path)))

    fargate = td.is_fargate
    mode = td.effective_network_mode
    containers = td.container_definitions

    if not NAME_RE.fullmatch(td.family):
        refuse("Family contains invalid characters.", "family")  # wording UNCONFIRMED

    seen: set[str] = set()
    for i, container in enumerate(containers):
        if not container.name:
            # observed: hashicorp/terraform#2888, awsdocs/aws-cloudformation-user-guide#612
            refuse("Container.name should not be null or empty.", _CD, i, "name")
        elif not NAME_RE.fullmatch(container.name):
            # observed: ansible/ansible#22860
            refuse("Container.name contains invalid characters.", _CD, i, "name")
        elif container.name in seen:
            # observed: Shippable/support#2946
            refuse("Container names must be unique within a Task Definition.", _CD, i, "name")
        seen.add(container.name)
        if not container.image.strip():
            # observed: convox/praxis#121
            refuse("Container.image should not be null or empty.", _CD, i, "image")
    if len(containers) > MAX_CONTAINERS_PER_TASK_DEFINITION:
        # The quota is documented (§11.1); the wording is the lab's.
        refuse(
            f"Too many containers: a task definition has at most {MAX_CONTAINERS_PER_TASK_DEFINITION} container definitions.",
            _CD,
            MAX_CONTAINERS_PER_TASK_DEFINITION,
        )  # wording UNCONFIRMED
    if containers and not any(c.essential for c in containers):
        # observed: eagletmt/hako#68, aws-cloudformation/cfn-lint#4536
        refuse("Task definition doesn't have any essential container.", _CD)

    cpu_units: int | None = None
    memory_mib: int | None = None
    if td.cpu is not None:
        try:
            cpu_units = parse_cpu_units(td.cpu)
        except ValueError:
            # confirmed: DG/task-cpu-memory-error.md
            refuse("Invalid 'cpu' setting for task.", "cpu")
    if td.memory is not None:
        try:
            memory_mib = parse_memory_mib(td.memory)
        except ValueError:
            refuse("Invalid 'memory' setting for task.", "memory")  # wording UNCONFIRMED

    if fargate:
        if mode != "awsvpc":
            # observed (curly quotes as AWS sends them): aws/amazon-ecs-cli#1145
            where = "networkMode" if td.network_mode else "requiresCompatibilities"
            refuse("Fargate only supports network mode ‘awsvpc’.", where)
        if td.cpu is None:
            # observed: mongodb/terraform-aws-ecs-task-definition#38
            refuse("Fargate requires that 'cpu' be defined at the task level.", "requiresCompatibilities")
        if td.memory is None:
            # observed: aws/amazon-ecs-cli#982
            refuse("Fargate requires that 'memory' be defined at the task level.", "requiresCompatibilities")
        if cpu_units is not None and cpu_units not in FARGATE_CPU_UNITS:
            # confirmed: DG/task-cpu-memory-error.md; valid sizes in §9.1
            refuse("Invalid 'cpu' setting for task.", "cpu")
        elif memory_mib is not None and cpu_units is not None and not is_valid_fargate_size(cpu_units, memory_mib):
            # observed: i-dot-ai/redbox#1398, towardsthecloud/aws-cdk-examples#1
            refuse(
                f"No Fargate configuration exists for given values: {cpu_units} CPU, {memory_mib} memory. "
                "See the Amazon ECS documentation for the valid values.",
                "memory",
            )
    elif cpu_units is not None and not EC2_TASK_CPU_MIN_UNITS <= cpu_units <= EC2_TASK_CPU_MAX_UNITS:
        # confirmed text for an invalid cpu value: DG/task-cpu-memory-error.md; range §2.1
        refuse("Invalid 'cpu' setting for task.", "cpu")

    # The API documents taskRoleArn as "short name or full ARN" and executionRoleArn as an ARN;
    # the lab accepts both forms for both fields.
    for name, role in (("executionRoleArn", td.execution_role_arn), ("taskRoleArn", td.task_role_arn)):
        if role is not None and not (_ROLE_ARN_RE.fullmatch(role) or _ROLE_NAME_RE.fullmatch(role)):
            # observed: fabfuel/ecs-deploy#231, bradford-hamilton/terraform-ecs-fargate#8
            refuse("Role is not valid", name)

    has_execution_role = bool(td.execution_role_arn)
    for i, container in enumerate(containers):
        _container_errors(td, i, container, fargate, mode, has_execution_role, refuse)

    if cpu_units is not None and sum(c.cpu for c in containers) > cpu_units:
        # observed: aws/aws-cdk#1553
        refuse(
            "The sum of all container 'cpu' values cannot be greater than the value of the task 'cpu'.",
            "cpu",
        )
    if memory_mib is not None:
        for i, container in enumerate(containers):
            if container.memory is not None and container.memory > memory_mib:
                # observed: pulumi/pulumi-awsx#1220, #188
                refuse(
                    f"The 'memory' setting for container '{container.name}' is greater than for the task.",
                    _CD,
                    i,
                    "memory",
                )
        if sum(c.memory_reservation or 0 for c in containers) > memory_mib:
            # observed: cloudnativedaysjp/dreamkast-infra#4766
            refuse(
                "The sum of all container 'memoryReservation' values cannot be greater than "
                "the value of the task 'memory'.",
                "memory",
            )

    names = {c.name: c for c in containers}
    for i, container in enumerate(containers):
        for j, dependency in enumerate(container.depends_on):
            target = names.get(dependency.container_name)
            if target is None:
                # observed (the stray "+" is in AWS's text): eagletmt/hako#99, dagster-io/dagster#6926
                refuse(
                    f"Cannot depend on container + '{dependency.container_name}' because it does not exist",
                    _CD,
                    i,
                    "dependsOn",
                    j,
                    "containerName",
                )
            elif dependency.condition in ("SUCCESS", "COMPLETE") and target.essential:
                # observed: boto/boto3#2436, compose-x/ecs_composex#302
                refuse(
                    "A dependency container with SUCCESS or COMPLETE condition cannot be an essential container",
                    _CD,
                    i,
                    "dependsOn",
                    j,
                    "condition",
                )

    for k, constraint in enumerate(td.placement_constraints):
        if not (constraint.expression or "").strip():
            # wording UNCONFIRMED
            refuse("A memberOf placement constraint requires an expression.", "placementConstraints", k)
    return errors


def _container_errors(
    td: TaskDefinition,
    i: int,
    container: ContainerDefinition,
    fargate: bool,
    mode: str,
    has_execution_role: bool,
    refuse: Callable[..., None],
) -> None:
    """Apply the per-container registration rules (see ``registration_errors``)."""
    name = container.name
    if fargate and not has_execution_role:
        if _ECR_IMAGE_RE.match(container.image):
            # observed: hashicorp/terraform-provider-aws#3051 (§8.4)
            refuse(
                "Fargate requires task definition to have execution role ARN to support ECR images.",
                _CD,
                i,
                "image",
            )
        if container.log_configuration is not None and container.log_configuration.log_driver == "awslogs":
            # observed, several repos (§8.4)
            refuse(
                "Fargate requires task definition to have execution role ARN to support log driver awslogs.",
                _CD,
                i,
                "logConfiguration",
                "logDriver",
            )
    if container.secrets and not has_execution_role:
        # observed: fabfuel/ecs-deploy#87 (§3.5)
        refuse(
            "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
            _CD,
            i,
            "secrets",
        )

    if td.memory is None and container.memory is None and container.memory_reservation is None:
        # observed: sil-org/ecs-deploy#59, cuttlesoft/ecs-deploy.py#17 (§2.1)
        refuse(
            f"Invalid setting for container '{name}'. "
            "At least one of 'memory' or 'memoryReservation' must be specified.",
            _CD,
            i,
        )
    if (
        container.memory is not None
        and container.memory_reservation is not None
        and container.memory_reservation > container.memory
    ):
        # The API text says memory "must be greater than" memoryReservation; equal values are
        # accepted in practice (awsdocs/amazon-ecs-developer-guide#242), so only a larger
        # reservation is refused.
        refuse(
            f"Invalid setting for container '{name}'. 'memoryReservation' must be less than or equal to 'memory'.",
            _CD,
            i,
            "memoryReservation",
        )  # wording UNCONFIRMED
    for key, value in (("memory", container.memory), ("memoryReservation", container.memory_reservation)):
        if value is not None and value < DOCKER_MIN_CONTAINER_MEMORY_MIB:
            refuse(
                f"Invalid setting for container '{name}'. "
                f"'{key}' must be at least {DOCKER_MIN_CONTAINER_MEMORY_MIB} MiB.",
                _CD,
                i,
                key,
            )  # wording UNCONFIRMED

    for j, mapping in enumerate(container.port_mappings):
        for key, port in (("containerPort", mapping.container_port), ("hostPort", mapping.host_port)):
            if port is not None and not 0 <= port <= MAX_PORT:
                refuse(
                    f"Invalid '{key}' setting for container '{name}'. Valid values are 0 to {MAX_PORT}.",
                    _CD,
                    i,
                    "portMappings",
                    j,
                    key,
                )  # §11.2; wording UNCONFIRMED
        if (
            mode in ("awsvpc", "host")
            and mapping.host_port is not None
            and mapping.container_port is not None
            and mapping.host_port != mapping.container_port
        ):
            # observed for awsvpc: pulumi/pulumi-awsx#935, aws/amazon-ecs-cli#1014;
            # the host-mode text is the same sentence with the mode swapped (UNCONFIRMED)
            refuse(
                f"When networkMode={mode}, the host ports and container ports in port mappings must match.",
                _CD,
                i,
                "portMappings",
                j,
                "hostPort",
            )
    if mode == "none" and container.port_mappings:
        refuse("When networkMode=none, port mappings are not supported.", _CD, i, "portMappings")  # wording UNCONFIRMED

    low, high = FARGATE_STOP_TIMEOUT_RANGE_S
    if fargate and container.stop_timeout is not None and not low <= container.stop_timeout <= high:
        refuse(
            f"Invalid 'stopTimeout' setting for container '{name}'. "
            f"Fargate supports values from {low} to {high} seconds.",
            _CD,
            i,
            "stopTimeout",
        )  # wording UNCONFIRMED

    check = container.health_check
    if check is not None:
        # Ranges from §4.3 (DG/task_definition_parameters.md).
        for key, value, lowest, highest in (
            ("interval", check.interval, 5, 300),
            ("timeout", check.timeout, 2, 60),
            ("retries", check.retries, 1, 10),
            ("startPeriod", check.start_period, 0, 300),
        ):
            if value is not None and not lowest <= value <= highest:
                refuse(
                    f"Invalid '{key}' setting for the health check of container '{name}'. "
                    f"It must be between {lowest} and {highest}.",
                    _CD,
                    i,
                    "healthCheck",
                    key,
                )  # wording UNCONFIRMED


# --------------------------------------------------------------------------------------------
# Loading


def client_exception_diagnostics(doc: Document, root_path: Path_, errors: list[ClientException]) -> list[Diagnostic]:
    """Position ``ClientException``s in ``doc``; messages read ``ClientException: <AWS text>``.

    Args:
        doc: the document the request was loaded from.
        root_path: where the request sits in ``doc``.
        errors: exceptions whose ``path`` is relative to ``root_path``.
    """
    out = [positioned(doc, (*root_path, *error.path), str(error)) for error in errors]
    return sorted(out, key=lambda d: (d.line, d.col))


def parse_task_definition(doc: Document, path: Path_ = (), *, collect_refusals: bool = False) -> ParsedTaskDefinition:
    """Load a RegisterTaskDefinition input from ``doc`` as AWS would register it.

    Args:
        doc: the loaded YAML/JSON document.
        path: where the task definition sits in ``doc`` (the whole document by default).
        collect_refusals: return registration refusals in ``.refusals`` instead of raising
            (a grader applies such a file as a refused API call).

    Returns:
        The model plus "not simulated" notes.

    Raises:
        SourceErrors: every shape error, or every registration refusal
            (``ClientException: ...``), each positioned in the file.
    """
    data = doc.get(path) if path else doc.data
    errors, notes = check_shape(doc, path, data, _ROOT_SHAPE, modelled=TASK_DEFINITION_MODELLED)
    if errors:
        raise SourceErrors(errors)
    modelled_data = strip_unmodelled(data, TASK_DEFINITION_MODELLED)
    try:
        td = TaskDefinition.model_validate(modelled_data)
    except ValidationError as exc:
        raise SourceErrors(validation_diagnostics(doc, path, exc)) from None
    refusals = registration_errors(td)
    if refusals and not collect_refusals:
        raise SourceErrors(client_exception_diagnostics(doc, path, refusals))
    return ParsedTaskDefinition(td, notes, client_exception_diagnostics(doc, path, refusals) if refusals else [])


# -- editor schema (lab schema) ------------------------------------------------------------


def task_definition_json_schema() -> dict[str, Any]:
    """The JSON Schema of a task-definition file: RegisterTaskDefinition input as ``parse_task_definition`` reads it."""
    from lab.config.json_schema import shape_schema

    return shape_schema(_ROOT_SHAPE, TASK_DEFINITION_MODELLED, TaskDefinition)
