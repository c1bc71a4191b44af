"""Auto Scaling groups and capacity providers load strictly; refusals use AWS's wording and positions."""

from __future__ import annotations

from lab.config.auto_scaling_group import parse_auto_scaling_group
from lab.config.capacity_provider import capacity_provider_errors, parse_capacity_provider, parse_cluster_capacity_providers
from lab.errors import STRATEGY_MIXED
from tests.config.support import at, doc, failures, only, position

GROUP = """\
AutoScalingGroupName: ecs-asg
MinSize: "1"
MaxSize: "4"
DesiredCapacity: "2"
AvailabilityZones: [us-east-1a, us-east-1b]
LaunchTemplate: {LaunchTemplateName: ecs-node, Version: $Latest}
LifecycleHookSpecificationList:
  - {LifecycleHookName: drain, LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING"}
"""

PROVIDER = """\
name: web-capacity
autoScalingGroupProvider:
  autoScalingGroupArn: arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0a1b:autoScalingGroupName/ecs-asg
  managedScaling: {status: ENABLED, targetCapacity: 90}
  managedTerminationProtection: ENABLED
"""


def test_group_loads_with_cloudformation_strings_and_hook_defaults() -> None:
    """MinSize and friends are strings in CloudFormation; a hook waits 3600 s and ABANDONs by default (§5.3)."""
    group = parse_auto_scaling_group(doc(GROUP)).auto_scaling_group
    assert (group.min_size, group.max_size, group.desired_capacity) == (1, 4, 2)
    (hook,) = group.lifecycle_hooks
    assert (hook.heartbeat_timeout, hook.default_result) == (3600, "ABANDON")


def test_min_above_max_uses_the_observed_wording() -> None:
    text = GROUP.replace('MinSize: "1"', 'MinSize: "5"').replace('DesiredCapacity: "2"\n', "")
    found = only(parse_auto_scaling_group, text)
    assert found.message == "ValidationError: Max bound, 4, must be greater than or equal to min bound, 5"
    assert position(found) == at(text, '"4"')


def test_desired_outside_the_bounds_uses_the_observed_wording() -> None:
    text = GROUP.replace('DesiredCapacity: "2"', 'DesiredCapacity: "9"')
    assert only(parse_auto_scaling_group, text).message == (
        "ValidationError: Desired capacity:9 must be between the specified min size:1 and max size:4"
    )


def test_unknown_group_key_and_heartbeat_range() -> None:
    found = only(parse_auto_scaling_group, GROUP + "MaxSise: 3\n")
    assert "did you mean 'MaxSize'?" in found.message
    text = GROUP.replace('LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING"', 'LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING", HeartbeatTimeout: 10')
    assert "Heartbeat timeout must be between 30 and 7200" in only(parse_auto_scaling_group, text).message


def test_provider_defaults_are_the_references() -> None:
    """minimumScalingStepSize 1, maximumScalingStepSize 10000, instanceWarmupPeriod 300 (§7.2)."""
    provider = parse_capacity_provider(doc(PROVIDER)).capacity_provider
    scaling = provider.autoScalingGroupProvider.scaling
    assert (scaling.targetCapacity, scaling.minimumScalingStepSize, scaling.maximumScalingStepSize, scaling.instanceWarmupPeriod) == (90, 1, 10000, 300)
    assert provider.group_name == "ecs-asg"


def test_target_capacity_outside_1_to_100_is_refused_at_its_value() -> None:
    for value in ("0", "101"):
        text = PROVIDER.replace("targetCapacity: 90", f"targetCapacity: {value}")
        found = only(parse_capacity_provider, text)
        assert found.message == "ClientException: The specified target capacity is invalid."
        line, col = at(text, f"targetCapacity: {value}")
        assert position(found) == (line, col + len("targetCapacity: "))


def test_minimum_step_size_zero_is_the_observed_refusal() -> None:
    """aws/aws-cli#4781: "The specified minimum scaling step size is invalid."."""
    text = PROVIDER.replace("targetCapacity: 90", "targetCapacity: 90, minimumScalingStepSize: 0")
    assert only(parse_capacity_provider, text).message == "ClientException: The specified minimum scaling step size is invalid."


def test_termination_protection_needs_scale_in_protection_on_the_group() -> None:
    provider = parse_capacity_provider(doc(PROVIDER)).capacity_provider
    (error,) = capacity_provider_errors(provider, {"ecs-asg": False})
    assert "the Auto Scaling group must have instance protection from scale in enabled." in str(error)
    assert capacity_provider_errors(provider, {"ecs-asg": True}) == []
    assert "no Auto Scaling group is named ecs-asg" in str(capacity_provider_errors(provider, {})[0])


def test_cluster_default_strategy_must_name_an_associated_provider() -> None:
    text = "cluster: prod\ncapacityProviders: [FARGATE]\ndefaultCapacityProviderStrategy:\n  - {capacityProvider: FARGATE_SPOT, weight: 1}\n"
    found = failures(parse_cluster_capacity_providers, text)
    assert len(found) == 1 and "not associated with the cluster." in found[0].message and "(FARGATE_SPOT)" in found[0].message


def test_cluster_default_strategy_must_not_mix_fargate_and_groups() -> None:
    text = (
        "cluster: prod\ncapacityProviders: [FARGATE, web-capacity]\ndefaultCapacityProviderStrategy:\n"
        "  - {capacityProvider: FARGATE, weight: 1}\n  - {capacityProvider: web-capacity, weight: 1}\n"
    )
    found = failures(parse_cluster_capacity_providers, text)
    assert [d.message for d in found] == [f"InvalidParameterException: {STRATEGY_MIXED}"]
    assert (found[0].line, found[0].col) == (4, 3)  # the strategy list
    # A grader collects the refusal and applies the file as a failed call instead.
    parsed = parse_cluster_capacity_providers(doc(text), collect_refusals=True)
    assert [d.message for d in parsed.refusals] == [f"InvalidParameterException: {STRATEGY_MIXED}"]


def test_cluster_default_strategy_is_held_to_the_strategy_rules() -> None:
    """The default strategy is refused as a service's strategy is (API: CreateServiceRequest.
    capacityProviderStrategy, at most 20 providers; §4.7, one provider with a base), at its position."""
    names = [f"cp-{i}" for i in range(21)]
    items = "".join(f"  - {{capacityProvider: {name}, weight: 1}}\n" for name in names)
    too_many = f"cluster: prod\ncapacityProviders: [{', '.join(names)}]\ndefaultCapacityProviderStrategy:\n{items}"
    found = failures(parse_cluster_capacity_providers, too_many)
    assert [d.message for d in found] == ["InvalidParameterException: capacity provider strategy can have at most 20 items."]
    two_bases = (
        "cluster: prod\ncapacityProviders: [FARGATE, FARGATE_SPOT]\ndefaultCapacityProviderStrategy:\n"
        "  - {capacityProvider: FARGATE, weight: 1, base: 1}\n  - {capacityProvider: FARGATE_SPOT, weight: 1, base: 2}\n"
    )
    found = failures(parse_cluster_capacity_providers, two_bases)
    assert [d.message for d in found] == [
        "InvalidParameterException: Only one capacity provider in a capacity provider strategy can have a base defined."
    ]
    assert (found[0].line, found[0].col) == (5, 55)  # the second base
