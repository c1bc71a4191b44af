"""Behaviour tests for the host disk and the ECS agent's automated image cleanup (docs/ecs-facts.md §12.6).

A container instance's images live on its root volume (30 GiB on the ECS-optimized AMI, of
which the OS takes its share); a pull that does not fit fails with Docker's "no space left on
device" text (§3.5). The agent's cleanup cycle removes up to ECS_NUM_IMAGES_DELETE_PER_CYCLE
images that no container references and that were pulled at least
ECS_IMAGE_MINIMUM_CLEANUP_AGE ago, least recently used first, every ECS_IMAGE_CLEANUP_INTERVAL;
a stopped task's containers (and so its images) stay for ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION.
"""

from __future__ import annotations

import re

import pytest

from lab.config.agent_config import parse_agent_config
from lab.sim.events import ImagePullFailed, ImagePullFinished, ImagePullStarted, ImageRemoved, TaskStateChanged
from lab.sim.model import SYSTEM_DISK_GIB
from lab.yaml_source import Document
from tests.sim.conftest import build, container, document, image, instances, of, task_definition, uri

GIB = 1024**3
NO_SPACE = re.compile(r"^CannotPullContainerError: write /var/lib/docker/tmp/GetImageBlob\d+: no space left on device$")


def world_with(tags: list[str], *, size_mb: float = 3000.0, seed: int = 1, **instance_fields):
    """One instance (a 10 GiB volume unless given) and a task definition per image tag ``web:<tag>``."""
    fields = {"volume_gib": 10, **instance_fields}
    data = document(
        instances=[instances(1, **fields)],
        registry=[image("web", tag, size_mb=size_mb) for tag in tags],
        definitions=[task_definition(f"v{tag}", [container(image_uri=uri("web", tag))]) for tag in tags],
    )
    return build(data, seed=seed)


def run_then_stop(world, family: str, *, run_for: float = 300.0) -> str:
    """Run one task of ``family``, let it run ``run_for`` seconds, stop it; returns its id."""
    (task,) = world.run_task(family).task_ids
    world.run(until=world.now + run_for)
    world.stop_task(task)
    world.run(until=world.now + 120)
    return task


def stopped_event(world, task: str) -> TaskStateChanged:
    return next(e for e in of(world, TaskStateChanged, task=task) if e.last_status == "STOPPED")


def test_a_pull_that_does_not_fit_fails_with_no_space_left_on_device():
    """With cleanup disabled, the third 3 GB image does not fit 10 GiB: TaskFailedToStart with Docker's text."""
    world = world_with(["1", "2", "3"], image_cleanup_disabled=True)
    run_then_stop(world, "v1")
    run_then_stop(world, "v2")
    (task,) = world.run_task("v3").task_ids
    world.run(until=world.now + 300)
    event = stopped_event(world, task)
    assert event.stop_code == "TaskFailedToStart"
    assert NO_SPACE.match(event.stopped_reason or "")
    (failed,) = of(world, ImagePullFailed, task=task)
    assert failed.reason == event.stopped_reason
    assert of(world, ImageRemoved) == []
    ci = world.instances[0]
    # Nothing of the failed image stays on the disk.
    assert ci.disk_used_bytes() == pytest.approx(SYSTEM_DISK_GIB * GIB + 2 * 3_000_000_000, abs=10)


def test_the_same_pulls_fit_a_bigger_volume():
    """A 30 GiB volume (the AMI's default) holds the three images."""
    world = world_with(["1", "2", "3"], volume_gib=30, image_cleanup_disabled=True)
    run_then_stop(world, "v1")
    run_then_stop(world, "v2")
    (task,) = world.run_task("v3").task_ids
    world.run(until=world.now + 300)
    assert of(world, ImagePullFinished, task=task)


def test_cleanup_waits_for_the_task_cleanup_then_removes_the_unused_image():
    """A stopped task's image stays while its containers do (ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION), then goes."""
    world = world_with(["1", "2"], task_cleanup_wait_s=3600, image_minimum_cleanup_age_s=600, image_cleanup_interval_s=600)
    run_then_stop(world, "v1")  # stopped at about 420 s
    stopped_at = stopped_event(world, next(iter(world.tasks))).at
    world.run(until=stopped_at + 3600 - 1)
    assert of(world, ImageRemoved) == []
    world.run(until=stopped_at + 3600 + 600)
    (removed,) = of(world, ImageRemoved)
    assert removed.image == uri("web", "1")
    assert removed.bytes_freed == pytest.approx(3_000_000_000, abs=10)
    assert removed.disk_used_bytes == SYSTEM_DISK_GIB * GIB
    # On a cycle: registration + k × interval.
    assert (removed.at - world.instances[0].registered_at) % 600 == pytest.approx(0, abs=1e-6)


def test_an_image_in_use_or_too_young_is_never_removed():
    """A running task's image stays; so does an unused image pulled less than the minimum age ago."""
    world = world_with(["1", "2"], task_cleanup_wait_s=60, image_minimum_cleanup_age_s=7200, image_cleanup_interval_s=600)
    world.run_task("v1")
    run_then_stop(world, "v2")
    world.run(until=7000)
    assert of(world, ImageRemoved) == []
    world.run(until=9000)
    assert [e.image for e in of(world, ImageRemoved)] == [uri("web", "2")]


