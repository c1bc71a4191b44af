"""Property tests: a state machine drives a World's services through scaling, deployments and drains.

A ``RuleBasedStateMachine`` builds a world with EC2 instances in three AZs and one or two
REPLICA services (``web`` behind an ALB target group, ``worker`` without a load balancer),
then makes the calls the scenario timeline and the grader make: launch instances, change a
service's desiredCount (also while a deployment rolls), register a new revision and update
the service (a deployment; for ``web`` possibly a bad revision whose health checks fail, with
or without a health-check grace period), force a new deployment, drain and re-activate
instances, and let simulated time pass. The world has no API to deregister or terminate a
container instance, so no rule does that.

After every step, and after every slice of simulated time while time passes, an auditor
replays the new part of the event log and checks, at the end of every instant that has
events (reference/ecs-behaviour.md §4.2 and §5.1):

1. **Upper bound.** A service's tasks whose lastStatus is PROVISIONING, PENDING, ACTIVATING
   or RUNNING, of any deployment, never exceed ``floor(desired × maximumPercent / 100)``.
   The reference counts "RUNNING or PENDING" (the 2023 guide also counted STOPPING); the
   states before RUNNING are PENDING in that sense, and tasks that are already DEACTIVATING,
   STOPPING or DEPROVISIONING are not counted.
2. **Lower bound, kept.** Healthy tasks (RUNNING, desiredStatus RUNNING, and: the target
   group reports the target healthy for ``web``; 40 s since RUNNING for ``worker``) never
   fall below ``ceil(desired × minimumHealthyPercent / 100)`` once the service has reached
   that bound. The bound has to be reached again after every change of desiredCount or of
   the deployment configuration (new tasks need time to start; a scale-in may stop healthy
   tasks first), and it is not required before it has been reached: that is the only
   exemption, and it does not depend on capacity.
3. **Lower bound, reached (capacity allows).** Capacity allows when the registered ACTIVE
   instances have task slots (both task definitions reserve 512 CPU units and 512 MiB) for
   twice the sum of every service's ``floor(desired × maximumPercent / 100)``: room for the
   most tasks the bounds allow plus as many again still stopping. Once capacity has allowed
   continuously for ``SETTLE_S`` since the last call (long enough for the scheduler's
   longest back-off, 27 minutes, plus the rollout itself), every service whose revision is
   not a bad one has at least its lower bound healthy. If its bounds leave no room to move
   (lower bound and upper bound both equal to desired, e.g. 100/100) and tasks are waiting
   to be replaced, it has reported the blocked deployment since its last update. Otherwise
   it is steady: exactly desired tasks, all RUNNING and healthy, of the latest revision, none
   on a DRAINING instance, the latest deployment COMPLETED, and a steady state reported since
   desiredCount last changed or a deployment last started.
4. **No placement on DRAINING.** A task's first state change names an instance that was
   ACTIVE (registered and not DRAINING) at that point of the log.
5. **Scheduler messages and lifecycle.** A service reports a blocked deployment ("unable to
   stop or start tasks ... because of the service deployment configuration") only when its
   bounds leave no room to move. A new task runs the service's current revision. A task's
   lastStatus only moves forward through the lifecycle (§3.1) and desiredStatus never goes
   back from STOPPED; every stop is the scheduler's (``ServiceSchedulerInitiated``, failed
   health checks included) and has a reason. A service task is never left PENDING on a
   DRAINING instance once the instant it drained is over (§5.1: stopped at once).
6. **Bookkeeping.** The clock keeps moving (no endless loop of events at one instant);
   event times never go backwards nor pass the clock; every STOPPED task
   has a stopCode and a stoppedReason; no instance has negative remaining CPU or memory,
   and what it has reserved equals the needs of the tasks on it that have not STOPPED.

The services are created at a drawn time, so task start times land in different places on
the clock (timer arithmetic is exact in some ranges and not in others). Examples are
derandomized and use no database, so every run checks the same cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from lab.config.service import parse_service
from lab.config.task_definition import parse_task_definition
from lab.config.target_group import TargetGroup
from lab.yaml_source import Document
from lab.sim.events import (
    ContainerInstanceStateChanged,
    ServiceDeploymentStateChanged,
    ServiceEvent,
    TargetHealthChanged,
    TaskStateChanged,
)
from lab.sim.service import HEALTHY_AFTER_RUNNING_S, THROTTLE_MAX_DELAY_S
from lab.sim.spec import InstanceGroupSpec
from lab.sim.world import World, WorldSnapshot
from tests.sim.conftest import AZS, build, container, document, image, instances, task_definition, uri

TASK_CPU = 512
TASK_MEMORY_MIB = 512
"""What every task of both services reserves: a t3.medium (2048 units) holds four."""
INSTANCE_TYPE = "t3.medium"
MAX_INSTANCES = 9
"""Instances launched at most, the starting ones included."""
DEREGISTRATION_DELAY_S = 30
SETTLE_S = THROTTLE_MAX_DELAY_S + 600.0
"""How long capacity must allow before a service must have reached its bounds."""
SLICE_S = 10.0
"""Time passes in slices of at most this much; the auditor checks after each."""
MAX_STEPS_PER_SLICE = 20_000
"""SimPy events one slice may take; more means the simulation loops at one instant."""
ORDER = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED")
"""A task's lastStatus values in lifecycle order (§3.1)."""
LIVE = ORDER[:4]
"""lastStatus values that count towards maximumPercent."""

