"""Provides the Application Auto Scaling models learners edit: scalable targets and scaling policies.

A ``scalable-target`` file is ``RegisterScalableTarget`` input and a ``scaling-policy`` file
is ``PutScalingPolicy`` input, in the API's PascalCase, as ``aws application-autoscaling
register-scalable-target --cli-input-yaml`` takes them. Loading runs the passes of
``lab.config.service``: ``check_shape`` against the API model (unknown keys with a
did-you-mean, types, enums, required keys; known keys the lab ignores come back as "not
simulated" notes), then what the lab needs, then the model, then the refusals Application Auto
Scaling gives the request on its own, worded as its ``ValidationException``. A policy for a
service without a scalable target is refused across files (``policy_errors``) with the
``ObjectNotFoundException`` AWS gives. Section numbers (§) refer to docs/ecs-facts.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_pascal

from lab.config.quotas import DESIRED_COUNT_EXCEEDS_LIMIT, MAX_TASKS_PER_SERVICE
from lab.config.shapes import (
    check_shape,
    positioned,
    strip_unmodelled,
    validation_diagnostics,
)
from lab.config.task_definition import client_exception_diagnostics
from lab.errors import (
    ClientException,
    Diagnostic,
    ObjectNotFoundException,
    SourceErrors,
    ValidationException,
)
from lab.yaml_source import Document, Path_

__all__ = [
    "DEFAULT_SCALE_IN_COOLDOWN_S",
    "DEFAULT_SCALE_OUT_COOLDOWN_S",
    "DEFAULT_STEP_COOLDOWN_S",
    "ECS_PREDEFINED_METRICS",
    "ObjectNotFoundException",
    "ParsedScalableTarget",
    "ParsedScalingPolicy",
    "PredefinedMetricSpecification",
    "ScalableTarget",
    "ScalingPolicy",
    "StepAdjustment",
    "StepScalingPolicyConfiguration",
    "TargetTrackingScalingPolicyConfiguration",
    "ValidationException",
    "parse_scalable_target",
    "parse_scaling_policy",
    "policy_errors",
    "scalable_target_errors",
    "scalable_target_json_schema",
    "scaling_policy_errors",
    "scaling_policy_json_schema",
]

DEFAULT_SCALE_OUT_COOLDOWN_S = 300  # §7.1: ECS services, confirmed (CFN-TT)
"""``ScaleOutCooldown`` of a target-tracking policy that sets none (§7.1)."""
DEFAULT_SCALE_IN_COOLDOWN_S = 300  # §7.1: ECS services, confirmed (CFN-TT)
"""``ScaleInCooldown`` of a target-tracking policy that sets none (§7.1)."""
DEFAULT_STEP_COOLDOWN_S = 300  # §7.1: API:StepScalingPolicyConfiguration, "If not specified, the default value is 300."
"""``Cooldown`` of a step-scaling policy that sets none (§7.1)."""

ECS_PREDEFINED_METRICS = ("ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget")
"""Predefined target-tracking metrics for ECS services (§7.1)."""

SCALABLE_TARGET_MODELLED: frozenset[str] = frozenset(
    {"ServiceNamespace", "ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity"}
)
"""RegisterScalableTarget members the simulator models."""

SCALING_POLICY_MODELLED: frozenset[str] = frozenset(
    {
        "PolicyName",
        "ServiceNamespace",
        "ResourceId",
        "ScalableDimension",
        "PolicyType",
        "TargetTrackingScalingPolicyConfiguration.TargetValue",
        "TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification",
        "TargetTrackingScalingPolicyConfiguration.ScaleOutCooldown",
        "TargetTrackingScalingPolicyConfiguration.ScaleInCooldown",
        "TargetTrackingScalingPolicyConfiguration.DisableScaleIn",
        "StepScalingPolicyConfiguration",
    }
)
"""PutScalingPolicy members the simulator models."""

_ECS_RESOURCE = re.compile(r"^service/([A-Za-z0-9_-]{1,255})/([A-Za-z0-9_-]{1,255})$")
_ECS_DIMENSION = "ecs:service:DesiredCount"


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, populate_by_name=True, extra="forbid", alias_generator=to_pascal,
        allow_inf_nan=False,
    )


_M = TypeVar("_M", bound=_Model)


class ScalableTarget(_Model):
    """A registered scalable target: a service's desired count with its bounds (§7.1)."""

    service_namespace: str
    """``ecs`` (the only namespace the lab simulates)."""
    resource_id: str
    """``service/<cluster>/<service>``."""
    scalable_dimension: str
    """``ecs:service:DesiredCount``."""
    min_capacity: int | None = None
    """Lowest desired count scaling may set (required when the target is first registered)."""
    max_capacity: int | None = None
    """Highest desired count scaling may set (required when the target is first registered)."""

    @property
    def service(self) -> str:
        """The service name of the resource id."""
        return self.resource_id.rsplit("/", 1)[-1]

    @property
    def cluster(self) -> str:
        """The cluster name of the resource id."""
        return self.resource_id.split("/")[1] if self.resource_id.count("/") == 2 else ""


