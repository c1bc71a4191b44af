"""Provides loading of simulation documents and building worlds from them.

``load_sim_document`` reads a file, validates it against ``SimDocument`` and parses every
config file it declares with the AWS-shaped models of ``lab.config``, collecting every
problem as ``file:line:col: message``. ``build_world`` turns the result into a running
``World`` for one seed: world roles and starting files exist at time 0, the timeline is
scheduled, and an answer (a learner's files) is applied at ``run.apply_at``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lab.config.iam import parse_role
from lab.config.task_definition import parse_task_definition
from lab.errors import ClientException, Diagnostic, LabError, SourceError, SourceErrors
from lab.scenario.schema import SimDocument
from lab.scenario.yaml_source import Document, Path_, load_path, validation_diagnostics
from lab.sim.iam import managed_policy
from lab.sim.world import IamRole, World

__all__ = ["ConfigFile", "LoadedDocument", "build_world", "iam_role", "load_sim_document", "parse_config_file"]

MAX_DOCUMENT_BYTES = 1024 * 1024
"""Largest simulation document or scenario file read (1 MiB)."""


@dataclass(frozen=True)
class ConfigFile:
    """One parsed config file: its kind, the model, and notes such as "not simulated"."""

    name: str
    kind: str
    model: Any
    """A ``TaskDefinition`` or an ``IamRoleModel`` from lab.config."""
    notes: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class LoadedDocument:
    """A validated simulation document."""

    document: Document
    spec: SimDocument
    files: dict[str, ConfigFile]
    world_roles: tuple[ConfigFile, ...]
    notes: tuple[Diagnostic, ...] = field(default_factory=tuple)


def parse_config_file(doc: Document, path: Path_, name: str, kind: str) -> ConfigFile:
    """Parse one config file's content (at ``path`` of ``doc``) as its kind.

    Raises:
        SourceErrors: the content breaks the AWS shape or a rule AWS enforces.
    """
    if kind == "task-definition":
        parsed = parse_task_definition(doc, path)
        return ConfigFile(name, kind, parsed.task_definition, tuple(parsed.notes))
    if kind == "iam-role":
        parsed_role = parse_role(doc, path)
        return ConfigFile(name, kind, parsed_role.role, tuple(parsed_role.notes))
    raise doc.error(path, f"unknown file kind '{kind}'")


def _content_document(doc: Document, path: Path_, name: str) -> tuple[Document, Path_]:
    """The document and path holding a file's content: inline mapping, or embedded text."""
    content = doc.get(path)
    if isinstance(content, str):
        return doc.embedded(path), ()
    return doc, path


def load_sim_document(path: str | Path, *, display: str | None = None) -> LoadedDocument:
    """Load and validate a simulation document.

    Raises:
        SourceError: the file cannot be read or is not YAML.
        SourceErrors: every schema and config problem found.
    """
    doc = load_path(path, display=display, max_bytes=MAX_DOCUMENT_BYTES)
    if not isinstance(doc.data, dict):
        raise doc.error((), "expected a mapping with world, files and run")
    try:
        spec = SimDocument.model_validate(doc.data)
    except ValidationError as exc:
        raise SourceErrors(validation_diagnostics(doc, (), exc, SimDocument)) from None
    problems: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    files: dict[str, ConfigFile] = {}
    for name, file_spec in spec.files.items():
        content_doc, content_path = _content_document(doc, ("files", name, "content"), name)
        try:
            parsed = parse_config_file(content_doc, content_path, name, file_spec.kind)
        except SourceErrors as exc:
            problems.extend(exc.diagnostics)
            continue
        except SourceError as exc:
            problems.append(exc.diagnostic)
            continue
        files[name] = parsed
        notes.extend(parsed.notes)
    roles: list[ConfigFile] = []
    for i in range(len(spec.world.roles)):
        try:
            parsed = parse_config_file(doc, ("world", "roles", i), f"world.roles[{i}]", "iam-role")
        except SourceErrors as exc:
            problems.extend(exc.diagnostics)
            continue
        roles.append(parsed)
        notes.extend(parsed.notes)
    if problems:
        raise SourceErrors(problems)
    loaded = LoadedDocument(doc, spec, files, tuple(roles), tuple(notes))
    _check_references(loaded)
    return loaded


