"""Provides ECS-native blue/green, linear and canary deployments (docs/ecs-facts.md §4.9).

Two pieces:

- ``WeightedForward``: the forward action of a listener rule that splits the requests offered
  to it between two target groups by weight. ``LoadBalancing`` holds one per production rule;
  traffic offered to either target group goes through it. Listener rules themselves (paths,
  hosts, priorities) belong to the load-balancer files; here a rule is only a name.
- ``TrafficShiftRollout``: a service's deployment strategy when ``deploymentConfiguration.strategy``
  is BLUE_GREEN, LINEAR or CANARY. A new deployment (green) scales up to the full desired count
  beside the running one (blue), registering in the other target group; test traffic moves
  to green, then production traffic moves at once (BLUE_GREEN), in two steps (CANARY) or in
  equal steps (LINEAR); after the bake time blue is stopped. A CloudWatch alarm of
  ``deploymentConfiguration.alarms`` in ALARM, or the circuit breaker, fails the deployment
  before it completes; with rollback on, production traffic goes back to blue at once and
  green is stopped.
"""

from __future__ import annotations

import math
from typing import Any

from lab.sim.elb import TargetGroupRuntime
from lab.sim.events import DeploymentLifecycleStageChanged, ServiceDeploymentStateChanged, ServiceEvent, TrafficShifted
from lab.sim.kernel import Kernel
from lab.sim.model import Task

# The service and its deployments (``lab.sim.service``) sit above this module in the layers:
# ``lab.sim.lb`` builds the weighted forwards, so this module cannot import the scheduler.
ServiceRuntime = Any
Deployment = Any

__all__ = ["TrafficShiftRollout", "WeightedForward", "shift_steps"]

DEFAULT_BAKE_TIME_MIN = 0
"""Bake time of a LINEAR or CANARY deployment that sets none (UNCONFIRMED: the API requires it
only for BLUE_GREEN and documents no default for the others)."""


class WeightedForward:
    """A listener rule's forward action: the requests offered to it split over target groups by weight."""

    def __init__(self, rule: str, groups: list[TargetGroupRuntime]) -> None:
        self.rule = rule
        self.groups = groups
        for tg in groups:
            tg.forward_weighted = True
        self.offered = sum(tg.load.rps for tg in groups)
        """Requests per second offered to the rule (what was offered to its groups before)."""
        self.request_s: float | None = next((tg.load.request_s for tg in groups if tg.load.request_s is not None), None)
        busiest = max(groups, key=lambda tg: tg.load.rps)
        self.weights: dict[str, float] = {tg.name: (100.0 if tg is busiest else 0.0) for tg in groups}
        """Target group name → percent of the rule's requests."""

    def offer(self, rps: float, request_s: float | None = None) -> None:
        """Offer ``rps`` requests per second to the rule from now on."""
        self.offered = rps
        if request_s is not None:
            self.request_s = request_s
        self._apply()

    def set_weights(self, weights: dict[str, float]) -> None:
        """Route each target group's percent of the rule's requests from now on."""
        self.weights = {tg.name: float(weights.get(tg.name, 0.0)) for tg in self.groups}
        self._apply()

    def _apply(self) -> None:
        for tg in self.groups:
            tg.set_load(self.offered * self.weights.get(tg.name, 0.0) / 100.0, self.request_s)


def shift_steps(strategy: str, model: Any) -> list[tuple[float, float]]:
    """The production traffic shift as (percent on green, minutes to wait after it) steps.

    BLUE_GREEN moves everything at once; CANARY moves ``canaryPercent`` and waits
    ``canaryBakeTimeInMinutes`` before the rest; LINEAR moves ``stepPercent`` at a time and waits
    ``stepBakeTimeInMinutes`` between steps, not after the step that reaches 100 % (§4.9).
    """
    dc = model.deployment_configuration
    if strategy == "CANARY":
        from lab.config.service import CanaryConfiguration

        canary = dc.canary_configuration or CanaryConfiguration()
        if canary.canary_percent >= 100.0:
            return [(100.0, 0.0)]
        return [(canary.canary_percent, float(canary.canary_bake_time_in_minutes)), (100.0, 0.0)]
    if strategy == "LINEAR":
        from lab.config.service import LinearConfiguration

        linear = dc.linear_configuration or LinearConfiguration()
        steps: list[tuple[float, float]] = []
        n = math.ceil(round(100.0 / linear.step_percent, 6))
        for i in range(1, n + 1):
            share = min(100.0, round(i * linear.step_percent, 1))
            steps.append((share, float(linear.step_bake_time_in_minutes) if share < 100.0 else 0.0))
        return steps
    return [(100.0, 0.0)]