class PredefinedMetricSpecification(_Model):
    """Which predefined metric a target-tracking policy tracks."""

    predefined_metric_type: str
    """``ECSServiceAverageCPUUtilization``, ``ECSServiceAverageMemoryUtilization`` or ``ALBRequestCountPerTarget``."""
    resource_label: str | None = None
    """``app/<lb>/<id>/targetgroup/<tg>/<id>``: the target group, for ``ALBRequestCountPerTarget``."""

    @property
    def target_group(self) -> str | None:
        """The target group's name in the resource label, if any."""
        if not self.resource_label or "targetgroup/" not in self.resource_label:
            return None
        return self.resource_label.split("targetgroup/", 1)[1].split("/", 1)[0]


class TargetTrackingScalingPolicyConfiguration(_Model):
    """A target-tracking policy: keep a metric at a target value (§7.1)."""

    target_value: float
    """The value the metric is kept at (a percentage for the utilisation metrics, requests for ALB)."""
    predefined_metric_specification: PredefinedMetricSpecification | None = None
    """The metric tracked (custom metrics are not simulated)."""
    scale_out_cooldown: int = DEFAULT_SCALE_OUT_COOLDOWN_S
    """Seconds after a scale-out during which only a larger scale-out happens (§7.1)."""
    scale_in_cooldown: int = DEFAULT_SCALE_IN_COOLDOWN_S
    """Seconds after a scale-in during which no further scale-in happens (§7.1)."""
    disable_scale_in: bool = False
    """The policy never scales in (its low alarm is not created)."""


class StepAdjustment(_Model):
    """One step: the adjustment for a breach between two bounds relative to the alarm threshold."""

    scaling_adjustment: int
    """Tasks to add (negative: remove), a percentage, or the exact count, by ``AdjustmentType``."""
    metric_interval_lower_bound: float | None = None
    """Lower bound of the breach (metric − threshold), inclusive; None: minus infinity."""
    metric_interval_upper_bound: float | None = None
    """Upper bound of the breach, exclusive; None: infinity."""


class StepScalingPolicyConfiguration(_Model):
    """A step-scaling policy, invoked by a CloudWatch alarm the learner manages (§7.1)."""

    adjustment_type: Literal["ChangeInCapacity", "PercentChangeInCapacity", "ExactCapacity"] | None = None
    """How ``ScalingAdjustment`` is read."""
    step_adjustments: tuple[StepAdjustment, ...] = ()
    """The steps, by breach size."""
    cooldown: int = DEFAULT_STEP_COOLDOWN_S
    """Seconds after a scaling activity during which a scale-out counts what the last one added (default 300 s, §7.1)."""
    metric_aggregation_type: Literal["Average", "Minimum", "Maximum"] = "Average"  # API default
    """How the alarm's datapoints are aggregated (the lab's datapoints are one per minute already)."""
    min_adjustment_magnitude: int | None = None
    """For ``PercentChangeInCapacity``: change at least this many tasks."""


