"""Provides the IAM role model learners edit, in the CloudFormation ``AWS::IAM::Role`` shape.

Validation is strict and positioned like the AWS shapes: unknown keys are errors with a
did-you-mean (``Efect`` → ``Effect``), values are case-sensitive as IAM is, and everything wrong
is reported in one pass. Policy *evaluation* lives in ``lab.sim.iam``; this module only parses.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_pascal

from lab.config.shapes import (
    Checker,
    did_you_mean,
    validation_diagnostics,
    value_label,
    where_phrase,
)
from lab.errors import Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "InlinePolicy",
    "ParsedRole",
    "PolicyDocument",
    "Role",
    "Statement",
    "Tag",
    "parse_role",
    "role_json_schema",
]

_ROLE_KEYS = (
    "AssumeRolePolicyDocument",
    "Description",
    "ManagedPolicyArns",
    "MaxSessionDuration",
    "Path",
    "PermissionsBoundary",
    "Policies",
    "RoleName",
    "Tags",
)
"""Properties of ``AWS::IAM::Role``."""

_NOT_SIMULATED_ROLE_KEYS = ("MaxSessionDuration", "PermissionsBoundary", "Tags")
"""Role properties the lab accepts but does not act on."""

_POLICY_KEYS = ("Id", "Statement", "Version")
_STATEMENT_KEYS = (
    "Action",
    "Condition",
    "Effect",
    "NotAction",
    "NotPrincipal",
    "NotResource",
    "Principal",
    "Resource",
    "Sid",
)
_PRINCIPAL_KEYS = ("AWS", "CanonicalUser", "Federated", "Service")
_INLINE_POLICY_KEYS = ("PolicyDocument", "PolicyName")
_TAG_KEYS = ("Key", "Value")

_VERSIONS = ["2012-10-17", "2008-10-17"]
_EFFECTS = ["Allow", "Deny"]

_MANAGED_ARN_RE = re.compile(r"^arn:aws(?:-cn|-us-gov)?:iam::(?:aws|\d{12}):policy/(?:[\w+=,.@-]+/)*[\w+=,.@-]+$")
_ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
_ACTION_RE = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")
_MAX_SESSION_RANGE_S = (3600, 43200)
"""Valid ``MaxSessionDuration`` (1 to 12 hours)."""


# --------------------------------------------------------------------------------------------
# Models


class _IamModel(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        populate_by_name=True,
        extra="forbid",
        alias_generator=to_pascal,
        allow_inf_nan=False,
    )


class Statement(_IamModel):
    """One policy statement, normalised: every Action/Resource-like field is a tuple."""

    sid: str | None = None
    """Optional statement id."""
    effect: Literal["Allow", "Deny"]
    """Whether the statement grants or denies."""
    action: tuple[str, ...] | None = None
    """Actions matched (``s3:GetObject``, ``ecr:*``); exclusive with ``not_action``."""
    not_action: tuple[str, ...] | None = None
    """Actions excluded; exclusive with ``action``."""
    resource: tuple[str, ...] | None = None
    """Resources matched (ARNs or ``*``); identity policies only."""
    not_resource: tuple[str, ...] | None = None
    """Resources excluded; identity policies only."""
    principal: str | dict[str, tuple[str, ...]] | None = None
    """``*`` or principal type → values (``{"Service": ("ecs-tasks.amazonaws.com",)}``); trust policies only."""
    not_principal: str | dict[str, tuple[str, ...]] | None = None
    """Principals excluded; trust policies only."""
    condition: dict[str, dict[str, Any]] | None = None
    """Kept as written; the lab's evaluator ignores conditions."""


class PolicyDocument(_IamModel):
    """A policy document with ``Statement`` always a tuple."""

    version: str | None = None
    """``2012-10-17`` or ``2008-10-17``."""
    id: str | None = None
    """Optional policy id."""
    statement: tuple[Statement, ...]
    """The statements."""

    def as_dict(self) -> dict[str, Any]:
        """Return the document as plain data with lists (``Statement``, ``Action``, ... always lists)."""
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return data


class InlinePolicy(_IamModel):
    """One entry of ``Policies``."""

    policy_name: str
    """Name unique within the role."""
    policy_document: PolicyDocument
    """The identity policy."""


class Tag(_IamModel):
    """One role tag."""

    key: str
    """Tag key."""
    value: str
    """Tag value."""


