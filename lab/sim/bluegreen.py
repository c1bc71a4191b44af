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
from lab.sim.events import (
    DeploymentLifecycleStageChanged,
    LifecycleHookInvoked,
    ServiceDeploymentStateChanged,
    ServiceEvent,
    TrafficShifted,
)
from lab.sim.iam import denial_message
from lab.sim.kernel import Kernel
from lab.sim.model import Task

# The service and its deployments (``lab.sim.service``) sit above this module in the layers:
# ``lab.sim.lb`` builds the weighted forwards, so this module cannot import the scheduler.
ServiceRuntime = Any
Deployment = Any

__all__ = ["DEFAULT_CALL_BACK_DELAY_S", "LambdaFunctions", "ListenerRuleForward", "TrafficShiftRollout", "WeightedForward", "shift_steps"]

DEFAULT_CALL_BACK_DELAY_S = 30.0
"""ECS invokes a hook that answered IN_PROGRESS again after 30 s unless it returned a callBackDelay (§4.9)."""

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


class ListenerRuleForward:
    """The forward action of a ``load-balancer`` file's listener rule, shifted with ModifyRule (§4.9).

    Same interface as ``WeightedForward``: ``set_weights`` takes percents per target group; the
    rule's forward action gets them as weights (``LoadBalancing.set_forward_weights``), and the
    requests the listener routes follow from then on.
    """

    def __init__(self, lb: Any, rule: str, load_balancer: str, port: int, priority: int | None, groups: list[TargetGroupRuntime]) -> None:
        self.lb = lb
        self.rule = rule
        """The rule as the service names it (its ARN)."""
        self.load_balancer, self.port, self.priority = load_balancer, port, priority
        self.groups = groups
        for tg in groups:
            tg.forward_weighted = True
        split = lb.rule_split(load_balancer, port, priority)
        self.weights: dict[str, float] = {tg.name: round(100.0 * split.get(tg.name, 0.0), 1) for tg in groups}
        """Target group name → percent of the rule's requests."""

    def set_weights(self, weights: dict[str, float]) -> None:
        """ModifyRule: the rule forwards each target group its percent of the requests from now on."""
        self.weights = {tg.name: float(weights.get(tg.name, 0.0)) for tg in self.groups}
        # ELB weights are integers 0-999: whole percents stay percents, tenths are scaled by 10.
        scale = 1 if all(float(w).is_integer() for w in self.weights.values()) else 10
        ints = {name: round(w * scale) for name, w in self.weights.items()}
        if scale == 10 and max(ints.values()) > 999:
            ints = {name: min(w, 999) for name, w in ints.items()}
        action = self.lb.rule_action(self.load_balancer, self.port, self.priority)
        others = [(ref, w) for ref, w in action.target_groups if self.lb.find_target_group(ref) not in self.groups]
        self.lb.set_forward_weights(self.load_balancer, self.port, self.priority, {**dict(others), **ints})


