"""Provides small simulation documents built inline and the worlds they make.

The world tests build a document as a plain dict (the same ``world`` / ``files`` shape as
``content/sims/*.yaml``), validate it with ``SimDocument`` and parse its roles and task
definitions with the AWS-shaped models of ``lab.config``, exactly as
``lab.scenario.simdoc.build_world`` does for those two kinds. Going through the models
directly keeps these tests independent of the other file kinds (services, target groups).

Helpers are plain functions so tests can use them in ``parametrize``; tests import them with
``from tests.sim.conftest import ...``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from lab.config.iam import parse_role
from lab.config.task_definition import parse_task_definition
from lab.scenario.schema import SimDocument
from lab.scenario.simdoc import iam_role
from lab.yaml_source import Document
from lab.sim.events import (
    AppLogged,
    ContainerStateChanged,
    ImagePullFailed,
    ImagePullFinished,
    ImagePullStarted,
    TaskStateChanged,
)
from lab.sim.world import World

ACCOUNT = "123456789012"
REGION = "us-east-1"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
AZS = ["us-east-1a", "us-east-1b", "us-east-1c"]

EC2_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
EXECUTION_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

AGENT_ACTIONS = [
    "ecs:CreateCluster",
    "ecs:DeregisterContainerInstance",
    "ecs:DiscoverPollEndpoint",
    "ecs:Poll",
    "ecs:RegisterContainerInstance",
    "ecs:StartTelemetrySession",
    "ecs:Submit*",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
]
"""What the ECS agent needs to join a cluster, without any ECR permission."""

AWSVPC = {"awsvpcConfiguration": {"subnets": ["subnet-0lab0a"], "securityGroups": ["sg-0lab"]}}
"""A RunTask networkConfiguration for awsvpc tasks."""

Row = tuple[Any, ...]


# -- document pieces ---------------------------------------------------------------------


def role(
    name: str,
    *,
    trust: Sequence[str] = ("ec2.amazonaws.com",),
    managed: Sequence[str] = (),
    actions: Sequence[str] = (),
    resource: str | list[str] = "*",
    deny: Sequence[str] = (),
) -> dict[str, Any]:
    """An ``AWS::IAM::Role`` (CloudFormation properties) trusting ``trust`` and allowing ``actions``."""
    out: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": list(trust)}, "Action": "sts:AssumeRole"}
            ],
        },
    }
    if managed:
        out["ManagedPolicyArns"] = list(managed)
    statements: list[dict[str, Any]] = []
    if actions:
        statements.append({"Effect": "Allow", "Action": list(actions), "Resource": resource})
    if deny:
        statements.append({"Effect": "Deny", "Action": list(deny), "Resource": "*"})
    if statements:
        out["Policies"] = [{"PolicyName": "inline", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]
    return out


def instance_role(name: str = "ecsInstanceRole", **kw: Any) -> dict[str, Any]:
    """The instance role: the AWS managed policy by default, or the given actions."""
    if "actions" not in kw and "managed" not in kw:
        kw["managed"] = [EC2_ROLE_POLICY]
    return role(name, **kw)


def task_role(name: str, **kw: Any) -> dict[str, Any]:
    """A role trusted by ecs-tasks.amazonaws.com (a task role or execution role)."""
    return role(name, trust=("ecs-tasks.amazonaws.com",), **kw)


def execution_role(name: str = "ecsTaskExecutionRole", **kw: Any) -> dict[str, Any]:
    """An execution role: the AWS managed policy by default, or the given actions."""
    if "actions" not in kw and "managed" not in kw:
        kw["managed"] = [EXECUTION_ROLE_POLICY]
    return task_role(name, **kw)


def image(repository: str = "web", tag: str = "1.0", *, size_mb: float = 100.0, base: str | None = None, **app: Any) -> dict[str, Any]:
    """An ECR image whose app behaves as ``app`` (``AppSpec`` fields)."""
    out: dict[str, Any] = {"repository": repository, "tag": tag, "size_mb": size_mb}
    if base is not None:
        out["base"] = base
    if app:
        out["app"] = app
    return out


def uri(repository: str = "web", tag: str = "1.0") -> str:
    """The ECR image URI of ``repository:tag`` in the test account."""
    return f"{REGISTRY}/{repository}:{tag}"


def container(name: str = "web", image_uri: str | None = None, **fields: Any) -> dict[str, Any]:
    """A container definition (camelCase keys, as RegisterTaskDefinition); 128 MiB hard limit by default."""
    out: dict[str, Any] = {"name": name, "image": image_uri or uri()}
    if "memory" not in fields and "memoryReservation" not in fields:
        out["memory"] = 128
    out.update(fields)
    return out


def task_definition(family: str = "web", containers: Iterable[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """A RegisterTaskDefinition input (bridge mode unless ``networkMode`` is given)."""
    out: dict[str, Any] = {"family": family, "networkMode": "bridge"}
    out.update(fields)
    out["containerDefinitions"] = list(containers) if containers is not None else [container()]
    return out


def fargate_definition(family: str = "web", containers: Iterable[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    """A Fargate task definition (awsvpc, 256 CPU / 512 MiB) with the default execution role."""
    defaults: dict[str, Any] = {
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole",
    }
    defaults.update(fields)
    cds = list(containers) if containers is not None else [{"name": "web", "image": uri()}]
    return task_definition(family, cds, **defaults)


def instances(count: int = 1, type: str = "t3.medium", **fields: Any) -> dict[str, Any]:
    """An instance group registered at time 0 (``at`` launches it on the timeline instead)."""
    return {"count": count, "type": type, "azs": fields.pop("azs", AZS[:count] if count <= 3 else AZS), **fields}


def document(
    *,
    instances: Sequence[dict[str, Any]] = (),
    registry: Sequence[dict[str, Any]] = (),
    roles: Sequence[dict[str, Any]] | None = None,
    definitions: Sequence[dict[str, Any]] = (),
    timeline: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A simulation document; ``roles`` defaults to the managed instance and execution roles."""
    if roles is None:
        roles = [instance_role(), execution_role()]
    return {
        "world": {
            "cluster": {"name": "lab"},
            "instances": list(instances),
            "registry": list(registry) or [image()],
            "roles": list(roles),
            "timeline": list(timeline),
        },
        "files": {
            f"{td['family']}.yaml": {"kind": "task-definition", "content": td} for td in definitions
        },
    }


