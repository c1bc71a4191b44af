"""Provides the read-only views shells and grading read: snapshots, metrics, cost, traffic, "why not placed?".

Nothing here changes what the simulation will do: a view reads the cluster's records and
the metrics at one moment (target groups bring their request accounting up to date first,
which changes no outcome).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.config.fargate import FARGATE_GB_HOUR_USD, FARGATE_SPOT_DISCOUNT, FARGATE_VCPU_HOUR_USD
from lab.config.instance_types import instance_type as lookup_instance_type
from lab.sim.asg import AutoScalingGroups
from lab.sim.capacity import CapacityProviders
from lab.sim.cluster import Cluster
from lab.sim.elb import MetricsMinute
from lab.sim.fleet import ACTIVE, STATUS_NAMES
from lab.sim.kernel import Kernel
from lab.sim.lb import LoadBalancing
from lab.sim.metrics import Metrics
from lab.sim.placement import InstanceVerdict, Strategy, TaskNeeds, explain
from lab.sim.service import DEFAULT_SERVICE_STRATEGIES

__all__ = [
    "InstanceView",
    "MetricsView",
    "ServiceCounts",
    "TargetGroupCounts",
    "TaskView",
    "WorldSnapshot",
    "cost_usd",
    "explain_placement",
    "metrics_view",
    "snapshot",
    "target_group_minutes",
]


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
    memory_utilization: float | None = None
    """The service's latest CloudWatch MemoryUtilization datapoint (%), when metrics are sampled."""


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


def snapshot(kernel: Kernel, cluster: Cluster) -> WorldSnapshot:
    """A read-only picture of the cluster now."""
    fleet = cluster.fleet
    instances = []
    for ci in cluster.instances:
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
        for t in cluster.tasks.values()
    )
    return WorldSnapshot(kernel.now, kernel.cluster, tuple(instances), tasks)


def metrics_view(kernel: Kernel, cluster: Cluster, lb: LoadBalancing, watch: Metrics) -> MetricsView:
    """Read-only service counts, target health, request totals and capacity now."""

    def latest(namespace: str, metric: str, dims: dict[str, str]) -> float | None:
        point = watch.latest(metric, dims, namespace=namespace)
        return None if point is None else point.value

    services = tuple(
        ServiceCounts(
            name, desired, running, pending,
            latest("AWS/ECS", "CPUUtilization", {"ClusterName": kernel.cluster, "ServiceName": name}),
            latest("AWS/ECS", "MemoryUtilization", {"ClusterName": kernel.cluster, "ServiceName": name}),
        )
        for name, svc in cluster.services.items()
        for desired, running, pending in (svc.counts(),)
    )
    reservations = []
    for key in watch.keys():
        if key.name == "CapacityProviderReservation":
            value = latest(key.namespace, key.name, dict(key.dimensions))
            if value is not None:
                reservations.append((dict(key.dimensions).get("CapacityProviderName", ""), value))
    groups = []
    for name, tg in lb.target_groups.items():
        tg.flush()
        failed = tg.totals.elb_5xx + tg.totals.target_5xx
        groups.append(TargetGroupCounts(name, tg.healthy_count(), len(tg.targets), tg.totals.request_count, failed))
    fleet = cluster.fleet
    active = [ci.index for ci in cluster.instances if int(fleet.status[ci.index]) == ACTIVE]
    registered = sum(int(fleet.cpu_registered[i]) for i in active)
    reserved = sum(int(fleet.cpu_registered[i]) - int(fleet.cpu_free[i]) for i in active)
    return MetricsView(kernel.now, services, tuple(groups), len(active), reserved, registered, tuple(sorted(reservations)))


def target_group_minutes(lb: LoadBalancing, name: str | None = None) -> list[tuple[str, dict[int, MetricsMinute]]]:
    """Per-minute request metrics of one target group (or of all), up to now, by group name."""
    groups = [lb.target_groups[name]] if name else list(lb.target_groups.values())
    out = []
    for tg in groups:
        tg.flush()
        out.append((tg.name, dict(tg.minutes)))
    return out


def cost_usd(kernel: Kernel, cluster: Cluster, groups: AutoScalingGroups, capacity: CapacityProviders) -> float:
    """What the run cost so far: EC2 instance-hours on demand from launch (Auto Scaling group
    instances until they terminate, Spot at its discount), and Fargate vCPU- and GB-hours per
    task from start to STOPPED (§9; prices approximate)."""
    now = kernel.now
    total = groups.cost_usd(now)
    billed = groups.billed_ids()
    for ci in cluster.instances:
        if ci.ec2_id in billed:
            continue
        total += lookup_instance_type(ci.instance_type).price_usd_hour * max(0.0, now - ci.launched_at) / 3600.0
    for task in cluster.tasks.values():
        if task.launch_type != "FARGATE":
            continue
        end = task.stopped_at if task.stopped_at is not None else now
        vcpu = (task.rev.definition.cpu_units or 256) / 1024
        gb = (task.rev.definition.memory_mib or 512) / 1024
        spot = 1 - FARGATE_SPOT_DISCOUNT if task.id in capacity.spot_tasks else 1.0
        total += (vcpu * FARGATE_VCPU_HOUR_USD + gb * FARGATE_GB_HOUR_USD) * spot * max(0.0, end - task.created_at) / 3600.0
    return total


def explain_placement(cluster: Cluster, group: str) -> list[InstanceVerdict]:
    """"Why not placed?" for a task group now: every instance's first failed check or rank.

    ``group`` is ``service:<name>`` (the service's current revision, strategies and
    constraints) or ``family:<family>`` (the latest revision, RunTask's random strategy).
    Returns an empty list when the group is unknown.
    """
    name = group.partition(":")[2]
    service = cluster.services.get(name) if group.startswith("service:") else None
    strategies: tuple[Strategy, ...]
    if service is not None:
        rev = service.deployments[0].rev
        needs = service.needs(rev)
        strategies = service.strategies or DEFAULT_SERVICE_STRATEGIES
        constraints = tuple(rev.constraints) + service.constraints
    elif name in cluster.families:
        rev = cluster.families[name][-1]
        needs = TaskNeeds(rev.cpu, rev.memory_mib, group, rev.ports, rev.dynamic_ports, rev.network_mode == "awsvpc")
        strategies, constraints = (Strategy("random"),), tuple(rev.constraints)
    else:
        return []
    return explain(cluster.fleet, needs, strategies=strategies, constraints=constraints)

