"""Tests for lab.config.load_balancer: shape errors, ELB's refusals, rule matching and routing order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.config.load_balancer import load_balancer_errors, parse_load_balancer, pattern_matches
from lab.config.target_group import TargetGroup
from lab.errors import SourceErrors
from tests.config.support import doc

ALB = """\
Name: shop-alb
Subnets: [subnet-0laba, subnet-0labb]
Listeners:
  - Port: 80
    Protocol: HTTP
    DefaultActions:
      - Type: fixed-response
        FixedResponseConfig: {StatusCode: "404"}
    Rules:
      - Priority: 20
        Conditions:
          - {Field: path-pattern, PathPatternConfig: {Values: ["/*"]}}
        Actions:
          - {Type: forward, TargetGroupArn: web}
      - Priority: 10
        Conditions:
          - {Field: path-pattern, Values: ["/api/*"]}
          - {Field: host-header, HostHeaderConfig: {Values: ["*.example.com"]}}
        Actions:
          - Type: forward
            ForwardConfig:
              TargetGroups: [{TargetGroupArn: blue, Weight: 9}, {TargetGroupArn: green, Weight: 1}]
"""


def refusals(text: str) -> list[str]:
    return [d.message for d in parse_load_balancer(doc(text, "lb.yaml"), collect_refusals=True).refusals]


def errors(text: str) -> list[str]:
    with pytest.raises(SourceErrors) as caught:
        parse_load_balancer(doc(text, "lb.yaml"))
    return [d.message for d in caught.value.diagnostics]


def test_a_valid_alb_loads_with_its_defaults_and_rules_in_priority_order() -> None:
    lb = parse_load_balancer(doc(ALB, "lb.yaml")).load_balancer
    assert (lb.type, lb.scheme) == ("application", "internet-facing")
    listener = lb.listeners[0]
    assert [r.priority for r in listener.rules] == [10, 20]
    assert listener.rules[0].action.target_groups == (("blue", 9), ("green", 1))
    assert lb.target_group_refs == ("blue", "green", "web")


@pytest.mark.parametrize(
    ("path", "host", "expected"),
    [
        ("/api/cart", "shop.example.com", (10, ("blue", "green"))),
        ("/api/cart", None, (20, ("web",))),
        ("/", "shop.example.com", (20, ("web",))),
    ],
)
def test_the_first_matching_rule_by_priority_decides(path: str, host: str | None, expected: tuple[int, tuple[str, ...]]) -> None:
    listener = parse_load_balancer(doc(ALB, "lb.yaml")).load_balancer.listeners[0]
    priority, action = listener.route(path, host, {}, "GET")
    assert (priority, tuple(g for g, _ in action.target_groups)) == expected


def test_without_a_matching_rule_the_default_action_answers() -> None:
    text = ALB.replace('Values: ["/*"]', 'Values: ["/shop/*"]')
    listener = parse_load_balancer(doc(text, "lb.yaml")).load_balancer.listeners[0]
    priority, action = listener.route("/other", None, {}, "GET")
    assert (priority, action.type, action.status_code) == (None, "fixed-response", 404)


def test_a_used_priority_is_refused_in_elbs_words() -> None:
    assert "PriorityInUse: The specified priority is in use." in "".join(refusals(ALB.replace("Priority: 20", "Priority: 10")))


@pytest.mark.parametrize("priority", [0, 50001])
def test_priorities_outside_1_to_50000_are_refused(priority: int) -> None:
    assert any("at 'priority' failed to satisfy constraint" in m for m in refusals(ALB.replace("Priority: 20", f"Priority: {priority}")))


def test_more_than_five_condition_values_in_a_rule_are_refused() -> None:
    text = ALB.replace('Values: ["/api/*"]', 'Values: ["/a", "/b", "/c"]').replace('Values: ["*.example.com"]', 'Values: ["a.com", "b.com", "c.com"]')
    assert any("condition values" in m for m in refusals(text))


def test_a_tcp_listener_on_an_alb_and_rules_on_an_nlb_are_refused() -> None:
    assert any("Listener protocol 'TCP'" in m for m in refusals(ALB.replace("Protocol: HTTP", "Protocol: TCP")))
    nlb = ALB.replace("Name: shop-alb", "Name: shop-nlb\nType: network").replace("Protocol: HTTP", "Protocol: TCP")
    found = refusals(nlb)
    assert any("Application Load Balancer" in m for m in found)
    assert any("Action type 'fixed-response'" in m for m in found)


NLB = """\
Name: shop-nlb
Type: network
Subnets: [subnet-0laba]
Listeners:
  - Port: 443
    Protocol: TCP
    DefaultActions:
      - Type: forward
        ForwardConfig:
          TargetGroups: [{groups}]
