"""Provides loading of simulation documents and building worlds from them.

``load_sim_document`` reads a file, validates it against ``SimDocument`` and parses every
config file it declares with the AWS-shaped models of ``lab.config``, collecting every
problem as ``file:line:col: message``. ``build_world`` turns the result into a running
``World`` for one seed: world roles and starting files exist at time 0, the timeline is
scheduled, and an answer (a learner's files) is applied at ``run.apply_at``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lab.errors import ClientException, Diagnostic, LabError, SourceError, SourceErrors
from lab.scenario import kinds
from lab.scenario.kinds import FileKind, InForce, iam_role
from lab.scenario.schema import Scenario, SimDocument
from lab.sim.events import ApiCallFailed
from lab.sim.world import World
from lab.yaml_source import Document, Path_, load_path, load_text, validation_diagnostics

__all__ = ["ConfigFile", "LoadedDocument", "build_world", "file_document", "iam_role", "load_sim_document", "parse_config_file"]

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
    refusals: tuple[Diagnostic, ...] = ()
    """What AWS refuses about the file on its own (ClientException...): applying it fails."""
    cross_refusals: tuple[Diagnostic, ...] = ()
    """What ECS refuses given the other files in force (a service's containerPort...)."""

    @property
    def all_refusals(self) -> tuple[Diagnostic, ...]:
        """Every refusal: applying the file fails with the first one."""
        return self.refusals + self.cross_refusals

    @property
    def record(self) -> FileKind:
        """The file's kind record."""
        record = kinds.get(self.kind)
        assert record is not None, self.kind  # parse_config_file refuses unknown kinds
        return record

    @property
    def operation(self) -> str:
        """The API call that applies a change to a file of this kind."""
        return self.record.operation


@dataclass(frozen=True)
class LoadedDocument:
    """A validated simulation document."""

    document: Document
    spec: SimDocument | Scenario
    files: dict[str, ConfigFile]
    world_files: tuple[ConfigFile, ...]
    """Roles, target groups and security groups fixed in ``world``."""
    notes: tuple[Diagnostic, ...] = field(default_factory=tuple)

    def of_kind(self, kind: str, *, include_world: bool = True) -> list[ConfigFile]:
        """World-fixed and learner files of one kind, world ones first."""
        world = [f for f in self.world_files if f.kind == kind] if include_world else []
        return world + [f for f in self.files.values() if f.kind == kind]


def parse_config_file(doc: Document, path: Path_, name: str, kind: str, *, collect_refusals: bool = False) -> ConfigFile:
    """Parse one config file's content (at ``path`` of ``doc``) as its kind.

    Args:
        collect_refusals: keep what AWS would refuse (a registration rule) in ``refusals``
            instead of raising: a grader applies such a file as a failed API call.

    Raises:
        SourceErrors: the content breaks the AWS shape (or, unless collected, a rule AWS enforces).
    """
    record = kinds.get(kind)
    if record is None:
        raise doc.error(path, f"unknown file kind '{kind}'")
    parse = record.parser()
    parsed = parse(doc, path, collect_refusals=collect_refusals) if record.collects_refusals else parse(doc, path)
    if kind in ("service", "task-definition"):
        _check_member_of(doc, path)
    refusals = tuple(getattr(parsed, "refusals", ()))
    return ConfigFile(name, kind, getattr(parsed, record.result), tuple(parsed.notes), doc, path, refusals)


def file_document(text: str, file: str, kind: str, *, max_bytes: int | None = None) -> Document:
    """A learner file's text as a document: YAML-parsed, except for text kinds (a Dockerfile, ecs.config).

    Raises:
        SourceError: not valid YAML, or larger than ``max_bytes``.
    """
    record = kinds.get(kind)
    if record is not None and record.text:
        if max_bytes is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            raise SourceError(file, 0, 0, f"file is larger than the {max_bytes // 1024} KiB limit")
        return Document(file=file, data=text, text=text)
    return load_text(text, file, max_bytes=max_bytes)


def _check_member_of(doc: Document, path: Path_) -> None:
    """Parse every ``memberOf`` expression of a service or task definition with the cluster query language.

    Raises:
        SourceErrors: an expression that does not parse, at its position (the shape checks
            left the text alone: lab.config cannot import the simulator's query parser).
    """
    constraints = doc.get((*path, "placementConstraints"))
    if not isinstance(constraints, list):
        return
    problems = []
    for i, constraint in enumerate(constraints):
        if not isinstance(constraint, dict) or constraint.get("type") != "memberOf":
            continue
        expression = constraint.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            continue  # the shape checks and the refusals speak about these
        problem = World.query_problem(expression)
        if problem is not None:
            where = (*path, "placementConstraints", i, "expression")
            problems.append(doc.error(where, f"placementConstraints[{i}].expression: {problem}").diagnostic)
    if problems:
        raise SourceErrors(problems)


def parse_files(
    doc: Document, specs: Mapping[str, Any], root: Path_ = ("files",), *, collect_refusals: bool = False
) -> tuple[dict[str, ConfigFile], list[Diagnostic]]:
    """Parse the ``files:`` of a document (inline mappings or embedded YAML/JSON text).

    Returns:
        The parsed files by name, and every problem found (empty when all parsed).
    """
    problems: list[Diagnostic] = []
    files: dict[str, ConfigFile] = {}
    for name, file_spec in specs.items():
        try:
            content_doc, content_path = _content_document(doc, (*root, name, "content"), name, file_spec.kind)
            files[name] = parse_config_file(content_doc, content_path, name, file_spec.kind, collect_refusals=collect_refusals)
        except SourceErrors as exc:
            problems.extend(exc.diagnostics)
        except SourceError as exc:
            problems.append(exc.diagnostic)
    return files, problems


def parse_world_files(doc: Document, spec: Any) -> tuple[list[ConfigFile], list[Diagnostic]]:
    """Parse the files fixed in ``world`` (roles, target groups, security groups, Auto Scaling groups)."""
    problems: list[Diagnostic] = []
    world_files: list[ConfigFile] = []
    for record in kinds.KINDS:
        key = record.world_key
        if key is None:
            continue
        for i in range(len(getattr(spec.world, key))):
            try:
                world_files.append(parse_config_file(doc, ("world", key, i), f"world.{key}[{i}]", record.name))
            except SourceErrors as exc:
                problems.extend(exc.diagnostics)
    return world_files, problems


def _content_document(doc: Document, path: Path_, name: str, kind: str = "") -> tuple[Document, Path_]:
    """The document and path holding a file's content: inline mapping, or embedded text."""
    content = doc.get(path)
    if isinstance(content, str):
        record = kinds.get(kind)
        if record is not None and record.text:
            # ecs.config lines are not YAML; only their text and positions are needed.
            try:
                return doc.embedded(path), ()
            except SourceError:
                line, col = doc.where(path)
                return Document(doc.file, content, content, line_offset=line, col_offset=col - 1), ()
        return doc.embedded(path), ()
    return doc, path


def load_sim_document(path: str | Path, *, display: str | None = None) -> LoadedDocument:
    """Load and validate a simulation document (every refusal is an error here).

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
    files, problems = parse_files(doc, spec.files)
    world_files, world_problems = parse_world_files(doc, spec)
    problems += world_problems
    if problems:
        raise SourceErrors(problems)
    notes = [n for f in [*files.values(), *world_files] for n in f.notes]
    loaded = LoadedDocument(doc, spec, files, tuple(world_files), tuple(notes))
    check_world(loaded)
    check_files(loaded, loaded.files)
    return loaded


def check_world(loaded: LoadedDocument) -> None:
    """Refuse a world that names what nothing defines (the instructor's part of a document).

    Raises:
        SourceErrors: every dangling name, unknown instance type or base image, positioned.
    """
    doc, spec = loaded.document, loaded.spec
    problems = []
    role_names = {f.model.role_name for f in loaded.of_kind("iam-role")}
    families = {f.model.family for f in loaded.of_kind("task-definition")}
    for f in loaded.of_kind("iam-role"):
        if not f.model.role_name:
            problems.append(_diag(f.document or doc, f.path, f"{f.name}: the role needs a RoleName so instances and tasks can name it"))
    for i, group in enumerate(spec.world.instances):
        if World.role_name(group.role) not in role_names:
            problems.append(_diag(doc, ("world", "instances", i, "role"), f"instance role '{group.role}' is not defined in world.roles or an iam-role file"))
    problems += _timeline_definitions(doc, spec.world.timeline, families)
    for i, entry in enumerate(spec.world.timeline):
        family = getattr(entry, "taskDefinition", None)
        if family is not None:
            name = family.rsplit("/", 1)[-1].partition(":")[0]
            if name not in families:
                problems.append(_diag(doc, ("world", "timeline", i, "taskDefinition"), f"no task-definition file has family '{name}'"))
    problems += _catalogue_problems(doc, spec)
    problems += _build_problems(loaded)
    lb_files = {f.model.name for f in loaded.of_kind("load-balancer")}
    for i, entry in enumerate(spec.world.timeline):
        name = getattr(entry, "load_balancer", None)
        if name is not None and name not in lb_files:
            # A world.load_balancers entry has no listener to route by: traffic goes to its target groups.
            problems.append(_diag(doc, ("world", "timeline", i, "load_balancer"), f"no load-balancer file is named '{name}' (traffic to a world.load_balancers entry names its target_group)"))
    problems += _world_load_balancer_problems(loaded)
    if problems:
        raise SourceErrors(problems)


def _world_load_balancer_problems(loaded: LoadedDocument) -> list[Diagnostic]:
    """What ELB refuses about the world's own load balancers: a target group that does not exist, whose
    protocol the load balancer's type cannot forward to, or that an earlier one already forwards to (§6.4)."""
    if not loaded.spec.world.load_balancers:
        return []  # a world without them does not import the load-balancer models (a small grade's start-up)
    from lab.config.load_balancer import association_limit_text, type_mismatch_text
    from lab.config.target_group import target_group_arn

    doc, world = loaded.document, loaded.spec.world
    models = {f.model.name: f.model for f in loaded.of_kind("target-group")}
    taken: dict[str, str] = {}
    problems = []
    for i, lb in enumerate(world.load_balancers):
        for j, tg_name in enumerate(lb.target_groups):
            where = ("world", "load_balancers", i, "target_groups", j)
            tg = models.get(tg_name)
            if tg is None:
                problems.append(_diag(doc, where, f"no target group is named '{tg_name}'"))
                continue
            unfit = type_mismatch_text(lb.type, tg)
            if unfit is not None:
                problems.append(_diag(doc, where, unfit))
            owner = taken.setdefault(tg_name, lb.name)
            if owner != lb.name:
                arn = target_group_arn(tg_name, world.region, world.account)
                problems.append(_diag(doc, where, f"TargetGroupAssociationLimit: {association_limit_text(arn)} (load balancer {owner} forwards to it)"))
    return problems


def _build_problems(loaded: LoadedDocument) -> list[Diagnostic]:
    """Every ``world.builds`` entry names a ``dockerfile`` file, and every such file has one build."""
    doc, spec = loaded.document, loaded.spec
    problems = []
    dockerfiles = {name for name, f in loaded.files.items() if f.kind == "dockerfile"}
    seen: set[str] = set()
    for i, entry in enumerate(spec.world.builds):
        where = ("world", "builds", i, "dockerfile")
        if entry.dockerfile not in dockerfiles:
            problems.append(_diag(doc, where, f"no file of kind dockerfile is named '{entry.dockerfile}'"))
        elif entry.dockerfile in seen:
            problems.append(_diag(doc, where, f"'{entry.dockerfile}' is built by an earlier entry: one build per Dockerfile"))
        seen.add(entry.dockerfile)
    for name in sorted(dockerfiles - seen):
        problems.append(_diag(doc, ("files", name), f"{name}: no world.builds entry says which image it builds (dockerfile: {name}, image: <repository>:<tag>)"))
    return problems


def _timeline_definitions(doc: Document, timeline: list[Any], families: set[str]) -> list[Diagnostic]:
    """Parse the timeline's ``register-task-definition`` entries as task-definition files, positioned.

    A definition AWS would refuse is an error here (an instructor's timeline is not the
    incident); the families registered join ``families`` for the entries that name them.
    """
    problems: list[Diagnostic] = []
    for i, entry in enumerate(timeline):
        if getattr(entry, "event", None) != "register-task-definition":
            continue
        where = ("world", "timeline", i, "content")
        try:
            content_doc, content_path = _content_document(doc, where, f"world.timeline[{i}]", "task-definition")
            parsed = parse_config_file(content_doc, content_path, f"world.timeline[{i}]", "task-definition")
        except SourceErrors as exc:
            problems.extend(exc.diagnostics)
        except SourceError as exc:
            problems.append(exc.diagnostic)
        else:
            families.add(parsed.model.family)
    return problems


def check_files(
    loaded: LoadedDocument,
    files: Mapping[str, ConfigFile],
    *,
    collect_refusals: bool = False,
    changed: Collection[str] | None = None,
) -> dict[str, ConfigFile]:
    """Apply the checks ECS makes across files when a service is created (task definition,
    containers, ports, target groups).

    Args:
        loaded: the document (its world files).
        files: the files in force (the starting files, or a learner's answer over them).
        collect_refusals: add the refusals to each service file instead of raising.
        changed: the files the learner changed, when known: a refusal of a file they did not
            touch, caused by a task definition they changed, is positioned in that task
            definition (its network mode, containers or compatibilities).

    Returns:
        ``files``, with cross-file refusals added to the service files when collected.

    Raises:
        SourceErrors: the refusals, positioned, unless collected.
    """
    from dataclasses import replace

    in_force = [*loaded.world_files, *files.values()]
    context = InForce(
        task_definitions={f.model.family: f.model for f in in_force if f.kind == "task-definition"},
        target_groups={f.model.name: f.model for f in in_force if f.kind == "target-group"},
        scalable_targets=[f.model for f in in_force if f.kind == "scalable-target" and not f.all_refusals],
        group_protection={f.model.name: f.model.new_instances_protected_from_scale_in for f in in_force if f.kind == "auto-scaling-group"},
        load_balancers={f.model.name: f.model for f in in_force if f.kind == "load-balancer"},
        fixed_load_balancers={lb.name: tuple(lb.target_groups) for lb in loaded.spec.world.load_balancers},
    )
    out = dict(files)
    problems = []
    builds = {entry.dockerfile: entry for entry in loaded.spec.world.builds}
    for name, f in files.items():
        if f.kind == "dockerfile" and name in builds:
            failure = World.build_problem(builds[name], f.model)
            found_build = [failure.diagnostic] if failure is not None else []
            if collect_refusals:
                out[name] = replace(f, cross_refusals=tuple(found_build))
            else:
                problems += found_build
            continue
        check = f.record.cross_refusals
        if check is None:
            continue
        fdoc = f.document or loaded.document
        cause = _changed_cause(f, in_force, changed)
        found = [
            _diag(cause.document or loaded.document, (*cause.path, *_cause_path(exc.path)), str(exc)) if cause else _diag(fdoc, (*f.path, *exc.path), str(exc))
            for exc in check(f.model, context)
        ]
        if collect_refusals:
            out[name] = replace(f, cross_refusals=tuple(found))
        else:
            problems += found
    if problems:
        raise SourceErrors(problems)
    return out


_TASK_DEFINITION_CAUSES = {
    "networkConfiguration": ("networkMode",),
    "targetGroupArn": ("networkMode",),
    "containerName": ("containerDefinitions",),
    "containerPort": ("containerDefinitions",),
    "launchType": ("requiresCompatibilities",),
    "capacityProviderStrategy": ("requiresCompatibilities",),
}
"""Where in a task definition the cause of a service's refusal lies, by the service field refused."""


def _changed_cause(f: ConfigFile, in_force: list[ConfigFile], changed: Collection[str] | None) -> ConfigFile | None:
    """The changed task-definition file behind a refusal of an unchanged service file, if any."""
    if changed is None or f.name in changed or f.kind != "service":
        return None
    family = f.model.task_definition.rsplit("/", 1)[-1].partition(":")[0]
    return next((g for g in in_force if g.kind == "task-definition" and g.name in changed and g.model.family == family), None)


def _cause_path(service_path: tuple[str | int, ...]) -> Path_:
    for step in reversed(service_path):
        if isinstance(step, str) and step in _TASK_DEFINITION_CAUSES:
            return _TASK_DEFINITION_CAUSES[step]
    return ()


def _catalogue_problems(doc: Document, spec: SimDocument | Scenario) -> list[Diagnostic]:
    """Instance types and base images the catalogues do not know, wherever the world names them."""
    from lab.config.instance_types import UnknownInstanceType, instance_type
    from lab.sim.registry import BASE_IMAGES, base_image_mb

    problems = []
    groups: list[tuple[Path_, Any]] = [(("world", "instances", i), g) for i, g in enumerate(spec.world.instances)]
    images: list[tuple[Path_, Any]] = [(("world", "registry", i), img) for i, img in enumerate(spec.world.registry)]
    for i, entry in enumerate(spec.world.timeline):
        if getattr(entry, "event", "") == "add-instances":
            groups.append((("world", "timeline", i), entry))
        elif getattr(entry, "event", "") == "push-image":
            images.append((("world", "timeline", i, "image"), getattr(entry, "image")))
    for path, group in groups:
        try:
            instance_type(group.type)
        except UnknownInstanceType as exc:
            problems.append(_diag(doc, (*path, "type"), str(exc)))
    for path, image in images:
        if image.base is None:
            continue
        sizes = base_image_mb(image.base)
        if sizes is None:
            known = ", ".join(sorted(BASE_IMAGES))
            problems.append(_diag(doc, (*path, "base"), f"unknown base image '{image.base}'; known: {known}"))
        elif image.size_mb <= (base_mb := sum(sizes)):
            problems.append(_diag(doc, (*path, "size_mb"), f"size_mb {image.size_mb:g} is not larger than its base {image.base} ({base_mb:.1f} MB)"))
    return problems


def _diag(doc: Document, path: Path_, message: str) -> Diagnostic:
    line, col = doc.where(path)
    return Diagnostic(doc.file, line, col, message)


def build_world(loaded: LoadedDocument, *, seed: int, answer: Mapping[str, ConfigFile] | None = None) -> World:
    """Build the world of a document for one seed, with its files in place.

    The starting files exist from time 0. A learner's ``answer`` replaces them: from the start
    when ``run.apply_at`` is 0, otherwise applied at ``run.apply_at`` the way a real change is
    (only the files that differ). A file AWS would refuse is applied as a failed API call
    (``ApiCallFailed``), and the world carries on without it, as it would.

    Args:
        loaded: the validated document.
        seed: the world's random seed.
        answer: the learner's files by name (parsed with refusals collected).

    Raises:
        LabError: the world cannot be built (unknown instance type, base image...).
    """
    starting = dict(loaded.files)
    changed = {name: f for name, f in (answer or {}).items() if name not in starting or f.model != starting[name].model or f.refusals}
    # Cross-file refusals depend on which files are in force, so they are worked out afresh.
    final = check_files(loaded, {**starting, **changed}, collect_refusals=True)
    apply_at = loaded.spec.run.apply_at
    if apply_at == 0:
        files = final
        changed = {}
    else:
        files = check_files(loaded, starting, collect_refusals=True)
        changed = {name: final[name] for name in changed}
    in_force = [*loaded.world_files, *files.values()]
    try:
        world = World(
            loaded.spec.world,
            seed=seed,
            setup=lambda world: _apply(world, [f for f in in_force if f.record.before_instances], build=True),
        )
    except ClientException as exc:
        raise LabError(f"{loaded.document.file}: world: {exc.message}") from None
    _apply(world, [f for f in in_force if not f.record.before_instances], build=True)
    if changed:
        world.at(apply_at, lambda: apply_files(world, list(changed.values())))
    return world


def _apply(world: World, files: list[ConfigFile], *, build: bool = False) -> None:
    """Apply files in the kinds' order (world files first within a kind); a refused file or a
    call the API refuses is logged as ``ApiCallFailed`` and changes nothing.

    Args:
        build: the world is being built: resources are created (``CreateService``...).
    """
    for record in kinds.KINDS:
        for f in files:
            if f.kind != record.name:
                continue
            operation = record.build_operation if build else record.operation
            if f.all_refusals:
                world.log.append(ApiCallFailed(world.now, operation, f.all_refusals[0].message))
                continue
            model = (f.name, f.model) if record.named else f.model
            try:
                if build:
                    record.build(world, model)
                else:
                    record.apply(world, model)
            except ClientException as exc:
                world.log.append(ApiCallFailed(world.now, operation, str(exc)))


APPLY_ORDER = kinds.names()
"""Changes go in dependency order: a service update must find its new revision (the kinds' order)."""


def apply_files(world: World, files: list[ConfigFile]) -> None:
    """Apply changed config files the way a real change is applied.

    A task definition registers a new revision, a role replaces its policies, a target group
    or security group takes its new settings, and a service gets an UpdateService (which
    starts a deployment when its revision or load balancers change). A refused file is
    logged as a failed call and changes nothing. A new revision of a family that a service
    runs is deployed to it (``update-service --task-definition <family>``), as a deploy
    pipeline would, even when the service file itself did not change.
    """
    new_families = {f.model.family for f in files if f.kind == "task-definition" and not f.all_refusals}
    updated_services = {f.model.service_name for f in files if f.kind == "service"}
    _apply(world, files)
    for name, service in list(world.services.items()):
        family, _, revision = service.model.task_definition.rsplit("/", 1)[-1].partition(":")
        if name not in updated_services and family in new_families and not revision:
            try:
                world.deploy(name, family)
            except ClientException as exc:
                world.log.append(ApiCallFailed(world.now, "UpdateService", str(exc)))