class ScalingPolicy(_Model):
    """A scaling policy on a scalable target (PutScalingPolicy)."""

    policy_name: str
    """Unique per scalable target."""
    service_namespace: str
    """``ecs``."""
    resource_id: str
    """``service/<cluster>/<service>``: the scalable target it scales."""
    scalable_dimension: str
    """``ecs:service:DesiredCount``."""
    policy_type: Literal["TargetTrackingScaling", "StepScaling"] = "StepScaling"  # API default (PutScalingPolicy.PolicyType)
    """``TargetTrackingScaling`` or ``StepScaling``."""
    target_tracking_scaling_policy_configuration: TargetTrackingScalingPolicyConfiguration | None = None
    """The target-tracking settings, for ``TargetTrackingScaling``."""
    step_scaling_policy_configuration: StepScalingPolicyConfiguration | None = None
    """The step settings, for ``StepScaling``."""

    @property
    def service(self) -> str:
        """The service name of the resource id."""
        return self.resource_id.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ParsedScalableTarget:
    """A scalable target that passed validation, plus the notes about it."""

    scalable_target: ScalableTarget
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes, positioned at their keys."""
    refusals: list[Diagnostic] = field(default_factory=list)
    """Refusals, when the caller asked to collect them instead of raising."""


@dataclass(frozen=True)
class ParsedScalingPolicy:
    """A scaling policy that passed validation, plus the notes about it."""

    scaling_policy: ScalingPolicy
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes, positioned at their keys."""
    refusals: list[Diagnostic] = field(default_factory=list)
    """Refusals, when the caller asked to collect them instead of raising."""


# --------------------------------------------------------------------------------------------
# Rules


def _target_refusals(namespace: str, resource_id: str, dimension: str, refuse: object) -> None:
    assert callable(refuse)
    if namespace != "ecs":
        refuse(f"Unsupported service namespace {namespace}: the lab scales ECS services only.", "ServiceNamespace")  # lab rule
    elif not _ECS_RESOURCE.fullmatch(resource_id):
        refuse(
            f"Unsupported resource ID {resource_id}: ECS services are named service/<cluster>/<service>.", "ResourceId"
        )  # wording UNCONFIRMED
    if namespace == "ecs" and dimension != _ECS_DIMENSION:
        refuse(f"Unsupported scalable dimension {dimension} for service namespace ecs.", "ScalableDimension")  # wording UNCONFIRMED


def scalable_target_errors(target: ScalableTarget) -> list[ClientException]:
    """Every refusal RegisterScalableTarget gives ``target`` on its own (paths are PascalCase keys)."""
    errors: list[ClientException] = []

    def refuse(message: str, *path: str | int) -> None:
        errors.append(ValidationException(message, tuple(path)))

    _target_refusals(target.service_namespace, target.resource_id, target.scalable_dimension, refuse)
    low, high = target.min_capacity, target.max_capacity
    if low is None or high is None:
        refuse("MinCapacity and MaxCapacity are required to register a new scalable target.")  # wording UNCONFIRMED
    for name, value in (("MinCapacity", low), ("MaxCapacity", high)):
        if value is not None and value < 0:
            refuse(f"{name} must be greater than or equal to 0.", name)  # wording UNCONFIRMED
    if low is not None and high is not None and low > high:
        refuse("Minimum capacity cannot be greater than maximum capacity.", "MinCapacity")  # wording UNCONFIRMED
    return errors


