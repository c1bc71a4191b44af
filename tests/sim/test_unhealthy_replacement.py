"""Unhealthy tasks are replaced start-first where maximumPercent allows (§4.2; issue 11).

AWS: when a task turns unhealthy the scheduler first starts a replacement (as far as
maximumPercent and capacity allow) and stops the unhealthy task once the replacement is
healthy; a replacement that turns unhealthy too gets one of them stopped to get back to the
desired count; with no room it stops unhealthy tasks within minimumHealthyPercent first.
Checked on the event log.
"""

from __future__ import annotations

from typing import Any

import pytest

from lab.config.service import parse_service
from lab.config.target_group import TargetGroup
from lab.sim.events import ServiceEvent, TargetHealthChanged, TaskStateChanged
from lab.sim.world import World
from lab.yaml_source import Document
from tests.sim.conftest import build, container, document, image, instances, task_definition, uri

LIVE = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")


def hanging_web(max_percent: int, *, hang_after_s: float = 300.0, seed: int = 1) -> World:
    """Three ``web`` tasks behind an ALB; each task's app hangs ``hang_after_s`` after it starts."""
    data = document(
        instances=[instances(3)],
        registry=[image("web", "1.0", size_mb=50, hang_after_s=hang_after_s)],
        definitions=[
            task_definition("web", [container("web", uri("web", "1.0"), cpu=256, memory=256, portMappings=[{"containerPort": 8080, "hostPort": 0}])])
        ],
    )
    data["world"]["load_balancers"] = [{"name": "web-alb", "type": "application", "target_groups": ["web"]}]
    world = build(data, seed=seed)
    world.put_target_group(TargetGroup.with_defaults("web"))
    service: dict[str, Any] = {
        "serviceName": "web",
        "taskDefinition": "web",
        "desiredCount": 3,
        "launchType": "EC2",
        "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": max_percent},
        "loadBalancers": [{"targetGroupArn": "web", "containerName": "web", "containerPort": 8080}],
    }
    world.create_service(parse_service(Document(file="service.yaml", data=service)).service)
    return world


def health_stops(world: World) -> list[TaskStateChanged]:
    """The stop requests for failed ELB health checks (desiredStatus turns STOPPED)."""
    seen: set[str] = set()
    out = []
    for e in world.log.of_type(TaskStateChanged):
        if e.desired_status == "STOPPED" and e.task_id not in seen:
            seen.add(e.task_id)
            if (e.stopped_reason or "").startswith("Task failed ELB health checks"):
                out.append(e)
    return out


def live_at(world: World, at: float) -> int:
    last: dict[str, str] = {}
    for e in world.log.of_type(TaskStateChanged):
        if e.at <= at:
            last[e.task_id] = e.last_status if e.desired_status != "STOPPED" else "STOPPING"
    return sum(1 for status in last.values() if status in LIVE)


def test_with_room_the_replacement_starts_first_and_the_unhealthy_task_stops_once_it_is_healthy() -> None:
    world = hanging_web(200)
    world.run(until=600)
    unhealthy_posted = [e.at for e in world.log.of_type(ServiceEvent) if e.kind == "unhealthy-target"]
    assert len(unhealthy_posted) == 3
    first_unhealthy = min(unhealthy_posted)
    started_then = [e for e in world.log.of_type(ServiceEvent) if e.kind == "started-tasks" and e.at == first_unhealthy]
    assert started_then, "a replacement starts in the instant the task is found unhealthy"
    stops = health_stops(world)
    assert len(stops) == 3
    healthy_at = sorted(e.at for e in world.log.of_type(TargetHealthChanged) if e.state == "healthy" and e.at > first_unhealthy)
    for stop in stops:
        # Each unhealthy task is stopped after it was reported, once a replacement is healthy.
        assert stop.at > first_unhealthy
        assert any(at <= stop.at for at in healthy_at)
    # Never more than maximumPercent (6) tasks, and the service ends steady with 3.
    assert max(live_at(world, e.at) for e in world.log.of_type(TaskStateChanged)) <= 6
    assert live_at(world, 600) == 3


def test_without_room_the_unhealthy_task_stops_first() -> None:
    """maximumPercent 100: no room to start first, so the scheduler stops, then replaces."""
    world = hanging_web(100)
    world.run(until=600)
    unhealthy_posted = sorted(e.at for e in world.log.of_type(ServiceEvent) if e.kind == "unhealthy-target")
    stops = health_stops(world)
    assert [s.at for s in stops] == unhealthy_posted
    assert max(live_at(world, e.at) for e in world.log.of_type(TaskStateChanged)) <= 3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_replacements_that_turn_unhealthy_too_keep_the_count_at_desired(seed: int) -> None:
    """Every task hangs 60 s after it starts: replacements fail as well; never past maximumPercent."""
    world = hanging_web(200, hang_after_s=60.0, seed=seed)
    world.run(until=1200)
    stops = health_stops(world)
    assert len(stops) >= 6
    assert max(live_at(world, e.at) for e in world.log.of_type(TaskStateChanged)) <= 6
    assert [s for s in stops if s.at > 900], "the scheduler keeps replacing them"
