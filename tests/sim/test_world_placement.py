"""Behaviour tests for RunTask through a world: instance registration, API refusals and placement.

Reference/ecs-behaviour.md §1 (placement, RunTask), §2.4 (ENIs), §3.6 (failure reasons),
§4.6 (the "closest matching" wording) and §8.1 (the instance role and registration).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from lab.errors import ClientException
from lab.sim.events import (
    ApiCallFailed,
    ContainerInstanceStateChanged,
    InstanceRegistrationFailed,
    PlacementFailed,
    RunTaskCompleted,
)
from lab.sim.placement import Strategy
from tests.sim.conftest import (
    ACCOUNT,
    AGENT_ACTIONS,
    AWSVPC,
    EC2_ROLE_POLICY,
    build,
    container,
    document,
    execution_role,
    fargate_definition,
    instance_role,
    instances,
    of,
    role,
    task_definition,
    task_role,
    task_view,
)

CI_ARN = re.compile(rf"arn:aws:ecs:us-east-1:{ACCOUNT}:container-instance/lab/([0-9a-f]{{32}})")
CLOSEST = re.compile(r"The closest matching \(container-instance ([0-9a-f]{32})\) ")


def run_task(at: float = 0.0, definition: str = "web", **fields) -> dict:
    """A run-task timeline entry."""
    return {"at": at, "event": "run-task", "taskDefinition": definition, **fields}


def instance_azs(world, task_ids) -> Counter:
    """How many of the tasks run in each Availability Zone."""
    return Counter(task_view(world, t).availability_zone for t in task_ids)


# -- ENIs -------------------------------------------------------------------------------------


def test_awsvpc_tasks_are_limited_by_the_instance_enis():
    """A t3.medium (3 ENIs) holds two awsvpc tasks; the third fails with RESOURCE:ENI naming the instance."""
    data = document(instances=[instances(1, "t3.medium")], definitions=[task_definition(networkMode="awsvpc")])
    world = build(data, seed=1)
    result = world.run_task("web", count=3, network_configuration=AWSVPC)
    ci = world.snapshot().instances[0]
    assert len(result.task_ids) == 2
    assert result.failures == ((f"arn:aws:ecs:us-east-1:{ACCOUNT}:container-instance/lab/{ci.container_instance_id}", "RESOURCE:ENI"),)
    (failed,) = of(world, PlacementFailed)
    assert failed.reason == "RESOURCE:ENI"
    assert f'The closest matching (container-instance {ci.container_instance_id}) encountered error "RESOURCE:ENI".' in failed.message
    (completed,) = of(world, RunTaskCompleted)
    assert (completed.count, completed.task_ids, completed.failures) == (3, result.task_ids, result.failures)


def test_a_stopped_awsvpc_task_gives_its_eni_back():
    """Once an awsvpc task is STOPPED its ENI slot takes a new task."""
    data = document(instances=[instances(1, "t3.medium")], definitions=[task_definition(networkMode="awsvpc")])
    world = build(data, seed=1)
    first, _ = world.run_task("web", count=2, network_configuration=AWSVPC).task_ids
    world.run(until=60)
    world.stop_task(first)
    world.run(until=61)
    assert world.run_task("web", network_configuration=AWSVPC).failures[0][1] == "RESOURCE:ENI"
    world.run(until=120)
    assert task_view(world, first).last_status == "STOPPED"
    assert world.run_task("web", network_configuration=AWSVPC).failures == ()


# -- instance registration -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "problem"),
    [
        pytest.param([instance_role(actions=["ecr:*", "logs:*"])], "ecs:RegisterContainerInstance", id="no-agent-permissions"),
        pytest.param(
            [role("ecsInstanceRole", trust=("ecs-tasks.amazonaws.com",), managed=[EC2_ROLE_POLICY])],
            "does not trust ec2.amazonaws.com",
            id="untrusted-by-ec2",
        ),
        pytest.param([instance_role("someOtherRole")], "no instance profile role 'ecsInstanceRole'", id="role-not-defined"),
    ],
)
def test_instance_that_cannot_register_leaves_runtask_without_instances(roles, problem):
    """An instance whose role cannot register the agent never joins, and RunTask then finds no container instances."""
    data = document(instances=[instances(2)], roles=roles, definitions=[task_definition()], timeline=[run_task(at=10)])
    world = build(data, seed=1)
    world.run(until=30)
    failed = of(world, InstanceRegistrationFailed)
    assert len(failed) == 2
    assert all(problem in e.reason and e.cluster == "lab" for e in failed)
    assert of(world, ContainerInstanceStateChanged) == []
    assert world.snapshot().instances == ()
    (refused,) = of(world, ApiCallFailed)
    assert (refused.at, refused.operation) == (10.0, "RunTask")
    assert "No Container Instances were found in your cluster." in refused.error


def test_agent_permissions_alone_are_enough_to_register():
    """An instance role with only the agent's ECS actions registers the instance."""
    data = document(instances=[instances(1)], roles=[instance_role(actions=AGENT_ACTIONS)], definitions=[task_definition()])
    world = build(data, seed=1)
    assert [(e.at, e.status, e.agent_connected) for e in of(world, ContainerInstanceStateChanged)] == [(0.0, "ACTIVE", True)]
    assert of(world, InstanceRegistrationFailed) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_instances_added_on_the_timeline_register_after_booting(seed):
    """Instances launched at 100 s by add-instances become ACTIVE 30-60 s later, and RunTask before then finds none."""
    timeline = [
        {"at": 100, "event": "add-instances", "count": 2, "type": "m5.large", "azs": ["us-east-1a", "us-east-1b"]},
        run_task(at=50),
    ]
    world = build(document(definitions=[task_definition()], timeline=timeline), seed=seed)
    world.run(until=300)
    registered = of(world, ContainerInstanceStateChanged)
    assert [(e.status, e.instance_type) for e in registered] == [("ACTIVE", "m5.large")] * 2
    assert all(130.0 <= e.at <= 160.0 for e in registered)
    assert sorted(e.availability_zone for e in registered) == ["us-east-1a", "us-east-1b"]
    (refused,) = of(world, ApiCallFailed)
    assert refused.at == 50.0 and "No Container Instances were found in your cluster." in refused.error


