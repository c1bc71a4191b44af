"""Provides JSON Schemas of the files instructors and learners write, for editors (``lab schema``).

Each schema says what the file's loader accepts, so an editor running yaml-language-server
completes keys, shows descriptions and flags errors before ``lab validate`` does:

- API-shaped learner files (task definitions, services, capacity providers, Application Auto
  Scaling) are checked by the loader against the botocore input shape first
  (``lab.config.shapes.check_shape``): every key AWS knows is accepted, unsimulated ones with a
  note. Their schemas are therefore built from the same shape (types, enums, lengths, ranges,
  required members), with descriptions from the pydantic models for what the lab simulates and
  "Accepted but not simulated" for the rest.
- Learner files validated by a pydantic model (account setting, Auto Scaling group, EC2 Auto
  Scaling policy, CloudWatch alarm) take the model's ``model_json_schema``, widened where the
  loader is (CloudFormation's numbers written as strings).
- CloudFormation-shaped files checked by hand (IAM role, security group, target group) have a
  schema written beside the checker's own key lists.
- The scenario and the simulation document are their pydantic models, with each file's
  ``content`` and the world's fixed resources checked against the kind's schema.

Every schema is JSON Schema draft-07 (what yaml-language-server supports) and self-contained:
one file, no references to other files, so it works wherever it is copied.
"""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import json
import sys
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from lab.scenario import kinds

__all__ = [
    "DIALECT",
    "MODELINE_PREFIX",
    "SCHEMA_FOLDER",
    "attribute_docstrings",
    "kind_schema",
    "model_schema",
    "modeline",
    "render",
    "scenario_schema",
    "schema_file",
    "schema_kinds",
    "sim_document_schema",
    "titled",
]

DIALECT = "http://json-schema.org/draft-07/schema#"
"""The JSON Schema dialect: yaml-language-server supports draft-07 and earlier."""

MODELINE_PREFIX = "# yaml-language-server: $schema="
"""How a YAML file names its schema for yaml-language-server (a comment to every loader)."""

SCHEMA_FOLDER = ".schemas"
"""Where ``lab start`` and ``lab new`` put the schemas their files point at, beside the files."""

NOT_SIMULATED = "Accepted but not simulated by the lab."

Schema = dict[str, Any]


def modeline(schema_path: str) -> str:
    """The first line that points yaml-language-server at a schema (a relative path or a URL)."""
    return f"{MODELINE_PREFIX}{schema_path}\n"


def schema_file(name: str) -> str:
    """The file name of a schema: ``task-definition`` → ``task-definition.schema.json``."""
    return f"{name}.schema.json"


def render(schema: Schema) -> str:
    """A schema as the text written to disk (stable: sorted keys, two-space indent)."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# -- helpers ---------------------------------------------------------------------------------------


def _draft7(node: Any) -> Any:
    """Rewrite pydantic's output for draft-07: a ``$ref`` with siblings goes under ``allOf``.

    Draft-07 ignores every keyword beside ``$ref``; wrapping keeps the description (and any
    default) visible to an editor and the reference in force.
    """
    if isinstance(node, list):
        return [_draft7(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _draft7(value) for key, value in node.items()}
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out["allOf"] = [{"$ref": ref}, *out.get("allOf", [])]
    # pydantic's OpenAPI-style hint; draft-07 has no such keyword and editors ignore it.
    out.pop("discriminator", None)
    return out


def attribute_docstrings(cls: type) -> dict[str, str]:
    """The docstrings written under a class's annotated attributes (its own and its bases'), by name.

    The house documents each field with a string on the line under it; pydantic reads those
    only with ``use_attribute_docstrings``, which costs every model a source parse when it is
    built. The schema reads them here instead, when it is asked for (one parse per module).
    """
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass.__module__.startswith("lab."):
            docs.update(_module_docstrings(klass.__module__).get(klass.__qualname__, {}))
    return docs


@functools.cache
def _module_docstrings(module: str) -> dict[str, dict[str, str]]:
    """Every class's attribute docstrings in a module: class qualname → field → text."""
    try:
        source = inspect.getsource(sys.modules[module])
    except (KeyError, OSError, TypeError):
        return {}
    out: dict[str, dict[str, str]] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                name = f"{prefix}{node.name}"
                fields = out.setdefault(name, {})
                for item, following in zip(node.body, node.body[1:]):
                    if (
                        isinstance(item, ast.AnnAssign)
                        and isinstance(item.target, ast.Name)
                        and isinstance(following, ast.Expr)
                        and isinstance(following.value, ast.Constant)
                        and isinstance(following.value.value, str)
                    ):
                        fields[item.target.id] = inspect.cleandoc(following.value.value)
                visit(node.body, f"{name}.")

    visit(ast.parse(source).body, "")
    return out


