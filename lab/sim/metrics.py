"""Provides CloudWatch-style metrics at one-minute periods and metric alarms.

One SimPy process per world samples every metric once per simulated minute (reference
§7.1: ECS sends metrics every minute), never one process per task. Each sample covers the
minute that just ended and is stored as a ``Datapoint`` whose ``at`` is the start of that
minute, as CloudWatch timestamps a period:

- ``AWS/ECS`` ``CPUUtilization`` / ``MemoryUtilization`` per service (dimensions
  ``ClusterName``, ``ServiceName``): used ÷ reserved × 100 over the service's RUNNING tasks
  (§7.1). CPU used is the app's idle use plus what the traffic keeps busy (``lab.sim.elb``),
  memory used is the app's resident memory (``lab.sim.app``).
- ``AWS/ECS`` ``CPUReservation`` / ``MemoryReservation`` per cluster (``ClusterName``):
  reserved ÷ registered over ACTIVE and DRAINING instances (§5.1, §7.1), at the minute's end.
- ``AWS/ApplicationELB`` ``RequestCountPerTarget`` per target group (``TargetGroup``, the
  ``targetgroup/<name>/<id>`` part of the ARN): the minute's requests ÷ healthy targets.
- ``AWS/ApplicationELB`` ``HTTPCode_Target_5XX_Count`` per target group of a blue/green
  listener rule, in minutes with at least one (what deployment alarms watch, §4.9).
- Other modules add their own metrics with ``add_source`` (capacity providers add
  ``AWS/ECS/ManagedScaling`` ``CapacityProviderReservation``).

Reading never changes the world: task CPU and target-group requests are integrated up to the
minute's end without flushing their accumulators, so sampling leaves every other number
(and the event log) exactly as it would be without it.

An ``Alarm`` evaluates after every sample: the last ``evaluation_periods`` periods, ALARM
when at least ``datapoints_to_alarm`` of them breach, OK when enough do not, and
INSUFFICIENT_DATA while no datapoint exists (missing datapoints are treated as missing).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping
from typing import Any, NamedTuple

import simpy

from lab.sim.cluster import Cluster
from lab.sim.fleet import ACTIVE, DRAINING
from lab.sim.kernel import Kernel
from lab.sim.lb import LoadBalancing
from lab.sim.model import task_cpu_capacity
from lab.sim.registry import Ecr
from lab.sim.scaling_events import AlarmStateChanged

__all__ = ["COMPARISONS", "PERIOD_S", "Alarm", "Datapoint", "MetricKey", "Metrics", "metric_key"]

PERIOD_S = 60.0
"""The sampling period: one minute, the resolution ECS publishes at (§7.1)."""

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
"""CloudWatch ``ComparisonOperator`` values and what each means."""


class Datapoint(NamedTuple):
    """One period of one metric."""

    at: float
    """Start of the period (simulated seconds)."""
    value: float


class MetricKey(NamedTuple):
    """A metric's identity: namespace, name and dimensions (sorted name/value pairs)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]


def metric_key(namespace: str, name: str, dimensions: Mapping[str, str]) -> MetricKey:
    """Build the key of a metric; dimension order does not matter."""
    return MetricKey(namespace, name, tuple(sorted(dimensions.items())))