class LambdaFunctions:
    """The account's Lambda functions that lifecycle hooks invoke, and the roles ECS assumes to do it."""

    def __init__(self, kernel: Kernel, roles: Any, functions: Any = ()) -> None:
        self.kernel = kernel
        self.roles = roles
        self.functions = {f.name: f for f in functions}

    def arn(self, name: str) -> str:
        """A function's ARN in this account."""
        return f"arn:aws:lambda:{self.kernel.region}:{self.kernel.account}:function:{name}"

    def find(self, ref: str | None) -> Any:
        """A function by name or ARN (a qualifier after the name is ignored), or None."""
        if not ref:
            return None
        name = ref.split(":")[6] if ref.startswith("arn:") and len(ref.split(":")) > 6 else ref
        return self.functions.get(name)

    def invoke_problem(self, role_arn: str | None, target: str) -> str | None:
        """Why ECS cannot invoke ``target`` with ``role_arn``, or None (§4.9).

        ECS assumes the hook's role, which must trust ecs.amazonaws.com and allow
        ``lambda:InvokeFunction`` on the function. The texts are the lab's (UNCONFIRMED) around
        AWS's AccessDenied wording.
        """
        function = self.find(target)
        resource = self.arn(function.name) if function is not None else target
        if not role_arn:
            return "no roleArn: ECS has no role to invoke the function with"
        name = self.roles.name(role_arn)
        role = self.roles.roles.get(name)
        if role is None or "ecs.amazonaws.com" not in role.trusted_services:
            return f"ECS was unable to assume the role '{role_arn}' (it must exist and trust ecs.amazonaws.com)"
        decision = self.roles.allows(name, "lambda:InvokeFunction", resource)
        if not decision.allowed:
            session = f"arn:aws:sts::{self.kernel.account}:assumed-role/{name}/ecs-deployment"
            return "AccessDeniedException: " + denial_message(session, "lambda:InvokeFunction", resource, explicit_deny=decision.reason == "explicit-deny")
        if function is None:
            return f"ResourceNotFoundException: Function not found: {target}"
        return None


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


class _Route:
    """One ``loadBalancers`` entry of a shift: its production forward, its two groups, its test rule."""

    __slots__ = ("blue", "forward", "green", "test", "test_forward")

    def __init__(self, forward: Any, blue: TargetGroupRuntime, green: TargetGroupRuntime, test: str | None, test_forward: Any) -> None:
        self.forward, self.blue, self.green, self.test, self.test_forward = forward, blue, green, test, test_forward


HOOKED_STAGES = ("PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT")
"""The stages at which the lab invokes lifecycle hooks (RECONCILE_SERVICE and
PRE_PRODUCTION_TRAFFIC_SHIFT are accepted and never reached: not simulated)."""


