"""Provides IAM identity-policy evaluation: may this principal perform an action on a resource?

The logic is AWS's for identity-based policies: an explicit ``Deny`` in any applicable
statement wins; otherwise an applicable ``Allow`` is needed; otherwise the request is
implicitly denied. ``Action``/``NotAction`` and ``Resource``/``NotResource`` may be a string
or a list; ``*`` and ``?`` are wildcards. Action names match case-insensitively, resource
ARNs case-sensitively. In a resource ARN a wildcard stays inside its colon-separated
segment, except that a ``*`` ending a segment may run past colons (IAM User Guide,
"IAM JSON policy elements: Resource").

Deliberately not modelled, because the lab only grades identity policies:

* ``Condition`` is not evaluated. A statement with a condition applies as if it held, and
  the decision says so (``assumed_condition``); an unconditional statement is preferred as
  the reason when both kinds match.
* Policy variables such as ``${aws:username}`` are matched literally.
* Service control policies, permission boundaries, session policies and resource-based
  policies (bucket or repository policies) are outside this module; a caller that models
  them must combine their decisions itself.

Documents are compiled once: pass ``CompiledPolicy`` objects from ``compile_policy`` for
hot paths, or plain ``(label, document)`` pairs, which are compiled and cached by content.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

__all__ = [
    "CompiledPolicy",
    "CompiledStatement",
    "IamDecision",
    "PolicyError",
    "PolicyInput",
    "actions_allowed",
    "compile_policy",
    "denial_message",
    "evaluate",
    "is_wildcard_grant",
    "known_managed_policies",
    "managed_policy",
]

_MANAGED_POLICIES_FILE = "managed_policies.json"
_COMPILE_CACHE_LIMIT = 1024


class PolicyError(ValueError):
    """A policy document that is not valid IAM policy JSON."""


@dataclass(frozen=True)
class IamDecision:
    """The outcome of evaluating one request against a set of policies."""

    allowed: bool
    """True when the request is allowed."""
    reason: str
    """``allowed``, ``explicit-deny`` or ``implicit-deny``."""
    matched: tuple[str, int] | None
    """(policy label, statement index) of the deciding statement; None for implicit deny."""
    assumed_condition: bool
    """True when the deciding statement has a ``Condition`` that was assumed to hold."""


@dataclass(frozen=True)
class CompiledStatement:
    """One policy statement with its wildcards turned into regular expressions."""

    index: int
    """Position of the statement in the policy's ``Statement`` list (0-based)."""
    effect: str
    """``Allow`` or ``Deny``."""
    action_patterns: tuple[str, ...]
    """``Action`` (or ``NotAction``) patterns as written; empty when neither is present."""
    not_action: bool
    """True when the patterns came from ``NotAction``."""
    resource_patterns: tuple[str, ...]
    """``Resource`` (or ``NotResource``) patterns as written; empty when neither is present."""
    not_resource: bool
    """True when the patterns came from ``NotResource``."""
    has_condition: bool
    """True when the statement carries a ``Condition`` block."""
    _action_regex: re.Pattern[str] | None = field(repr=False, compare=False, hash=False)
    _resource_regex: re.Pattern[str] | None = field(repr=False, compare=False, hash=False)

    def applies_to(self, action: str, resource: str) -> bool:
        """Tells whether the statement covers the request (its effect aside).

        Args:
            action: The requested action, e.g. ``ecr:GetAuthorizationToken``.
            resource: The requested resource ARN, or ``*``.

        Returns:
            True when both the action and the resource element match.
        """
        return _element_matches(self._action_regex, self.not_action, action) and _element_matches(
            self._resource_regex, self.not_resource, resource
        )


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy document compiled for fast evaluation; build it with ``compile_policy``."""

    label: str
    """Name used in decisions, e.g. a managed policy ARN or ``inline:MyPolicy``."""
    statements: tuple[CompiledStatement, ...]
    """The document's statements in order."""


PolicyInput = Union[CompiledPolicy, tuple[str, Mapping[str, Any]]]
"""What the evaluation functions accept: a compiled policy or a ``(label, document)`` pair."""


