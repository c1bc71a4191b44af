"""Behaviour tests for image pulls in a world: which role pulls, ECR errors, and the layer cache.

Reference/ecs-behaviour.md §3.5 (error texts), §8.1 and §8.4 (which role pulls and what it
needs); the layer cache follows docs/simulator.md "Images and IAM".
"""

from __future__ import annotations

import pytest

from lab.config.iam import parse_role
from lab.scenario.simdoc import iam_role
from lab.yaml_source import Document
from lab.sim.events import ImagePullFailed, ImagePullFinished, ImagePullStarted, TaskStateChanged
from tests.sim.conftest import (
    ACCOUNT,
    AGENT_ACTIONS,
    AWSVPC,
    REGISTRY,
    build,
    container,
    document,
    execution_role,
    fargate_definition,
    image,
    instance_role,
    instances,
    last_states,
    of,
    task_definition,
    task_view,
    uri,
)

EXECUTION_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"
TOKEN = "ecr:GetAuthorizationToken"
NO_LAYER_URLS = [*AGENT_ACTIONS, TOKEN, "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage"]
"""The instance role minus ecr:GetDownloadUrlForLayer."""


def ec2_pull(*, instance_actions: list[str] | None = None, definition=None, registry=None, seed: int = 1):
    """Run one EC2 task on a one-instance world whose instance role has ``instance_actions`` (the managed policy when None)."""
    role = instance_role() if instance_actions is None else instance_role(actions=instance_actions)
    data = document(
        instances=[instances(1)],
        roles=[role, execution_role()],
        registry=registry or [image()],
        definitions=[definition or task_definition()],
    )
    world = build(data, seed=seed)
    (task,) = world.run_task("web").task_ids
    world.run(until=120)
    return world, task


def stopped(world, task: str) -> TaskStateChanged:
    """The task's STOPPED event."""
    return next(e for e in of(world, TaskStateChanged, task=task) if e.last_status == "STOPPED")


def assert_failed_to_start(world, task: str) -> TaskStateChanged:
    """The task stopped with TaskFailedToStart without reaching RUNNING; returns its STOPPED event."""
    assert "RUNNING" not in last_states(world, task)
    event = stopped(world, task)
    assert event.stop_code == "TaskFailedToStart"
    (failed,) = of(world, ImagePullFailed, task=task)
    assert failed.reason == event.stopped_reason
    assert of(world, ImagePullStarted, task=task) == []
    return event


# -- which role pulls, and what it is refused -------------------------------------------------


def test_instance_role_without_authorization_token_gets_cannot_pull_ecr_container_error():
    """An instance role without ecr:GetAuthorizationToken fails the pull with the EC2 agent's CannotPullECRContainerError."""
    world, task = ec2_pull(instance_actions=AGENT_ACTIONS)
    reason = assert_failed_to_start(world, task).stopped_reason
    instance = world.snapshot().instances[0].ec2_instance_id
    assert reason.startswith(
        f"CannotPullECRContainerError: AccessDeniedException: User: arn:aws:sts::{ACCOUNT}:assumed-role/ecsInstanceRole/i-"
    )
    assert f"assumed-role/ecsInstanceRole/{instance} " in reason
    assert reason.endswith("is not authorized to perform: ecr:GetAuthorizationToken on resource: *")


def test_instance_role_without_batch_get_image_gets_pull_access_denied():
    """An instance role with the token but not ecr:BatchGetImage fails with the Docker daemon's pull access denied."""
    world, task = ec2_pull(instance_actions=[*AGENT_ACTIONS, TOKEN])
    reason = assert_failed_to_start(world, task).stopped_reason
    assert reason.startswith(f"CannotPullContainerError: Error response from daemon: pull access denied for {REGISTRY}/web")
    assert "repository does not exist or may require 'docker login': denied" in reason
    assert "ecr:BatchGetImage" in reason


def test_execution_role_pulls_on_ec2_even_when_the_instance_role_has_no_ecr_access():
    """On EC2 a task with an execution role pulls with it (session name = task id), whatever the instance role allows."""
    world, task = ec2_pull(instance_actions=AGENT_ACTIONS, definition=task_definition(executionRoleArn=EXECUTION_ROLE_ARN))
    (started,) = of(world, ImagePullStarted, task=task)
    assert started.identity == f"arn:aws:sts::{ACCOUNT}:assumed-role/ecsTaskExecutionRole/{task}"
    assert task_view(world, task).last_status == "RUNNING"