class TrafficShiftRollout:
    """A service's BLUE_GREEN, LINEAR or CANARY deployments (§4.9).

    The service hands a deployment over with ``begin`` and, while ``active``, asks ``reconcile``
    instead of running its rolling pass. ``alarms_evaluated`` is called after every CloudWatch
    evaluation (the world registers it). ``functions`` (``LambdaFunctions``) answers the
    service's lifecycle hooks; without it, a hook fails as a function that does not exist.
    """

    def __init__(self, kernel: Kernel, lb: Any, metrics: Any, service: ServiceRuntime, functions: LambdaFunctions | None = None) -> None:
        self.kernel = kernel
        self.lb = lb
        self.metrics = metrics
        self.service = service
        self.functions = functions
        self.active = False
        """Whether a deployment is being shifted (the service's rolling pass stays out of it)."""
        self.stage = ""
        self.green: Deployment | None = None
        self.blue: Deployment | None = None
        self._routes: list[_Route] = []
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
            self._routes.append(_Route(
                self._forward(adv.production_listener_rule, tg, alternate) or self.lb.weighted_forward(adv.production_listener_rule, tg, alternate),
                blue_tg, green_tg, adv.test_listener_rule, self._forward(adv.test_listener_rule, tg, alternate),
            ))
        green.target_groups = green_routes
        if not self._listening and self.metrics is not None:
            self._listening = True
            self.metrics.listeners.append(self.alarms_evaluated)
        if self._hooked("PRE_SCALE_UP"):
            self._hooks("PRE_SCALE_UP", self._scale_up)
        else:
            self._enter("SCALE_UP")

    def _scale_up(self) -> None:
        """After the PRE_SCALE_UP hooks: green starts (the scheduler runs a pass now)."""
        self._enter("SCALE_UP")
        self.service.kick()

    def _forward(self, rule: str | None, primary: TargetGroupRuntime, alternate: TargetGroupRuntime) -> ListenerRuleForward | None:
        """The forward of a ``load-balancer`` file's rule that ``rule`` names, or None (not joined)."""
        where = self.lb.listener_rule(rule) if rule else None
        if where is None or rule is None:
            return None
        name, port, priority = where
        return ListenerRuleForward(self.lb, rule, name, port, priority, [primary, alternate])

    def reconcile(self) -> None:
        """One scheduler pass during a shift: scale green up to the desired count, replacing failed tasks."""
        svc = self.service
        green = self.green
        if green is None or green.rollout != "IN_PROGRESS":
            return
        live = svc.replace_and_count(green)
        if self.stage == "SCALE_UP":
            need = svc.desired - len(live)
            if need > 0:
                svc.start_tasks(green, need)
                return
            if all(svc.is_healthy(t) for t in live) and len(live) == svc.desired:
                self.stage = "SCALED_UP"  # waiting for the POST_SCALE_UP hooks, if any
                self._hooks("POST_SCALE_UP", self._scaled_up)

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
        for route in self._routes:
            if route.forward.weights.get(route.green.name, 0.0) > 0.0:
                self._shift(route.forward, back, route.blue, route.green, 0.0, "production")
            elif not isinstance(route.forward, ListenerRuleForward):
                # Logged even when production never moved (what the lab has always shown).
                self._shift(route.forward, back, route.blue, route.green, 0.0, "production")
            if route.test_forward is not None and route.test_forward.weights.get(route.green.name, 0.0) > 0.0:
                self._shift(route.test_forward, back, route.blue, route.green, 0.0, "test")
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
        tests = [r for r in self._routes if r.test]
        hooked = self._hooked("TEST_TRAFFIC_SHIFT")
        if tests or hooked:
            self._enter("TEST_TRAFFIC_SHIFT")
            for route in tests:
                assert route.test is not None
                if route.test_forward is not None:
                    # The test rule of a load-balancer file: ECS moves its weights to green (§4.9).
                    self._shift(route.test_forward, green, route.blue, route.green, 100.0, "test")
                    continue
                # Test traffic is not modelled as load: the rule's weights are logged only.
                self.kernel.log.append(
                    TrafficShifted(self.kernel.now, self.service.name, green.id, route.test, "test", ((route.blue.name, 0.0), (route.green.name, 100.0)))
                )
        self._hooks("TEST_TRAFFIC_SHIFT", lambda: self._hooks("POST_TEST_TRAFFIC_SHIFT", self._production), enter=False)

    def _production(self) -> None:
        self._enter("PRODUCTION_TRAFFIC_SHIFT")
        self._step(shift_steps(self.service.model.deployment_configuration.strategy, self.service.model), 0)

    def _step(self, steps: list[tuple[float, float]], i: int) -> None:
        green = self.green
        assert green is not None
        share, wait_min = steps[i]
        for route in self._routes:
            self._shift(route.forward, green, route.blue, route.green, share, "production")
        self._hooks("PRODUCTION_TRAFFIC_SHIFT", lambda: self._stepped(steps, i, wait_min), enter=False)

    def _stepped(self, steps: list[tuple[float, float]], i: int, wait_min: float) -> None:
        token = self._token
        if i + 1 < len(steps):
            self.kernel.at(wait_min * 60.0, lambda: self._step(steps, i + 1) if token == self._token else None)
            return
        self._hooks("POST_PRODUCTION_TRAFFIC_SHIFT", self._bake)

    def _bake(self) -> None:
        token = self._token
        self._enter("BAKE_TIME")
        bake = self.service.model.deployment_configuration.bake_time_in_minutes
        bake_min = DEFAULT_BAKE_TIME_MIN if bake is None else bake
        self.kernel.at(bake_min * 60.0, lambda: self._clean_up() if token == self._token else None)

    def _shift(self, forward: Any, deployment: Deployment, blue_tg: TargetGroupRuntime, green_tg: TargetGroupRuntime, share: float, traffic: str) -> None:
        forward.set_weights({blue_tg.name: 100.0 - share, green_tg.name: share})
        weights = tuple((tg.name, forward.weights[tg.name]) for tg in (blue_tg, green_tg))
        self.kernel.log.append(TrafficShifted(self.kernel.now, self.service.name, deployment.id, forward.rule, traffic, weights))

    # -- lifecycle hooks (§4.9) ---------------------------------------------------------------

    def _hooked(self, stage: str) -> list[Any]:
        return [h for h in self.service.model.deployment_configuration.lifecycle_hooks if stage in h.lifecycle_stages]

    def _hooks(self, stage: str, then: Any, *, enter: bool = True) -> None:
        """Run the hooks of ``stage`` one after the other, then ``then``; a hook that fails fails the deployment.

        ``enter``: log the stage first (the lab logs a hook-only stage, PRE_SCALE_UP or
        POST_TEST_TRAFFIC_SHIFT, only when a hook runs at it).
        """
        hooks = self._hooked(stage)
        if not hooks:
            then()
            return
        if enter:
            self._enter(stage)
        self._invoke(stage, hooks, 0, 0, then)

    def _invoke(self, stage: str, hooks: list[Any], i: int, calls: int, then: Any) -> None:
        if i == len(hooks):
            then()
            return
        hook = hooks[i]
        green = self.green
        assert green is not None
        k = self.kernel
        target = hook.hook_target_arn or ""
        problem = self.functions.invoke_problem(hook.role_arn, target) if self.functions is not None else f"ResourceNotFoundException: Function not found: {target}"
        if problem is not None:
            k.log.append(LifecycleHookInvoked(k.now, self.service.name, green.id, stage, target, "FAILED", problem))
            self.fail(f"lifecycle hook {target} failed at {stage}", rollback=True)
            return
        assert self.functions is not None
        function = self.functions.find(target)
        token = self._token

        def answer() -> None:
            if token != self._token:
                return
            if calls < function.in_progress:
                delay = DEFAULT_CALL_BACK_DELAY_S if function.call_back_delay is None else float(function.call_back_delay)
                k.log.append(LifecycleHookInvoked(k.now, self.service.name, green.id, stage, target, "IN_PROGRESS", f"callBackDelay {delay:g} s"))
                k.at(delay, lambda: self._invoke(stage, hooks, i, calls + 1, then) if token == self._token else None)
                return
            status, why = self._status(function)
            k.log.append(LifecycleHookInvoked(k.now, self.service.name, green.id, stage, target, status, why))
            if status == "FAILED":
                self.fail(f"lifecycle hook {target} returned FAILED at {stage}", rollback=True)
                return
            self._invoke(stage, hooks, i + 1, 0, then)

        k.at(function.duration_s, answer)

    def _status(self, function: Any) -> tuple[str, str]:
        """(hookStatus, why) a function returns now: its fixed status, or what its smoke test finds."""
        test = function.smoke_test
        if test is None:
            return (function.status, "") if function.status is not None else ("FAILED", "no hookStatus in the response")
        rule, splits = self.lb.probe(test.load_balancer, test.port, test.request)
        label = test.request.label()
        if not splits:
            return "FAILED", f"{label} reached no target group"
        errors = 0.0
        for tg, fraction in splits:
            # ELB routes to healthy targets, or fails open to every registered one when none is (§6.1).
            targets = [t for t in tg.targets if t.state == "healthy"] or [t for t in tg.targets if t.state != "draining"]
            rates = [self.lb.profile(tg, t) for t in targets]
            if not rates:
                return "FAILED", f"{label} reached target group {tg.name}, which has no registered target"
            errors += fraction * sum(r[0] if r is not None else 1.0 for r in rates) / len(rates)
        where = ", ".join(tg.name for tg, _ in splits)
        percent = 100.0 * errors
        if percent > test.max_error_percent:
            return "FAILED", f"{label} ({rule}) to {where}: {percent:g}% errors"
        return "SUCCEEDED", f"{label} ({rule}) to {where}: {percent:g}% errors"

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
