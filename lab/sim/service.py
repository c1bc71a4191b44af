"""Provides the ECS service scheduler: desired count, rolling deployments, draining, health.

One ``ServiceRuntime`` per service reconciles whenever something relevant changes (a task
starts, stops or changes health, an instance drains, the service is updated). A REPLICA
service keeps ``desiredCount`` tasks of its PRIMARY deployment on ACTIVE instances, within
the deployment configuration (docs/ecs-facts.md §4.2):

- at most ``floor(desired × maximumPercent / 100)`` tasks RUNNING or PENDING;
- at least ``ceil(desired × minimumHealthyPercent / 100)`` healthy tasks kept while capacity allows.

Tasks of older deployments and tasks on DRAINING instances are retired within those bounds
(§5.1). A DAEMON service keeps one task on every ACTIVE instance (§4.1). Repeated start
failures slow the scheduler down (§4.5) and a circuit breaker can fail and roll back a
deployment (§4.4). Every message is a ``ServiceEvent`` with the console's wording (§4.6).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Iterable
from typing import Any, Protocol

from lab.sim.agent import Agent, request_stop, start_task
from lab.sim.cluster import Cluster
from lab.sim.elb import Target, TargetGroupRuntime
from lab.sim.events import TROUBLESHOOTING, PlacementFailed, ServiceDeploymentStateChanged, ServiceEvent
from lab.sim.fleet import ACTIVE, DRAINING
from lab.sim.kernel import Kernel
from lab.sim.model import Revision, Task
from lab.sim.placement import Constraint, Strategy, TaskNeeds, place
from lab.sim.registry import Image

__all__ = ["DEFAULT_SERVICE_STRATEGIES", "Deployment", "LaunchTypePlacement", "Placement", "ServiceRuntime"]

HEALTHY_AFTER_RUNNING_S = 40.0
"""Without load balancer or container health checks a task counts as healthy 40 s after it
reaches RUNNING; §4.2."""
SUPPRESS_REPEATS_S = 6 * 3600.0
"""A repeated service event message is posted again after 6 hours at the latest (§4.6)."""
RETRY_PLACEMENT_S = 15.0
"""How soon the scheduler tries again after a task could not be placed (UNCONFIRMED)."""
THROTTLE_AFTER_FAILURES = 3
"""Consecutive start failures before the scheduler backs off (UNCONFIRMED)."""
THROTTLE_FIRST_DELAY_S = 15.0
"""First back-off delay, doubled per further failure (UNCONFIRMED)."""
THROTTLE_MAX_DELAY_S = 1620.0
"""Longest back-off between start attempts: 27 minutes (§4.5)."""
CIRCUIT_BREAKER_MIN, CIRCUIT_BREAKER_MAX = 3, 200
"""Failure threshold = ceil(desired / 2) clamped to [3, 200]; §4.4 (the 2023 DG used 10)."""

DEFAULT_SERVICE_STRATEGIES = (Strategy("spread", "attribute:ecs.availability-zone"), Strategy("spread", "instanceId"))
"""A REPLICA service without strategies balances AZs, then tasks per instance; §1.2."""


class Deployment:
    """One deployment of a service: a revision rolled out to a desired count."""

    __slots__ = ("created_at", "failures", "id", "images", "rev", "rollback", "rollout", "status", "target_groups")

    def __init__(self, deployment_id: str, rev: Revision, created_at: float, *, rollback: bool = False, images: dict[str, Image] | None = None) -> None:
        self.id = deployment_id
        self.rev = rev
        self.images: dict[str, Image] = images if images is not None else {}
        """Container name → the image its reference named when the deployment started: every
        task of the deployment runs it, even after the tag moves (container image resolution, §4)."""
        self.status = "PRIMARY"
        self.rollout = "IN_PROGRESS"
        self.created_at = created_at
        self.failures = 0
        self.rollback = rollback
        """Started by the circuit breaker to go back to the last completed deployment."""
        self.target_groups: list[tuple[TargetGroupRuntime, str, int]] | None = None
        """Where this deployment's tasks register, when not the service's own target groups
        (a blue/green deployment's tasks register in the alternate group, §4.9)."""


class TrafficShift(Protocol):
    """A deployment strategy that moves traffic between target groups (``lab.sim.bluegreen``)."""

    active: bool
    """Whether it drives the service's passes now."""

    def begin(self, green: Deployment, blue: Deployment) -> None:
        """Take over a new deployment ``green`` from the running ``blue``."""
        ...

    def reconcile(self) -> None:
        """One scheduler pass while ``active``."""
        ...

    def fail(self, why: str, *, rollback: bool) -> None:
        """The circuit breaker failed the deployment being shifted."""
        ...


class Placement(Protocol):
    """Where a service's tasks go: by launch type, or over a capacity provider strategy.

    A service holds one; changing the capacity provider strategy gives it another, and the
    service keeps its identity, tasks and deployments.
    """

    def configure(self, service: ServiceRuntime, model: Any) -> None:
        """Take the service file's settings (after the service took its own)."""
        ...

    def before_pass(self, service: ServiceRuntime) -> None:
        """Work to do at the start of each scheduler pass."""
        ...

    def place_one(self, service: ServiceRuntime, deployment: Deployment, only_instance: int | None = None) -> Task | None:
        """Place and start one task of ``deployment`` (on fleet position ``only_instance`` if given), or None."""
        ...


class LaunchTypePlacement:
    """The launch type's placement: EC2 instances by strategies and constraints, or Fargate."""

    __slots__ = ()

    def configure(self, service: ServiceRuntime, model: Any) -> None:
        """Nothing beyond the service's own settings."""

    def before_pass(self, service: ServiceRuntime) -> None:
        """Nothing to do."""

    def place_one(self, service: ServiceRuntime, deployment: Deployment, only_instance: int | None = None) -> Task | None:
        """Place by the service's launch type."""
        return service.place_by_launch_type(deployment, only_instance)


class ServiceRuntime:
    """A running service and its scheduler."""

    def __init__(
        self,
        kernel: Kernel,
        cluster: Cluster,
        agent: Agent,
        model: Any,
        rev: Revision,
        target_groups: list[tuple[TargetGroupRuntime, str, int]],
        placement: Placement | None = None,
    ) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.agent = agent
        self.placement: Placement = placement if placement is not None else LaunchTypePlacement()
        self.name: str = model.service_name
        self.arn = kernel.arn("ecs", f"service/{kernel.cluster}/{self.name}")
        self.group = f"service:{self.name}"
        self.tasks: dict[str, Task] = {}
        """Tasks the service started that have not reached STOPPED."""
        self.deployments: list[Deployment] = []
        self.last_completed: Deployment | None = None
        self.target_groups = target_groups
        self._scheduled = False
        self._last_messages: dict[str, tuple[str, float]] = {}
        """Message kind → the text last posted and when (repeats are suppressed, §4.6)."""
        self._start_failures = 0
        self._retry_at = 0.0
        self._throttled = False
        self._steady = False
        self._blocked_posted = False
        self._replacing: dict[str, str] = {}
        """Task id → stop reason of unhealthy tasks kept until a replacement is healthy (§4.2)."""
        self._unplaced = 0
        """Tasks the last ``_start`` could not place."""
        self._batched: dict[tuple[str, str], int] = {}
        self._unhealthy_hint: Task | None = None
        """The task ``_all_healthy`` found unhealthy last (tried first next time)."""
        self.rollout: TrafficShift | None = None
        """The BLUE_GREEN, LINEAR or CANARY strategy (``lab.sim.bluegreen``); None: rolling update."""
        self._apply(model)
        self._new_deployment(rev)

    # -- configuration -----------------------------------------------------------------------

    def _apply(self, model: Any) -> None:
        self.model = model
        self.scheduling = model.scheduling_strategy or "REPLICA"
        self.desired = int(model.desired_count or 0)
        dc = model.deployment_configuration
        self.min_percent = dc.min_healthy_percent(self.scheduling)
        self.max_percent = dc.max_percent(self.scheduling)
        breaker = dc.deployment_circuit_breaker
        self.breaker = bool(breaker and breaker.enable)
        self.rollback = bool(breaker and breaker.rollback)
        self.grace_s = float(model.health_check_grace_period_seconds or 0)
        self.launch_type = model.launch_type or "EC2"
        self.strategies = tuple(Strategy(s.type, s.field) for s in model.placement_strategy)
        net = model.network_configuration
        self.network_groups: tuple[str, ...] = tuple(net.awsvpc_configuration.security_groups) if net else ()
        """Security groups of the tasks' ENIs (awsvpc)."""
        self.constraints = tuple(Constraint(c.type, c.expression) for c in model.placement_constraints)
        self.placement.configure(self, model)

    def update(self, model: Any, rev: Revision, target_groups: list[tuple[TargetGroupRuntime, str, int]]) -> None:
        """UpdateService: a new revision, load-balancer change or forceNewDeployment starts a deployment."""
        old_rev = self.deployments[0].rev if self.deployments else None
        lb_changed = [(tg.arn, c, p) for tg, c, p in target_groups] != [(tg.arn, c, p) for tg, c, p in self.target_groups]
        old_desired = self.desired
        self._apply(model)
        if self.desired != old_desired:
            # As for Service Auto Scaling: the service reports its next steady state again.
            self._steady = False
        self.target_groups = target_groups
        # Updating the service returns it to normal scheduling at once (§4.5).
        self._start_failures = 0
        self._retry_at = 0.0
        self._throttled = False
        self._blocked_posted = False
        if rev is not old_rev or lb_changed or model.force_new_deployment:
            self._new_deployment(rev)
        self.kick()

    def set_desired_count(self, count: int) -> None:
        """Change desiredCount only (what Service Auto Scaling does); no new deployment."""
        self.desired = count
        self._steady = False
        self.kick()

    def _new_deployment(self, rev: Revision, *, rollback: bool = False, images: dict[str, Image] | None = None) -> None:
        if images is None:
            images = self.agent.ecr.resolve_images(rev.containers)
        deployment = Deployment(f"ecs-svc/{self.kernel.rng.randrange(10**18, 10**19)}", rev, self.kernel.now, rollback=rollback, images=images)
        for old in self.deployments:
            old.status = "ACTIVE"
        self.deployments.insert(0, deployment)
        self._steady = False
        self.kernel.log.append(ServiceDeploymentStateChanged(self.kernel.now, self.name, deployment.id, "SERVICE_DEPLOYMENT_IN_PROGRESS", rev.name))
        if self.rollout is not None and self.last_completed is not None and not rollback:
            # Blue/green, linear, canary: green runs beside the completed deployment (§4.9).
            self.rollout.begin(deployment, self.last_completed)

    def rollback_deployment(self, blue: Deployment) -> Deployment:
        """A rollback deployment record that takes over ``blue``'s running tasks (blue/green, §4.9)."""
        back = Deployment(f"ecs-svc/{self.kernel.rng.randrange(10**18, 10**19)}", blue.rev, self.kernel.now, rollback=True, images=blue.images)
        back.target_groups = blue.target_groups
        return back

    def target_groups_for(self, task: Task) -> list[tuple[TargetGroupRuntime, str, int]]:
        """Where a task of this service registers: its deployment's groups, or the service's."""
        deployment = task.deployment
        if deployment is not None and deployment.target_groups is not None:
            return deployment.target_groups
        return self.target_groups

    @property
    def replacing(self) -> dict[str, str]:
        """Task id → stop reason of unhealthy tasks waiting for a replacement."""
        return self._replacing

    def stop_task(self, task: Task, reason: str) -> None:
        """Stop one of the service's tasks as the scheduler does."""
        self._stop(task, reason, "ServiceSchedulerInitiated")

    def replace_and_count(self, deployment: Deployment) -> list[Task]:
        """Stop ``deployment``'s tasks marked for replacement; return its tasks still meant to run.

        A traffic-shifting rollout (ECS blue/green, CodeDeploy) calls it at each pass over the
        replacement task set.
        """
        live = [t for t in self.tasks.values() if t.desired != "STOPPED" and t.deployment is deployment]
        for task_id in [i for i in self._replacing if i in self.tasks and self.tasks[i].deployment is deployment]:
            reason = self._replacing.pop(task_id)
            task = self.tasks[task_id]
            if task.desired != "STOPPED":
                self.stop_task(task, reason)
                live.remove(task)
        return live

    def start_tasks(self, deployment: Deployment, count: int) -> list[Task]:
        """Place and start up to ``count`` tasks of ``deployment`` (posted as one event)."""
        if self.kernel.now < self._retry_at:
            self.kernel.at(self._retry_at - self.kernel.now, self.kick)
            return []
        return self._start(deployment, count)

    # -- messages ----------------------------------------------------------------------------

    def _post(self, kind: str, text: str, *, dedupe: bool = False) -> None:
        if dedupe and self._repeats(kind, text):
            return
        self.kernel.log.append(ServiceEvent(self.kernel.now, self.name, kind, text))

    def _repeats(self, kind: str, text: str) -> bool:
        """Whether posting ``text`` now repeats the last message of ``kind`` (and is suppressed).

        Duplicate messages are suppressed until the cause is resolved or 6 hours pass (§4.6);
        a message that is not a repeat is recorded as the last one posted.
        """
        last = self._last_messages.get(kind)
        now = self.kernel.now
        if last is not None and last[0] == text and now - last[1] < SUPPRESS_REPEATS_S:
            return True
        self._last_messages[kind] = (text, now)
        return False

    def _forget(self, kind: str) -> None:
        self._last_messages.pop(kind, None)

    def batch(self, kind: str, target_group_arn: str) -> None:
        """Count one target (de)registration or drain; posted as one message per instant."""
        key = (kind, target_group_arn)
        if not self._batched:
            self.kernel.at(0.0, self._flush_batches)
        self._batched[key] = self._batched.get(key, 0) + 1

    def _flush_batches(self) -> None:
        batched, self._batched = self._batched, {}
        for (kind, arn), n in batched.items():
            if kind == "registered-targets":
                self._post(kind, f"(service {self.name}) registered {n} targets in (target-group {arn})")
            elif kind == "deregistered-targets":
                self._post(kind, f"(service {self.name}) deregistered {n} targets in (target-group {arn})")
            else:
                self._post(kind, f"(service {self.name}) has begun draining connections on {n} tasks.")

    # -- health ------------------------------------------------------------------------------

    def is_healthy(self, task: Task) -> bool:
        """Whether a task counts as healthy for the deployment bounds (the table of §4.2)."""
        if task.last != "RUNNING" or task.desired == "STOPPED" or task.started_at is None:
            return False
        has_lb = bool(task.targets)
        has_hc = task.health is not None
        if has_lb and any(target.state != "healthy" for _, target in task.targets):
            return False
        if has_hc and task.health != "HEALTHY":
            return False
        if not has_lb and not has_hc:
            # Compared as the scheduler's wake-up time is computed: (t + 40) - t can be < 40.
            return self.kernel.now >= task.started_at + HEALTHY_AFTER_RUNNING_S
        return True

    def in_grace_period(self, task: Task) -> bool:
        """True while the scheduler ignores a task's failing health checks (§4.3)."""
        # Compared as the re-check time is computed: now - started_at can be < grace at started_at + grace.
        return task.started_at is not None and self.kernel.now < task.started_at + self.grace_s

    def on_target_state(self, target: Target, state: str, tg: TargetGroupRuntime) -> None:
        """A target of this service changed health."""
        task = target.task
        if state == "unhealthy" and task.desired != "STOPPED" and not self.in_grace_period(task):
            where = f"(instance {task.instance.ec2_id})" if task.instance and task.needs.eni is False else f"(task {task.id})"
            self._post(
                "unhealthy-target",
                f"(service {self.name}) {where} (port {target.port}) is unhealthy in (target-group {tg.arn}) "
                f"due to (reason {tg.describe(target.reason)})",
            )
            self._count_failure(task)
            self._unhealthy(task, f"Task failed ELB health checks in (target-group {tg.arn})")
        elif state == "unhealthy" and self.in_grace_period(task):
            # Re-check when the grace period ends: the target may still be unhealthy then.
            assert task.started_at is not None
            self.kernel.at(task.started_at + self.grace_s - self.kernel.now, lambda: self._recheck(task, tg))
        self.kick()

    def _recheck(self, task: Task, tg: TargetGroupRuntime) -> None:
        target = tg.target_of(task)
        if target is not None and target.state == "unhealthy":
            self.on_target_state(target, "unhealthy", tg)

    def on_container_health(self, task: Task, status: str) -> None:
        """A task's essential containers became HEALTHY or UNHEALTHY."""
        if status == "UNHEALTHY" and task.desired != "STOPPED" and not self.in_grace_period(task):
            self._post("failed-health-checks", f"(service {self.name}) (task {task.id}) failed container health checks.")
            self._count_failure(task)
            self._unhealthy(task, "Task failed container health checks")
        self.kick()

    def _unhealthy(self, task: Task, reason: str) -> None:
        """Replace an unhealthy task: start first where maximumPercent allows (§4.2).

        A task of the primary deployment of a REPLICA service is kept until its replacement
        is healthy (``reconcile`` stops it then, or at once when there is no room for the
        replacement); a DAEMON task, or one of an older deployment, is stopped now.
        """
        if self.scheduling == "DAEMON" or not self.deployments or task.deployment is not self.deployments[0]:
            self._stop(task, reason, "ServiceSchedulerInitiated")
        elif task.id not in self._replacing:
            self._replacing[task.id] = reason

    def on_task_running(self, task: Task) -> None:
        """A service task reached RUNNING: the start succeeded."""
        self._start_failures = 0
        if self._throttled:
            self._throttled = False
        if not task.targets and task.health is None:
            self.kernel.at(HEALTHY_AFTER_RUNNING_S, self.kick)
        self.kick()

    def on_task_stopped(self, task: Task) -> None:
        """A service task reached STOPPED."""
        self.tasks.pop(task.id, None)
        if task.started_at is None:
            # PENDING straight to STOPPED: a failed start (§4.5), and a circuit-breaker failure.
            self._start_failed()
            self._count_failure(task)
        elif task.stop_code == "EssentialContainerExited":
            # An essential container that exits after RUNNING: the task failed, and the circuit
            # breaker counts it (§4.4; the lab's reading, UNCONFIRMED). Not a failed start: no back-off.
            self._count_failure(task)
        self.kick()

    def _placement_failed(self) -> None:
        """No instance could take a task: try again soon. Not a failed start, so no back-off (§4.5)."""
        self._retry_at = self.kernel.now + RETRY_PLACEMENT_S
        self.kernel.at(RETRY_PLACEMENT_S, self.kick)

    def _start_failed(self) -> None:
        """A start failed (PENDING → STOPPED, or ECS could not launch the task): retry later, backing off (§4.5)."""
        self._start_failures += 1
        delay = RETRY_PLACEMENT_S
        if self._start_failures >= THROTTLE_AFTER_FAILURES:
            # The exponent is capped: past 2**6 the delay is at its maximum anyway, and a week of
            # failures (2**1000) would not fit in a float.
            doublings = min(self._start_failures - THROTTLE_AFTER_FAILURES, 16)
            delay = min(THROTTLE_MAX_DELAY_S, THROTTLE_FIRST_DELAY_S * 2**doublings)
            if not self._throttled:
                self._throttled = True
                self._post("throttled", f"(service {self.name}) is unable to consistently start tasks successfully. {TROUBLESHOOTING}", dedupe=True)
        self._retry_at = self.kernel.now + delay
        self.kernel.at(delay, self.kick)

    def _count_failure(self, task: Task) -> None:
        deployment = task.deployment
        if not self.breaker or deployment is None or deployment is not self.deployments[0] or deployment.rollout != "IN_PROGRESS":
            return
        deployment.failures += 1
        threshold = min(CIRCUIT_BREAKER_MAX, max(CIRCUIT_BREAKER_MIN, math.ceil(self.desired * 0.5)))
        if deployment.failures >= threshold:
            failed_start = task.started_at is None or task.stop_code == "EssentialContainerExited"
            self._fail_deployment(deployment, "tasks failed to start" if failed_start else "tasks failed health checks")

    def _fail_deployment(self, deployment: Deployment, why: str) -> None:
        if self.rollout is not None and self.rollout.active:
            # Blue/green: blue still carries production; rollback moves it all back (§4.9).
            self.rollout.fail(why, rollback=self.rollback)
            return
        deployment.rollout = "FAILED"
        self._post("deployment-failed", f"(service {self.name}) (deployment {deployment.id}) deployment failed: {why}.")
        self.kernel.log.append(
            ServiceDeploymentStateChanged(self.kernel.now, self.name, deployment.id, "SERVICE_DEPLOYMENT_FAILED", deployment.rev.name, why)
        )
        # A rollback that fails too is not rolled back again: the service stops deploying (a FAILED
        # deployment launches no more tasks) instead of failing over and over (§4.4).
        if self.rollback and self.last_completed is not None and not deployment.rollback:
            target = self.last_completed
            self._post("rolling-back", f"(service {self.name}) rolling back to deployment {target.id}.")
            self._start_failures = 0
            self._retry_at = 0.0
            # Back to the images the completed deployment resolved, not what the tags name now.
            self._new_deployment(target.rev, rollback=True, images=target.images)

    # -- reconcile ---------------------------------------------------------------------------

    def kick(self) -> None:
        """Ask for a reconcile pass at the current time (passes are merged)."""
        if not self._scheduled:
            self._scheduled = True
            self.kernel.at(0.0, self.reconcile)

    def _live(self) -> list[Task]:
        return [t for t in self.tasks.values() if t.desired != "STOPPED"]

    def _on_draining_instance(self, task: Task) -> bool:
        ci = task.instance
        fleet = self.cluster.fleet
        # fleet.unavailable == 0: every instance is ACTIVE, no per-task array lookup needed.
        return ci is not None and fleet.unavailable > 0 and int(fleet.status[ci.index]) != ACTIVE

    def reconcile(self) -> None:
        """One scheduler pass: start, retire and report, within the deployment bounds.

        The kernel drives it: a pass starting thousands of tasks may pause between two
        placements when the shell asks (``Kernel.step``), and goes on before any other event.
        """
        self.kernel.drive(self._pass())

    def _pass(self) -> Generator[None, None, None]:
        """``reconcile``'s steps: yields after each task placed."""
        self.placement.before_pass(self)
        self._scheduled = False
        if self.rollout is not None and self.rollout.active:
            self.rollout.reconcile()
            return
        if self.scheduling == "DAEMON":
            self._reconcile_daemon()
            return
        primary = self.deployments[0]
        # One pass sorts the service's tasks: a pass runs for every instant something
        # happens to the service, so it must stay a cheap O(tasks).
        live: list[Task]
        keep: list[Task]
        retiring: list[Task] = []
        lingering: list[Task] = []
        if len(self.deployments) == 1 and self.cluster.fleet.unavailable == 0:
            # The usual pass: tasks are only ever started for the primary deployment, older
            # deployments are dropped once none of their tasks is left, and no instance
            # drains — so every live task is kept and nothing retires or lingers.
            keep = live = [t for t in self.tasks.values() if t.desired != "STOPPED"]
        else:
            live, keep = [], []
            for t in self.tasks.values():
                old = t.deployment is not primary or self._on_draining_instance(t)
                if old:
                    lingering.append(t)
                if t.desired != "STOPPED":
                    live.append(t)
                    (retiring if old else keep).append(t)
        desired = self.desired
        max_total = math.floor(desired * self.max_percent / 100)
        min_healthy = math.ceil(desired * self.min_percent / 100)
        marked: list[Task] = []
        if self._replacing:
            marked, keep = self._split_replacing(keep)
        stopped: list[Task] = []
        if len(keep) > desired:
            for task in self._scale_in_order(keep)[: len(keep) - desired]:
                stopped.append(task)
            gone = {id(t) for t in stopped}
            keep = [t for t in keep if id(t) not in gone]
        if marked:
            replaced = self._replaced(marked, keep, len(live) - len(stopped), desired, max_total)
            stopped.extend(replaced)
            marked = [t for t in marked if t not in replaced]
        started: list[Task] = []
        need = desired - len(keep)
        room = max_total - (len(live) - len(stopped))
        if need > 0 and primary.rollout != "FAILED":
            if self.kernel.now < self._retry_at:
                self.kernel.at(self._retry_at - self.kernel.now, self.kick)
            else:
                started = yield from self._start_steps(primary, min(need, room))
                if marked and self._unplaced:
                    # No capacity for the replacements: the unhealthy tasks stop to free it (§4.2).
                    freed = marked[: self._unplaced]
                    stopped.extend(freed)
                    marked = marked[len(freed):]
        can_stop = 0
        if retiring or len(live) - len(stopped) > max_total:
            # Only retiring or excess tasks spend the healthy margin; most passes have neither.
            gone = {id(t) for t in stopped}
            can_stop = sum(1 for t in live if id(t) not in gone and self.is_healthy(t)) - min_healthy
        for task in retiring:
            if not self.is_healthy(task):
                stopped.append(task)
            elif can_stop > 0:
                stopped.append(task)
                can_stop -= 1
        # A lowered desiredCount mid-deployment can leave more than maximumPercent: stop the
        # primary's tasks too, those not yet healthy first, never below minimumHealthyPercent.
        excess = len(live) - len(stopped) - max_total
        # Sorted only when something is in excess: a pass per task start must stay O(tasks).
        if excess > 0:
            gone = {id(t) for t in stopped}
            candidates = self._scale_in_order([t for t in keep if id(t) not in gone])
            for task in sorted(candidates, key=self.is_healthy):
                if excess <= 0:
                    break
                if not self.is_healthy(task):
                    stopped.append(task)
                    excess -= 1
                elif can_stop > 0:
                    stopped.append(task)
                    can_stop -= 1
                    excess -= 1
        for task in stopped:
            reason = self._replacing.pop(task.id, None) or f"Scaling activity initiated by (deployment {primary.id})"
            self._stop(task, reason, "ServiceSchedulerInitiated")
        if stopped:
            ids = " ".join(f"(task {t.id})" for t in stopped)
            self._post("stopped-tasks", f"(service {self.name}) has stopped {len(stopped)} running tasks: {ids}.")
        gone = {id(t) for t in stopped}
        retiring_left = [t for t in retiring if id(t) not in gone]
        if marked:
            # An unhealthy task waiting for its replacement keeps the service from a steady state.
            lingering = lingering + marked
        # Old tasks still on their way out (draining, stopping) keep the deployment open.
        # Blocked only when nothing is on its way to healthy either: the bounds themselves leave
        # no room. Checked last: it scans the kept tasks, and most passes stop before it.
        if (
            retiring_left and not started and not stopped and need > 0 and room <= 0 and can_stop <= 0
            and self._all_healthy(keep)
        ):
            if not self._blocked_posted:
                self._blocked_posted = True
                self._post(
                    "deployment-blocked",
                    f"(service {self.name}) was unable to stop or start tasks during a deployment because of the service "
                    "deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.",
                )
        self._check_completion(primary, keep, lingering)

    def _split_replacing(self, keep: list[Task]) -> tuple[list[Task], list[Task]]:
        """(unhealthy tasks waiting for a replacement, the rest of ``keep``); forgets stopped ones."""
        for task_id in [i for i in self._replacing if i not in self.tasks or self.tasks[i].desired == "STOPPED"]:
            del self._replacing[task_id]
        marked = [t for t in keep if t.id in self._replacing]
        return marked, [t for t in keep if t.id not in self._replacing]

    def _replaced(self, marked: list[Task], keep: list[Task], live: int, desired: int, max_total: int) -> list[Task]:
        """The unhealthy tasks to stop now (§4.2), oldest task first.

        One stops once a healthy task stands in for it (healthy tasks plus the unhealthy ones
        left exceed the desired count, so a replacement that turns unhealthy too gets one of
        them stopped as well); more stop when ``maximumPercent`` leaves no room to start their
        replacements first. Unhealthy tasks do not count as healthy, so stopping them never
        breaks ``minimumHealthyPercent``.
        """
        healthy = sum(1 for t in keep if self.is_healthy(t))
        stop = marked[: max(0, healthy + len(marked) - desired)]
        short = (desired - len(keep)) - (max_total - (live - len(stop)))
        return marked[: len(stop) + max(0, short)]

    def _all_healthy(self, tasks: list[Task]) -> bool:
        """Whether every task is healthy; tries the one found unhealthy last time, then the newest first.

        ``is_healthy`` has no side effects, so the order only changes how soon an unhealthy
        task is found: while a service grows that is its newest task, or the one that was
        not healthy a moment ago, instead of a scan over every healthy task in each pass.
        """
        hint = self._unhealthy_hint
        # Tasks compare by identity, so ``in`` is a quick scan in C.
        if hint is not None and not self.is_healthy(hint) and hint in tasks:
            return False
        for t in reversed(tasks):
            if not self.is_healthy(t):
                self._unhealthy_hint = t
                return False
        self._unhealthy_hint = None
        return True

    def _check_completion(self, primary: Deployment, keep: list[Task], retiring: list[Task]) -> None:
        if retiring or len(keep) != self.desired or not self._all_healthy(keep):
            self._steady = False
            return
        if len(self.deployments) > 1 or primary.rollout == "IN_PROGRESS":
            if primary.rollout == "IN_PROGRESS":
                primary.rollout = "COMPLETED"
                self._post("deployment-completed", f"(service {self.name}) (deployment {primary.id}) deployment completed.")
                self.kernel.log.append(
                    ServiceDeploymentStateChanged(self.kernel.now, self.name, primary.id, "SERVICE_DEPLOYMENT_COMPLETED", primary.rev.name)
                )
            self.deployments = [primary]
            self.last_completed = primary
        if not self._steady:
            self._steady = True
            self._forget("unable-to-place")
            self._post("steady-state", f"(service {self.name}) has reached a steady state.")

    def _scale_in_order(self, tasks: list[Task]) -> list[Task]:
        """Tasks to stop first on scale-in: not yet running first, then the busiest AZ and instance (§1.2)."""
        per_az: dict[str | None, int] = {}
        per_instance: dict[int, int] = {}
        for t in tasks:
            per_az[t.az] = per_az.get(t.az, 0) + 1
            if t.instance is not None:
                per_instance[t.instance.index] = per_instance.get(t.instance.index, 0) + 1
        binpack = next((s.field for s in self.strategies if s.type == "binpack"), None)

        def key(t: Task) -> tuple[Any, ...]:
            running = 1 if t.last == "RUNNING" else 0
            if binpack and t.instance is not None:
                col = self.cluster.fleet.cpu_free if binpack == "cpu" else self.cluster.fleet.mem_free
                return (running, -int(col[t.instance.index]), -t.created_at)
            inst = per_instance.get(t.instance.index, 0) if t.instance is not None else 0
            return (running, -per_az.get(t.az, 0), -inst, -t.created_at)

        return sorted(tasks, key=key)

    def _launch_refused(self, deployment: Deployment) -> bool:
        """Whether ECS cannot launch the deployment's tasks at all (a role it cannot assume).

        Posted as ``failed to launch a task with (error ...)`` and handled as a failed start,
        so repeated attempts back off (§4.5). The event wording is ECS's as seen in the
        console; AWS does not document it (UNCONFIRMED, docs/ecs-facts.md §4.6): no check grades on its text.
        """
        refusal = self.agent.roles.refusal(deployment.rev)
        if refusal is None:
            self._forget("launch-failed")
            return False
        self._post("launch-failed", f"(service {self.name}) failed to launch a task with (error {refusal}).", dedupe=True)
        self._start_failed()
        return True

    def _start(self, deployment: Deployment, count: int) -> list[Task]:
        steps = self._start_steps(deployment, count)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    def _start_steps(self, deployment: Deployment, count: int) -> Generator[None, None, list[Task]]:
        """Place and start up to ``count`` tasks, yielding after each; returns those started."""
        started: list[Task] = []
        self._unplaced = 0
        if count > 0 and self._launch_refused(deployment):
            return started
        for _ in range(max(0, count)):
            task = self._place_one(deployment)
            if task is None:
                self._placement_failed()
                self._unplaced = count - len(started)
                break
            self._forget("unable-to-place")
            started.append(task)
            yield
        if started:
            ids = " ".join(f"(task {t.id})" for t in started)
            self._post("started-tasks", f"(service {self.name}) has started {len(started)} tasks: {ids}.")
        return started

    def needs(self, rev: Revision) -> TaskNeeds:
        """What one task of ``rev`` needs from an instance under this service's settings."""
        return TaskNeeds(
            cpu=rev.cpu,
            memory_mib=rev.memory_mib,
            group=self.group,
            ports=rev.ports,
            dynamic_ports=rev.dynamic_ports,
            eni=rev.network_mode == "awsvpc" and self.launch_type == "EC2",
        )

    def _place_one(self, deployment: Deployment, only_instance: int | None = None) -> Task | None:
        return self.placement.place_one(self, deployment, only_instance)

    def place_by_launch_type(self, deployment: Deployment, only_instance: int | None = None) -> Task | None:
        """Place and start one task by the launch type (EC2 placement, or Fargate); None when nothing fits."""
        rev = deployment.rev
        needs = self.needs(rev)
        fleet = self.cluster.fleet
        k = self.kernel
        if self.launch_type == "FARGATE":
            task = self.launch(deployment, needs, None)
            self.tasks[task.id] = task
            return task
        constraints = tuple(rev.constraints) + self.constraints
        if only_instance is not None:
            constraints += (Constraint("memberOf", f"ec2InstanceId == {fleet.ec2_ids[only_instance]}"),)
        strategies = self.strategies or DEFAULT_SERVICE_STRATEGIES
        decision = place(fleet, needs, strategies=strategies, constraints=constraints, rng=k.rng)
        if decision.index is None:
            closest = fleet.arns[decision.closest] if decision.closest is not None else None
            event = PlacementFailed(k.now, self.group, decision.failure_reason or "", closest, decision.failure_detail or "", self.name)
            # Every failed attempt is recorded, so the failure stays visible for as long as tasks
            # wait; ECS posts the message itself once per cause and 6 hours (§4.6).
            k.log.append(event._replace(repeated=self._repeats("unable-to-place", event.message)))
            return None
        task = self.launch(deployment, needs, decision.index)
        self.tasks[task.id] = task
        return task

    def launch(self, deployment: Deployment, needs: TaskNeeds, index: int | None) -> Task:
        """Start one task for the service (placed on fleet position ``index``, or on Fargate)."""
        task = self.cluster.new_task(deployment.rev, self.group, self.launch_type, needs, f"ecs-svc/{self.name}")
        task.service = self
        task.deployment = deployment
        task.pinned = deployment.images
        if index is None:
            task.az = self.cluster.fargate_az(self.group)
        else:
            self.cluster.place_task(task, index)
        start_task(self.agent, task)
        return task

    def _stop(self, task: Task, reason: str, stop_code: str) -> None:
        request_stop(self.agent, task, stop_code, reason)

    def _reconcile_daemon(self) -> None:
        primary = self.deployments[0]
        fleet = self.cluster.fleet
        live = self._live()
        by_instance: dict[int, list[Task]] = {}
        for t in live:
            if t.instance is not None:
                by_instance.setdefault(t.instance.index, []).append(t)
        started: list[Task] = []
        stopped: list[Task] = []
        for ci in self.cluster.instances:
            status = int(fleet.status[ci.index])
            tasks_here = by_instance.get(ci.index, [])
            if status == ACTIVE and bool(fleet.connected[ci.index]):
                current = [t for t in tasks_here if t.deployment is primary]
                if not current and self.kernel.now >= self._retry_at and not self._launch_refused(primary):
                    task = self._place_one(primary, only_instance=ci.index)
                    if task is not None:
                        started.append(task)
                    else:
                        self._placement_failed()
                stopped += [t for t in tasks_here if t.deployment is not primary and current and self.is_healthy(current[0])]
            elif status == DRAINING:
                # Daemon tasks stop last, once the instance's other service tasks are gone.
                others = fleet.task_count[ci.index] - len(tasks_here)
                if others <= 0:
                    stopped += tasks_here
        for task in stopped:
            self._stop(task, f"Scaling activity initiated by (deployment {primary.id})", "ServiceSchedulerInitiated")
        if started:
            ids = " ".join(f"(task {t.id})" for t in started)
            self._post("started-tasks", f"(service {self.name}) has started {len(started)} tasks: {ids}.")
        if stopped:
            ids = " ".join(f"(task {t.id})" for t in stopped)
            self._post("stopped-tasks", f"(service {self.name}) has stopped {len(stopped)} running tasks: {ids}.")
        eligible = sum(1 for ci in self.cluster.instances if int(fleet.status[ci.index]) == ACTIVE)
        running = [t for t in self._live() if t.deployment is primary]
        self.desired = eligible
        if len(running) == eligible and all(self.is_healthy(t) for t in running) and len(self._live()) == len(running):
            self._check_completion(primary, running, [])
        else:
            self._steady = False

    # -- views -------------------------------------------------------------------------------

    def counts(self) -> tuple[int, int, int]:
        """(desired, running, pending) as DescribeServices reports them."""
        live = self._live()
        running = sum(1 for t in live if t.last == "RUNNING")
        return self.desired, running, len(live) - running

    def all_tasks(self) -> Iterable[Task]:
        """Tasks the service has not seen stop yet."""
        return self.tasks.values()