class Role(_IamModel):
    """An IAM role as written in CloudFormation ``AWS::IAM::Role`` properties."""

    role_name: str | None = None
    """The role name; CloudFormation generates one when omitted."""
    assume_role_policy_document: PolicyDocument
    """The trust policy: who may assume the role."""
    managed_policy_arns: tuple[str, ...] = ()
    """Attached managed policies (``arn:aws:iam::aws:policy/...``)."""
    policies: tuple[InlinePolicy, ...] = ()
    """Inline identity policies."""
    path: str | None = None
    """Role path, ``/`` by default."""
    description: str | None = None
    """Free text."""
    max_session_duration: int | None = None
    """Session limit in seconds (not simulated)."""
    permissions_boundary: str | None = None
    """Managed policy ARN limiting the role (not simulated)."""
    tags: tuple[Tag, ...] = ()
    """Tags (not simulated)."""

    def policy_documents(self) -> list[dict[str, Any]]:
        """Return the inline policy documents as plain, normalised dicts, in order."""
        return [policy.policy_document.as_dict() for policy in self.policies]

    def trusted_services(self) -> set[str]:
        """Return the service principals allowed to assume the role (``ecs-tasks.amazonaws.com``).

        Counts ``Allow`` statements whose actions cover ``sts:AssumeRole`` (wildcards
        included, case-insensitively as IAM matches actions).
        """
        services: set[str] = set()
        for statement in self.assume_role_policy_document.statement:
            if statement.effect != "Allow" or not isinstance(statement.principal, dict):
                continue
            actions = statement.action or ()
            if any(fnmatch.fnmatchcase("sts:assumerole", a.lower()) for a in actions):
                services.update(statement.principal.get("Service", ()))
        return services


