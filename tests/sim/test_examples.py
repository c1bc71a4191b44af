"""The shipped simulation documents (content/sims/) play out as real ECS would."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import (
    ContainerInstanceStateChanged,
    PlacementFailed,
    ServiceEvent,
    TargetHealthChanged,
    TaskStateChanged,
)
from lab.sim.world import World

SIMS = Path(__file__).resolve().parents[2] / "content" / "sims"


def run(name: str, seed: int = 1, until: float | None = None) -> World:
    loaded = load_sim_document(SIMS / name)
    world = build_world(loaded, seed=seed)
    world.run(until=until if until is not None else loaded.spec.run.duration)
    return world


def service_events(world: World, kind: str) -> list[ServiceEvent]:
    return [e for e in world.log if isinstance(e, ServiceEvent) and e.kind == kind]


def running(world: World, group: str = "service:web") -> list:
    return [t for t in world.snapshot().tasks if t.group == group and t.last_status == "RUNNING"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_static_host_port_service_runs_one_task_per_instance(seed: int) -> None:
    """Static hostPort 80 on 3 instances with desired 6: 3 run, the rest can't be placed for the port."""
    world = run("service-static-port.yaml", seed)
    assert len(running(world)) == 3
    failures = [e for e in world.log if isinstance(e, PlacementFailed) and e.service == "web"]
    assert failures
    assert all(e.reason == "RESOURCE:PORTS" for e in failures)
    assert "is already using a port required by your task." in failures[0].message
    assert not service_events(world, "steady-state")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dynamic_host_ports_behind_an_alb_give_six_healthy_targets(seed: int) -> None:
    """hostPort 0 behind an ALB: all 6 tasks run and all 6 targets turn healthy; the service is steady."""
    world = run("service-dynamic-port.yaml", seed)
    assert len(running(world)) == 6
    tg = world.target_groups["web"]
    assert tg.healthy_count() == 6
    ports = {t.port for t in tg.targets}
    assert all(32768 <= p <= 60999 for p in ports)
    assert service_events(world, "steady-state")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_default_rolling_deployment_drops_no_request(seed: int) -> None:
    """min 100 / max 200 under constant traffic: the deployment completes with zero failed requests."""
    loaded = load_sim_document(SIMS / "rolling-deployment.yaml")
    world = build_world(loaded, seed=seed)
    world.run(until=600)
    tg = world.target_groups["web"]
    tg.flush()
    failed_before = tg.totals.elb_5xx + tg.totals.target_5xx
    world.run(until=loaded.spec.run.duration)
    tg.flush()
    assert tg.totals.elb_5xx + tg.totals.target_5xx == failed_before
    completed = service_events(world, "deployment-completed")
    assert len(completed) == 2 and completed[-1].at > 610
    kinds = [e.kind for e in world.log if isinstance(e, ServiceEvent) and e.at >= 610]
    order = ["started-tasks", "registered-targets", "stopped-tasks", "deregistered-targets", "deployment-completed", "steady-state"]
    positions = [kinds.index(k) for k in order]
    assert positions == sorted(positions)
    # The old tasks are drained for the full 300 s deregistration delay before completion.
    stopped = service_events(world, "stopped-tasks")[-1]
    assert completed[-1].at - stopped.at >= 300


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_short_deregistration_delay_cuts_long_requests(seed: int) -> None:
    """A 5 s deregistration delay with 60 s requests: the deployment's drained tasks lose requests."""
    loaded = load_sim_document(SIMS / "short-deregistration-delay.yaml")
    world = build_world(loaded, seed=seed)
    world.run(until=600)
    tg = world.target_groups["web"]
    tg.flush()
    before = tg.totals.elb_5xx
    world.run(until=loaded.spec.run.duration)
    tg.flush()
    assert tg.totals.elb_5xx - before > 100
    assert service_events(world, "deployment-completed")[-1].at > 610


