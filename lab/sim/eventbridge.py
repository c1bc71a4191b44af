"""Provides ECS events as EventBridge delivers them, and the EventBridge rules a world evaluates on them.

``EcsEvents`` projects the simulator's log, one record at a time, into the EventBridge events
ECS sends (docs/ecs-facts.md §13): ``{version, id, detail-type, source: "aws.ecs", account,
time, region, resources, detail}`` for

* "ECS Task State Change" (from ``TaskStateChanged``; the task's containers as last reported
  by ``ContainerStateChanged``, with their exit codes and reasons),
* "ECS Container Instance State Change" (from ``ContainerInstanceStateChanged``),
* "ECS Deployment State Change" (from ``ServiceDeploymentStateChanged``),
* "ECS Service Action": ``SERVICE_STEADY_STATE`` (INFO), ``SERVICE_TASK_START_IMPAIRED``
  (WARN), ``SERVICE_TASK_PLACEMENT_FAILURE`` (ERROR, with the placement ``reason`` such as
  ``RESOURCE:MEMORY``); the other service actions are not modelled.

The projection is deterministic: ids are made from a hash of the cluster and the record's
position in the log (never ``uuid4``), times from the world's calendar start.

``EventRules`` holds a world's rules (PutRule + PutTargets). Once a rule exists it listens to
the log; every projected event that matches an ENABLED rule is logged as ``EventRuleMatched``.
A rule with a schedule runs at each time its expression gives (``rate``: from when the rule was
put; ``cron``: in UTC on the world's calendar), logs ``EventRuleMatched`` for the
``Scheduled Event`` and hands each target to the world's ``invoke`` (which runs an ECS task
target with RunTask, or logs ``TargetInvocationFailed``). A world without rules logs nothing
more (and its log stays byte for byte what it was).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lab.sim.events import (
    ContainerInstanceStateChanged,
    ContainerStateChanged,
    EventRuleMatched,
    PlacementFailed,
    ServiceDeploymentStateChanged,
    ServiceEvent,
    TaskStateChanged,
)
from lab.sim.kernel import Kernel

__all__ = ["DETAIL_TYPES", "EcsEvents", "EventRule", "EventRules", "summary"]

DETAIL_TYPES = ("ECS Task State Change", "ECS Container Instance State Change", "ECS Deployment State Change", "ECS Service Action")
"""The detail types the lab sends (source ``aws.ecs``)."""

_SERVICE_ACTIONS = {
    "steady-state": ("INFO", "SERVICE_STEADY_STATE"),
    "throttled": ("WARN", "SERVICE_TASK_START_IMPAIRED"),
}
"""Service event kind → (eventType, eventName) of the service action event ECS sends with it."""

_DEPLOYMENT_TYPES = {"SERVICE_DEPLOYMENT_FAILED": "ERROR"}
"""Deployment states whose eventType is not INFO."""


@dataclass
class _Container:
    name: str
    last_status: str
    exit_code: int | None
    reason: str | None


class EcsEvents:
    """Projects log records into EventBridge events (stateful: it remembers containers and versions)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self._containers: dict[str, dict[str, _Container]] = {}
        self._versions: dict[str, int] = {}

    def _iso_ms(self, at: float) -> str:
        moment = self.kernel.start + timedelta(seconds=at)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def _version(self, resource: str) -> int:
        # detail.version counts the resource's state changes (ecs_cwe_events: duplicates share it).
        self._versions[resource] = self._versions.get(resource, 0) + 1
        return self._versions[resource]

    def _envelope(self, index: int, at: float, detail_type: str, resources: list[str], detail: dict[str, Any]) -> dict[str, Any]:
        k = self.kernel
        digest = hashlib.sha256(f"{k.cluster_arn}|{index}|{detail_type}".encode()).hexdigest()
        event_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        return {
            "version": "0",
            "id": event_id,
            "detail-type": detail_type,
            "source": "aws.ecs",
            "account": k.account,
            "time": k.iso(at),
            "region": k.region,
            "resources": resources,
            "detail": detail,
        }

    def project(self, record: Any, index: int) -> list[dict[str, Any]]:
        """The EventBridge events ECS sends for one log record (none for most records)."""
        k = self.kernel
        if isinstance(record, ContainerStateChanged):
            containers = self._containers.setdefault(record.task_id, {})
            containers[record.container] = _Container(record.container, record.last_status, record.exit_code, record.reason)
            return []
        if isinstance(record, TaskStateChanged):
            return [self._task(record, index)]
        if isinstance(record, ContainerInstanceStateChanged):
            arn = k.arn("ecs", f"container-instance/{k.cluster}/{record.container_instance_id}")
            detail: dict[str, Any] = {
                "agentConnected": record.agent_connected,
                "attributes": [
                    {"name": "ecs.availability-zone", "value": record.availability_zone},
                    {"name": "ecs.instance-type", "value": record.instance_type},
                ],
                "clusterArn": k.cluster_arn,
                "containerInstanceArn": arn,
                "ec2InstanceId": record.ec2_instance_id,
                "status": record.status,
                "version": self._version(arn),
                "updatedAt": self._iso_ms(record.at),
            }
            return [self._envelope(index, record.at, "ECS Container Instance State Change", [arn], detail)]
        if isinstance(record, ServiceDeploymentStateChanged):
            arn = k.arn("ecs", f"service/{k.cluster}/{record.service}")
            detail = {
                "eventType": _DEPLOYMENT_TYPES.get(record.state, "INFO"),
                "eventName": record.state,
                "deploymentId": record.deployment_id,
                "updatedAt": self._iso_ms(record.at),
                "reason": record.reason or _deployment_reason(record),
            }
            return [self._envelope(index, record.at, "ECS Deployment State Change", [arn], detail)]
        if isinstance(record, PlacementFailed):
            # ECS sends the event when it posts the service message; a repeat it does not post
            # (§4.6) is not sent either (UNCONFIRMED: how often EventBridge repeats it).
            if record.service is None or record.repeated:
                return []
            return [self._service_action(index, record.at, record.service, "ERROR", "SERVICE_TASK_PLACEMENT_FAILURE", record.reason)]
        if isinstance(record, ServiceEvent) and record.kind in _SERVICE_ACTIONS:
            event_type, name = _SERVICE_ACTIONS[record.kind]
            return [self._service_action(index, record.at, record.service, event_type, name, None)]
        return []

    def _service_action(self, index: int, at: float, service: str, event_type: str, name: str, reason: str | None) -> dict[str, Any]:
        k = self.kernel
        detail: dict[str, Any] = {"eventType": event_type, "eventName": name, "clusterArn": k.cluster_arn, "createdAt": self._iso_ms(at)}
        if reason is not None:
            detail["reason"] = reason
        return self._envelope(index, at, "ECS Service Action", [k.arn("ecs", f"service/{k.cluster}/{service}")], detail)

    def _task(self, record: TaskStateChanged, index: int) -> dict[str, Any]:
        k = self.kernel
        arn = k.arn("ecs", f"task/{k.cluster}/{record.task_id}")
        containers = [
            {
                "containerArn": k.arn("ecs", f"container/{k.cluster}/{record.task_id}/{c.name}"),
                "name": c.name,
                "lastStatus": c.last_status,
                "taskArn": arn,
                **({"exitCode": c.exit_code} if c.exit_code is not None else {}),
                **({"reason": c.reason} if c.reason else {}),
            }
            for c in self._containers.get(record.task_id, {}).values()
        ]
        detail: dict[str, Any] = {
            "clusterArn": k.cluster_arn,
            "containers": containers,
            "desiredStatus": record.desired_status,
            "group": record.group,
            "lastStatus": record.last_status,
            "launchType": record.launch_type,
            "taskArn": arn,
            "taskDefinitionArn": k.arn("ecs", f"task-definition/{record.task_definition}"),
            "updatedAt": self._iso_ms(record.at),
            "version": self._version(arn),
        }
        if record.availability_zone:
            detail["availabilityZone"] = record.availability_zone
        if record.container_instance_id:
            detail["containerInstanceArn"] = k.arn("ecs", f"container-instance/{k.cluster}/{record.container_instance_id}")
        if record.stop_code:
            detail["stopCode"] = record.stop_code
        if record.stopped_reason:
            detail["stoppedReason"] = record.stopped_reason
        if record.last_status == "STOPPED":
            self._containers.pop(record.task_id, None)
        return self._envelope(index, record.at, "ECS Task State Change", [arn], detail)