# -- building ----------------------------------------------------------------------------


def build(data: dict[str, Any], *, seed: int) -> World:
    """Build the world of an inline document for one seed (roles and task definitions in place)."""
    data = copy.deepcopy(data)
    doc = Document(file="doc.yaml", data=data)
    spec = SimDocument.model_validate(data)
    roles = [iam_role(parse_role(doc, ("world", "roles", i)).role) for i in range(len(spec.world.roles))]
    definitions = []
    for name, file_spec in spec.files.items():
        path = ("files", name, "content")
        if file_spec.kind == "iam-role":
            roles.append(iam_role(parse_role(doc, path).role))
        elif file_spec.kind == "task-definition":
            definitions.append(parse_task_definition(doc, path).task_definition)
        else:  # pragma: no cover - the world tests use only these two kinds
            raise ValueError(f"unsupported file kind in a world test: {file_spec.kind}")
    world = World(spec.world, seed=seed, roles=roles)
    for td in definitions:
        world.register_task_definition(td)
    return world


# -- reading the log ---------------------------------------------------------------------


def of(world: World, *types: type, task: str | None = None) -> list[Any]:
    """The events of ``types`` in order, only those of ``task`` when given."""
    return [e for e in world.log.of_type(*types) if task is None or getattr(e, "task_id", None) == task]


def task_rows(world: World, task: str) -> list[Row]:
    """A task's events as ordered ``(at, EventType, key fields...)`` rows, SimPy style."""
    keys = {
        TaskStateChanged: lambda e: (e.last_status, e.desired_status),
        ContainerStateChanged: lambda e: (e.container, e.last_status, e.exit_code),
        ImagePullStarted: lambda e: (e.container,),
        ImagePullFinished: lambda e: (e.container,),
        ImagePullFailed: lambda e: (e.container,),
        AppLogged: lambda e: (e.container,),
    }
    return [
        (e.at, type(e).__name__, *keys[type(e)](e))
        for e in world.log
        if type(e) in keys and e.task_id == task
    ]


def states(world: World, task: str) -> list[Row]:
    """A task's ``(at, lastStatus, desiredStatus)`` history."""
    return [(e.at, e.last_status, e.desired_status) for e in of(world, TaskStateChanged, task=task)]


def last_states(world: World, task: str) -> list[str]:
    """A task's ``lastStatus`` values in order, consecutive repeats collapsed."""
    out: list[str] = []
    for _, last, _ in states(world, task):
        if not out or out[-1] != last:
            out.append(last)
    return out


def first_at(world: World, task: str, last_status: str) -> float:
    """When the task first reported ``last_status``."""
    return next(at for at, last, _ in states(world, task) if last == last_status)


def task_view(world: World, task: str) -> Any:
    """The task as ``world.snapshot()`` shows it now."""
    return next(t for t in world.snapshot().tasks if t.task_id == task)
