"""Provides Service Auto Scaling: scalable targets, target-tracking and step-scaling policies.

Application Auto Scaling only changes a service's ``desiredCount`` (§7.1); the
service scheduler then starts or stops tasks, and tasks that cannot be placed stay unplaced
(placement-failure events) until capacity appears. Policies act through CloudWatch alarms
evaluated by ``lab.sim.metrics`` once per minute; an alarm keeps invoking its policy every
minute it stays in ALARM.

Target tracking (§7.1) creates two alarms per policy, as AWS does:

- ``TargetTracking-<resource>-AlarmHigh-<id>``: metric > target for 3 of 3 one-minute
  datapoints (UNCONFIRMED counts);
- ``TargetTracking-<resource>-AlarmLow-<id>``: metric < 90 % of target for 15 of 15
  (UNCONFIRMED; docs/ecs-facts.md §7.1: scale-in starts roughly 10 % below target). Not created
  with ``DisableScaleIn``.

Arithmetic (the model of docs/ecs-facts.md §7.1, UNCONFIRMED as AWS's exact formula): from the *running*
task count, ``desired = ceil(running × metric / target)``, clamped to [MinCapacity,
MaxCapacity]. A scale-out happens when that is above the current desired count; inside the
scale-out cooldown only when it is above what the last scale-out set. A scale-in needs every
policy of the target (those without DisableScaleIn) to agree, happens outside the scale-in
cooldown and never while a deployment is in progress; a scale-out ends the scale-in cooldown.

Step scaling adjusts from the current desired count by the step the breach (metric −
threshold) falls in; inside its cooldown the step applies to the count before the scale-out
that started it (what that scale-out added counts toward the step), and a scale-in does not
happen at all.
"""

from __future__ import annotations

import math
from typing import Any

from lab.config.quotas import DESIRED_COUNT_EXCEEDS_LIMIT, MAX_TASKS_PER_SERVICE
from lab.errors import InvalidParameterException, ObjectNotFoundException, ValidationException
from lab.sim.cluster import Cluster
from lab.sim.events import ApiCallFailed
from lab.sim.kernel import Kernel
from lab.sim.lb import LoadBalancing
from lab.sim.metrics import Alarm, MetricKey, Metrics, metric_key
from lab.sim.scaling_events import ScalingActivity
from lab.sim.service import ServiceRuntime

__all__ = [
    "HIGH_ALARM_DATAPOINTS",
    "LOW_ALARM_DATAPOINTS",
    "LOW_ALARM_FRACTION",
    "ScalableTargetRuntime",
    "ServiceAutoScaling",
    "StepScalingRuntime",
    "TargetTrackingRuntime",
]

HIGH_ALARM_DATAPOINTS = 3
"""Datapoints (of 3) above target for the high alarm of target tracking (§7.1, UNCONFIRMED)."""
LOW_ALARM_DATAPOINTS = 15
"""Datapoints (of 15) below the low threshold for the low alarm of target tracking (§7.1, UNCONFIRMED)."""
LOW_ALARM_FRACTION = 0.9
"""The low alarm's threshold as a fraction of the target (§7.1: "roughly 10 % below target")."""

_EPSILON = 1e-9
"""Tolerance for ceil() of a ratio that is whole up to float noise (2 × 75 / 75)."""


class ScalableTargetRuntime:
    """A registered scalable target: a service's desired count, its bounds and its policies."""

    __slots__ = ("last_in_at", "last_out_at", "last_out_from", "last_out_to", "max", "min", "policies", "resource_id", "service")

    def __init__(self, resource_id: str, service: str, minimum: int, maximum: int) -> None:
        self.resource_id = resource_id
        self.service = service
        self.min = minimum
        self.max = maximum
        self.policies: dict[str, Any] = {}
        """Policies by name, in creation order."""
        self.last_out_at = -math.inf
        """When the last scale-out happened (starts the scale-out cooldown)."""
        self.last_out_to = 0
        """The desired count the last scale-out set."""
        self.last_out_from = 0
        """The desired count before the scale-out that started the cooldown."""
        self.last_in_at = -math.inf
        """When the last scale-in happened (starts the scale-in cooldown)."""