"""


def _nlb(*weights: int) -> str:
    return NLB.format(groups=", ".join(f"{{TargetGroupArn: tg{i}, Weight: {w}}}" for i, w in enumerate(weights)))


def test_an_nlb_listener_forwards_to_weighted_target_groups() -> None:
    parsed = parse_load_balancer(doc(_nlb(9, 1, 0), "lb.yaml"), collect_refusals=True)
    assert parsed.refusals == []
    assert parsed.load_balancer.listeners[0].default_action.target_groups == (("tg0", 9), ("tg1", 1), ("tg2", 0))


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ((1, 1, 1, 1, 1, 1), "TooManyTargetGroups: A forward action of a Network Load Balancer can name at most 5 target groups"),
        ((1000, 1), "Value '1000' at 'weight' failed to satisfy constraint: Member must have value less than or equal to 999"),
        ((0, 0), "At least one target group of a forward action must have a weight above 0"),
    ],
)
def test_an_nlb_forward_action_is_refused_past_elbs_limits(weights: tuple[int, ...], expected: str) -> None:
    assert any(expected in m for m in refusals(_nlb(*weights)))


def test_an_alb_in_one_subnet_is_refused() -> None:
    assert any("At least two subnets" in m for m in refusals(ALB.replace("[subnet-0laba, subnet-0labb]", "[subnet-0laba]")))


def test_shape_errors_are_positioned_with_a_did_you_mean() -> None:
    found = errors(ALB.replace("Scheme", "Schema").replace("Subnets:", "Scheme: public\nSubnets:"))
    assert any("public" in m and "internet-facing" in m for m in found)


def test_target_groups_must_exist_and_fit_the_load_balancer_type() -> None:
    lb = parse_load_balancer(doc(ALB, "lb.yaml")).load_balancer
    groups = {"web": TargetGroup.with_defaults("web"), "blue": TargetGroup.with_defaults("blue", "TCP", 80)}
    messages = [str(e) for e in load_balancer_errors(lb, groups)]
    assert any("TargetGroupNotFound" in m and "green" in m for m in messages)
    assert any("'blue' uses protocol TCP" in m for m in messages)


def test_a_second_listener_on_a_port_is_refused_as_a_duplicate_listener() -> None:
    text = ALB + "  - {Port: 80, Protocol: HTTP, DefaultActions: [{Type: forward, TargetGroupArn: web}]}\n"
    assert refusals(text) == ["ClientException: DuplicateListener: A listener with the specified port already exists."]


@pytest.mark.parametrize("port", [0, 65536])
def test_listener_ports_outside_1_to_65535_are_refused(port: int) -> None:
    assert any("at 'port' failed to satisfy constraint" in m for m in refusals(ALB.replace("Port: 80", f"Port: {port}")))


@pytest.mark.parametrize("certificates", ["", "\n    Certificates: []", "\n    Certificates: [{CertificateArn: a}, {CertificateArn: b}]"])
def test_an_https_listener_needs_exactly_one_certificate(certificates: str) -> None:
    found = refusals(ALB.replace("Protocol: HTTP", f"Protocol: HTTPS{certificates}"))
    assert len(found) == 1
    code = "CertificateNotFound" if certificates.count("CertificateArn") < 2 else "ValidationError"
    assert found[0].startswith(f"ClientException: {code}: ")
    assert refusals(ALB.replace("Protocol: HTTP", "Protocol: HTTPS\n    Certificates: [{CertificateArn: a}]")) == []


def _nlb_listener(listener_protocol: str, group_protocol: str) -> list[str]:
    """What ELB refuses about a one-listener NLB forwarding to one target group of ``group_protocol``."""
    text = NLB.format(groups="{TargetGroupArn: tg0}").replace("Protocol: TCP", f"Protocol: {listener_protocol}")
    lb = parse_load_balancer(doc(text, "lb.yaml"), collect_refusals=True).load_balancer
    return [e.message for e in load_balancer_errors(lb, {"tg0": TargetGroup.with_defaults("tg0", group_protocol, 53)})]


def test_a_tcp_listener_forwarding_to_a_udp_target_group_is_refused_as_incompatible_protocols() -> None:
    found = _nlb_listener("TCP", "UDP")
    assert len(found) == 1
    assert found[0].startswith(
        "IncompatibleProtocols: The listener and its associated target group "
        "'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg0/"
    )
    assert "a TCP listener forwards to TCP or TCP_UDP target groups, not UDP" in found[0]


@pytest.mark.parametrize(("listener", "group"), [("TCP", "TCP_UDP"), ("TLS", "TCP"), ("TLS", "TLS"), ("UDP", "TCP_UDP"), ("TCP_UDP", "TCP_UDP")])
def test_the_nlb_guides_listener_and_target_group_pairs_are_accepted(listener: str, group: str) -> None:
    assert _nlb_listener(listener, group) == []


@given(st.sampled_from(["TCP", "TLS", "UDP", "TCP_UDP"]), st.sampled_from(["TCP", "TLS", "UDP", "TCP_UDP"]))
@settings(max_examples=16)
def test_an_nlb_listener_is_refused_exactly_the_target_groups_the_guides_table_leaves_out(listener: str, group: str) -> None:
    # NLB guide, "Routing configuration": TCP → TCP|TCP_UDP, TLS → TCP|TLS, UDP → UDP|TCP_UDP, TCP_UDP → TCP_UDP.
    table = {("TCP", "TCP"), ("TCP", "TCP_UDP"), ("TLS", "TCP"), ("TLS", "TLS"), ("UDP", "UDP"), ("UDP", "TCP_UDP"), ("TCP_UDP", "TCP_UDP")}
    found = _nlb_listener(listener, group)
    assert (found == []) == ((listener, group) in table)
    assert all(m.startswith("IncompatibleProtocols:") for m in found)


def test_an_alb_listener_forwards_to_http_and_https_target_groups_alike() -> None:
    lb = parse_load_balancer(doc(ALB.replace("Protocol: HTTP", "Protocol: HTTPS\n    Certificates: [{CertificateArn: c}]"), "lb.yaml")).load_balancer
    groups = {name: TargetGroup.with_defaults(name, protocol, 80) for name, protocol in (("web", "HTTP"), ("blue", "HTTPS"), ("green", "HTTP"))}
    assert load_balancer_errors(lb, groups) == []


def test_a_target_group_another_load_balancer_forwards_to_is_refused() -> None:
    lb = parse_load_balancer(doc(ALB, "lb.yaml")).load_balancer
    groups = {name: TargetGroup.with_defaults(name) for name in ("web", "blue", "green")}
    found = [e.message for e in load_balancer_errors(lb, groups, {"other-alb": ("green",), "shop-alb": ("web",)})]
    assert len(found) == 1
    assert found[0].startswith("TargetGroupAssociationLimit: The following target groups cannot be associated with more than one load balancer: arn:")
    assert "targetgroup/green/" in found[0] and "other-alb" in found[0]


@given(st.text(alphabet="ab/-.", max_size=12))
def test_a_star_matches_every_value_and_a_literal_only_itself(value: str) -> None:
    assert pattern_matches("*", value, case=True)
    assert pattern_matches(value, value, case=True)
    assert pattern_matches("?" * len(value), value, case=True)
    assert not pattern_matches(value + "?", value, case=True)


def test_paths_are_case_sensitive_and_hosts_are_not() -> None:
    assert not pattern_matches("/API/*", "/api/x", case=True)
    assert pattern_matches("*.EXAMPLE.com", "shop.example.com", case=False)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 60000) | st.sampled_from(["HTTP", "TCP", "forward", "fixed-response", "path-pattern", "/*", "web", "404", "subnet-0laba"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["Port", "Protocol", "DefaultActions", "Rules", "Priority", "Conditions", "Actions", "Type", "Field", "Values",
                         "TargetGroupArn", "ForwardConfig", "TargetGroups", "Weight", "FixedResponseConfig", "StatusCode", "PathPatternConfig"]),
        inner, max_size=4,
    ),
    max_leaves=12,
)


@settings(deadline=None)  # the first call builds the parser's imports
@given(st.fixed_dictionaries({"Name": st.just("lb"), "Subnets": st.just(["subnet-0laba", "subnet-0labb"])}, optional={"Type": _VALUES, "Listeners": _VALUES}))
def test_any_document_loads_or_gets_positioned_errors_never_a_traceback(data: dict[str, object]) -> None:
    import yaml

    text = yaml.safe_dump(data)
    try:
        parse_load_balancer(doc(text, "lb.yaml"), collect_refusals=True)
    except SourceErrors as exc:
        assert all(d.line >= 1 for d in exc.diagnostics)
