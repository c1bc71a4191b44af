"""Provides EC2 Auto Scaling groups: desired capacity, launches, AZ balance, termination, lifecycle hooks.

A group keeps ``desired`` instances that are not terminating (§7.2; the EC2 Auto
Scaling user guide for the details the ECS reference leaves out):

- A launch goes to the enabled Availability Zone with the fewest instances (ties: the zone
  listed first). The instance boots (``timing.EC2_BOOT_S``), its ECS agent registers
  (``timing.AGENT_REGISTER_S``) and it is ``InService``; with a launching lifecycle hook it
  waits in ``Pending:Wait`` first, until the heartbeat timeout gives the hook's default result
  (CONTINUE keeps it, ABANDON terminates it; nothing completes the action in the lab).
- A scale-in picks instances by the termination policies (``Default``: the zone with the most
  instances, then the one closest to the next billing hour, then at random; ``OldestInstance``,
  ``NewestInstance``, ``OldestLaunchTemplate``, ``ClosestToNextInstanceHour``), never one
  protected from scale-in.
- Without a terminating hook an instance goes at once: its tasks stop with ``Host EC2
  (instance <id>) stopped/terminated`` (§3.3), their requests in flight fail, and the
  container instance becomes INACTIVE. With one it waits in ``Terminating:Wait`` while the
  classic hook → Lambda pattern of §5.3 runs: the instance is set DRAINING and the lifecycle
  action completes once no task is left, or when the heartbeat timeout runs out, whichever is
  first (both CONTINUE and ABANDON then terminate, §5.3).

Billing runs from launch to termination at the launch template's on-demand price, or at
``SPOT_PRICE_FACTOR`` of it for Spot (``World.cost_usd``).
"""

from __future__ import annotations

import math
from typing import Any

from lab.config.instance_types import instance_type as lookup_instance_type
from lab.errors import AutoScalingValidationError
from lab.sim import timing
from lab.sim.agent import Agent, request_stop
from lab.sim.autoscaling import HIGH_ALARM_DATAPOINTS, LOW_ALARM_DATAPOINTS, LOW_ALARM_FRACTION, StepScalingRuntime
from lab.sim.cluster import Cluster
from lab.sim.events import ContainerInstanceStateChanged, InstanceRegistrationFailed
from lab.sim.fleet import ACTIVE, INACTIVE
from lab.sim.kernel import Kernel
from lab.sim.metrics import Alarm, Metrics, metric_key
from lab.sim.model import ContainerInstance
from lab.sim.scaling_events import InstanceLifecycleChanged, ScalingActivity


__all__ = [
    "DRAIN_CHECK_S",
    "HEARTBEAT_TIMEOUT_S",
    "MANAGED_DRAINING_MAX_S",
    "SPOT_PRICE_FACTOR",
    "AsgInstance",
    "AutoScalingGroupRuntime",
    "AutoScalingGroups",
    "GroupScalingPolicy",
    "drop_targets",
    "host_terminated_reason",
    "terminate_container_instance",
]

HEARTBEAT_TIMEOUT_S = 3600
"""A lifecycle hook's default heartbeat timeout; range 30–7200 s (§5.3)."""
DRAIN_CHECK_S = 15.0
"""How often the draining Lambda of the classic pattern re-checks for tasks (UNCONFIRMED)."""
SPOT_PRICE_FACTOR = 0.3
"""Spot price as a share of on-demand (UNCONFIRMED: typical Spot savings are 60–90 %)."""
MANAGED_DRAINING_MAX_S = 48 * 3600.0
"""Longest an instance stays DRAINING under managed draining: 48 h (§5.3)."""
TERMINATE_S = (20.0, 40.0)
"""Shutting an instance down after the termination decision (UNCONFIRMED)."""
REFRESH_WARMUP_S = 60.0
"""An instance refresh waits this long after a batch is in service before the next (UNCONFIRMED)."""


