"""Provides the target group model learners edit, in the ``AWS::ElasticLoadBalancingV2::TargetGroup`` shape.

Validation is strict and positioned like the AWS shapes: unknown keys and unknown attribute
keys are errors with a did-you-mean (``HealthCheckIntervalSecond`` → ``HealthCheckIntervalSeconds``),
values are case-sensitive as ELB is, and everything wrong is reported in one pass. Rules ELB
enforces are worded as its ``ValidationError`` (texts seen in real AWS output are cited; the
others are marked ``# wording UNCONFIRMED``). Every default, which differs between Application
and Network Load Balancer target groups, comes from ``target_group_defaults``. Section numbers
(§) refer to docs/ecs-facts.md.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lab.config.shapes import (
    Checker,
    did_you_mean,
)
from lab.errors import Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "APPLICATION_PROTOCOLS",
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "NETWORK_PROTOCOLS",
    "ParsedTargetGroup",
    "TargetGroup",
    "find_target_group",
    "parse_target_group",
    "target_group_arn",
    "target_group_defaults",
    "target_group_json_schema",
]

APPLICATION_PROTOCOLS = frozenset({"HTTP", "HTTPS"})
"""Target-group protocols of Application Load Balancers."""
NETWORK_PROTOCOLS = frozenset({"TCP", "TLS", "UDP", "TCP_UDP"})
"""Target-group protocols of Network Load Balancers."""

_PROTOCOLS = ["HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE"]
_TARGET_TYPES = ["instance", "ip", "lambda", "alb"]
_HEALTH_CHECK_PROTOCOLS = ["HTTP", "HTTPS", "TCP"]
_ALGORITHMS = ["round_robin", "least_outstanding_requests", "weighted_random"]
_PROTOCOL_VERSIONS = ["HTTP1", "HTTP2", "GRPC"]
_IP_ADDRESS_TYPES = ["ipv4", "ipv6"]

_KEYS = (
    "HealthCheckEnabled",
    "HealthCheckIntervalSeconds",
    "HealthCheckPath",
    "HealthCheckPort",
    "HealthCheckProtocol",
    "HealthCheckTimeoutSeconds",
    "HealthyThresholdCount",
    "IpAddressType",
    "Matcher",
    "Name",
    "Port",
    "Protocol",
    "ProtocolVersion",
    "Tags",
    "TargetGroupAttributes",
    "TargetType",
    "Targets",
    "UnhealthyThresholdCount",
    "VpcId",
)
"""Properties of ``AWS::ElasticLoadBalancingV2::TargetGroup``."""

_NOT_SIMULATED_KEYS = ("IpAddressType", "ProtocolVersion", "Tags", "Targets", "VpcId")
"""Properties the lab accepts but does not act on (it has one VPC and registers targets itself)."""

_MATCHER_KEYS = ("GrpcCode", "HttpCode")
_ATTRIBUTE_KEYS = ("Key", "Value")
_TAG_KEYS = ("Key", "Value")
_TARGET_KEYS = ("AvailabilityZone", "Id", "Port")

_RANGES: dict[str, tuple[str, int, int]] = {
    "HealthCheckIntervalSeconds": ("healthCheckIntervalSeconds", 5, 300),  # §6.1
    "HealthCheckTimeoutSeconds": ("healthCheckTimeoutSeconds", 2, 120),  # §6.1
    "HealthyThresholdCount": ("healthyThresholdCount", 2, 10),  # §6.1
    "UnhealthyThresholdCount": ("unhealthyThresholdCount", 2, 10),  # §6.1
    "Port": ("port", 1, 65535),
}
"""Integer properties: (API member name, lowest, highest)."""

_MATCHER_CODES = {"application": (200, 499), "network": (200, 599)}
"""HTTP codes a matcher may name: 200–499 for ALB (§6.1); NLB HTTP checks accept 200–599 (UNCONFIRMED)."""

_NAME_RE = re.compile(r"^[A-Za-z0-9-]+$")
_MATCHER_RE = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")
_PORT_RE = re.compile(r"^\d{1,5}$")
_MAX_NAME_CHARS = 32

DEFAULT_REGION = "us-east-1"
"""Region used in target-group ARNs quoted by messages when the caller gives none."""
DEFAULT_ACCOUNT = "123456789012"
"""Account used in target-group ARNs quoted by messages when the caller gives none."""


# --------------------------------------------------------------------------------------------
# Defaults


def target_group_defaults(protocol: str, health_check_protocol: str | None = None) -> dict[str, Any]:
    """Return every setting a target group takes when its file leaves it out.

    Application (HTTP/HTTPS) and Network (TCP/TLS/UDP/TCP_UDP) target groups differ; the table
    is §6.1.

    Args:
        protocol: the target group's protocol.
        health_check_protocol: the health-check protocol as written, if any.

    Returns:
        ``TargetGroup`` field names → default values.
    """
    network = protocol in NETWORK_PROTOCOLS
    # ELB API (CreateTargetGroup.HealthCheckProtocol): HTTP for ALB, TCP for NLB.
    hc_protocol = health_check_protocol or ("TCP" if network else "HTTP")
    if network:
        timeout_s = 6 if hc_protocol == "HTTP" else 10  # §6.1: NLB 6 s for HTTP checks, 10 s for TCP/HTTPS
        matcher = "200-399"  # §6.1: NLB HTTP health checks
        algorithm = "flow_hash"  # §6.3: NLB routes by flow hash and has no algorithm attribute (lab value)
    else:
        timeout_s = 5  # §6.1: ALB
        matcher = "200"  # §6.1: ALB
        algorithm = "round_robin"  # ELB default of load_balancing.algorithm.type
    return {
        "health_check_protocol": hc_protocol,
        "health_check_port": "traffic-port",  # §6.1: the port targets receive traffic on
        "health_check_path": "/",  # §6.1
        "health_check_interval_s": 30,  # §6.1: ALB and NLB
        "health_check_timeout_s": timeout_s,
        "healthy_threshold": 5,  # §6.1: ALB and NLB (Δ older NLB default 3)
        "unhealthy_threshold": 2,  # §6.1: ALB and NLB
        "matcher": matcher,
        "deregistration_delay_s": 300,  # §6.1: ALB and NLB
        "slow_start_s": 0,  # §6.1: off
        "algorithm": algorithm,
    }


# --------------------------------------------------------------------------------------------
# Model


@functools.lru_cache(maxsize=256)
def _code_ranges(matcher: str) -> tuple[tuple[int, int], ...]:
    """Parse ``200``, ``200-299`` or ``200,302`` into inclusive (low, high) pairs."""
    ranges = []
    for part in matcher.split(","):
        low, dash, high = part.strip().partition("-")
        ranges.append((int(low), int(high) if dash else int(low)))
    return tuple(ranges)


@dataclass(frozen=True)
class TargetGroup:
    """A target group with every default resolved (what the simulator's load balancer uses)."""

    name: str
    """Unique name (1–32 letters, digits and hyphens)."""
    protocol: str
    """``HTTP``/``HTTPS`` (Application) or ``TCP``/``TLS``/``UDP``/``TCP_UDP`` (Network)."""
    port: int | None
    """The port targets receive traffic on unless registered with their own (ECS registers host ports)."""
    target_type: str
    """``instance`` (bridge/host tasks) or ``ip`` (awsvpc tasks); ``alb`` is refused by ECS."""
    health_check_protocol: str
    """``HTTP``, ``HTTPS`` or ``TCP``."""
    health_check_port: str
    """``traffic-port`` or a port number."""
    health_check_path: str
    """Path requested by HTTP(S) health checks."""
    health_check_interval_s: int
    """Seconds between health checks of one target."""
    health_check_timeout_s: int
    """Seconds without a response before a check fails."""
    healthy_threshold: int
    """Consecutive passes that make an unhealthy target healthy."""
    unhealthy_threshold: int
    """Consecutive failures that make a healthy target unhealthy."""
    matcher: str
    """HTTP codes that count as a pass: ``200``, ``200-299`` or ``200,302``."""
    deregistration_delay_s: int
    """Seconds a deregistered target stays ``draining`` (§6.1)."""
    slow_start_s: int
    """Seconds a new target's share of traffic ramps up over (0: off)."""
    algorithm: str
    """``round_robin``, ``least_outstanding_requests`` or ``weighted_random``; ``flow_hash`` for NLB."""

    @classmethod
    def with_defaults(
        cls, name: str, protocol: str = "HTTP", port: int | None = 80, *, target_type: str = "instance", **settings: Any
    ) -> TargetGroup:
        """Build a target group the way a file that sets only these values would load.

        Args:
            name: the target group's name.
            protocol: its protocol.
            port: its port.
            target_type: ``instance`` or ``ip``.
            **settings: other fields, overriding the defaults of ``target_group_defaults``.
        """
        values = target_group_defaults(protocol, settings.get("health_check_protocol"))
        values.update(settings)
        return cls(name=name, protocol=protocol, port=port, target_type=target_type, **values)

    @property
    def is_network(self) -> bool:
        """Whether this is a Network Load Balancer target group (TCP, TLS, UDP, TCP_UDP)."""
        return self.protocol in NETWORK_PROTOCOLS

    def matches(self, status_code: int) -> bool:
        """Whether a health-check response with ``status_code`` passes the matcher."""
        return any(low <= status_code <= high for low, high in _code_ranges(self.matcher))

    def arn(self, region: str, account: str) -> str:
        """This target group's ARN in ``region`` and ``account`` (see ``target_group_arn``)."""
        return target_group_arn(self.name, region, account)


@dataclass(frozen=True)
class ParsedTargetGroup:
    """A target group that passed validation, plus the notes about it."""

    target_group: TargetGroup
    """The resolved model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes, positioned at the keys they concern."""


def target_group_arn(name: str, region: str, account: str) -> str:
    """Return ``arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<16 hex>``.

    The hex id derives from the name (SHA-256), so the same name always gets the same ARN.
    """
    suffix = hashlib.sha256(name.encode()).hexdigest()[:16]
    return f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/{suffix}"


def find_target_group(ref: str | None, target_groups: Mapping[str, TargetGroup]) -> TargetGroup | None:
    """Find the target group a service's ``targetGroupArn`` refers to.

    ``ref`` may be a mapping key, a target group's name, or a target-group ARN whose name part
    is a known target group (its region, account and id are not compared: the config layer
    does not know the world's).

    Args:
        ref: the ``targetGroupArn`` as written.
        target_groups: the target groups that exist, keyed by name (or ARN).
    """
    if not ref:
        return None
    if ref in target_groups:
        return target_groups[ref]
    name = ref
    if ref.startswith("arn:"):
        resource = ref.split(":", 5)[-1]
        kind, _, rest = resource.partition("/")
        if kind != "targetgroup":
            return None
        name = rest.partition("/")[0]
    return next((tg for tg in target_groups.values() if tg.name == name), None)


# --------------------------------------------------------------------------------------------
# Validation


@dataclass(frozen=True)
class _Attribute:
    """What a target-group attribute accepts."""

    families: frozenset[str]
    """``application`` and/or ``network``: the target groups it exists for."""
    choices: tuple[str, ...] = ()
    """Allowed values, when an enumeration."""
    bounds: tuple[int, int] | None = None
    """Allowed integer range, when a number."""
    field: str | None = None
    """The ``TargetGroup`` field it sets; None: accepted but not simulated."""


_APP, _NET = frozenset({"application"}), frozenset({"network"})
_BOTH = _APP | _NET
_BOOL = ("true", "false")

_ATTRIBUTES: dict[str, _Attribute] = {
    "deregistration_delay.timeout_seconds": _Attribute(_BOTH, bounds=(0, 3600), field="deregistration_delay_s"),
    "deregistration_delay.connection_termination.enabled": _Attribute(_NET, _BOOL),
    "slow_start.duration_seconds": _Attribute(_APP, bounds=(0, 900), field="slow_start_s"),
    "load_balancing.algorithm.type": _Attribute(_APP, tuple(_ALGORITHMS), field="algorithm"),
    "load_balancing.algorithm.anomaly_mitigation": _Attribute(_APP, ("on", "off")),
    "load_balancing.cross_zone.enabled": _Attribute(_BOTH, ("true", "false", "use_load_balancer_configuration")),
    "stickiness.enabled": _Attribute(_BOTH, _BOOL),
    "stickiness.type": _Attribute(_BOTH),
    "stickiness.lb_cookie.duration_seconds": _Attribute(_APP, bounds=(1, 604800)),
    "stickiness.app_cookie.cookie_name": _Attribute(_APP),
    "stickiness.app_cookie.duration_seconds": _Attribute(_APP, bounds=(1, 604800)),
    "preserve_client_ip.enabled": _Attribute(_NET, _BOOL),
    "proxy_protocol_v2.enabled": _Attribute(_NET, _BOOL),
    "target_health_state.unhealthy.connection_termination.enabled": _Attribute(_NET, _BOOL),
    "target_health_state.unhealthy.draining_interval_seconds": _Attribute(_NET, bounds=(0, 360000)),
    "target_group_health.dns_failover.minimum_healthy_targets.count": _Attribute(_BOTH),
    "target_group_health.dns_failover.minimum_healthy_targets.percentage": _Attribute(_BOTH),
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": _Attribute(_BOTH),
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": _Attribute(_BOTH),
}
"""Target-group attribute keys ELB knows (ELB API: TargetGroupAttribute), for ALB and NLB target groups."""

_STICKINESS_TYPES = {"application": ("lb_cookie", "app_cookie"), "network": ("source_ip",)}
"""``stickiness.type`` values by target-group family."""

_FAMILY_NAMES = {"application": "Application", "network": "Network"}


def _elb_range_message(member: str, value: int, low: int, high: int) -> str:
    """ELB's generic range refusal (observed form: aws-cloudformation/cfn-lint#807)."""
    if value > high:
        constraint = f"Member must have value less than or equal to {high}"
    else:
        constraint = f"Member must have value greater than or equal to {low}"
    return (
        f"ValidationError: 1 validation error detected: Value '{value}' at '{member}' "
        f"failed to satisfy constraint: {constraint}"
    )


class _TargetGroupChecker(Checker):
    """One validation pass over a target group: collects errors and notes, returns resolved fields."""

    def __init__(self, doc: Document, root_path: Path_) -> None:
        super().__init__(doc, root_path)
        self.misspelt: set[str | None] = set()
        """Top-level keys that unknown keys were probably meant to be (no second error for them)."""

    def _list(self, value: Any, rel: Path_) -> list[Any]:
        if not isinstance(value, list):
            self._type_error(rel, "a list", value)
            return []
        return value

    def _integer(self, value: Any, rel: Path_) -> bool:
        if not isinstance(value, int) or isinstance(value, bool):
            self._type_error(rel, "an integer", value)
            return False
        return True

    def _scalar_text(self, value: Any, rel: Path_) -> str | None:
        """A string, or an integer or boolean written where CloudFormation takes a string."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, str)):
            return str(value)
        self._type_error(rel, "a string", value)
        return None

    # -- the target group -------------------------------------------------------------------

    def target_group(self, data: Any) -> dict[str, Any] | None:
        if not self._mapping(data, (), _KEYS):
            return None
        self.misspelt = {did_you_mean(k, _KEYS) for k in data if k not in _KEYS}
        for key in _NOT_SIMULATED_KEYS:
            if key in data:
                self._diag((key,), f"'{key}' is accepted but not simulated", key=True, severity="note")
        ok = True
        name = self._name(data)
        target_type = "instance"  # ELB API default (CreateTargetGroup.TargetType)
        if "TargetType" in data:
            if self._enum(data["TargetType"], ("TargetType",), _TARGET_TYPES):
                target_type = data["TargetType"]
            if target_type == "lambda":
                self._diag(
                    ("TargetType",),
                    "TargetType 'lambda' is not supported by the lab: ECS services register instance or ip targets",
                )
                ok = False
        protocol = self._protocol(data)
        port = self._port(data)
        family = "network" if protocol in NETWORK_PROTOCOLS else "application"

        hc_protocol: str | None = None
        if "HealthCheckProtocol" in data and self._enum(
            data["HealthCheckProtocol"], ("HealthCheckProtocol",), _HEALTH_CHECK_PROTOCOLS
        ):
            hc_protocol = data["HealthCheckProtocol"]
            if family == "application" and protocol is not None and hc_protocol == "TCP":
                self._diag(
                    ("HealthCheckProtocol",),
                    f"ValidationError: Health check protocol '{hc_protocol}' is not supported for target groups "
                    f"with the {protocol} protocol",
                )  # wording UNCONFIRMED
                hc_protocol = None
        if "HealthCheckEnabled" in data:
            enabled = data["HealthCheckEnabled"]
            if not isinstance(enabled, bool):
                self._type_error(("HealthCheckEnabled",), "a boolean", enabled)
            elif not enabled and target_type in ("instance", "ip", "alb"):
                # ELB API (HealthCheckEnabled): always on for instance, ip and alb targets.
                self._diag(
                    ("HealthCheckEnabled",),
                    f"ValidationError: Health checks cannot be disabled for target groups with target type "
                    f"'{target_type}'",
                )  # wording UNCONFIRMED
        resolved = target_group_defaults(protocol if protocol is not None else "HTTP", hc_protocol)
        self._health_check(data, resolved, family)
        self._attributes(data.get("TargetGroupAttributes"), resolved, family)
        self._not_simulated_values(data)
        if name is None or protocol is None or port is None or not ok:
            return None
        return {"name": name, "protocol": protocol, "port": port, "target_type": target_type, **resolved}

    def _name(self, data: dict[str, Any]) -> str | None:
        if "Name" not in data:
            if "Name" not in self.misspelt:
                self._diag(
                    (),
                    "missing required key 'Name' at the top level; services and load balancers refer to "
                    "target groups by name",
                )
            return None
        name: str = data["Name"]
        if not self._string(name, ("Name",)):
            return None
        if len(name) > _MAX_NAME_CHARS:
            # observed: terraform-provider-aws#1666 output, quoted by several repos
            message = (
                f"ValidationError: Target group name '{name}' cannot be longer than '{_MAX_NAME_CHARS}' characters"
            )
        elif not _NAME_RE.fullmatch(name):
            message = (
                f"ValidationError: Target group name '{name}' can only contain characters that are "
                "alphanumeric characters or hyphens(-)"
            )  # wording UNCONFIRMED (an AWS emulator's)
        elif name.startswith("-") or name.endswith("-"):
            message = f"ValidationError: Target group name '{name}' cannot begin or end with '-'"  # wording UNCONFIRMED
        else:
            return name
        self._diag(("Name",), message)
        return None

    def _protocol(self, data: dict[str, Any]) -> str | None:
        if "Protocol" not in data:
            if "Protocol" not in self.misspelt:
                # Required for instance, ip and alb targets (ELB API: CreateTargetGroup.Protocol).
                self._diag((), "ValidationError: A protocol must be specified")  # wording UNCONFIRMED
            return None
        if not self._enum(data["Protocol"], ("Protocol",), _PROTOCOLS):
            return None
        protocol: str = data["Protocol"]
        if protocol == "GENEVE":
            self._diag(("Protocol",), "Protocol 'GENEVE' (Gateway Load Balancer) is not simulated by the lab")
            return None
        return protocol

    def _port(self, data: dict[str, Any]) -> int | None:
        if "Port" not in data:
            if "Port" not in self.misspelt:
                self._diag((), "ValidationError: A port must be specified")  # wording UNCONFIRMED
            return None
        return self._ranged(data, "Port")

    def _ranged(self, data: dict[str, Any], key: str) -> int | None:
        value = data[key]
        if not self._integer(value, (key,)):
            return None
        member, low, high = _RANGES[key]
        if not low <= value <= high:
            self._diag((key,), _elb_range_message(member, value, low, high))
            return None
        return int(value)

    def _health_check(self, data: dict[str, Any], resolved: dict[str, Any], family: str) -> None:
        tcp_check = resolved["health_check_protocol"] == "TCP"
        if "HealthCheckPort" in data:
            port = self._scalar_text(data["HealthCheckPort"], ("HealthCheckPort",))
            if port is not None:
                if port == "traffic-port" or (_PORT_RE.fullmatch(port) and 1 <= int(port) <= 65535):
                    resolved["health_check_port"] = port
                else:
                    self._diag(
                        ("HealthCheckPort",),
                        f"invalid value '{port}' for 'HealthCheckPort'; "
                        "expected 'traffic-port' or a port from 1 to 65535",
                    )
        if "HealthCheckPath" in data:
            path = data["HealthCheckPath"]
            if tcp_check:
                # observed: hashicorp/terraform-provider-aws#2170
                self._diag(
                    ("HealthCheckPath",),
                    "InvalidConfigurationRequest: Health check paths are not supported for TCP health checks",
                    key=True,
                )
            elif self._string(path, ("HealthCheckPath",)):
                if not path.startswith("/") or len(path) > 1024:
                    self._diag(
                        ("HealthCheckPath",),
                        f"invalid value '{path}' for 'HealthCheckPath'; expected a path starting with '/' "
                        "(at most 1024 characters)",
                    )
                else:
                    resolved["health_check_path"] = path
        for key, target in (
            ("HealthCheckIntervalSeconds", "health_check_interval_s"),
            ("HealthCheckTimeoutSeconds", "health_check_timeout_s"),
            ("HealthyThresholdCount", "healthy_threshold"),
            ("UnhealthyThresholdCount", "unhealthy_threshold"),
        ):
            if key in data:
                resolved[target] = self._ranged(data, key)
        if "Matcher" in data:
            self._matcher(data["Matcher"], resolved, family, tcp_check)
        interval, timeout = resolved["health_check_interval_s"], resolved["health_check_timeout_s"]
        if interval is None or timeout is None:
            return
        where_key = "HealthCheckTimeoutSeconds" if "HealthCheckTimeoutSeconds" in data else "HealthCheckIntervalSeconds"
        where = (where_key,)
        if not tcp_check and timeout >= interval:
            # observed: terraform-linters/tflint-ruleset-aws#404, aws/aws-cdk#3703,
            # hashicorp/terraform-provider-aws#48070 (an older form, "Health check timeout '10'
            # must be smaller than the interval '10'", is in terraform-provider-aws#2366)
            self._diag(where, "ValidationError: Health check interval must be greater than the timeout.")
        elif tcp_check and timeout > interval:
            self._diag(
                where,
                f"ValidationError: Health check timeout '{timeout}' must be smaller than or equal to "
                f"the interval '{interval}'",
            )  # wording UNCONFIRMED (an AWS emulator's)

    def _matcher(self, value: Any, resolved: dict[str, Any], family: str, tcp_check: bool) -> None:
        here = ("Matcher",)
        if tcp_check:
            # observed: awsdocs/aws-cloudformation-user-guide#186
            self._diag(
                here,
                "InvalidConfigurationRequest: Health check matchers are not supported for TCP health checks",
                key=True,
            )
            return
        if not self._mapping(value, here, _MATCHER_KEYS):
            return
        if "GrpcCode" in value:
            message = "'Matcher.GrpcCode' is accepted but not simulated"
            self._diag((*here, "GrpcCode"), message, key=True, severity="note")
            self._string(value["GrpcCode"], (*here, "GrpcCode"))
        if "HttpCode" not in value:
            return
        rel = (*here, "HttpCode")
        codes = self._scalar_text(value["HttpCode"], rel)
        if codes is None:
            return
        if not codes:
            # observed: azavea/terraform-aws-ecs-web-service#9
            self._diag(rel, "ValidationError: Health check matcher HTTP code cannot be empty")
            return
        if not _MATCHER_RE.fullmatch(codes):
            self._diag(rel, "ValidationError: HttpCode must be like 200 | 200-399 | 200,201 ...")  # wording UNCONFIRMED
            return
        lowest, highest = _MATCHER_CODES[family]
        for low, high in _code_ranges(codes):
            if not lowest <= low <= high <= highest:
                self._diag(
                    rel,
                    f"ValidationError: Health check matcher HTTP code '{codes}' must be within "
                    f"{lowest}-{highest} (and a range must go upwards)",
                )  # wording UNCONFIRMED
                return
        resolved["matcher"] = codes

    def _attributes(self, value: Any, resolved: dict[str, Any], family: str) -> None:
        if value is None:
            return
        here: Path_ = ("TargetGroupAttributes",)
        seen: set[str] = set()
        for i, entry in enumerate(self._list(value, here)):
            at = (*here, i)
            if not self._mapping(entry, at, _ATTRIBUTE_KEYS, _ATTRIBUTE_KEYS):
                continue
            key = entry.get("Key")
            if "Key" not in entry or not self._string(key, (*at, "Key")):
                continue
            if key in seen:
                self._diag((*at, "Key"), f"duplicate target group attribute key '{key}'")
                continue
            seen.add(key)
            spec = _ATTRIBUTES.get(key)
            if spec is None or family not in spec.families:
                self._diag((*at, "Key"), self._unknown_attribute(key, spec, family))
                continue
            if "Value" not in entry:
                continue
            text = self._scalar_text(entry["Value"], (*at, "Value"))
            if text is None or not self._attribute_value(key, spec, text, (*at, "Value"), family):
                continue
            if spec.field is None:
                self._diag(
                    (*at, "Key"), f"target group attribute '{key}' is accepted but not simulated", severity="note"
                )
            else:
                resolved[spec.field] = int(text) if spec.bounds else text
        if resolved["slow_start_s"] and resolved["algorithm"] == "least_outstanding_requests":
            # §6.1: slow start cannot be combined with least outstanding requests.
            self._diag(
                here,
                "ValidationError: Slow start mode cannot be enabled with the least outstanding requests "
                "routing algorithm",
            )  # wording UNCONFIRMED

    def _unknown_attribute(self, key: str, spec: _Attribute | None, family: str) -> str:
        # observed: "Target group attribute key 'tcp_keepalive.enabled' is not recognized"
        message = f"ValidationError: Target group attribute key '{key}' is not recognized"
        if spec is not None:
            other = _FAMILY_NAMES[next(iter(spec.families))]
            return f"{message}; it applies to {other} Load Balancer target groups"
        valid = [k for k, s in _ATTRIBUTES.items() if family in s.families]
        guess = did_you_mean(key, valid)
        return f"{message}; did you mean '{guess}'?" if guess else message

    def _attribute_value(self, key: str, spec: _Attribute, text: str, rel: Path_, family: str) -> bool:
        choices = _STICKINESS_TYPES[family] if key == "stickiness.type" else spec.choices
        if choices:
            return self._enum(text, rel, choices)
        if spec.bounds is None:
            return True
        low, high = spec.bounds
        if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
            # The form of an AWS emulator's message for the deregistration delay.
            self._diag(rel, f"ValidationError: '{key}' value '{text}' must be between '{low}-{high}' inclusive")
            return False  # wording UNCONFIRMED
        if key == "slow_start.duration_seconds" and 0 < int(text) < 30:
            # §6.1: 0 turns slow start off; otherwise 30–900 seconds.
            self._diag(rel, f"ValidationError: '{key}' value '{text}' must be 0 or between '30-900' inclusive")
            return False  # wording UNCONFIRMED
        return True

    def _not_simulated_values(self, data: dict[str, Any]) -> None:
        """Check the shape of the properties the lab accepts without acting on them."""
        if "ProtocolVersion" in data:
            self._enum(data["ProtocolVersion"], ("ProtocolVersion",), _PROTOCOL_VERSIONS)
        if "IpAddressType" in data:
            self._enum(data["IpAddressType"], ("IpAddressType",), _IP_ADDRESS_TYPES)
        if "VpcId" in data:
            self._string(data["VpcId"], ("VpcId",))
        for i, tag in enumerate(self._list(data["Tags"], ("Tags",)) if "Tags" in data else ()):
            if self._mapping(tag, ("Tags", i), _TAG_KEYS, _TAG_KEYS):
                for key in _TAG_KEYS:
                    if key in tag:
                        self._string(tag[key], ("Tags", i, key))
        for i, target in enumerate(self._list(data["Targets"], ("Targets",)) if "Targets" in data else ()):
            if self._mapping(target, ("Targets", i), _TARGET_KEYS, ("Id",)) and "Id" in target:
                self._string(target["Id"], ("Targets", i, "Id"))


def parse_target_group(doc: Document, path: Path_ = ()) -> ParsedTargetGroup:
    """Load a target group written as CloudFormation ``AWS::ElasticLoadBalancingV2::TargetGroup`` properties.

    Args:
        doc: the loaded YAML/JSON document.
        path: where the properties sit in ``doc`` (the whole document by default).

    Returns:
        The target group with every default resolved, plus "not simulated" notes.

    Raises:
        SourceErrors: every problem found, each positioned in the file.
    """
    data = doc.get(path) if path else doc.data
    checker = _TargetGroupChecker(doc, path)
    values = checker.target_group(data)
    if checker.errors or values is None:
        raise SourceErrors(sorted(checker.errors, key=lambda d: (d.line, d.col)))
    names = {f.name for f in dataclasses.fields(TargetGroup)}
    target_group = TargetGroup(**{k: v for k, v in values.items() if k in names})
    return ParsedTargetGroup(target_group, sorted(checker.notes, key=lambda d: (d.line, d.col)))


# -- editor schema (lab schema) ------------------------------------------------------------


def target_group_json_schema() -> dict[str, Any]:
    """The JSON Schema of a target-group file: the ``AWS::ElasticLoadBalancingV2::TargetGroup`` properties ``parse_target_group`` accepts."""
    from lab.config.json_schema import NOT_SIMULATED, tag_list

    integer_ranges = {key: (low, high) for key, (_, low, high) in _RANGES.items()}
    docs = {
        "Name": "The target group's name (services and load balancers refer to it).",
        "Protocol": "How the load balancer talks to targets.",
        "Port": "The port targets receive traffic on (ECS registers each task's own port).",
        "TargetType": "instance (bridge/host tasks) or ip (awsvpc tasks).",
        "HealthCheckEnabled": "Whether targets are health checked.",
        "HealthCheckIntervalSeconds": "Seconds between health checks.",
        "HealthCheckPath": "The HTTP(S) path checked.",
        "HealthCheckPort": "traffic-port or a port number.",
        "HealthCheckProtocol": "The health check's protocol.",
        "HealthCheckTimeoutSeconds": "Seconds without a response that count as a failed check.",
        "HealthyThresholdCount": "Consecutive successes before a target is healthy.",
        "UnhealthyThresholdCount": "Consecutive failures before a target is unhealthy.",
        "Matcher": "The codes a healthy target answers with.",
        "TargetGroupAttributes": "Key/Value attributes (deregistration_delay.timeout_seconds, slow_start.duration_seconds, ...); values are strings.",
    }
    properties: dict[str, Any] = {}
    for key in _KEYS:
        node: dict[str, Any]
        if key in integer_ranges:
            low, high = integer_ranges[key]
            node = {"type": "integer", "minimum": low, "maximum": high}
        elif key == "Protocol":
            # GENEVE (Gateway Load Balancer) and lambda targets are refused: not simulated.
            node = {"enum": [p for p in _PROTOCOLS if p != "GENEVE"]}
        elif key == "TargetType":
            node = {"enum": [t for t in _TARGET_TYPES if t != "lambda"]}
        elif key == "HealthCheckProtocol":
            node = {"enum": list(_HEALTH_CHECK_PROTOCOLS)}
        elif key == "ProtocolVersion":
            node = {"enum": list(_PROTOCOL_VERSIONS)}
        elif key == "IpAddressType":
            node = {"enum": list(_IP_ADDRESS_TYPES)}
        elif key == "HealthCheckEnabled":
            node = {"type": "boolean"}
        elif key == "HealthCheckPort":
            node = {"type": ["string", "integer"]}
        elif key == "Name":
            node = {"type": "string", "pattern": _NAME_RE.pattern, "maxLength": _MAX_NAME_CHARS}
        elif key == "Matcher":
            node = {
                "type": "object",
                "properties": {"HttpCode": {"type": ["string", "integer"]}, "GrpcCode": {"type": ["string", "integer"]}},
                "additionalProperties": False,
            }
        elif key == "TargetGroupAttributes":
            node = {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"Key": {"type": "string"}, "Value": {"type": ["string", "integer", "boolean"]}},
                    "required": ["Key", "Value"],
                    "additionalProperties": False,
                },
            }
        elif key == "Tags":
            node = tag_list(_TAG_KEYS)
        elif key == "Targets":
            node = {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"Id": {"type": "string"}, "Port": {"type": "integer"}, "AvailabilityZone": {"type": "string"}},
                    "required": ["Id"],
                    "additionalProperties": False,
                },
            }
        else:
            node = {"type": "string"}
        if key in _NOT_SIMULATED_KEYS:
            node["description"] = NOT_SIMULATED
        elif key in docs:
            node["description"] = docs[key]
        properties[key] = node
    return {
        "type": "object",
        "description": "The CloudFormation properties of AWS::ElasticLoadBalancingV2::TargetGroup.",
        "properties": properties,
        "required": ["Name", "Port", "Protocol"],
        "additionalProperties": False,
    }