@dataclass(frozen=True)
class ParsedRole:
    """A role that passed validation, plus the notes about it."""

    role: Role
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes, positioned at the keys they concern."""


# --------------------------------------------------------------------------------------------
# Validation


class _RoleChecker(Checker):
    """One validation pass over a role: collects errors and notes, returns normalised data."""

    def _strings(self, value: Any, rel: Path_) -> list[str] | None:
        """Accept a string or a non-empty list of strings; return it as a list."""
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            self._type_error(rel, "a string or a list of strings", value)
            return None
        if not value:
            self._diag(rel, f"'{value_label(rel)}' must not be an empty list")
            return None
        ok = all([self._string(item, (*rel, i)) for i, item in enumerate(value)])
        return list(value) if ok else None

    # -- role --------------------------------------------------------------------------------

    def role(self, data: Any) -> dict[str, Any] | None:
        if not self._mapping(data, (), _ROLE_KEYS, ("AssumeRolePolicyDocument",)):
            return None
        out: dict[str, Any] = {}
        for key in _NOT_SIMULATED_ROLE_KEYS:
            if key in data:
                self._diag((key,), f"'{key}' is accepted but not simulated", key=True, severity="note")
        if "RoleName" in data and self._string(data["RoleName"], ("RoleName",)):
            if not _ROLE_NAME_RE.fullmatch(data["RoleName"]):
                self._diag(("RoleName",), "'RoleName' must be 1-64 letters, digits or + = , . @ _ -")
            out["RoleName"] = data["RoleName"]
        for key in ("Description", "Path"):
            if key in data and self._string(data[key], (key,)):
                out[key] = data[key]
        path = data.get("Path")
        if isinstance(path, str) and not (path.startswith("/") and path.endswith("/")):
            self._diag(("Path",), "'Path' must start and end with '/', e.g. '/' or '/ecs/'")
        if "MaxSessionDuration" in data:
            seconds = data["MaxSessionDuration"]
            low, high = _MAX_SESSION_RANGE_S
            if not isinstance(seconds, int) or isinstance(seconds, bool):
                self._type_error(("MaxSessionDuration",), "an integer", seconds)
            elif not low <= seconds <= high:
                message = f"'MaxSessionDuration' must be between {low} and {high} seconds, got {seconds}"
                self._diag(("MaxSessionDuration",), message)
            else:
                out["MaxSessionDuration"] = seconds
        if "PermissionsBoundary" in data and self._managed_arn(data["PermissionsBoundary"], ("PermissionsBoundary",)):
            out["PermissionsBoundary"] = data["PermissionsBoundary"]
        if "ManagedPolicyArns" in data:
            arns = data["ManagedPolicyArns"]
            if not isinstance(arns, list):
                self._type_error(("ManagedPolicyArns",), "a list", arns)
            else:
                out["ManagedPolicyArns"] = [
                    arn for i, arn in enumerate(arns) if self._managed_arn(arn, ("ManagedPolicyArns", i))
                ]
        if "AssumeRolePolicyDocument" in data:
            trust = data["AssumeRolePolicyDocument"]
            out["AssumeRolePolicyDocument"] = self.policy(trust, ("AssumeRolePolicyDocument",), trust=True)
        if "Policies" in data:
            out["Policies"] = self.inline_policies(data["Policies"], ("Policies",))
        if "Tags" in data:
            out["Tags"] = self.tags(data["Tags"], ("Tags",))
        return out

    def _managed_arn(self, value: Any, rel: Path_) -> bool:
        if not self._string(value, rel):
            return False
        if not _MANAGED_ARN_RE.fullmatch(value):
            self._diag(
                rel,
                f"invalid managed policy ARN '{value}' for '{value_label(rel)}'; expected "
                "arn:aws:iam::aws:policy/<name> or arn:aws:iam::<12-digit account>:policy/<name>",
            )
            return False
        return True

    def inline_policies(self, value: Any, rel: Path_) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            self._type_error(rel, "a list", value)
            return []
        out = []
        names: set[str] = set()
        for i, entry in enumerate(value):
            here = (*rel, i)
            if not self._mapping(entry, here, _INLINE_POLICY_KEYS, _INLINE_POLICY_KEYS):
                continue
            name = entry.get("PolicyName")
            if "PolicyName" in entry and self._string(name, (*here, "PolicyName")):
                if name in names:
                    self._diag((*here, "PolicyName"), f"duplicate policy name '{name}'")
                names.add(name)
            if "PolicyDocument" in entry:
                document = self.policy(entry["PolicyDocument"], (*here, "PolicyDocument"), trust=False)
                out.append({"PolicyName": name, "PolicyDocument": document})
        return out

    def tags(self, value: Any, rel: Path_) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            self._type_error(rel, "a list", value)
            return []
        out = []
        for i, entry in enumerate(value):
            here = (*rel, i)
            if self._mapping(entry, here, _TAG_KEYS, _TAG_KEYS):
                if all([self._string(entry.get(k), (*here, k)) for k in _TAG_KEYS if k in entry]):
                    out.append(entry)
        return out

    # -- policy documents --------------------------------------------------------------------

    def policy(self, value: Any, rel: Path_, *, trust: bool) -> dict[str, Any] | None:
        if not self._mapping(value, rel, _POLICY_KEYS, ("Statement",)):
            return None
        out: dict[str, Any] = {}
        if "Version" in value and self._enum(value["Version"], (*rel, "Version"), _VERSIONS):
            out["Version"] = value["Version"]
        if "Id" in value and self._string(value["Id"], (*rel, "Id")):
            out["Id"] = value["Id"]
        if "Statement" not in value:
            return out
        statements = value["Statement"]
        here = (*rel, "Statement")
        if isinstance(statements, dict):
            out["Statement"] = [self.statement(statements, here, trust=trust)]
        elif isinstance(statements, list):
            if not statements:
                self._diag(here, "'Statement' must not be an empty list")
            out["Statement"] = [self.statement(s, (*here, i), trust=trust) for i, s in enumerate(statements)]
        else:
            self._type_error(here, "a mapping or a list of mappings", statements)
        return out

    def statement(self, value: Any, rel: Path_, *, trust: bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not self._mapping(value, rel, _STATEMENT_KEYS, ("Effect",)):
            return out
        if "Sid" in value and self._string(value["Sid"], (*rel, "Sid")):
            out["Sid"] = value["Sid"]
        if "Effect" in value and self._enum(value["Effect"], (*rel, "Effect"), _EFFECTS):
            out["Effect"] = value["Effect"]
        self._exactly_one(value, rel, "Action", "NotAction")
        for key in ("Action", "NotAction"):
            if key in value:
                actions = self._strings(value[key], (*rel, key))
                if actions is not None:
                    self._check_actions(actions, (*rel, key), listed=isinstance(value[key], list))
                    out[key] = actions
        if trust:
            for key in ("Resource", "NotResource"):
                if key in value:
                    message = f"'{key}' is not allowed in a trust policy (AssumeRolePolicyDocument)"
                    self._diag((*rel, key), message, key=True)
            self._exactly_one(value, rel, "Principal", "NotPrincipal")
        else:
            for key in ("Principal", "NotPrincipal"):
                if key in value:
                    self._diag(
                        (*rel, key),
                        f"'{key}' is not allowed in an identity policy; the principal is the role itself",
                        key=True,
                    )
            self._exactly_one(value, rel, "Resource", "NotResource")
            for key in ("Resource", "NotResource"):
                if key in value:
                    resources = self._strings(value[key], (*rel, key))
                    if resources is not None:
                        self._check_resources(resources, (*rel, key), listed=isinstance(value[key], list))
                        out[key] = resources
        for key in ("Principal", "NotPrincipal"):
            if trust and key in value:
                principal = self.principal(value[key], (*rel, key))
                if principal is not None:
                    out[key] = principal
        if "Condition" in value:
            self._diag(
                (*rel, "Condition"),
                "not simulated: conditions are ignored by the lab's IAM evaluator",
                key=True,
                severity="note",
            )
            if self._condition(value["Condition"], (*rel, "Condition")):
                out["Condition"] = value["Condition"]
        return out

    def _exactly_one(self, value: dict[str, Any], rel: Path_, first: str, second: str) -> None:
        if first in value and second in value:
            self._diag((*rel, second), f"a statement may have '{first}' or '{second}', not both", key=True)
        elif first not in value and second not in value:
            guesses = {did_you_mean(k, _STATEMENT_KEYS) for k in value if k not in _STATEMENT_KEYS}
            if first not in guesses and second not in guesses:
                self._diag(rel, f"missing required key '{first}' (or '{second}') {where_phrase(rel)}")

    def _check_actions(self, actions: list[str], rel: Path_, *, listed: bool) -> None:
        for i, action in enumerate(actions):
            if action != "*" and not _ACTION_RE.fullmatch(action):
                at = (*rel, i) if listed else rel
                expected = "expected 'service:action' (e.g. 'ecr:BatchGetImage') or '*'"
                self._diag(at, f"invalid action '{action}' for '{value_label(at)}'; {expected}")

    def _check_resources(self, resources: list[str], rel: Path_, *, listed: bool) -> None:
        for i, resource in enumerate(resources):
            if resource != "*" and not resource.startswith("arn:"):
                at = (*rel, i) if listed else rel
                self._diag(at, f"invalid resource '{resource}' for '{value_label(at)}'; expected an ARN or '*'")

    def principal(self, value: Any, rel: Path_) -> str | dict[str, list[str]] | None:
        if isinstance(value, str):
            if value != "*":
                expected = "expected '*' or a mapping such as {Service: ecs-tasks.amazonaws.com}"
                self._diag(rel, f"invalid principal '{value}'; {expected}")
                return None
            return value
        if not self._mapping(value, rel, _PRINCIPAL_KEYS):
            return None
        if not value:
            self._diag(rel, f"'{value_label(rel)}' must name at least one principal")
            return None
        out: dict[str, list[str]] = {}
        for key, item in value.items():
            if key in _PRINCIPAL_KEYS:
                names = self._strings(item, (*rel, key))
                if names is not None:
                    out[key] = names
        return out

    def _condition(self, value: Any, rel: Path_) -> bool:
        if not isinstance(value, dict):
            self._type_error(rel, "a mapping of condition operators", value)
            return False
        ok = True
        for operator, entries in value.items():
            if not isinstance(entries, dict):
                self._type_error((*rel, operator), "a mapping of condition keys", entries)
                ok = False
        return ok


def parse_role(doc: Document, path: Path_ = ()) -> ParsedRole:
    """Load an IAM role written as CloudFormation ``AWS::IAM::Role`` properties.

    Policy documents are normalised: ``Statement`` is always a list, and ``Action``,
    ``Resource`` (and their ``Not`` forms) and principal values are always lists.

    Args:
        doc: the loaded YAML/JSON document.
        path: where the role's properties sit in ``doc`` (the whole document by default).

    Returns:
        The role plus notes (conditions and other accepted-but-not-simulated keys).

    Raises:
        SourceErrors: every problem found, each positioned in the file.
    """
    data = doc.get(path) if path else doc.data
    checker = _RoleChecker(doc, path)
    normalised = checker.role(data)
    if checker.errors or normalised is None:
        raise SourceErrors(sorted(checker.errors, key=lambda d: (d.line, d.col)))
    try:
        role = Role.model_validate(normalised)
    except ValidationError as exc:
        raise SourceErrors(validation_diagnostics(doc, path, exc)) from None
    return ParsedRole(role, sorted(checker.notes, key=lambda d: (d.line, d.col)))


# -- editor schema (lab schema) ------------------------------------------------------------


def role_json_schema() -> dict[str, Any]:
    """The JSON Schema of an iam-role file: the ``AWS::IAM::Role`` properties ``parse_role`` accepts."""
    from lab.config.json_schema import NOT_SIMULATED, model_schema, string_or_list, tag_list

    role_docs = model_schema(Role)["properties"]

    def doc(name: str) -> str:
        return str(role_docs.get(name, {}).get("description", ""))

    principal: dict[str, Any] = {
        "anyOf": [
            {"const": "*"},
            {
                "type": "object",
                "properties": {key: string_or_list(f"{key} principals.") for key in _PRINCIPAL_KEYS},
                "additionalProperties": False,
                "minProperties": 1,
            },
        ]
    }
    common: dict[str, Any] = {
        "Sid": {"type": "string", "description": "Optional statement id."},
        "Effect": {"enum": list(_EFFECTS), "description": "Whether the statement grants or denies."},
        "Action": string_or_list("Actions matched (ecr:BatchGetImage, s3:*); exactly one of Action and NotAction."),
        "NotAction": string_or_list("Actions excluded; exactly one of Action and NotAction."),
        "Condition": {
            "type": "object",
            "additionalProperties": {"type": "object"},
            "description": "Condition operators → keys → values. " + NOT_SIMULATED,
        },
    }

    def statement(extra: dict[str, Any], one_of: tuple[str, str], description: str) -> dict[str, Any]:
        # The loader wants exactly one of Action/NotAction and one of the pair this policy
        # kind takes, and refuses the other pair (a principal in an identity policy, say).
        return {
            "type": "object",
            "description": description,
            "properties": {**common, **extra},
            "required": ["Effect"],
            "additionalProperties": False,
            "allOf": [
                {"oneOf": [{"required": ["Action"]}, {"required": ["NotAction"]}]},
                {"oneOf": [{"required": [one_of[0]]}, {"required": [one_of[1]]}]},
            ],
        }

    trust_statement = statement(
        {
            "Principal": {**principal, "description": "Who may assume the role: * or principal type → values ({Service: ecs-tasks.amazonaws.com})."},
            "NotPrincipal": {**principal, "description": "Principals excluded."},
        },
        ("Principal", "NotPrincipal"),
        "A trust policy statement: Principal (or NotPrincipal), no Resource.",
    )
    identity_statement = statement(
        {
            "Resource": string_or_list("Resources matched (ARNs or *)."),
            "NotResource": string_or_list("Resources excluded."),
        },
        ("Resource", "NotResource"),
        "An identity policy statement: Resource (or NotResource), no Principal.",
    )

    def policy(statement_ref: str, description: str) -> dict[str, Any]:
        return {
            "type": "object",
            "description": description,
            "properties": {
                "Version": {"enum": list(_VERSIONS), "description": "The policy language version (2012-10-17)."},
                "Id": {"type": "string", "description": "Optional policy id."},
                "Statement": {
                    "description": "One statement or a list of them.",
                    "anyOf": [{"$ref": statement_ref}, {"type": "array", "items": {"$ref": statement_ref}, "minItems": 1}],
                },
            },
            "required": ["Statement"],
            "additionalProperties": False,
        }

    arn = {"type": "string", "pattern": _MANAGED_ARN_RE.pattern}
    properties: dict[str, Any] = {
        "RoleName": {"type": "string", "pattern": _ROLE_NAME_RE.pattern, "description": doc("RoleName")},
        "AssumeRolePolicyDocument": {"description": doc("AssumeRolePolicyDocument"), "allOf": [{"$ref": "#/$defs/TrustPolicy"}]},
        "ManagedPolicyArns": {"type": "array", "items": arn, "description": doc("ManagedPolicyArns")},
        "Policies": {
            "description": doc("Policies"),
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "PolicyName": {"type": "string", "description": "Name unique within the role."},
                    "PolicyDocument": {"description": "The identity policy.", "allOf": [{"$ref": "#/$defs/IdentityPolicy"}]},
                },
                "required": ["PolicyDocument", "PolicyName"],
                "additionalProperties": False,
            },
        },
        "Path": {"type": "string", "pattern": "^/(.*/)?$", "description": doc("Path")},
        "Description": {"type": "string", "description": doc("Description")},
        "MaxSessionDuration": {"type": "integer", "minimum": _MAX_SESSION_RANGE_S[0], "maximum": _MAX_SESSION_RANGE_S[1], "description": NOT_SIMULATED},
        "PermissionsBoundary": {**arn, "description": NOT_SIMULATED},
        "Tags": tag_list(_TAG_KEYS),
    }
    return {
        "type": "object",
        "description": "The CloudFormation properties of AWS::IAM::Role.",
        "properties": properties,
        "required": ["AssumeRolePolicyDocument"],
        "additionalProperties": False,
        "$defs": {
            "TrustPolicy": policy("#/$defs/TrustStatement", "The trust policy: who may assume the role."),
            "TrustStatement": trust_statement,
            "IdentityPolicy": policy("#/$defs/IdentityStatement", "An identity policy: what the role may do."),
            "IdentityStatement": identity_statement,
        },
    }