def host_terminated_reason(ec2_id: str) -> str:
    """The ``stoppedReason`` of a task whose instance went away (§3.3)."""
    return f"Host EC2 (instance {ec2_id}) stopped/terminated"


class AsgInstance:
    """One EC2 instance of a group."""

    __slots__ = ("az", "ec2_id", "launched_at", "lifecycle", "protected", "spot", "template", "terminated_at")

    def __init__(self, ec2_id: str, az: str, template: Any, launched_at: float, protected: bool) -> None:
        self.ec2_id = ec2_id
        self.az = az
        self.template = template
        """The launch template it was launched from (a ``LaunchTemplateSpec``)."""
        self.launched_at = launched_at
        self.terminated_at: float | None = None
        self.lifecycle = "Pending"
        """Pending, Pending:Wait, InService, Terminating:Wait, Terminating, Terminated."""
        self.protected = protected
        """Protected from scale-in."""
        self.spot = bool(template.spot)


class AutoScalingGroupRuntime:
    """One Auto Scaling group and its instances."""

    def __init__(self, groups: AutoScalingGroups, model: Any, template: Any) -> None:
        self.groups = groups
        self.kernel = groups.kernel
        self.cluster = groups.cluster
        self.name: str = model.name
        self.arn = (
            f"arn:aws:autoscaling:{self.kernel.region}:{self.kernel.account}:autoScalingGroup:{_uuid(self.kernel)}:"
            f"autoScalingGroupName/{self.name}"
        )
        self.instances: list[AsgInstance] = []
        """Every instance ever launched, in launch order."""
        self.template = template
        self.policies: dict[str, GroupScalingPolicy] = {}
        """Scaling policies by name."""
        self.last_simple_at = -math.inf
        """When the last simple-scaling activity happened (its cooldown)."""
        self.managed_draining = False
        """Set by a capacity provider with managedDraining: scale-in drains before terminating (§5.3)."""
        self.apply(model, template)

    def apply(self, model: Any, template: Any) -> None:
        """Take new settings (UpdateAutoScalingGroup); desired moves inside the new bounds."""
        self.model = model
        self.template = template
        self.min: int = model.min_size
        self.max: int = model.max_size
        self.azs: tuple[str, ...] = tuple(model.availability_zones)
        self.termination_policies: tuple[str, ...] = tuple(model.termination_policies) or ("Default",)
        self.protect_new: bool = model.new_instances_protected_from_scale_in
        self.launch_hook = next((h for h in model.lifecycle_hooks if h.lifecycle_transition.endswith("LAUNCHING")), None)
        self.terminate_hook = next((h for h in model.lifecycle_hooks if h.lifecycle_transition.endswith("TERMINATING")), None)
        desired = model.desired_capacity if model.desired_capacity is not None else getattr(self, "desired", model.min_size)
        self.desired = min(self.max, max(self.min, desired))

    # -- API ---------------------------------------------------------------------------------

    def live(self) -> list[AsgInstance]:
        """Instances that count towards the desired capacity (not terminating or gone)."""
        return [i for i in self.instances if i.lifecycle in ("Pending", "Pending:Wait", "InService")]

    def set_desired_capacity(self, desired: int, cause: str = "a user request explicitly set group desired capacity") -> None:
        """SetDesiredCapacity.

        Raises:
            AutoScalingValidationError: ``desired`` is outside [MinSize, MaxSize] (ValidationError, observed wording).
        """
        if not self.min <= desired <= self.max:
            raise AutoScalingValidationError(f"Desired capacity:{desired} must be between the specified min size:{self.min} and max size:{self.max}")
        self._set(desired, cause)

    def scale_to(self, desired: int, cause: str) -> None:
        """What a scaling policy or ECS managed scaling does: clamp to the bounds and set."""
        self._set(min(self.max, max(self.min, desired)), cause)

    def _set(self, desired: int, cause: str) -> None:
        if desired != self.desired:
            old, self.desired = self.desired, desired
            verb = "increasing" if desired > old else "shrinking"
            description = f"changing the desired capacity from {old} to {desired}."
            self.kernel.log.append(
                ScalingActivity(self.kernel.now, f"autoScalingGroupName/{self.name}", old, desired, f"{cause}, {verb} the capacity", description)
            )
        self.reconcile()

    def set_instance_protection(self, ec2_id: str, protected: bool) -> None:
        """SetInstanceProtection (ProtectedFromScaleIn) for one instance."""
        for inst in self.instances:
            if inst.ec2_id == ec2_id:
                inst.protected = protected

    def replace(self, inst: AsgInstance, cause: str) -> None:
        """Terminate one instance and launch a replacement (an instance refresh step, a health replacement)."""
        self._terminate(inst, cause)
        self.reconcile()

    # -- reconcile ---------------------------------------------------------------------------

    def reconcile(self) -> None:
        """Launch or terminate until the live instances match the desired capacity."""
        live = self.live()
        for _ in range(self.desired - len(live)):
            self._launch()
        excess = len(live) - self.desired
        if excess > 0:
            for inst in self._victims(live, excess):
                self._terminate(inst, f"an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from {len(live)} to {self.desired}")

    def _launch(self) -> None:
        counts = {az: 0 for az in self.azs}
        for inst in self.live():
            if inst.az in counts:
                counts[inst.az] += 1
        up = [z for z in self.azs if z not in self.groups.unavailable_azs]
        if not up:
            return  # every zone of the group is down: nothing can launch
        az = min(up, key=lambda z: (counts[z], self.azs.index(z)))
        inst = AsgInstance(f"i-0{self.kernel.hex(64)}", az, self.template, self.kernel.now, self.protect_new)
        self.instances.append(inst)
        self._lifecycle(inst, "Pending", "Launching a new EC2 instance")
        boot = self.kernel.jitter(timing.EC2_BOOT_S)
        register = self.kernel.jitter(timing.AGENT_REGISTER_S)
        self.kernel.at(boot + register, lambda: self._register(inst))
        if self.launch_hook is not None:
            hook = self.launch_hook
            self.kernel.at(boot, lambda: self._lifecycle(inst, "Pending:Wait", f"lifecycle hook {hook.lifecycle_hook_name}"))
            self.kernel.at(boot + hook.heartbeat_timeout, lambda: self._launch_hook_timeout(inst, hook))
        else:
            self.kernel.at(boot, lambda: self._in_service(inst))

    def _register(self, inst: AsgInstance) -> None:
        if inst.lifecycle in ("Terminating", "Terminated"):
            return
        itype = lookup_instance_type(inst.template.type)
        spec = inst.template.instance_group(inst.az)
        config = self.groups.agent_config
        if config is not None:
            cluster = config.cluster or "default"
            if cluster != self.kernel.cluster:
                # The agent joins the cluster its ecs.config names ("default" without ECS_CLUSTER).
                reason = f"ECS_CLUSTER is {config.cluster or 'not set'} in /etc/ecs/ecs.config: the instance registered with cluster '{cluster}'"
                self.kernel.log.append(InstanceRegistrationFailed(self.kernel.now, inst.ec2_id, self.kernel.cluster, reason))
                return
            updates: dict[str, Any] = {}
            if config.reserved_memory_mib is not None:
                updates["reserved_memory_mib"] = config.reserved_memory_mib
            if config.stop_timeout_s is not None:
                updates["stop_timeout_s"] = config.stop_timeout_s
            updates.update(config.image_cleanup_updates())
            spec = spec.model_copy(update=updates)
        self.cluster.register_instance(spec, itype, inst.az, inst.ec2_id, inst.launched_at)

    def _in_service(self, inst: AsgInstance) -> None:
        if inst.lifecycle in ("Pending", "Pending:Wait"):
            self._lifecycle(inst, "InService", "")

    def _launch_hook_timeout(self, inst: AsgInstance, hook: Any) -> None:
        if inst.lifecycle != "Pending:Wait":
            return
        if hook.default_result == "CONTINUE":
            self._in_service(inst)
        else:
            self._terminate(inst, f"lifecycle hook {hook.lifecycle_hook_name} timed out with result ABANDON")
            self.reconcile()

    def _victims(self, live: list[AsgInstance], count: int) -> list[AsgInstance]:
        candidates = [i for i in live if not i.protected]
        chosen: list[AsgInstance] = []
        for _ in range(min(count, len(candidates))):
            pick = self._pick(candidates)
            chosen.append(pick)
            candidates.remove(pick)
        return chosen

    def _pick(self, candidates: list[AsgInstance]) -> AsgInstance:
        now = self.kernel.now
        # Every policy first balances zones: only the zones with the most live instances qualify.
        counts: dict[str, int] = {}
        for inst in self.live():
            counts[inst.az] = counts.get(inst.az, 0) + 1
        most = max(counts.get(i.az, 0) for i in candidates)
        pool = [i for i in candidates if counts.get(i.az, 0) == most]
        for policy in self.termination_policies:
            if policy == "OldestInstance":
                pool = [i for i in pool if i.launched_at == min(p.launched_at for p in pool)]
            elif policy == "NewestInstance":
                pool = [i for i in pool if i.launched_at == max(p.launched_at for p in pool)]
            elif policy in ("OldestLaunchTemplate", "OldestLaunchConfiguration"):
                old = [i for i in pool if i.template is not self.template]
                pool = old or pool
            elif policy in ("ClosestToNextInstanceHour", "Default"):
                if policy == "Default":
                    old = [i for i in pool if i.template is not self.template]
                    pool = old or pool
                left = {id(i): 3600 - (now - i.launched_at) % 3600 for i in pool}
                pool = [i for i in pool if left[id(i)] == min(left.values())]
            if len(pool) == 1:
                return pool[0]
        return pool[0] if len(pool) == 1 else self.kernel.rng.choice(pool)

    # -- termination -------------------------------------------------------------------------

    def _terminate(self, inst: AsgInstance, cause: str) -> None:
        if inst.lifecycle in ("Terminating", "Terminating:Wait", "Terminated"):
            return
        hook = self.terminate_hook
        if hook is None and not self.managed_draining:
            self._lifecycle(inst, "Terminating", cause)
            self._shut_down(inst)
            return
        if hook is not None:
            self._lifecycle(inst, "Terminating:Wait", f"{cause}; lifecycle hook {hook.lifecycle_hook_name}")
            timeout = float(hook.heartbeat_timeout)
        else:
            self._lifecycle(inst, "Terminating:Wait", f"{cause}; ECS managed draining")
            timeout = MANAGED_DRAINING_MAX_S
        ci = self._container_instance(inst)
        if ci is not None and int(self.cluster.fleet.status[ci.index]) == ACTIVE:
            self.cluster.set_instance_state(ci.index, "DRAINING")
        deadline = self.kernel.now + timeout
        self.kernel.at(0.0, lambda: self._drain_check(inst, deadline))

    def _drain_check(self, inst: AsgInstance, deadline: float) -> None:
        if inst.lifecycle != "Terminating:Wait":
            return
        ci = self._container_instance(inst)
        empty = ci is None or int(self.cluster.fleet.task_count[ci.index]) == 0
        if empty or self.kernel.now >= deadline:
            self._lifecycle(inst, "Terminating", "lifecycle action completed" if empty else "heartbeat timeout")
            self._shut_down(inst)
            return
        self.kernel.at(min(DRAIN_CHECK_S, deadline - self.kernel.now), lambda: self._drain_check(inst, deadline))

    def _shut_down(self, inst: AsgInstance) -> None:
        self.kernel.at(self.kernel.jitter(TERMINATE_S), lambda: self._gone(inst))

    def _gone(self, inst: AsgInstance) -> None:
        inst.terminated_at = self.kernel.now
        self._lifecycle(inst, "Terminated", "")
        ci = self._container_instance(inst)
        if ci is not None:
            terminate_container_instance(self.kernel, self.cluster, self.groups.agent, ci)

    def lose(self, inst: AsgInstance, cause: str) -> None:
        """The EC2 instance is gone without warning (failure, outage, Spot reclaim); a replacement launches."""
        if inst.lifecycle == "Terminated":
            return
        inst.terminated_at = self.kernel.now
        self._lifecycle(inst, "Terminated", cause)
        ci = self._container_instance(inst)
        if ci is not None:
            terminate_container_instance(self.kernel, self.cluster, self.groups.agent, ci)
        self.reconcile()

    def start_instance_refresh(self, template: Any, min_healthy_percentage: int = 90) -> None:
        """StartInstanceRefresh to a new launch template: replace the old instances a batch at a time,
        keeping ``min_healthy_percentage`` of the group in service (terminate first, then launch)."""
        self.template = template
        self.kernel.env.process(self._refresh(template, min_healthy_percentage))

    def _refresh(self, template: Any, min_healthy: int) -> Any:
        env = self.kernel.env
        while True:
            live = self.live()
            old = [i for i in live if i.template is not template]
            if not old:
                return
            batch = max(1, len(live) - math.ceil(len(live) * min_healthy / 100))
            for inst in old[:batch]:
                self._terminate(inst, "an instance was taken out of service in response to an instance refresh")
            self.reconcile()
            while any(i.lifecycle != "InService" or self._container_instance(i) is None for i in self.live()):
                yield env.timeout(DRAIN_CHECK_S)
                if not self.live():
                    return
            yield env.timeout(REFRESH_WARMUP_S)

    def _container_instance(self, inst: AsgInstance) -> ContainerInstance | None:
        return next((ci for ci in self.cluster.instances if ci.ec2_id == inst.ec2_id), None)

    def _lifecycle(self, inst: AsgInstance, state: str, cause: str) -> None:
        inst.lifecycle = state
        self.kernel.log.append(InstanceLifecycleChanged(self.kernel.now, self.name, inst.ec2_id, inst.az, state, cause))

    # -- billing -----------------------------------------------------------------------------

    def cost_usd(self, now: float) -> float:
        """Instance-hours so far: on-demand, or the Spot share of it."""
        total = 0.0
        for inst in self.instances:
            end = inst.terminated_at if inst.terminated_at is not None else now
            price = lookup_instance_type(inst.template.type).price_usd_hour * (SPOT_PRICE_FACTOR if inst.spot else 1.0)
            total += price * max(0.0, end - inst.launched_at) / 3600.0
        return total