def _check_references(loaded: LoadedDocument) -> None:
    """Refuse a world that names roles or task definitions nothing defines."""
    doc, spec = loaded.document, loaded.spec
    problems = []
    for i, f in enumerate(loaded.world_roles):
        if not f.model.role_name:
            problems.append(_diag(doc, ("world", "roles", i), "a world role needs a RoleName so instances and tasks can name it"))
    for name, f in loaded.files.items():
        if f.kind == "iam-role" and not f.model.role_name:
            problems.append(_diag(doc, ("files", name, "content"), f"{name}: the role needs a RoleName so instances and tasks can name it"))
    role_names = {f.model.role_name for f in loaded.world_roles}
    role_names |= {f.model.role_name for f in loaded.files.values() if f.kind == "iam-role"}
    families = {f.model.family for f in loaded.files.values() if f.kind == "task-definition"}
    for i, group in enumerate(spec.world.instances):
        if World.role_name(group.role) not in role_names:
            problems.append(_diag(doc, ("world", "instances", i, "role"), f"instance role '{group.role}' is not defined in world.roles or an iam-role file"))
    for i, entry in enumerate(spec.world.timeline):
        family = getattr(entry, "taskDefinition", None)
        if family is not None:
            name = family.rsplit("/", 1)[-1].partition(":")[0]
            if name not in families:
                problems.append(_diag(doc, ("world", "timeline", i, "taskDefinition"), f"no task-definition file has family '{name}'"))
    if problems:
        raise SourceErrors(problems)


def _diag(doc: Document, path: Path_, message: str) -> Diagnostic:
    line, col = doc.where(path)
    return Diagnostic(doc.file, line, col, message)


def iam_role(model: Any) -> IamRole:
    """Convert a parsed IAM role (lab.config) into what the simulator evaluates."""
    policies: list[tuple[str, dict[str, Any]]] = []
    for arn in model.managed_policy_arns:
        document = managed_policy(arn)
        # An ARN the lab does not know grants nothing here; the config layer notes it.
        policies.append((arn, dict(document) if document is not None else {"Version": "2012-10-17", "Statement": []}))
    for inline in model.policies:
        policies.append((f"inline:{inline.policy_name}", inline.policy_document.as_dict()))
    return IamRole(model.role_name, frozenset(model.trusted_services()), tuple(policies))


def build_world(loaded: LoadedDocument, *, seed: int, answer: Mapping[str, ConfigFile] | None = None) -> World:
    """Build the world of a document for one seed, with its starting files in place.

    Args:
        loaded: the validated document.
        seed: the world's random seed.
        answer: replacement files applied at ``run.apply_at`` (a learner's work), by name.

    Raises:
        LabError: the world cannot be built (unknown instance type, base image...).
    """
    roles = [iam_role(f.model) for f in loaded.world_roles]
    roles += [iam_role(f.model) for f in loaded.files.values() if f.kind == "iam-role"]
    try:
        world = World(loaded.spec.world, seed=seed, roles=roles)
    except ClientException as exc:
        raise LabError(f"{loaded.document.file}: world: {exc.message}") from None
    for f in loaded.files.values():
        if f.kind == "task-definition":
            world.register_task_definition(f.model)
    if answer:
        world.at(loaded.spec.run.apply_at, lambda: apply_files(world, answer.values()))
    return world


def apply_files(world: World, files: Any) -> None:
    """Apply changed config files the way a real change is applied (new revision, role update)."""
    for f in files:
        if f.kind == "task-definition":
            world.register_task_definition(f.model)
        elif f.kind == "iam-role":
            world.put_role(iam_role(f.model))