DEPLOYMENT_CONFIGS = st.one_of(
    st.sampled_from([(100, 200), (50, 200), (0, 100), (100, 100), (50, 100), (100, 150), (75, 125), (0, 200)]),
    st.tuples(st.integers(0, 100), st.integers(100, 200)),
)
"""(minimumHealthyPercent, maximumPercent) pairs CreateService accepts."""


def _definition(family: str, tag: str = "1.0") -> dict[str, Any]:
    fields: dict[str, Any] = {"cpu": TASK_CPU, "memory": TASK_MEMORY_MIB}
    if family == "web":
        fields["portMappings"] = [{"containerPort": 8080, "hostPort": 0}]
    return task_definition(family, [container(family, uri(family, tag), **fields)])


def _parsed(data: dict[str, Any]) -> Any:
    return parse_task_definition(Document(file=f"{data['family']}.yaml", data=data)).task_definition


DEFINITIONS = {("web", False): _parsed(_definition("web")), ("worker", False): _parsed(_definition("worker"))}
DEFINITIONS["web", True] = _parsed(_definition("web", "bad"))
"""Task definitions by (family, bad): ``web:bad`` answers its health checks with 404."""


def _service_model(name: str, desired: int, config: tuple[int, int], grace_s: int | None = None) -> Any:
    """A service model parsed the way a service file is."""
    data: dict[str, Any] = {
        "serviceName": name,
        "taskDefinition": name,
        "desiredCount": desired,
        "launchType": "EC2",
        "deploymentConfiguration": {"minimumHealthyPercent": config[0], "maximumPercent": config[1]},
    }
    if name == "web":
        data["loadBalancers"] = [{"targetGroupArn": "web", "containerName": "web", "containerPort": 8080}]
    if grace_s is not None:
        data["healthCheckGracePeriodSeconds"] = grace_s
    return parse_service(Document(file=f"{name}-service.yaml", data=data)).service


def upper_bound(desired: int, max_percent: int) -> int:
    """floor(desired × maximumPercent / 100), in integers (§4.2)."""
    return desired * max_percent // 100


