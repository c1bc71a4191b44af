"""Provides the Auto Scaling group model, in the ``AWS::AutoScaling::AutoScalingGroup`` shape.

A group file holds the CloudFormation resource's properties (PascalCase). The instances'
settings (type, AMI, role, Spot) come from a launch template the world defines and the group
names with ``LaunchTemplate.LaunchTemplateName``. Validation is strict: unknown keys are errors
with a did-you-mean, MinSize / MaxSize / DesiredCapacity may be written as numbers or as the
strings CloudFormation uses, and what EC2 Auto Scaling refuses is worded as its
``ValidationError``. Properties the lab accepts without acting on them come back as notes.
Section numbers (§) refer to docs/ecs-facts.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_pascal

from lab.config.shapes import not_simulated_notes, positioned, validate_mapping
from lab.errors import AutoScalingValidationError, Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "DEFAULT_HEARTBEAT_TIMEOUT_S",
    "TERMINATION_POLICIES",
    "AutoScalingGroup",
    "AutoScalingValidationError",
    "AsgScalingPolicy",
    "CustomizedMetricSpecification",
    "ParsedAsgScalingPolicy",
    "TargetTrackingConfiguration",
    "asg_scaling_policy_json_schema",
    "auto_scaling_group_json_schema",
    "parse_asg_scaling_policy",
    "LifecycleHookSpecification",
    "ParsedAutoScalingGroup",
    "auto_scaling_group_errors",
    "parse_auto_scaling_group",
]

DEFAULT_HEARTBEAT_TIMEOUT_S = 3600  # §5.3
"""A lifecycle hook's heartbeat timeout when it sets none (§5.3)."""

TERMINATION_POLICIES = (
    "Default", "AllocationStrategy", "ClosestToNextInstanceHour", "NewestInstance", "OldestInstance",
    "OldestLaunchConfiguration", "OldestLaunchTemplate",
)
"""EC2 Auto Scaling termination policies."""

_NOT_SIMULATED = ("HealthCheckGracePeriod", "HealthCheckType", "Tags", "VPCZoneIdentifier", "CapacityRebalance", "MaxInstanceLifetime")
"""Properties the lab accepts but does not act on."""


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, populate_by_name=True, extra="forbid", alias_generator=to_pascal,
        allow_inf_nan=False,
    )


class LifecycleHookSpecification(_Model):
    """A lifecycle hook (``LifecycleHookSpecificationList`` item), §5.3."""

    lifecycle_hook_name: str
    """Unique within the group."""
    lifecycle_transition: Literal["autoscaling:EC2_INSTANCE_LAUNCHING", "autoscaling:EC2_INSTANCE_TERMINATING"]
    """Which transition waits: launches (``Pending:Wait``) or terminations (``Terminating:Wait``)."""
    heartbeat_timeout: int = DEFAULT_HEARTBEAT_TIMEOUT_S
    """Seconds the instance waits before the default result applies (30–7200, §5.3)."""
    default_result: Literal["CONTINUE", "ABANDON"] = "ABANDON"  # §5.3
    """What happens on timeout; for terminations both let the instance go (§5.3)."""
    notification_target_arn: str | None = Field(default=None, alias="NotificationTargetARN")
    """Where the notification goes (the lab runs the classic draining Lambda itself)."""
    role_arn: str | None = Field(default=None, alias="RoleARN")
    """The role that publishes notifications (not simulated)."""
    notification_metadata: str | None = None
    """Passed along with notifications (not simulated)."""


class _LaunchTemplateRef(_Model):
    launch_template_name: str
    """The launch template's name (defined in the world's ``launch_templates``)."""
    version: str | int | None = None
    """``$Latest``, ``$Default`` or a number; the lab has one version per template."""


class _Tag(_Model):
    key: str
    """Tag key (``AmazonECSManaged`` marks a group ECS manages, §7.2)."""
    value: str = ""
    """Tag value."""
    propagate_at_launch: bool = False
    """Copy the tag to launched instances."""


class _GroupInput(_Model):
    auto_scaling_group_name: str
    min_size: int
    max_size: int
    desired_capacity: int | None = None
    availability_zones: tuple[str, ...]
    launch_template: _LaunchTemplateRef
    default_cooldown: int = 300
    termination_policies: tuple[str, ...] = ()
    new_instances_protected_from_scale_in: bool = False
    lifecycle_hook_specification_list: tuple[LifecycleHookSpecification, ...] = ()
    health_check_grace_period: int | None = None
    health_check_type: Literal["EC2", "ELB", "EBS", "VPC_LATTICE"] | None = None
    tags: tuple[_Tag, ...] = ()
    vpc_zone_identifier: tuple[str, ...] = Field(default=(), alias="VPCZoneIdentifier")
    capacity_rebalance: bool = False
    max_instance_lifetime: int | None = None

    @field_validator("min_size", "max_size", "desired_capacity", "default_cooldown", mode="before")
    @classmethod
    def _numeric_string(cls, value: Any) -> Any:
        # CloudFormation types these as String; the API as Integer. Both are accepted.
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return value


