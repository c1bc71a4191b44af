"""Provides ``ByTag``: a discriminated union validated with the model of each item's tag only.

pydantic builds every member of a discriminated union when the model holding it is built; a
scenario uses a few of its 21 check kinds, a world a few of its 15 timeline events. Members
declared with ``defer_build=True``, in a union annotated ``Annotated[Union, ByTag(Union, field, models)]``, are built at first use,
kind by kind. The results, the errors (type, ``loc`` with the tag, message, context) and the
JSON Schema are the union's own; tests compare them.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import SchemaValidator, core_schema

__all__ = ["ByTag"]


class ByTag:
    """``Annotated`` marker: validate an item with its tag's member of ``union`` only.

    An item of a known tag is validated by the union cut down to that tag (the same errors at
    the same ``loc``, the tag included); anything else (no tag, an unknown one, not a mapping)
    by the whole union, built then.
    """

    def __init__(self, union: Any, field: str, models: tuple[type[BaseModel], ...]) -> None:
        self.union = union
        self.field = field
        self.models = {tag: model for model in models for tag in model.model_fields[field].annotation.__args__}  # type: ignore[union-attr]

    @functools.cached_property
    def _union_validator(self) -> Any:
        return TypeAdapter(self.union).validator

    @functools.cache  # noqa: B019 - one marker per union, alive as long as the module
    def _tag_validator(self, tag: str) -> SchemaValidator:
        model = self.models[tag]
        model.model_rebuild()  # deferred until now
        return SchemaValidator(core_schema.tagged_union_schema({tag: model.__pydantic_core_schema__}, discriminator=self.field, strict=False, from_attributes=True))

    def _validate(self, value: Any) -> Any:
        if isinstance(value, dict):
            tag = value.get(self.field)
            if isinstance(tag, str) and tag in self.models:
                return self._tag_validator(tag).validate_python(value)
        return self._union_validator.validate_python(value)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self._validate)

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return handler(TypeAdapter(self.union).core_schema)

