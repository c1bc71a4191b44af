"""Provides ``new_list``, the ``default_factory`` of the models' list fields.

pydantic asks whether a field's ``default_factory`` takes the validated data with
``inspect.signature`` each time it builds a schema with the field; for the builtin ``list``
that parses its text signature (~0.3 ms a field, 8 ms of a grade's start-up in session 14).
A plain function answers in microseconds. The default, the schema and the JSON Schema stay
what ``default_factory=list`` gives.
"""

from __future__ import annotations

from typing import Any

__all__ = ["new_list"]


def new_list() -> list[Any]:
    """A new empty list."""
    return []
