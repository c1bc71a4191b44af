"""Provides loading of simulation documents and building worlds from them.

``load_sim_document`` reads a file, validates it against ``SimDocument`` and parses every
config file it declares with the AWS-shaped models of ``lab.config``, collecting every
problem as ``file:line:col: message``. ``build_world`` turns the result into a running
``World`` for one seed: world roles and starting files exist at time 0, the timeline is
scheduled, and an answer (a learner's files) is applied at ``run.apply_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lab.config.iam import parse_role
from lab.config.task_definition import parse_task_definition
from lab.errors import ClientException, Diagnostic, LabError, SourceError, SourceErrors
from lab.scenario.schema import SimDocument
from lab.scenario.yaml_source import Document, Path_, load_path, validation_diagnostics
from lab.sim.events import ApiCallFailed
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
    document: Document | None = None
    """Where the content came from (for positioned cross-file errors)."""
    path: Path_ = ()


@dataclass(frozen=True)
class LoadedDocument:
    """A validated simulation document."""

    document: Document
    spec: SimDocument
    files: dict[str, ConfigFile]
    world_files: tuple[ConfigFile, ...]
    """Roles, target groups and security groups fixed in ``world``."""
    notes: tuple[Diagnostic, ...] = field(default_factory=tuple)

    def of_kind(self, kind: str, *, include_world: bool = True) -> list[ConfigFile]:
        """World-fixed and learner files of one kind, world ones first."""
        world = [f for f in self.world_files if f.kind == kind] if include_world else []
        return world + [f for f in self.files.values() if f.kind == kind]


def _parsers() -> dict[str, tuple[Callable[[Document, Path_], Any], str]]:
    from lab.config.security_group import parse_security_group
    from lab.config.service import parse_service
    from lab.config.target_group import parse_target_group

    return {
        "task-definition": (parse_task_definition, "task_definition"),
        "iam-role": (parse_role, "role"),
        "service": (parse_service, "service"),
        "target-group": (parse_target_group, "target_group"),
        "security-group": (parse_security_group, "security_group"),
    }


def parse_config_file(doc: Document, path: Path_, name: str, kind: str) -> ConfigFile:
    """Parse one config file's content (at ``path`` of ``doc``) as its kind.

    Raises:
        SourceErrors: the content breaks the AWS shape or a rule AWS enforces.
    """
    parser = _parsers().get(kind)
    if parser is None:
        raise doc.error(path, f"unknown file kind '{kind}'")
    parse, attribute = parser
    parsed = parse(doc, path)
    return ConfigFile(name, kind, getattr(parsed, attribute), tuple(parsed.notes), doc, path)


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
    world_files: list[ConfigFile] = []
    for key, kind in (("roles", "iam-role"), ("target_groups", "target-group"), ("security_groups", "security-group")):
        for i in range(len(getattr(spec.world, key))):
            try:
                parsed = parse_config_file(doc, ("world", key, i), f"world.{key}[{i}]", kind)
            except SourceErrors as exc:
                problems.extend(exc.diagnostics)
                continue
            world_files.append(parsed)
            notes.extend(parsed.notes)
    if problems:
        raise SourceErrors(problems)
    loaded = LoadedDocument(doc, spec, files, tuple(world_files), tuple(notes))
    check_references(loaded, loaded.files)
    return loaded


def check_references(loaded: LoadedDocument, files: Mapping[str, ConfigFile]) -> None:
    """Refuse names nothing defines: roles, task definitions, target groups (and what ECS
    checks across files when a service is created).

    Args:
        loaded: the document (its world and starting files).
        files: the files in force (the starting files, or a learner's answer over them).

    Raises:
        SourceErrors: every dangling reference, positioned.
    """
    from lab.config.service import service_errors

    doc, spec = loaded.document, loaded.spec
    problems = []
    in_force = [f for f in loaded.world_files] + list(files.values())
    for f in in_force:
        if f.kind == "iam-role" and not f.model.role_name:
            problems.append(_diag(f.document or doc, f.path, f"{f.name}: the role needs a RoleName so instances and tasks can name it"))
    role_names = {f.model.role_name for f in in_force if f.kind == "iam-role"}
    families: dict[str, Any] = {f.model.family: f.model for f in in_force if f.kind == "task-definition"}
    target_groups = {f.model.name: f.model for f in in_force if f.kind == "target-group"}
    for f in in_force:
        if f.kind != "service":
            continue
        family = f.model.task_definition.rsplit("/", 1)[-1].partition(":")[0]
        definition = families.get(family)
        fdoc = f.document or doc
        if definition is None:
            problems.append(_diag(fdoc, (*f.path, "taskDefinition"), f"ClientException: TaskDefinition not found: no task-definition file has family '{family}'"))
            continue
        for exc in service_errors(f.model, definition, target_groups):
            problems.append(_diag(fdoc, (*f.path, *exc.path), str(exc)))
    for i, group in enumerate(spec.world.instances):
        if World.role_name(group.role) not in role_names:
            problems.append(_diag(doc, ("world", "instances", i, "role"), f"instance role '{group.role}' is not defined in world.roles or an iam-role file"))
    for i, entry in enumerate(spec.world.timeline):
        family = getattr(entry, "taskDefinition", None)
        if family is not None:
            name = family.rsplit("/", 1)[-1].partition(":")[0]
            if name not in families:
                problems.append(_diag(doc, ("world", "timeline", i, "taskDefinition"), f"no task-definition file has family '{name}'"))
    problems += _catalogue_problems(doc, spec)
    for i, lb in enumerate(spec.world.load_balancers):
        for j, tg_name in enumerate(lb.target_groups):
            if tg_name not in target_groups:
                problems.append(_diag(doc, ("world", "load_balancers", i, "target_groups", j), f"no target group is named '{tg_name}'"))
    if problems:
        raise SourceErrors(problems)


def _catalogue_problems(doc: Document, spec: SimDocument) -> list[Diagnostic]:
    """Instance types and base images the catalogues do not know, wherever the world names them."""
    from lab.config.instance_types import UnknownInstanceType, instance_type
    from lab.sim.registry import BASE_IMAGES

    problems = []
    groups = [(("world", "instances", i), g) for i, g in enumerate(spec.world.instances)]
    images = [(("world", "registry", i), img) for i, img in enumerate(spec.world.registry)]
    for i, entry in enumerate(spec.world.timeline):
        if getattr(entry, "event", "") == "add-instances":
            groups.append((("world", "timeline", i), entry))
        elif getattr(entry, "event", "") == "push-image":
            images.append((("world", "timeline", i, "image"), entry.image))
    for path, group in groups:
        try:
            instance_type(group.type)
        except UnknownInstanceType as exc:
            problems.append(_diag(doc, (*path, "type"), str(exc)))
    for path, image in images:
        if image.base is None:
            continue
        sizes = BASE_IMAGES.get(image.base)
        if sizes is None:
            known = ", ".join(sorted(BASE_IMAGES))
            problems.append(_diag(doc, (*path, "base"), f"unknown base image '{image.base}'; known: {known}"))
        elif image.size_mb <= sum(sizes):
            problems.append(_diag(doc, (*path, "size_mb"), f"size_mb {image.size_mb:g} is not larger than its base {image.base} ({sum(sizes):.1f} MB)"))
    return problems


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
    try:
        world = World(
            loaded.spec.world,
            seed=seed,
            roles=[iam_role(f.model) for f in loaded.of_kind("iam-role")],
            target_groups=[f.model for f in loaded.of_kind("target-group")],
            security_groups=[f.model for f in loaded.of_kind("security-group")],
        )
        for f in loaded.of_kind("task-definition"):
            world.register_task_definition(f.model)
        for f in loaded.of_kind("service"):
            world.create_service(f.model)
    except ClientException as exc:
        raise LabError(f"{loaded.document.file}: world: {exc.message}") from None
    if answer:
        world.at(loaded.spec.run.apply_at, lambda: apply_files(world, list(answer.values())))
    return world


APPLY_ORDER = ("iam-role", "security-group", "target-group", "task-definition", "service")
"""Changes go in dependency order: a service update must find its new revision."""


def apply_files(world: World, files: list[ConfigFile]) -> None:
    """Apply changed config files the way a real change is applied.

    A task definition registers a new revision, a role replaces its policies, a target group
    or security group takes its new settings, and a service gets an UpdateService (which
    starts a deployment when its revision or load balancers change).
    """
    for kind in APPLY_ORDER:
        for f in files:
            if f.kind != kind:
                continue
            try:
                if kind == "task-definition":
                    world.register_task_definition(f.model)
                elif kind == "iam-role":
                    world.put_role(iam_role(f.model))
                elif kind == "security-group":
                    world.put_security_group(f.model)
                elif kind == "target-group":
                    world.put_target_group(f.model)
                elif kind == "service":
                    world.update_service(f.model)
            except ClientException as exc:
                world.log.append(ApiCallFailed(world.now, f"apply {f.name}", str(exc)))