# -- RunTask refusals ---------------------------------------------------------------------------


APP_ROLE_EC2_TRUST = role("appRole", trust=("ec2.amazonaws.com",), actions=["s3:GetObject"])


@pytest.mark.parametrize(
    ("definition", "entry", "error"),
    [
        pytest.param(
            task_definition(),
            run_task(launchType="FARGATE", networkConfiguration=AWSVPC),
            "ClientException: Task definition does not support launch_type FARGATE.",
            id="fargate-on-ec2-only",
        ),
        pytest.param(
            task_definition(networkMode="awsvpc"),
            run_task(),
            "InvalidParameterException: Network Configuration must be provided when networkMode 'awsvpc' is specified.",
            id="awsvpc-without-network-configuration",
        ),
        pytest.param(
            task_definition(),
            run_task(networkConfiguration=AWSVPC),
            "InvalidParameterException: Network Configuration is not valid for the given networkMode of this task definition.",
            id="network-configuration-for-bridge",
        ),
        pytest.param(
            task_definition(networkMode="awsvpc"),
            run_task(networkConfiguration={"awsvpcConfiguration": {"subnets": []}}),
            "InvalidParameterException: subnets can not be empty.",
            id="awsvpc-without-subnets",
        ),
        pytest.param(
            task_definition(networkMode="awsvpc"),
            run_task(networkConfiguration={"awsvpcConfiguration": {**AWSVPC["awsvpcConfiguration"], "assignPublicIp": "ENABLED"}}),
            "InvalidParameterException: Assign public IP is not supported for this launch type.",
            id="public-ip-on-ec2",
        ),
        pytest.param(
            task_definition(),
            run_task(placementStrategy=[{"type": "random"}] * 6),
            "InvalidParameterException: placement strategies can have at most 5 items.",
            id="six-strategies-as-a-service-file",
        ),
        pytest.param(
            task_definition(placementConstraints=[{"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}] * 4),
            run_task(placementConstraints=[{"type": "distinctInstance"}] * 7),
            "InvalidParameterException: placement constraints can have at most 10 items.",
            id="eleven-constraints-with-the-task-definitions",
        ),
        pytest.param(
            task_definition(taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/appRole"),
            run_task(),
            f"ClientException: ECS was unable to assume the role 'arn:aws:iam::{ACCOUNT}:role/appRole' that was provided for this task.",
            id="task-role-not-trusting-ecs-tasks",
        ),
    ],
)
def test_runtask_refusals_are_logged_as_failed_api_calls(definition, entry, error):
    """A RunTask that ECS refuses as a whole starts nothing and logs ApiCallFailed with ECS's
    exception and message; the network configuration is held to the rules a service's is (§2.4)."""
    roles = [instance_role(), execution_role(), APP_ROLE_EC2_TRUST]
    data = document(instances=[instances(1)], roles=roles, definitions=[definition], timeline=[{**entry, "at": 5}])
    world = build(data, seed=1)
    world.run(until=60)
    (refused,) = of(world, ApiCallFailed)
    assert (refused.at, refused.operation) == (5.0, "RunTask")
    assert refused.error.startswith(error)
    assert world.snapshot().tasks == ()
    assert of(world, RunTaskCompleted) == []


def test_runtask_refusal_raises_client_exception_from_the_api():
    """Calling run_task directly with count 11 raises ClientException and leaves the world unchanged."""
    world = build(document(instances=[instances(1)], definitions=[task_definition()]), seed=1)
    before = len(world.log)
    with pytest.raises(ClientException, match="count must be between 1 and 10"):
        world.run_task("web", count=11)
    assert len(world.log) == before


def test_task_role_trusting_ecs_tasks_is_accepted():
    """A task role trusted by ecs-tasks.amazonaws.com passes RunTask."""
    roles = [instance_role(), execution_role(), task_role("appRole", actions=["s3:GetObject"])]
    data = document(
        instances=[instances(1)],
        roles=roles,
        definitions=[task_definition(taskRoleArn=f"arn:aws:iam::{ACCOUNT}:role/appRole")],
    )
    world = build(data, seed=1)
    assert len(world.run_task("web").task_ids) == 1


# -- placement ------------------------------------------------------------------------------------


def test_static_host_port_places_one_task_per_instance():
    """Five tasks binding hostPort 80 on three instances start three; two fail RESOURCE:PORTS naming a container instance."""
    definition = task_definition(containers=[container(cpu=512, memory=1024, portMappings=[{"containerPort": 80, "hostPort": 80}])])
    data = document(instances=[instances(3, "m5.large")], definitions=[definition], timeline=[run_task(at=5, count=5)])
    world = build(data, seed=1)
    world.run(until=60)
    (completed,) = of(world, RunTaskCompleted)
    assert (completed.at, completed.count, len(completed.task_ids)) == (5.0, 5, 3)
    assert [reason for _, reason in completed.failures] == ["RESOURCE:PORTS", "RESOURCE:PORTS"]
    known = {ci.container_instance_id for ci in world.snapshot().instances}
    assert all(CI_ARN.fullmatch(arn) and CI_ARN.fullmatch(arn).group(1) in known for arn, _ in completed.failures)
    failed = of(world, PlacementFailed)
    assert len(failed) == 2
    for event in failed:
        assert event.reason == "RESOURCE:PORTS"
        match = CLOSEST.search(event.message)
        assert match and match.group(1) in known
        assert f"(container-instance {match.group(1)}) is already using a port required by your task." in event.message
    assert sorted(ci.running_tasks_count for ci in world.snapshot().instances) == [1, 1, 1]
    assert all(80 in ci.used_ports for ci in world.snapshot().instances)


def test_insufficient_memory_names_the_closest_instance():
    """A second 3000 MiB task on a t3.medium fails RESOURCE:MEMORY with "has insufficient memory available."."""
    data = document(instances=[instances(1)], definitions=[task_definition(containers=[container(memory=3000)])])
    world = build(data, seed=1)
    result = world.run_task("web", count=2)
    assert len(result.task_ids) == 1
    assert [reason for _, reason in result.failures] == ["RESOURCE:MEMORY"]
    (failed,) = of(world, PlacementFailed)
    ci = world.snapshot().instances[0].container_instance_id
    assert f"The closest matching (container-instance {ci}) has insufficient memory available." in failed.message


def test_unmatched_member_of_constraint_is_refused():
    """A memberOf expression no instance matches fails placement with the MemberOf wording."""
    definition = task_definition(placementConstraints=[{"type": "memberOf", "expression": "attribute:stack == prod"}])
    data = document(instances=[instances(3)], definitions=[definition])
    world = build(data, seed=1)
    result = world.run_task("web")
    assert result.task_ids == ()
    assert len(result.failures) == 1
    assert result.failures[0][1] == "MemberOf placement constraint unsatisfied"
    (failed,) = of(world, PlacementFailed)
    assert 'encountered error "MemberOf placement constraint unsatisfied."' in failed.message


def test_spread_by_availability_zone_balances_uneven_instances():
    """Spread on ecs.availability-zone puts six tasks 2/2/2 over three AZs although one AZ has four instances."""
    groups = [instances(4, azs=["us-east-1a"]), instances(1, azs=["us-east-1b"]), instances(1, azs=["us-east-1c"])]
    data = document(instances=groups, definitions=[task_definition(containers=[container(cpu=128)])])
    world = build(data, seed=7)
    result = world.run_task("web", count=6, strategies=(Strategy("spread", "attribute:ecs.availability-zone"),))
    assert result.failures == ()
    assert instance_azs(world, result.task_ids) == {"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2}


def test_put_attributes_on_the_timeline_changes_what_member_of_matches():
    """A memberOf task fails before put-attributes tags an AZ's instance and lands on that instance afterwards."""
    constraint = [{"type": "memberOf", "expression": "attribute:stack == prod"}]
    timeline = [
        run_task(at=10, placementConstraints=constraint),
        {"at": 20, "event": "put-attributes", "attributes": {"stack": "prod"}, "az": "us-east-1b"},
        run_task(at=30, placementConstraints=constraint, count=2),
        {"at": 40, "event": "put-attributes", "attributes": {"stack": None}, "az": "us-east-1b"},
        run_task(at=50, placementConstraints=constraint),
    ]
    data = document(instances=[instances(3)], definitions=[task_definition()], timeline=timeline)
    world = build(data, seed=1)
    world.run(until=60)
    calls = of(world, RunTaskCompleted)
    assert [(c.at, len(c.task_ids), len(c.failures)) for c in calls] == [(10.0, 0, 1), (30.0, 2, 0), (50.0, 0, 1)]
    assert instance_azs(world, calls[1].task_ids) == {"us-east-1b": 2}
    assert [e.at for e in of(world, PlacementFailed)] == [10.0, 50.0]


def test_fargate_run_task_needs_no_container_instances():
    """A Fargate RunTask in a cluster without instances starts its tasks."""
    world = build(document(definitions=[fargate_definition()]), seed=1)
    result = world.run_task("web", count=3, launch_type="FARGATE", network_configuration=AWSVPC)
    assert (len(result.task_ids), result.failures) == (3, ())
    assert of(world, PlacementFailed) == []