def _deployment_reason(record: ServiceDeploymentStateChanged) -> str:
    # The reasons of the AWS examples (ecs_cwe_events), with the deployment's id.
    if record.state == "SERVICE_DEPLOYMENT_COMPLETED":
        return f"ECS deployment {record.deployment_id} completed."
    return f"ECS deployment {record.deployment_id} in progress."


def summary(event: dict[str, Any]) -> str:
    """A short line about an EventBridge event (for ``EventRuleMatched``)."""
    detail = event.get("detail", {})
    resource = (event.get("resources") or [""])[0].rsplit("/", 1)[-1]
    kind = event.get("detail-type")
    if kind == "ECS Task State Change":
        text = f"task {resource} {detail.get('lastStatus')}"
        if detail.get("stopCode"):
            text += f" [{detail['stopCode']}]"
        if detail.get("stoppedReason"):
            text += f": {detail['stoppedReason']}"
        return text
    if kind == "ECS Container Instance State Change":
        return f"container instance {resource} {detail.get('status')}, agentConnected {str(detail.get('agentConnected')).lower()}"
    reason = f" ({detail['reason']})" if detail.get("reason") else ""
    return f"{detail.get('eventName')} for service {resource}{reason}"


@dataclass(frozen=True)
class EventRule:
    """One rule as the world evaluates it."""

    name: str
    matches: Callable[[dict[str, Any]], bool]
    """The compiled event pattern's test."""
    enabled: bool
    target_ids: tuple[str, ...]
    schedule: Any = None
    """The parsed ScheduleExpression (``lab.config.schedule``), or None."""
    targets: tuple[Any, ...] = ()
    """The PutTargets targets (``lab.config.event_rule.RuleTarget``) a schedule invokes."""


