"""Container image resolution (docs/ecs-facts.md §4, "software version consistency").

A service deployment resolves each container's image tag to the image (digest) the registry
holds when the deployment starts; every task of that deployment runs that image, even after a
``push-image`` moves the tag. Seen on the event log: the old image has 2 layers and keeps
running, the image pushed over its tag has 5 and its app exits 30 s after start.

- a scale-out or a replacement task of the running deployment pulls the old image;
- ``forceNewDeployment`` after the push starts a deployment that resolves the new one;
- ``versionConsistency: disabled`` on the container: every task pulls the tag as it starts;
- a digest reference (``repo@sha256:...``) names one image whatever the tag does;
- a standalone RunTask resolves at the call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import ImagePullStarted, ServiceDeploymentStateChanged, TaskStateChanged
from lab.sim.registry import Registry
from lab.sim.spec import ImageSpec

REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"
OLD = {"repository": "web", "tag": "1.0", "size_mb": 40, "layers": 2, "app": {"boot_s": 2}}
NEW = {"repository": "web", "tag": "1.0", "size_mb": 60, "layers": 5, "app": {"boot_s": 2, "exit_after_s": 30}}
PUSH_AT = 200
ACT_AT = 300


def _old_digest() -> str:
    """The manifest digest the registry gives the first push of OLD (what ``docker push`` prints)."""
    return Registry("123456789012", "us-east-1").push(ImageSpec.model_validate(OLD)).digest


def _world(tmp_path: Path, actions: list[dict[str, Any]], *, image: str = f"{REPO}:1.0", consistency: str | None = None) -> Any:
    container = {"name": "web", "image": image, "memoryReservation": 128}
    if consistency is not None:
        container["versionConsistency"] = consistency
    doc = {
        "world": {
            "cluster": {"name": "prod"},
            "instances": [{"count": 2, "type": "m5.large", "azs": ["us-east-1a", "us-east-1b"], "role": "ecsInstanceRole"}],
            "registry": [OLD],
            "roles": [
                {
                    "RoleName": "ecsInstanceRole",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
                    },
                    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"],
                }
            ],
            "timeline": [*actions, {"at": PUSH_AT, "event": "push-image", "image": NEW}],
        },
        "files": {
            "task-definition.yaml": {"kind": "task-definition", "content": yaml.safe_dump({"family": "web", "containerDefinitions": [container]})},
            "service.yaml": {
                "kind": "service",
                "content": yaml.safe_dump({"serviceName": "web", "taskDefinition": "web", "desiredCount": 1, "launchType": "EC2"}),
            },
        },
        "run": {"duration": 900, "seeds": [1]},
    }
    path = tmp_path / "resolution.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    world = build_world(load_sim_document(path), seed=1)
    world.run(until=900)
    return world


def _pulled_after(world: Any, at: float) -> list[int]:
    """The layer counts of the pulls that started at ``at`` or later."""
    return [e.layers_total for e in world.log.of_type(ImagePullStarted) if e.at >= at]


def _crashed(world: Any) -> list[TaskStateChanged]:
    return [e for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED" and e.stop_code == "EssentialContainerExited"]


def test_a_scale_out_after_the_tag_moved_runs_the_deployments_image(tmp_path: Path) -> None:
    world = _world(tmp_path, [{"at": ACT_AT, "event": "update-service", "service": "web", "desiredCount": 3}])
    assert _pulled_after(world, ACT_AT) == [2, 2], "the two new tasks pull the image the deployment resolved"
    assert not _crashed(world), "the pushed app (which exits) never runs"


def test_a_replacement_after_a_stopped_task_runs_the_deployments_image(tmp_path: Path) -> None:
    world = _world(tmp_path, [{"at": ACT_AT, "event": "stop-task", "group": "service:web"}])
    stopped = [e for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED"]
    assert len(stopped) == 1 and stopped[0].stop_code == "UserInitiated"
    assert _pulled_after(world, ACT_AT) == [2]


def test_force_new_deployment_after_the_push_resolves_the_new_image(tmp_path: Path) -> None:
    world = _world(tmp_path, [{"at": ACT_AT, "event": "update-service", "service": "web", "forceNewDeployment": True}])
    pulls = _pulled_after(world, ACT_AT)
    assert pulls and set(pulls) == {5}, "every task of the new deployment pulls the pushed image"
    assert _crashed(world), "and runs its app, which exits"
    started = [e for e in world.log.of_type(ServiceDeploymentStateChanged) if e.state == "SERVICE_DEPLOYMENT_IN_PROGRESS"]
    assert len(started) == 2


def test_version_consistency_disabled_pulls_the_tag_as_each_task_starts(tmp_path: Path) -> None:
    world = _world(tmp_path, [{"at": ACT_AT, "event": "update-service", "service": "web", "desiredCount": 3}], consistency="disabled")
    assert _pulled_after(world, ACT_AT)[:2] == [5, 5], "the scale-out tasks get what the tag names now"
    assert _crashed(world)


@pytest.mark.parametrize("consistency", [None, "disabled"])
def test_a_digest_reference_names_one_image_whatever_the_tag_does(tmp_path: Path, consistency: str | None) -> None:
    actions = [
        {"at": ACT_AT, "event": "update-service", "service": "web", "forceNewDeployment": True},
        {"at": ACT_AT + 100, "event": "update-service", "service": "web", "desiredCount": 3},
    ]
    world = _world(tmp_path, actions, image=f"{REPO}@{_old_digest()}", consistency=consistency)
    assert not [e for e in world.log.of_type(TaskStateChanged) if e.stop_code == "TaskFailedToStart"], "the digest is in ECR"
    pulls = _pulled_after(world, ACT_AT)
    assert pulls and set(pulls) == {2}
    assert not _crashed(world)


def test_a_tag_and_digest_reference_pulls_the_digest(tmp_path: Path) -> None:
    world = _world(tmp_path, [{"at": ACT_AT, "event": "update-service", "service": "web", "forceNewDeployment": True}], image=f"{REPO}:1.0@{_old_digest()}")
    pulls = _pulled_after(world, ACT_AT)
    assert pulls and set(pulls) == {2}


def test_an_unknown_digest_fails_the_pull(tmp_path: Path) -> None:
    world = _world(tmp_path, [], image=f"{REPO}@sha256:{'0' * 64}")
    failed = [e for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED"]
    assert failed and "CannotPullContainerError" in (failed[0].stopped_reason or "")


def test_run_task_resolves_at_the_call(tmp_path: Path) -> None:
    # The RunTask comes first in the same instant as the push; its task's pull runs after both.
    world = _world(tmp_path, [{"at": PUSH_AT, "event": "run-task", "taskDefinition": "web"}])
    assert _pulled_after(world, PUSH_AT) == [2], "the image the tag named at the call"
    assert not _crashed(world)
