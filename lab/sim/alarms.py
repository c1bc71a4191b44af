"""Provides metric alarms from ``metric-alarm`` files: PutMetricAlarm and its scaling actions.

An alarm's ``AlarmActions`` (and ``OKActions``) name scaling policies by ARN or by name; they
are looked up each time the alarm acts, so an alarm may be put before its policy exists. A
Service Auto Scaling step policy and an EC2 Auto Scaling simple or step policy can both be
invoked; an action that names nothing is ignored, as CloudWatch ignores a deleted policy.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lab.sim.asg import AutoScalingGroups
from lab.sim.autoscaling import ServiceAutoScaling
from lab.sim.metrics import Alarm, Metrics, metric_key

__all__ = ["Alarms"]


class Alarms:
    """CloudWatch metric alarms whose actions invoke Service Auto Scaling or EC2 Auto Scaling policies."""

    def __init__(self, metrics: Metrics, app_autoscaling: ServiceAutoScaling, groups: AutoScalingGroups) -> None:
        self.metrics = metrics
        self.app_autoscaling = app_autoscaling
        self.groups = groups

    def put_metric_alarm(self, model: Any) -> Alarm:
        """PutMetricAlarm: create or replace the alarm and start sampling."""
        key = metric_key(model.namespace, model.metric_name, model.dimension_map)
        alarm = Alarm(
            model.alarm_name, key, threshold=model.threshold, comparison=model.comparison_operator,
            evaluation_periods=model.evaluation_periods, datapoints_to_alarm=model.datapoints_to_alarm,
            period_s=float(model.period), statistic=model.statistic,
        )
        for ref in model.alarm_actions:
            alarm.actions.append(partial(self._invoke, ref))
        for ref in model.ok_actions:
            alarm.ok_actions.append(partial(self._invoke, ref))
        return self.metrics.put_alarm(alarm)

    def _invoke(self, ref: str, alarm: Alarm) -> None:
        """Run the scaling policy an action names (looked up now: it may be put after the alarm)."""
        step = self.app_autoscaling.step_policy(ref)
        if step is not None:
            self.app_autoscaling.invoke_step(step, alarm)
            return
        policy = self.groups.policy(ref)
        if policy is not None:
            policy.invoke(alarm)