@pytest.mark.parametrize("seed", [1, 2])
def test_security_group_blocking_the_alb_keeps_replacing_tasks_without_throttling(seed: int) -> None:
    """Blocked health-check port: targets time out, tasks are replaced again and again.

    Tasks that reached RUNNING and then failed ELB health checks are not throttled (reference
    §4.5): the service keeps replacing them, and never says it is unable to start tasks.
    """
    world = run("sg-blocks-alb.yaml", seed)
    unhealthy = [e for e in world.log if isinstance(e, TargetHealthChanged) and e.state == "unhealthy"]
    assert unhealthy and all(e.description == "Request timed out" for e in unhealthy)
    stopped = [
        e for e in world.log
        if isinstance(e, TaskStateChanged) and e.last_status == "STOPPED" and (e.stopped_reason or "").startswith("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:")
    ]
    assert len(stopped) >= 6
    assert len(service_events(world, "started-tasks")) >= 3
    assert service_events(world, "throttled") == []
    # Replacements keep coming to the end: the last start is in the run's final quarter.
    assert service_events(world, "started-tasks")[-1].at > 0.75 * world.now
    assert not service_events(world, "steady-state")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_daemon_service_runs_on_every_instance_including_new_ones(seed: int) -> None:
    """A DAEMON service has one task on each ACTIVE instance, the two late joiners included."""
    world = run("daemon-growing-cluster.yaml", seed)
    snapshot = world.snapshot()
    instances = {i.ec2_instance_id for i in snapshot.instances}
    daemon_hosts = [t.ec2_instance_id for t in snapshot.tasks if t.group == "service:log-shipper" and t.last_status == "RUNNING"]
    assert len(instances) == 5
    assert sorted(daemon_hosts) == sorted(instances)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_drained_instance_loses_its_tasks_and_never_gets_new_ones(seed: int) -> None:
    """DRAINING at 300 s: its service tasks move elsewhere and nothing is placed there afterwards."""
    world = run("drain-instance.yaml", seed)
    drained = next(e for e in world.log if isinstance(e, ContainerInstanceStateChanged) and e.status == "DRAINING")
    placed_after = [
        e for e in world.log
        if isinstance(e, TaskStateChanged) and e.at >= drained.at and e.ec2_instance_id == drained.ec2_instance_id
        and e.last_status in ("PROVISIONING", "PENDING")
    ]
    assert placed_after == []
    tasks = running(world)
    assert len(tasks) == 6
    assert all(t.ec2_instance_id != drained.ec2_instance_id for t in tasks)
    assert service_events(world, "steady-state")[-1].at > drained.at


def test_a_container_that_fails_its_health_check_is_replaced() -> None:
    """healthCheck retries exhausted: UNHEALTHY, "failed container health checks", a replacement."""
    from lab.sim.events import ContainerHealthChanged

    world = run("container-health-check.yaml")
    health = [(e.at, e.status) for e in world.log if isinstance(e, ContainerHealthChanged)]
    assert health[0][1] == "HEALTHY"
    first_bad = next(at for at, status in health if status == "UNHEALTHY")
    assert first_bad > 240  # the app answers for four minutes
    failed = service_events(world, "failed-health-checks")
    assert failed and failed[0].at == first_bad
    assert failed[0].text.endswith("failed container health checks.")
    stopped = [e for e in world.log if isinstance(e, TaskStateChanged) and e.last_status == "STOPPED"]
    assert stopped and all(e.stop_code == "ServiceSchedulerInitiated" for e in stopped)


def test_a_pipeline_deploy_of_a_missing_image_trips_the_circuit_breaker_and_rolls_back() -> None:
    from lab.sim.events import ImagePullFailed, ServiceDeploymentStateChanged

    world = run("deployment-circuit-breaker.yaml")
    assert [e for e in world.log if isinstance(e, ImagePullFailed)]
    (failed,) = service_events(world, "deployment-failed")
    (rolling,) = service_events(world, "rolling-back")
    assert failed.at >= 300 and rolling.at == failed.at
    states = [(e.state, e.task_definition) for e in world.log if isinstance(e, ServiceDeploymentStateChanged) and e.at >= 300]
    assert ("SERVICE_DEPLOYMENT_FAILED", "web:2") in states
    assert states[-1] == ("SERVICE_DEPLOYMENT_COMPLETED", "web:1")
    assert {t.task_definition for t in running(world)} == {"web:1"}


def test_a_deployment_with_no_headroom_is_blocked_and_the_old_tasks_keep_running() -> None:
    world = run("deployment-without-headroom.yaml")
    (blocked,) = service_events(world, "deployment-blocked")
    assert blocked.at == 300
    assert "because of the service deployment configuration" in blocked.text
    assert {t.task_definition for t in running(world, "service:api")} == {"api:1"}


def test_roles_ecs_cannot_use_stop_registration_and_launch() -> None:
    from lab.sim.events import InstanceRegistrationFailed

    world = run("roles-ecs-cannot-use.yaml")
    (refused,) = [e for e in world.log if isinstance(e, InstanceRegistrationFailed)]
    assert "not authorized to perform: ecs:RegisterContainerInstance" in refused.reason
    assert len([e for e in world.log if isinstance(e, ContainerInstanceStateChanged) and e.status == "ACTIVE"]) == 1
    launch = service_events(world, "launch-failed")
    assert launch and "ECS was unable to assume the role" in launch[0].text
    assert not [e for e in world.log if isinstance(e, TaskStateChanged)]