class Alarm:
    """A CloudWatch metric alarm over one-minute datapoints (PutMetricAlarm's core fields)."""

    __slots__ = (
        "actions", "comparison", "datapoints_to_alarm", "evaluation_periods", "key", "name", "ok_actions", "period_s",
        "state", "statistic", "threshold",
    )

    def __init__(
        self,
        name: str,
        key: MetricKey,
        *,
        threshold: float,
        comparison: str,
        evaluation_periods: int,
        datapoints_to_alarm: int | None = None,
        period_s: float = PERIOD_S,
        statistic: str = "Average",
    ) -> None:
        """Create an alarm (in INSUFFICIENT_DATA until it has datapoints).

        Args:
            period_s: a multiple of 60; periods longer than a minute aggregate the minutes.
            datapoints_to_alarm: M of "M out of N" (default: ``evaluation_periods``).

        Raises:
            ValueError: an unknown comparison or statistic, or a period that is not whole minutes.
        """
        if comparison not in COMPARISONS:
            raise ValueError(f"unknown ComparisonOperator '{comparison}'")
        if statistic not in ("Average", "Sum", "Minimum", "Maximum", "SampleCount"):
            raise ValueError(f"unknown Statistic '{statistic}'")
        if period_s < PERIOD_S or period_s % PERIOD_S:
            raise ValueError("Period must be a multiple of 60 seconds")
        self.name = name
        self.key = key
        self.threshold = float(threshold)
        self.comparison = comparison
        self.evaluation_periods = evaluation_periods
        self.datapoints_to_alarm = datapoints_to_alarm if datapoints_to_alarm is not None else evaluation_periods
        self.period_s = period_s
        self.statistic = statistic
        self.state = "INSUFFICIENT_DATA"
        self.actions: list[Callable[[Alarm], None]] = []
        """Called after every evaluation that leaves the alarm in ALARM (scaling policies
        keep being invoked while their alarm stays in ALARM)."""
        self.ok_actions: list[Callable[[Alarm], None]] = []
        """Called after every evaluation that leaves the alarm in OK."""

    def periods(self, points: list[Datapoint], now: float) -> list[float | None]:
        """The values of the last ``evaluation_periods`` whole periods ending at ``now`` (None: missing)."""
        minutes = int(self.period_s // PERIOD_S)
        by_start = {p.at: p.value for p in points[-(self.evaluation_periods * minutes) - 1 :]}
        out: list[float | None] = []
        end = math.floor(now / self.period_s) * self.period_s
        for k in range(self.evaluation_periods, 0, -1):
            start = end - k * self.period_s
            values = [by_start[start + j * PERIOD_S] for j in range(minutes) if start + j * PERIOD_S in by_start]
            out.append(_aggregate(values, self.statistic) if values else None)
        return out

    def breaching(self, value: float) -> bool:
        """Whether one period's value breaches the threshold."""
        return COMPARISONS[self.comparison](value, self.threshold)

    def evaluate(self, points: list[Datapoint], now: float) -> str:
        """The state the last periods put the alarm in (missing data treated as missing)."""
        values = [v for v in self.periods(points, now) if v is not None]
        if not values:
            return "INSUFFICIENT_DATA"
        breaches = sum(1 for v in values if self.breaching(v))
        return "ALARM" if breaches >= self.datapoints_to_alarm else "OK"

    def describe(self) -> str:
        """The condition in the console's words (``CPUUtilization > 75 for 3 datapoints within 3 minutes``)."""
        sign = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=", "LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<="}
        minutes = int(self.evaluation_periods * self.period_s // 60)
        return f"{self.key.name} {sign[self.comparison]} {self.threshold:g} for {self.datapoints_to_alarm} datapoints within {minutes} minutes"


def _aggregate(values: list[float], statistic: str) -> float:
    if statistic == "Sum":
        return sum(values)
    if statistic == "Minimum":
        return min(values)
    if statistic == "Maximum":
        return max(values)
    if statistic == "SampleCount":
        return float(len(values))
    return sum(values) / len(values)


Source = Callable[["Metrics", float, float], None]
"""A metric source: called with (metrics, period start, period end) after the built-in metrics."""


class Metrics:
    """Every metric series of one world, sampled once per simulated minute, and its alarms."""

    __slots__ = ("_cpu_seen", "_process", "_sources", "alarms", "cluster", "ecr", "kernel", "lb", "listeners", "series_by_key")

    def __init__(self, kernel: Kernel, cluster: Cluster, ecr: Ecr, lb: LoadBalancing) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.ecr = ecr
        self.lb = lb
        self.series_by_key: dict[MetricKey, list[Datapoint]] = {}
        """Datapoints by metric, oldest first (read through ``series``)."""
        self.alarms: dict[str, Alarm] = {}
        """Alarms by name, in creation order."""
        self.listeners: list[Callable[[float], None]] = []
        """Called with the period end after every sample and alarm evaluation."""
        self._sources: list[Source] = []
        self._cpu_seen: dict[str, float] = {}
        """Task id → CPU unit-seconds already counted in an earlier period."""
        self._process: simpy.Process | None = None

    # -- public read API ---------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the minute sampler runs (a document opts in with scaling or ``metrics: true``)."""
        return self._process is not None

    def series(self, name: str, dimensions: Mapping[str, str], namespace: str | None = None) -> tuple[Datapoint, ...]:
        """The datapoints of a metric, oldest first (empty when never sampled).

        Args:
            name: ``CPUUtilization``, ``RequestCountPerTarget``...
            dimensions: e.g. ``{"ClusterName": "prod", "ServiceName": "web"}``.
            namespace: needed only when two namespaces share the name and dimensions.
        """
        dims = tuple(sorted(dimensions.items()))
        for key, points in self.series_by_key.items():
            if key.name == name and key.dimensions == dims and (namespace is None or key.namespace == namespace):
                return tuple(points)
        return ()

    def latest(self, name: str, dimensions: Mapping[str, str], namespace: str | None = None) -> Datapoint | None:
        """The most recent datapoint of a metric, or None."""
        points = self.series(name, dimensions, namespace)
        return points[-1] if points else None

    def keys(self) -> list[MetricKey]:
        """Every metric sampled so far, sorted."""
        return sorted(self.series_by_key)

    # -- configuration -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the minute sampler (idempotent); the first sample is at the next whole minute."""
        if self._process is not None:
            return
        self._settle_cpu()
        for task in self.cluster.tasks.values():
            self._cpu_seen[task.id] = _cpu_total(task, self.kernel.now)
        self._process = self.kernel.env.process(self._loop())

    def add_source(self, source: Source) -> None:
        """Add a metric source sampled after the built-in ones, every minute."""
        self._sources.append(source)

    def put_alarm(self, alarm: Alarm) -> Alarm:
        """Create or replace an alarm (PutMetricAlarm); it starts in INSUFFICIENT_DATA."""
        self.alarms[alarm.name] = alarm
        self.start()
        return alarm

    def delete_alarm(self, name: str) -> None:
        """Delete an alarm (DeleteAlarms); unknown names are ignored, as the API does."""
        self.alarms.pop(name, None)

    def put(self, key: MetricKey, at: float, value: float) -> None:
        """Record one datapoint (PutMetricData, as the built-in and added sources do)."""
        self.series_by_key.setdefault(key, []).append(Datapoint(at, value))

    # -- sampling ----------------------------------------------------------------------------

    def _loop(self) -> Generator[simpy.Event, None, None]:
        env = self.kernel.env
        first = math.floor(env.now / PERIOD_S) * PERIOD_S + PERIOD_S
        yield env.timeout(first - env.now)
        while True:
            self.sample(env.now - PERIOD_S, env.now)
            yield env.timeout(PERIOD_S)

    def sample(self, start: float, end: float) -> None:
        """Sample every metric for the period [start, end), then evaluate the alarms."""
        self._service_metrics(start, end)
        self._cluster_metrics(start)
        self._target_group_metrics(start, end)
        for source in self._sources:
            source(self, start, end)
        self._evaluate(end)
        for listener in list(self.listeners):
            listener(end)

    def _settle_cpu(self) -> None:
        # A group failing open keeps its tasks' CPU in one integral per class until asked.
        for tg in self.lb.target_groups.values():
            tg.settle_cpu()

    def _service_metrics(self, start: float, end: float) -> None:
        self._settle_cpu()
        cluster = self.cluster
        seen = self._cpu_seen
        # What a revision's containers add up to, once per sample and pinned images (a
        # deployment's): no image is pushed while it runs, and tens of thousands of tasks share
        # a handful of deployments.
        shapes: dict[tuple[int, int], tuple[float, list[tuple[float, float, int | None]], float | None]] = {}

        def shape(rev: Any, pinned: dict[str, Any]) -> tuple[float, list[tuple[float, float, int | None]], float | None]:
            idle = 0.0
            parts: list[tuple[float, float, int | None]] = []
            for container in rev.containers:
                app = self.ecr.app_for(pinned, container)
                idle += app.idle_cpu_units
                parts.append((app.memory_mib, app.memory_growth_mib_per_min, container.hard_limit_mib))
            fixed: float | None = None
            if not any(growth for _, growth, _ in parts):
                # Summed as the per-task loop below would, so the datapoints are the same.
                fixed = 0.0
                for memory, growth, limit in parts:
                    resident = memory + growth * 0.0
                    fixed += min(resident, float(limit)) if limit is not None else resident
            return idle, parts, fixed

        for name, service in cluster.services.items():
            cpu_used = cpu_reserved = mem_used = mem_reserved = 0.0
            for task in service.all_tasks():
                # _cpu_total, inlined: this loop runs for every task of every service each minute.
                span = end - task.cpu_since
                total = task.cpu_unit_seconds + task.cpu_demand * (span if span > 0.0 else 0.0)
                task_id = task.id
                delta = total - seen.get(task_id, 0.0)
                seen[task_id] = total
                started_at = task.started_at
                if started_at is None or task.last != "RUNNING":
                    continue
                run_s = end - (started_at if started_at > start else start)
                if run_s <= 0:
                    continue
                rev = task.rev
                key = (id(rev), id(task.pinned))
                known = shapes.get(key)
                if known is None:
                    known = shapes[key] = shape(rev, task.pinned)
                idle, parts, mem = known
                if mem is None:
                    mem = 0.0
                    alive_min = (end - started_at) / 60.0
                    for memory, growth, limit in parts:
                        resident = memory + growth * alive_min
                        mem += min(resident, float(limit)) if limit is not None else resident
                cpu_used += idle + delta / run_s
                cpu_reserved += float(rev.cpu) if rev.cpu > 0 else task_cpu_capacity(cluster.fleet, task)
                mem_used += mem
                mem_reserved += float(rev.memory_mib) if rev.memory_mib > 0 else mem
            if cpu_reserved <= 0:
                continue  # no running task: no datapoint (insufficient data, §7.1)
            dims = {"ClusterName": self.kernel.cluster, "ServiceName": name}
            self.put(metric_key("AWS/ECS", "CPUUtilization", dims), start, 100.0 * cpu_used / cpu_reserved)
            if mem_reserved > 0:
                self.put(metric_key("AWS/ECS", "MemoryUtilization", dims), start, 100.0 * mem_used / mem_reserved)
        for task_id in [t for t in seen if t not in cluster.tasks or cluster.tasks[t].last == "STOPPED"]:
            del seen[task_id]

    def _cluster_metrics(self, start: float) -> None:
        fleet = self.cluster.fleet
        n = fleet.n
        if n == 0:
            return
        status = fleet.status[:n]
        counted = (status == ACTIVE) | (status == DRAINING)
        cpu_reg = int(fleet.cpu_registered[:n][counted].sum())
        mem_reg = int(fleet.mem_registered[:n][counted].sum())
        if cpu_reg <= 0 or mem_reg <= 0:
            return
        cpu_res = cpu_reg - int(fleet.cpu_free[:n][counted].sum())
        mem_res = mem_reg - int(fleet.mem_free[:n][counted].sum())
        dims = {"ClusterName": self.kernel.cluster}
        self.put(metric_key("AWS/ECS", "CPUReservation", dims), start, 100.0 * cpu_res / cpu_reg)
        self.put(metric_key("AWS/ECS", "MemoryReservation", dims), start, 100.0 * mem_res / mem_reg)

    def _target_group_metrics(self, start: float, end: float) -> None:
        for tg in self.lb.target_groups.values():
            if tg.load_balancer is None:
                continue
            if tg.forward_weighted:
                # A blue/green group's 5xx, for the deployment's alarms (§4.9). ELB publishes a
                # count only for minutes with a value; CloudWatch also keys it by LoadBalancer
                # (the lab keys it by TargetGroup alone, as RequestCountPerTarget).
                tg.flush()
                bucket = tg.minutes.get(int(start // PERIOD_S))
                if bucket is not None and bucket.target_5xx > 0:
                    tg_dims = {"TargetGroup": tg.arn.rsplit(":", 1)[-1]}
                    self.put(metric_key("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", tg_dims), start, round(bucket.target_5xx))
            healthy = tg.healthy_count()
            if healthy == 0:
                continue
            requests = minute_requests(tg, start, end)
            dims = {"TargetGroup": tg.arn.rsplit(":", 1)[-1]}
            self.put(metric_key("AWS/ApplicationELB", "RequestCountPerTarget", dims), start, requests / healthy)

    def _evaluate(self, now: float) -> None:
        for alarm in list(self.alarms.values()):
            state = alarm.evaluate(self.series_by_key.get(alarm.key, []), now)
            if state != alarm.state:
                old, alarm.state = alarm.state, state
                self.kernel.log.append(AlarmStateChanged(now, alarm.name, old, state, alarm.describe()))
            actions = alarm.actions if alarm.state == "ALARM" else alarm.ok_actions if alarm.state == "OK" else []
            for action in list(actions):
                action(alarm)


def _cpu_total(task: Any, now: float) -> float:
    """CPU unit-seconds a task's traffic used up to ``now``, without touching its accumulator."""
    return float(task.cpu_unit_seconds + task.cpu_demand * max(0.0, now - task.cpu_since))


def minute_requests(tg: Any, start: float, end: float) -> float:
    """Requests a target group received in [start, end): flushed buckets plus the unflushed span."""
    total = 0.0
    minute = int(start // PERIOD_S)
    while minute * PERIOD_S < end:
        bucket = tg.minutes.get(minute)
        if bucket is not None:
            total += bucket.request_count
        minute += 1
    pending_from = max(start, tg.flushed_until)
    if end > pending_from:
        total += tg.load.rps * (end - pending_from)
    return total
