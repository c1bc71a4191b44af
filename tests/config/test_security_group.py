"""Tests for lab.config.security_group: parsing, EC2's refusals and rule evaluation."""

from __future__ import annotations

import pytest

from lab.config.security_group import (
    Rule,
    SecurityGroup,
    allows_egress,
    allows_ingress,
    parse_security_group,
    security_group_id,
)
from tests.config.support import at, doc, failures, only, position

INSTANCES = """\
GroupName: ecs-instances
GroupDescription: container instances
SecurityGroupIngress:
  - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/16}
  - {IpProtocol: tcp, FromPort: 32768, ToPort: 65535, SourceSecurityGroupName: web-alb}
"""


def load(text: str) -> SecurityGroup:
    """Parse ``text`` and return the security group."""
    return parse_security_group(doc(text, "sg.yaml")).security_group


def with_rule(rule: str, key: str = "SecurityGroupIngress") -> str:
    """A minimal group whose only ``key`` rule is ``rule`` (a YAML flow mapping)."""
    return f"GroupName: g\nGroupDescription: d\n{key}:\n  - {rule}\n"


def message_of(text: str) -> str:
    """Return the message of the single problem in ``text``."""
    return only(parse_security_group, text).message


def group(*rules: Rule) -> SecurityGroup:
    """A group with ``rules`` as ingress and allow-all egress."""
    return SecurityGroup("g", tuple(rules), (Rule("-1", -1, -1, "0.0.0.0/0", None),))


# --- parsing ----------------------------------------------------------------------------------


def test_group_parses_into_normalised_rules() -> None:
    """Rules keep protocol, port range and their single peer."""
    sg = load(INSTANCES)
    assert sg.name == "ecs-instances"
    assert sg.ingress == (
        Rule("tcp", 22, 22, "10.0.0.0/16", None),
        Rule("tcp", 32768, 65535, None, "web-alb"),
    )


def test_egress_defaults_to_allow_all() -> None:
    """Without SecurityGroupEgress the group gets EC2's allow-all egress rule."""
    assert load(INSTANCES).egress == (Rule("-1", -1, -1, "0.0.0.0/0", None),)


def test_declared_egress_replaces_the_default() -> None:
    """Declaring egress rules removes the allow-all rule."""
    sg = load(INSTANCES + "SecurityGroupEgress:\n  - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}\n")
    assert sg.egress == (Rule("tcp", 443, 443, "0.0.0.0/0", None),)
    assert allows_egress(sg, protocol="tcp", port=443, destination_ip="52.1.2.3")
    assert not allows_egress(sg, protocol="tcp", port=80, destination_ip="52.1.2.3")


@pytest.mark.parametrize(
    ("protocol", "expected"),
    [("6", "tcp"), (6, "tcp"), ("17", "udp"), (-1, "-1"), ("'-1'", "-1"), ("TCP", "tcp"), ("50", "50")],
)
def test_protocols_are_normalised(protocol: object, expected: str) -> None:
    """Protocol numbers and upper-case names become EC2's lower-case names; -1 stays all traffic."""
    ports = "FromPort: 1, ToPort: 2, " if expected in ("tcp", "udp") else ""
    sg = load(with_rule(f"{{IpProtocol: {protocol}, {ports}CidrIp: 10.0.0.0/8}}"))
    assert sg.ingress[0].protocol == expected


def test_all_traffic_needs_no_ports() -> None:
    """IpProtocol -1 loads without FromPort/ToPort."""
    assert load(with_rule("{IpProtocol: '-1', SourceSecurityGroupId: sg-0123456789abcdef0}")).ingress[0].from_port == -1


def test_tags_and_vpc_are_notes() -> None:
    """Tags and VpcId are accepted but not simulated."""
    text = INSTANCES + "VpcId: vpc-1\nTags: [{Key: team, Value: platform}]\n"
    assert [n.message for n in parse_security_group(doc(text)).notes] == [
        "'VpcId' is accepted but not simulated",
        "'Tags' is accepted but not simulated",
    ]


# --- shape errors -----------------------------------------------------------------------------


def test_misspelt_rule_key_gets_a_suggestion_at_the_key() -> None:
    """``SourceSecurityGroupID`` is reported at the key with did-you-mean, and only once."""
    text = with_rule("{IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupID: sg-0123456789abcdef0}")
    found = only(parse_security_group, text)
    assert found.message == (
        "unknown key 'SourceSecurityGroupID' in SecurityGroupIngress[0]; did you mean 'SourceSecurityGroupId'?"
    )
    assert position(found) == (4, 49)


def test_egress_keys_in_ingress_are_named_as_such() -> None:
    """A destination key in an ingress rule says where it belongs."""
    text = with_rule("{IpProtocol: '-1', DestinationSecurityGroupId: sg-12345678}")
    assert message_of(text) == "'DestinationSecurityGroupId' is only valid in SecurityGroupEgress"


