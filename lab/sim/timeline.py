"""Provides the world's timeline: what the instructor scheduled (RunTask calls, deploys, traffic, faults).

Each entry is made at its time through the same API a learner's change uses; a call AWS
refuses is logged as ``ApiCallFailed`` with its operation and error text, and the world
carries on without it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from lab.errors import AutoScalingValidationError, ClientException
from lab.sim.asg import AutoScalingGroups
from lab.sim.cluster import Cluster
from lab.sim.events import ApiCallFailed
from lab.sim.faults import Faults
from lab.sim.kernel import Kernel
from lab.sim.lb import LoadBalancing
from lab.sim.placement import Constraint, Strategy
from lab.sim.registry import Ecr
from lab.sim.services import Services
from lab.sim.spec import (
    FAULT_ENTRIES,
    AddInstances,
    CreateDeployment,
    DrainInstances,
    PushImage,
    PutAttributes,
    RegisterTaskDefinition,
    RunTask,
    SetDesiredCapacity,
    SetTraffic,
    StopTask,
    UpdateService,
)
from lab.sim.standalone import StandaloneTasks

__all__ = ["Timeline"]


class Timeline:
    """Schedules timeline entries on the kernel's clock."""

    def __init__(
        self,
        kernel: Kernel,
        cluster: Cluster,
        ecr: Ecr,
        lb: LoadBalancing,
        standalone: StandaloneTasks,
        services: Services,
        groups: AutoScalingGroups,
        faults: Faults,
    ) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.ecr = ecr
        self.lb = lb
        self.standalone = standalone
        self.services = services
        self.groups = groups
        self.faults = faults
        self.codedeploy: Any = None
        """CodeDeploy (``lab.sim.codedeploy``), set by the world: ``create-deployment`` entries."""

    def schedule(self, entry: Any) -> None:
        """Schedule one entry at its time."""
        at, cluster = self.kernel.at, self.cluster
        if isinstance(entry, RunTask):
            for k in range(entry.repeat):
                at(entry.at + k * entry.every, partial(self._run_task, entry))
        elif isinstance(entry, StopTask):
            at(entry.at, lambda: self.standalone.stop_group(entry.group, count=entry.count, reason=entry.reason))
        elif isinstance(entry, AddInstances):
            at(entry.at or 0.0, partial(self._guarded, "RunInstances", lambda: cluster.add_instances(entry, at=self.kernel.now)))
        elif isinstance(entry, PutAttributes):
            at(entry.at, lambda: cluster.put_attributes(entry.attributes, instance_type=entry.type, az=entry.az))
        elif isinstance(entry, PushImage):
            at(entry.at, partial(self._guarded, "PutImage", lambda: self.ecr.push(entry.image)))
        elif isinstance(entry, RegisterTaskDefinition):
            at(entry.at, partial(self._guarded, "RegisterTaskDefinition", lambda: cluster.register_task_definition(_task_definition(entry))))
        elif isinstance(entry, UpdateService):
            at(entry.at, partial(self._update_service, entry))
        elif isinstance(entry, DrainInstances):
            status = "DRAINING" if entry.event == "drain-instances" else "ACTIVE"
            at(entry.at, lambda: cluster.drain_instances(az=entry.az, instance_type=entry.type, count=entry.count, status=status))
        elif isinstance(entry, SetTraffic):
            at(entry.at, partial(self._traffic, entry))
        elif isinstance(entry, FAULT_ENTRIES):
            at(entry.at, partial(self._guarded, entry.event, lambda: self.faults.apply(entry)))
        elif isinstance(entry, CreateDeployment):
            at(entry.at, partial(self._guarded, "CreateDeployment", lambda: self.codedeploy.create_deployment(entry.deployment_group)))
        elif isinstance(entry, SetDesiredCapacity):
            at(entry.at, partial(self._guarded, "SetDesiredCapacity", lambda: self._desired_capacity(entry)))

    def _guarded(self, operation: str, call: Callable[[], object]) -> None:
        """Run a timeline operation; a refusal is logged as ApiCallFailed, as the API would answer."""
        try:
            call()
        except ClientException as exc:
            self.kernel.log.append(ApiCallFailed(self.kernel.now, operation, str(exc)))

    def _update_service(self, entry: UpdateService) -> None:
        k = self.kernel
        try:
            self.services.deploy(entry.service, entry.taskDefinition, desired_count=entry.desiredCount, force=entry.forceNewDeployment)
        except ClientException as exc:
            k.log.append(ApiCallFailed(k.now, "UpdateService", str(exc)))

    def _desired_capacity(self, entry: SetDesiredCapacity) -> None:
        group = self.groups.get(entry.autoScalingGroupName)
        if group is None:
            raise AutoScalingValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{entry.autoScalingGroupName}' not found")
        group.set_desired_capacity(entry.desiredCapacity)

    def _traffic(self, entry: SetTraffic) -> None:
        if entry.load_balancer is not None:
            self.lb.offer(entry.load_balancer, entry.rps, requests=entry.requests, source=entry.source, port=entry.port, request_s=entry.request_s)
            return
        assert entry.target_group is not None  # the spec gives exactly one of the two
        try:
            self.lb.set_load(entry.target_group, entry.rps, entry.request_s)
        except ClientException as exc:
            self.kernel.log.append(ApiCallFailed(self.kernel.now, "SetTraffic", str(exc)))

    def _run_task(self, entry: RunTask) -> None:
        try:
            self.standalone.run_task(
                entry.taskDefinition,
                count=entry.count,
                launch_type=entry.launchType,
                capacity_provider_strategy=entry.capacityProviderStrategy,
                strategies=tuple(Strategy(s.get("type", ""), s.get("field")) for s in entry.placementStrategy),
                constraints=tuple(Constraint(c.get("type", ""), c.get("expression")) for c in entry.placementConstraints),
                group=entry.group,
                started_by=entry.startedBy,
                network_configuration=entry.networkConfiguration,
            )
        except ClientException as exc:
            self.kernel.log.append(ApiCallFailed(self.kernel.now, "RunTask", str(exc)))


def _task_definition(entry: RegisterTaskDefinition) -> Any:
    """The entry's task definition as ``lab.config`` parses it.

    The document loader already parsed it with positions and refused it if AWS would; this
    parses it again from the entry's data when the call is made. Imported here so that the
    simulator does not build lab.config's task-definition models when it is imported.
    """
    import yaml

    from lab.config.task_definition import parse_task_definition
    from lab.yaml_source import load_text

    text = entry.content if isinstance(entry.content, str) else yaml.safe_dump(entry.content, sort_keys=False)
    return parse_task_definition(load_text(text, "timeline")).task_definition

