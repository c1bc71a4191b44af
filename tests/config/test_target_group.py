"""Tests for lab.config.target_group: parsing, ALB/NLB defaults, ELB's refusals and matching."""

from __future__ import annotations

import dataclasses

import pytest

from lab.config.target_group import (
    TargetGroup,
    find_target_group,
    parse_target_group,
    target_group_arn,
    target_group_defaults,
)
from tests.config.support import at, doc, failures, only, position

ALB = """\
Name: web
Protocol: HTTP
Port: 80
TargetType: instance
HealthCheckPath: /health
"""

NLB = """\
Name: tcp-api
Protocol: TCP
Port: 7000
TargetType: ip
"""


def load(text: str) -> TargetGroup:
    """Parse ``text`` and return the target group."""
    return parse_target_group(doc(text, "tg.yaml")).target_group


def message_of(text: str) -> str:
    """Return the message of the single problem in ``text``."""
    return only(parse_target_group, text).message


# --- defaults ---------------------------------------------------------------------------------


def test_alb_defaults_are_resolved() -> None:
    """An HTTP target group gets the ALB defaults of reference §6.1."""
    tg = load(ALB)
    assert dataclasses.asdict(tg) == {
        "name": "web",
        "protocol": "HTTP",
        "port": 80,
        "target_type": "instance",
        "health_check_protocol": "HTTP",
        "health_check_port": "traffic-port",
        "health_check_path": "/health",
        "health_check_interval_s": 30,
        "health_check_timeout_s": 5,
        "healthy_threshold": 5,
        "unhealthy_threshold": 2,
        "matcher": "200",
        "deregistration_delay_s": 300,
        "slow_start_s": 0,
        "algorithm": "round_robin",
    }
    assert not tg.is_network


def test_nlb_defaults_are_resolved() -> None:
    """A TCP target group gets the NLB defaults: TCP checks, 10 s timeout, matcher 200-399."""
    tg = load(NLB)
    assert tg.is_network and tg.target_type == "ip"
    assert (tg.health_check_protocol, tg.health_check_timeout_s, tg.matcher) == ("TCP", 10, "200-399")
    assert (tg.health_check_interval_s, tg.healthy_threshold, tg.unhealthy_threshold) == (30, 5, 2)
    assert tg.deregistration_delay_s == 300


@pytest.mark.parametrize(("protocol", "timeout"), [("HTTP", 6), ("HTTPS", 10), ("TCP", 10)])
def test_nlb_timeout_default_depends_on_health_check_protocol(protocol: str, timeout: int) -> None:
    """NLB HTTP checks time out after 6 s, TCP and HTTPS checks after 10 s (§6.1)."""
    assert load(NLB + f"HealthCheckProtocol: {protocol}\n").health_check_timeout_s == timeout


@pytest.mark.parametrize("protocol", ["TCP", "TLS", "UDP", "TCP_UDP"])
def test_network_protocols_make_nlb_target_groups(protocol: str) -> None:
    """TCP, TLS, UDP and TCP_UDP target groups belong to Network Load Balancers."""
    assert load(NLB.replace("Protocol: TCP", f"Protocol: {protocol}")).is_network


def test_with_defaults_matches_a_parsed_file() -> None:
    """``TargetGroup.with_defaults`` builds what a file with the same values loads as."""
    assert TargetGroup.with_defaults("web", health_check_path="/health") == load(ALB)
    assert TargetGroup.with_defaults("tcp-api", "TCP", 7000, target_type="ip") == load(NLB)
    assert target_group_defaults("HTTPS")["health_check_protocol"] == "HTTP"


def test_written_settings_override_defaults() -> None:
    """Health-check settings and modelled attributes replace the defaults."""
    tg = load(
        ALB
        + "HealthCheckIntervalSeconds: 10\nHealthCheckTimeoutSeconds: 3\nHealthyThresholdCount: 2\n"
        + "UnhealthyThresholdCount: 3\nHealthCheckPort: 8081\nMatcher: {HttpCode: '200-299'}\n"
        + "TargetGroupAttributes:\n  - {Key: deregistration_delay.timeout_seconds, Value: '30'}\n"
        + "  - {Key: slow_start.duration_seconds, Value: 60}\n"
        + "  - {Key: load_balancing.algorithm.type, Value: weighted_random}\n"
    )
    assert (tg.health_check_interval_s, tg.health_check_timeout_s) == (10, 3)
    assert (tg.healthy_threshold, tg.unhealthy_threshold) == (2, 3)
    assert (tg.health_check_port, tg.matcher, tg.deregistration_delay_s) == ("8081", "200-299", 30)
    assert (tg.slow_start_s, tg.algorithm) == (60, "weighted_random")


