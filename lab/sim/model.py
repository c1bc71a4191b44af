"""Provides the simulator's entities: roles, container instances, revisions, containers and tasks.

Plain classes with ``__slots__`` (the hot path reads them millions of times at quota scale);
subsystems change them, shells see them only through events and views. The model imports no
subsystem: a task refers to its service and target groups as the objects that started and
registered it, whatever their class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import simpy

from lab.sim.fleet import DYNAMIC_PORT_RANGE, Fleet
from lab.sim.placement import Constraint, TaskNeeds

__all__ = ["DOCKER_VOLUME_GIB", "NUM_IMAGES_DELETE_PER_CYCLE", "SYSTEM_DISK_GIB", "Container", "ContainerInstance", "HostImage", "ImageCleanup", "IamRole", "Revision", "RunTaskResult", "Task", "target_container", "task_cpu_capacity"]


@dataclass(frozen=True)
class IamRole:
    """An IAM role as the simulator needs it: who may assume it and what it allows."""

    name: str
    trusted_services: frozenset[str]
    """Service principals in the trust policy (``ec2.amazonaws.com``, ``ecs-tasks.amazonaws.com``)."""
    policies: tuple[tuple[str, dict[str, Any]], ...]
    """(label, policy document) pairs: managed policies by ARN, inline ones as ``inline:<name>``."""


DOCKER_VOLUME_GIB = 30
"""The ECS-optimized AMI's one root volume, shared by the OS and Docker's images (§12.6)."""
SYSTEM_DISK_GIB = 3
"""What the OS, the agent and its own images take on that volume (UNCONFIRMED approximation)."""
NUM_IMAGES_DELETE_PER_CYCLE = 5
"""ECS_NUM_IMAGES_DELETE_PER_CYCLE default (at least 1; a smaller value gives the default); §12.6."""


@dataclass(frozen=True)
class ImageCleanup:
    """The agent's task and image cleanup settings on one instance (ecs.config; §12.6)."""

    disabled: bool = False
    """ECS_DISABLE_IMAGE_CLEANUP."""
    interval_s: float = 30 * 60.0
    """ECS_IMAGE_CLEANUP_INTERVAL."""
    minimum_age_s: float = 3600.0
    """ECS_IMAGE_MINIMUM_CLEANUP_AGE."""
    per_cycle: int = NUM_IMAGES_DELETE_PER_CYCLE
    """ECS_NUM_IMAGES_DELETE_PER_CYCLE."""
    task_cleanup_wait_s: float = 3 * 3600.0
    """ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION."""


class HostImage:
    """An image the agent pulled onto one instance: when, when last used, its layers and users."""

    __slots__ = ("last_used", "layers", "pulled_at", "uri", "users")

    def __init__(self, uri: str, layers: tuple[str, ...], pulled_at: float) -> None:
        self.uri = uri
        self.layers = layers
        """Layer digests, bottom first."""
        self.pulled_at = pulled_at
        self.last_used = pulled_at
        """The last time a task referenced it (least recently used goes first)."""
        self.users: list[Task] = []
        """Tasks whose containers reference it, until the agent cleans up their containers."""


class ContainerInstance:
    """Agent-side state of one container instance (its layer cache and disk, role, timeouts)."""

    __slots__ = (
        "arn", "az", "cleanup", "cleanup_running", "disk_bytes", "dynamic_ports", "ec2_id", "id", "image_ready", "images", "index",
        "instance_type", "launched_at", "layer_bytes", "layer_sizes", "layers", "registered_at", "role", "security_groups",
        "stop_timeout_s",
    )

    def __init__(self, index: int, ci_id: str, arn: str, ec2_id: str, instance_type: str, az: str, role: str, stop_timeout_s: float) -> None:
        self.index = index
        self.id = ci_id
        self.arn = arn
        self.ec2_id = ec2_id
        self.instance_type = instance_type
        self.az = az
        self.role = role
        self.stop_timeout_s = stop_timeout_s
        self.layers: dict[str, float] = {}
        """Layer digest → simulated time it is (or will be) on disk."""
        self.layer_sizes: dict[str, int] = {}
        """Layer digest → bytes it takes on the Docker volume (layers on, or arriving at, the disk)."""
        self.layer_bytes = 0
        """The sum of ``layer_sizes`` (kept by ``add_layer``/``remove_layer``)."""
        self.image_ready: dict[int, tuple[Any, float, tuple[str, ...]]] = {}
        """id(registry Image) → (the image, when its last layer is on disk, its layer digests),
        for images every layer of which is on (or arriving at) the disk: a pull of one of them
        needs no look-up per layer. Emptied whenever a layer is removed."""
        self.images: dict[str, HostImage] = {}
        """Images the agent pulled, by URI, until its image cleanup removes them."""
        self.disk_bytes = DOCKER_VOLUME_GIB * 1024**3
        """Size of the volume images are written to (the root volume's size)."""
        self.cleanup = ImageCleanup()
        self.cleanup_running = False
        """The agent's image cleanup cycle has started (at the instance's first pull)."""
        self.registered_at = 0.0
        self.dynamic_ports: set[int] = set()
        """Host ports handed out from the ephemeral range."""
        self.launched_at = 0.0
        """When the EC2 instance was launched (billing starts then, before it registers)."""
        self.security_groups: tuple[str, ...] = ()

    def disk_used_bytes(self) -> int:
        """Bytes in use on the volume: the system's share plus every layer on (or arriving at) the disk."""
        return SYSTEM_DISK_GIB * 1024**3 + self.layer_bytes

    def add_layer(self, digest: str, size_bytes: int, ready_at: float) -> None:
        """A layer starts arriving on the disk; it is there from ``ready_at``."""
        self.layers[digest] = ready_at
        self.layer_bytes += size_bytes - self.layer_sizes.get(digest, 0)
        self.layer_sizes[digest] = size_bytes

    def remove_layer(self, digest: str) -> int:
        """Delete a layer from the disk (image cleanup); return the bytes freed."""
        freed = self.layer_sizes.pop(digest)
        self.layer_bytes -= freed
        self.layers.pop(digest, None)
        self.image_ready.clear()
        return freed

    def allocate_host_port(self) -> int:
        """Hand out the lowest free port of the instance's ephemeral range (§2.3)."""
        port = DYNAMIC_PORT_RANGE[0]
        while port in self.dynamic_ports:
            port += 1
        self.dynamic_ports.add(port)
        return port