@dataclass(frozen=True)
class AutoScalingGroup:
    """An Auto Scaling group as the simulator uses it."""

    name: str
    """``AutoScalingGroupName``."""
    min_size: int
    """Fewest instances."""
    max_size: int
    """Most instances (ECS managed scaling needs it above 0, §7.2)."""
    desired_capacity: int | None
    """Instances wanted; None: MinSize at creation, unchanged on update."""
    availability_zones: tuple[str, ...]
    """Zones launches are balanced over."""
    launch_template_name: str
    """The launch template instances are launched from."""
    default_cooldown: int
    """Seconds between simple-scaling activities (300)."""
    termination_policies: tuple[str, ...]
    """Which instances go first on scale-in (``Default`` when empty)."""
    new_instances_protected_from_scale_in: bool
    """New instances start protected from scale-in (managed termination protection needs it, §5.4)."""
    lifecycle_hooks: tuple[LifecycleHookSpecification, ...]
    """Launching and terminating hooks."""
    tags: tuple[tuple[str, str], ...] = ()
    """(key, value) pairs."""

    @property
    def arn_suffix(self) -> str:
        """``autoScalingGroupName/<name>``, the end of the group's ARN."""
        return f"autoScalingGroupName/{self.name}"


@dataclass(frozen=True)
class ParsedAutoScalingGroup:
    """A group that passed validation, plus the notes about it."""

    auto_scaling_group: AutoScalingGroup
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes, positioned at their keys."""


def auto_scaling_group_errors(data: _GroupInput) -> list[tuple[str, tuple[str | int, ...]]]:
    """What EC2 Auto Scaling refuses about a group: (message, path) pairs."""
    out: list[tuple[str, tuple[str | int, ...]]] = []
    if data.min_size > data.max_size:
        # observed: "Max bound, 3, must be greater than or equal to min bound, 5" (UpdateAutoScalingGroup)
        out.append((f"ValidationError: Max bound, {data.max_size}, must be greater than or equal to min bound, {data.min_size}", ("MaxSize",)))
    elif data.desired_capacity is not None and not data.min_size <= data.desired_capacity <= data.max_size:
        # observed: convox/praxis#258 and many CloudFormation outputs
        out.append(
            (
                f"ValidationError: Desired capacity:{data.desired_capacity} must be between the specified min size:"
                f"{data.min_size} and max size:{data.max_size}",
                ("DesiredCapacity",),
            )
        )
    for name in ("MinSize", "MaxSize"):
        if getattr(data, "min_size" if name == "MinSize" else "max_size") < 0:
            out.append((f"ValidationError: {name} must be greater than or equal to 0", (name,)))  # wording UNCONFIRMED
    if not data.availability_zones:
        out.append(("ValidationError: At least one Availability Zone or VPC Subnet is required.", ("AvailabilityZones",)))  # wording UNCONFIRMED
    for i, zone in enumerate(data.availability_zones):
        if not zone:
            # API:CreateAutoScalingGroup AvailabilityZones members: length 1-255; the generic
            # validation form as ELB words it (target_group._elb_range_message). Wording UNCONFIRMED.
            out.append(
                (
                    f"ValidationError: 1 validation error detected: Value '' at 'availabilityZones.{i + 1}.member' "
                    "failed to satisfy constraint: Member must have length greater than or equal to 1",
                    ("AvailabilityZones", i),
                )
            )
    for i, policy in enumerate(data.termination_policies):
        if policy not in TERMINATION_POLICIES:
            out.append((f"ValidationError: Termination policy '{policy}' is not valid; expected one of {', '.join(TERMINATION_POLICIES)}", ("TerminationPolicies", i)))  # wording UNCONFIRMED
    seen: set[str] = set()
    for i, hook in enumerate(data.lifecycle_hook_specification_list):
        at = ("LifecycleHookSpecificationList", i)
        if not 30 <= hook.heartbeat_timeout <= 7200:
            out.append(("ValidationError: Heartbeat timeout must be between 30 and 7200 seconds", (*at, "HeartbeatTimeout")))  # §5.3 range; wording UNCONFIRMED
        if hook.lifecycle_hook_name in seen:
            out.append((f"ValidationError: Lifecycle hook name '{hook.lifecycle_hook_name}' is used twice", (*at, "LifecycleHookName")))  # wording UNCONFIRMED
        seen.add(hook.lifecycle_hook_name)
    return out


def parse_auto_scaling_group(doc: Document, path: Path_ = ()) -> ParsedAutoScalingGroup:
    """Load ``AWS::AutoScaling::AutoScalingGroup`` properties from ``doc``.

    Args:
        doc: the loaded YAML/JSON document.
        path: where the properties sit in ``doc``.

    Raises:
        SourceErrors: every problem found, each positioned in the file.
    """
    data, parsed = validate_mapping(doc, path, _GroupInput, "AWS::AutoScaling::AutoScalingGroup properties")
    errors = [positioned(doc, (*path, *rel), message) for message, rel in auto_scaling_group_errors(parsed)]
    if errors:
        raise SourceErrors(sorted(errors, key=lambda d: (d.line, d.col)))
    notes = not_simulated_notes(doc, path, data, _NOT_SIMULATED)
    group = AutoScalingGroup(
        name=parsed.auto_scaling_group_name,
        min_size=parsed.min_size,
        max_size=parsed.max_size,
        desired_capacity=parsed.desired_capacity,
        availability_zones=parsed.availability_zones,
        launch_template_name=parsed.launch_template.launch_template_name,
        default_cooldown=parsed.default_cooldown,
        termination_policies=parsed.termination_policies,
        new_instances_protected_from_scale_in=parsed.new_instances_protected_from_scale_in,
        lifecycle_hooks=parsed.lifecycle_hook_specification_list,
        tags=tuple((t.key, t.value) for t in parsed.tags),
    )
    return ParsedAutoScalingGroup(group, notes)


# --------------------------------------------------------------------------------------------
# EC2 Auto Scaling scaling policies (PutScalingPolicy)


class _Dimension(_Model):
    name: str
    """Dimension name (``ClusterName``)."""
    value: str
    """Dimension value."""


class CustomizedMetricSpecification(_Model):
    """The metric a target-tracking policy tracks: any CloudWatch metric (cluster reservation, say)."""

    metric_name: str
    """``CPUReservation``, ``MemoryReservation``..."""
    namespace: str
    """``AWS/ECS``..."""
    dimensions: tuple[_Dimension, ...] = ()
    """The metric's dimensions."""
    statistic: Literal["Average", "Minimum", "Maximum", "SampleCount", "Sum"] = "Average"
    """The statistic tracked."""
    unit: str | None = None
    """Not simulated."""


