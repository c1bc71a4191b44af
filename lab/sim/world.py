"""Provides ``World``: one simulated ECS cluster in a SimPy environment, with its event log.

A world owns a ``simpy.Environment``, one seeded ``random.Random`` and an append-only
``EventLog``; nothing in it reads the wall clock, so the same inputs and seed give the same
log byte for byte. Shells drive it with ``run(until=...)`` and read ``log`` and
``snapshot()``; they never touch the private state.

The API mirrors ECS: ``register_task_definition``, ``run_task``, ``stop_task``,
``put_attributes``, plus ``put_role`` for IAM and ``push_image`` for ECR.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import simpy

from lab.config.instance_types import instance_type as lookup_instance_type
from lab.config.instance_types import registered_memory_mib
from lab.errors import AutoScalingValidationError, ClientException
from lab.sim import timing
from lab.sim.app import app_spec, app_up
from lab.sim.asg import AutoScalingGroups
from lab.sim.autoscaling import ServiceAutoScaling
from lab.sim.capacity import CapacityProviders, CapacityProviderService
from lab.sim.elb import TargetGroupRuntime, target_group_arn
from lab.sim.events import (
    ApiCallFailed,
    ContainerInstanceStateChanged,
    EventLog,
    InstanceRegistrationFailed,
    PlacementFailed,
    RunTaskCompleted,
)
from lab.sim.faults import apply_fault
from lab.sim.fleet import ACTIVE, DRAINING, DYNAMIC_PORT_RANGE, STATUS_NAMES, Fleet
from lab.sim.iam import IamDecision, compile_policy, denial_message, evaluate
from lab.sim.metrics import Metrics
from lab.sim.placement import (
    Constraint,
    PlacementError,
    Strategy,
    TaskNeeds,
    place,
    validate_constraints,
    validate_strategies,
)
from lab.sim.registry import Image, Registry
from lab.sim.service import DEFAULT_SERVICE_STRATEGIES, ServiceRuntime
from lab.sim.spec import (
    FAULT_ENTRIES,
    AddInstances,
    DrainInstances,
    ImageSpec,
    InstanceGroupSpec,
    PushImage,
    PutAttributes,
    RunTask,
    SetDesiredCapacity,
    SetTraffic,
    StopTask,
    UpdateService,
    WorldSpec,
)

__all__ = ["ContainerInstance", "IamRole", "MetricsView", "RunTaskResult", "ServiceCounts", "TargetGroupCounts", "World"]

MAX_RUN_TASK_COUNT = 10
"""RunTask starts at most 10 tasks per call; reference §1.7."""

LB_NODE_IP = "10.0.0.10"
"""Private address a load balancer's health checks and requests come from (inside the VPC)."""


@dataclass(frozen=True)
class IamRole:
    """An IAM role as the simulator needs it: who may assume it and what it allows."""

    name: str
    trusted_services: frozenset[str]
    """Service principals in the trust policy (``ec2.amazonaws.com``, ``ecs-tasks.amazonaws.com``)."""
    policies: tuple[tuple[str, dict[str, Any]], ...]
    """(label, policy document) pairs: managed policies by ARN, inline ones as ``inline:<name>``."""


class ContainerInstance:
    """Agent-side state of one container instance (its layer cache, role, timeouts)."""

    __slots__ = (
        "arn", "az", "dynamic_ports", "ec2_id", "id", "index", "instance_type", "launched_at", "layers", "role", "security_groups",
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
        self.dynamic_ports: set[int] = set()
        """Host ports handed out from the ephemeral range."""
        self.launched_at = 0.0
        """When the EC2 instance was launched (billing starts then, before it registers)."""
        self.security_groups: tuple[str, ...] = ()


class Container:
    """A container definition reduced to what the agent runs."""

    __slots__ = (
        "environment", "essential", "hard_limit_mib", "health_check", "image", "name", "port_mappings", "secrets", "stop_timeout_s",
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
        # (memoryReservation before memory); reference §2.1.
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
            )
            for c in cds
        )


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


@dataclass(frozen=True)
class InstanceView:
    """Read-only view of a container instance for shells."""

    container_instance_id: str
    ec2_instance_id: str
    instance_type: str
    availability_zone: str
    status: str
    agent_connected: bool
    cpu_registered: int
    cpu_remaining: int
    memory_registered_mib: int
    memory_remaining_mib: int
    used_ports: tuple[int, ...]
    running_tasks_count: int
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskView:
    """Read-only view of a task for shells."""

    task_id: str
    task_definition: str
    group: str
    launch_type: str
    last_status: str
    desired_status: str
    ec2_instance_id: str | None
    availability_zone: str | None
    stop_code: str | None
    stopped_reason: str | None


@dataclass(frozen=True)
class WorldSnapshot:
    """Everything a shell may show about the world at one simulated time."""

    now: float
    cluster: str
    instances: tuple[InstanceView, ...]
    tasks: tuple[TaskView, ...]


@dataclass(frozen=True)
class ServiceCounts:
    """A service's task counts as DescribeServices reports them."""

    name: str
    desired: int
    running: int
    pending: int
    cpu_utilization: float | None = None
    """The service's latest CloudWatch CPUUtilization datapoint (%), when metrics are sampled."""


@dataclass(frozen=True)
class TargetGroupCounts:
    """A target group's health and the requests it has seen since time zero."""

    name: str
    healthy: int
    targets: int
    requests: float
    failed_requests: float
    """ELB and target 5xx responses, summed."""


@dataclass(frozen=True)
class MetricsView:
    """The numbers a shell plots over simulated time, read at one moment."""

    now: float
    services: tuple[ServiceCounts, ...]
    target_groups: tuple[TargetGroupCounts, ...]
    active_instances: int
    cpu_reserved_units: int
    cpu_registered_units: int
    provider_reservations: tuple[tuple[str, float], ...] = ()
    """Latest CapacityProviderReservation (%) per capacity provider, when metrics are sampled."""


