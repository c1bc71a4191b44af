"""Blue/green, linear and canary settings of a service (docs/ecs-facts.md §4.9): the model and
what CreateService refuses, each at its position."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.config.service import parse_service, service_errors
from lab.config.target_group import TargetGroup
from lab.config.task_definition import parse_task_definition
from lab.errors import SourceErrors
from tests.config.support import at, doc, failures, position

ADVANCED = """\
    advancedConfiguration:
      alternateTargetGroupArn: green
      productionListenerRule: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/1/2/3
      roleArn: arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers
"""


def service(deployment: str, advanced: str = ADVANCED) -> str:
    return (
        "serviceName: web\ntaskDefinition: web\ndesiredCount: 2\nlaunchType: EC2\n"
        f"deploymentConfiguration:\n{deployment}"
        "loadBalancers:\n  - targetGroupArn: blue\n    containerName: web\n    containerPort: 80\n" + advanced
    )


def messages(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Every refusal of ``text`` with its position (none: the file loads)."""
    try:
        parse_service(doc(text))
    except SourceErrors:
        return [(f.message, position(f)) for f in failures(parse_service, text)]
    return []


def test_canary_settings_are_modelled_with_api_defaults() -> None:
    svc = parse_service(doc(service("  strategy: CANARY\n  canaryConfiguration: {}\n"))).service
    dc = svc.deployment_configuration
    assert dc.strategy == "CANARY"
    assert dc.canary_configuration is not None
    assert (dc.canary_configuration.canary_percent, dc.canary_configuration.canary_bake_time_in_minutes) == (5.0, 10)
    adv = svc.load_balancers[0].advanced_configuration
    assert adv is not None and adv.alternate_target_group_arn == "green"


def test_linear_defaults() -> None:
    dc = parse_service(doc(service("  strategy: LINEAR\n  linearConfiguration: {}\n"))).service.deployment_configuration
    assert dc.linear_configuration is not None
    assert (dc.linear_configuration.step_percent, dc.linear_configuration.step_bake_time_in_minutes) == (10.0, 6)


def test_rolling_is_the_default_strategy() -> None:
    text = "serviceName: web\ntaskDefinition: web\ndesiredCount: 2\n"
    assert parse_service(doc(text)).service.deployment_configuration.strategy == "ROLLING"


def test_blue_green_without_advanced_configuration_is_refused_at_the_load_balancer() -> None:
    text = service("  strategy: BLUE_GREEN\n  bakeTimeInMinutes: 5\n", advanced="")
    [(message, where)] = messages(text)
    assert "requires an advancedConfiguration" in message
    assert where == at(text, "targetGroupArn: blue")


def test_blue_green_needs_a_bake_time() -> None:
    text = service("  strategy: BLUE_GREEN\n")
    [(message, where)] = messages(text)
    assert message.endswith("bakeTimeInMinutes is required for the BLUE_GREEN deployment strategy.")
    assert where == at(text, "BLUE_GREEN")


def test_alternate_equal_to_primary_is_refused_at_the_alternate() -> None:
    text = service("  strategy: CANARY\n", advanced=ADVANCED.replace("alternateTargetGroupArn: green", "alternateTargetGroupArn: blue"))
    [(message, where)] = messages(text)
    assert "alternate target group must be different" in message
    assert where == at(text, "blue\n      productionListenerRule")


def test_canary_configuration_with_another_strategy_is_refused() -> None:
    text = service("  strategy: LINEAR\n  canaryConfiguration: {canaryPercent: 10}\n")
    [(message, _where)] = messages(text)
    assert "canaryConfiguration is only valid with the CANARY deployment strategy, not LINEAR." in message


def test_missing_production_rule_and_role_are_refused() -> None:
    text = service("  strategy: CANARY\n", advanced="    advancedConfiguration: {alternateTargetGroupArn: green}\n")
    found = [m for m, _ in messages(text)]
    assert any("productionListenerRule is required" in m for m in found)
    assert any("roleArn is required" in m for m in found)


@given(st.floats(min_value=0.0, max_value=150.0).map(lambda x: round(x, 2)))
def test_canary_percent_range(percent: float) -> None:
    """0.1–100.0 in multiples of 0.1 (API: CanaryConfiguration.canaryPercent)."""
    text = service(f"  strategy: CANARY\n  canaryConfiguration: {{canaryPercent: {percent}}}\n")
    ok = 0.1 <= percent <= 100.0 and abs(percent * 10 - round(percent * 10)) < 1e-6
    assert (messages(text) == []) == ok


@pytest.mark.parametrize(("step", "ok"), [(3.0, True), (2.9, False), (33.3, True), (100.0, True), (100.1, False)])
def test_linear_step_percent_range(step: float, ok: bool) -> None:
    text = service(f"  strategy: LINEAR\n  linearConfiguration: {{stepPercent: {step}}}\n")
    assert (messages(text) == []) == ok


def test_an_unknown_alternate_target_group_is_refused_across_files() -> None:
    svc = parse_service(doc(service("  strategy: CANARY\n"))).service
    td = parse_task_definition(
        doc("family: web\ncontainerDefinitions:\n  - {name: web, image: nginx, memory: 128, portMappings: [{containerPort: 80}]}\n")
    ).task_definition
    errors = service_errors(svc, td, {"blue": TargetGroup.with_defaults("blue")})
    assert [e.path for e in errors] == [("loadBalancers", 0, "advancedConfiguration", "alternateTargetGroupArn")]
    assert errors[0].message.startswith("Unable to assume role and validate the specified targetGroupArn.")
