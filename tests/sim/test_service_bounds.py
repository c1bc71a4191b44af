"""The service scheduler keeps a service within its deployment configuration's bounds (§4.2).

Regression tests for scheduler bugs found with the state machine in
tests/property/test_service_machine.py, each reproduced with a fixed seed and checked on the
event log.
"""

from __future__ import annotations

from typing import Any

from lab.config.service import parse_service
from lab.yaml_source import Document
from lab.sim.events import ServiceDeploymentStateChanged, ServiceEvent, TaskStateChanged
from lab.sim.world import World
from tests.sim.conftest import build, container, document, image, instances, task_definition, uri

PENDING_OR_RUNNING = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")


def worker_world(seed: int = 1) -> World:
    """Three t3.medium instances and a 512-unit, 512 MiB ``worker`` task definition, no load balancer."""
    data = document(
        instances=[instances(3)],
        registry=[image("worker", "1.0", size_mb=50)],
        definitions=[task_definition("worker", [container("worker", uri("worker", "1.0"), cpu=512, memory=512)])],
    )
    return build(data, seed=seed)


def worker_service(desired: int, min_percent: int, max_percent: int) -> Any:
    data = {
        "serviceName": "worker",
        "taskDefinition": "worker",
        "desiredCount": desired,
        "launchType": "EC2",
        "deploymentConfiguration": {"minimumHealthyPercent": min_percent, "maximumPercent": max_percent},
    }
    return parse_service(Document(file="service.yaml", data=data)).service


def live_after(world: World, at: float, group: str = "service:worker") -> dict[str, str]:
    """Task id → task definition of the group's tasks PENDING or RUNNING once instant ``at`` is over."""
    last: dict[str, TaskStateChanged] = {}
    for e in world.log.of_type(TaskStateChanged):
        if e.at <= at and e.group == group:
            last[e.task_id] = e
    return {task: e.task_definition for task, e in last.items() if e.last_status in PENDING_OR_RUNNING}


def test_lowering_desired_count_mid_deployment_stops_new_tasks_down_to_maximum_percent() -> None:
    """desired 4 → 2 while 2 new tasks are not yet healthy (100/150): 3 tasks are left, 2 of them old and healthy."""
    world = worker_world()
    model = worker_service(4, 100, 150)
    world.create_service(model)
    world.run(until=200)
    world.register_task_definition(world.resolve_task_definition("worker").definition)
    world.update_service(model)
    world.run(until=210)
    # Both new tasks are RUNNING but not yet healthy (that takes 40 s); the four old ones are.
    assert sorted(live_after(world, 209.999).values()) == ["worker:1"] * 4 + ["worker:2"] * 2
    world.update_service(model.model_copy(update={"desired_count": 2}))
    world.run(until=211)
    stops = [
        (e.at, e.task_definition, e.last_status, e.stop_code)
        for e in world.log.of_type(TaskStateChanged)
        if e.at == 210 and e.desired_status == "STOPPED" and e.last_status == "RUNNING"
    ]
    # floor(2 × 150%) = 3 may run and ceil(2 × 100%) = 2 must stay healthy: two old tasks
    # and one not-yet-healthy new task stop.
    assert stops == [
        (210, "worker:1", "RUNNING", "ServiceSchedulerInitiated"),
        (210, "worker:1", "RUNNING", "ServiceSchedulerInitiated"),
        (210, "worker:2", "RUNNING", "ServiceSchedulerInitiated"),
    ]
    assert sorted(live_after(world, 210).values()) == ["worker:1", "worker:1", "worker:2"]
    world.run(until=600)
    assert sorted(live_after(world, 600).values()) == ["worker:2", "worker:2"]


def test_task_without_health_checks_counts_as_healthy_exactly_40_s_after_running() -> None:
    """No load balancer, no health check: the old task stops 40 s after the new one is RUNNING.

    Seed 2 starts the new task at a time ``t`` for which ``(t + 40) - t < 40`` in floating
    point, so the pass the scheduler runs at ``t + 40`` must not recompute the age by subtraction.
    """
    world = worker_world(seed=2)
    model = worker_service(1, 100, 200)
    world.create_service(model)
    world.run(until=100)
    world.register_task_definition(world.resolve_task_definition("worker").definition)
    world.update_service(model)
    world.run(until=400)
    new_running = next(e.at for e in world.log.of_type(TaskStateChanged) if e.task_definition == "worker:2" and e.last_status == "RUNNING")
    assert (new_running + 40) - new_running < 40
    old_stop = next(e.at for e in world.log.of_type(TaskStateChanged) if e.task_definition == "worker:1" and e.desired_status == "STOPPED")
    assert old_stop == new_running + 40
    completed = [e.task_definition for e in world.log.of_type(ServiceDeploymentStateChanged) if e.state == "SERVICE_DEPLOYMENT_COMPLETED"]
    assert completed == ["worker:1", "worker:2"]