class _WithAttributeDocstrings(GenerateJsonSchema):
    """pydantic's schema generator, plus each field's attribute docstring as its description."""

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        cls = schema["cls"]
        properties = json_schema.get("properties")
        if isinstance(properties, dict) and issubclass(cls, BaseModel):
            docs = attribute_docstrings(cls)
            for name, info in cls.model_fields.items():
                key = info.validation_alias if isinstance(info.validation_alias, str) else info.alias or name
                if key in properties and name in docs and "description" not in properties[key]:
                    properties[key]["description"] = _plain(docs[name])
        return json_schema


def _plain(doc: str) -> str:
    """A docstring as an editor shows it: reST literals as Markdown code, lines joined into paragraphs."""
    text = doc.replace("``", "`")
    return "\n\n".join(" ".join(part.split()) for part in text.split("\n\n"))


def model_schema(model: type[BaseModel]) -> Schema:
    """The model's JSON Schema as the loader reads it: by alias, for validation, draft-07, field docstrings as descriptions."""
    raw = model.model_json_schema(by_alias=True, mode="validation", schema_generator=_WithAttributeDocstrings)
    schema: Schema = _draft7(raw)
    return schema


def titled(schema: Schema, title: str, description: str) -> Schema:
    """A schema with the dialect, a title and a description at the top (a schema file's header)."""
    out = {"$schema": DIALECT, "title": title, "description": description}
    out.update({k: v for k, v in schema.items() if k not in ("title", "description")})
    if schema.get("description"):
        out["description"] = f"{description}\n\n{schema['description']}"
    return out


def _resolve(root: Schema, node: Schema | None) -> Schema | None:
    """Follow a pydantic node to the object schema it stands for (through ``$ref``, ``anyOf`` and ``allOf``)."""
    for _ in range(10):
        if not isinstance(node, dict):
            return None
        if "$ref" in node:
            node = root.get("$defs", {}).get(node["$ref"].rsplit("/", 1)[-1])
            continue
        for key in ("allOf", "anyOf", "oneOf"):
            if key in node:
                found = [_resolve(root, option) for option in node[key]]
                objects = [f for f in found if f is not None and ("properties" in f or "items" in f or "additionalProperties" in f)]
                node = objects[0] if objects else None
                break
        else:
            return node
    return None


# -- API-shaped kinds: from the botocore shape the loader checks first -------------------------