class TrafficShiftRollout:
    """A service's BLUE_GREEN, LINEAR or CANARY deployments (§4.9).

    The service hands a deployment over with ``begin`` and, while ``active``, asks ``reconcile``
    instead of running its rolling pass. ``alarms_evaluated`` is called after every CloudWatch
    evaluation (the world registers it).
    """

    def __init__(self, kernel: Kernel, lb: Any, metrics: Any, service: ServiceRuntime) -> None:
        self.kernel = kernel
        self.lb = lb
        self.metrics = metrics
        self.service = service
        self.active = False
        """Whether a deployment is being shifted (the service's rolling pass stays out of it)."""
        self.stage = ""
        self.green: Deployment | None = None
        self.blue: Deployment | None = None
        self._routes: list[tuple[WeightedForward, TargetGroupRuntime, TargetGroupRuntime, str | None]] = []
        """(production forward, blue group, green group, test rule) per load balancer entry."""
        self._token = 0
        """Bumped whenever the deployment moves on or ends: a timer set earlier then does nothing."""
        self._listening = False

    # -- the service's interface ------------------------------------------------------------

    def begin(self, green: Deployment, blue: Deployment) -> None:
        """Start shifting from ``blue`` (the running deployment) to ``green``."""
        svc = self.service
        if self.active and self.green is not None:
            # A new deployment during a shift: the unfinished green is abandoned and production
            # goes back to the deployment that carried it (the lab's reading, UNCONFIRMED).
            self._abandon(self.green)
            blue = self.blue or blue
        self._token += 1
        self.active = True
        self.green, self.blue = green, blue
        blue_routes = blue.target_groups if blue.target_groups is not None else svc.target_groups
        green_routes = []
        self._routes = []
        for (tg, container, port), lb in zip(svc.target_groups, svc.model.load_balancers, strict=False):
            adv = lb.advanced_configuration
            alternate = self.lb.find_target_group(adv.alternate_target_group_arn) if adv is not None else None
            blue_tg = next((b for b, c, p in blue_routes if c == container and p == port), tg)
            if alternate is None:
                green_routes.append((blue_tg, container, port))
                continue
            green_tg = alternate if blue_tg is tg else tg
            green_routes.append((green_tg, container, port))
            forward = self.lb.weighted_forward(adv.production_listener_rule, tg, alternate)
            self._routes.append((forward, blue_tg, green_tg, adv.test_listener_rule))
        green.target_groups = green_routes
        if not self._listening and self.metrics is not None:
            self._listening = True
            self.metrics.listeners.append(self.alarms_evaluated)
        self._enter("SCALE_UP")

    def reconcile(self) -> None:
        """One scheduler pass during a shift: scale green up to the desired count, replacing failed tasks."""
        svc = self.service
        green = self.green
        if green is None or green.rollout != "IN_PROGRESS":
            return
        live = [t for t in svc.tasks.values() if t.desired != "STOPPED" and t.deployment is green]
        for task_id in [i for i in svc.replacing if i in svc.tasks and svc.tasks[i].deployment is green]:
            reason = svc.replacing.pop(task_id)
            task = svc.tasks[task_id]
            if task.desired != "STOPPED":
                svc.stop_task(task, reason)
                live.remove(task)
        if self.stage == "SCALE_UP":
            need = svc.desired - len(live)
            if need > 0:
                svc.start_tasks(green, need)
                return
            if all(svc.is_healthy(t) for t in live) and len(live) == svc.desired:
                self._scaled_up()

    def alarms_evaluated(self, _now: float) -> None:
        """After a CloudWatch evaluation: an alarm of the deployment in ALARM fails it."""
        green = self.green
        if not self.active or green is None or green.rollout != "IN_PROGRESS":
            return
        alarms = self.service.model.deployment_configuration.alarms
        if alarms is None or not alarms.enable:
            return
        for name in alarms.alarm_names:
            alarm = self.metrics.alarms.get(name)
            if alarm is not None and alarm.state == "ALARM":
                # The reason's wording is the lab's (UNCONFIRMED).
                self.fail(f"alarm {name} is in ALARM state", rollback=alarms.rollback)
                return

    def fail(self, why: str, *, rollback: bool) -> None:
        """Mark green FAILED; with ``rollback``, move production back to blue and stop green (§4.9)."""
        svc = self.service
        green, blue = self.green, self.blue
        if green is None or blue is None or green.rollout != "IN_PROGRESS":
            return
        self._token += 1
        green.rollout = "FAILED"
        k = self.kernel
        k.log.append(ServiceEvent(k.now, svc.name, "deployment-failed", f"(service {svc.name}) (deployment {green.id}) deployment failed: {why}."))
        k.log.append(ServiceDeploymentStateChanged(k.now, svc.name, green.id, "SERVICE_DEPLOYMENT_FAILED", green.rev.name, why))
        if not rollback:
            # Nothing else moves: both revisions keep running with the traffic as it is (UNCONFIRMED).
            self.stage = "FAILED"
            return
        k.log.append(ServiceEvent(k.now, svc.name, "rolling-back", f"(service {svc.name}) rolling back to deployment {blue.id}."))
        back = svc.rollback_deployment(blue)
        k.log.append(ServiceDeploymentStateChanged(k.now, svc.name, back.id, "SERVICE_DEPLOYMENT_IN_PROGRESS", back.rev.name))
        for forward, blue_tg, green_tg, _test in self._routes:
            self._shift(forward, back, blue_tg, green_tg, 0.0, "production")
        self._abandon(green)
        for task in svc.tasks.values():
            if task.deployment is blue:
                task.deployment = back
        back.rollout = "COMPLETED"
        svc.deployments = [back]
        svc.last_completed = back
        k.log.append(ServiceEvent(k.now, svc.name, "deployment-completed", f"(service {svc.name}) (deployment {back.id}) deployment completed."))
        k.log.append(ServiceDeploymentStateChanged(k.now, svc.name, back.id, "SERVICE_DEPLOYMENT_COMPLETED", back.rev.name))
        self._finish()

    # -- stages -------------------------------------------------------------------------------

    def _enter(self, stage: str) -> None:
        self.stage = stage
        assert self.green is not None
        self.kernel.log.append(DeploymentLifecycleStageChanged(self.kernel.now, self.service.name, self.green.id, stage))

    def _scaled_up(self) -> None:
        green = self.green
        assert green is not None
        tests = [(f, b, g, test) for f, b, g, test in self._routes if test]
        if tests:
            self._enter("TEST_TRAFFIC_SHIFT")
            for _forward, blue_tg, green_tg, test in tests:
                assert test is not None
                # Test traffic is not modelled as load: the rule's weights are logged only.
                self.kernel.log.append(
                    TrafficShifted(self.kernel.now, self.service.name, green.id, test, "test", ((blue_tg.name, 0.0), (green_tg.name, 100.0)))
                )
        self._enter("PRODUCTION_TRAFFIC_SHIFT")
        self._step(shift_steps(self.service.model.deployment_configuration.strategy, self.service.model), 0)

    def _step(self, steps: list[tuple[float, float]], i: int) -> None:
        green = self.green
        assert green is not None
        share, wait_min = steps[i]
        for forward, blue_tg, green_tg, _test in self._routes:
            self._shift(forward, green, blue_tg, green_tg, share, "production")
        token = self._token
        if i + 1 < len(steps):
            self.kernel.at(wait_min * 60.0, lambda: self._step(steps, i + 1) if token == self._token else None)
            return
        self._enter("BAKE_TIME")
        bake = self.service.model.deployment_configuration.bake_time_in_minutes
        bake_min = DEFAULT_BAKE_TIME_MIN if bake is None else bake
        self.kernel.at(bake_min * 60.0, lambda: self._clean_up() if token == self._token else None)

    def _shift(self, forward: WeightedForward, deployment: Deployment, blue_tg: TargetGroupRuntime, green_tg: TargetGroupRuntime, share: float, traffic: str) -> None:
        forward.set_weights({blue_tg.name: 100.0 - share, green_tg.name: share})
        weights = tuple((tg.name, forward.weights[tg.name]) for tg in (blue_tg, green_tg))
        self.kernel.log.append(TrafficShifted(self.kernel.now, self.service.name, deployment.id, forward.rule, traffic, weights))

    def _clean_up(self) -> None:
        svc = self.service
        green, blue = self.green, self.blue
        assert green is not None and blue is not None
        if green.rollout != "IN_PROGRESS":
            return
        self._token += 1
        self._enter("CLEAN_UP")
        self._abandon(blue)
        green.rollout = "COMPLETED"
        svc.deployments = [green]
        svc.last_completed = green
        k = self.kernel
        k.log.append(ServiceEvent(k.now, svc.name, "deployment-completed", f"(service {svc.name}) (deployment {green.id}) deployment completed."))
        k.log.append(ServiceDeploymentStateChanged(k.now, svc.name, green.id, "SERVICE_DEPLOYMENT_COMPLETED", green.rev.name))
        self._finish()

    def _abandon(self, deployment: Deployment) -> None:
        """Stop every task of ``deployment`` (their targets drain as usual)."""
        svc = self.service
        stopped: list[Task] = [t for t in svc.tasks.values() if t.deployment is deployment and t.desired != "STOPPED"]
        for task in stopped:
            svc.stop_task(task, f"Scaling activity initiated by (deployment {deployment.id})")
        if stopped:
            ids = " ".join(f"(task {t.id})" for t in stopped)
            self.kernel.log.append(ServiceEvent(self.kernel.now, svc.name, "stopped-tasks", f"(service {svc.name}) has stopped {len(stopped)} running tasks: {ids}."))

    def _finish(self) -> None:
        self.active = False
        self.stage = ""
        self.green = self.blue = None
        self.service.kick()
