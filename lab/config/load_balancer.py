"""Provides the load balancer learners edit: CreateLoadBalancer, CreateListener and CreateRule in one file.

A ``load-balancer`` file is one Application or Network Load Balancer with its listeners and
their rules, in the ELBv2 API's member names (``CreateLoadBalancer``: ``Name``, ``Type``,
``Scheme``, ``Subnets``, ``SecurityGroups``; each listener ``CreateListener``: ``Port``,
``Protocol``, ``DefaultActions``; each rule ``CreateRule``: ``Priority``, ``Conditions``,
``Actions``). Target groups are named by name or ARN (``TargetGroupArn``), as a service's
``loadBalancers`` names them.

Shape errors (unknown keys with a did-you-mean, wrong types, bad enums) are positioned
errors. What ELB refuses about the file alone (a priority used twice, a TCP listener on an
Application Load Balancer, too many condition values) is kept as ``refusals`` when the caller
collects them (a live edit then fails as an ``ApiCallFailed``); what it refuses given the
target groups in force is ``load_balancer_errors``. Each text is ELB's where its API reference
or observed output gives it, else marked ``# wording UNCONFIRMED``. Section numbers (§) refer
to docs/ecs-facts.md.

The one routing primitive is the forward action with weighted target groups
(``ForwardAction.target_groups``): a rule or a default action (an NLB listener's too) forwards
to one or more target groups, each with a weight, and a request class is split between them by
weight (§6.4).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lab.config.shapes import Checker
from lab.config.target_group import (
    APPLICATION_PROTOCOLS,
    DEFAULT_ACCOUNT,
    DEFAULT_REGION,
    NETWORK_PROTOCOLS,
    find_target_group,
    target_group_arn,
)
from lab.errors import ClientException, Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "Condition",
    "FixedResponse",
    "ForwardAction",
    "Listener",
    "LoadBalancer",
    "NLB_TARGET_PROTOCOLS",
    "ParsedLoadBalancer",
    "Rule",
    "association_limit_text",
    "find_listener_rule",
    "listener_arn",
    "listener_rule_arn",
    "load_balancer_errors",
    "load_balancer_json_schema",
    "parse_load_balancer",
    "pattern_matches",
    "rule_load_balancer",
    "type_mismatch_text",
]

_KEYS = ("Name", "Type", "Scheme", "Subnets", "SecurityGroups", "IpAddressType", "Tags", "Listeners")
_REQUIRED = ("Name", "Subnets", "Listeners")
_NOT_SIMULATED = ("IpAddressType", "Tags")
_LISTENER_KEYS = ("Port", "Protocol", "DefaultActions", "Rules", "Certificates", "SslPolicy")
_RULE_KEYS = ("Priority", "Conditions", "Actions")
_CONDITION_KEYS = (
    "Field", "Values", "PathPatternConfig", "HostHeaderConfig", "HttpHeaderConfig", "HttpRequestMethodConfig",
    "QueryStringConfig", "SourceIpConfig",
)
_ACTION_KEYS = ("Type", "TargetGroupArn", "ForwardConfig", "FixedResponseConfig", "RedirectConfig", "Order")
_FORWARD_KEYS = ("TargetGroups", "TargetGroupStickinessConfig")
_TUPLE_KEYS = ("TargetGroupArn", "Weight")
_FIXED_KEYS = ("StatusCode", "ContentType", "MessageBody")

_TYPES = ("application", "network")
_SCHEMES = ("internet-facing", "internal")
_PROTOCOLS = ("HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP")
_ACTION_TYPES = ("forward", "fixed-response", "redirect")
_FIELDS = ("path-pattern", "host-header", "http-header", "http-request-method", "query-string", "source-ip")
_SIMULATED_FIELDS = ("path-pattern", "host-header", "http-header", "http-request-method")
_CONFIG_OF = {
    "path-pattern": "PathPatternConfig",
    "host-header": "HostHeaderConfig",
    "http-header": "HttpHeaderConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "query-string": "QueryStringConfig",
    "source-ip": "SourceIpConfig",
}
_ONCE_PER_RULE = ("host-header", "http-request-method", "path-pattern", "source-ip")
"""Condition fields a rule may have at most once (§6.4)."""

MAX_PRIORITY = 50000
"""Rule priorities run from 1 to 50000 (§6.4; API: RulePriorityPair)."""
MAX_VALUES_PER_RULE = 5
"""Condition values (comparison strings) per rule (§6.4: ALB quota, not adjustable)."""
MAX_VALUES_PER_CONDITION = 3
"""Comparison strings per condition (§6.4)."""
MAX_TARGET_GROUPS_PER_ACTION = 5
"""Target groups one forward action may name (§6.4: the ALB quota, not adjustable; the lab applies
it to an NLB's listener too, whose own limit is UNCONFIRMED)."""
MAX_WEIGHT = 999
"""A weighted target group's weight: 0 to 999 (§6.4; API: TargetGroupTuple)."""
_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
_STATUS_RE = re.compile(r"^[245]\d\d$")
_SUBNET_RE = re.compile(r"^subnet-0lab[a-z]$")
"""The lab's VPC has one subnet per Availability Zone: ``subnet-0laba`` is in ``<region>a`` (as ``ecs.subnet-id`` says)."""


# --------------------------------------------------------------------------------------------
# Model


@dataclass(frozen=True)
class Condition:
    """One rule condition: a field, its comparison strings and, for ``http-header``, the header's name."""

    field: str
    """``path-pattern``, ``host-header``, ``http-header`` or ``http-request-method``."""
    values: tuple[str, ...]
    """Comparison strings; the condition holds when any one matches."""
    header: str | None = None
    """The header an ``http-header`` condition reads."""

    def matches(self, path: str, host: str | None, headers: Mapping[str, str], method: str) -> bool:
        """Whether a request with this path, host, headers and method meets the condition."""
        if self.field == "path-pattern":
            return any(pattern_matches(v, path, case=True) for v in self.values)
        if self.field == "host-header":
            return host is not None and any(pattern_matches(v, host, case=False) for v in self.values)
        if self.field == "http-header":
            name = (self.header or "").lower()
            value = next((v for k, v in headers.items() if k.lower() == name), None)
            return value is not None and any(pattern_matches(v, value, case=False) for v in self.values)
        if self.field == "http-request-method":
            return method in self.values
        return False


@dataclass(frozen=True)
class ForwardAction:
    """What a rule does: forward to weighted target groups, or answer by itself (fixed response, redirect)."""

    type: str
    """``forward``, ``fixed-response`` or ``redirect``."""
    target_groups: tuple[tuple[str, int], ...] = ()
    """(target group name or ARN, weight) for ``forward``: requests split by weight."""
    status_code: int = 0
    """The status a ``fixed-response`` (or a ``redirect``: 301/302) answers with."""


FixedResponse = ForwardAction
"""A fixed response is a ``ForwardAction`` of type ``fixed-response`` (one action shape for every rule)."""


@dataclass(frozen=True)
class Rule:
    """A listener rule: conditions that must all hold, and the action taken when they do."""

    priority: int
    """1–50000; lower values are evaluated first."""
    conditions: tuple[Condition, ...]
    action: ForwardAction


@dataclass(frozen=True)
class Listener:
    """A listener: port, protocol, its rules (ALB only) and the default action."""

    port: int
    protocol: str
    default_action: ForwardAction
    rules: tuple[Rule, ...] = ()
    """In priority order."""

    def route(self, path: str, host: str | None, headers: Mapping[str, str], method: str) -> tuple[int | None, ForwardAction]:
        """(priority of the matched rule or None for the default, the action) for a request (§6.4)."""
        for rule in self.rules:
            if all(c.matches(path, host, headers, method) for c in rule.conditions):
                return rule.priority, rule.action
        return None, self.default_action


@dataclass(frozen=True)
class LoadBalancer:
    """An Application or Network Load Balancer with its listeners."""

    name: str
    type: str
    """``application`` or ``network``."""
    scheme: str
    """``internet-facing`` (the default) or ``internal``."""
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    listeners: tuple[Listener, ...]

    @property
    def target_group_refs(self) -> tuple[str, ...]:
        """Every target group a listener forwards to, in order of first mention."""
        seen: dict[str, None] = {}
        for listener in self.listeners:
            for action in (*(r.action for r in listener.rules), listener.default_action):
                for ref, _weight in action.target_groups:
                    seen.setdefault(ref, None)
        return tuple(seen)


@dataclass(frozen=True)
class ParsedLoadBalancer:
    """A load balancer that passed shape validation, with notes and (when collected) ELB's refusals."""

    load_balancer: LoadBalancer
    notes: list[Diagnostic] = field(default_factory=list)
    refusals: list[Diagnostic] = field(default_factory=list)


@functools.lru_cache(maxsize=512)
def _pattern_re(pattern: str, case: bool) -> re.Pattern[str]:
    # ELB wildcards: * matches 0 or more characters, ? exactly one (§6.4); nothing else is special.
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(f"^{body}$", 0 if case else re.IGNORECASE)


def pattern_matches(pattern: str, value: str, *, case: bool) -> bool:
    """Whether ``value`` matches an ELB condition pattern (``*`` any run, ``?`` one character)."""
    return _pattern_re(pattern, case).fullmatch(value) is not None


# --------------------------------------------------------------------------------------------
# ARNs of listeners and rules (the way other files name them)


def _id16(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def listener_arn(lb: str, port: int, region: str = "us-east-1", account: str = "123456789012", lb_type: str = "application") -> str:
    """A stable listener ARN: ``...:listener/app/<lb>/<16 hex>/<16 hex>`` (ids derive from the names)."""
    kind = "app" if lb_type == "application" else "net"
    return f"arn:aws:elasticloadbalancing:{region}:{account}:listener/{kind}/{lb}/{_id16(lb)}/{_id16(f'{lb}:{port}')}"


def listener_rule_arn(lb: str, port: int, priority: int, region: str = "us-east-1", account: str = "123456789012") -> str:
    """A stable listener-rule ARN: ``...:listener-rule/app/<lb>/<16 hex>/<16 hex>/<16 hex>``.

    The ids derive from the load balancer's name, the listener's port and the rule's priority,
    so a service file can name a rule of a load-balancer file the way ECS takes it (an ARN).
    """
    return (
        f"arn:aws:elasticloadbalancing:{region}:{account}:listener-rule/app/{lb}/{_id16(lb)}/"
        f"{_id16(f'{lb}:{port}')}/{_id16(f'{lb}:{port}:{priority}')}"
    )


def rule_load_balancer(ref: str | None) -> str | None:
    """The load balancer a listener or listener-rule reference names, or None.

    A reference is an ARN (``listener-rule/app/<lb>/...`` or ``listener/app/<lb>/...``) or the
    lab's short form ``<lb>:<port>:<priority>`` (a rule) / ``<lb>:<port>`` (a listener's default action).
    """
    if not ref:
        return None
    if ref.startswith("arn:"):
        resource = ref.split(":", 5)[-1]
        parts = resource.split("/")
        if len(parts) >= 3 and parts[0] in ("listener-rule", "listener") and parts[1] in ("app", "net"):
            return parts[2]
        return None
    head, sep, _rest = ref.partition(":")
    return head if sep else None


def find_listener_rule(ref: str | None, load_balancers: Mapping[str, LoadBalancer]) -> tuple[LoadBalancer, Listener, Rule | None] | None:
    """The (load balancer, listener, rule or None for the default action) a reference names.

    Returns None when the reference names no load balancer of ``load_balancers`` or no listener
    or rule of it (region, account and the ``app``/``net`` kind of an ARN are not compared: the
    config layer does not know the world's).
    """
    name = rule_load_balancer(ref)
    lb = load_balancers.get(name) if name else None
    if lb is None or ref is None:
        return None
    if ref.startswith("arn:"):
        parts = ref.split(":", 5)[-1].split("/")
        for listener in lb.listeners:
            if parts[0] == "listener" and parts[3:] == [_id16(lb.name), _id16(f"{lb.name}:{listener.port}")]:
                return lb, listener, None
            for rule in listener.rules:
                ids = [_id16(lb.name), _id16(f"{lb.name}:{listener.port}"), _id16(f"{lb.name}:{listener.port}:{rule.priority}")]
                if parts[0] == "listener-rule" and parts[3:] == ids:
                    return lb, listener, rule
        return None
    fields = ref.split(":")
    if len(fields) not in (2, 3) or not all(f.isdigit() for f in fields[1:]):
        return None
    on_port = next((li for li in lb.listeners if li.port == int(fields[1])), None)
    if on_port is None:
        return None
    if len(fields) == 2:
        return lb, on_port, None
    found_rule = next((r for r in on_port.rules if r.priority == int(fields[2])), None)
    return (lb, on_port, found_rule) if found_rule is not None else None


# --------------------------------------------------------------------------------------------
# Validation


def _range_message(member: str, value: int, low: int, high: int) -> str:
    """ELB's generic range refusal (observed form: aws-cloudformation/cfn-lint#807)."""
    bound = f"less than or equal to {high}" if value > high else f"greater than or equal to {low}"
    return f"ValidationError: 1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must have value {bound}"


class _Checker(Checker):
    """One pass over a load-balancer file: shape errors, notes and ELB's refusals."""

    def __init__(self, doc: Document, root_path: Path_) -> None:
        super().__init__(doc, root_path)
        self.refusals: list[ClientException] = []

    def refuse(self, message: str, *rel: str | int) -> None:
        self.refusals.append(ClientException(message, tuple(rel)))

    def _list(self, value: Any, rel: Path_) -> list[Any]:
        if not isinstance(value, list):
            self._type_error(rel, "a list", value)
            return []
        return value

    def _int(self, value: Any, rel: Path_) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self._type_error(rel, "an integer", value)
            return None
        return value

    def _strings(self, value: Any, rel: Path_) -> tuple[str, ...]:
        out = []
        for i, item in enumerate(self._list(value, rel)):
            if self._string(item, (*rel, i)):
                out.append(item)
        return tuple(out)

    def load_balancer(self, data: Any) -> LoadBalancer | None:
        if not self._mapping(data, (), _KEYS, _REQUIRED):
            return None
        for key in _NOT_SIMULATED:
            if key in data:
                self._diag((key,), f"'{key}' is accepted but not simulated", key=True, severity="note")
        name = data.get("Name", "")
        if "Name" in data and self._string(name, ("Name",)) and not _NAME_RE.fullmatch(name):
            # API: CreateLoadBalancer.Name (32 characters, alphanumerics and hyphens, no hyphen at either end)
            self._diag(("Name",), f"invalid value '{name}' for 'Name'; expected 1-32 letters, digits and hyphens, not starting or ending with a hyphen")
        lb_type = data.get("Type", "application")
        if "Type" in data and not self._enum(lb_type, ("Type",), _TYPES):
            lb_type = "application"
        scheme = data.get("Scheme", "internet-facing")
        if "Scheme" in data and not self._enum(scheme, ("Scheme",), _SCHEMES):
            scheme = "internet-facing"
        subnets = self._strings(data.get("Subnets", []), ("Subnets",)) if "Subnets" in data else ()
        for i, subnet in enumerate(subnets):
            if not _SUBNET_RE.fullmatch(subnet):
                self._diag(("Subnets", i), f"invalid value '{subnet}' for 'Subnets'; the lab's subnets are subnet-0laba, subnet-0labb, ... (one per Availability Zone: subnet-0laba is in <region>a)")
        if "Subnets" in data and lb_type == "application" and len(set(subnets)) < 2:
            # observed: aws-samples/aws-cdk-examples#226, kasmtech/terraform#5 (ValidationError)
            self.refuse("ValidationError: At least two subnets in two different Availability Zones must be specified", "Subnets")
        groups = self._strings(data["SecurityGroups"], ("SecurityGroups",)) if "SecurityGroups" in data else ()
        listeners: list[Listener] = []
        ports: set[int] = set()
        for i, raw in enumerate(self._list(data.get("Listeners", []), ("Listeners",)) if "Listeners" in data else ()):
            listener = self._listener(raw, ("Listeners", i), lb_type)
            if listener is None:
                continue
            if listener.port in ports:
                # API: CreateListener error DuplicateListener
                self.refuse("DuplicateListener: A listener with the specified port already exists.", "Listeners", i, "Port")
            ports.add(listener.port)
            listeners.append(listener)
        if "Listeners" in data and isinstance(data["Listeners"], list) and not data["Listeners"]:
            self._diag(("Listeners",), "a load balancer file needs at least one listener")
        return LoadBalancer(str(name), str(lb_type), str(scheme), subnets, groups, tuple(listeners))

    def _listener(self, data: Any, at: Path_, lb_type: str) -> Listener | None:
        if not self._mapping(data, at, _LISTENER_KEYS, ("Port", "Protocol", "DefaultActions")):
            return None
        ok = True
        port = self._int(data.get("Port"), (*at, "Port")) if "Port" in data else None
        if port is not None and not 1 <= port <= 65535:
            self.refuse(_range_message("port", port, 1, 65535), *at, "Port")
        protocol = data.get("Protocol")
        if "Protocol" in data and self._enum(protocol, (*at, "Protocol"), _PROTOCOLS):
            allowed = APPLICATION_PROTOCOLS if lb_type == "application" else NETWORK_PROTOCOLS
            if protocol not in allowed:
                # wording UNCONFIRMED
                choices = "HTTPS, HTTP" if lb_type == "application" else "TCP_UDP, TLS, UDP, TCP"
                self.refuse(f"ValidationError: Listener protocol '{protocol}' must be one of '{choices}'", *at, "Protocol")
            certificates = data.get("Certificates") or []
            if protocol in ("HTTPS", "TLS") and not certificates:
                # wording UNCONFIRMED (the API requires exactly one certificate for HTTPS and TLS listeners)
                self.refuse(f"CertificateNotFound: A certificate must be specified for {protocol} listeners", *at, "Protocol")
            elif protocol in ("HTTPS", "TLS") and isinstance(certificates, list) and len(certificates) > 1:
                # API: CreateListener.Certificates ("You must provide exactly one certificate."); more are
                # added with AddListenerCertificates. Wording UNCONFIRMED.
                self.refuse(
                    f"ValidationError: A {protocol} listener is created with exactly one certificate; add more with AddListenerCertificates",
                    *at, "Certificates",
                )
        else:
            ok = False
        for key in ("Certificates", "SslPolicy"):
            if key in data:
                self._diag((*at, key), f"'{key}' is accepted but not simulated", key=True, severity="note")
        actions = self._list(data.get("DefaultActions", []), (*at, "DefaultActions")) if "DefaultActions" in data else []
        default = self._actions(actions, (*at, "DefaultActions"), lb_type)
        rules: list[Rule] = []
        if "Rules" in data:
            raw_rules = self._list(data["Rules"], (*at, "Rules"))
            if raw_rules and lb_type == "network":
                # API: CreateRule ("The listener must be associated with an Application Load Balancer.")
                self.refuse("ValidationError: Rules can be added only to listeners of an Application Load Balancer; a Network Load Balancer listener has only its default action", *at, "Rules")  # wording UNCONFIRMED
            priorities: set[int] = set()
            for j, raw in enumerate(raw_rules):
                rule = self._rule(raw, (*at, "Rules", j), lb_type)
                if rule is None:
                    continue
                if rule.priority in priorities:
                    # API: CreateRule error PriorityInUse
                    self.refuse("PriorityInUse: The specified priority is in use.", *at, "Rules", j, "Priority")
                priorities.add(rule.priority)
                rules.append(rule)
        if not ok or port is None or default is None:
            return None
        return Listener(port, str(protocol), default, tuple(sorted(rules, key=lambda r: r.priority)))

    def _rule(self, data: Any, at: Path_, lb_type: str) -> Rule | None:
        if not self._mapping(data, at, _RULE_KEYS, _RULE_KEYS):
            return None
        priority = self._int(data.get("Priority"), (*at, "Priority")) if "Priority" in data else None
        if priority is not None and not 1 <= priority <= MAX_PRIORITY:
            self.refuse(_range_message("priority", priority, 1, MAX_PRIORITY), *at, "Priority")
        conditions: list[Condition] = []
        seen: set[str] = set()
        values = 0
        raw_conditions = self._list(data.get("Conditions", []), (*at, "Conditions")) if "Conditions" in data else []
        if "Conditions" in data and isinstance(data["Conditions"], list) and not raw_conditions:
            # API: CreateRule (a rule other than the default has one or more conditions)
            self.refuse("ValidationError: A rule must have at least one condition", *at, "Conditions")  # wording UNCONFIRMED
        for k, raw in enumerate(raw_conditions):
            condition = self._condition(raw, (*at, "Conditions", k))
            if condition is None:
                continue
            if condition.field in _ONCE_PER_RULE and condition.field in seen:
                self.refuse(f"ValidationError: A rule can have only one '{condition.field}' condition", *at, "Conditions", k, "Field")  # wording UNCONFIRMED
            seen.add(condition.field)
            values += len(condition.values)
            conditions.append(condition)
        if values > MAX_VALUES_PER_RULE:
            # §6.4: quota "Condition values per rule" (5); observed form "A rule can only have '5' condition values"
            self.refuse(f"TooManyConditionValues: A rule can only have '{MAX_VALUES_PER_RULE}' condition values", *at, "Conditions")  # wording UNCONFIRMED
        actions = self._list(data.get("Actions", []), (*at, "Actions")) if "Actions" in data else []
        action = self._actions(actions, (*at, "Actions"), lb_type)
        if priority is None or action is None:
            return None
        return Rule(priority, tuple(conditions), action)

    def _condition(self, data: Any, at: Path_) -> Condition | None:
        if not self._mapping(data, at, _CONDITION_KEYS, ("Field",)):
            return None
        name = data.get("Field")
        if "Field" not in data or not self._enum(name, (*at, "Field"), _FIELDS):
            return None
        if name not in _SIMULATED_FIELDS:
            self._diag((*at, "Field"), f"the lab does not simulate '{name}' conditions (its requests have a path, a host, headers and a method); use path-pattern, host-header, http-header or http-request-method")
            return None
        config_key = _CONFIG_OF[name]
        for other in _CONFIG_OF.values():
            if other != config_key and other in data:
                self._diag((*at, other), f"'{other}' does not go with Field '{name}'; expected '{config_key}'", key=True)
        header = None
        values: tuple[str, ...] = ()
        if config_key in data:
            config = data[config_key]
            keys = ("HttpHeaderName", "Values") if name == "http-header" else ("Values",)
            if self._mapping(config, (*at, config_key), keys, keys):
                values = self._strings(config.get("Values", []), (*at, config_key, "Values")) if "Values" in config else ()
                if name == "http-header" and "HttpHeaderName" in config and self._string(config["HttpHeaderName"], (*at, config_key, "HttpHeaderName")):
                    header = config["HttpHeaderName"]
        if "Values" in data:
            if name not in ("path-pattern", "host-header"):
                # API: RuleCondition.Values is the older form, for path-pattern and host-header only
                self._diag((*at, "Values"), f"'Values' goes with path-pattern and host-header only; write '{config_key}'", key=True)
            elif config_key in data:
                self._diag((*at, "Values"), f"give either 'Values' or '{config_key}', not both", key=True)
            else:
                values = self._strings(data["Values"], (*at, "Values"))
        if not values and (config_key in data or "Values" in data):
            self.refuse("ValidationError: A condition must have at least one value", *at)  # wording UNCONFIRMED
        elif not values:
            self._diag(at, f"missing '{config_key}' for the {name} condition")
            return None
        if len(values) > MAX_VALUES_PER_CONDITION and name in ("path-pattern", "host-header", "http-header"):
            # §6.4: up to three comparison strings per condition
            self.refuse(f"ValidationError: A '{name}' condition can have at most {MAX_VALUES_PER_CONDITION} values", *at)  # wording UNCONFIRMED
        return Condition(str(name), values, header)

    def _actions(self, actions: list[Any], at: Path_, lb_type: str) -> ForwardAction | None:
        """The routing action of an action list (the last one, as ELB performs it)."""
        if not actions:
            if isinstance(actions, list):
                self._diag(at, f"'{at[-1]}' needs one action (forward, fixed-response or redirect)")
            return None
        if len(actions) > 1:
            # The lab models only the final routing action (authenticate-* actions are not simulated).
            self._diag((*at, 1), "the lab simulates one action per rule (forward, fixed-response or redirect)")
            return None
        return self._action(actions[0], (*at, 0), lb_type)

    def _action(self, data: Any, at: Path_, lb_type: str) -> ForwardAction | None:
        if not self._mapping(data, at, _ACTION_KEYS, ("Type",)):
            return None
        kind = data.get("Type")
        if "Type" not in data or not self._enum(kind, (*at, "Type"), _ACTION_TYPES):
            return None
        if "Order" in data:
            self._int(data["Order"], (*at, "Order"))
        if kind != "forward" and lb_type == "network":
            # API: Action.Type (Network Load Balancers support forward only)
            self.refuse(f"ValidationError: Action type '{kind}' is not supported by Network Load Balancers; use 'forward'", *at, "Type")  # wording UNCONFIRMED
        if kind == "fixed-response":
            config = data.get("FixedResponseConfig")
            if not self._mapping(config, (*at, "FixedResponseConfig"), _FIXED_KEYS, ("StatusCode",)):
                return None
            code = config.get("StatusCode")
            text = str(code) if isinstance(code, (int, str)) and not isinstance(code, bool) else None
            if text is None or not _STATUS_RE.fullmatch(text):
                # API: FixedResponseActionConfig.StatusCode (2XX, 4XX or 5XX)
                self._diag((*at, "FixedResponseConfig", "StatusCode"), f"invalid value '{code}' for 'StatusCode'; expected an HTTP code 2XX, 4XX or 5XX")
                return None
            return ForwardAction("fixed-response", status_code=int(text))
        if kind == "redirect":
            if "RedirectConfig" not in data:
                self._diag(at, "missing required key 'RedirectConfig'")
                return None
            config = data["RedirectConfig"]
            status = config.get("StatusCode", "HTTP_301") if isinstance(config, dict) else "HTTP_301"
            return ForwardAction("redirect", status_code=302 if status == "HTTP_302" else 301)
        return self._forward(data, at, lb_type)

    def _forward(self, data: dict[str, Any], at: Path_, lb_type: str) -> ForwardAction | None:
        groups: list[tuple[str, int]] = []
        if "TargetGroupArn" in data and self._string(data["TargetGroupArn"], (*at, "TargetGroupArn")):
            groups.append((data["TargetGroupArn"], 1))
        if "ForwardConfig" in data:
            config = data["ForwardConfig"]
            here = (*at, "ForwardConfig")
            if self._mapping(config, here, _FORWARD_KEYS, ("TargetGroups",)):
                if "TargetGroupStickinessConfig" in config:
                    self._diag((*here, "TargetGroupStickinessConfig"), "'TargetGroupStickinessConfig' is accepted but not simulated", key=True, severity="note")
                tuples = self._list(config.get("TargetGroups", []), (*here, "TargetGroups")) if "TargetGroups" in config else []
                from_config: list[tuple[str, int]] = []
                for i, item in enumerate(tuples):
                    rel = (*here, "TargetGroups", i)
                    if not self._mapping(item, rel, _TUPLE_KEYS, ("TargetGroupArn",)) or not self._string(item.get("TargetGroupArn"), (*rel, "TargetGroupArn")):
                        continue
                    weight = 1
                    if "Weight" in item:
                        value = self._int(item["Weight"], (*rel, "Weight"))
                        if value is None:
                            continue
                        if not 0 <= value <= MAX_WEIGHT:
                            self.refuse(_range_message("weight", value, 0, MAX_WEIGHT), *rel, "Weight")
                        weight = value
                    from_config.append((item["TargetGroupArn"], weight))
                if groups and from_config and [g for g, _ in from_config] != [groups[0][0]]:
                    # API: Action.TargetGroupArn ("If you specify both ForwardConfig and TargetGroupArn, you can specify only one target group using ForwardConfig and it must be the same target group specified in TargetGroupArn.")
                    self.refuse("ValidationError: With both ForwardConfig and TargetGroupArn, ForwardConfig may name only the target group TargetGroupArn names", *here)  # wording UNCONFIRMED
                elif from_config:
                    groups = from_config
                names = [g for g, _ in groups]
                if len(set(names)) < len(names):
                    self.refuse("ValidationError: A forward action cannot name the same target group twice", *here, "TargetGroups")  # wording UNCONFIRMED
                if len(groups) > MAX_TARGET_GROUPS_PER_ACTION:
                    # §6.4: an NLB's forward action takes weighted target groups too (since November
                    # 2025); its count limit is UNCONFIRMED: the lab applies the ALB's 5.
                    kind = "an Application" if lb_type == "application" else "a Network"
                    self.refuse(f"TooManyTargetGroups: A forward action of {kind} Load Balancer can name at most {MAX_TARGET_GROUPS_PER_ACTION} target groups", *here, "TargetGroups")  # wording UNCONFIRMED
                if groups and all(w == 0 for _, w in groups):
                    self.refuse("ValidationError: At least one target group of a forward action must have a weight above 0", *here, "TargetGroups")  # wording UNCONFIRMED
        if not groups:
            if "TargetGroupArn" not in data and "ForwardConfig" not in data:
                self._diag(at, "a forward action needs 'TargetGroupArn' or 'ForwardConfig'")
            return None
        return ForwardAction("forward", tuple(groups))


def parse_load_balancer(doc: Document, path: Path_ = (), *, collect_refusals: bool = False) -> ParsedLoadBalancer:
    """Load a load balancer (CreateLoadBalancer + CreateListener + CreateRule) from ``doc``.

    Args:
        doc: the loaded YAML/JSON document.
        path: where the load balancer sits in ``doc``.
        collect_refusals: return ELB's refusals in ``.refusals`` instead of raising them.

    Raises:
        SourceErrors: every shape error (and every refusal unless collected), positioned.
    """
    from lab.config.task_definition import client_exception_diagnostics

    data = doc.get(path) if path else doc.data
    checker = _Checker(doc, path)
    model = checker.load_balancer(data)
    if checker.errors or model is None:
        raise SourceErrors(sorted(checker.errors, key=lambda d: (d.line, d.col)))
    refusals = client_exception_diagnostics(doc, path, checker.refusals)
    if refusals and not collect_refusals:
        raise SourceErrors(refusals)
    return ParsedLoadBalancer(model, sorted(checker.notes, key=lambda d: (d.line, d.col)), refusals)


NLB_TARGET_PROTOCOLS: dict[str, frozenset[str]] = {
    "TCP": frozenset({"TCP", "TCP_UDP"}),
    "TLS": frozenset({"TCP", "TLS"}),
    "UDP": frozenset({"UDP", "TCP_UDP"}),
    "TCP_UDP": frozenset({"TCP_UDP"}),
}
"""Target-group protocols a Network Load Balancer listener of each protocol forwards to (§6.4;
NLB guide, "Routing configuration": TCP → TCP or TCP_UDP, TLS → TCP or TLS, UDP → UDP or
TCP_UDP, TCP_UDP → TCP_UDP). An ALB's HTTP and HTTPS listeners forward to HTTP and HTTPS groups alike."""


def type_mismatch_text(lb_type: str, target_group: Any) -> str | None:
    """ELB's refusal of a target group whose protocol the load balancer's type cannot forward to
    (HTTP/HTTPS behind an ALB, TCP/TLS/UDP/TCP_UDP behind an NLB; §6.4), or None when it fits."""
    fits = APPLICATION_PROTOCOLS if lb_type == "application" else NETWORK_PROTOCOLS
    if target_group.protocol in fits:
        return None
    kind = "an Application" if lb_type == "application" else "a Network"
    return (
        f"ValidationError: Target group '{target_group.name}' uses protocol {target_group.protocol}, which {kind} Load Balancer "
        f"cannot forward to (it needs {' or '.join(sorted(fits))})"
    )  # wording UNCONFIRMED


def association_limit_text(arn: str) -> str:
    """ELB's refusal of a target group another load balancer forwards to (§6.4: quota "Load
    balancers per target group" is 1; API: TargetGroupAssociationLimitException; wording UNCONFIRMED)."""
    return f"The following target groups cannot be associated with more than one load balancer: {arn}"


def load_balancer_errors(
    model: LoadBalancer,
    target_groups: Mapping[str, Any],
    other_load_balancers: Mapping[str, tuple[str, ...]] | None = None,
    *,
    region: str = DEFAULT_REGION,
    account: str = DEFAULT_ACCOUNT,
) -> list[ClientException]:
    """What ELB refuses about a load balancer given the target groups and other load balancers in force.

    Every forwarded-to target group must exist, and its protocol must fit the load balancer's
    type (HTTP/HTTPS behind an Application Load Balancer, TCP/TLS/UDP/TCP_UDP behind a Network
    Load Balancer) and, on a Network Load Balancer, the listener's protocol
    (``NLB_TARGET_PROTOCOLS``); a target group another load balancer already forwards to cannot
    be associated with this one (§6.4).

    Args:
        model: the load balancer.
        target_groups: the target groups that exist, by name (or ARN).
        other_load_balancers: every other load balancer's name → the names of the target groups it forwards to.
        region: region of the ARNs quoted in messages.
        account: account of the ARNs quoted in messages.
    """
    errors: list[ClientException] = []
    taken = {tg: name for name, groups in sorted((other_load_balancers or {}).items()) for tg in groups if name != model.name}
    for i, listener in enumerate(model.listeners):
        places: list[tuple[tuple[str | int, ...], ForwardAction]] = [(("Listeners", i, "DefaultActions", 0), listener.default_action)]
        places += [(("Listeners", i, "Rules", j, "Actions", 0), rule.action) for j, rule in enumerate(listener.rules)]
        for where, action in places:
            for ref, _weight in action.target_groups:
                tg = find_target_group(ref, target_groups)
                if tg is None:
                    # API: error TargetGroupNotFound ("The specified target group does not exist.")
                    errors.append(ClientException(f"TargetGroupNotFound: The specified target group does not exist. (no target-group file has the name '{ref}')", where))
                    continue
                arn = ref if ref.startswith("arn:") else target_group_arn(tg.name, region, account)
                unfit = type_mismatch_text(model.type, tg)
                if unfit is not None:
                    errors.append(ClientException(unfit, where))
                elif model.type == "network" and tg.protocol not in NLB_TARGET_PROTOCOLS.get(listener.protocol, NETWORK_PROTOCOLS):
                    # API: IncompatibleProtocolsException; the text's start is observed
                    # (hashicorp/terraform-provider-aws#4955), its end UNCONFIRMED.
                    errors.append(ClientException(
                        f"IncompatibleProtocols: The listener and its associated target group '{arn}' have incompatible protocols "
                        f"(a {listener.protocol} listener forwards to {' or '.join(sorted(NLB_TARGET_PROTOCOLS[listener.protocol]))} target groups, "
                        f"not {tg.protocol})", where,
                    ))
                if tg.name in taken:
                    errors.append(ClientException(f"TargetGroupAssociationLimit: {association_limit_text(arn)} (load balancer {taken[tg.name]} forwards to it)", where))
    return errors


# -- editor schema (lab schema) ------------------------------------------------------------


def load_balancer_json_schema() -> dict[str, Any]:
    """The JSON Schema of a load-balancer file: what ``parse_load_balancer`` accepts."""
    from lab.config.json_schema import NOT_SIMULATED

    strings = {"type": "array", "items": {"type": "string"}}
    target_group_tuple = {
        "type": "object",
        "properties": {"TargetGroupArn": {"type": "string"}, "Weight": {"type": "integer"}},
        "required": ["TargetGroupArn"],
        "additionalProperties": False,
    }
    action = {
        "type": "object",
        "properties": {
            "Type": {"enum": list(_ACTION_TYPES)},
            "TargetGroupArn": {"type": "string", "description": "The target group (name or ARN) a forward action sends to."},
            "ForwardConfig": {
                "type": "object",
                "properties": {
                    "TargetGroups": {"type": "array", "items": target_group_tuple, "description": "Weighted target groups (weights 0-999), on an ALB or an NLB; requests or connections split by weight."},
                    "TargetGroupStickinessConfig": {"type": "object", "description": NOT_SIMULATED},
                },
                "required": ["TargetGroups"],
                "additionalProperties": False,
            },
            "FixedResponseConfig": {
                "type": "object",
                "properties": {"StatusCode": {"type": ["string", "integer"]}, "ContentType": {"type": "string"}, "MessageBody": {"type": "string"}},
                "required": ["StatusCode"],
                "additionalProperties": False,
            },
            "RedirectConfig": {"type": "object"},
            "Order": {"type": "integer"},
        },
        "required": ["Type"],
        "additionalProperties": False,
        "allOf": [
            {"if": {"properties": {"Type": {"const": "fixed-response"}}, "required": ["Type"]}, "then": {"required": ["FixedResponseConfig"]}},
            {"if": {"properties": {"Type": {"const": "redirect"}}, "required": ["Type"]}, "then": {"required": ["RedirectConfig"]}},
            {
                "if": {"properties": {"Type": {"const": "forward"}}, "required": ["Type"]},
                "then": {"anyOf": [{"required": ["TargetGroupArn"]}, {"required": ["ForwardConfig"]}]},
            },
        ],
    }
    values_config = {"type": "object", "properties": {"Values": strings}, "required": ["Values"], "additionalProperties": False}
    condition = {
        "type": "object",
        "properties": {
            "Field": {"enum": list(_SIMULATED_FIELDS)},
            "Values": strings,
            "PathPatternConfig": values_config,
            "HostHeaderConfig": values_config,
            "HttpRequestMethodConfig": values_config,
            "HttpHeaderConfig": {
                "type": "object",
                "properties": {"HttpHeaderName": {"type": "string"}, "Values": strings},
                "required": ["HttpHeaderName", "Values"],
                "additionalProperties": False,
            },
        },
        "required": ["Field"],
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"Field": {"const": name}}, "required": ["Field"]},
                "then": {"anyOf": [{"required": [_CONFIG_OF[name]]}, {"required": ["Values"]}]} if name in ("path-pattern", "host-header") else {"required": [_CONFIG_OF[name]]},
            }
            for name in _SIMULATED_FIELDS
        ],
    }
    rule = {
        "type": "object",
        "properties": {
            "Priority": {"type": "integer", "description": "1-50000; lower values are evaluated first."},
            "Conditions": {"type": "array", "items": condition},
            "Actions": {"type": "array", "items": action, "minItems": 1},
        },
        "required": list(_RULE_KEYS),
        "additionalProperties": False,
    }
    listener = {
        "type": "object",
        "properties": {
            "Port": {"type": "integer"},
            "Protocol": {"enum": list(_PROTOCOLS)},
            "DefaultActions": {"type": "array", "items": action, "minItems": 1},
            "Rules": {"type": "array", "items": rule},
            "Certificates": {"type": "array", "description": NOT_SIMULATED},
            "SslPolicy": {"type": "string", "description": NOT_SIMULATED},
        },
        "required": ["Port", "Protocol", "DefaultActions"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "description": "ELBv2 CreateLoadBalancer input with its listeners (CreateListener) and their rules (CreateRule).",
        "properties": {
            "Name": {"type": "string", "pattern": _NAME_RE.pattern, "maxLength": 32},
            "Type": {"enum": list(_TYPES), "description": "application (layer 7, rules) or network (layer 4)."},
            "Scheme": {"enum": list(_SCHEMES), "description": "internet-facing (default) or internal (reachable only from the VPC)."},
            "Subnets": {"type": "array", "items": {"type": "string", "pattern": _SUBNET_RE.pattern}, "description": "One subnet per Availability Zone (subnet-0laba is us-east-1a)."},
            "SecurityGroups": strings,
            "IpAddressType": {"type": "string", "description": NOT_SIMULATED},
            "Tags": {"type": "array", "description": NOT_SIMULATED},
            "Listeners": {"type": "array", "items": listener, "minItems": 1},
        },
        "required": list(_REQUIRED),
        "additionalProperties": False,
    }
