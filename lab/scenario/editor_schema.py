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

Each kind's schema is a function in its ``lab.config`` module (``task_definition_json_schema``;
shared pieces in ``lab.config.json_schema``), beside what it describes. This module adds:

- The scenario and the simulation document are their pydantic models, with each file's
  ``content`` and the world's fixed resources checked against the kind's schema.

Every schema is JSON Schema draft-07 (what yaml-language-server supports) and self-contained:
one file, no references to other files, so it works wherever it is copied.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from lab.scenario import kinds

__all__ = [
    "DIALECT",
    "MODELINE_PREFIX",
    "SCHEMA_FOLDER",
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

Schema = dict[str, Any]
"""A JSON Schema document or fragment."""


def modeline(schema_path: str) -> str:
    """The first line that points yaml-language-server at a schema (a relative path or a URL)."""
    return f"{MODELINE_PREFIX}{schema_path}\n"


def schema_file(name: str) -> str:
    """The file name of a schema: ``task-definition`` → ``task-definition.schema.json``."""
    return f"{name}.schema.json"


def render(schema: Schema) -> str:
    """A schema as the text written to disk (stable: sorted keys, two-space indent)."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def titled(schema: Schema, title: str, description: str) -> Schema:
    """A schema with the dialect, a title and a description at the top (a schema file's header)."""
    out = {"$schema": DIALECT, "title": title, "description": description}
    out.update({k: v for k, v in schema.items() if k not in ("title", "description")})
    if schema.get("description"):
        out["description"] = f"{description}\n\n{schema['description']}"
    return out


def model_schema(model: type[BaseModel]) -> Schema:
    """A pydantic model's schema for an instructor's file: by alias, draft-07, field docstrings as descriptions."""
    from lab.config.json_schema import model_schema as build

    return build(model)


def _builder(module: str, name: str) -> Callable[[], Schema]:
    """A kind's schema function in ``lab.config`` (imported on first use, as the parsers are)."""

    def build() -> Schema:
        schema: Schema = getattr(importlib.import_module(f"lab.config.{module}"), name)()
        return schema

    return build


_BUILDERS: dict[str, Callable[[], Schema]] = {
    "account-setting": _builder("account_setting", "account_setting_json_schema"),
    "event-rule": _builder("event_rule", "event_rule_json_schema"),
    "iam-role": _builder("iam", "role_json_schema"),
    "security-group": _builder("security_group", "security_group_json_schema"),
    "target-group": _builder("target_group", "target_group_json_schema"),
    "load-balancer": _builder("load_balancer", "load_balancer_json_schema"),
    "auto-scaling-group": _builder("auto_scaling_group", "auto_scaling_group_json_schema"),
    "capacity-provider": _builder("capacity_provider", "capacity_provider_json_schema"),
    "cluster-capacity-providers": _builder("capacity_provider", "cluster_capacity_providers_json_schema"),
    "task-definition": _builder("task_definition", "task_definition_json_schema"),
    "service": _builder("service", "service_json_schema"),
    "scalable-target": _builder("autoscaling", "scalable_target_json_schema"),
    "scaling-policy": _builder("autoscaling", "scaling_policy_json_schema"),
    "asg-scaling-policy": _builder("auto_scaling_group", "asg_scaling_policy_json_schema"),
    "metric-alarm": _builder("metric_alarm", "metric_alarm_json_schema"),
    "deployment-group": _builder("codedeploy", "deployment_group_json_schema"),
    "appspec": _builder("codedeploy", "appspec_json_schema"),
}
"""A schema builder for every YAML file kind (``agent-config`` is ``ecs.config`` text, not YAML)."""


def schema_kinds() -> tuple[str, ...]:
    """The file kinds that have a schema (every kind whose content is YAML), in apply order."""
    return tuple(k.name for k in kinds.KINDS if not k.text)


_CACHE: dict[str, Schema] = {}


def _kind_body(name: str) -> Schema:
    """A kind's schema without the top-level dialect and title (shared, so callers copy)."""
    if name not in _CACHE:
        _CACHE[name] = _BUILDERS[name]()
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
