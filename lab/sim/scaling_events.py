"""Provides the event records of metrics and scaling: alarm state changes and scaling activities.

They follow the conventions of ``lab.sim.events`` (immutable ``NamedTuple`` records whose
first field is ``at`` and whose ``message`` is what the console shows) and appear in a world's
log only when its document uses alarms or scaling, so the logs of other documents do not change.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["AlarmStateChanged", "InstanceLifecycleChanged", "InterruptionNotice", "ScalingActivity"]


class AlarmStateChanged(NamedTuple):
    """A CloudWatch alarm moved between OK, ALARM and INSUFFICIENT_DATA."""

    at: float
    alarm: str
    """The alarm's name (``TargetTracking-service/prod/web-AlarmHigh-<id>`` for target tracking)."""
    old_state: str
    state: str
    condition: str
    """The alarm's condition (``CPUUtilization > 75 for 3 datapoints within 3 minutes``)."""

    @property
    def message(self) -> str:
        return f"alarm {self.alarm} changed from {self.old_state} to {self.state} ({self.condition})"


class ScalingActivity(NamedTuple):
    """A scaling activity: Application Auto Scaling set a service's desired count (or an
    Auto Scaling group's desired capacity changed)."""

    at: float
    resource_id: str
    """``service/<cluster>/<service>`` (or ``autoScalingGroupName/<name>``)."""
    from_count: int
    to_count: int
    cause: str
    """Why (``monitor alarm <name> in state ALARM triggered policy <policy>``)."""
    description: str
    """``Setting desired count to 4.`` as DescribeScalingActivities words it."""

    @property
    def message(self) -> str:
        return f"({self.resource_id}) {self.description} Cause: {self.cause}"


class InstanceLifecycleChanged(NamedTuple):
    """An Auto Scaling group instance changed lifecycle state (Pending, Pending:Wait, InService,
    Terminating:Wait, Terminating, Terminated)."""

    at: float
    group: str
    """The Auto Scaling group's name."""
    ec2_instance_id: str
    availability_zone: str
    state: str
    cause: str = ""

    @property
    def message(self) -> str:
        text = f"(auto-scaling-group {self.group}) instance {self.ec2_instance_id} ({self.availability_zone}) is {self.state}"
        return f"{text}: {self.cause}" if self.cause else text


class InterruptionNotice(NamedTuple):
    """A Spot two-minute warning: for an EC2 instance (IMDS ``spot/instance-action``) or a Fargate Spot task."""

    at: float
    target: str
    """The EC2 instance id, or the task id for Fargate Spot."""
    action: str
    """``terminate`` (EC2 Spot) or ``stop`` (Fargate Spot)."""
    when: float
    """When the capacity is reclaimed (two minutes after the notice)."""

    @property
    def message(self) -> str:
        kind = "EC2 Spot Instance" if self.target.startswith("i-") else "Fargate Spot task"
        return f"{kind} interruption warning for {self.target}: {self.action} at t={self.when:g}s"
