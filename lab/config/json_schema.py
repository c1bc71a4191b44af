"""Provides JSON Schemas of the learner file kinds, built from what each parser checks (``lab schema``).

Each config module offers a ``<kind>_json_schema()`` that says what its parser accepts, so an
editor can flag what the loader would refuse. The pieces they share are here:

- ``shape_schema``: a botocore input shape (the loader's first check, ``check_shape``) as JSON
  Schema: types, enums, lengths, ranges and required members, with the loader's leniencies
  (``cpu: 256``), descriptions from the pydantic model for the keys the lab simulates and
  "Accepted but not simulated by the lab." for the rest.
- ``model_schema``: a pydantic model's schema by alias, with each field's attribute docstring
  as its description.

Schemas are JSON Schema draft-07, the dialect yaml-language-server supports: ``draft7`` moves a
``$ref`` that has siblings under ``allOf`` (draft-07 ignores a ``$ref``'s siblings).
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

__all__ = [
    "NOT_SIMULATED",
    "Schema",
    "attribute_docstrings",
    "digits_too",
    "draft7",
    "model_schema",
    "shape_schema",
    "string_or_list",
    "tag_list",
]

NOT_SIMULATED = "Accepted but not simulated by the lab."
"""The description of a key the loader accepts (with a note) and the simulator ignores."""

Schema = dict[str, Any]
"""A JSON Schema document or fragment."""


def draft7(node: Any) -> Any:
    """Rewrite pydantic's output for draft-07 and for editors.

    - A ``$ref`` with siblings goes under ``allOf``: draft-07 ignores every keyword beside
      ``$ref``, and wrapping keeps the description visible and the reference in force.
    - A discriminated union (pydantic's ``oneOf`` plus an OpenAPI ``discriminator``, which
      draft-07 does not know) becomes "``kind`` is one of these; if it is X, the rest is X's
      shape": the same files pass, and an editor completes the kinds and reports a mistake
      against the one model meant instead of "not valid under any of the given schemas".
    """
    if isinstance(node, list):
        return [draft7(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: draft7(value) for key, value in node.items()}
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out["allOf"] = [{"$ref": ref}, *out.get("allOf", [])]
    discriminator = out.pop("discriminator", None)
    if isinstance(discriminator, dict) and discriminator.get("mapping") and "oneOf" in out:
        field, mapping = discriminator["propertyName"], discriminator["mapping"]
        del out["oneOf"]
        out.update({"type": "object", "required": [field], "properties": {field: {"enum": list(mapping)}}})
        out["allOf"] = [
            *out.get("allOf", []),
            *({"if": {"properties": {field: {"const": value}}, "required": [field]}, "then": {"$ref": ref}} for value, ref in mapping.items()),
        ]
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
    schema: Schema = draft7(raw)
    return schema


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


class _ShapeSchemas:
    """Turns the committed botocore shapes into JSON Schema, with the loader's leniencies."""

    def __init__(self, modelled: frozenset[str], model: type[BaseModel], *, unranged: frozenset[str] = frozenset()) -> None:
        from lab.config import shapes

        self.shapes: dict[str, Any] = shapes.load_shapes()["shapes"]
        self.int_as_string = shapes.INT_AS_STRING
        self.extra_required = shapes.EXTRA_REQUIRED
        self.modelled = modelled
        self.ancestors = shapes.modelled_ancestors(modelled)
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


def shape_schema(shape: str, modelled: frozenset[str], model: type[BaseModel], *, unranged: frozenset[str] = frozenset()) -> Schema:
    """The JSON Schema of a botocore input shape as ``check_shape`` reads it, described from ``model``.

    Args:
        shape: the namespaced shape (``ecs.RegisterTaskDefinitionRequest``).
        modelled: the dotted paths the simulator models (the parser's ``modelled`` set); other
            keys are described as accepted but not simulated.
        model: the pydantic model of the modelled part, whose field docstrings describe the keys.
        unranged: dotted paths whose min/max the loader reports as refusals, not shape errors.
    """
    return _ShapeSchemas(modelled, model, unranged=unranged).root(shape)


def digits_too(node: Schema) -> Schema:
    """An integer that may also be written as a string of digits (CloudFormation's String type)."""
    description = node.pop("description", None)
    out: Schema = {"anyOf": [node, {"type": "string", "pattern": r"^\d+$"}]}
    if description:
        out["description"] = description
    return out


def string_or_list(description: str) -> Schema:
    """A string or a non-empty list of strings (IAM's Action, Resource, principals)."""
    return {
        "description": description,
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}],
    }


def tag_list(keys: tuple[str, ...], description: str = NOT_SIMULATED) -> Schema:
    """A CloudFormation ``Tags`` list: mappings of exactly ``keys``."""
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