def scaling_policy_errors(policy: ScalingPolicy) -> list[ClientException]:
    """Every refusal PutScalingPolicy gives ``policy`` on its own (paths are PascalCase keys)."""
    errors: list[ClientException] = []

    def refuse(message: str, *path: str | int) -> None:
        errors.append(ValidationException(message, tuple(path)))

    _target_refusals(policy.service_namespace, policy.resource_id, policy.scalable_dimension, refuse)
    tt, step = policy.target_tracking_scaling_policy_configuration, policy.step_scaling_policy_configuration
    if policy.policy_type == "TargetTrackingScaling":
        where = ("TargetTrackingScalingPolicyConfiguration",)
        if tt is None:
            refuse("TargetTrackingScalingPolicyConfiguration is required for a TargetTrackingScaling policy.", "PolicyType")  # wording UNCONFIRMED
        else:
            if tt.target_value <= 0:
                refuse("TargetValue must be greater than 0.", *where, "TargetValue")  # wording UNCONFIRMED
            for name, value in (("ScaleOutCooldown", tt.scale_out_cooldown), ("ScaleInCooldown", tt.scale_in_cooldown)):
                if value < 0:
                    refuse(f"{name} must be greater than or equal to 0.", *where, name)  # wording UNCONFIRMED
            spec = tt.predefined_metric_specification
            if spec is not None:
                at = (*where, "PredefinedMetricSpecification")
                if spec.predefined_metric_type not in ECS_PREDEFINED_METRICS:
                    refuse(
                        f"Unsupported metric type {spec.predefined_metric_type} for service namespace ecs.",
                        *at,
                        "PredefinedMetricType",
                    )  # wording UNCONFIRMED
                elif spec.predefined_metric_type == "ALBRequestCountPerTarget" and spec.target_group is None:
                    refuse(
                        "ResourceLabel is required for ALBRequestCountPerTarget and must name the target group "
                        "(app/<load-balancer>/<id>/targetgroup/<target-group>/<id>).",
                        *at,
                    )  # wording UNCONFIRMED
        if step is not None:
            refuse("StepScalingPolicyConfiguration is not valid for a TargetTrackingScaling policy.", "StepScalingPolicyConfiguration")  # wording UNCONFIRMED
    else:
        if step is None:
            refuse("StepScalingPolicyConfiguration is required for a StepScaling policy.", "PolicyType")  # wording UNCONFIRMED
        else:
            where = ("StepScalingPolicyConfiguration",)
            if step.adjustment_type is None:
                refuse("AdjustmentType is required for a StepScaling policy.", *where)  # wording UNCONFIRMED
            if not step.step_adjustments:
                refuse("StepAdjustments must contain at least one step adjustment.", *where)  # wording UNCONFIRMED
            for i, adj in enumerate(step.step_adjustments):
                low, high = adj.metric_interval_lower_bound, adj.metric_interval_upper_bound
                if low is not None and high is not None and low >= high:
                    refuse(
                        "MetricIntervalLowerBound must be less than MetricIntervalUpperBound.",
                        *where, "StepAdjustments", i, "MetricIntervalLowerBound",
                    )  # wording UNCONFIRMED
            for message, index in _step_range_errors(step.step_adjustments):
                refuse(message, *where, "StepAdjustments", *((index,) if index is not None else ()))
            if step.cooldown < 0:
                refuse("Cooldown must be greater than or equal to 0.", *where, "Cooldown")  # wording UNCONFIRMED
        if tt is not None:
            refuse(
                "TargetTrackingScalingPolicyConfiguration is not valid for a StepScaling policy.",
                "TargetTrackingScalingPolicyConfiguration",
            )  # wording UNCONFIRMED
    return errors