def drop_targets(task: Any) -> None:
    """A task's host is gone: its targets lose their requests in flight and leave their groups (``unused``)."""
    for tg, target in task.targets:
        tg.drop(target)
    task.targets = []


def terminate_container_instance(kernel: Kernel, cluster: Cluster, agent: Agent, ci: ContainerInstance) -> None:
    """The EC2 instance behind a container instance is gone: its tasks stop at once and it is INACTIVE."""
    fleet = cluster.fleet
    i = ci.index
    if int(fleet.status[i]) == INACTIVE:
        return
    fleet.set_status(i, INACTIVE)
    fleet.set_connected(i, False)
    kernel.log.append(ContainerInstanceStateChanged(kernel.now, ci.id, ci.ec2_id, "INACTIVE", False, ci.az, ci.instance_type, f"EC2 instance {ci.ec2_id} terminated"))
    reason = host_terminated_reason(ci.ec2_id)
    for task in [t for t in cluster.tasks.values() if t.instance is ci and t.last != "STOPPED"]:
        drop_targets(task)
        task.exited.update(c.name for c in task.rev.containers)
        request_stop(agent, task, "TerminationNotice", reason)  # stop code UNCONFIRMED for a vanished host
    cluster.kick_services()


class AutoScalingGroups:
    """Every Auto Scaling group of a world, by name."""

    def __init__(self, kernel: Kernel, cluster: Cluster, agent: Agent, metrics: Metrics, launch_templates: Any = ()) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.agent = agent
        self.metrics = metrics
        self.launch_templates = tuple(launch_templates)
        self.groups: dict[str, AutoScalingGroupRuntime] = {}
        """Groups by name, in creation order."""
        self.agent_config: Any = None
        """The ``AgentConfig`` (ecs.config) instances launched from now on start with (None: a correct default)."""
        self.unavailable_azs: set[str] = set()
        """Availability Zones in an outage: nothing launches there."""

    def put_agent_config(self, model: Any) -> None:
        """The launch templates' user data now writes these ecs.config lines (new instances only)."""
        self.agent_config = model

    def put(self, model: Any) -> AutoScalingGroupRuntime:
        """CreateAutoScalingGroup, or UpdateAutoScalingGroup for an existing name.

        Raises:
            ClientException: the launch template is unknown (ValidationError).
        """
        template = self.launch_template(model.launch_template_name)
        group = self.groups.get(model.name)
        if group is None:
            group = self.groups[model.name] = AutoScalingGroupRuntime(self, model, template)
        else:
            group.apply(model, template)
        group.reconcile()
        return group

    def launch_template(self, name: str) -> Any:
        """A launch template of the world by name.

        Raises:
            ClientException: no such template (EC2 Auto Scaling's wording, UNCONFIRMED).
        """
        for template in self.launch_templates:
            if template.name == name:
                return template
        raise AutoScalingValidationError(f"The specified launch template, with template name {name}, does not exist.")

    def get(self, name: str) -> AutoScalingGroupRuntime | None:
        """A group by name."""
        return self.groups.get(name)

    def put_scaling_policy(self, model: Any) -> GroupScalingPolicy:
        """PutScalingPolicy for a group (a target-tracking policy creates its alarms).

        Raises:
            ClientException: the group does not exist.
        """
        group = self.groups.get(model.auto_scaling_group_name)
        if group is None:
            raise AutoScalingValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{model.auto_scaling_group_name}' not found")
        old = group.policies.pop(model.policy_name, None)
        if old is not None:
            for alarm in old.alarms:
                self.metrics.delete_alarm(alarm.name)
        policy = group.policies[model.policy_name] = GroupScalingPolicy(self, group, model)
        for alarm in policy.alarms:
            self.metrics.put_alarm(alarm)
        self.metrics.start()
        return policy

    def policy(self, ref: str) -> GroupScalingPolicy | None:
        """A group scaling policy by ARN, by ``...:policyName/<name>`` tail, or by name."""
        for group in self.groups.values():
            for policy in group.policies.values():
                if ref in (policy.arn, policy.name) or ref.endswith(f"autoScalingGroupName/{group.name}:policyName/{policy.name}"):
                    return policy
        return None

    def billed_ids(self) -> frozenset[str]:
        """EC2 ids the groups bill (``World.cost_usd`` leaves them to ``cost_usd`` here)."""
        return frozenset(i.ec2_id for g in self.groups.values() for i in g.instances)

    def cost_usd(self, now: float) -> float:
        """What every group's instances cost so far."""
        return sum(g.cost_usd(now) for g in self.groups.values())