def deployment_events(min_percent: int, max_percent: int) -> list[tuple[str, ...]]:
    """The ``(kind, ...)`` of the service events and deployment changes of a 4-task rolling deployment."""
    world = worker_world()
    model = worker_service(4, min_percent, max_percent)
    world.create_service(model)
    world.run(until=100)
    world.register_task_definition(world.resolve_task_definition("worker").definition)
    world.update_service(model)
    world.run(until=1000)
    rows: list[tuple[str, ...]] = []
    for e in world.log:
        if e.at < 100:
            continue
        if isinstance(e, ServiceEvent) and e.kind in ("deployment-blocked", "deployment-completed"):
            rows.append((e.kind,))
        elif isinstance(e, ServiceDeploymentStateChanged):
            rows.append((e.state, e.task_definition))
    return rows


def test_deployment_waiting_for_new_tasks_to_turn_healthy_is_not_reported_blocked() -> None:
    """100/150 with 4 tasks: 2 new tasks start, then it waits for them; that is progress, not a block."""
    assert deployment_events(100, 150) == [
        ("SERVICE_DEPLOYMENT_IN_PROGRESS", "worker:2"),
        ("deployment-completed",),
        ("SERVICE_DEPLOYMENT_COMPLETED", "worker:2"),
    ]


def test_deployment_with_no_room_either_way_is_reported_blocked() -> None:
    """100/100: nothing may stop and nothing may start, so the service says so once (§4.2)."""
    assert deployment_events(100, 100) == [("SERVICE_DEPLOYMENT_IN_PROGRESS", "worker:2"), ("deployment-blocked",)]


def test_scale_in_through_update_service_reports_a_steady_state_again() -> None:
    """desiredCount 3 → 1 by UpdateService: two tasks stop, then the service is steady again (§4.6)."""
    world = worker_world()
    model = worker_service(3, 100, 200)
    world.create_service(model)
    world.run(until=200)
    world.update_service(model.model_copy(update={"desired_count": 1}))
    world.run(until=400)
    rows = [(e.at, e.kind) for e in world.log.of_type(ServiceEvent) if e.at >= 200]
    assert rows == [(200, "stopped-tasks"), (200, "steady-state")]


def web_world_failing_health_checks(seed: int, grace_s: int, max_percent: int = 100) -> World:
    """A ``web`` service of 3 behind an ALB whose health-check path answers 404, with a grace period.

    At maximumPercent 100 there is no room to start replacements first, so an unhealthy task
    stops as soon as the scheduler acts on its health (§4.2).
    """
    from lab.config.target_group import TargetGroup

    data = document(
        instances=[instances(3)],
        registry=[image("web", "1.0", size_mb=50)],
        definitions=[
            task_definition("web", [container("web", uri("web", "1.0"), cpu=512, memory=512, portMappings=[{"containerPort": 8080, "hostPort": 0}])])
        ],
    )
    data["world"]["load_balancers"] = [{"name": "web-alb", "type": "application", "target_groups": ["web"]}]
    world = build(data, seed=seed)
    world.put_target_group(TargetGroup.with_defaults("web", health_check_path="/health"))
    service = {
        "serviceName": "web",
        "taskDefinition": "web",
        "desiredCount": 3,
        "launchType": "EC2",
        "healthCheckGracePeriodSeconds": grace_s,
        "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": max_percent},
        "loadBalancers": [{"targetGroupArn": "web", "containerName": "web", "containerPort": 8080}],
    }
    world.create_service(parse_service(Document(file="service.yaml", data=service)).service)
    return world


def test_unhealthy_target_is_stopped_when_the_grace_period_ends_without_stalling_the_clock() -> None:
    """Grace 100 s, targets unhealthy within it: each task stops exactly 100 s after it started.

    Seed 0 starts a replacement at t = 104.407, where 104.407 + 100 - 104.407 < 100 in floating
    point; re-checking "still in the grace period?" by subtraction then re-scheduled the check
    with no delay, forever, and the clock never moved again.
    """
    world = web_world_failing_health_checks(seed=0, grace_s=100)
    steps = 0
    while world.peek() < 700:
        world.step()
        steps += 1
        assert steps < 100_000, f"the simulation is stuck at t={world.now}"
    started = {e.task_id: e.at for e in world.log.of_type(TaskStateChanged) if e.last_status == "RUNNING" and e.desired_status == "RUNNING"}
    stopped = [
        (e.task_id, e.at)
        for e in world.log.of_type(TaskStateChanged)
        if e.desired_status == "STOPPED" and e.last_status == "RUNNING"
    ]
    assert len(stopped) >= 9
    assert any((at + 100) - at < 100 for at in started.values())
    for task_id, at in stopped:
        assert at == started[task_id] + 100
    reasons = {e.stopped_reason for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED"}
    assert len(reasons) == 1 and reasons.pop().startswith("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:")
