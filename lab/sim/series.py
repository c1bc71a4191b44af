"""Provides ``RunSeries``: a run's metrics views and event log as time series and markers over simulated time.

What the charts plot (in the TUI and in ``lab sim --plot``), built only from the read-only
views (``MetricsView``) and the typed events a shell may read:

- per service: tasks desired / running / pending; CPU and memory utilisation (%);
- instances: InService instances per Auto Scaling group (from ``InstanceLifecycleChanged``)
  and ACTIVE container instances in the cluster;
- capacity-provider reservation (%) per provider;
- per target group: healthy and registered targets; requests and 5xx (ELB and target) per minute.

Markers sit at the time of the events that explain the lines: scaling activities,
deployments started / completed / failed, faults (the timeline's fault entries, once their
time has come) and the learner's applies. Readings are bucketed by simulated time (a bucket
keeps its first and its last reading, so a step inside it still shows), never by real time,
so a run looks the same at any speed and the memory stays bounded however often a shell
samples.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from lab.sim.events import EventLog, ServiceDeploymentStateChanged
from lab.sim.scaling_events import InstanceLifecycleChanged, ScalingActivity
from lab.sim.spec import FAULT_ENTRIES
from lab.sim.views import MetricsView

__all__ = ["MARKER_KINDS", "Chart", "Line", "Marker", "RunSeries", "fault_marks"]

MARKER_KINDS = ("scaling", "deployment", "fault", "apply")
"""What a marker can stand for."""

BUCKETS = 720
"""Readings kept per series over a run (one every 2.5 s of a 30-minute run)."""

_DEPLOYMENT_WORDS = {
    "SERVICE_DEPLOYMENT_IN_PROGRESS": "started",
    "SERVICE_DEPLOYMENT_COMPLETED": "completed",
    "SERVICE_DEPLOYMENT_FAILED": "failed",
}


class Marker(NamedTuple):
    """Something that happened at one time, drawn as a mark across the charts."""

    at: float
    kind: str
    """One of ``MARKER_KINDS``."""
    label: str


@dataclass(frozen=True)
class Line:
    """One series: ``(time, value)`` points, oldest first, drawn as steps."""

    name: str
    points: tuple[tuple[float, float], ...]

    def value_at(self, at: float) -> float | None:
        """The value in force at ``at`` (the last reading at or before it); None before the first."""
        i = bisect.bisect_right(self.points, (at, math.inf))
        return self.points[i - 1][1] if i else None


@dataclass(frozen=True)
class Chart:
    """A titled group of lines sharing a unit and a scale."""

    title: str
    unit: str
    lines: tuple[Line, ...]
    top: float = 1.0
    """The top of the scale: the largest value plotted, at least the chart's floor (100 for
    percentages) and above 0."""


class RunSeries:
    """Time series and markers of one run, fed with a metrics view and the event log after each step."""

    def __init__(self, duration_s: float, *, faults: Iterable[tuple[float, str]] = (), buckets: int = BUCKETS) -> None:
        """Start empty.

        Args:
            duration_s: the run's length (sets the bucket size).
            faults: ``(time, label)`` of the timeline's fault entries; each becomes a marker
                once a reading reaches its time.
        """
        self.duration_s = float(duration_s)
        self.step_s = max(self.duration_s, 1e-9) / max(1, buckets)
        """Simulated seconds per bucket."""
        self._faults = sorted((float(at), label) for at, label in faults)
        self.clear()

    def clear(self) -> None:
        """Forget every reading and marker (a restart from time zero)."""
        self.now = 0.0
        """The time of the latest reading."""
        self.markers: list[Marker] = []
        """Markers in time order."""
        self._faults_shown = 0
        self._points: dict[str, list[tuple[float, float]]] = {}
        self._high: dict[str, float] = {}
        """The largest value of each line (kept as readings come, not searched per chart)."""
        self._charts: dict[str, tuple[str, float, list[tuple[str, str]]]] = {}
        """Chart title → (unit, floor of the top, (key, line name) pairs), in first-seen order."""
        self._cursor = 0
        self._lifecycle: dict[str, dict[str, str]] = {}
        """Auto Scaling group → instance id → lifecycle state."""
        self._cumulative: dict[str, list[tuple[float, float]]] = {}

    # -- feeding -------------------------------------------------------------------------------

    def record(self, view: MetricsView, log: EventLog) -> None:
        """Read the events logged since the last call, then the values of ``view`` at its time."""
        for event in log.since(self._cursor):
            self._event(event)
        self._cursor = len(log)
        at = max(view.now, self.now)
        self.now = at
        while self._faults_shown < len(self._faults) and self._faults[self._faults_shown][0] <= at:
            fault_at, label = self._faults[self._faults_shown]
            self._mark(Marker(fault_at, "fault", label))
            self._faults_shown += 1
        for svc in view.services:
            tasks = f"{svc.name} tasks"
            self._put(tasks, "tasks", 0.0, f"{tasks}/desired", "desired", at, svc.desired)
            self._put(tasks, "tasks", 0.0, f"{tasks}/running", "running", at, svc.running)
            self._put(tasks, "tasks", 0.0, f"{tasks}/pending", "pending", at, svc.pending)
            use = f"{svc.name} CPU and memory"
            if svc.cpu_utilization is not None:
                self._put(use, "%", 100.0, f"{use}/cpu", "cpu", at, svc.cpu_utilization)
            if svc.memory_utilization is not None:
                self._put(use, "%", 100.0, f"{use}/memory", "memory", at, svc.memory_utilization)
        for group, states in sorted(self._lifecycle.items()):
            in_service = sum(1 for s in states.values() if s == "InService")
            self._put("instances", "instances", 0.0, f"instances/{group}", group, at, in_service)
        self._put("instances", "instances", 0.0, "instances/ACTIVE in cluster", "ACTIVE in cluster", at, view.active_instances)
        for provider, reservation in view.provider_reservations:
            chart = "capacity provider reservation"
            self._put(chart, "%", 100.0, f"{chart}/{provider}", provider, at, max(0.0, reservation))
        for tg in view.target_groups:
            targets = f"{tg.name} targets"
            self._put(targets, "targets", 0.0, f"{targets}/healthy", "healthy", at, tg.healthy)
            self._put(targets, "targets", 0.0, f"{targets}/registered", "registered", at, tg.targets)
            # 5xx get a chart of their own: on the requests' scale a few hundred a minute vanish.
            for chart, total in ((f"{tg.name} requests", tg.requests), (f"{tg.name} 5xx", tg.failed_requests)):
                rate = self._rate(chart, at, total)
                if rate is not None:
                    self._put(chart, "per min", 0.0, f"{chart}/per min", "per min", at, rate)

    def mark_apply(self, at: float, label: str = "apply") -> None:
        """The learner applied their files at ``at``."""
        self._mark(Marker(at, "apply", label))

    # -- reading -------------------------------------------------------------------------------

    def charts(self) -> list[Chart]:
        """Every chart with its lines, in the order first seen (services, instances, providers, target groups)."""
        out = []
        for title, (unit, floor_top, keys) in self._charts.items():
            lines = tuple(Line(name, tuple(self._points[key])) for key, name in keys)
            high = max((self._high[key] for key, _ in keys), default=0.0)
            out.append(Chart(title, unit, lines, max(high, floor_top, 1.0)))
        return out

    def markers_between(self, start: float, end: float) -> list[Marker]:
        """Markers with ``start <= at < end``."""
        lo = bisect.bisect_left(self.markers, start, key=lambda m: m.at)
        hi = bisect.bisect_left(self.markers, end, key=lambda m: m.at)
        return self.markers[lo:hi]

    # -- inside --------------------------------------------------------------------------------

    def _event(self, event: Any) -> None:
        if isinstance(event, ScalingActivity):
            resource = event.resource_id.rsplit("/", 1)[-1]
            self._mark(Marker(event.at, "scaling", f"{resource} {event.from_count}→{event.to_count}"))
        elif isinstance(event, ServiceDeploymentStateChanged):
            word = _DEPLOYMENT_WORDS.get(event.state, event.state)
            self._mark(Marker(event.at, "deployment", f"{event.service} deployment {word}"))
        elif isinstance(event, InstanceLifecycleChanged):
            self._lifecycle.setdefault(event.group, {})[event.ec2_instance_id] = event.state

    def _mark(self, marker: Marker) -> None:
        # Events arrive in time order, but an apply or a fault can be noted after a later reading.
        if self.markers and marker.at < self.markers[-1].at:
            bisect.insort_right(self.markers, marker, key=lambda m: m.at)
        else:
            self.markers.append(marker)

    def _put(self, chart: str, unit: str, floor_top: float, key: str, line: str, at: float, value: float) -> None:
        entry = self._charts.get(chart)
        if entry is None:
            entry = self._charts[chart] = (unit, floor_top, [])
        if key not in self._points:
            entry[2].append((key, line))
        value = max(0.0, float(value))
        _keep(self._points.setdefault(key, []), at, value, self.step_s)
        self._high[key] = max(self._high.get(key, 0.0), value)

    def _rate(self, key: str, at: float, total: float) -> float | None:
        """Per-minute increase of a running total between this reading and the previous bucket's."""
        points = self._cumulative.setdefault(key, [])
        _keep(points, at, float(total), self.step_s)
        if len(points) < 2:
            return None
        (t0, c0), (t1, c1) = points[-2], points[-1]
        return max(0.0, c1 - c0) * 60.0 / (t1 - t0) if t1 > t0 else None


def _keep(points: list[tuple[float, float]], at: float, value: float, step_s: float) -> None:
    """Add a reading, keeping at most the first and the last of each bucket (and one per instant)."""
    bucket = int(at // step_s)
    if points and points[-1][0] == at:
        points[-1] = (at, value)
    elif len(points) > 1 and int(points[-1][0] // step_s) == bucket and int(points[-2][0] // step_s) == bucket:
        points[-1] = (at, value)
    else:
        points.append((at, value))


def fault_marks(timeline: Iterable[Any]) -> list[tuple[float, str]]:
    """``(time, label)`` of a timeline's fault entries (``lab.sim.spec.FAULT_ENTRIES``), for ``RunSeries``."""
    out = []
    for entry in timeline:
        if isinstance(entry, FAULT_ENTRIES):
            where = getattr(entry, "az", None) or getattr(entry, "group", None) or getattr(entry, "service", None)
            out.append((float(entry.at), f"{entry.event} {where}" if where else entry.event))
    return out