class World:
    """One simulated cluster: build it, call its API, ``run(until=...)``, read ``log``."""

    def __init__(
        self,
        spec: WorldSpec,
        *,
        seed: int,
        roles: Iterable[IamRole] = (),
        target_groups: Iterable[Any] = (),
        security_groups: Iterable[Any] = (),
    ) -> None:
        """Build a world at simulated time 0.

        Args:
            spec: what exists (instances, images, timeline).
            seed: seeds the world's only random generator.
            roles: IAM roles that exist from the start (world roles and learner files).
            target_groups: ``TargetGroup`` models (lab.config) that exist from the start.
            security_groups: ``SecurityGroup`` models (lab.config) that exist from the start.

        Raises:
            ClientException: the spec names an unknown instance type or base image.
        """
        self.spec = spec
        self.seed = seed
        self.env = simpy.Environment(initial_time=0.0)
        self.rng = random.Random(seed)
        self.log = EventLog()
        self.fleet = Fleet()
        self.cluster = spec.cluster.name
        self.region = spec.region
        self.account = spec.account
        self.cluster_arn = f"arn:aws:ecs:{self.region}:{self.account}:cluster/{self.cluster}"
        self.start = datetime.fromisoformat(spec.start.replace("Z", "+00:00"))
        self.registry = Registry(self.account, self.region)
        self.roles: dict[str, IamRole] = {}
        self._compiled: dict[str, list[Any]] = {}
        self._decisions: dict[tuple[str, str, str], IamDecision] = {}
        self.instances: list[ContainerInstance] = []
        self.families: dict[str, list[Revision]] = {}
        self.tasks: dict[str, Task] = {}
        self._public_images: dict[str, Image] = {}
        self.services: dict[str, ServiceRuntime] = {}
        self.security_groups: dict[str, Any] = {sg.name: sg for sg in security_groups}
        self.routing_epoch = 0
        """Bumped by whatever may change a health probe's answer other than the task itself."""
        self.load_balancers = {lb.name: lb for lb in spec.load_balancers}
        self.target_groups: dict[str, TargetGroupRuntime] = {}
        self.cloudwatch = Metrics(self)
        """CloudWatch-style one-minute metrics and alarms (sampled once a document opts in)."""
        self.app_autoscaling = ServiceAutoScaling(self)
        """Service Auto Scaling: scalable targets and scaling policies."""
        self.autoscaling_groups = AutoScalingGroups(self)
        """EC2 Auto Scaling groups, by name."""
        self.capacity = CapacityProviders(self)
        """Capacity providers and the cluster's default strategy."""
        if spec.metrics:
            self.cloudwatch.start()
        for tg in target_groups:
            self.put_target_group(tg)
        for role in roles:
            self.put_role(role)
        for image_spec in spec.registry:
            self.push_image(image_spec)
        for group in spec.instances:
            self.add_instances(group, at=group.at)
        for entry in spec.timeline:
            self._schedule_entry(entry)

    # -- clock --------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Simulated seconds since the world started."""
        return self.env.now  # type: ignore[no-any-return]

    def run(self, until: float) -> None:
        """Advance the simulation to ``until`` seconds (no-op if already there)."""
        if until > self.env.now:
            self.env.run(until=until)

    def step(self) -> None:
        """Process the next scheduled SimPy event (one tick of the simulation)."""
        self.env.step()

    def peek(self) -> float:
        """Time of the next scheduled SimPy event (``inf`` when nothing is scheduled)."""
        return float(self.env.peek())

    def at(self, delay: float, action: Callable[[], object]) -> None:
        """Call ``action`` after ``delay`` simulated seconds."""

        def proc() -> Iterator[simpy.Event]:
            yield self.env.timeout(delay)
            action()

        self.env.process(proc())

    def iso(self, t: float | None = None) -> str:
        """Calendar time of simulated second ``t`` (default: now), ISO-8601 UTC."""
        moment = self.start + timedelta(seconds=self.now if t is None else t)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _jitter(self, bounds: tuple[float, float]) -> float:
        return round(self.rng.uniform(*bounds), 3)

    def _hex(self, bits: int = 128) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    # -- IAM ----------------------------------------------------------------------------

    def role_arn(self, name: str) -> str:
        """The ARN of a role in this account."""
        return f"arn:aws:iam::{self.account}:role/{name}"

    def put_role(self, role: IamRole) -> None:
        """Create or replace a role (as CreateRole / Put*Policy / Attach*Policy would)."""
        self.roles[role.name] = role
        self._compiled[role.name] = [compile_policy(label, document) for label, document in role.policies]
        self._decisions.clear()

    def role_allows(self, role_name: str | None, action: str, resource: str = "*") -> IamDecision:
        """Evaluate ``action`` on ``resource`` for a role's identity policies."""
        if role_name is None or role_name not in self._compiled:
            return IamDecision(False, "implicit-deny", None, False)
        key = (role_name, action, resource)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decisions[key] = evaluate(self._compiled[role_name], action, resource)
        return decision

    @staticmethod
    def role_name(arn_or_name: str) -> str:
        """The role name from a role ARN (or the name itself)."""
        return arn_or_name.rsplit("/", 1)[-1]

    # -- ECR ----------------------------------------------------------------------------

    def push_image(self, spec: ImageSpec) -> Image:
        """Push an image (or move a tag).

        Raises:
            ClientException: unknown base image or impossible size.
        """
        try:
            return self.registry.push(spec)
        except ValueError as exc:
            raise ClientException(str(exc)) from None

    def public_image(self, repository: str, tag: str) -> Image:
        """A public image the registry does not list: a 60 MB image with a default app."""
        key = f"{repository}:{tag}"
        image = self._public_images.get(key)
        if image is None:
            reg = Registry("000000000000", self.region)
            image = reg.push(ImageSpec(repository=_repo_name(repository), tag=tag, size_mb=60.0, public=True))
            self._public_images[key] = image
        return image

    # -- container instances ---------------------------------------------------------------

    def add_instances(self, group: InstanceGroupSpec, *, at: float | None = None) -> None:
        """Launch a group of instances; with ``at`` None they are registered right away.

        Raises:
            ClientException: unknown instance type.
        """
        try:
            itype = lookup_instance_type(group.type)
        except LookupError as exc:
            raise ClientException(str(exc)) from None
        for n in range(group.count):
            az = group.azs[n % len(group.azs)]
            ec2_id = f"i-0{self._hex(64)}"
            if at is None:
                self._register_instance(group, itype, az, ec2_id)
            else:
                boot = self._jitter(timing.EC2_BOOT_S) + self._jitter(timing.AGENT_REGISTER_S)
                launch = max(at, self.now)
                self.at(max(0.0, at - self.now) + boot, _bind(self._register_instance, group, itype, az, ec2_id, launch))

    def _register_instance(self, group: InstanceGroupSpec, itype: Any, az: str, ec2_id: str, launched_at: float | None = None) -> None:
        role = self.role_name(group.role)
        problem = self._instance_role_problem(role, ec2_id)
        if problem is not None:
            self.log.append(InstanceRegistrationFailed(self.now, ec2_id, self.cluster, problem))
            return
        ci_id = self._hex()
        arn = f"arn:aws:ecs:{self.region}:{self.account}:container-instance/{self.cluster}/{ci_id}"
        attributes = {
            "ecs.availability-zone": az,
            "ecs.instance-type": itype.name,
            "ecs.ami-id": group.ami,
            "ecs.os-type": group.os_type,
            "ecs.os-family": "LINUX" if group.os_type == "linux" else "WINDOWS_SERVER_2022_FULL",
            "ecs.cpu-architecture": itype.architecture,
            "ecs.vpc-id": "vpc-0lab0000000000001",
            "ecs.subnet-id": f"subnet-0lab{az[-1]}",
            "ecs.capability.task-eni": "true",
        }
        if group.trunking and itype.trunk_tasks:
            attributes["ecs.awsvpc-trunk-id"] = f"eni-0{self._hex(64)}"
        attributes.update(group.attributes)
        eni_slots = itype.trunk_tasks if (group.trunking and itype.trunk_tasks) else max(0, itype.max_enis - 1)
        memory = registered_memory_mib(itype, group.reserved_memory_mib)
        index = self.fleet.add(
            container_instance_id=ci_id,
            arn=arn,
            ec2_instance_id=ec2_id,
            instance_type=itype.name,
            availability_zone=az,
            cpu=itype.vcpus * 1024,
            memory_mib=memory,
            eni_slots=eni_slots,
            attributes=attributes,
            registered_at=self.iso(),
            agent_version=group.agent_version,
        )
        ci = ContainerInstance(index, ci_id, arn, ec2_id, itype.name, az, role, group.stop_timeout_s)
        ci.security_groups = tuple(group.security_groups)
        ci.launched_at = self.now if launched_at is None else launched_at
        self.instances.append(ci)
        for service in self.services.values():
            service.kick()
        self.log.append(ContainerInstanceStateChanged(self.now, ci_id, ec2_id, "ACTIVE", True, az, itype.name, f"registered with {itype.vcpus * 1024} CPU units and {memory} MiB"))

    def _instance_role_problem(self, role: str, ec2_id: str) -> str | None:
        if role not in self.roles:
            return f"NoCredentialProviders: no instance profile role '{role}' is attached to {ec2_id}"
        if "ec2.amazonaws.com" not in self.roles[role].trusted_services:
            return (
                f"NoCredentialProviders: role '{role}' does not trust ec2.amazonaws.com, so the instance profile "
                "cannot deliver credentials"
            )
        for action in ("ecs:RegisterContainerInstance", "ecs:DiscoverPollEndpoint", "ecs:Poll"):
            resource = self.cluster_arn if action == "ecs:RegisterContainerInstance" else "*"
            decision = self.role_allows(role, action, resource)
            if not decision.allowed:
                session = f"arn:aws:sts::{self.account}:assumed-role/{role}/{ec2_id}"
                denial = denial_message(session, action, resource, explicit_deny=decision.reason == "explicit-deny")
                return f"AccessDeniedException: {denial}"
        return None

    def put_attributes(self, attributes: dict[str, str | None], *, instance_type: str | None = None, az: str | None = None) -> int:
        """PutAttributes / DeleteAttributes on the matching instances; returns how many matched."""
        matched = 0
        for ci in self.instances:
            if instance_type and ci.instance_type != instance_type:
                continue
            if az and ci.az != az:
                continue
            self.fleet.set_attributes(ci.index, attributes)
            matched += 1
        return matched

    # -- task definitions -----------------------------------------------------------------

    def register_task_definition(self, definition: Any) -> Revision:
        """Register a new revision of ``definition.family`` (already validated by lab.config)."""
        revisions = self.families.setdefault(definition.family, [])
        number = len(revisions) + 1
        arn = f"arn:aws:ecs:{self.region}:{self.account}:task-definition/{definition.family}:{number}"
        rev = Revision(definition, number, arn)
        revisions.append(rev)
        return rev

    def resolve_task_definition(self, ref: str) -> Revision:
        """Find a revision by ``family``, ``family:revision`` or ARN (latest when no revision).

        Raises:
            ClientException: no such task definition.
        """
        name = ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref
        family, _, number = name.partition(":")
        revisions = self.families.get(family)
        if revisions:
            if not number:
                return revisions[-1]
            if number.isdigit() and 1 <= int(number) <= len(revisions):
                return revisions[int(number) - 1]
        raise ClientException("TaskDefinition not found.", ("taskDefinition",))

    # -- tasks ------------------------------------------------------------------------------

    def run_task(
        self,
        task_definition: str,
        *,
        count: int = 1,
        launch_type: str = "EC2",
        strategies: Sequence[Strategy] = (),
        constraints: Sequence[Constraint] = (),
        group: str | None = None,
        started_by: str | None = None,
        network_configuration: dict[str, Any] | None = None,
    ) -> RunTaskResult:
        """Start ``count`` standalone tasks, as RunTask does (partial success included).

        Raises:
            ClientException: an invalid request ECS refuses as a whole.
        """
        from lab.sim.agent import start_task

        rev = self.resolve_task_definition(task_definition)
        if not 1 <= count <= MAX_RUN_TASK_COUNT:
            raise ClientException(f"count must be between 1 and {MAX_RUN_TASK_COUNT}.", ("count",))
        if launch_type not in rev.compatibilities:
            raise ClientException(f"Task definition does not support launch_type {launch_type}.", ("launchType",))
        if rev.network_mode == "awsvpc" and not network_configuration:
            raise ClientException(
                "Network Configuration must be provided when networkMode 'awsvpc' is specified.", ("networkConfiguration",)
            )
        refusal = self.role_refusal(rev)
        if refusal is not None:
            raise ClientException(refusal, ("taskDefinition",))
        group = group or f"family:{rev.family}"
        all_constraints = tuple(rev.constraints) + tuple(constraints)
        strategy_tuple = tuple(strategies) or (Strategy("random"),)
        try:
            validate_strategies(strategy_tuple if strategies else ())
            validate_constraints(all_constraints)
        except PlacementError as exc:
            raise ClientException(str(exc), ("placementStrategy",)) from None
        if launch_type == "EC2" and self.fleet.unavailable == self.fleet.n:
            raise ClientException("No Container Instances were found in your cluster.")
        task_ids: list[str] = []
        failures: list[tuple[str, str]] = []
        for _ in range(count):
            needs = TaskNeeds(
                cpu=rev.cpu,
                memory_mib=rev.memory_mib,
                group=group,
                ports=rev.ports,
                dynamic_ports=rev.dynamic_ports,
                eni=rev.network_mode == "awsvpc" and launch_type == "EC2",
            )
            if launch_type == "FARGATE":
                task = self._new_task(rev, group, launch_type, needs, started_by)
                task.az = self._fargate_az(group)
                start_task(self, task)
                task_ids.append(task.id)
                continue
            decision = place(self.fleet, needs, strategies=strategy_tuple, constraints=all_constraints, rng=self.rng)
            if decision.index is None:
                closest_arn = self.fleet.arns[decision.closest] if decision.closest is not None else None
                failures.append((closest_arn or self.cluster_arn, decision.failure_reason or "RESOURCE"))
                self.log.append(PlacementFailed(self.now, group, decision.failure_reason or "", closest_arn, decision.failure_detail or ""))
                continue
            ci = self.instances[self._instance_at(decision.index)]
            self.fleet.reserve(
                ci.index, cpu=needs.cpu, memory_mib=needs.memory_mib, ports=needs.ports,
                dynamic_ports=needs.dynamic_ports, eni=needs.eni, group=group,
            )
            task = self._new_task(rev, group, launch_type, needs, started_by)
            task.instance = ci
            task.az = ci.az
            start_task(self, task)
            task_ids.append(task.id)
        self.log.append(RunTaskCompleted(self.now, rev.name, count, tuple(task_ids), tuple(failures)))
        return RunTaskResult(tuple(task_ids), tuple(failures))

    def _instance_at(self, fleet_index: int) -> int:
        # Instances are appended to the fleet and to self.instances in the same order.
        return fleet_index

    def _new_task(self, rev: Revision, group: str, launch_type: str, needs: TaskNeeds, started_by: str | None) -> Task:
        task_id = self._hex()
        arn = f"arn:aws:ecs:{self.region}:{self.account}:task/{self.cluster}/{task_id}"
        task = Task(task_id, arn, rev, group, launch_type, needs, self.now)
        task.started_by = started_by
        self.tasks[task_id] = task
        return task

    def _fargate_az(self, group: str) -> str:
        azs = sorted({ci.az for ci in self.instances}) or [f"{self.region}{s}" for s in "abc"]
        counts = {az: 0 for az in azs}
        for t in self.tasks.values():
            if t.launch_type == "FARGATE" and t.group == group and t.last != "STOPPED" and t.az in counts:
                counts[t.az] += 1
        low = min(counts.values())
        # Fargate spreads tasks over the AZs of its subnets by itself (reference §1.1).
        return self.rng.choice([az for az in azs if counts[az] == low])

    def _qualified_role_arn(self, role: str) -> str:
        return role if role.startswith("arn:") else self.role_arn(role)

    def role_refusal(self, rev: Revision) -> str | None:
        """ECS's refusal when it cannot assume a revision's execution or task role, else None.

        A role ECS can assume exists and trusts ``ecs-tasks.amazonaws.com`` (reference §8.2, §8.3).
        """
        for role_arn in (rev.execution_role, rev.task_role):
            if role_arn and not self._task_role_usable(role_arn):
                return (
                    f"ECS was unable to assume the role '{self._qualified_role_arn(role_arn)}' that was provided for this task. "
                    "Please verify that the role being passed has the proper trust relationship and permissions "
                    "and that your IAM user has permissions to pass this role."
                )
        return None

    def _task_role_usable(self, role_arn: str) -> bool:
        role = self.roles.get(self.role_name(role_arn))
        return role is not None and "ecs-tasks.amazonaws.com" in role.trusted_services

    def stop_task(self, task_id: str, reason: str = "Task stopped by user", *, stop_code: str = "UserInitiated") -> None:
        """Ask a task to stop (desiredStatus STOPPED); the agent does the rest."""
        from lab.sim.agent import request_stop

        task = self.tasks.get(task_id)
        if task is None:
            raise ClientException("The referenced task was not found.", ("task",))
        request_stop(self, task, stop_code, reason)

    def stop_group(self, group: str, *, count: int | None = None, reason: str = "Task stopped by user") -> int:
        """Stop the live tasks of a group, oldest first; returns how many were asked to stop."""
        live = [t for t in self.tasks.values() if t.group == group and t.desired != "STOPPED"]
        live.sort(key=lambda t: t.created_at)
        chosen = live if count is None else live[:count]
        for task in chosen:
            self.stop_task(task.id, reason)
        return len(chosen)


    # -- load balancing and security groups --------------------------------------------------

    def put_target_group(self, model: Any) -> TargetGroupRuntime:
        """Create a target group, or apply new settings to an existing one."""
        existing = self.target_groups.get(model.name)
        if existing is not None:
            existing.set_model(model)
            return existing
        lb = next((lb for lb in self.load_balancers.values() if model.name in lb.target_groups), None)
        runtime = TargetGroupRuntime(
            self,
            model,
            target_group_arn(model.name, self.region, self.account),
            load_balancer=lb.name if lb else None,
            lb_azs=frozenset(lb.azs) if lb else frozenset(),
            reachable=lambda target, lb=lb: self._reachable(lb, target),
            responds=lambda target, tg_name=model.name: self._responds(tg_name, target),
            profile=lambda target, tg_name=model.name: self._profile(tg_name, target),
            settings=lambda: (self.registry.generation, self.routing_epoch),
            lasting=lambda target, tg_name=model.name: self._lasting(tg_name, target),
            answer_until=lambda target, tg_name=model.name: self._answer_until(tg_name, target),
        )
        runtime.listeners.append(lambda target, state, tg=runtime: _dispatch_target_state(tg, target, state))
        self.target_groups[model.name] = runtime
        return runtime

    def put_security_group(self, model: Any) -> None:
        """Create or replace a security group (its rules apply from now on)."""
        self.security_groups[model.name] = model
        self.routing_epoch += 1
        for tg in self.target_groups.values():
            tg.refresh()

    def find_target_group(self, ref: str | None) -> TargetGroupRuntime | None:
        """A target group by ARN or name."""
        if not ref:
            return None
        for tg in self.target_groups.values():
            if ref in (tg.arn, tg.name) or ref.startswith("arn:") and ref.split("/")[1:2] == [tg.name]:
                return tg
        return None

    def _reachable(self, lb: Any, target: Any) -> bool:
        """Whether the load balancer may open a connection to the target's port (security groups)."""
        if not self.security_groups or lb is None:
            return True
        from lab.config.security_group import allows_ingress

        task = target.task
        if task.needs.eni or task.launch_type == "FARGATE":
            groups = tuple(task.service.network_groups) if task.service is not None else ()
        else:
            groups = task.instance.security_groups if task.instance is not None else ()
        if not groups:
            return True
        sources = list(lb.security_groups)
        for name in groups:
            sg = self.security_groups.get(name)
            if sg is None:
                continue
            # The load balancer's nodes connect from their private address in the VPC, so a
            # CIDR rule covering it (the VPC range, 0.0.0.0/0) lets them in as well as a rule
            # naming one of its security groups; an NLB without groups has only the address (§6.3).
            if allows_ingress(sg, protocol="tcp", port=target.port, source_ip=LB_NODE_IP):
                return True
            if any(allows_ingress(sg, protocol="tcp", port=target.port, source_group=src) for src in sources):
                return True
        return False

    def _target_app(self, tg: TargetGroupRuntime, target: Any) -> tuple[Any, Any]:
        """(container, app model) behind a target; None, None when no container serves it.

        Cached on the target until an image is pushed or the service's load balancers change,
        the only things that change the answer: health checks and routing ask it for every
        target, many times a minute.
        """
        task = target.task
        routes = task.service.target_groups if task.service is not None else None
        generation = self.registry.generation
        info = target.info
        if info is not None and info[0] == generation and info[1] is routes and info[2] is tg:
            return info[3], info[4]
        container = next((c for c in task.rev.containers if c.name == target_container(task, tg)), None)
        spec = app_spec(self, container) if container is not None else None
        target.info = (generation, routes, tg, container, spec)
        return container, spec

    def _responds(self, tg_name: str, target: Any) -> tuple[bool, int]:
        """(app up, HTTP status of the health-check path) for a target's container."""
        task = target.task
        tg = self.target_groups[tg_name]
        container, spec = self._target_app(tg, target)
        if container is None or not app_up(self, task, container, spec):
            return False, 0
        if tg.model.is_network or tg.model.health_check_protocol in ("TCP", "UDP", "TLS"):
            return True, 200
        return True, 200 if tg.model.health_check_path == spec.health_path else 404

    def _lasting(self, tg_name: str, target: Any) -> bool:
        """Whether a target's app, once it answers, keeps answering (it never hangs by itself)."""
        container, spec = self._target_app(self.target_groups[tg_name], target)
        return container is not None and spec.hang_after_s is None

    def _answer_until(self, tg_name: str, target: Any) -> float:
        """Until when ``app_up`` keeps its present answer for a target's app, if nothing else changes.

        Its boot ends or its hang starts then; a task that is not running changes only
        through its task (which clears the answer). A microsecond early, so that float
        rounding at the boundary cannot keep a stale answer.
        """
        task = target.task
        container, spec = self._target_app(self.target_groups[tg_name], target)
        if container is None or task.started_at is None or task.last != "RUNNING" or container.name in task.exited:
            return math.inf
        alive_for = self.now - task.started_at
        if alive_for < spec.boot_s:
            return task.started_at + spec.boot_s - 1e-6
        if spec.hang_after_s is not None and alive_for < spec.hang_after_s:
            return task.started_at + spec.hang_after_s - 1e-6
        return math.inf

    def _profile(self, tg_name: str, target: Any) -> tuple[float, float] | None:
        """(error rate, requests per second the task can serve) for a target's container."""
        task = target.task
        tg = self.target_groups[tg_name]
        container, spec = self._target_app(tg, target)
        if container is None:
            return None
        if spec.cpu_units_per_rps <= 0:
            return spec.error_rate, 0.0
        return spec.error_rate, max(0.0, task_cpu_capacity(self, task) - spec.idle_cpu_units) / spec.cpu_units_per_rps

    def load_changed(self, tg: TargetGroupRuntime, targets: Iterable[Any] | None = None) -> None:
        """Traffic shares changed: bring every affected task's CPU accounting up to date.

        Args:
            tg: the target group whose shares changed.
            targets: only these targets changed (default: all of the group's).
        """
        now = self.now
        for target in tg.targets if targets is None else targets:
            task = target.task
            if not target.serving and task.cpu_demand == 0.0:
                continue  # nothing accrues at zero demand, before or after: no accounting to do
            task.cpu_account(now)
            if target.serving:
                container, spec = self._target_app(tg, target)
                per_rps = spec.cpu_units_per_rps if container is not None else 0.0
                task.cpu_demand = target.rate * (1.0 - target.error_fraction) * per_rps
            else:
                task.cpu_demand = 0.0

    def set_load(self, target_group: str, rps: float, request_s: float | None = None) -> None:
        """Offer ``rps`` requests per second to a target group from now on."""
        tg = self.target_groups.get(target_group)
        if tg is None:
            raise ClientException(f"One or more target groups not found: {target_group}")
        tg.set_load(rps, request_s)

    # -- services ---------------------------------------------------------------------------

    def _service_target_groups(self, model: Any) -> list[tuple[TargetGroupRuntime, str, int]]:
        pairs = []
        for lb in model.load_balancers:
            tg = self.find_target_group(lb.target_group_arn)
            if tg is None:
                raise ClientException(f"Unable to find target group {lb.target_group_arn}.", ("loadBalancers",))
            pairs.append((tg, lb.container_name, lb.container_port))
        return pairs

    def create_service(self, model: Any) -> ServiceRuntime:
        """CreateService: the scheduler starts placing tasks now.

        Raises:
            ClientException: the service exists or names an unknown task definition or target group.
            InvalidParameterException: its capacity provider strategy names a provider the
                cluster lacks, or mixes Fargate and Auto Scaling group providers.
        """
        if model.service_name in self.services:
            raise ClientException("Creation of service was not idempotent.", ("serviceName",))
        rev = self.resolve_task_definition(model.task_definition)
        self.capacity.check_strategy(tuple(model.capacity_provider_strategy))
        service_class = CapacityProviderService if self.capacity.strategy_for(model) else ServiceRuntime
        runtime = service_class(self, model, rev, self._service_target_groups(model))
        self.services[runtime.name] = runtime
        runtime.kick()
        return runtime

    def update_service(self, model: Any) -> ServiceRuntime:
        """UpdateService with a whole service file (what applying a learner's edit does).

        A file that changes the capacity provider strategy in effect (adds one to a launch-type
        service, changes it, or drops it for a launch type) switches the service's scheduler
        and starts a new deployment: the API takes such a change only together with
        ``forceNewDeployment`` (see docs/simulator.md), which applying a file implies. The
        new deployment's tasks go to the new capacity; the old ones are replaced within the
        deployment bounds.

        Raises:
            ClientException: an unknown task definition or target group (nothing changes).
        """
        runtime = self.services.get(model.service_name)
        if runtime is None:
            return self.create_service(model)
        rev = self.resolve_task_definition(model.task_definition)
        self.capacity.check_strategy(tuple(model.capacity_provider_strategy))
        self.routing_epoch += 1  # its load balancers or network security groups may change
        target_groups = self._service_target_groups(model)
        strategy = self.capacity.strategy_for(model)
        current = runtime.strategy if isinstance(runtime, CapacityProviderService) else ()
        if _strategy_key(strategy) != _strategy_key(current):
            _switch_scheduler(runtime)
            runtime.update(model.model_copy(update={"force_new_deployment": True}), rev, target_groups)
            runtime.model = model
            return runtime
        runtime.update(model, rev, target_groups)
        return runtime

    def launch_service_task(self, service: ServiceRuntime, deployment: Any, needs: TaskNeeds, index: int | None) -> Task:
        """Start one task for a service (placed on fleet position ``index``, or on Fargate)."""
        from lab.sim.agent import start_task

        task = self._new_task(deployment.rev, service.group, service.launch_type, needs, f"ecs-svc/{service.name}")
        task.service = service
        task.deployment = deployment
        if index is None:
            task.az = self._fargate_az(service.group)
        else:
            ci = self.instances[index]
            self.fleet.reserve(
                ci.index, cpu=needs.cpu, memory_mib=needs.memory_mib, ports=needs.ports,
                dynamic_ports=needs.dynamic_ports, eni=needs.eni, group=needs.group,
            )
            task.instance = ci
            task.az = ci.az
        start_task(self, task)
        return task

    def stop_service_task(self, task: Task, reason: str, stop_code: str) -> None:
        """The scheduler stops a task (deployment, scale-in, failed health checks)."""
        from lab.sim.agent import request_stop

        request_stop(self, task, stop_code, reason)

    def set_instance_state(self, index: int, status: str) -> None:
        """UpdateContainerInstancesState: DRAINING or ACTIVE.

        Raises:
            ClientException: the instance is not in a state that allows the change.
        """
        code = {"ACTIVE": ACTIVE, "DRAINING": DRAINING}[status]
        current = int(self.fleet.status[index])
        if current == code:
            return
        if current not in (ACTIVE, DRAINING):
            raise ClientException(f"Container instance is {STATUS_NAMES[current]}; only ACTIVE and DRAINING can change state.")
        self.fleet.set_status(index, code)
        ci = self.instances[index]
        self.log.append(
            ContainerInstanceStateChanged(self.now, ci.id, ci.ec2_id, status, bool(self.fleet.connected[index]), ci.az, ci.instance_type)
        )
        for service in self.services.values():
            service.kick()

    def drain_instances(self, *, az: str | None = None, instance_type: str | None = None, count: int | None = None, status: str = "DRAINING") -> int:
        """Set matching instances DRAINING (or ACTIVE); returns how many changed."""
        matched = [ci for ci in self.instances if (az is None or ci.az == az) and (instance_type is None or ci.instance_type == instance_type)]
        if count is not None:
            matched = matched[:count]
        for ci in matched:
            self.set_instance_state(ci.index, status)
        return len(matched)

    def allocate_host_port(self, ci: ContainerInstance) -> int:
        """Hand out the lowest free port of the instance's ephemeral range (§2.3)."""
        port = DYNAMIC_PORT_RANGE[0]
        while port in ci.dynamic_ports:
            port += 1
        ci.dynamic_ports.add(port)
        return port

    # -- timeline -------------------------------------------------------------------------

    def _schedule_entry(self, entry: Any) -> None:
        if isinstance(entry, RunTask):
            for k in range(entry.repeat):
                self.at(entry.at + k * entry.every, _bind(self._timeline_run_task, entry))
        elif isinstance(entry, StopTask):
            self.at(entry.at, lambda: self.stop_group(entry.group, count=entry.count, reason=entry.reason))
        elif isinstance(entry, AddInstances):
            self.at(entry.at or 0.0, _bind(self._guarded, "RunInstances", lambda: self.add_instances(entry, at=self.now)))
        elif isinstance(entry, PutAttributes):
            self.at(entry.at, lambda: self.put_attributes(entry.attributes, instance_type=entry.type, az=entry.az))
        elif isinstance(entry, PushImage):
            self.at(entry.at, _bind(self._guarded, "PutImage", lambda: self.push_image(entry.image)))
        elif isinstance(entry, UpdateService):
            self.at(entry.at, _bind(self._timeline_update_service, entry))
        elif isinstance(entry, DrainInstances):
            status = "DRAINING" if entry.event == "drain-instances" else "ACTIVE"
            self.at(entry.at, lambda: self.drain_instances(az=entry.az, instance_type=entry.type, count=entry.count, status=status))
        elif isinstance(entry, SetTraffic):
            self.at(entry.at, _bind(self._timeline_traffic, entry))
        elif isinstance(entry, FAULT_ENTRIES):
            self.at(entry.at, _bind(self._guarded, entry.event, lambda: apply_fault(self, entry)))
        elif isinstance(entry, SetDesiredCapacity):
            self.at(entry.at, _bind(self._guarded, "SetDesiredCapacity", lambda: self._timeline_desired_capacity(entry)))

    def _guarded(self, operation: str, call: Callable[[], object]) -> None:
        """Run a timeline operation; a refusal is logged as ApiCallFailed, as the API would answer."""
        try:
            call()
        except ClientException as exc:
            self.log.append(ApiCallFailed(self.now, operation, str(exc)))

    def _timeline_update_service(self, entry: UpdateService) -> None:
        service = self.services.get(entry.service)
        if service is None:
            self.log.append(ApiCallFailed(self.now, "UpdateService", "ServiceNotFoundException: Service not found."))
            return
        changes: dict[str, Any] = {"force_new_deployment": entry.forceNewDeployment}
        if entry.desiredCount is not None:
            changes["desired_count"] = entry.desiredCount
        if entry.taskDefinition is not None:
            changes["task_definition"] = entry.taskDefinition
        try:
            self.update_service(service.model.model_copy(update=changes))
        except ClientException as exc:
            self.log.append(ApiCallFailed(self.now, "UpdateService", str(exc)))

    def _timeline_desired_capacity(self, entry: SetDesiredCapacity) -> None:
        group = self.autoscaling_groups.get(entry.autoScalingGroupName)
        if group is None:
            raise AutoScalingValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{entry.autoScalingGroupName}' not found")
        group.set_desired_capacity(entry.desiredCapacity)

    def _timeline_traffic(self, entry: SetTraffic) -> None:
        try:
            self.set_load(entry.target_group, entry.rps, entry.request_s)
        except ClientException as exc:
            self.log.append(ApiCallFailed(self.now, "SetTraffic", str(exc)))

    def _timeline_run_task(self, entry: RunTask) -> None:
        try:
            self.run_task(
                entry.taskDefinition,
                count=entry.count,
                launch_type=entry.launchType,
                strategies=tuple(Strategy(s.get("type", ""), s.get("field")) for s in entry.placementStrategy),
                constraints=tuple(Constraint(c.get("type", ""), c.get("expression")) for c in entry.placementConstraints),
                group=entry.group,
                started_by=entry.startedBy,
                network_configuration=entry.networkConfiguration,
            )
        except ClientException as exc:
            self.log.append(ApiCallFailed(self.now, "RunTask", str(exc)))

    # -- views ------------------------------------------------------------------------------

    def explain_placement(self, group: str) -> list[Any]:
        """"Why not placed?" for a task group now: every instance's first failed check or rank.

        ``group`` is ``service:<name>`` (the service's current revision, strategies and
        constraints) or ``family:<family>`` (the latest revision, RunTask's random strategy).
        Returns an empty list when the group is unknown.
        """
        from lab.sim.placement import explain

        name = group.partition(":")[2]
        service = self.services.get(name) if group.startswith("service:") else None
        if service is not None:
            rev = service.deployments[0].rev
            needs = service._needs(rev)
            strategies = service.strategies or DEFAULT_SERVICE_STRATEGIES
            constraints = tuple(rev.constraints) + service.constraints
        elif name in self.families:
            rev = self.families[name][-1]
            needs = TaskNeeds(rev.cpu, rev.memory_mib, group, rev.ports, rev.dynamic_ports, rev.network_mode == "awsvpc")
            strategies, constraints = (Strategy("random"),), tuple(rev.constraints)
        else:
            return []
        return explain(self.fleet, needs, strategies=strategies, constraints=constraints)

    def launch_template(self, name: str) -> Any:
        """A launch template of the world by name.

        Raises:
            ClientException: no such template (EC2 Auto Scaling's wording, UNCONFIRMED).
        """
        for template in self.spec.launch_templates:
            if template.name == name:
                return template
        raise AutoScalingValidationError(f"The specified launch template, with template name {name}, does not exist.")

    def cost_usd(self) -> float:
        """What the run cost so far: EC2 instance-hours on demand from launch (Auto Scaling group
        instances until they terminate, Spot at its discount), and Fargate vCPU- and GB-hours per
        task from start to STOPPED (reference §9; prices approximate)."""
        from lab.config.fargate import (
            FARGATE_GB_HOUR_USD,
            FARGATE_SPOT_DISCOUNT,
            FARGATE_VCPU_HOUR_USD,
        )

        now = self.now
        total = self.autoscaling_groups.cost_usd(now)
        billed = self.autoscaling_groups.billed_ids()
        for ci in self.instances:
            if ci.ec2_id in billed:
                continue
            total += lookup_instance_type(ci.instance_type).price_usd_hour * max(0.0, now - ci.launched_at) / 3600.0
        for task in self.tasks.values():
            if task.launch_type != "FARGATE":
                continue
            end = task.stopped_at if task.stopped_at is not None else now
            vcpu = (task.rev.definition.cpu_units or 256) / 1024
            gb = (task.rev.definition.memory_mib or 512) / 1024
            spot = 1 - FARGATE_SPOT_DISCOUNT if task.id in self.capacity.spot_tasks else 1.0
            total += (vcpu * FARGATE_VCPU_HOUR_USD + gb * FARGATE_GB_HOUR_USD) * spot * max(0.0, end - task.created_at) / 3600.0
        return total

    def metrics(self) -> MetricsView:
        """Read-only service counts, target health, request totals and capacity now."""
        watch = self.cloudwatch

        def latest(namespace: str, metric: str, dims: dict[str, str]) -> float | None:
            point = watch.latest(metric, dims, namespace=namespace)
            return None if point is None else point.value

        services = tuple(
            ServiceCounts(name, *svc.counts(), latest("AWS/ECS", "CPUUtilization", {"ClusterName": self.cluster, "ServiceName": name}))
            for name, svc in self.services.items()
        )
        reservations = []
        for key in watch.keys():
            if key.name == "CapacityProviderReservation":
                value = latest(key.namespace, key.name, dict(key.dimensions))
                if value is not None:
                    reservations.append((dict(key.dimensions).get("CapacityProviderName", ""), value))
        groups = []
        for name, tg in self.target_groups.items():
            tg.flush()
            failed = tg.totals.elb_5xx + tg.totals.target_5xx
            groups.append(TargetGroupCounts(name, tg.healthy_count(), len(tg.targets), tg.totals.request_count, failed))
        fleet = self.fleet
        active = [ci.index for ci in self.instances if int(fleet.status[ci.index]) == ACTIVE]
        registered = sum(int(fleet.cpu_registered[i]) for i in active)
        reserved = sum(int(fleet.cpu_registered[i]) - int(fleet.cpu_free[i]) for i in active)
        return MetricsView(self.now, services, tuple(groups), len(active), reserved, registered, tuple(sorted(reservations)))

    def snapshot(self) -> WorldSnapshot:
        """A read-only picture of the cluster now."""
        fleet = self.fleet
        instances = []
        for ci in self.instances:
            i = ci.index
            used = sorted(port for (proto, port), col in fleet.port_used.items() if proto == "tcp" and col[i])
            instances.append(
                InstanceView(
                    ci.id, ci.ec2_id, ci.instance_type, ci.az, STATUS_NAMES[int(fleet.status[i])], bool(fleet.connected[i]),
                    int(fleet.cpu_registered[i]), int(fleet.cpu_free[i]), int(fleet.mem_registered[i]), int(fleet.mem_free[i]),
                    tuple(used), int(fleet.running_count[i]), dict(fleet.attributes[i]),
                )
            )
        tasks = tuple(
            TaskView(
                t.id, t.rev.name, t.group, t.launch_type, t.last, t.desired,
                t.instance.ec2_id if t.instance else None, t.az, t.stop_code, t.stopped_reason,
            )
            for t in self.tasks.values()
        )
        return WorldSnapshot(self.now, self.cluster, tuple(instances), tasks)