class TargetTrackingRuntime:
    """A target-tracking policy and its two alarms."""

    __slots__ = ("disable_scale_in", "high", "low", "metric", "name", "scale_in_cooldown", "scale_out_cooldown", "target", "target_value")

    def __init__(self, target: ScalableTargetRuntime, name: str, config: Any, metric: MetricKey, alarm_id: str) -> None:
        self.target = target
        self.name = name
        self.target_value = float(config.target_value)
        self.scale_out_cooldown = float(config.scale_out_cooldown)
        self.scale_in_cooldown = float(config.scale_in_cooldown)
        self.disable_scale_in = bool(config.disable_scale_in)
        self.metric = metric
        prefix = f"TargetTracking-{target.resource_id}"
        self.high = Alarm(
            f"{prefix}-AlarmHigh-{alarm_id}", metric, threshold=self.target_value, comparison="GreaterThanThreshold",
            evaluation_periods=HIGH_ALARM_DATAPOINTS, statistic=_statistic(metric),
        )
        self.low: Alarm | None = None
        if not self.disable_scale_in:
            self.low = Alarm(
                f"{prefix}-AlarmLow-{alarm_id}", metric, threshold=self.target_value * LOW_ALARM_FRACTION,
                comparison="LessThanThreshold", evaluation_periods=LOW_ALARM_DATAPOINTS, statistic=_statistic(metric),
            )

    def proposal(self, running: int, value: float) -> int:
        """desired = ceil(running × metric / target) (§7.1; UNCONFIRMED as AWS's exact formula)."""
        return math.ceil(running * value / self.target_value - _EPSILON)


class StepScalingRuntime:
    """A step-scaling policy, invoked by the alarms whose actions name it."""

    __slots__ = ("arn", "config", "name", "target")

    def __init__(self, target: ScalableTargetRuntime, name: str, config: Any, arn: str) -> None:
        self.target = target
        self.name = name
        self.config = config
        self.arn = arn

    def new_count(self, desired: int, breach: float) -> int | None:
        """The desired count the step for ``breach`` (metric − threshold) asks for, or None."""
        for step in self.config.step_adjustments:
            low = -math.inf if step.metric_interval_lower_bound is None else step.metric_interval_lower_bound
            high = math.inf if step.metric_interval_upper_bound is None else step.metric_interval_upper_bound
            if low <= breach < high or (high == math.inf and breach >= low):
                adjustment = step.scaling_adjustment
                kind = self.config.adjustment_type
                if kind == "ExactCapacity":
                    return int(adjustment)
                if kind == "PercentChangeInCapacity":
                    change = math.trunc(desired * adjustment / 100)
                    floor = self.config.min_adjustment_magnitude or 0
                    if adjustment and abs(change) < floor:
                        change = floor if adjustment > 0 else -floor
                    return desired + change
                return desired + int(adjustment)
        return None


def _statistic(metric: MetricKey) -> str:
    return "Sum" if metric.name == "RequestCountPerTarget" else "Average"


