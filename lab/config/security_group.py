"""Provides the security group model learners edit, in the CloudFormation ``AWS::EC2::SecurityGroup`` shape.

Validation is strict and positioned like the AWS shapes: unknown keys are errors with a
did-you-mean (``SourceSecurityGroupID`` → ``SourceSecurityGroupId``), and everything wrong is
reported in one pass. Rules EC2 enforces are worded as its errors (texts seen in real AWS output
are cited; the others are marked ``# wording UNCONFIRMED``). ``allows_ingress`` and
``allows_egress`` evaluate the parsed rules; security groups are stateful, so the simulator
only asks about the direction a connection is opened in.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from lab.config.shapes import (
    Checker,
    did_you_mean,
    unknown_key_message,
    value_label,
    where_phrase,
)
from lab.errors import Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "ParsedSecurityGroup",
    "Rule",
    "SecurityGroup",
    "allows_egress",
    "allows_ingress",
    "parse_security_group",
    "security_group_id",
    "security_group_json_schema",
]

_KEYS = ("GroupDescription", "GroupName", "SecurityGroupEgress", "SecurityGroupIngress", "Tags", "VpcId")
"""Properties of ``AWS::EC2::SecurityGroup``."""
_NOT_SIMULATED_KEYS = ("Tags", "VpcId")
"""Properties the lab accepts but does not act on (it has one VPC)."""

_INGRESS_KEYS = (
    "CidrIp",
    "CidrIpv6",
    "Description",
    "FromPort",
    "IpProtocol",
    "SourcePrefixListId",
    "SourceSecurityGroupId",
    "SourceSecurityGroupName",
    "SourceSecurityGroupOwnerId",
    "ToPort",
)
"""Properties of an ingress rule (``AWS::EC2::SecurityGroup Ingress``)."""
_EGRESS_KEYS = (
    "CidrIp",
    "CidrIpv6",
    "Description",
    "DestinationPrefixListId",
    "DestinationSecurityGroupId",
    "FromPort",
    "IpProtocol",
    "ToPort",
)
"""Properties of an egress rule (``AWS::EC2::SecurityGroup Egress``)."""
_SOURCES = ("CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourcePrefixListId")
_DESTINATIONS = ("CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId")
_TAG_KEYS = ("Key", "Value")

_PROTOCOL_NAMES = ["tcp", "udp", "icmp", "icmpv6", "-1"]
_PROTOCOL_NUMBERS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
"""IANA numbers EC2 also accepts for the named protocols."""
_PORT_RANGE = (0, 65535)
_ICMP_RANGE = (-1, 255)
_MAX_TEXT_CHARS = 255
"""Longest GroupName, GroupDescription and rule Description."""

_GROUP_ID_RE = re.compile(r"^sg-([0-9a-f]{8}|[0-9a-f]{17})$")

ALL_TRAFFIC = "-1"
"""``IpProtocol`` meaning every protocol and every port."""


# --------------------------------------------------------------------------------------------
# Models


@dataclass(frozen=True)
class Rule:
    """One ingress or egress rule, normalised."""

    protocol: str
    """``tcp``, ``udp``, ``icmp``, ``icmpv6``, ``-1`` (all traffic) or another IP protocol number."""
    from_port: int
    """First port (ICMP type for icmp); -1 when the protocol has no ports."""
    to_port: int
    """Last port (ICMP code for icmp); -1 when the protocol has no ports."""
    cidr: str | None
    """The peer address range (``CidrIp`` or ``CidrIpv6``), if the rule names one."""
    source_group: str | None
    """The peer security group by id or name: the source of an ingress rule, the destination of an egress rule."""
    prefix_list: str | None = None
    """A managed prefix list peer; the lab matches no traffic against prefix lists."""

    def covers(self, protocol: str, port: int) -> bool:
        """Whether the rule's protocol and port range include ``protocol`` traffic to ``port``."""
        if self.protocol == ALL_TRAFFIC:
            return True
        if self.protocol != protocol:
            return False
        if protocol in ("tcp", "udp"):
            return self.from_port <= port <= self.to_port
        if protocol in ("icmp", "icmpv6"):
            return self.from_port == -1 or self.from_port == port
        return True