def task_cpu_capacity(world: World, task: Task) -> float:
    """CPU units a task can burn: its task-level cpu when set, else an equal share of its host."""
    if task.rev.task_cpu_units is not None:
        return float(task.rev.task_cpu_units)
    if task.instance is not None:
        i = task.instance.index
        live = max(1, int(world.fleet.task_count[i]))
        # Container cpu is a relative share (cpu-shares): idle host CPU is shared out (§2.1).
        return max(float(task.rev.cpu), float(world.fleet.cpu_registered[i]) / live)
    return float(task.rev.cpu or 256)


def _dispatch_target_state(tg: TargetGroupRuntime, target: Any, state: str) -> None:
    service = target.task.service
    if service is not None:
        service.on_target_state(target, state, tg)


def target_container(task: Task, tg: TargetGroupRuntime) -> str | None:
    """The container a task's service routes a target group's traffic to."""
    if task.service is None:
        return None
    for runtime, container, _port in task.service.target_groups:
        if runtime is tg:
            return container
    return None


def _bind(fn: Callable[..., object], *args: Any) -> Callable[[], object]:
    return lambda: fn(*args)


def _strategy_key(strategy: Iterable[Any]) -> tuple[tuple[str, int, int], ...]:
    """A capacity provider strategy as comparable values (provider, base, weight)."""
    return tuple((str(item.capacity_provider), int(item.base), int(item.weight)) for item in strategy)


def _switch_scheduler(runtime: ServiceRuntime) -> None:
    """Give a service the capacity-provider scheduler in place, keeping its tasks and deployments.

    The runtime keeps its identity because tasks, target groups, scalable targets and
    already scheduled scheduler passes refer to it. The capacity-provider scheduler only adds
    the bookkeeping of PROVISIONING tasks and of the provider each task runs on (none for
    tasks started under a launch type); with an empty strategy it places exactly as the
    launch-type scheduler does, so a service that drops its strategy keeps this class.
    """
    if isinstance(runtime, CapacityProviderService):
        return
    vars(runtime).setdefault("waiting", {})
    vars(runtime).setdefault("provider_of", {})
    runtime.__class__ = CapacityProviderService


def _repo_name(repository: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "._/-" else "-" for ch in repository.lower()).strip("-./_")
    return cleaned or "image"

