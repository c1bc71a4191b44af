"""Provides the CloudWatch metric alarm model learners edit: ``PutMetricAlarm`` input.

A ``metric-alarm`` file is ``aws cloudwatch put-metric-alarm --cli-input-yaml`` input, in the
API's PascalCase. Unknown keys are errors with a did-you-mean; what CloudWatch refuses is
worded as its ``ValidationError`` (wording UNCONFIRMED where not cited). ``AlarmActions`` name
scaling policies (their ARN, or the policy name) that the alarm invokes while in ALARM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from lab.config.shapes import not_simulated_notes, positioned, validate_mapping
from lab.errors import Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = ["MetricAlarm", "MetricDimension", "ParsedMetricAlarm", "metric_alarm_json_schema", "parse_metric_alarm"]

_NOT_SIMULATED = ("AlarmDescription", "TreatMissingData", "ActionsEnabled", "Unit", "InsufficientDataActions", "Tags")
"""Members the lab accepts but does not act on (missing data is always treated as missing)."""


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, populate_by_name=True, extra="forbid", alias_generator=to_pascal,
        allow_inf_nan=False,
    )


class MetricDimension(_Model):
    """One dimension of the alarm's metric."""

    name: str
    """``ClusterName``, ``ServiceName``, ``TargetGroup``..."""
    value: str
    """The dimension's value."""


class _Tag(_Model):
    key: str
    """Tag key."""
    value: str = ""
    """Tag value."""


class MetricAlarm(_Model):
    """A CloudWatch alarm on one metric (PutMetricAlarm)."""

    alarm_name: str
    """Unique name."""
    namespace: str
    """``AWS/ECS``, ``AWS/ApplicationELB``, ``AWS/ECS/ManagedScaling``."""
    metric_name: str
    """``CPUUtilization``, ``CPUReservation``, ``RequestCountPerTarget``..."""
    dimensions: tuple[MetricDimension, ...] = ()
    """The metric's dimensions."""
    statistic: Literal["Average", "Sum", "Minimum", "Maximum", "SampleCount"] = "Average"
    """How a period's one-minute datapoints are aggregated."""
    period: int = 60
    """Seconds per period, a multiple of 60."""
    evaluation_periods: int
    """N of "M out of N"."""
    datapoints_to_alarm: int | None = None
    """M of "M out of N" (default: EvaluationPeriods)."""
    threshold: float
    """The value compared with."""
    comparison_operator: Literal["GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"]
    """How the value is compared with the threshold."""
    alarm_actions: tuple[str, ...] = ()
    """Scaling policies (ARN or name) invoked while the alarm is in ALARM."""
    ok_actions: tuple[str, ...] = Field(default=(), alias="OKActions")
    """Scaling policies invoked while the alarm is OK."""
    alarm_description: str | None = None
    """Free text (not simulated)."""
    treat_missing_data: Literal["breaching", "notBreaching", "ignore", "missing"] | None = None
    """Not simulated: missing data is always treated as missing."""
    actions_enabled: bool = True
    """Not simulated."""
    unit: str | None = None
    """Not simulated."""
    insufficient_data_actions: tuple[str, ...] = ()
    """Not simulated."""
    tags: tuple[_Tag, ...] = ()
    """Not simulated."""

    @property
    def dimension_map(self) -> dict[str, str]:
        """The dimensions as a mapping."""
        return {d.name: d.value for d in self.dimensions}


@dataclass(frozen=True)
class ParsedMetricAlarm:
    """An alarm that passed validation, plus the notes about it."""

    metric_alarm: MetricAlarm
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes."""


def parse_metric_alarm(doc: Document, path: Path_ = ()) -> ParsedMetricAlarm:
    """Load a PutMetricAlarm input from ``doc``.

    Raises:
        SourceErrors: every problem, positioned.
    """
    data, alarm = validate_mapping(doc, path, MetricAlarm, "PutMetricAlarm parameters")
    errors = []
    if alarm.period < 60 or alarm.period % 60:
        errors.append(positioned(doc, (*path, "Period"), "ValidationError: Period must be a multiple of 60 seconds for one-minute metrics."))  # wording UNCONFIRMED
    if alarm.evaluation_periods < 1:
        errors.append(positioned(doc, (*path, "EvaluationPeriods"), "ValidationError: EvaluationPeriods must be at least 1."))  # wording UNCONFIRMED
    if alarm.datapoints_to_alarm is not None and not 1 <= alarm.datapoints_to_alarm <= alarm.evaluation_periods:
        errors.append(
            positioned(doc, (*path, "DatapointsToAlarm"), "ValidationError: DatapointsToAlarm must be between 1 and EvaluationPeriods.")
        )  # wording UNCONFIRMED
    if errors:
        raise SourceErrors(errors)
    notes = not_simulated_notes(doc, path, data, _NOT_SIMULATED)
    return ParsedMetricAlarm(alarm, notes)


# -- editor schema (lab schema) ------------------------------------------------------------


def metric_alarm_json_schema() -> dict[str, Any]:
    """The JSON Schema of a metric-alarm file: PutMetricAlarm input as ``parse_metric_alarm`` reads it."""
    from lab.config.json_schema import model_schema

    return model_schema(MetricAlarm)