class _ShapeSchemas:
    """Turns the committed botocore shapes into JSON Schema, with the loader's leniencies."""

    def __init__(self, modelled: frozenset[str], model: type[BaseModel], *, unranged: frozenset[str] = frozenset()) -> None:
        from lab.config import shapes

        self.shapes: dict[str, Any] = shapes.load_shapes()["shapes"]
        self.int_as_string = shapes._INT_AS_STRING
        self.extra_required = shapes._EXTRA_REQUIRED
        self.modelled = modelled
        self.ancestors = shapes._modelled_ancestors(modelled)
        self.pydantic = model.model_json_schema(by_alias=True, mode="validation", schema_generator=_WithAttributeDocstrings)
        self.unranged = unranged
        self.defs: dict[str, Schema] = {}

    def root(self, shape_name: str) -> Schema:
        schema = self._structure(shape_name, "", self.pydantic, tracking=True)
        schema["$defs"] = dict(sorted(self.defs.items()))
        return schema

    def _node(self, shape_name: str, generic: str, pyd: Schema | None, tracking: bool, owner: tuple[str, str] | None) -> Schema:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if kind == "document":
            return {}
        if kind == "structure":
            if tracking:
                # Inline while paths are tracked: the simulated/not-simulated split is per path.
                return self._structure(shape_name, generic, pyd, tracking=True)
            key = shape_name.replace(".", "_")
            if key not in self.defs:
                self.defs[key] = {}  # recursion guard
                self.defs[key] = self._structure(shape_name, generic, None, tracking=False)
            return {"$ref": f"#/$defs/{key}"}
        if kind == "list":
            items_pyd = _resolve(self.pydantic, pyd.get("items")) if isinstance(pyd, dict) and "items" in pyd else None
            out: Schema = {"type": "array", "items": self._node(shape["member"], f"{generic}[]", items_pyd, tracking, None)}
            if "min" in shape:
                out["minItems"] = shape["min"]
            if "max" in shape:
                out["maxItems"] = shape["max"]
            return out
        if kind == "map":
            out = {"type": "object", "additionalProperties": self._node(shape["value"], f"{generic}{{}}", None, False, None)}
            key_enum = self.shapes[shape["key"]].get("enum")
            if key_enum:
                out["propertyNames"] = {"enum": list(key_enum)}
            return out
        return self._scalar(shape, owner, generic)

    def _scalar(self, shape: Schema, owner: tuple[str, str] | None, generic: str) -> Schema:
        kind = shape["type"]
        ranged = generic not in self.unranged
        out: Schema
        if kind in ("string", "blob"):
            out = {"type": ["string", "integer"]} if owner in self.int_as_string else {"type": "string"}
            if shape.get("enum"):
                out["enum"] = list(shape["enum"])
            if "min" in shape and ranged:
                out["minLength"] = shape["min"]
            if "max" in shape and ranged:
                out["maxLength"] = shape["max"]
            return out
        if kind in ("integer", "long", "double", "float"):
            out = {"type": "integer" if kind in ("integer", "long") else "number"}
            if "min" in shape and ranged:
                out["minimum"] = shape["min"]
            if "max" in shape and ranged:
                out["maximum"] = shape["max"]
            return out
        if kind == "boolean":
            return {"type": "boolean"}
        if kind == "timestamp":
            return {"type": ["string", "number"]}
        return {}

    def _structure(self, shape_name: str, generic: str, pyd: Schema | None, *, tracking: bool) -> Schema:
        shape = self.shapes[shape_name]
        members: dict[str, str] = shape.get("members", {})
        pyd_props: dict[str, Any] = (pyd or {}).get("properties", {})
        properties: dict[str, Schema] = {}
        for name, target in members.items():
            child = f"{generic}.{name}" if generic else name
            simulated = not tracking or child in self.ancestors or child in self.modelled
            child_tracking = tracking and child in self.ancestors
            child_pyd = _resolve(self.pydantic, pyd_props.get(name)) if child_tracking else None
            node = self._node(target, child, child_pyd, child_tracking, (shape_name, name))
            description = pyd_props.get(name, {}).get("description") if tracking else None
            if not simulated:
                description = NOT_SIMULATED
            if description:
                node = {"description": description, "allOf": [node]} if "$ref" in node else {**node, "description": description}
            properties[name] = node
        out: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
        required = list(shape.get("required", ())) + [n for n in self.extra_required.get(shape_name, ()) if n not in shape.get("required", ())]
        if required:
            out["required"] = required
        if shape.get("union"):
            out["minProperties"] = 1
            out["maxProperties"] = 1
        if tracking and pyd and pyd.get("description"):
            out["description"] = pyd["description"]
        return out


def _shape_kind(shape: str, modelled: frozenset[str], model: type[BaseModel], *, unranged: frozenset[str] = frozenset()) -> Schema:
    return _ShapeSchemas(modelled, model, unranged=unranged).root(shape)


def _task_definition() -> Schema:
    from lab.config.task_definition import _ROOT_SHAPE, TASK_DEFINITION_MODELLED, TaskDefinition

    return _shape_kind(_ROOT_SHAPE, TASK_DEFINITION_MODELLED, TaskDefinition)