class EventRules:
    """A world's EventBridge rules on the default event bus, evaluated on every ECS event."""

    def __init__(self, kernel: Kernel, invoke: Callable[[EventRule, Any], None] | None = None) -> None:
        self.kernel = kernel
        self.rules: dict[str, EventRule] = {}
        self.projection = EcsEvents(kernel)
        self.invoke = invoke
        """Called with (rule, target) for each target of a scheduled rule when it runs."""
        self._seen = 0
        self._listening = False
        self._generations: dict[str, int] = {}

    def put(self, rule: EventRule) -> None:
        """PutRule + PutTargets: create or replace a rule (it applies to events from now on)."""
        self.rules[rule.name] = rule
        # A replaced rule's pending run is dropped: the generation tells it apart.
        generation = self._generations[rule.name] = self._generations.get(rule.name, 0) + 1
        if rule.schedule is not None:
            self._arm(rule.name, generation, self._calendar(self.kernel.now))
        if not self._listening:
            # Catch up on what happened before the first rule (the containers of running tasks).
            for index in range(self._seen, len(self.kernel.log)):
                self.projection.project(self.kernel.log[index], index)
            self._seen = len(self.kernel.log)
            self.kernel.log.subscribe(self._on_event)
            self._listening = True

    def _calendar(self, t: float) -> datetime:
        return self.kernel.start + timedelta(seconds=t)

    def _arm(self, name: str, generation: int, created: datetime) -> None:
        now = self._calendar(self.kernel.now)
        moment = self.rules[name].schedule.next_after(now, created)
        if moment is None:
            return
        self.kernel.at((moment - now).total_seconds(), lambda: self._run(name, generation, created))

    def _run(self, name: str, generation: int, created: datetime) -> None:
        if self._generations.get(name) != generation:
            return
        rule = self.rules[name]
        if rule.enabled:
            k = self.kernel
            digest = hashlib.sha256(f"{k.cluster_arn}|{name}|{k.now}|Scheduled Event".encode()).hexdigest()
            event_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
            summary_text = f"{rule.schedule.expression} at {k.iso()}"
            k.log.append(EventRuleMatched(k.now, name, "Scheduled Event", summary_text, rule.target_ids, event_id))
            if self.invoke is not None:
                for target in rule.targets:
                    self.invoke(rule, target)
        self._arm(name, generation, created)

    def _on_event(self, record: Any) -> None:
        if isinstance(record, EventRuleMatched):
            return
        index = len(self.kernel.log) - 1
        for event in self.projection.project(record, index):
            for name in sorted(self.rules):
                rule = self.rules[name]
                if rule.enabled and rule.matches(event):
                    self.kernel.log.append(EventRuleMatched(record.at, name, event["detail-type"], summary(event), rule.target_ids, event["id"]))