def compile_policy(label: str, document: Mapping[str, Any]) -> CompiledPolicy:
    """Compiles an IAM policy document.

    Args:
        label: Name reported in decisions, e.g. ``arn:aws:iam::aws:policy/...`` or
            ``inline:MyPolicy``.
        document: The policy JSON as plain data: ``{"Version": ..., "Statement": ...}``,
            where ``Statement`` is one object or a list.

    Returns:
        The compiled policy.

    Raises:
        PolicyError: The document is not a mapping, has no ``Statement``, or a statement has
            a bad ``Effect``, both ``Action`` and ``NotAction`` (or both ``Resource`` and
            ``NotResource``), or a non-string pattern.
    """
    if not isinstance(document, Mapping):
        raise PolicyError(f"{label}: a policy document must be a JSON object")
    if "Statement" not in document:
        raise PolicyError(f"{label}: the policy document has no 'Statement'")
    raw_statements = document["Statement"]
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, Sequence) or isinstance(raw_statements, str):
        raise PolicyError(f"{label}: 'Statement' must be an object or a list of objects")
    statements = tuple(
        _compile_statement(label, index, statement) for index, statement in enumerate(raw_statements)
    )
    return CompiledPolicy(label, statements)


def evaluate(policies: Iterable[PolicyInput], action: str, resource: str = "*") -> IamDecision:
    """Decides one request the way IAM does for identity-based policies.

    Args:
        policies: ``CompiledPolicy`` objects or ``(label, document)`` pairs, in any mix.
        action: The requested action, e.g. ``ecr:GetAuthorizationToken``.
        resource: The requested resource ARN; ``*`` for actions without resource-level
            permissions.

    Returns:
        The decision, naming the deciding statement.

    Raises:
        PolicyError: A document is malformed.
    """
    conditional_deny: tuple[str, int] | None = None
    allow: tuple[str, int] | None = None
    conditional_allow: tuple[str, int] | None = None
    for policy in _compiled(policies):
        for statement in policy.statements:
            if not statement.applies_to(action, resource):
                continue
            where = (policy.label, statement.index)
            if statement.effect == "Deny":
                if not statement.has_condition:
                    return IamDecision(False, "explicit-deny", where, False)
                conditional_deny = conditional_deny or where
            elif statement.has_condition:
                conditional_allow = conditional_allow or where
            else:
                allow = allow or where
    if conditional_deny is not None:
        return IamDecision(False, "explicit-deny", conditional_deny, True)
    if allow is not None:
        return IamDecision(True, "allowed", allow, False)
    if conditional_allow is not None:
        return IamDecision(True, "allowed", conditional_allow, True)
    return IamDecision(False, "implicit-deny", None, False)


def actions_allowed(
    policies: Iterable[PolicyInput], candidate_actions: Iterable[str], resource: str = "*"
) -> list[str]:
    """Filters actions down to those the policies allow on one resource.

    Args:
        policies: ``CompiledPolicy`` objects or ``(label, document)`` pairs.
        candidate_actions: Actions to test, e.g. the ones a check requires.
        resource: The resource ARN every action is tested against.

    Returns:
        The allowed actions, in the order given.

    Raises:
        PolicyError: A document is malformed.
    """
    compiled = _compiled(policies)
    return [action for action in candidate_actions if evaluate(compiled, action, resource).allowed]


def is_wildcard_grant(policies: Iterable[PolicyInput]) -> bool:
    """Tells whether any Allow grants whole services on every resource.

    Used to grade least privilege: a role "fixed" with ``*`` must not pass. A statement
    counts when its effect is Allow, it applies to every resource (``Resource`` contains
    ``*`` or it uses ``NotResource``), and it grants ``*``, a ``service:*`` pattern, or
    uses ``NotAction``. Narrow patterns such as ``ecr:Get*`` do not count; a Condition does
    not excuse a statement.

    Args:
        policies: ``CompiledPolicy`` objects or ``(label, document)`` pairs.

    Returns:
        True when such a statement exists.

    Raises:
        PolicyError: A document is malformed.
    """
    for policy in _compiled(policies):
        for statement in policy.statements:
            if statement.effect != "Allow":
                continue
            if not (statement.not_resource or "*" in statement.resource_patterns):
                continue
            if statement.not_action or any(
                _is_service_wildcard(pattern) for pattern in statement.action_patterns
            ):
                return True
    return False


def denial_message(
    principal_arn: str, action: str, resource: str, *, explicit_deny: bool = False
) -> str:
    """Formats AWS's AccessDenied text (docs/ecs-facts.md §3.5).

    Args:
        principal_arn: The caller, e.g.
            ``arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0abc``.
        action: The denied action.
        resource: The resource ARN, or ``*``.
        explicit_deny: True when a Deny statement decided, which AWS reports by appending
            `` with an explicit deny``.

    Returns:
        ``User: <principal> is not authorized to perform: <action> on resource: <resource>``.
    """
    message = f"User: {principal_arn} is not authorized to perform: {action} on resource: {resource}"
    return message + " with an explicit deny" if explicit_deny else message