def test_description_is_required() -> None:
    """GroupDescription is required, as in CloudFormation."""
    assert message_of(INSTANCES.replace("GroupDescription: container instances\n", "")) == (
        "missing required key 'GroupDescription' at the top level"
    )


def test_group_name_is_required_by_the_lab() -> None:
    """Instances, services and load balancers refer to groups by name, so the lab needs one."""
    assert message_of(INSTANCES.replace("GroupName: ecs-instances\n", "")).startswith("missing required key 'GroupName'")


def test_group_name_may_not_look_like_an_id() -> None:
    """Names starting with sg- get EC2's text, at the value."""
    text = INSTANCES.replace("GroupName: ecs-instances", "GroupName: sg-web")
    found = only(parse_security_group, text)
    assert found.message == (
        "InvalidParameterValue: Value (sg-web) for parameter GroupName is invalid. "
        "Group names may not be in the format sg-*."
    )
    assert position(found) == (1, 12)


def test_unknown_protocol_gets_a_suggestion() -> None:
    """A misspelt protocol name suggests the closest one."""
    text = with_rule("{IpProtocol: tpc, FromPort: 1, ToPort: 2, CidrIp: 10.0.0.0/8}")
    assert message_of(text).endswith("did you mean 'tcp'?")


# --- EC2 rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(("protocol", "kind"), [("tcp", "TCP/UDP"), ("udp", "TCP/UDP"), ("icmp", "ICMP")])
def test_port_protocols_need_both_ports(protocol: str, kind: str) -> None:
    """tcp, udp and icmp rules need FromPort and ToPort (EC2's text, at the rule)."""
    text = with_rule(f"{{IpProtocol: {protocol}, FromPort: 80, CidrIp: 10.0.0.0/8}}")
    found = only(parse_security_group, text)
    assert found.message == (
        f"InvalidParameterValue: Invalid value 'Must specify both from and to ports with {kind}.' for portRange."
    )
    assert position(found) == (4, 5)


def test_from_port_may_not_exceed_to_port() -> None:
    """A reversed port range is refused at FromPort."""
    text = with_rule("{IpProtocol: tcp, FromPort: 8080, ToPort: 80, CidrIp: 10.0.0.0/8}")
    found = only(parse_security_group, text)
    assert "Invalid TCP/UDP port range (8080-80)" in found.message and position(found) == at(text, "8080")


@pytest.mark.parametrize("port", [-1, 65536])
def test_ports_are_0_to_65535(port: int) -> None:
    """TCP/UDP ports outside 0–65535 get EC2's malformed-permission text."""
    text = with_rule(f"{{IpProtocol: tcp, FromPort: {port}, ToPort: {port}, CidrIp: 10.0.0.0/8}}")
    assert message_of(text) == f"InvalidPermission.Malformed: TCP/UDP port ({port}) out of range"


def test_rule_without_a_source_is_refused() -> None:
    """An ingress rule must name a source."""
    assert message_of(with_rule("{IpProtocol: tcp, FromPort: 80, ToPort: 80}")) == (
        "MissingParameter: Missing source specification: include source security group or CIDR information"
    )


def test_cidr_and_source_group_together_are_refused() -> None:
    """A rule names exactly one source; CloudFormation's text for CIDR plus group, at the second key."""
    text = with_rule("{IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, SourceSecurityGroupName: alb}")
    found = only(parse_security_group, text)
    assert found.message == "Both CidrIp and SourceSecurityGroup cannot be specified"
    assert position(found) == at(text, "SourceSecurityGroupName")


def test_two_cidrs_are_refused() -> None:
    """CidrIp and CidrIpv6 in one rule are two sources."""
    text = with_rule("{IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8, CidrIpv6: '::/0'}")
    assert "only one source" in message_of(text)


@pytest.mark.parametrize(
    ("key", "value"), [("CidrIp", "10.0.0.1"), ("CidrIp", "10.0.0.0/33"), ("CidrIp", "'::/0'"), ("CidrIpv6", "10.0.0.0/8")]
)
def test_malformed_cidrs_are_refused(key: str, value: str) -> None:
    """CIDRs need a prefix length and the right IP version."""
    message = message_of(with_rule(f"{{IpProtocol: tcp, FromPort: 80, ToPort: 80, {key}: {value}}}"))
    assert message.startswith("InvalidParameterValue: CIDR block") and message.endswith("is malformed")


def test_group_ids_must_look_like_ids() -> None:
    """A name written as SourceSecurityGroupId is refused."""
    text = with_rule("{IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupId: web-alb}")
    assert "Invalid id" in message_of(text)