class Container:
    """A container definition reduced to what the agent runs."""

    __slots__ = (
        "awslogs", "environment", "essential", "hard_limit_mib", "health_check", "image", "name", "pin_digest", "port_mappings",
        "secrets", "stop_timeout_s",
    )

    def __init__(
        self,
        name: str,
        image: str,
        essential: bool,
        hard_limit_mib: int | None,
        environment: dict[str, str],
        stop_timeout_s: float | None,
        port_mappings: tuple[tuple[int, int | None, str], ...] = (),
        health_check: Any = None,
        secrets: tuple[tuple[str, str], ...] = (),
        awslogs: dict[str, str] | None = None,
        pin_digest: bool = True,
    ) -> None:
        self.name = name
        self.image = image
        self.essential = essential
        self.hard_limit_mib = hard_limit_mib
        self.environment = environment
        self.stop_timeout_s = stop_timeout_s
        self.port_mappings = port_mappings
        """(containerPort, hostPort or None, protocol) per mapping."""
        self.health_check = health_check
        """The container's ``healthCheck`` (interval, timeout, retries, start_period), or None."""
        self.secrets = secrets
        """(name, valueFrom) pairs; once fetched they are environment variables of the app."""
        self.awslogs = awslogs
        """The ``awslogs`` driver's options when the container logs to CloudWatch Logs, else None."""
        self.pin_digest = pin_digest
        """Whether deployments resolve the image to a digest (``versionConsistency`` not ``disabled``)."""


class Revision:
    """A registered task-definition revision with its placement needs precomputed."""

    __slots__ = (
        "arn",
        "compatibilities",
        "constraints",
        "containers",
        "cpu",
        "definition",
        "dynamic_ports",
        "execution_role",
        "family",
        "has_secrets",
        "memory_mib",
        "name",
        "network_mode",
        "ports",
        "revision",
        "task_cpu_units",
        "task_memory_mib",
        "task_role",
    )

    def __init__(self, definition: Any, revision: int, arn: str) -> None:
        self.definition = definition
        self.family: str = definition.family
        self.revision = revision
        self.name = f"{self.family}:{revision}"
        self.arn = arn
        self.network_mode: str = definition.network_mode or "bridge"
        self.compatibilities = tuple(definition.requires_compatibilities or ("EC2",))
        self.execution_role: str | None = definition.execution_role_arn
        self.task_role: str | None = definition.task_role_arn
        self.task_memory_mib: int | None = definition.memory_mib
        self.task_cpu_units: int | None = definition.cpu_units
        """The task-level ``cpu`` in units (None when only containers set it)."""
        cds = definition.container_definitions
        # What placement reserves: task-level values when set, else the containers' sums
        # (memoryReservation before memory); §2.1.
        self.cpu: int = definition.cpu_units if definition.cpu_units is not None else sum(c.cpu or 0 for c in cds)
        if definition.memory_mib is not None:
            self.memory_mib: int = definition.memory_mib
        else:
            self.memory_mib = sum((c.memory_reservation or c.memory or 0) for c in cds)
        ports: list[tuple[str, int]] = []
        dynamic = 0
        if self.network_mode in ("bridge", "host"):
            for c in cds:
                for pm in c.port_mappings or ():
                    host_port = pm.host_port if self.network_mode == "bridge" else (pm.host_port or pm.container_port)
                    if host_port:
                        ports.append((pm.protocol or "tcp", host_port))
                    else:
                        dynamic += 1
        self.ports = tuple(ports)
        self.dynamic_ports = dynamic
        self.constraints = tuple(Constraint(pc.type, pc.expression) for pc in definition.placement_constraints or ())
        self.containers = tuple(
            Container(
                c.name,
                c.image,
                c.essential is not False,
                c.memory if c.memory is not None else definition.memory_mib,
                {kv.name: kv.value for kv in c.environment or ()} | {sec.name: "(secret)" for sec in c.secrets or ()},
                float(c.stop_timeout) if c.stop_timeout is not None else None,
                tuple((pm.container_port, pm.host_port, pm.protocol or "tcp") for pm in c.port_mappings or ()),
                c.health_check,
                tuple((sec.name, sec.value_from) for sec in c.secrets or ()),
                _awslogs_options(c.log_configuration),
                c.version_consistency != "disabled",
            )
            for c in cds
        )
        self.has_secrets = any(c.secrets for c in self.containers)
        """Whether any container has ``secrets`` to fetch before its pulls."""