def test_model_is_frozen() -> None:
    """A parsed target group cannot be changed in place."""
    tg = load(ALB)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tg.port = 8080  # type: ignore[misc]


# --- matcher ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("matcher", "passing", "failing"),
    [
        ("200", [200], [199, 201, 302]),
        ("200-299", [200, 250, 299], [199, 300, 404]),
        ("200,302", [200, 302], [201, 301, 303]),
    ],
)
def test_matcher_decides_which_codes_pass(matcher: str, passing: list[int], failing: list[int]) -> None:
    """A single code, a range and a list each pass exactly their codes."""
    tg = TargetGroup.with_defaults("web", matcher=matcher)
    assert all(tg.matches(code) for code in passing)
    assert not any(tg.matches(code) for code in failing)


def test_integer_http_code_is_accepted() -> None:
    """``HttpCode: 200`` written as a YAML integer loads as the string ELB stores."""
    assert load(ALB + "Matcher: {HttpCode: 302}\n").matcher == "302"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [("'2xx'", "HttpCode must be like"), ("'100-200'", "must be within 200-499"), ("''", "cannot be empty")],
)
def test_bad_matchers_are_refused(code: str, fragment: str) -> None:
    """Malformed, out-of-range and empty HTTP codes are refused at the value."""
    text = ALB + f"Matcher: {{HttpCode: {code}}}\n"
    found = only(parse_target_group, text)
    assert fragment in found.message and position(found) == at(text, code)


def test_nlb_http_checks_accept_5xx_matchers() -> None:
    """NLB HTTP health checks may match codes up to 599."""
    assert load(NLB + "HealthCheckProtocol: HTTP\nMatcher: {HttpCode: '200-599'}\n").matches(503)


def test_tcp_health_checks_take_no_matcher_or_path() -> None:
    """A TCP health check with a matcher or path gets ELB's InvalidConfigurationRequest texts."""
    messages = [d.message for d in failures(parse_target_group, NLB + "HealthCheckPath: /\nMatcher: {HttpCode: '200'}\n")]
    assert messages == [
        "InvalidConfigurationRequest: Health check paths are not supported for TCP health checks",
        "InvalidConfigurationRequest: Health check matchers are not supported for TCP health checks",
    ]


# --- shape errors -----------------------------------------------------------------------------


def test_misspelt_property_gets_a_suggestion_at_the_key() -> None:
    """``HealthCheckIntervalSecond`` is reported at the key with did-you-mean."""
    text = ALB + "HealthCheckIntervalSecond: 10\n"
    found = only(parse_target_group, text)
    assert found.message == (
        "unknown key 'HealthCheckIntervalSecond' at the top level; did you mean 'HealthCheckIntervalSeconds'?"
    )
    assert position(found) == (6, 1)


def test_misspelt_attribute_key_gets_a_suggestion() -> None:
    """An unknown attribute key gets ELB's text plus the closest known key, at the key."""
    text = ALB + "TargetGroupAttributes:\n  - Key: deregistration_delay.timeout_second\n    Value: '30'\n"
    found = only(parse_target_group, text)
    assert found.message == (
        "ValidationError: Target group attribute key 'deregistration_delay.timeout_second' is not recognized; "
        "did you mean 'deregistration_delay.timeout_seconds'?"
    )
    assert position(found) == (7, 10)


def test_attribute_of_the_other_load_balancer_type_is_refused() -> None:
    """An NLB-only attribute on an ALB target group says which target groups it applies to."""
    text = ALB + "TargetGroupAttributes: [{Key: proxy_protocol_v2.enabled, Value: 'true'}]\n"
    assert message_of(text).endswith("is not recognized; it applies to Network Load Balancer target groups")


def test_unmodelled_attributes_are_notes() -> None:
    """Known attributes the lab ignores load with a note at their key."""
    text = NLB + (
        "TargetGroupAttributes:\n  - {Key: preserve_client_ip.enabled, Value: false}\n"
        "  - {Key: stickiness.type, Value: source_ip}\n"
    )
    notes = parse_target_group(doc(text)).notes
    assert [n.message for n in notes] == [
        "target group attribute 'preserve_client_ip.enabled' is accepted but not simulated",
        "target group attribute 'stickiness.type' is accepted but not simulated",
    ]