def _service() -> Schema:
    from lab.config.service import _ROOT_SHAPE, SERVICE_MODELLED, Service

    return _shape_kind(_ROOT_SHAPE, SERVICE_MODELLED, Service)


def _capacity_provider() -> Schema:
    from lab.config.capacity_provider import _PROVIDER_MODELLED, CapacityProvider

    # The loader refuses these ranges in ECS's own words as refusals a starting file may
    # carry (lab.config.capacity_provider._shape), not as shape errors.
    unranged = frozenset(
        f"autoScalingGroupProvider.managedScaling.{name}"
        for name in ("targetCapacity", "minimumScalingStepSize", "maximumScalingStepSize", "instanceWarmupPeriod")
    )
    schema = _shape_kind("ecs.CreateCapacityProviderRequest", _PROVIDER_MODELLED, CapacityProvider, unranged=unranged)
    # The lab simulates capacity providers of Auto Scaling groups only.
    schema["required"] = sorted({*schema.get("required", ()), "autoScalingGroupProvider"})
    return schema


def _cluster_capacity_providers() -> Schema:
    from lab.config.capacity_provider import _CLUSTER_MODELLED, ClusterCapacityProviders

    return _shape_kind("ecs.PutClusterCapacityProvidersRequest", _CLUSTER_MODELLED, ClusterCapacityProviders)


def _scalable_target() -> Schema:
    from lab.config.autoscaling import SCALABLE_TARGET_MODELLED, ScalableTarget

    return _shape_kind("application-autoscaling.RegisterScalableTargetRequest", SCALABLE_TARGET_MODELLED, ScalableTarget)


def _scaling_policy() -> Schema:
    from lab.config.autoscaling import SCALING_POLICY_MODELLED, ScalingPolicy

    schema = _shape_kind("application-autoscaling.PutScalingPolicyRequest", SCALING_POLICY_MODELLED, ScalingPolicy)
    # The loader refuses what the lab does not simulate (lab.config.autoscaling._lab_needs).
    policy_type = schema["properties"].get("PolicyType", {})
    if "enum" in policy_type:
        policy_type["enum"] = [e for e in policy_type["enum"] if e != "PredictiveScaling"]
    return schema


# -- pydantic-validated kinds ---------------------------------------------------------------------


def _digits_too(node: Schema) -> Schema:
    """An integer that may also be written as a string of digits (CloudFormation's String type)."""
    description = node.pop("description", None)
    out: Schema = {"anyOf": [node, {"type": "string", "pattern": r"^\d+$"}]}
    if description:
        out["description"] = description
    return out


def _account_setting() -> Schema:
    from lab.config.account_setting import AccountSetting

    return model_schema(AccountSetting)


def _metric_alarm() -> Schema:
    from lab.config.metric_alarm import MetricAlarm

    return model_schema(MetricAlarm)


def _auto_scaling_group() -> Schema:
    from lab.config.auto_scaling_group import _GroupInput

    schema = model_schema(_GroupInput)
    properties = schema["properties"]
    for name in ("MinSize", "MaxSize", "DesiredCapacity", "DefaultCooldown"):
        node = properties[name]
        if "anyOf" in node:  # DesiredCapacity: integer or null
            node["anyOf"] = [_digits_too(o) if o.get("type") == "integer" else o for o in node["anyOf"]]
        else:
            properties[name] = _digits_too(node)
    schema["description"] = "The CloudFormation properties of AWS::AutoScaling::AutoScalingGroup."
    return schema


def _asg_scaling_policy() -> Schema:
    from lab.config.auto_scaling_group import AsgScalingPolicy
    from lab.config.autoscaling import StepAdjustment

    schema = model_schema(AsgScalingPolicy)
    step = model_schema(StepAdjustment)
    schema.setdefault("$defs", {}).update(step.pop("$defs", {}))
    schema["$defs"]["StepAdjustment"] = step
    schema["properties"]["StepAdjustments"]["items"] = {"$ref": "#/$defs/StepAdjustment"}
    return schema