_ALLOW_ALL_EGRESS = Rule(ALL_TRAFFIC, -1, -1, "0.0.0.0/0", None)
"""The egress rule EC2 adds to a VPC security group that declares none."""


@dataclass(frozen=True)
class SecurityGroup:
    """A security group: its name and normalised rules."""

    name: str
    """``GroupName``; what instances, services and load balancers refer to."""
    ingress: tuple[Rule, ...]
    """Inbound rules; none means nothing may connect in."""
    egress: tuple[Rule, ...]
    """Outbound rules; EC2's allow-all rule when the file declares none."""

    @property
    def group_id(self) -> str:
        """The group's id in the lab (``sg-`` and 17 hex digits derived from the name)."""
        return security_group_id(self.name)


@dataclass(frozen=True)
class ParsedSecurityGroup:
    """A security group that passed validation, plus the notes about it."""

    security_group: SecurityGroup
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes, positioned at the keys they concern."""


def security_group_id(name: str) -> str:
    """Return the lab's id for the group called ``name``: ``sg-`` and 17 hex digits from its SHA-256."""
    return "sg-" + hashlib.sha256(name.encode()).hexdigest()[:17]


# --------------------------------------------------------------------------------------------
# Evaluation


def _normalise_protocol(protocol: str | int) -> str:
    text = str(protocol).lower()
    return _PROTOCOL_NUMBERS.get(text, text)


def _same_group(rule_group: str, group: str) -> bool:
    """Whether a rule's group (name or id) is ``group`` (name or id)."""
    return rule_group == group or rule_group == security_group_id(group) or security_group_id(rule_group) == group


