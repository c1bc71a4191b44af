"""A service whose task or execution role ECS cannot assume launches no task (reference §8.2, §8.3, §4.5).

RunTask refuses such a request outright; a service posts "failed to launch a task" and backs
off like any failed start, until the role trusts ecs-tasks.amazonaws.com. The back-off itself
waits at most 27 minutes between attempts.
"""

from __future__ import annotations

from lab.config.iam import parse_role
from lab.scenario.simdoc import iam_role
from lab.config.service import parse_service
from lab.yaml_source import Document
from lab.sim.events import ServiceEvent, TaskStateChanged
from lab.sim.world import World
from tests.sim.conftest import build, container, document, image, instance_role, instances, role, task_definition, task_role, uri


def world_with_task_role(trust: tuple[str, ...], seed: int = 1) -> World:
    data = document(
        instances=[instances(2)],
        registry=[image("api", "1.0", size_mb=50)],
        roles=[instance_role(), role("apiTaskRole", trust=trust)],
        definitions=[task_definition("api", [container("api", uri("api", "1.0"), cpu=256, memory=256)], taskRoleArn="apiTaskRole")],
    )
    return build(data, seed=seed)


def create(world: World, desired: int = 2) -> None:
    data = {"serviceName": "api", "taskDefinition": "api", "desiredCount": desired, "launchType": "EC2"}
    world.create_service(parse_service(Document(file="service.yaml", data=data)).service)


def events(world: World, kind: str) -> list[ServiceEvent]:
    return [e for e in world.log if isinstance(e, ServiceEvent) and e.kind == kind]


def test_a_task_role_trusting_only_ec2_launches_nothing_and_backs_off() -> None:
    world = world_with_task_role(("ec2.amazonaws.com",))
    create(world)
    world.run(until=600)
    assert not [e for e in world.log if isinstance(e, TaskStateChanged)]
    failed = events(world, "launch-failed")
    assert len(failed) == 1, "repeated identical messages are suppressed (§4.6)"
    assert failed[0].text.startswith("(service api) failed to launch a task with (error ECS was unable to assume the role ")
    assert "role/apiTaskRole" in failed[0].text
    throttled = events(world, "throttled")
    assert throttled and throttled[0].text == (
        "(service api) is unable to consistently start tasks successfully. "
        "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."
    )


def test_fixing_the_trust_policy_lets_the_service_start_its_tasks() -> None:
    world = world_with_task_role(("ec2.amazonaws.com",))
    create(world)
    world.run(until=120)
    fixed = task_role("apiTaskRole")
    world.put_role(iam_role(parse_role(Document(file="role.yaml", data=fixed), ()).role))
    world.run(until=1200)
    running = [t for t in world.snapshot().tasks if t.last_status == "RUNNING"]
    assert len(running) == 2


def test_a_role_trusting_ecs_tasks_launches_at_once() -> None:
    world = world_with_task_role(("ecs-tasks.amazonaws.com",))
    create(world)
    world.run(until=120)
    assert not events(world, "launch-failed")
    assert len([t for t in world.snapshot().tasks if t.last_status == "RUNNING"]) == 2


def test_the_back_off_between_failed_starts_grows_to_27_minutes() -> None:
    """The wait between start attempts grows up to 27 minutes and no further (§4.5).

    Every task of a missing image tag goes PENDING → STOPPED; once the cap is reached the
    scheduler launches one every 27 minutes (plus the seconds a failed pull takes).
    """
    data = document(
        instances=[instances(1)],
        registry=[image("api", "1.0", size_mb=50)],
        roles=[instance_role()],
        definitions=[task_definition("api", [container("api", uri("api", "9.9"), cpu=256, memory=256)])],
    )
    world = build(data, seed=1)
    create(world, desired=1)
    world.run(until=6 * 3600)
    launches = [e.at for e in world.log if isinstance(e, TaskStateChanged) and e.last_status == "PENDING" and e.desired_status == "RUNNING"]
    gaps = [later - earlier for earlier, later in zip(launches, launches[1:])]
    assert 27 * 60 <= max(gaps) < 28 * 60