def _step_range_errors(steps: tuple[StepAdjustment, ...]) -> list[tuple[str, int | None]]:
    """The StepAdjustment rules of PutScalingPolicy (API:StepAdjustment, docs/ecs-facts.md §7.1):
    no overlap or gap between the ranges, at most one open bound of each side, and an open bound
    wherever a step starts below or ends above the threshold. Returns (message, step index).
    The wordings are UNCONFIRMED except the positive-upper-bound one, observed from EC2 Auto
    Scaling (hashicorp/terraform-provider-aws#9077)."""
    out: list[tuple[str, int | None]] = []
    for i, adj in enumerate(steps):
        if adj.metric_interval_lower_bound is None and adj.metric_interval_upper_bound is None:
            out.append(("The upper and lower bound can't be null in the same StepAdjustment.", i))  # wording UNCONFIRMED
    if out:
        return out
    null_lower = [i for i, adj in enumerate(steps) if adj.metric_interval_lower_bound is None]
    null_upper = [i for i, adj in enumerate(steps) if adj.metric_interval_upper_bound is None]
    if len(null_lower) > 1:
        out.append(("At most one StepAdjustment may have an unspecified lower bound.", null_lower[1]))  # wording UNCONFIRMED
    if len(null_upper) > 1:
        out.append(("At most one StepAdjustment may have an unspecified upper bound.", null_upper[1]))  # wording UNCONFIRMED
    if not null_lower and any((adj.metric_interval_lower_bound or 0) < 0 for adj in steps):
        out.append((
            "There must be a StepAdjustment with an unspecified lower bound (i.e., lower bound is null) when one "
            "StepAdjustment has a negative lower bound", None,
        ))  # wording UNCONFIRMED, the mirror of the observed upper-bound text
    if not null_upper and any((adj.metric_interval_upper_bound or 0) > 0 for adj in steps):
        out.append((
            "There must be a StepAdjustment with an unspecified upper bound (i.e., upper bound is null) when one "
            "StepAdjustment has a positive upper bound", None,
        ))  # observed: hashicorp/terraform-provider-aws#9077 (EC2 Auto Scaling, same rule)
    if out:
        return out
    # Sorted by lower bound (null first), each range must end where the next begins.
    def lower(i: int) -> float:
        bound = steps[i].metric_interval_lower_bound
        return -math.inf if bound is None else bound

    order = sorted(range(len(steps)), key=lower)
    for a, b in zip(order, order[1:]):
        end, start = steps[a].metric_interval_upper_bound, steps[b].metric_interval_lower_bound
        if end is None or start is None or end > start:
            out.append(("The ranges of the StepAdjustments overlap.", b))  # wording UNCONFIRMED
        elif end < start:
            out.append((f"The ranges of the StepAdjustments leave a gap between {end:g} and {start:g}.", b))  # wording UNCONFIRMED
    return out


def policy_errors(policy: ScalingPolicy, targets: list[ScalableTarget]) -> list[ClientException]:
    """The refusal PutScalingPolicy gives when no scalable target is registered for the policy's resource.

    Args:
        policy: the parsed policy.
        targets: the scalable targets registered (the files in force).
    """
    if any(t.resource_id == policy.resource_id and t.scalable_dimension == policy.scalable_dimension for t in targets):
        return []
    # observed: ansible/ansible#35632, cloudposse/terraform-aws-ecs-cloudwatch-autoscaling#36
    return [
        ObjectNotFoundException(
            f"No scalable target registered for service namespace: {policy.service_namespace}, resource ID: "
            f"{policy.resource_id}, scalable dimension: {policy.scalable_dimension}",
            ("ResourceId",),
        )
    ]


# --------------------------------------------------------------------------------------------
# Loading


def _lab_needs(doc: Document, path: Path_, data: object) -> list[Diagnostic]:
    out = []
    if isinstance(data, dict):
        tt = data.get("TargetTrackingScalingPolicyConfiguration")
        if data.get("PolicyType") == "PredictiveScaling":
            out.append(positioned(doc, (*path, "PolicyType"), "PolicyType 'PredictiveScaling' is not simulated by the lab; use TargetTrackingScaling or StepScaling"))
        if isinstance(tt, dict) and "PredefinedMetricSpecification" not in tt:
            out.append(
                positioned(
                    doc, (*path, "TargetTrackingScalingPolicyConfiguration"),
                    "the lab simulates target tracking on a PredefinedMetricSpecification only (custom metrics are not simulated)",
                )
            )
    return out