def lower_bound(desired: int, min_percent: int) -> int:
    """ceil(desired × minimumHealthyPercent / 100), in integers (§4.2)."""
    return -(-desired * min_percent // 100)


@dataclass
class TaskTrack:
    """A task as the event log tells it."""

    group: str
    definition: str
    last: str
    desired: str
    instance: str | None
    running_at: float | None = None
    target: str | None = None
    """The target's latest health state (web tasks)."""


@dataclass
class ServiceTrack:
    """What the machine asked of one service, and what the auditor has seen of it."""

    name: str
    load_balanced: bool
    desired: int
    min_percent: int
    max_percent: int
    revision: str
    model: Any
    bad: bool = False
    """The current revision fails its health checks (it can never roll out)."""
    updated_at: float = 0.0
    """When the machine last called UpdateService (or CreateService) for it."""
    disturbed_at: float = 0.0
    """When desiredCount last changed or a deployment last started."""
    steady_at: float | None = None
    """When the service last reported a steady state."""
    blocked_at: float | None = None
    """When the service last reported a blocked deployment."""
    rollout: str = ""
    """The state of the service's latest deployment, from the log."""
    established: bool = False
    """The lower bound has been reached since desiredCount or the bounds last changed."""

    @property
    def group(self) -> str:
        return f"service:{self.name}"

    @property
    def upper(self) -> int:
        return upper_bound(self.desired, self.max_percent)

    @property
    def lower(self) -> int:
        return lower_bound(self.desired, self.min_percent)

    @property
    def blocked(self) -> bool:
        """The bounds leave no room to stop or start a task when the count is right (§4.2)."""
        return self.desired > 0 and self.lower >= self.desired and self.upper <= self.desired


@dataclass
class Auditor:
    """Replays a world's event log and checks the invariants at the end of every instant."""

    world: World
    services: dict[str, ServiceTrack]
    cursor: int = 0
    last_at: float = 0.0
    instances: dict[str, str] = field(default_factory=dict)
    """Container-instance id → status, as the log has told it so far."""
    tasks: dict[str, TaskTrack] = field(default_factory=dict)
    live: dict[str, TaskTrack] = field(default_factory=dict)
    """The tasks that have not reached STOPPED."""

    def check(self) -> None:
        """Consume the new events, checking after each instant, then check at the clock."""
        events = self.world.log.since(self.cursor)
        self.cursor += len(events)
        for event in events:
            assert event.at >= self.last_at, f"event time went backwards: {event.at} after {self.last_at}: {event.message}"
            assert event.at <= self.world.now, f"event at {event.at} is in the future (now {self.world.now})"
            if event.at > self.last_at:
                self._check_bounds(self.last_at)
                self.last_at = event.at
            self._apply(event)
        # Every event up to the clock is in: later events belong to later instants (or to this one).
        self.last_at = self.world.now
        self._check_bounds(self.world.now)

    def _apply(self, event: Any) -> None:
        if isinstance(event, ContainerInstanceStateChanged):
            self.instances[event.container_instance_id] = event.status
        elif isinstance(event, TaskStateChanged):
            self._task_event(event)
        elif isinstance(event, ServiceDeploymentStateChanged):
            self.services[event.service].rollout = event.state
        elif isinstance(event, ServiceEvent) and event.kind == "steady-state":
            self.services[event.service].steady_at = event.at
        elif isinstance(event, ServiceEvent) and event.kind == "deployment-blocked":
            service = self.services[event.service]
            service.blocked_at = event.at
            assert service.blocked, (
                f"t={event.at}: service {service.name} reported a blocked deployment, but desired {service.desired} "
                f"with {service.min_percent}/{service.max_percent} leaves room to stop or start: {event.text}"
            )
        elif isinstance(event, TargetHealthChanged):
            track = self.tasks.get(event.task_id)
            if track is not None:
                track.target = event.state

    def _task_event(self, event: TaskStateChanged) -> None:
        where = f"t={event.at}: task {event.task_id} ({event.task_definition}, {event.group})"
        track = self.tasks.get(event.task_id)
        if track is None:
            if event.container_instance_id is not None:
                status = self.instances.get(event.container_instance_id)
                assert status == "ACTIVE", f"{where} placed on instance {event.container_instance_id}, which is {status or 'not registered'}"
            service = self.services[event.group.partition(":")[2]]
            assert event.task_definition == service.revision, f"{where} started, but the service runs {service.revision}"
            track = self.tasks[event.task_id] = self.live[event.task_id] = TaskTrack(
                event.group, event.task_definition, event.last_status, event.desired_status, event.container_instance_id
            )
        assert ORDER.index(event.last_status) >= ORDER.index(track.last), f"{where} went from {track.last} back to {event.last_status}"
        assert track.desired != "STOPPED" or event.desired_status == "STOPPED", f"{where} was asked to stop, then to run"
        track.last, track.desired = event.last_status, event.desired_status
        if event.last_status == "RUNNING" and track.running_at is None:
            track.running_at = event.at
        if event.desired_status == "STOPPED":
            # Nothing here fails on its own: every stop is the scheduler's (§3.2).
            assert event.stop_code == "ServiceSchedulerInitiated" and event.stopped_reason, f"{where} stopped: {event.message}"
        if event.last_status == "STOPPED":
            self.live.pop(event.task_id, None)

    def healthy(self, service: ServiceTrack, track: TaskTrack, at: float) -> bool:
        """Whether a task counts as healthy for the lower bound (the table of §4.2, §5.1)."""
        if track.group != service.group or track.last != "RUNNING" or track.desired != "RUNNING":
            return False
        if service.load_balanced:
            return track.target == "healthy"
        # A hair of slack: the scheduler's own clock arithmetic decides the exact instant.
        return track.running_at is not None and at - track.running_at >= HEALTHY_AFTER_RUNNING_S - 1e-6

    def counts(self, service: ServiceTrack, at: float) -> tuple[int, int]:
        """(tasks counted towards maximumPercent, healthy tasks) of a service."""
        mine = [t for t in self.live.values() if t.group == service.group]
        return sum(1 for t in mine if t.last in LIVE), sum(1 for t in mine if self.healthy(service, t, at))

    def _check_bounds(self, at: float) -> None:
        for service in self.services.values():
            live, healthy = self.counts(service, at)
            assert live <= service.upper, (
                f"t={at}: service {service.name} has {live} tasks PENDING/RUNNING, more than "
                f"floor({service.desired} × {service.max_percent}%) = {service.upper}"
            )
            for task in self.live.values():
                if task.group == service.group and task.desired == "RUNNING" and task.last in LIVE[:2]:
                    assert self.instances.get(task.instance or "") != "DRAINING", (
                        f"t={at}: a task of service {service.name} is still {task.last} on DRAINING instance {task.instance} (§5.1)"
                    )
            if healthy >= service.lower:
                service.established = True
            else:
                assert not service.established, (
                    f"t={at}: service {service.name} has {healthy} healthy tasks, fewer than "
                    f"ceil({service.desired} × {service.min_percent}%) = {service.lower}, which it had reached"
                )

    def bounds_changed(self, service: ServiceTrack) -> None:
        """desiredCount or the deployment configuration changed: the lower bound must be reached anew."""
        service.established = False


class ServiceMachine(RuleBasedStateMachine):
    """Scales, deploys, drains and waits, checking the scheduler's bounds all along."""

    def __init__(self) -> None:
        super().__init__()
        self.world: World
        self.auditor: Auditor
        self.services: dict[str, ServiceTrack] = {}
        self.launched = 0
        self.last_change = 0.0
        self.capacity_since: float | None = None

    # -- setup -------------------------------------------------------------------------------

    @initialize(
        seed=st.integers(0, 2**16),
        per_az=st.integers(1, 2),
        which=st.sampled_from(["web", "worker", "both"]),
        web=st.tuples(st.integers(0, 5), DEPLOYMENT_CONFIGS),
        worker=st.tuples(st.integers(0, 5), DEPLOYMENT_CONFIGS),
        created_at=st.sampled_from([0.0, 90.0, 470.0, 1990.0]),
        grace_s=st.sampled_from([None, 30, 100]),
    )
    def build(
        self, seed: int, per_az: int, which: str, web: tuple[int, Any], worker: tuple[int, Any], created_at: float, grace_s: int | None
    ) -> None:
        """The cluster, then the services at ``created_at``.

        The creation time moves task start times across the clock: just below a power of two,
        ``t + 40`` lands in the next binade and timer arithmetic stops being exact.
        """
        data = document(
            instances=[instances(3 * per_az, INSTANCE_TYPE)],
            registry=[image("web", "1.0", size_mb=50), image("web", "bad", size_mb=50, health_path="/ready"), image("worker", "1.0", size_mb=50)],
            definitions=[_definition("web"), _definition("worker")],
        )
        data["world"]["load_balancers"] = [{"name": "web-alb", "type": "application", "target_groups": ["web"]}]
        self.world = build(data, seed=seed)
        self.world.put_target_group(TargetGroup.with_defaults("web", deregistration_delay_s=DEREGISTRATION_DELAY_S))
        self.launched = 3 * per_az
        self.world.run(until=created_at)
        wanted = {"web": web, "worker": worker}
        for name in ("web", "worker") if which == "both" else (which,):
            desired, config = wanted[name]
            model = _service_model(name, desired, config, grace_s if name == "web" else None)
            self.world.create_service(model)
            rev = self.world.resolve_task_definition(name)
            self.services[name] = ServiceTrack(name, name == "web", desired, config[0], config[1], rev.name, model, created_at, created_at)
        self.auditor = Auditor(self.world, self.services)
        self.last_change = created_at
        self._settle_instant()

    # -- helpers -----------------------------------------------------------------------------

    def _pick(self, index: int) -> ServiceTrack:
        names = sorted(self.services)
        return self.services[names[index % len(names)]]

    def _settle_instant(self) -> None:
        """Let the scheduler react to a call at the same simulated instant."""
        self._step_until(self.world.now)

    def _step_until(self, t: float) -> None:
        """Process every event up to ``t`` included, failing if the clock stops moving."""
        steps = 0
        while self.world.peek() <= t:
            self.world.step()
            steps += 1
            assert steps < MAX_STEPS_PER_SLICE, f"t={self.world.now}: the simulation makes no progress (an endless loop of events)"

    def _changed(self) -> None:
        self.auditor.check()
        self.last_change = self.world.now

    def _instances(self, status: str) -> list[int]:
        return [i for i, view in enumerate(self.world.snapshot().instances) if view.status == status]

    def _update(self, service: ServiceTrack, **changes: Any) -> None:
        service.model = service.model.model_copy(update=changes)
        service.updated_at = self.world.now
        self.world.update_service(service.model)

    def _set_desired(self, service: ServiceTrack, desired: int) -> None:
        self._changed()
        self._update(service, desired_count=desired)
        if desired != service.desired:
            service.desired = desired
            service.disturbed_at = self.world.now
            self.auditor.bounds_changed(service)
        self._settle_instant()

    def _advance(self, seconds: float) -> None:
        end = self.world.now + seconds
        while self.world.now < end:
            until = min(end, self.world.now + SLICE_S)
            self._step_until(until)
            self.world.run(until=until)
            self.check_all()

    # -- rules -------------------------------------------------------------------------------

    @precondition(lambda self: self.launched < MAX_INSTANCES)
    @rule(count=st.integers(1, 3))
    def add_instances(self, count: int) -> None:
        """RunInstances: new instances boot and register some 35-60 s later."""
        count = min(count, MAX_INSTANCES - self.launched)
        shift = self.launched % len(AZS)
        group = InstanceGroupSpec(count=count, type=INSTANCE_TYPE, azs=list(AZS[shift:] + AZS[:shift]), role="ecsInstanceRole")
        self._changed()
        self.world.add_instances(group, at=self.world.now)
        self.launched += count
        self._settle_instant()

    @rule(pick=st.integers(0, 1), desired=st.integers(0, 6))
    def set_desired_count(self, pick: int, desired: int) -> None:
        """UpdateService --desired-count."""
        self._set_desired(self._pick(pick), desired)

    @precondition(lambda self: any(s.rollout == "SERVICE_DEPLOYMENT_IN_PROGRESS" for s in self.services.values()))
    @rule(pick=st.integers(0, 1), desired=st.integers(0, 6))
    def set_desired_count_mid_deployment(self, pick: int, desired: int) -> None:
        """UpdateService --desired-count while a deployment rolls (as Service Auto Scaling may do)."""
        rolling = sorted(s.name for s in self.services.values() if s.rollout == "SERVICE_DEPLOYMENT_IN_PROGRESS")
        self._set_desired(self.services[rolling[pick % len(rolling)]], desired)

    @rule(pick=st.integers(0, 1), config=st.none() | DEPLOYMENT_CONFIGS, bad=st.booleans())
    def deploy_new_revision(self, pick: int, config: tuple[int, int] | None, bad: bool) -> None:
        """RegisterTaskDefinition, then UpdateService to the new revision (and new bounds, if drawn).

        For ``web`` the new revision may be a bad one, whose tasks fail their health checks.
        """
        service = self._pick(pick)
        self._changed()
        service.bad = bad and service.load_balanced
        rev = self.world.register_task_definition(DEFINITIONS[service.name, service.bad])
        changes: dict[str, Any] = {}
        if config is not None:
            changes["deployment_configuration"] = _service_model(service.name, service.desired, config).deployment_configuration
        self._update(service, **changes)
        service.revision = rev.name
        service.disturbed_at = self.world.now
        if config is not None and config != (service.min_percent, service.max_percent):
            service.min_percent, service.max_percent = config
            self.auditor.bounds_changed(service)
        self._settle_instant()

    @rule(pick=st.integers(0, 1))
    def force_new_deployment(self, pick: int) -> None:
        """UpdateService --force-new-deployment (same revision)."""
        service = self._pick(pick)
        self._changed()
        self._update(service, force_new_deployment=True)
        service.disturbed_at = self.world.now
        service.model = service.model.model_copy(update={"force_new_deployment": False})
        self._settle_instant()

    @rule(pick=st.integers(0, 50))
    def drain_instance(self, pick: int) -> None:
        """UpdateContainerInstancesState DRAINING on one ACTIVE instance."""
        active = self._instances("ACTIVE")
        if not active:
            return
        self._changed()
        self.world.set_instance_state(active[pick % len(active)], "DRAINING")
        self._settle_instant()

    @rule(pick=st.integers(0, 50))
    def activate_instance(self, pick: int) -> None:
        """UpdateContainerInstancesState ACTIVE on one DRAINING instance."""
        draining = self._instances("DRAINING")
        if not draining:
            return
        self._changed()
        self.world.set_instance_state(draining[pick % len(draining)], "ACTIVE")
        self._settle_instant()

    @rule(seconds=st.sampled_from([1.0, 5.0, 20.0, 45.0, 120.0, 400.0]))
    def wait(self, seconds: float) -> None:
        """Let simulated time pass."""
        self._advance(seconds)

    @rule()
    def wait_until_settled(self) -> None:
        """Let time pass until the liveness check applies (or SETTLE_S when capacity does not allow)."""
        since = max(self.last_change, self.capacity_since if self.capacity_since is not None else self.world.now)
        self._advance(max(SLICE_S, since + SETTLE_S - self.world.now + SLICE_S))

    # -- invariants --------------------------------------------------------------------------

    def capacity_allows(self, snapshot: WorldSnapshot) -> bool:
        """Slots on registered ACTIVE instances for twice every service's upper bound."""
        slots = sum(
            min(view.cpu_registered // TASK_CPU, view.memory_registered_mib // TASK_MEMORY_MIB)
            for view in snapshot.instances
            if view.status == "ACTIVE" and view.agent_connected
        )
        return slots >= 2 * sum(s.upper for s in self.services.values())

    @invariant()
    def check_all(self) -> None:
        """Every invariant of the module docstring, at the current simulated time."""
        self.auditor.check()
        snapshot = self.world.snapshot()
        self._check_resources(snapshot)
        now = self.world.now
        if not self.capacity_allows(snapshot):
            self.capacity_since = None
            return
        if self.capacity_since is None:
            self.capacity_since = now
        if now - max(self.last_change, self.capacity_since) >= SETTLE_S:
            self._check_settled(now)

    def _check_resources(self, snapshot: WorldSnapshot) -> None:
        held: dict[str, int] = {}
        for task in snapshot.tasks:
            assert task.last_status != "STOPPED" or (task.stop_code and task.stopped_reason), task
            if task.last_status != "STOPPED" and task.ec2_instance_id is not None:
                held[task.ec2_instance_id] = held.get(task.ec2_instance_id, 0) + 1
        for view in snapshot.instances:
            assert view.cpu_remaining >= 0 and view.memory_remaining_mib >= 0, view
            n = held.get(view.ec2_instance_id, 0)
            assert view.cpu_registered - view.cpu_remaining == n * TASK_CPU, view
            assert view.memory_registered_mib - view.memory_remaining_mib == n * TASK_MEMORY_MIB, view

    def _check_settled(self, now: float) -> None:
        draining = {ci for ci, status in self.auditor.instances.items() if status != "ACTIVE"}
        for service in self.services.values():
            mine = [t for t in self.auditor.live.values() if t.group == service.group]
            healthy = [t for t in mine if self.auditor.healthy(service, t, now)]
            where = f"t={now}: service {service.name} (desired {service.desired}, {service.min_percent}/{service.max_percent})"
            if service.bad:
                # Its tasks keep failing; only the bounds checked all along apply.
                continue
            assert len(healthy) >= service.lower, f"{where}: {len(healthy)} healthy after {SETTLE_S:g} s with capacity"
            if service.blocked:
                stuck = [t for t in mine if t.definition != service.revision or t.instance in draining]
                reported = service.blocked_at is not None and service.blocked_at >= service.updated_at
                assert not stuck or reported, f"{where} cannot move its tasks and has not said so: {_describe(stuck)}"
                continue
            assert len(mine) == len(healthy) == service.desired, f"{where} is not steady: {_describe(mine)}"
            assert all(t.definition == service.revision for t in mine), f"{where} still runs old revisions: {_describe(mine)}"
            assert not any(t.instance in draining for t in mine), f"{where} still has tasks on DRAINING instances"
            assert service.rollout == "SERVICE_DEPLOYMENT_COMPLETED", f"{where}: its latest deployment is {service.rollout}"
            steady = service.steady_at is not None and service.steady_at >= service.disturbed_at
            assert steady, f"{where} has not reported a steady state since {service.disturbed_at}"


def _describe(tasks: Iterable[TaskTrack]) -> str:
    return ", ".join(f"{t.definition} {t.last}/{t.desired} target={t.target}" for t in tasks) or "no tasks"


ServiceMachine.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestServiceMachine = ServiceMachine.TestCase