def test_duplicate_rules_are_refused() -> None:
    """The same permission twice gets EC2's text."""
    rule = "{IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8}"
    text = with_rule(rule) + f"  - {rule}\n"
    found = only(parse_security_group, text)
    assert found.message == "InvalidParameterValue: The same permission must not appear multiple times"
    assert position(found) == (5, 5)


def test_every_problem_is_reported_in_one_pass() -> None:
    """Problems in several rules come back together, in file order."""
    text = with_rule("{IpProtocol: tcp, CidrIp: 10.0.0.0/8}") + "  - {IpProtocol: udp, FromPort: 1, ToPort: 2}\n"
    assert [position(d) for d in failures(parse_security_group, text)] == [(4, 5), (5, 5)]


# --- evaluation -------------------------------------------------------------------------------


@pytest.mark.parametrize(("port", "allowed"), [(32767, False), (32768, True), (50000, True), (65535, True)])
def test_port_ranges_are_inclusive(port: int, allowed: bool) -> None:
    """A rule covers FromPort through ToPort, both included."""
    sg = load(INSTANCES)
    assert allows_ingress(sg, protocol="tcp", port=port, source_group="web-alb") is allowed


def test_protocol_must_match() -> None:
    """A tcp rule does not let udp in, whatever the port."""
    sg = load(INSTANCES)
    assert not allows_ingress(sg, protocol="udp", port=22, source_ip="10.0.1.5")
    assert allows_ingress(sg, protocol="6", port=22, source_ip="10.0.1.5")


def test_all_traffic_rule_allows_every_protocol_and_port() -> None:
    """IpProtocol -1 covers every protocol and port from its peer."""
    sg = group(Rule("-1", -1, -1, None, "web-alb"))
    assert allows_ingress(sg, protocol="tcp", port=8080, source_group="web-alb")
    assert allows_ingress(sg, protocol="udp", port=53, source_group="web-alb")
    assert not allows_ingress(sg, protocol="tcp", port=8080, source_group="other")


@pytest.mark.parametrize(
    ("cidr", "ip", "allowed"),
    [
        ("10.0.0.0/16", "10.0.255.254", True),
        ("10.0.0.0/16", "10.1.0.1", False),
        ("0.0.0.0/0", "203.0.113.9", True),
        ("10.0.0.10/32", "10.0.0.10", True),
        ("10.0.0.10/32", "10.0.0.11", False),
        ("::/0", "10.0.0.1", False),
        ("2001:db8::/32", "2001:db8::1", True),
    ],
)
def test_cidr_rules_match_source_addresses(cidr: str, ip: str, allowed: bool) -> None:
    """A CIDR rule lets in exactly the addresses it contains (of its IP version)."""
    sg = group(Rule("tcp", 80, 80, cidr, None))
    assert allows_ingress(sg, protocol="tcp", port=80, source_ip=ip) is allowed


def test_source_group_matches_by_name_or_id() -> None:
    """A group rule matches its group whether the rule or the caller uses the name or the id."""
    by_name = group(Rule("tcp", 80, 80, None, "web-alb"))
    by_id = group(Rule("tcp", 80, 80, None, security_group_id("web-alb")))
    for sg in (by_name, by_id):
        assert allows_ingress(sg, protocol="tcp", port=80, source_group="web-alb")
        assert allows_ingress(sg, protocol="tcp", port=80, source_group=security_group_id("web-alb"))
    assert not allows_ingress(by_name, protocol="tcp", port=80, source_ip="10.0.0.1")


def test_unknown_source_matches_nothing() -> None:
    """Without a source group or address no rule applies, even 0.0.0.0/0."""
    assert not allows_ingress(group(Rule("-1", -1, -1, "0.0.0.0/0", None)), protocol="tcp", port=80)


def test_icmp_rules_match_their_type() -> None:
    """ICMP rules compare the type (FromPort); -1 matches every type."""
    sg = group(Rule("icmp", 8, -1, "0.0.0.0/0", None))
    assert allows_ingress(sg, protocol="icmp", port=8, source_ip="10.0.0.1")
    assert not allows_ingress(sg, protocol="icmp", port=0, source_ip="10.0.0.1")


def test_empty_ingress_allows_nothing() -> None:
    """A group without ingress rules lets nothing in."""
    sg = load("GroupName: g\nGroupDescription: d\n")
    assert sg.ingress == () and not allows_ingress(sg, protocol="tcp", port=80, source_ip="10.0.0.1")


def test_group_id_is_deterministic() -> None:
    """A group's id is sg- and 17 hex digits derived from its name."""
    assert security_group_id("web-alb") == load(INSTANCES.replace("ecs-instances", "web-alb")).group_id
    assert security_group_id("web-alb").startswith("sg-") and len(security_group_id("web-alb")) == 20