@pytest.mark.parametrize(
    ("attribute", "fragment"),
    [
        ("{Key: deregistration_delay.timeout_seconds, Value: '3601'}", "must be between '0-3600' inclusive"),
        ("{Key: slow_start.duration_seconds, Value: '10'}", "must be 0 or between '30-900' inclusive"),
        ("{Key: load_balancing.algorithm.type, Value: round_robbin}", "did you mean 'round_robin'?"),
        ("{Key: stickiness.type, Value: source_ip}", "expected one of lb_cookie, app_cookie"),
    ],
)
def test_attribute_values_are_checked(attribute: str, fragment: str) -> None:
    """Attribute values must fit the attribute."""
    assert fragment in message_of(ALB + f"TargetGroupAttributes: [{attribute}]\n")


def test_duplicate_attribute_keys_are_refused() -> None:
    """An attribute may be set once."""
    text = ALB + (
        "TargetGroupAttributes:\n  - {Key: stickiness.enabled, Value: 'true'}\n"
        "  - {Key: stickiness.enabled, Value: 'false'}\n"
    )
    assert message_of(text) == "duplicate target group attribute key 'stickiness.enabled'"


def test_slow_start_and_least_outstanding_requests_do_not_mix() -> None:
    """Slow start cannot be combined with least outstanding requests (§6.1)."""
    text = ALB + (
        "TargetGroupAttributes:\n  - {Key: slow_start.duration_seconds, Value: '60'}\n"
        "  - {Key: load_balancing.algorithm.type, Value: least_outstanding_requests}\n"
    )
    assert "Slow start mode cannot be enabled" in message_of(text)


def test_not_simulated_properties_are_notes() -> None:
    """VpcId, Tags and ProtocolVersion are accepted with notes."""
    text = ALB + "VpcId: vpc-0abc\nProtocolVersion: HTTP1\nTags: [{Key: team, Value: web}]\n"
    assert [n.message for n in parse_target_group(doc(text)).notes] == [
        "'VpcId' is accepted but not simulated",
        "'ProtocolVersion' is accepted but not simulated",
        "'Tags' is accepted but not simulated",
    ]


# --- ELB rules --------------------------------------------------------------------------------


def test_timeout_must_be_below_interval_for_http_checks() -> None:
    """ALB health checks need an interval greater than the timeout, reported at the timeout."""
    text = ALB + "HealthCheckIntervalSeconds: 5\nHealthCheckTimeoutSeconds: 5\n"
    found = only(parse_target_group, text)
    assert found.message == "ValidationError: Health check interval must be greater than the timeout."
    assert position(found) == (7, 28)


def test_default_timeout_against_short_interval_is_reported_at_the_interval() -> None:
    """Interval 5 with the default 5 s timeout is refused where the learner wrote the interval."""
    text = ALB + "HealthCheckIntervalSeconds: 5\n"
    assert position(only(parse_target_group, text)) == at(text, "5\n")


def test_tcp_checks_allow_timeout_equal_to_interval() -> None:
    """NLB TCP checks may time out after the whole interval, but not longer."""
    assert load(NLB + "HealthCheckIntervalSeconds: 10\nHealthCheckTimeoutSeconds: 10\n").health_check_timeout_s == 10
    text = NLB + "HealthCheckIntervalSeconds: 10\nHealthCheckTimeoutSeconds: 20\n"
    assert message_of(text) == (
        "ValidationError: Health check timeout '20' must be smaller than or equal to the interval '10'"
    )


