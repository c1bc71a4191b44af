"""Scalable targets and scaling policies load strictly, and AWS's refusals are positioned."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.config.autoscaling import (
    ScalableTarget,
    ScalingPolicy,
    parse_scalable_target,
    parse_scaling_policy,
    policy_errors,
)
from tests.config.support import at, doc, failures, only, position

TARGET = """\
ServiceNamespace: ecs
ResourceId: service/prod/web
ScalableDimension: ecs:service:DesiredCount
MinCapacity: 2
MaxCapacity: 10
"""

POLICY = """\
PolicyName: cpu
ServiceNamespace: ecs
ResourceId: service/prod/web
ScalableDimension: ecs:service:DesiredCount
PolicyType: TargetTrackingScaling
TargetTrackingScalingPolicyConfiguration:
  TargetValue: 60
  PredefinedMetricSpecification:
    PredefinedMetricType: ECSServiceAverageCPUUtilization
"""


def test_target_loads_with_its_bounds() -> None:
    target = parse_scalable_target(doc(TARGET)).scalable_target
    assert (target.service, target.cluster, target.min_capacity, target.max_capacity) == ("web", "prod", 2, 10)


def test_policy_takes_the_reference_defaults() -> None:
    """ScaleOutCooldown and ScaleInCooldown default to 300 s for ECS services (§7.1)."""
    policy = parse_scaling_policy(doc(POLICY)).scaling_policy
    config = policy.target_tracking_scaling_policy_configuration
    assert config is not None
    assert (config.scale_out_cooldown, config.scale_in_cooldown, config.disable_scale_in) == (300, 300, False)


def test_min_above_max_is_refused_at_min_capacity() -> None:
    text = TARGET.replace("MinCapacity: 2", "MinCapacity: 12")
    found = only(parse_scalable_target, text)
    assert found.message == "ValidationException: Minimum capacity cannot be greater than maximum capacity."
    assert position(found) == at(text, "12")


def test_refusals_can_be_collected() -> None:
    text = TARGET.replace("MinCapacity: 2", "MinCapacity: 12")
    parsed = parse_scalable_target(doc(text), collect_refusals=True)
    assert [d.message for d in parsed.refusals] == ["ValidationException: Minimum capacity cannot be greater than maximum capacity."]


def test_misspelt_cooldown_gets_a_did_you_mean() -> None:
    text = POLICY + "  ScaleInColdown: 60\n"
    found = only(parse_scaling_policy, text)
    assert "did you mean 'ScaleInCooldown'?" in found.message
    assert position(found) == at(text, "ScaleInColdown")


def test_unsupported_metric_and_missing_resource_label() -> None:
    text = POLICY.replace("ECSServiceAverageCPUUtilization", "ALBRequestCountPerTarget")
    found = only(parse_scaling_policy, text)
    assert found.message.startswith("ValidationException: ResourceLabel is required for ALBRequestCountPerTarget")
    text = POLICY.replace("ECSServiceAverageCPUUtilization", "DynamoDBReadCapacityUtilization")
    assert only(parse_scaling_policy, text).message == (
        "ValidationException: Unsupported metric type DynamoDBReadCapacityUtilization for service namespace ecs."
    )


def test_bad_enum_and_bad_resource_id() -> None:
    found = failures(parse_scaling_policy, POLICY.replace("TargetTrackingScaling\n", "TargetTracking\n"))
    assert any("did you mean 'TargetTrackingScaling'?" in d.message for d in found)
    text = TARGET.replace("service/prod/web", "prod/web")
    assert only(parse_scalable_target, text).message.startswith("ValidationException: Unsupported resource ID prod/web")


def test_not_simulated_members_are_notes() -> None:
    parsed = parse_scalable_target(doc(TARGET + "SuspendedState: {DynamicScalingInSuspended: true}\n"))
    assert [n.message for n in parsed.notes] == ["'SuspendedState' is accepted but not simulated"]


def test_custom_metrics_are_not_simulated() -> None:
    text = POLICY.replace(
        "  PredefinedMetricSpecification:\n    PredefinedMetricType: ECSServiceAverageCPUUtilization\n",
        "  CustomizedMetricSpecification: {MetricName: Latency, Namespace: App, Statistic: Average}\n",
    )
    assert "PredefinedMetricSpecification only" in only(parse_scaling_policy, text).message


@pytest.mark.parametrize("kind", ["StepScaling"])
def test_step_policy_needs_its_configuration(kind: str) -> None:
    text = "PolicyName: s\nServiceNamespace: ecs\nResourceId: service/prod/web\nScalableDimension: ecs:service:DesiredCount\nPolicyType: StepScaling\n"
    assert only(parse_scaling_policy, text).message == (
        "ValidationException: StepScalingPolicyConfiguration is required for a StepScaling policy."
    )


def test_policy_without_a_scalable_target_is_object_not_found() -> None:
    """observed wording (ansible/ansible#35632)."""
    policy = ScalingPolicy.model_validate(parse_scaling_policy(doc(POLICY)).scaling_policy.model_dump())
    other = ScalableTarget(service_namespace="ecs", resource_id="service/prod/api", scalable_dimension="ecs:service:DesiredCount", min_capacity=1, max_capacity=2)
    (error,) = policy_errors(policy, [other])
    assert str(error) == (
        "ObjectNotFoundException: No scalable target registered for service namespace: ecs, resource ID: "
        "service/prod/web, scalable dimension: ecs:service:DesiredCount"
    )
    assert error.path == ("ResourceId",)


def test_capacities_past_the_ecs_task_quota_load_with_a_note_at_each() -> None:
    """Application Auto Scaling takes MinCapacity 100000; ECS will refuse that desired count (§11.1)."""
    text = TARGET.replace("MinCapacity: 2", "MinCapacity: 100000").replace("MaxCapacity: 10", "MaxCapacity: 200000")
    parsed = parse_scalable_target(doc(text))
    assert parsed.scalable_target.min_capacity == 100000
    quota_notes = [n for n in parsed.notes if "5,000 tasks" in n.message]
    assert [(position(n), n.severity) for n in quota_notes] == [(at(text, "100000"), "note"), (at(text, "200000"), "note")]
    assert "Desired count exceeds limit." in quota_notes[0].message
    assert not [n for n in parse_scalable_target(doc(TARGET.replace("MaxCapacity: 10", "MaxCapacity: 5000"))).notes if "5,000" in n.message]


STEP_POLICY = """\
PolicyName: step-out
ServiceNamespace: ecs
ResourceId: service/prod/web
ScalableDimension: ecs:service:DesiredCount
PolicyType: StepScaling
StepScalingPolicyConfiguration:
  AdjustmentType: ChangeInCapacity
  StepAdjustments:
"""


@pytest.mark.parametrize(
    "steps",
    [
        ["{MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 15, ScalingAdjustment: 1}", "{MetricIntervalLowerBound: 15, ScalingAdjustment: 3}"],
        ["{MetricIntervalLowerBound: 60, ScalingAdjustment: 4}"],  # accepted: a breach under 60 matches no step
        ["{MetricIntervalUpperBound: 0, ScalingAdjustment: -1}"],
        ["{MetricIntervalLowerBound: 15, ScalingAdjustment: 3}", "{MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 15, ScalingAdjustment: 1}"],
    ],
)
def test_step_ranges_that_follow_the_rules_load(steps: list[str]) -> None:
    """API:StepAdjustment: contiguous ranges, in any order, with an open end where one is needed."""
    text = STEP_POLICY + "".join(f"    - {s}\n" for s in steps)
    assert parse_scaling_policy(doc(text)).scaling_policy.step_scaling_policy_configuration is not None


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            ["{MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1}", "{MetricIntervalLowerBound: 20, ScalingAdjustment: 3}"],
            "ValidationException: The ranges of the StepAdjustments leave a gap between 10 and 20.",
        ),
        (
            ["{MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1}", "{MetricIntervalLowerBound: 10, ScalingAdjustment: 3}"],
            "ValidationException: The ranges of the StepAdjustments overlap.",
        ),
        (
            ["{MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1}"],
            "ValidationException: There must be a StepAdjustment with an unspecified upper bound (i.e., upper bound is null) "
            "when one StepAdjustment has a positive upper bound",
        ),
        (
            ["{MetricIntervalLowerBound: 0, ScalingAdjustment: 1}", "{MetricIntervalLowerBound: 10, ScalingAdjustment: 3}"],
            "ValidationException: At most one StepAdjustment may have an unspecified upper bound.",
        ),
        (
            ["{ScalingAdjustment: 1}"],
            "ValidationException: The upper and lower bound can't be null in the same StepAdjustment.",
        ),
    ],
)
def test_step_ranges_with_a_gap_or_an_overlap_are_refused(steps: list[str], expected: str) -> None:
    """API:StepAdjustment: "The ranges of your step adjustments can't overlap or have a gap", and the open-bound rules."""
    text = STEP_POLICY + "".join(f"    - {s}\n" for s in steps)
    assert only(parse_scaling_policy, text).message == expected