def test_instance_role_pulls_on_ec2_without_execution_role():
    """On EC2 a task without an execution role pulls with the instance role (session name = EC2 instance id)."""
    world, task = ec2_pull()
    (started,) = of(world, ImagePullStarted, task=task)
    instance = world.snapshot().instances[0].ec2_instance_id
    assert started.identity == f"arn:aws:sts::{ACCOUNT}:assumed-role/ecsInstanceRole/{instance}"


@pytest.mark.parametrize(
    ("image_uri", "expected"),
    [
        pytest.param(
            uri("web", "9.9"),
            f"CannotPullContainerError: Error response from daemon: manifest for {REGISTRY}/web:9.9 not found: "
            "manifest unknown: Requested image not found",
            id="missing-tag",
        ),
        pytest.param(
            uri("nope", "1.0"),
            f"CannotPullContainerError: API error (404): repository {REGISTRY}/nope not found",
            id="missing-repository",
        ),
    ],
)
def test_missing_image_fails_the_pull(image_uri, expected):
    """A tag or repository that does not exist in ECR stops the task with TaskFailedToStart and the Docker wording."""
    world, task = ec2_pull(definition=task_definition(containers=[container(image_uri=image_uri)]))
    assert assert_failed_to_start(world, task).stopped_reason == expected


def test_fargate_execution_role_without_ecr_actions_gets_resource_initialization_error():
    """On Fargate an execution role without ECR permissions fails in PENDING with ResourceInitializationError and deprovisions."""
    logs_only = execution_role(actions=["logs:CreateLogStream", "logs:PutLogEvents"])
    data = document(roles=[instance_role(), logs_only], definitions=[fargate_definition()])
    world = build(data, seed=1)
    (task,) = world.run_task("web", launch_type="FARGATE", network_configuration=AWSVPC).task_ids
    world.run(until=200)
    event = assert_failed_to_start(world, task)
    assert event.stopped_reason.startswith("ResourceInitializationError: unable to pull secrets or registry auth: ")
    assert f"assumed-role/ecsTaskExecutionRole/{task} is not authorized to perform: ecr:GetAuthorizationToken" in event.stopped_reason
    assert last_states(world, task) == ["PROVISIONING", "PENDING", "DEPROVISIONING", "STOPPED"]


# -- the layer cache ---------------------------------------------------------------------------


def test_second_task_on_the_same_instance_finds_every_layer_cached():
    """A task started after an earlier pull of the same image on the same instance fetches nothing and pulls faster."""
    data = document(instances=[instances(1)], definitions=[task_definition()])
    world = build(data, seed=1)
    (first,) = world.run_task("web").task_ids
    world.run(until=30)
    (second,) = world.run_task("web").task_ids
    world.run(until=60)
    (cold,), (warm,) = of(world, ImagePullStarted, task=first), of(world, ImagePullStarted, task=second)
    assert (cold.layers_cached, cold.bytes_to_fetch > 0) == (0, True)
    assert (warm.layers_cached, warm.layers_total, warm.bytes_to_fetch) == (cold.layers_total, cold.layers_total, 0)
    (cold_done,), (warm_done,) = of(world, ImagePullFinished, task=first), of(world, ImagePullFinished, task=second)
    assert warm_done.duration_s < cold_done.duration_s
    assert warm_done.bytes_fetched == 0


def test_images_with_the_same_base_share_its_layers():
    """A second image built on python-3.12-slim fetches only its own layers when the base is already on the host."""
    data = document(
        instances=[instances(1)],
        registry=[image("a", size_mb=150, base="python-3.12-slim"), image("b", size_mb=150, base="python-3.12-slim")],
        definitions=[
            task_definition("a", [container(image_uri=uri("a"))]),
            task_definition("b", [container(image_uri=uri("b"))]),
        ],
    )
    world = build(data, seed=1)
    (first,) = world.run_task("a").task_ids
    world.run(until=30)
    (second,) = world.run_task("b").task_ids
    world.run(until=60)
    (a,), (b,) = of(world, ImagePullStarted, task=first), of(world, ImagePullStarted, task=second)
    base_layers, base_bytes = 4, int(45.3 * 1_000_000)  # python-3.12-slim: 29.1 + 3.3 + 12.6 + 0.3 MB
    assert (a.layers_total, a.layers_cached) == (base_layers + 3, 0)
    assert (b.layers_total, b.layers_cached) == (base_layers + 3, base_layers)
    assert b.bytes_to_fetch == pytest.approx(a.bytes_to_fetch - base_bytes, abs=10)