def test_least_recently_used_first_and_at_most_n_per_cycle():
    """Three unused images, one per cycle: removed oldest use first."""
    world = world_with(
        ["1", "2", "3"], volume_gib=30, task_cleanup_wait_s=60, image_minimum_cleanup_age_s=0,
        image_cleanup_interval_s=3600, num_images_delete_per_cycle=1,
    )
    for family in ("v2", "v1", "v3"):
        run_then_stop(world, family, run_for=120)
    world.run(until=4 * 3600)
    removed = of(world, ImageRemoved)
    assert [e.image for e in removed] == [uri("web", "2"), uri("web", "1"), uri("web", "3")]
    assert len({e.at for e in removed}) == 3


def test_shared_layers_stay_until_no_image_uses_them():
    """Two images on one base: removing one frees only its own layers."""
    data = document(
        instances=[instances(1, task_cleanup_wait_s=60, image_minimum_cleanup_age_s=0, image_cleanup_interval_s=600)],
        registry=[image("web", "1", size_mb=500, base="python-3.12"), image("web", "2", size_mb=500, base="python-3.12")],
        definitions=[task_definition(f"v{tag}", [container(image_uri=uri("web", tag))]) for tag in ("1", "2")],
    )
    world = build(data, seed=1)
    world.run_task("v2")
    run_then_stop(world, "v1")
    world.run(until=1800)
    (removed,) = of(world, ImageRemoved)
    assert removed.image == uri("web", "1")
    # Only web:1's own layers go; the python base stays for web:2.
    assert 0 < removed.bytes_freed < 500_000_000
    assert removed.disk_used_bytes == world.instances[0].disk_used_bytes()
    assert world.instances[0].disk_used_bytes() > SYSTEM_DISK_GIB * GIB + 400_000_000


def test_disabled_cleanup_removes_nothing():
    world = world_with(["1"], image_cleanup_disabled=True, task_cleanup_wait_s=60, image_minimum_cleanup_age_s=0)
    run_then_stop(world, "v1")
    world.run(until=6 * 3600)
    assert of(world, ImageRemoved) == []


def test_the_same_seed_gives_the_same_log():
    logs = []
    for _ in range(2):
        world = world_with(["1", "2", "3"], image_cleanup_disabled=True)
        run_then_stop(world, "v1")
        run_then_stop(world, "v2")
        world.run_task("v3")
        world.run(until=world.now + 300)
        logs.append([e.message for e in world.log])
    assert logs[0] == logs[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ECS_DISABLE_IMAGE_CLEANUP=true", {"image_cleanup_disabled": True}),
        ("ECS_DISABLE_IMAGE_CLEANUP=false", {"image_cleanup_disabled": False}),
        ("ECS_IMAGE_CLEANUP_INTERVAL=15m", {"image_cleanup_interval_s": 900.0}),
        # Under the agent's minimum: the agent falls back to the default, not the minimum.
        ("ECS_IMAGE_CLEANUP_INTERVAL=5m", {"image_cleanup_interval_s": 1800.0}),
        ("ECS_IMAGE_MINIMUM_CLEANUP_AGE=30m", {"image_minimum_cleanup_age_s": 1800.0}),
        ("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION=10m", {"task_cleanup_wait_s": 600.0}),
        ("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION=30s", {"task_cleanup_wait_s": 30.0}),
        ("ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION=500ms", {"task_cleanup_wait_s": 10800.0}),
        ("ECS_NUM_IMAGES_DELETE_PER_CYCLE=10", {"num_images_delete_per_cycle": 10}),
        ("ECS_NUM_IMAGES_DELETE_PER_CYCLE=0", {"num_images_delete_per_cycle": 5}),
        ("ECS_CLUSTER=prod", {}),
    ],
)
def test_agent_config_image_cleanup_settings(text, expected):
    parsed = parse_agent_config(Document("ecs.config", text, text + "\n"))
    assert parsed.agent_config.image_cleanup_updates() == expected
    assert not [n for n in parsed.notes if "not simulated" in n.message]


def test_an_image_cleaned_up_is_fetched_again_in_full():
    """After cleanup removes an image, the next task pulling it finds no layer on the host (and the disk counts them again)."""
    world = world_with(["1"], task_cleanup_wait_s=60, image_minimum_cleanup_age_s=600, image_cleanup_interval_s=600)
    first = run_then_stop(world, "v1")
    (second,) = world.run_task("v1").task_ids  # while the image is on the host: every layer cached
    world.run(until=world.now + 300)
    world.stop_task(second)
    world.run(until=world.now + 2400)
    assert [e.image for e in of(world, ImageRemoved)] == [uri("web", "1")]
    assert world.instances[0].disk_used_bytes() == SYSTEM_DISK_GIB * GIB
    (third,) = world.run_task("v1").task_ids
    world.run(until=world.now + 300)
    pulls = {task: of(world, ImagePullStarted, task=task)[0] for task in (first, second, third)}
    assert [(p.layers_cached, p.bytes_to_fetch > 0) for p in pulls.values()] == [
        (0, True),
        (pulls[first].layers_total, False),
        (0, True),
    ]
    assert world.instances[0].disk_used_bytes() == pytest.approx(SYSTEM_DISK_GIB * GIB + 3_000_000_000, abs=10)