def _uuid(kernel: Kernel) -> str:
    h = f"{kernel.rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"



class GroupScalingPolicy:
    """An EC2 Auto Scaling policy: simple or step scaling invoked by alarms, or target tracking."""

    def __init__(self, groups: AutoScalingGroups, group: AutoScalingGroupRuntime, model: Any) -> None:
        self.kernel = groups.kernel
        self.metrics = groups.metrics
        self.group = group
        self.model = model
        self.name: str = model.policy_name
        self.arn = (
            f"arn:aws:autoscaling:{self.kernel.region}:{self.kernel.account}:scalingPolicy:{_uuid(self.kernel)}:"
            f"autoScalingGroupName/{group.name}:policyName/{self.name}"
        )
        self.alarms: list[Any] = []
        """The alarms a target-tracking policy owns."""
        self._steps = StepScalingRuntime(None, self.name, model, self.arn)  # type: ignore[arg-type]
        tt = model.target_tracking_configuration
        if model.policy_type == "TargetTrackingScaling" and tt is not None and tt.customized_metric_specification is not None:
            spec = tt.customized_metric_specification
            key = metric_key(spec.namespace, spec.metric_name, {d.name: d.value for d in spec.dimensions})
            prefix = f"TargetTracking-{group.name}"
            alarm_id = _uuid(self.kernel)
            high = Alarm(f"{prefix}-AlarmHigh-{alarm_id}", key, threshold=tt.target_value, comparison="GreaterThanThreshold",
                         evaluation_periods=HIGH_ALARM_DATAPOINTS, statistic=spec.statistic)
            high.actions.append(self._track)
            self.alarms.append(high)
            if not tt.disable_scale_in:
                low = Alarm(f"{prefix}-AlarmLow-{alarm_id}", key, threshold=tt.target_value * LOW_ALARM_FRACTION,
                            comparison="LessThanThreshold", evaluation_periods=LOW_ALARM_DATAPOINTS, statistic=spec.statistic)
                low.actions.append(self._track)
                self.alarms.append(low)

    def _value(self, alarm: Any) -> float | None:
        points = self.metrics.series_by_key.get(alarm.key, [])
        values = [v for v in alarm.periods(points, self.kernel.now) if v is not None]
        return values[-1] if values else None

    def _track(self, alarm: Any) -> None:
        """desired = ceil(in service × metric / target), as for services (§7.1's model, UNCONFIRMED)."""
        if not self.model.enabled:
            return
        value = self._value(alarm)
        group = self.group
        if value is None:
            return
        current = sum(1 for i in group.live() if i.lifecycle == "InService") or group.desired
        new = math.ceil(current * value / self.model.target_tracking_configuration.target_value - 1e-9)
        new = min(group.max, max(group.min, new))
        cause = f"monitor alarm {alarm.name} in state ALARM triggered policy {self.name}"
        if (alarm.comparison.startswith("Greater") and new > group.desired) or (alarm.comparison.startswith("Less") and new < group.desired):
            group.scale_to(new, cause)

    def invoke(self, alarm: Any) -> None:
        """An alarm in ALARM invokes the policy (simple or step scaling)."""
        if not self.model.enabled or self.model.policy_type == "TargetTrackingScaling":
            return
        group = self.group
        now = self.kernel.now
        cause = f"monitor alarm {alarm.name} in state ALARM triggered policy {self.name}"
        if self.model.policy_type == "SimpleScaling":
            cooldown = self.model.cooldown if self.model.cooldown is not None else group.model.default_cooldown
            if now - group.last_simple_at < cooldown:
                return
            new = _adjust(group.desired, self.model.adjustment_type, self.model.scaling_adjustment, self.model.min_adjustment_magnitude)
            group.last_simple_at = now
            group.scale_to(new, cause)
            return
        value = self._value(alarm)
        if value is None:
            return
        stepped = self._steps.new_count(group.desired, value - alarm.threshold)
        if stepped is not None:
            group.scale_to(stepped, cause)


def _adjust(current: int, kind: str, adjustment: int, minimum: int | None) -> int:
    if kind == "ExactCapacity":
        return adjustment
    if kind == "PercentChangeInCapacity":
        change = math.trunc(current * adjustment / 100)
        if adjustment and minimum and abs(change) < minimum:
            change = minimum if adjustment > 0 else -minimum
        return current + change
    return current + adjustment