def managed_policy(arn: str) -> Mapping[str, Any] | None:
    """Returns the document of a known AWS managed policy.

    Args:
        arn: The full policy ARN, e.g.
            ``arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy``.

    Returns:
        A fresh copy of the policy document, or None when the ARN is not in the catalogue.
    """
    document = _catalogue().get(arn)
    return None if document is None else copy.deepcopy(document)


def known_managed_policies() -> list[str]:
    """Returns the ARNs of every managed policy in the catalogue, sorted."""
    return sorted(_catalogue())


# --- internals ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _catalogue() -> dict[str, dict[str, Any]]:
    text = (
        importlib.resources.files("lab.sim")
        .joinpath("data", _MANAGED_POLICIES_FILE)
        .read_text(encoding="utf-8")
    )
    return {arn: entry["Document"] for arn, entry in json.loads(text).items()}


_compile_cache: dict[tuple[str, str], CompiledPolicy] = {}


def _compiled(policies: Iterable[PolicyInput]) -> list[CompiledPolicy]:
    compiled: list[CompiledPolicy] = []
    for item in policies:
        if isinstance(item, CompiledPolicy):
            compiled.append(item)
            continue
        label, document = item
        # Keyed by content, not identity, so a document edited in place is recompiled.
        key = (label, _content_key(document))
        policy = _compile_cache.get(key)
        if policy is None:
            if len(_compile_cache) >= _COMPILE_CACHE_LIMIT:
                _compile_cache.clear()
            policy = _compile_cache[key] = compile_policy(label, document)
        compiled.append(policy)
    return compiled


def _content_key(document: Any) -> str:
    # C-accelerated and canonical; repr() keeps non-JSON values from raising here, and
    # compile_policy then reports them properly.
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=repr)


def _compile_statement(label: str, index: int, statement: Any) -> CompiledStatement:
    where = f"{label}: statement {index}"
    if not isinstance(statement, Mapping):
        raise PolicyError(f"{where} must be a JSON object")
    effect = statement.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where} has Effect {effect!r}; expected 'Allow' or 'Deny'")
    actions, not_action = _element(where, statement, "Action", "NotAction")
    resources, not_resource = _element(where, statement, "Resource", "NotResource")
    return CompiledStatement(
        index=index,
        effect=effect,
        action_patterns=actions,
        not_action=not_action,
        resource_patterns=resources,
        not_resource=not_resource,
        has_condition=bool(statement.get("Condition")),
        _action_regex=_patterns_regex(actions, _action_pattern_regex, re.IGNORECASE),
        _resource_regex=_patterns_regex(resources, _resource_pattern_regex, 0),
    )


def _element(
    where: str, statement: Mapping[str, Any], name: str, negated_name: str
) -> tuple[tuple[str, ...], bool]:
    """Reads ``Action``/``NotAction`` (or the resource pair); absent means matching nothing."""
    if name in statement and negated_name in statement:
        raise PolicyError(f"{where} has both {name} and {negated_name}; use one")
    negated = negated_name in statement
    raw = statement.get(negated_name if negated else name, ())
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise PolicyError(
            f"{where}: {negated_name if negated else name} must be a string or a list of strings"
        )
    return tuple(values), negated


def _patterns_regex(
    patterns: tuple[str, ...], translate: Callable[[str], str], flags: int
) -> re.Pattern[str] | None:
    """One regex for a list of wildcard patterns; None when the list is empty."""
    if not patterns:
        return None
    if "*" in patterns:
        return re.compile(".*", re.DOTALL)
    alternatives = "|".join(translate(pattern) for pattern in dict.fromkeys(patterns))
    return re.compile(f"(?:{alternatives})", flags | re.DOTALL)


def _action_pattern_regex(pattern: str) -> str:
    return "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )


def _resource_pattern_regex(pattern: str) -> str:
    parts: list[str] = []
    for index, char in enumerate(pattern):
        if char == "*":
            # A '*' that ends an ARN segment may expand past colons; elsewhere it stays inside.
            ends_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
            parts.append(".*" if ends_segment else "[^:]*")
        elif char == "?":
            parts.append("[^:]")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


def _element_matches(regex: re.Pattern[str] | None, negated: bool, value: str) -> bool:
    if regex is None:
        return False
    return (regex.fullmatch(value) is None) if negated else (regex.fullmatch(value) is not None)


def _is_service_wildcard(pattern: str) -> bool:
    """``*``, ``ecr:*``, ``*:*`` and the like: whole services, not a family of actions."""
    if ":" not in pattern:
        return "*" in pattern
    action_part = pattern.split(":", 1)[1]
    return action_part != "" and set(action_part) == {"*"}