class ServiceAutoScaling:
    """Application Auto Scaling for the ECS services of one world."""

    def __init__(self, kernel: Kernel, cluster: Cluster, metrics: Metrics, lb: LoadBalancing) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.metrics = metrics
        self.lb = lb
        self.targets: dict[str, ScalableTargetRuntime] = {}
        """Scalable targets by resource id, in registration order."""

    # -- API ---------------------------------------------------------------------------------

    def register_scalable_target(self, model: Any) -> ScalableTargetRuntime:
        """RegisterScalableTarget: create the target or update its bounds; the desired count is
        brought inside the bounds at once.

        Raises:
            ClientException: the resource is not a service of this world's cluster.
        """
        service = self._service(model.resource_id)
        target = self.targets.get(model.resource_id)
        if target is None:
            target = self.targets[model.resource_id] = ScalableTargetRuntime(
                model.resource_id, service.name, int(model.min_capacity), int(model.max_capacity)
            )
            self.metrics.start()
        else:
            target.min = int(model.min_capacity if model.min_capacity is not None else target.min)
            target.max = int(model.max_capacity if model.max_capacity is not None else target.max)
        bounded = min(target.max, max(target.min, service.desired))
        if bounded != service.desired:
            self._set(target, service, bounded, f"the scalable target's bounds are {target.min}–{target.max}")
        return target

    def put_scaling_policy(self, model: Any) -> Any:
        """PutScalingPolicy: create or replace a policy (a target-tracking policy creates its alarms).

        Raises:
            ClientException: no scalable target is registered for the resource.
        """
        target = self.targets.get(model.resource_id)
        if target is None:
            # observed: ansible/ansible#35632
            raise ObjectNotFoundException(
                f"No scalable target registered for service namespace: {model.service_namespace}, resource ID: "
                f"{model.resource_id}, scalable dimension: {model.scalable_dimension}"
            )
        self._remove_policy(target, model.policy_name)
        metrics = self.metrics
        if model.policy_type == "TargetTrackingScaling":
            config = model.target_tracking_scaling_policy_configuration
            alarm_id = _uuid(self.kernel)
            policy: Any = TargetTrackingRuntime(target, model.policy_name, config, self._metric(target, config), alarm_id)
            policy.high.actions.append(lambda alarm, p=policy: self._tracking_high(p, alarm))
            metrics.put_alarm(policy.high)
            if policy.low is not None:
                policy.low.actions.append(lambda alarm, p=policy: self._tracking_low(p, alarm))
                metrics.put_alarm(policy.low)
        else:
            arn = (
                f"arn:aws:autoscaling:{self.kernel.region}:{self.kernel.account}:scalingPolicy:{_uuid(self.kernel)}:"
                f"resource/ecs/{model.resource_id}:policyName/{model.policy_name}"
            )
            policy = StepScalingRuntime(target, model.policy_name, model.step_scaling_policy_configuration, arn)
        target.policies[model.policy_name] = policy
        return policy

    def step_policy(self, ref: str) -> StepScalingRuntime | None:
        """A step-scaling policy by ARN, by ``<resource-id>:policyName/<name>`` tail, or by name."""
        for target in self.targets.values():
            for policy in target.policies.values():
                if isinstance(policy, StepScalingRuntime) and ref in (policy.arn, policy.name) or (
                    isinstance(policy, StepScalingRuntime) and ref.endswith(f":policyName/{policy.name}")
                    and f"resource/ecs/{target.resource_id}:" in ref
                ):
                    return policy
        return None

    def invoke_step(self, policy: StepScalingRuntime, alarm: Alarm) -> None:
        """An alarm in ALARM invokes a step-scaling policy (its action)."""
        target = policy.target
        service = self.cluster.services.get(target.service)
        points = self.metrics.series_by_key.get(alarm.key, [])
        values = [v for v in alarm.periods(points, self.kernel.now) if v is not None]
        if service is None or not values:
            return
        desired = service.desired
        now = self.kernel.now
        cooldown = float(policy.config.cooldown)
        breach = values[-1] - alarm.threshold
        in_cooldown = now - target.last_out_at < cooldown
        # Inside the cooldown, the tasks the last scale-out added count as part of the step
        # (API:StepScalingPolicyConfiguration, §7.1): the step applies to the count before it,
        # so the same step adds nothing and a larger one only the difference.
        stepped = policy.new_count(target.last_out_from if in_cooldown else desired, breach)
        if stepped is None:
            return
        new = min(target.max, max(target.min, stepped))
        cause = f"monitor alarm {alarm.name} in state ALARM triggered policy {policy.name}"
        if stepped > desired and in_cooldown:
            if new <= desired:
                return
            target.last_out_to = new  # the cooldown the first scale-out started runs on
            self._set(target, service, new, cause)
        elif new > desired:
            self._scale_out(target, service, new, cause)
        elif new < desired:
            if now - max(target.last_in_at, target.last_out_at) < cooldown:
                return
            target.last_in_at = now
            self._set(target, service, new, cause)

    # -- target tracking ---------------------------------------------------------------------

    def _tracking_high(self, policy: TargetTrackingRuntime, alarm: Alarm) -> None:
        target = policy.target
        service = self.cluster.services.get(target.service)
        value = self._last_value(alarm)
        if service is None or value is None:
            return
        running = service.counts()[1]
        new = min(target.max, max(target.min, policy.proposal(running, value)))
        if new <= service.desired:
            return
        if self.kernel.now - target.last_out_at < policy.scale_out_cooldown and new <= target.last_out_to:
            return
        self._scale_out(target, service, new, f"monitor alarm {alarm.name} in state ALARM triggered policy {policy.name}")

    def _tracking_low(self, policy: TargetTrackingRuntime, alarm: Alarm) -> None:
        target = policy.target
        service = self.cluster.services.get(target.service)
        if service is None or _deploying(service):
            return  # scale-in is suspended while a deployment runs (§7.1)
        if self.kernel.now - target.last_in_at < policy.scale_in_cooldown:
            return
        running = service.counts()[1]
        proposals = []
        for other in target.policies.values():
            if not isinstance(other, TargetTrackingRuntime) or other.low is None:
                continue
            value = self._last_value(other.low)
            if other.low.state != "ALARM" or value is None:
                return  # scale in only if every policy agrees (§7.1)
            proposals.append(other.proposal(running, value))
        new = min(target.max, max(target.min, max(proposals)))
        if new >= service.desired:
            return
        target.last_in_at = self.kernel.now
        self._set(target, service, new, f"monitor alarm {alarm.name} in state ALARM triggered policy {policy.name}")

    # -- helpers -----------------------------------------------------------------------------

    def _scale_out(self, target: ScalableTargetRuntime, service: ServiceRuntime, new: int, cause: str) -> None:
        target.last_out_at = self.kernel.now
        target.last_out_from = service.desired
        target.last_out_to = new
        target.last_in_at = -math.inf  # a scale-out ends the scale-in cooldown (§7.1)
        self._set(target, service, new, cause)

    def _set(self, target: ScalableTargetRuntime, service: ServiceRuntime, new: int, cause: str) -> None:
        if new > MAX_TASKS_PER_SERVICE:
            # Application Auto Scaling takes any MinCapacity; ECS refuses a desired count past
            # its quota, and the count stays where it was (§11.1, UNCONFIRMED how the
            # activity shows): no world ever tries to run 100,000 tasks.
            error = InvalidParameterException(DESIRED_COUNT_EXCEEDS_LIMIT, ("desiredCount",))
            self.kernel.log.append(ApiCallFailed(self.kernel.now, "UpdateService", str(error)))
            return
        old = service.desired
        self.kernel.log.append(ScalingActivity(self.kernel.now, target.resource_id, old, new, cause, f"Setting desired count to {new}."))
        service.set_desired_count(new)

    def _last_value(self, alarm: Alarm) -> float | None:
        points = self.metrics.series_by_key.get(alarm.key, [])
        values = [v for v in alarm.periods(points, self.kernel.now) if v is not None]
        return values[-1] if values else None

    def _service(self, resource_id: str) -> ServiceRuntime:
        parts = resource_id.split("/")
        service = self.cluster.services.get(parts[-1]) if len(parts) == 3 and parts[1] == self.kernel.cluster else None
        if service is None:
            raise ValidationException(f"ECS service doesn't exist: {resource_id}")  # wording UNCONFIRMED
        return service

    def _metric(self, target: ScalableTargetRuntime, config: Any) -> MetricKey:
        spec = config.predefined_metric_specification
        kind = spec.predefined_metric_type
        if kind == "ALBRequestCountPerTarget":
            tg = self.lb.find_target_group(spec.target_group)
            if tg is None:
                raise ValidationException(f"Unable to find target group {spec.target_group} named by the ResourceLabel.")  # wording UNCONFIRMED
            return metric_key("AWS/ApplicationELB", "RequestCountPerTarget", {"TargetGroup": tg.arn.rsplit(":", 1)[-1]})
        name = "CPUUtilization" if kind == "ECSServiceAverageCPUUtilization" else "MemoryUtilization"
        return metric_key("AWS/ECS", name, {"ClusterName": self.kernel.cluster, "ServiceName": target.service})

    def _remove_policy(self, target: ScalableTargetRuntime, name: str) -> None:
        old = target.policies.pop(name, None)
        if isinstance(old, TargetTrackingRuntime):
            self.metrics.delete_alarm(old.high.name)
            if old.low is not None:
                self.metrics.delete_alarm(old.low.name)


def _deploying(service: ServiceRuntime) -> bool:
    return len(service.deployments) > 1 or service.deployments[0].rollout == "IN_PROGRESS"


def _uuid(kernel: Kernel) -> str:
    h = f"{kernel.rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