def _awslogs_options(log_configuration: Any) -> dict[str, str] | None:
    """The options of an ``awslogs`` log configuration; None for any other driver or none."""
    if log_configuration is None or log_configuration.log_driver != "awslogs":
        return None
    return dict(log_configuration.options or {})


class Task:
    """A task's state; the world changes it, shells see it through events and snapshots."""

    __slots__ = (
        "arn",
        "az",
        "cpu_demand",
        "cpu_since",
        "cpu_unit_seconds",
        "created_at",
        "deployment",
        "desired",
        "exited",
        "group",
        "health",
        "host_ports",
        "id",
        "instance",
        "last",
        "launch_type",
        "needs",
        "pinned",
        "process",
        "rev",
        "service",
        "started_at",
        "started_by",
        "stop_code",
        "stopped_at",
        "stopped_reason",
        "stopping",
        "targets",
    )

    def __init__(self, task_id: str, arn: str, rev: Revision, group: str, launch_type: str, needs: TaskNeeds, created_at: float) -> None:
        self.id = task_id
        self.arn = arn
        self.rev = rev
        self.group = group
        self.launch_type = launch_type
        self.needs = needs
        self.created_at = created_at
        self.instance: ContainerInstance | None = None
        self.az: str | None = None
        self.last = "PROVISIONING"
        self.desired = "RUNNING"
        self.stop_code: str | None = None
        self.stopped_reason: str | None = None
        self.process: simpy.Process | None = None
        self.started_at: float | None = None
        self.stopped_at: float | None = None
        self.started_by: str | None = None
        self.stopping = False
        self.exited: set[str] = set()
        """Containers that have stopped on their own (exit, OOM kill)."""
        self.service: Any = None
        """The ServiceRuntime that started the task (None for RunTask)."""
        self.deployment: Any = None
        self.pinned: dict[str, Any] = {}
        """Container name → the registry Image it runs, resolved when its deployment (or RunTask)
        started; containers not in it pull their reference as the task starts (§4)."""
        self.targets: list[tuple[Any, Any]] = []
        """(TargetGroupRuntime, Target) pairs the task is registered in."""
        self.health: str | None = None
        """Task health from container health checks: None (no checks), UNKNOWN, HEALTHY, UNHEALTHY."""
        self.host_ports: dict[tuple[str, int], int] = {}
        """(container, containerPort) → host port, dynamic ones included."""
        self.cpu_demand = 0.0
        """CPU units the traffic keeps busy now (on top of the app's idle use)."""
        self.cpu_since = created_at
        self.cpu_unit_seconds = 0.0
        """CPU units × seconds used by traffic so far (CloudWatch CPUUtilization integrates this)."""

    def cpu_account(self, now: float) -> None:
        """Integrate the traffic CPU demand up to ``now``."""
        self.cpu_unit_seconds += self.cpu_demand * (now - self.cpu_since)
        self.cpu_since = now


@dataclass(frozen=True)
class RunTaskResult:
    """What RunTask returned: the tasks started and the failures list."""

    task_ids: tuple[str, ...]
    failures: tuple[tuple[str, str], ...]


def task_cpu_capacity(fleet: Fleet, task: Task) -> float:
    """CPU units a task can burn: its task-level cpu when set, else an equal share of its host."""
    if task.rev.task_cpu_units is not None:
        return float(task.rev.task_cpu_units)
    if task.instance is not None:
        i = task.instance.index
        live = max(1, int(fleet.task_count[i]))
        # Container cpu is a relative share (cpu-shares): idle host CPU is shared out (§2.1).
        return max(float(task.rev.cpu), float(fleet.cpu_registered[i]) / live)
    return float(task.rev.cpu or 256)


def target_container(task: Task, tg: Any) -> str | None:
    """The container a task's service routes a target group's traffic to."""
    if task.service is None:
        return None
    for runtime, container, _port in task.service.target_groups_for(task):
        if runtime is tg:
            return container
    return None
