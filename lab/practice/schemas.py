"""Provides every editor schema ``lab schema`` writes: the scenario layer's plus the question file's.

The question file is known only here (``lab.practice.bank``), so the full set is assembled in
this layer; the schemas themselves are built by ``lab.scenario.editor_schema``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lab.scenario import editor_schema, kinds

__all__ = ["EditorSchema", "editor_schemas", "question_schema"]


@dataclass(frozen=True)
class EditorSchema:
    """One schema file: its name, what files it is for, and the schema."""

    name: str
    """``scenario``, ``question``, ``simulation`` or a file kind (``task-definition``)."""
    applies_to: str
    """Which files it describes, for the listing."""
    schema: dict[str, Any]

    @property
    def file_name(self) -> str:
        """The file it is written to (``task-definition.schema.json``)."""
        return editor_schema.schema_file(self.name)


def question_schema() -> dict[str, Any]:
    """The schema of a question file (``content/questions/<area>/<id>.yaml``, docs/questions.md)."""
    from lab.practice.bank import QuestionSpec

    schema = editor_schema.model_schema(QuestionSpec)
    # The loader's rules across fields (ids, dates, "(Choose two.)") stay in lab validate.
    return editor_schema.titled(schema, "ECS Lab question", "A practice question (docs/questions.md).")


def editor_schemas() -> list[EditorSchema]:
    """Every schema, in a stable order: the instructor's files, then each learner file kind."""
    out = [
        EditorSchema("scenario", "scenarios/<id>.yaml", editor_schema.scenario_schema()),
        EditorSchema("question", "content/questions/<area>/<id>.yaml", question_schema()),
        EditorSchema("simulation", "simulation documents (lab sim FILE; content/sims/*.yaml)", editor_schema.sim_document_schema()),
    ]
    for name in editor_schema.schema_kinds():
        record = kinds.get(name)
        schema = editor_schema.kind_schema(name)
        if record is not None and schema is not None:
            out.append(EditorSchema(name, f"learner '{name}' files: {record.summary}", schema))
    return out
