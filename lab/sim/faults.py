"""Provides the faults a scenario's timeline can inject: AZ outages, instance failures, Spot interruptions, AMI rollouts.

Each fault is a timeline entry of ``lab.sim.spec`` applied by ``apply_fault`` at its time:

- ``az-outage``: every instance in the zone is lost at once (its tasks stop with ``Host EC2
  (instance <id>) stopped/terminated``, §3.3), Fargate tasks there stop too, and Auto Scaling
  groups launch their replacements in the other zones; nothing launches in the zone again.
- ``instance-failure``: the first ``count`` matching instances (by zone, type, or as the host of a
  service's task) are lost the same way; a group replaces its own.
- ``spot-interruption``: Spot instances of Auto Scaling groups get the two-minute notice (§5.2).
  With ``ECS_ENABLE_SPOT_INSTANCE_DRAINING=true`` in the agent config the agent, polling every
  second, sets its instance DRAINING; two minutes after the notice the instance is reclaimed.
- ``fargate-spot-interruption``: Fargate Spot tasks get the two-minute warning: SIGTERM at once
  (``stopCode`` ``SpotInterruption``, ``Your Spot Task was interrupted.``, §9.3); whatever is still
  registered in a target group after two minutes loses its requests in flight.
- ``ami-rolling-update``: an instance refresh of a group to a launch template with a new AMI,
  replacing a batch at a time within its minimum healthy percentage; the group's terminating
  lifecycle hook (or managed draining) decides whether the old instances are drained first.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lab.errors import AutoScalingValidationError
from lab.sim.agent import Agent, request_stop
from lab.sim.asg import AutoScalingGroups, drop_targets, terminate_container_instance
from lab.sim.capacity import CapacityProviders
from lab.sim.cluster import Cluster
from lab.sim.fleet import ACTIVE, INACTIVE
from lab.sim.kernel import Kernel
from lab.sim.scaling_events import InterruptionNotice

__all__ = ["SPOT_NOTICE_S", "SPOT_POLL_S", "Faults"]

SPOT_NOTICE_S = 120.0
"""The Spot two-minute warning (§5.2, §9.3)."""
SPOT_POLL_S = 1.0
"""The agent polls the instance metadata for a Spot interruption every second (§5.2)."""
AZ_OUTAGE_REASON = "Task stopped because its Availability Zone became unavailable"
"""stoppedReason of a Fargate task lost in an AZ outage (wording UNCONFIRMED)."""


class Faults:
    """Injects the faults of a timeline: outages, lost instances, Spot interruptions, AMI rollouts."""

    def __init__(self, kernel: Kernel, cluster: Cluster, agent: Agent, groups: AutoScalingGroups, capacity: CapacityProviders) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.agent = agent
        self.groups = groups
        self.capacity = capacity

    def apply(self, entry: Any) -> None:
        """Inject the fault a timeline entry describes, now.

        Raises:
            ClientException: the entry names an Auto Scaling group or launch template that does not exist
                (EC2 Auto Scaling's ``ValidationError``).
        """
        kind = entry.event
        if kind == "az-outage":
            self._az_outage(entry.az)
        elif kind == "instance-failure":
            hosts = None if entry.service is None else self._hosts_of(f"service:{entry.service}")
            matched = [
                ci for ci in self.cluster.instances
                if self._alive(ci) and (entry.az is None or ci.az == entry.az) and (entry.type is None or ci.instance_type == entry.type)
                and (hosts is None or ci.ec2_id in hosts)
            ]
            for ci in matched[: entry.count]:
                self.lose_instance(ci.ec2_id, "an EC2 health check indicated it has been terminated or stopped")
        elif kind == "spot-interruption":
            self._spot_interruption(entry)
        elif kind == "fargate-spot-interruption":
            self._fargate_spot_interruption(entry)
        elif kind == "ami-rolling-update":
            group = self.groups.get(entry.group)
            if group is None:
                raise AutoScalingValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{entry.group}' not found")
            template = group.template.model_copy(update={"ami": entry.ami})
            group.start_instance_refresh(template, entry.min_healthy_percentage)

    def _hosts_of(self, group: str) -> set[str]:
        """EC2 ids of the instances running a not-yet-stopped task of a task group."""
        return {t.instance.ec2_id for t in self.cluster.tasks.values() if t.group == group and t.instance is not None and t.last != "STOPPED"}

    def _alive(self, ci: Any) -> bool:
        return int(self.cluster.fleet.status[ci.index]) != INACTIVE

    def lose_instance(self, ec2_id: str, cause: str) -> None:
        """An EC2 instance vanishes: through its group when it has one, else its container instance directly."""
        for group in self.groups.groups.values():
            for inst in group.instances:
                if inst.ec2_id == ec2_id:
                    group.lose(inst, cause)
                    return
        ci = next((c for c in self.cluster.instances if c.ec2_id == ec2_id), None)
        if ci is not None:
            terminate_container_instance(self.kernel, self.cluster, self.agent, ci)

    def _az_outage(self, az: str) -> None:
        self.groups.unavailable_azs.add(az)
        for ci in [c for c in self.cluster.instances if c.az == az and self._alive(c)]:
            self.lose_instance(ci.ec2_id, f"the instance's Availability Zone {az} is unavailable")
        for task in [t for t in self.cluster.tasks.values() if t.launch_type == "FARGATE" and t.az == az and t.last != "STOPPED"]:
            drop_targets(task)
            task.exited.update(c.name for c in task.rev.containers)
            request_stop(self.agent, task, "TerminationNotice", AZ_OUTAGE_REASON)
        self.cluster.kick_services()

    def _spot_interruption(self, entry: Any) -> None:
        k = self.kernel
        candidates = []
        for group in self.groups.groups.values():
            if entry.group is not None and group.name != entry.group:
                continue
            candidates += [i for i in group.instances if i.spot and i.lifecycle == "InService" and (entry.az is None or i.az == entry.az)]
        drains = self.groups.agent_config is not None and self.groups.agent_config.spot_instance_draining
        for inst in candidates[: entry.count]:
            k.log.append(InterruptionNotice(k.now, inst.ec2_id, "terminate", k.now + SPOT_NOTICE_S))
            if drains:
                k.at(SPOT_POLL_S, partial(self._agent_drains, inst.ec2_id))
            k.at(SPOT_NOTICE_S, partial(self.lose_instance, inst.ec2_id, "the Spot Instance was interrupted (terminate)"))

    def _agent_drains(self, ec2_id: str) -> None:
        """The agent saw ``spot/instance-action`` and sets its own instance DRAINING (§5.2)."""
        ci = next((c for c in self.cluster.instances if c.ec2_id == ec2_id), None)
        if ci is not None and int(self.cluster.fleet.status[ci.index]) == ACTIVE:
            self.cluster.set_instance_state(ci.index, "DRAINING")

    def _fargate_spot_interruption(self, entry: Any) -> None:
        k = self.kernel
        spot = self.capacity.spot_tasks
        chosen = [
            t for t in self.cluster.tasks.values()
            if t.id in spot and t.last == "RUNNING" and t.desired == "RUNNING" and (entry.service is None or t.group == f"service:{entry.service}")
        ]
        chosen.sort(key=lambda t: t.created_at)
        for task in chosen[: entry.count]:
            k.log.append(InterruptionNotice(k.now, task.id, "stop", k.now + SPOT_NOTICE_S))
            request_stop(self.agent, task, "SpotInterruption", "Your Spot Task was interrupted.")
            k.at(SPOT_NOTICE_S, partial(_reclaimed, task))


def _reclaimed(task: Any) -> None:
    """Two minutes after the warning the capacity is gone: requests still in flight fail (§9.3)."""
    if task.last == "STOPPED":
        return
    for tg, target in task.targets:
        tg.target_lost(target)