# -- CloudFormation-shaped kinds checked by hand ---------------------------------------------------


def _string_or_list(description: str) -> Schema:
    return {
        "description": description,
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
    }


def _tags(keys: tuple[str, ...], description: str = NOT_SIMULATED) -> Schema:
    return {
        "description": description,
        "type": "array",
        "items": {
            "type": "object",
            "properties": {k: {"type": "string"} for k in keys},
            "required": list(keys),
            "additionalProperties": False,
        },
    }


def _iam_role() -> Schema:
    from lab.config import iam

    role_docs = model_schema(iam.Role)["properties"]

    def doc(name: str) -> str:
        return str(role_docs.get(name, {}).get("description", ""))

    principal: Schema = {
        "anyOf": [
            {"const": "*"},
            {
                "type": "object",
                "properties": {key: _string_or_list(f"{key} principals.") for key in iam._PRINCIPAL_KEYS},
                "additionalProperties": False,
                "minProperties": 1,
            },
        ]
    }
    statement: Schema = {
        "type": "object",
        "properties": {
            "Sid": {"type": "string", "description": "Optional statement id."},
            "Effect": {"enum": list(iam._EFFECTS), "description": "Whether the statement grants or denies."},
            "Action": _string_or_list("Actions matched (ecr:BatchGetImage, s3:*); exactly one of Action and NotAction."),
            "NotAction": _string_or_list("Actions excluded; exactly one of Action and NotAction."),
            "Resource": _string_or_list("Resources matched (ARNs or *); identity policies only."),
            "NotResource": _string_or_list("Resources excluded; identity policies only."),
            "Principal": {**principal, "description": "* or principal type → values; trust policies only."},
            "NotPrincipal": {**principal, "description": "Principals excluded; trust policies only."},
            "Condition": {
                "type": "object",
                "additionalProperties": {"type": "object"},
                "description": "Condition operators → keys → values. " + NOT_SIMULATED,
            },
        },
        "required": ["Effect"],
        "additionalProperties": False,
    }
    policy: Schema = {
        "type": "object",
        "properties": {
            "Version": {"enum": list(iam._VERSIONS), "description": "The policy language version (2012-10-17)."},
            "Id": {"type": "string", "description": "Optional policy id."},
            "Statement": {
                "description": "One statement or a list of them.",
                "anyOf": [{"$ref": "#/$defs/Statement"}, {"type": "array", "items": {"$ref": "#/$defs/Statement"}, "minItems": 1}],
            },
        },
        "required": ["Statement"],
        "additionalProperties": False,
    }
    arn = {"type": "string", "pattern": iam._MANAGED_ARN_RE.pattern}
    properties: Schema = {
        "RoleName": {"type": "string", "pattern": iam._ROLE_NAME_RE.pattern, "description": doc("RoleName")},
        "AssumeRolePolicyDocument": {"description": doc("AssumeRolePolicyDocument"), "allOf": [{"$ref": "#/$defs/PolicyDocument"}]},
        "ManagedPolicyArns": {"type": "array", "items": arn, "description": doc("ManagedPolicyArns")},
        "Policies": {
            "description": doc("Policies"),
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "PolicyName": {"type": "string", "description": "Name unique within the role."},
                    "PolicyDocument": {"description": "The identity policy.", "allOf": [{"$ref": "#/$defs/PolicyDocument"}]},
                },
                "required": ["PolicyDocument", "PolicyName"],
                "additionalProperties": False,
            },
        },
        "Path": {"type": "string", "pattern": "^/(.*/)?$", "description": doc("Path")},
        "Description": {"type": "string", "description": doc("Description")},
        "MaxSessionDuration": {"type": "integer", "minimum": iam._MAX_SESSION_RANGE_S[0], "maximum": iam._MAX_SESSION_RANGE_S[1], "description": NOT_SIMULATED},
        "PermissionsBoundary": {**arn, "description": NOT_SIMULATED},
        "Tags": _tags(iam._TAG_KEYS),
    }
    return {
        "type": "object",
        "description": "The CloudFormation properties of AWS::IAM::Role.",
        "properties": properties,
        "required": ["AssumeRolePolicyDocument"],
        "additionalProperties": False,
        "$defs": {"PolicyDocument": policy, "Statement": statement},
    }