def _load(
    doc: Document, path: Path_, shape: str, modelled: frozenset[str], model: type[_M], rules: Any, collect_refusals: bool
) -> tuple[_M, list[Diagnostic], list[Diagnostic]]:
    """Check ``doc`` against a botocore shape, validate the model, apply its API ``rules``.

    Returns (model, ``not simulated`` notes, refusals); refusals raise unless collected.
    """
    data = doc.get(path) if path else doc.data
    errors, notes = check_shape(doc, path, data, shape, modelled=modelled)
    if errors:
        raise SourceErrors(errors)
    errors = _lab_needs(doc, path, data)
    if errors:
        raise SourceErrors(errors)
    try:
        parsed = model.model_validate(strip_unmodelled(data, modelled))
    except ValidationError as exc:
        raise SourceErrors(validation_diagnostics(doc, path, exc)) from None
    refusals = client_exception_diagnostics(doc, path, rules(parsed))
    if refusals and not collect_refusals:
        raise SourceErrors(refusals)
    return parsed, notes, refusals


def parse_scalable_target(doc: Document, path: Path_ = (), *, collect_refusals: bool = False) -> ParsedScalableTarget:
    """Load a RegisterScalableTarget input from ``doc``.

    Args:
        doc: the loaded YAML/JSON document.
        path: where the request sits in ``doc``.
        collect_refusals: return refusals in ``.refusals`` instead of raising.

    Raises:
        SourceErrors: every shape error, or every refusal (``ValidationException: ...``), positioned.
    """
    shape = "application-autoscaling.RegisterScalableTargetRequest"
    target, notes, refusals = _load(doc, path, shape, SCALABLE_TARGET_MODELLED, ScalableTarget, scalable_target_errors, collect_refusals)
    for key, value in (("MinCapacity", target.min_capacity), ("MaxCapacity", target.max_capacity)):
        if value is not None and value > MAX_TASKS_PER_SERVICE:
            # Application Auto Scaling takes it; ECS then refuses any desired count past its quota (§11.1).
            line, col = doc.where((*path, key))
            notes.append(Diagnostic(
                doc.file, line, col,
                f"{key} {value:,} is above the {MAX_TASKS_PER_SERVICE:,} tasks ECS allows a service: "
                f"ECS refuses a desired count past it (\"{DESIRED_COUNT_EXCEEDS_LIMIT}\")",
                "note",
            ))
    return ParsedScalableTarget(target, notes, refusals)


def parse_scaling_policy(doc: Document, path: Path_ = (), *, collect_refusals: bool = False) -> ParsedScalingPolicy:
    """Load a PutScalingPolicy input from ``doc``.

    Args:
        doc: the loaded YAML/JSON document.
        path: where the request sits in ``doc``.
        collect_refusals: return refusals in ``.refusals`` instead of raising.

    Raises:
        SourceErrors: every shape error, or every refusal (``ValidationException: ...``), positioned.
    """
    shape = "application-autoscaling.PutScalingPolicyRequest"
    policy, notes, refusals = _load(doc, path, shape, SCALING_POLICY_MODELLED, ScalingPolicy, scaling_policy_errors, collect_refusals)
    return ParsedScalingPolicy(policy, notes, refusals)


# -- editor schema (lab schema) ------------------------------------------------------------


def scalable_target_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scalable-target file: RegisterScalableTarget input as ``parse_scalable_target`` reads it."""
    from lab.config.json_schema import shape_schema

    return shape_schema("application-autoscaling.RegisterScalableTargetRequest", SCALABLE_TARGET_MODELLED, ScalableTarget)


def scaling_policy_json_schema() -> dict[str, Any]:
    """The JSON Schema of a scaling-policy file: PutScalingPolicy input as ``parse_scaling_policy`` reads it."""
    from lab.config.json_schema import shape_schema

    schema = shape_schema("application-autoscaling.PutScalingPolicyRequest", SCALING_POLICY_MODELLED, ScalingPolicy)
    # The loader refuses what the lab does not simulate (lab.config.autoscaling._lab_needs).
    policy_type = schema["properties"].get("PolicyType", {})
    if "enum" in policy_type:
        policy_type["enum"] = [e for e in policy_type["enum"] if e != "PredictiveScaling"]
    tracking = schema["properties"].get("TargetTrackingScalingPolicyConfiguration", {})
    if "properties" in tracking:
        # Target tracking on a predefined metric only (custom metrics are refused).
        tracking["required"] = sorted({*tracking.get("required", ()), "PredefinedMetricSpecification"})
    return schema
