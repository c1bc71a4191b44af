"""Provides metric alarms from ``metric-alarm`` files: PutMetricAlarm and its scaling actions.

An alarm's ``AlarmActions`` (and ``OKActions``) name scaling policies by ARN or by name; they
are looked up each time the alarm acts, so an alarm may be put before its policy exists. A
Service Auto Scaling step policy and an EC2 Auto Scaling simple or step policy can both be
invoked; an action that names nothing is ignored, as CloudWatch ignores a deleted policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lab.sim.metrics import Alarm, metric_key

if TYPE_CHECKING:
    from lab.sim.world import World

__all__ = ["put_metric_alarm"]


def put_metric_alarm(world: World, model: Any) -> Alarm:
    """PutMetricAlarm: create or replace the alarm and start sampling."""
    key = metric_key(model.namespace, model.metric_name, model.dimension_map)
    alarm = Alarm(
        model.alarm_name, key, threshold=model.threshold, comparison=model.comparison_operator,
        evaluation_periods=model.evaluation_periods, datapoints_to_alarm=model.datapoints_to_alarm,
        period_s=float(model.period), statistic=model.statistic,
    )
    for ref in model.alarm_actions:
        alarm.actions.append(lambda a, ref=ref: _invoke(world, ref, a))
    for ref in model.ok_actions:
        alarm.ok_actions.append(lambda a, ref=ref: _invoke(world, ref, a))
    return world.cloudwatch.put_alarm(alarm)


def _invoke(world: World, ref: str, alarm: Alarm) -> None:
    step = world.app_autoscaling.step_policy(ref)
    if step is not None:
        world.app_autoscaling.invoke_step(step, alarm)
        return
    policy = world.autoscaling_groups.policy(ref)
    if policy is not None:
        policy.invoke(alarm)