class TargetTrackingConfiguration(_Model):
    """A target-tracking policy of a group: keep a metric at a value."""

    target_value: float
    """The value kept."""
    customized_metric_specification: CustomizedMetricSpecification | None = None
    """The metric (the lab has no per-instance CPU metric, so predefined ones are not simulated)."""
    predefined_metric_specification: dict[str, Any] | None = None
    """Not simulated (refused: the lab has no EC2 instance metrics)."""
    disable_scale_in: bool = False
    """Never scale in."""


class AsgScalingPolicy(_Model):
    """An EC2 Auto Scaling scaling policy (PutScalingPolicy), invoked by alarms or tracking a metric."""

    auto_scaling_group_name: str
    """The group it scales."""
    policy_name: str
    """Unique per group; alarms name it in ``AlarmActions``."""
    policy_type: Literal["SimpleScaling", "StepScaling", "TargetTrackingScaling"] = "SimpleScaling"  # API default
    """How it scales."""
    adjustment_type: Literal["ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"] | None = None
    """How adjustments are read (simple and step scaling)."""
    scaling_adjustment: int | None = None
    """Simple scaling's adjustment."""
    cooldown: int | None = None
    """Simple scaling: seconds after an activity before the next (default: the group's DefaultCooldown)."""
    step_adjustments: tuple[Any, ...] = ()
    """Step scaling's steps (``StepAdjustment``: bounds relative to the alarm threshold)."""
    metric_aggregation_type: Literal["Average", "Minimum", "Maximum"] = "Average"
    """Step scaling: how datapoints are aggregated."""
    min_adjustment_magnitude: int | None = None
    """For ``PercentChangeInCapacity``: change at least this many instances."""
    estimated_instance_warmup: int | None = None
    """Not simulated."""
    target_tracking_configuration: TargetTrackingConfiguration | None = None
    """The target-tracking settings."""
    enabled: bool = True
    """A disabled policy does nothing."""

    @field_validator("step_adjustments", mode="before")
    @classmethod
    def _steps(cls, value: Any) -> Any:
        from lab.config.autoscaling import StepAdjustment

        if isinstance(value, list):
            return tuple(StepAdjustment.model_validate(v) if isinstance(v, dict) else v for v in value)
        return value