@given(
    cuts=st.lists(st.integers(min_value=1, max_value=200), min_size=0, max_size=6, unique=True),
    gap_at=st.integers(min_value=0, max_value=10),
)
def test_contiguous_steps_load_and_a_gap_between_two_is_refused(cuts: list[int], gap_at: int) -> None:
    """Steps from 0 through sorted breakpoints to an open end load, in any order; moving one step's
    lower bound up (a gap) is refused, as API:StepAdjustment requires."""
    bounds = [0, *sorted(cuts), None]
    steps = [(low, high) for low, high in zip(bounds, bounds[1:])]

    def text(ranges: list[tuple[float, float | None]]) -> str:
        lines = []
        for i, (low, high) in enumerate(reversed(ranges)):
            upper = "" if high is None else f", MetricIntervalUpperBound: {high}"
            lines.append(f"    - {{MetricIntervalLowerBound: {low}{upper}, ScalingAdjustment: {i + 1}}}\n")
        return STEP_POLICY + "".join(lines)

    assert parse_scaling_policy(doc(text(steps))).scaling_policy.step_scaling_policy_configuration is not None
    if len(steps) > 1:
        i = 1 + gap_at % (len(steps) - 1)
        low, high = steps[i]
        steps[i] = (low + 0.5, high)
        assert "leave a gap" in only(parse_scaling_policy, text(steps)).message