@pytest.mark.parametrize(
    ("setting", "member", "constraint"),
    [
        ("HealthCheckIntervalSeconds: 600", "healthCheckIntervalSeconds", "less than or equal to 300"),
        ("HealthCheckTimeoutSeconds: 1", "healthCheckTimeoutSeconds", "greater than or equal to 2"),
        ("HealthyThresholdCount: 11", "healthyThresholdCount", "less than or equal to 10"),
        ("UnhealthyThresholdCount: 1", "unhealthyThresholdCount", "greater than or equal to 2"),
    ],
)
def test_ranges_use_elb_validation_text(setting: str, member: str, constraint: str) -> None:
    """Out-of-range health-check numbers get ELB's generic validation message."""
    value = setting.split(": ")[1]
    assert message_of(ALB + setting + "\n") == (
        f"ValidationError: 1 validation error detected: Value '{value}' at '{member}' "
        f"failed to satisfy constraint: Member must have value {constraint}"
    )


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("a" * 33, "cannot be longer than '32' characters"),
        ("web_tg", "can only contain characters that are alphanumeric characters or hyphens(-)"),
        ("-web", "cannot begin or end with '-'"),
    ],
)
def test_names_follow_elb_rules(name: str, fragment: str) -> None:
    """Names are 1–32 letters, digits and hyphens, not at either end."""
    text = ALB.replace("Name: web", f"Name: {name}")
    found = only(parse_target_group, text)
    assert fragment in found.message and position(found) == (1, 7)


def test_name_is_required_by_the_lab() -> None:
    """Services and load balancers refer to target groups by name, so the lab needs one."""
    assert message_of(ALB.replace("Name: web\n", "")).startswith("missing required key 'Name' at the top level")


def test_protocol_and_port_are_required() -> None:
    """instance and ip target groups need a protocol and a port."""
    messages = [d.message for d in failures(parse_target_group, "Name: web\nTargetType: ip\n")]
    assert messages == ["ValidationError: A protocol must be specified", "ValidationError: A port must be specified"]


def test_lambda_targets_are_not_supported() -> None:
    """The lab refuses lambda target groups, at the value."""
    text = ALB.replace("TargetType: instance", "TargetType: lambda")
    found = only(parse_target_group, text)
    assert "'lambda' is not supported by the lab" in found.message and position(found) == at(text, "lambda")


def test_geneve_is_not_simulated() -> None:
    """Gateway Load Balancer target groups are refused."""
    assert "not simulated" in message_of(NLB.replace("Protocol: TCP", "Protocol: GENEVE"))


def test_protocol_is_case_sensitive() -> None:
    """ELB enums are case-sensitive; a lower-case protocol gets a suggestion."""
    assert message_of(ALB.replace("Protocol: HTTP", "Protocol: http")).endswith("did you mean 'HTTP'?")


def test_health_checks_cannot_be_disabled_for_instance_targets() -> None:
    """HealthCheckEnabled false is refused for instance and ip targets."""
    assert "Health checks cannot be disabled" in message_of(ALB + "HealthCheckEnabled: false\n")


def test_alb_refuses_tcp_health_checks() -> None:
    """An HTTP target group checks over HTTP or HTTPS only."""
    assert "Health check protocol 'TCP' is not supported" in message_of(ALB + "HealthCheckProtocol: TCP\n")


def test_health_check_port_is_traffic_port_or_a_port() -> None:
    """HealthCheckPort takes 'traffic-port' or 1–65535."""
    assert "expected 'traffic-port' or a port" in message_of(ALB + "HealthCheckPort: 70000\n")


def test_every_problem_is_reported_in_one_pass() -> None:
    """Several problems come back together, in file order."""
    text = "Name: web_1\nProtocol: HTTP\nPort: 0\nHealthyThresholdCount: 1\n"
    assert [position(d) for d in failures(parse_target_group, text)] == [(1, 7), (3, 7), (4, 24)]


# --- ARNs and lookup --------------------------------------------------------------------------


def test_arn_is_deterministic_and_shaped_like_elb() -> None:
    """The ARN's id is 16 hex digits derived from the name; the same name gives the same ARN."""
    arn = target_group_arn("web", "eu-west-1", "111122223333")
    prefix, _, suffix = arn.rpartition("/")
    assert prefix == "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web"
    assert len(suffix) == 16 and int(suffix, 16) >= 0
    assert arn == target_group_arn("web", "eu-west-1", "111122223333")
    assert arn != target_group_arn("api", "eu-west-1", "111122223333")
    assert load(ALB).arn("eu-west-1", "111122223333") == arn


def test_find_target_group_by_name_or_arn() -> None:
    """A service's targetGroupArn may be the name or an ARN naming it; anything else finds nothing."""
    groups = {"web": TargetGroup.with_defaults("web")}
    assert find_target_group("web", groups) is groups["web"]
    assert find_target_group(target_group_arn("web", "us-east-1", "123456789012"), groups) is groups["web"]
    assert find_target_group("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/abc", groups) is None
    assert find_target_group("api", groups) is None
    assert find_target_group(None, groups) is None