def test_layer_still_downloading_is_waited_for_not_fetched_twice():
    """Two tasks pulling the same image at once on one instance download it once; the second finishes with the first."""
    data = document(instances=[instances(1)], definitions=[task_definition()])
    world = build(data, seed=1)
    first, second = world.run_task("web", count=2).task_ids
    world.run(until=60)
    (a,), (b,) = of(world, ImagePullStarted, task=first), of(world, ImagePullStarted, task=second)
    assert (a.at, b.at) == (0.0, 0.0)
    assert (a.layers_cached, b.layers_cached, b.layers_total, b.bytes_to_fetch) == (0, a.layers_total, a.layers_total, 0)
    (a_done,), (b_done,) = of(world, ImagePullFinished, task=first), of(world, ImagePullFinished, task=second)
    assert b_done.at == a_done.at
    assert (a_done.bytes_fetched, b_done.bytes_fetched) == (a.bytes_to_fetch, 0)


def test_fargate_tasks_never_share_a_layer_cache():
    """Every Fargate task pulls the whole image, even when another task of the same image pulled it before."""
    world = build(document(definitions=[fargate_definition()]), seed=1)
    (first,) = world.run_task("web", launch_type="FARGATE", network_configuration=AWSVPC).task_ids
    world.run(until=100)
    (second,) = world.run_task("web", launch_type="FARGATE", network_configuration=AWSVPC).task_ids
    world.run(until=200)
    for task in (first, second):
        (started,) = of(world, ImagePullStarted, task=task)
        assert (started.layers_cached, started.ec2_instance_id) == (0, None)


def test_denied_layer_download_fails_only_when_a_layer_is_missing():
    """Without ecr:GetDownloadUrlForLayer a cold pull fails, but a pull whose layers are all cached succeeds."""
    world, task = ec2_pull(instance_actions=NO_LAYER_URLS)
    reason = assert_failed_to_start(world, task).stopped_reason
    assert reason.startswith("CannotPullContainerError: Error response from daemon: ")
    assert "ecr:GetDownloadUrlForLayer" in reason

    data = document(instances=[instances(1)], definitions=[task_definition()])
    world = build(data, seed=1)
    world.run_task("web")  # warms the cache under the managed policy
    world.run(until=30)
    narrowed = instance_role(actions=NO_LAYER_URLS)
    world.put_role(iam_role(parse_role(Document("role.yaml", narrowed)).role))
    (cached,) = world.run_task("web").task_ids
    world.run(until=60)
    (started,) = of(world, ImagePullStarted, task=cached)
    assert (started.layers_cached, started.bytes_to_fetch) == (started.layers_total, 0)
    assert of(world, ImagePullFailed) == []
    assert task_view(world, cached).last_status == "RUNNING"


def test_images_on_bases_with_one_parent_share_the_parent_layer():
    """python-3.12-slim and node-20-slim are both FROM debian:bookworm-slim (one catalogue):
    a host that pulled one fetches the other without the Debian layer."""
    data = document(
        instances=[instances(1)],
        registry=[image("a", size_mb=150, base="python-3.12-slim"), image("b", size_mb=150, base="node:20-slim")],
        definitions=[
            task_definition("a", [container(image_uri=uri("a"))]),
            task_definition("b", [container(image_uri=uri("b"))]),
        ],
    )
    world = build(data, seed=1)
    (first,) = world.run_task("a").task_ids
    world.run(until=30)
    (second,) = world.run_task("b").task_ids
    world.run(until=60)
    (b,) = of(world, ImagePullStarted, task=second)
    assert b.layers_cached == 1  # debian:bookworm-slim's one layer


def test_legacy_base_names_are_the_catalogue_images():
    """Every hyphenated base name of older scenarios is a catalogue image, with the same layers."""
    from lab.sim.registry import BASE_IMAGES, LEGACY_BASE_NAMES, base_image_layers
    from lab.sim.build import base_layers

    for legacy, reference in LEGACY_BASE_NAMES.items():
        layers = base_image_layers(legacy)
        assert layers is not None and layers == base_image_layers(reference)
        assert [(x.digest, x.size_bytes) for x in layers] == base_layers(reference)
        assert BASE_IMAGES[legacy] == BASE_IMAGES[reference]
    assert base_image_layers("python-3.13-slim") is None