def _in_cidr(ip: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _allows(rules: tuple[Rule, ...], protocol: str | int, port: int, group: str | None, ip: str | None) -> bool:
    wanted = _normalise_protocol(protocol)
    for rule in rules:
        if not rule.covers(wanted, port):
            continue
        if ip is not None and rule.cidr is not None and _in_cidr(ip, rule.cidr):
            return True
        if group is not None and rule.source_group is not None and _same_group(rule.source_group, group):
            return True
    return False


def allows_ingress(
    group: SecurityGroup,
    *,
    protocol: str,
    port: int,
    source_group: str | None = None,
    source_ip: str | None = None,
) -> bool:
    """Whether ``group`` lets a connection in.

    A rule matches when its protocol and ports cover the traffic (``-1`` covers everything)
    and its peer is the source: a CIDR containing ``source_ip``, or the group ``source_group``
    (by name or by id). A connection with neither a source group nor a source IP matches nothing.

    Args:
        group: the security group of the receiving ENI or instance.
        protocol: ``tcp``, ``udp``, ``icmp``, ``-1`` or an IP protocol number.
        port: the destination port (the ICMP type for icmp).
        source_group: a security group of the sender, by name or id.
        source_ip: the sender's address.
    """
    return _allows(group.ingress, protocol, port, source_group, source_ip)


def allows_egress(
    group: SecurityGroup,
    *,
    protocol: str,
    port: int,
    destination_group: str | None = None,
    destination_ip: str | None = None,
) -> bool:
    """Whether ``group`` lets a connection out (the mirror of ``allows_ingress``).

    Args:
        group: the security group of the sending ENI or instance.
        protocol: ``tcp``, ``udp``, ``icmp``, ``-1`` or an IP protocol number.
        port: the destination port.
        destination_group: a security group of the receiver, by name or id.
        destination_ip: the receiver's address.
    """
    return _allows(group.egress, protocol, port, destination_group, destination_ip)


# --------------------------------------------------------------------------------------------
# Validation


class _SecurityGroupChecker(Checker):
    """One validation pass over a security group: collects errors and notes, returns the model."""

    def _string(self, value: Any, rel: Path_, *, max_chars: int | None = None) -> bool:
        if not isinstance(value, str):
            self._type_error(rel, "a string", value)
            return False
        if max_chars is not None and len(value) > max_chars:
            self._diag(rel, f"'{value_label(rel)}' must have at most {max_chars} characters, got {len(value)}")
            return False
        return True

    def _integer(self, value: Any, rel: Path_) -> bool:
        if not isinstance(value, int) or isinstance(value, bool):
            self._type_error(rel, "an integer", value)
            return False
        return True

    def _keys(
        self, value: dict[str, Any], rel: Path_, allowed: tuple[str, ...], other: tuple[str, ...], other_list: str
    ) -> set[str]:
        """Report keys not in ``allowed``; returns the keys they were probably meant to be."""
        misspelt: set[str] = set()
        for key in value:
            if key in allowed:
                continue
            if key in other:
                message = f"'{key}' is only valid in {other_list}"
            else:
                message = unknown_key_message(key, allowed, rel)
                misspelt.add(did_you_mean(key, allowed) or "")
            self._diag((*rel, key), message, key=True)
        return misspelt

    # -- the group ---------------------------------------------------------------------------

    def security_group(self, data: Any) -> SecurityGroup | None:
        if not isinstance(data, dict):
            self._type_error((), "a mapping", data)
            return None
        misspelt = self._keys(data, (), _KEYS, (), "")
        for key in _NOT_SIMULATED_KEYS:
            if key in data:
                self._diag((key,), f"'{key}' is accepted but not simulated", key=True, severity="note")
        if "GroupDescription" in data:
            self._string(data["GroupDescription"], ("GroupDescription",), max_chars=_MAX_TEXT_CHARS)
        elif "GroupDescription" not in misspelt:
            self._diag((), "missing required key 'GroupDescription' at the top level")
        name = self._name(data, misspelt)
        if "VpcId" in data:
            self._string(data["VpcId"], ("VpcId",))
        self._tags(data.get("Tags"))
        ingress = self._rules(data.get("SecurityGroupIngress"), "SecurityGroupIngress")
        egress = self._rules(data.get("SecurityGroupEgress"), "SecurityGroupEgress")
        if name is None or ingress is None or egress is None:
            return None
        # EC2 removes its allow-all egress rule only when the group declares egress rules.
        return SecurityGroup(name, ingress, egress or (_ALLOW_ALL_EGRESS,))

    def _name(self, data: dict[str, Any], misspelt: set[str]) -> str | None:
        if "GroupName" not in data:
            if "GroupName" not in misspelt:
                self._diag(
                    (),
                    "missing required key 'GroupName' at the top level; instances, services and load "
                    "balancers refer to security groups by name",
                )
            return None
        name: str = data["GroupName"]
        if not self._string(name, ("GroupName",), max_chars=_MAX_TEXT_CHARS):
            return None
        if name.lower().startswith("sg-"):
            # observed: several CloudFormation outputs quote it
            self._diag(
                ("GroupName",),
                f"InvalidParameterValue: Value ({name}) for parameter GroupName is invalid. "
                "Group names may not be in the format sg-*.",
            )
            return None
        return name

    def _tags(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            self._type_error(("Tags",), "a list", value)
            return
        for i, tag in enumerate(value):
            here = ("Tags", i)
            if not isinstance(tag, dict):
                self._type_error(here, "a mapping", tag)
                continue
            misspelt = self._keys(tag, here, _TAG_KEYS, (), "")
            for key in _TAG_KEYS:
                if key in tag:
                    self._string(tag[key], (*here, key))
                elif key not in misspelt:
                    self._diag(here, f"missing required key '{key}' {where_phrase(here)}")

    # -- rules -------------------------------------------------------------------------------

    def _rules(self, value: Any, list_key: str) -> tuple[Rule, ...] | None:
        if value is None:
            return ()
        if not isinstance(value, list):
            self._type_error((list_key,), "a list", value)
            return None
        rules: list[Rule] = []
        ok = True
        for i, entry in enumerate(value):
            rule = self._rule(entry, (list_key, i), ingress=list_key == "SecurityGroupIngress")
            if rule is None:
                ok = False
            elif rule in rules:
                # observed: hashicorp/terraform-provider-aws#2587
                self._diag((list_key, i), "InvalidParameterValue: The same permission must not appear multiple times")
                ok = False
            else:
                rules.append(rule)
        return tuple(rules) if ok else None

    def _rule(self, entry: Any, rel: Path_, *, ingress: bool) -> Rule | None:
        if not isinstance(entry, dict):
            self._type_error(rel, "a mapping", entry)
            return None
        errors_before = len(self.errors)
        if ingress:
            misspelt = self._keys(entry, rel, _INGRESS_KEYS, _EGRESS_KEYS, "SecurityGroupEgress")
        else:
            misspelt = self._keys(entry, rel, _EGRESS_KEYS, _INGRESS_KEYS, "SecurityGroupIngress")
        protocol = self._protocol(entry, rel, misspelt)
        from_port, to_port = self._ports(entry, rel, protocol)
        peer = self._peer(entry, rel, ingress=ingress, misspelt=misspelt)
        if "Description" in entry:
            self._string(entry["Description"], (*rel, "Description"), max_chars=_MAX_TEXT_CHARS)
        if "SourceSecurityGroupOwnerId" in entry:
            self._diag(
                (*rel, "SourceSecurityGroupOwnerId"),
                "'SourceSecurityGroupOwnerId' is accepted but not simulated (the lab has one account)",
                key=True,
                severity="note",
            )
            self._string(entry["SourceSecurityGroupOwnerId"], (*rel, "SourceSecurityGroupOwnerId"))
        if protocol is None or peer is None or len(self.errors) > errors_before:
            return None
        cidr, group, prefix_list = peer
        return Rule(protocol, from_port, to_port, cidr, group, prefix_list)

    def _protocol(self, entry: dict[str, Any], rel: Path_, misspelt: set[str]) -> str | None:
        here = (*rel, "IpProtocol")
        if "IpProtocol" not in entry:
            if "IpProtocol" not in misspelt:
                self._diag(rel, f"missing required key 'IpProtocol' {where_phrase(rel)}")
            return None
        value = entry["IpProtocol"]
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self._type_error(here, "a string", value)
            return None
        # EC2 takes protocol names in any case and stores them in lower case.
        text = str(value).lower()
        if text in _PROTOCOL_NAMES:
            return text
        if text in _PROTOCOL_NUMBERS:
            return _PROTOCOL_NUMBERS[text]
        if text.isdigit() and 0 <= int(text) <= 255:
            return text
        message = (
            f"invalid value '{text}' for 'IpProtocol'; expected tcp, udp, icmp, icmpv6, -1 (all traffic) "
            "or a protocol number from 0 to 255"
        )
        guess = did_you_mean(text, _PROTOCOL_NAMES)
        if guess is not None:
            message += f"; did you mean '{guess}'?"
        self._diag(here, message)
        return None

    def _ports(self, entry: dict[str, Any], rel: Path_, protocol: str | None) -> tuple[int, int]:
        if protocol not in ("tcp", "udp", "icmp", "icmpv6"):
            # All traffic and other protocols have no ports; EC2 ignores any given.
            return -1, -1
        icmp = protocol in ("icmp", "icmpv6")
        if "FromPort" not in entry or "ToPort" not in entry:
            # observed: chef-boneyard/chef-provisioning-aws#183, awsdocs/aws-cloudformation-user-guide#217
            kind = "ICMP" if icmp else "TCP/UDP"
            message = f"Invalid value 'Must specify both from and to ports with {kind}.' for portRange."
            self._diag(rel, f"InvalidParameterValue: {message}")
            return -1, -1
        low, high = _ICMP_RANGE if icmp else _PORT_RANGE
        ports: list[int] = []
        for key in ("FromPort", "ToPort"):
            value = entry[key]
            if not self._integer(value, (*rel, key)):
                return -1, -1
            if not low <= value <= high:
                if icmp:
                    what = "type" if key == "FromPort" else "code"
                    self._diag(
                        (*rel, key), f"InvalidParameterValue: ICMP {what} ({value}) out of range"
                    )  # wording UNCONFIRMED
                else:
                    # observed form: boto/boto3#336 ("TCP/UDP port (-1) out of range")
                    self._diag((*rel, key), f"InvalidPermission.Malformed: TCP/UDP port ({value}) out of range")
                return -1, -1
            ports.append(value)
        from_port, to_port = ports
        if not icmp and from_port > to_port:
            self._diag(
                (*rel, "FromPort"),
                f"InvalidParameterValue: Invalid TCP/UDP port range ({from_port}-{to_port}); "
                "FromPort must not be greater than ToPort",
            )  # wording UNCONFIRMED
        return from_port, to_port

    def _peer(
        self, entry: dict[str, Any], rel: Path_, *, ingress: bool, misspelt: set[str]
    ) -> tuple[str | None, str | None, str | None] | None:
        """The rule's single peer as (cidr, group, prefix list), or None when it is not exactly one."""
        choices = _SOURCES if ingress else _DESTINATIONS
        present = [key for key in choices if key in entry]
        if not present:
            wrong_direction = set(_DESTINATIONS if ingress else _SOURCES) - set(choices)
            if misspelt & set(choices) or wrong_direction & set(entry):
                return None
            if ingress:
                # observed: boto/boto3#1078
                message = (
                    "MissingParameter: Missing source specification: include source security group or CIDR information"
                )
            else:
                message = (
                    "MissingParameter: Missing destination specification: include destination security group, "
                    "prefix list or CIDR information"
                )  # wording UNCONFIRMED
            self._diag(rel, message)
            return None
        if len(present) > 1:
            first, second = present[0], present[1]
            if first.startswith("Cidr") and "SecurityGroup" in second:
                # observed: aws-cloudformation/cfn-lint#251 (CloudFormation's text for CidrIp and ingress)
                group = "SourceSecurityGroup" if ingress else "DestinationSecurityGroup"
                message = f"Both {first} and {group} cannot be specified"
            else:
                peer = "source" if ingress else "destination"
                message = f"a rule may name only one {peer}; it has '{first}' and '{second}'"  # wording UNCONFIRMED
            self._diag((*rel, second), message, key=True)
            return None
        key = present[0]
        value = entry[key]
        here = (*rel, key)
        if not self._string(value, here):
            return None
        if key.startswith("Cidr"):
            return (value, None, None) if self._cidr(value, here, v6=key == "CidrIpv6") else None
        if key.endswith("PrefixListId"):
            self._diag(here, f"'{key}' is accepted but matches no traffic in the lab", key=True, severity="note")
            return None, None, value
        if key.endswith("SecurityGroupId") and not _GROUP_ID_RE.fullmatch(value):
            message = f'InvalidGroupId.Malformed: Invalid id: "{value}" (expecting "sg-...")'
            self._diag(here, message)  # wording UNCONFIRMED
            return None
        return None, value, None

    def _cidr(self, value: str, rel: Path_, *, v6: bool) -> bool:
        try:
            network = ipaddress.ip_network(value, strict=False) if "/" in value else None
        except ValueError:
            network = None
        if network is None or network.version != (6 if v6 else 4):
            # observed: crossplane-contrib/provider-aws#422 ("CIDR block ... is malformed")
            self._diag(rel, f"InvalidParameterValue: CIDR block {value} is malformed")
            return False
        return True


def parse_security_group(doc: Document, path: Path_ = ()) -> ParsedSecurityGroup:
    """Load a security group written as CloudFormation ``AWS::EC2::SecurityGroup`` properties.

    Args:
        doc: the loaded YAML/JSON document.
        path: where the properties sit in ``doc`` (the whole document by default).

    Returns:
        The group with normalised rules (EC2's allow-all egress rule when it declares none),
        plus "not simulated" notes.

    Raises:
        SourceErrors: every problem found, each positioned in the file.
    """
    data = doc.get(path) if path else doc.data
    checker = _SecurityGroupChecker(doc, path)
    group = checker.security_group(data)
    if checker.errors or group is None:
        raise SourceErrors(sorted(checker.errors, key=lambda d: (d.line, d.col)))
    return ParsedSecurityGroup(group, sorted(checker.notes, key=lambda d: (d.line, d.col)))


# -- editor schema (lab schema) ------------------------------------------------------------


def security_group_json_schema() -> dict[str, Any]:
    """The JSON Schema of a security-group file: the ``AWS::EC2::SecurityGroup`` properties ``parse_security_group`` accepts."""
    from lab.config.json_schema import NOT_SIMULATED, tag_list

    text = {"type": "string", "maxLength": _MAX_TEXT_CHARS}
    port = {"type": "integer", "minimum": _ICMP_RANGE[0], "maximum": _PORT_RANGE[1]}
    protocol = {
        "description": "tcp, udp, icmp, icmpv6, -1 (all traffic) or a protocol number 0-255 (any case).",
        "anyOf": [{"type": "string"}, {"type": "integer", "minimum": -1, "maximum": 255}],
    }
    rule_docs = {
        "CidrIp": "An IPv4 range (10.0.0.0/16).",
        "CidrIpv6": "An IPv6 range.",
        "Description": "Free text (up to 255 characters).",
        "FromPort": "First port (or ICMP type; -1 for all).",
        "ToPort": "Last port (or ICMP code; -1 for all).",
        "IpProtocol": "",
        "SourceSecurityGroupId": "Traffic from members of this group (sg-...).",
        "SourceSecurityGroupName": "Traffic from members of this group, by name.",
        "SourceSecurityGroupOwnerId": "The source group's account. " + NOT_SIMULATED,
        "SourcePrefixListId": "A managed prefix list; matches no traffic in the lab.",
        "DestinationSecurityGroupId": "Traffic to members of this group (sg-...).",
        "DestinationPrefixListId": "A managed prefix list; matches no traffic in the lab.",
    }

    def rule(keys: tuple[str, ...]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for key in keys:
            if key == "IpProtocol":
                properties[key] = protocol
            elif key in ("FromPort", "ToPort"):
                properties[key] = {**port, "description": rule_docs[key]}
            elif key == "Description":
                properties[key] = {**text, "description": rule_docs[key]}
            else:
                properties[key] = {"type": "string", "description": rule_docs[key]}
        peers = _SOURCES if "SourceSecurityGroupId" in keys else _DESTINATIONS
        with_ports: list[str | int] = ["tcp", "udp", "icmp", "icmpv6"]
        with_ports += [str(p).upper() for p in with_ports] + ["6", "17", "1", "58", 6, 17, 1, 58]
        return {
            "type": "object",
            "properties": properties,
            "required": ["IpProtocol"],
            "additionalProperties": False,
            "allOf": [
                # Exactly one peer: a CIDR range, a group or a prefix list.
                {"oneOf": [{"required": [peer]} for peer in peers]},
                # TCP, UDP and ICMP rules need their port (or type/code) range.
                {"if": {"properties": {"IpProtocol": {"enum": with_ports}}}, "then": {"required": ["FromPort", "ToPort"]}},
            ],
        }

    return {
        "type": "object",
        "description": "The CloudFormation properties of AWS::EC2::SecurityGroup.",
        "properties": {
            "GroupName": {**text, "description": "The group's name (instances, load balancers and other rules refer to it)."},
            "GroupDescription": {**text, "description": "Free text, required by EC2."},
            "SecurityGroupIngress": {"type": ["array", "null"], "items": rule(_INGRESS_KEYS), "description": "Inbound rules: what may reach members."},
            "SecurityGroupEgress": {"type": ["array", "null"], "items": rule(_EGRESS_KEYS), "description": "Outbound rules (default: all traffic anywhere)."},
            "Tags": {**tag_list(_TAG_KEYS), "type": ["array", "null"]},
            "VpcId": {"type": "string", "description": NOT_SIMULATED + " The lab has one VPC."},
        },
        "required": ["GroupDescription", "GroupName"],
        "additionalProperties": False,
    }