def _security_group() -> Schema:
    from lab.config import security_group as sg

    text = {"type": "string", "maxLength": sg._MAX_TEXT_CHARS}
    port = {"type": "integer", "minimum": sg._ICMP_RANGE[0], "maximum": sg._PORT_RANGE[1]}
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

    def rule(keys: tuple[str, ...]) -> Schema:
        properties: Schema = {}
        for key in keys:
            if key == "IpProtocol":
                properties[key] = protocol
            elif key in ("FromPort", "ToPort"):
                properties[key] = {**port, "description": rule_docs[key]}
            elif key == "Description":
                properties[key] = {**text, "description": rule_docs[key]}
            else:
                properties[key] = {"type": "string", "description": rule_docs[key]}
        return {"type": "object", "properties": properties, "required": ["IpProtocol"], "additionalProperties": False}

    return {
        "type": "object",
        "description": "The CloudFormation properties of AWS::EC2::SecurityGroup.",
        "properties": {
            "GroupName": {**text, "description": "The group's name (instances, load balancers and other rules refer to it)."},
            "GroupDescription": {**text, "description": "Free text, required by EC2."},
            "SecurityGroupIngress": {"type": "array", "items": rule(sg._INGRESS_KEYS), "description": "Inbound rules: what may reach members."},
            "SecurityGroupEgress": {"type": "array", "items": rule(sg._EGRESS_KEYS), "description": "Outbound rules (default: all traffic anywhere)."},
            "Tags": _tags(sg._TAG_KEYS),
            "VpcId": {"type": "string", "description": NOT_SIMULATED + " The lab has one VPC."},
        },
        "required": ["GroupDescription"],
        "additionalProperties": False,
    }


def _target_group() -> Schema:
    from lab.config import target_group as tg

    integer_ranges = {key: (low, high) for key, (_, low, high) in tg._RANGES.items()}
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
    properties: Schema = {}
    for key in tg._KEYS:
        node: Schema
        if key in integer_ranges:
            low, high = integer_ranges[key]
            node = {"type": "integer", "minimum": low, "maximum": high}
        elif key == "Protocol":
            node = {"enum": list(tg._PROTOCOLS)}
        elif key == "TargetType":
            node = {"enum": list(tg._TARGET_TYPES)}
        elif key == "HealthCheckProtocol":
            node = {"enum": list(tg._HEALTH_CHECK_PROTOCOLS)}
        elif key == "ProtocolVersion":
            node = {"enum": list(tg._PROTOCOL_VERSIONS)}
        elif key == "IpAddressType":
            node = {"enum": list(tg._IP_ADDRESS_TYPES)}
        elif key == "HealthCheckEnabled":
            node = {"type": "boolean"}
        elif key == "HealthCheckPort":
            node = {"type": ["string", "integer"]}
        elif key == "Name":
            node = {"type": "string", "pattern": tg._NAME_RE.pattern, "maxLength": tg._MAX_NAME_CHARS}
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
            node = _tags(tg._TAG_KEYS)
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
        if key in tg._NOT_SIMULATED_KEYS:
            node["description"] = NOT_SIMULATED
        elif key in docs:
            node["description"] = docs[key]
        properties[key] = node
    return {
        "type": "object",
        "description": "The CloudFormation properties of AWS::ElasticLoadBalancingV2::TargetGroup.",
        "properties": properties,
        "required": ["Name"],
        "additionalProperties": False,
    }


_BUILDERS: dict[str, Callable[[], Schema]] = {
    "account-setting": _account_setting,
    "iam-role": _iam_role,
    "security-group": _security_group,
    "target-group": _target_group,
    "auto-scaling-group": _auto_scaling_group,
    "capacity-provider": _capacity_provider,
    "cluster-capacity-providers": _cluster_capacity_providers,
    "task-definition": _task_definition,
    "service": _service,
    "scalable-target": _scalable_target,
    "scaling-policy": _scaling_policy,
    "asg-scaling-policy": _asg_scaling_policy,
    "metric-alarm": _metric_alarm,
}
"""A schema builder for every YAML file kind (``agent-config`` is ``ecs.config`` text, not YAML)."""