@dataclass(frozen=True)
class ParsedAsgScalingPolicy:
    """A group scaling policy that passed validation."""

    asg_scaling_policy: AsgScalingPolicy
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """Notes."""


def parse_asg_scaling_policy(doc: Document, path: Path_ = ()) -> ParsedAsgScalingPolicy:
    """Load an EC2 Auto Scaling PutScalingPolicy input from ``doc``.

    Raises:
        SourceErrors: every problem, positioned.
    """
    _, policy = validate_mapping(doc, path, AsgScalingPolicy, "PutScalingPolicy parameters")
    errors = []

    def refuse(rel: Path_, message: str) -> None:
        errors.append(positioned(doc, (*path, *rel), message))

    if policy.policy_type == "SimpleScaling" and (policy.scaling_adjustment is None or policy.adjustment_type is None):
        refuse(("PolicyType",), "ValidationError: ScalingAdjustment and AdjustmentType are required for a SimpleScaling policy.")  # wording UNCONFIRMED
    if policy.policy_type == "StepScaling" and (not policy.step_adjustments or policy.adjustment_type is None):
        refuse(("PolicyType",), "ValidationError: StepAdjustments and AdjustmentType are required for a StepScaling policy.")  # wording UNCONFIRMED
    if policy.policy_type == "TargetTrackingScaling":
        tt = policy.target_tracking_configuration
        if tt is None:
            refuse(("PolicyType",), "ValidationError: TargetTrackingConfiguration is required for a TargetTrackingScaling policy.")  # wording UNCONFIRMED
        elif tt.predefined_metric_specification is not None or tt.customized_metric_specification is None:
            refuse(
                ("TargetTrackingConfiguration",),
                "the lab simulates group target tracking on a CustomizedMetricSpecification (such as AWS/ECS CPUReservation) only",
            )
    if errors:
        raise SourceErrors(errors)
    return ParsedAsgScalingPolicy(policy)


# -- editor schema (lab schema) ------------------------------------------------------------


def auto_scaling_group_json_schema() -> dict[str, Any]:
    """The JSON Schema of an auto-scaling-group file: CloudFormation properties, sizes also as digit strings."""
    from lab.config.json_schema import digits_too, model_schema

    schema = model_schema(_GroupInput)
    properties = schema["properties"]
    for name in ("MinSize", "MaxSize", "DesiredCapacity", "DefaultCooldown"):
        node = properties[name]
        if "anyOf" in node:  # DesiredCapacity: integer or null
            node["anyOf"] = [digits_too(o) if o.get("type") == "integer" else o for o in node["anyOf"]]
        else:
            properties[name] = digits_too(node)
    schema["description"] = "The CloudFormation properties of AWS::AutoScaling::AutoScalingGroup."
    return schema


def asg_scaling_policy_json_schema() -> dict[str, Any]:
    """The JSON Schema of an asg-scaling-policy file: EC2 Auto Scaling PutScalingPolicy input."""
    from lab.config.json_schema import model_schema
    from lab.config.autoscaling import StepAdjustment

    schema = model_schema(AsgScalingPolicy)
    step = model_schema(StepAdjustment)
    schema.setdefault("$defs", {}).update(step.pop("$defs", {}))
    schema["$defs"]["StepAdjustment"] = step
    schema["properties"]["StepAdjustments"]["items"] = {"$ref": "#/$defs/StepAdjustment"}
    # What each policy type needs (the loader refuses the policy without them).
    simple = {"properties": {"PolicyType": {"const": "SimpleScaling"}}}
    schema["allOf"] = [
        {"if": {"anyOf": [{"not": {"required": ["PolicyType"]}}, simple]}, "then": {"required": ["AdjustmentType", "ScalingAdjustment"]}},
        {
            "if": {"properties": {"PolicyType": {"const": "StepScaling"}}, "required": ["PolicyType"]},
            "then": {"required": ["AdjustmentType", "StepAdjustments"], "properties": {"StepAdjustments": {"minItems": 1}}},
        },
        {
            "if": {"properties": {"PolicyType": {"const": "TargetTrackingScaling"}}, "required": ["PolicyType"]},
            "then": {"required": ["TargetTrackingConfiguration"]},
        },
    ]
    return schema