def schema_kinds() -> tuple[str, ...]:
    """The file kinds that have a schema (every kind whose content is YAML), in apply order."""
    return tuple(k.name for k in kinds.KINDS if not k.text)


_CACHE: dict[str, Schema] = {}


def _kind_body(name: str) -> Schema:
    """A kind's schema without the top-level dialect and title (shared, so callers copy)."""
    if name not in _CACHE:
        _CACHE[name] = _draft7(_BUILDERS[name]())
    return _CACHE[name]


def kind_schema(name: str) -> Schema | None:
    """The schema of a learner file of kind ``name`` (None for a plain-text kind such as ``agent-config``)."""
    record = kinds.get(name)
    if record is None:
        raise KeyError(f"unknown file kind {name!r}")
    if record.text:
        return None
    body = copy.deepcopy(_kind_body(name))
    article = "An" if name[0] in "aeiou" else "A"
    return titled(body, f"ECS Lab {name} file", f"{article} {name} file: {record.summary}.")


# -- scenario and simulation document --------------------------------------------------------------


def _embed_kinds(schema: Schema) -> None:
    """Put every kind's schema under ``$defs`` (its own ``$defs`` renamed into the shared ones)."""
    defs = schema.setdefault("$defs", {})
    for name in schema_kinds():
        body = copy.deepcopy(_kind_body(name))
        prefix = f"kind-{name}-"
        inner = body.pop("$defs", {})
        text = json.dumps(body)
        inner_text = json.dumps(inner)
        for def_name in inner:
            text = text.replace(f'"#/$defs/{def_name}"', f'"#/$defs/{prefix}{def_name}"')
            inner_text = inner_text.replace(f'"#/$defs/{def_name}"', f'"#/$defs/{prefix}{def_name}"')
        for def_name, def_body in json.loads(inner_text).items():
            defs[f"{prefix}{def_name}"] = def_body
        defs[f"kind-{name}"] = json.loads(text)


def _content_by_kind() -> list[Schema]:
    """``if kind is X then content is X's shape (or YAML/JSON text)`` for every YAML kind."""
    rules = []
    for name in schema_kinds():
        rules.append({
            "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
            "then": {"properties": {"content": {"anyOf": [{"type": "string"}, {"$ref": f"#/$defs/kind-{name}"}]}}},
        })
    return rules


def _document(schema: Schema) -> Schema:
    """Shared changes to the scenario and the simulation document's schemas."""
    _embed_kinds(schema)
    defs = schema["$defs"]
    file_spec = defs["FileSpec"]
    file_spec["properties"]["kind"] = {**file_spec["properties"]["kind"], "enum": list(kinds.names())}
    file_spec["properties"]["content"]["description"] = (
        "The starting content: YAML/JSON text (a block scalar, content: |) or an inline mapping in the kind's AWS shape."
    )
    file_spec["allOf"] = _content_by_kind()
    world = defs["WorldSpec"]["properties"]
    for record in kinds.KINDS:
        if record.world_key and record.world_key in world:
            world[record.world_key]["items"] = {"$ref": f"#/$defs/kind-{record.name}"}
    return schema


def scenario_schema() -> Schema:
    """The schema of a scenario file (``scenarios/<id>.yaml``)."""
    from lab.scenario.schema import Scenario

    schema = _document(model_schema(Scenario))
    return titled(schema, "ECS Lab scenario", "A scenario: the incident, the world, the files to fix, how it is graded (docs/authoring.md).")


def sim_document_schema() -> Schema:
    """The schema of a simulation document (what ``lab sim FILE`` reads; ``content/sims/*.yaml``)."""
    from lab.scenario.schema import SimDocument

    schema = _document(model_schema(SimDocument))
    return titled(schema, "ECS Lab simulation document", "A world, the config files that run in it, and how long to run (lab sim FILE).")
