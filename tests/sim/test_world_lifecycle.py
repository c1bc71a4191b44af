"""Behaviour tests for the task lifecycle in a world: states, stops, stop timeouts, app exits, roles.

Each test builds a tiny world from an inline document, drives it through the ECS-shaped API
(``run_task``, ``stop_task``, ``run(until=...)``) and asserts on the event log and snapshots
(reference/ecs-behaviour.md §3.1-§3.3, §8, §9).
"""

from __future__ import annotations

from collections import Counter

import pytest

from lab.sim.events import AppLogged, ContainerStateChanged, ImagePullStarted, TaskStateChanged
from tests.sim.conftest import (
    ACCOUNT,
    AWSVPC,
    EC2_ROLE_POLICY,
    EXECUTION_ROLE_POLICY,
    build,
    container,
    document,
    execution_role,
    fargate_definition,
    first_at,
    image,
    instance_role,
    instances,
    last_states,
    of,
    task_definition,
    task_role,
    task_rows,
    task_view,
    uri,
)

OOM = "OutOfMemoryError: Container killed due to memory usage"
ESSENTIAL_EXITED = "Essential container in task exited"
S3_ASSETS = "s3:GetObject@arn:aws:s3:::assets/*"


def container_rows(world, task: str, since: float = 0.0) -> list[tuple]:
    """``(at - since, container, lastStatus, exitCode, reason)`` for a task's containers."""
    return [
        (round(e.at - since, 3), e.container, e.last_status, e.exit_code, e.reason)
        for e in of(world, ContainerStateChanged, task=task)
    ]


def app_lines(world, task: str) -> list[str]:
    """The lines a task's apps logged."""
    return [e.line for e in of(world, AppLogged, task=task)]


# -- bridge on EC2 -----------------------------------------------------------------------


def test_bridge_task_goes_pending_then_running_with_desired_running():
    """A bridge-mode EC2 task is PENDING while its image is pulled, then RUNNING, with desiredStatus RUNNING throughout."""
    world = build(document(instances=[instances(1)], definitions=[task_definition()]), seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=60)
    rows = task_rows(world, task)
    assert [row[1:] for row in rows] == [
        ("TaskStateChanged", "PENDING", "RUNNING"),
        ("ImagePullStarted", "web"),
        ("ImagePullFinished", "web"),
        ("TaskStateChanged", "RUNNING", "RUNNING"),
        ("ContainerStateChanged", "web", "RUNNING", None),
    ]
    times = [row[0] for row in rows]
    assert times == sorted(times)
    assert (times[0], times[1]) == (0.0, 0.0)
    assert 0 < times[2] < times[3] == times[4] < 10
    view = task_view(world, task)
    assert (view.last_status, view.desired_status, view.launch_type) == ("RUNNING", "RUNNING", "EC2")
    assert view.ec2_instance_id == world.snapshot().instances[0].ec2_instance_id


def test_stop_task_sets_desired_stopped_first_then_stopping_then_stopped():
    """StopTask records desiredStatus STOPPED while lastStatus is RUNNING, then STOPPING, then STOPPED, with UserInitiated."""
    world = build(document(instances=[instances(1)], definitions=[task_definition()]), seed=3)
    (task,) = world.run_task("web").task_ids
    world.run(until=60)
    world.stop_task(task)
    world.run(until=200)
    after = [
        (e.at, e.last_status, e.desired_status, e.stop_code, e.stopped_reason)
        for e in of(world, TaskStateChanged, task=task)
        if e.at >= 60
    ]
    assert after == [
        (60.0, "RUNNING", "STOPPED", "UserInitiated", "Task stopped by user"),
        (60.0, "STOPPING", "STOPPED", "UserInitiated", "Task stopped by user"),
        (61.0, "STOPPED", "STOPPED", "UserInitiated", "Task stopped by user"),
    ]
    assert container_rows(world, task, since=60)[-1] == (1.0, "web", "STOPPED", 0, None)


def test_stopping_task_keeps_its_resources_until_stopped():
    """CPU and memory stay reserved while a task is STOPPING and return to the registered values once it is STOPPED."""
    data = document(
        instances=[instances(1)],
        registry=[image(shutdown_s=10)],
        definitions=[task_definition(containers=[container(cpu=512, memory=300)])],
    )
    world = build(data, seed=2)
    registered = world.snapshot().instances[0]
    (task,) = world.run_task("web").task_ids
    world.run(until=30)
    running = world.snapshot().instances[0]
    assert (running.cpu_remaining, running.memory_remaining_mib) == (registered.cpu_registered - 512, registered.memory_registered_mib - 300)
    world.stop_task(task)
    world.run(until=39.9)
    stopping = world.snapshot().instances[0]
    assert task_view(world, task).last_status == "STOPPING"
    assert (stopping.cpu_remaining, stopping.memory_remaining_mib) == (running.cpu_remaining, running.memory_remaining_mib)
    world.run(until=40.1)
    stopped = world.snapshot().instances[0]
    assert task_view(world, task).last_status == "STOPPED"
    assert (stopped.cpu_remaining, stopped.memory_remaining_mib) == (registered.cpu_registered, registered.memory_registered_mib)
    assert stopped.running_tasks_count == 0


def test_pending_task_counts_in_running_tasks_count():
    """A PENDING task (desiredStatus RUNNING) already counts in its instance's runningTasksCount, as the API defines it."""
    world = build(document(instances=[instances(1)], registry=[image(size_mb=500)], definitions=[task_definition()]), seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=1)
    assert task_view(world, task).last_status == "PENDING"
    assert world.snapshot().instances[0].running_tasks_count == 1


def test_stopping_task_no_longer_counts_in_running_tasks_count():
    """While a task is STOPPING (desiredStatus STOPPED) its instance's runningTasksCount no longer includes it (§3.1 drain gotcha)."""
    world = build(document(instances=[instances(1)], registry=[image(shutdown_s=10)], definitions=[task_definition()]), seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=30)
    world.stop_task(task)
    world.run(until=35)
    assert task_view(world, task).last_status == "STOPPING"
    assert world.snapshot().instances[0].running_tasks_count == 0


# -- awsvpc on EC2 and Fargate --------------------------------------------------------------


def test_awsvpc_task_on_ec2_provisions_and_deprovisions_its_eni():
    """An awsvpc task on EC2 goes PROVISIONING → PENDING → RUNNING and, once stopped, STOPPING → DEPROVISIONING → STOPPED."""
    data = document(instances=[instances(1)], definitions=[task_definition(networkMode="awsvpc")])
    world = build(data, seed=1)
    (task,) = world.run_task("web", network_configuration=AWSVPC).task_ids
    world.run(until=60)
    world.stop_task(task)
    world.run(until=120)
    assert last_states(world, task) == ["PROVISIONING", "PENDING", "RUNNING", "STOPPING", "DEPROVISIONING", "STOPPED"]
    assert 3.0 <= first_at(world, task, "PENDING") <= 8.0
    assert first_at(world, task, "DEPROVISIONING") == 61.0
    assert 63.0 <= first_at(world, task, "STOPPED") <= 67.0


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_fargate_task_provisions_then_runs_within_a_realistic_time(seed):
    """A Fargate task goes PROVISIONING → PENDING → RUNNING in 15-90 s, with no container instance or EC2 id."""
    world = build(document(definitions=[fargate_definition()]), seed=seed)
    (task,) = world.run_task("web", launch_type="FARGATE", network_configuration=AWSVPC).task_ids
    world.run(until=120)
    assert last_states(world, task) == ["PROVISIONING", "PENDING", "RUNNING"]
    assert 15.0 <= first_at(world, task, "RUNNING") <= 90.0
    events = of(world, TaskStateChanged, task=task)
    assert {(e.container_instance_id, e.ec2_instance_id, e.launch_type) for e in events} == {(None, None, "FARGATE")}
    assert task_view(world, task).ec2_instance_id is None


def test_fargate_tasks_spread_across_availability_zones():
    """Six Fargate tasks of one group land two in each of three Availability Zones."""
    world = build(document(definitions=[fargate_definition()]), seed=5)
    ids = world.run_task("web", count=6, launch_type="FARGATE", network_configuration=AWSVPC).task_ids
    world.run(until=5)
    azs = Counter(task_view(world, t).availability_zone for t in ids)
    assert azs == {"us-east-1a": 2, "us-east-1b": 2, "us-east-1c": 2}


def test_fargate_stop_deprovisions_the_task_eni():
    """A stopped Fargate task goes STOPPING → DEPROVISIONING → STOPPED."""
    world = build(document(definitions=[fargate_definition()]), seed=1)
    (task,) = world.run_task("web", launch_type="FARGATE", network_configuration=AWSVPC).task_ids
    world.run(until=100)
    world.stop_task(task)
    world.run(until=160)
    assert last_states(world, task)[-4:] == ["RUNNING", "STOPPING", "DEPROVISIONING", "STOPPED"]


# -- stop timeout ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shutdown_s", "stop_timeout", "group_timeout", "delay", "exit_code"),
    [
        pytest.param(60, 10, None, 10.0, 137, id="killed-after-container-stopTimeout"),
        pytest.param(1, 10, None, 1.0, 0, id="exits-on-SIGTERM-before-stopTimeout"),
        pytest.param(60, None, None, 30.0, 137, id="default-ECS_CONTAINER_STOP_TIMEOUT-30s"),
        pytest.param(60, None, 5, 5.0, 137, id="instance-group-stop_timeout_s"),
        pytest.param(20, 25, 5, 20.0, 0, id="container-stopTimeout-overrides-instance"),
    ],
)
def test_stop_sends_sigkill_after_the_stop_timeout(shutdown_s, stop_timeout, group_timeout, delay, exit_code):
    """A container that outlives its stop timeout after SIGTERM is killed (exit 137) exactly when the timeout ends, else exits 0."""
    fields = {} if stop_timeout is None else {"stopTimeout": stop_timeout}
    group = instances(1) if group_timeout is None else instances(1, stop_timeout_s=group_timeout)
    data = document(
        instances=[group],
        registry=[image(shutdown_s=shutdown_s)],
        definitions=[task_definition(containers=[container(**fields)])],
    )
    world = build(data, seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=50)
    world.stop_task(task)
    world.run(until=200)
    stopping = first_at(world, task, "STOPPING")
    assert stopping == 50.0
    assert container_rows(world, task, since=stopping)[-1] == (delay, "web", "STOPPED", exit_code, None)
    assert first_at(world, task, "STOPPED") == stopping + delay


def test_each_container_is_reported_stopped_when_it_exits():
    """In a two-container task, a container that exits 1 s after SIGTERM is reported then, not when its sibling is killed."""
    data = document(
        instances=[instances(1)],
        registry=[image("fast", shutdown_s=1), image("slow", shutdown_s=60)],
        definitions=[task_definition(containers=[container("fast", uri("fast")), container("slow", uri("slow"), stopTimeout=10)])],
    )
    world = build(data, seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=50)
    world.stop_task(task)
    world.run(until=120)
    stopped = {row[1]: row for row in container_rows(world, task, since=50) if row[2] == "STOPPED"}
    assert stopped["slow"] == (10.0, "slow", "STOPPED", 137, None)
    assert stopped["fast"] == (1.0, "fast", "STOPPED", 0, None)


# -- OOM and app exits ----------------------------------------------------------------------


def leaky_world(*, essential_leaky: bool, seed: int):
    """A world whose task runs a leaking app (200 MiB + 100 MiB/min under a 500 MiB limit), essential or as a sidecar."""
    leaky = image("leaky", memory_mib=200, memory_growth_mib_per_min=100)
    if essential_leaky:
        containers = [container("leaky", uri("leaky"), memory=500)]
    else:
        containers = [container("web", memory=256), container("leaky", uri("leaky"), memory=500, essential=False)]
    data = document(instances=[instances(1)], registry=[image(), leaky], definitions=[task_definition(containers=containers)])
    return build(data, seed=seed)


def test_oom_kill_of_essential_container_stops_the_task():
    """A container leaking past its hard limit is OOM-killed (137) 180 s after RUNNING and the task stops with EssentialContainerExited."""
    world = leaky_world(essential_leaky=True, seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=400)
    running = first_at(world, task, "RUNNING")
    assert container_rows(world, task, since=running) == [
        (0.0, "leaky", "RUNNING", None, None),
        (180.0, "leaky", "STOPPED", 137, OOM),
    ]
    final = of(world, TaskStateChanged, task=task)[-1]
    assert (final.at - running, final.last_status, final.stop_code, final.stopped_reason) == (
        pytest.approx(180.0), "STOPPED", "EssentialContainerExited", ESSENTIAL_EXITED,
    )


def test_oom_kill_of_non_essential_container_leaves_the_task_running():
    """A non-essential container's OOM kill is recorded but the task keeps running."""
    world = leaky_world(essential_leaky=False, seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=600)
    running = first_at(world, task, "RUNNING")
    assert container_rows(world, task, since=running)[-1] == (180.0, "leaky", "STOPPED", 137, OOM)
    assert task_view(world, task).last_status == "RUNNING"
    assert task_view(world, task).desired_status == "RUNNING"
    assert last_states(world, task) == ["PENDING", "RUNNING"]


def test_essential_app_exit_stops_the_task():
    """An essential container whose app exits after 45 s stops the task with its exit code and EssentialContainerExited."""
    data = document(
        instances=[instances(1)],
        registry=[image(exit_after_s=45, exit_code=3)],
        definitions=[task_definition()],
    )
    world = build(data, seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=200)
    running = first_at(world, task, "RUNNING")
    assert container_rows(world, task, since=running)[-1] == (45.0, "web", "STOPPED", 3, None)
    view = task_view(world, task)
    assert (view.last_status, view.stop_code, view.stopped_reason) == ("STOPPED", "EssentialContainerExited", ESSENTIAL_EXITED)


def test_missing_required_environment_variable_logs_and_exits():
    """An app that needs DB_URL logs the missing variable after booting and exits, stopping the task."""
    data = document(
        instances=[instances(1)],
        registry=[image(requires_env=["DB_URL"], boot_s=5)],
        definitions=[task_definition()],
    )
    world = build(data, seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=100)
    running = first_at(world, task, "RUNNING")
    (logged,) = of(world, AppLogged, task=task)
    assert (logged.at - running, logged.container, logged.line) == (
        pytest.approx(5.0), "web", "Error: required environment variable DB_URL is not set",
    )
    assert container_rows(world, task, since=running)[-1] == (5.0, "web", "STOPPED", 1, None)
    assert task_view(world, task).stop_code == "EssentialContainerExited"


def test_required_environment_variable_present_keeps_running():
    """An app that needs DB_URL keeps running when the container sets it."""
    env = [{"name": "DB_URL", "value": "postgres://db:5432/app"}]
    data = document(
        instances=[instances(1)],
        registry=[image(requires_env=["DB_URL"])],
        definitions=[task_definition(containers=[container(environment=env)])],
    )
    world = build(data, seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=600)
    assert app_lines(world, task) == []
    assert task_view(world, task).last_status == "RUNNING"


def test_required_environment_variable_from_secrets_keeps_running():
    """A variable injected from `secrets` (SSM, read by an execution role allowed to) satisfies the app's requires_env."""
    exec_role = execution_role(managed=[EXECUTION_ROLE_POLICY], actions=["ssm:GetParameters"])
    secret = [{"name": "DB_URL", "valueFrom": f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/db-url"}]
    definition = task_definition(
        executionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole",
        containers=[container(secrets=secret)],
    )
    data = document(
        instances=[instances(1)],
        roles=[instance_role(), exec_role],
        registry=[image(requires_env=["DB_URL"])],
        definitions=[definition],
    )
    world = build(data, seed=1)
    (task,) = world.run_task("web").task_ids
    world.run(until=600)
    assert app_lines(world, task) == []
    assert task_view(world, task).last_status == "RUNNING"


# -- which role the app uses ------------------------------------------------------------------


def s3_world(*, task_role_name: str | None, instance_actions: list[str] | None = None, fargate: bool = False, seed: int = 1):
    """A world whose app reads s3://assets at start, with an optional task role that allows it."""
    roles = [
        instance_role() if instance_actions is None else instance_role(managed=[EC2_ROLE_POLICY], actions=instance_actions),
        execution_role(),
        task_role("appRole", actions=["s3:GetObject"], resource="arn:aws:s3:::assets/*"),
    ]
    fields = {} if task_role_name is None else {"taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{task_role_name}"}
    definition = fargate_definition(**fields) if fargate else task_definition(**fields)
    data = document(
        instances=[] if fargate else [instances(1)],
        roles=roles,
        registry=[image(requires_actions=[S3_ASSETS])],
        definitions=[definition],
    )
    world = build(data, seed=seed)
    if fargate:
        (task,) = world.run_task("web", launch_type="FARGATE", network_configuration=AWSVPC).task_ids
    else:
        (task,) = world.run_task("web").task_ids
    world.run(until=300)
    return world, task


def test_ec2_task_without_task_role_falls_back_to_the_instance_role_and_is_denied():
    """Without a task role an EC2 task's SDK uses the instance role through IMDS and gets AccessDenied when that role lacks S3."""
    world, task = s3_world(task_role_name=None)
    (line,) = app_lines(world, task)
    instance = world.snapshot().instances[0].ec2_instance_id
    assert f"assumed-role/ecsInstanceRole/{instance}" in line
    assert "(AccessDenied) when calling the GetObject operation" in line
    assert "is not authorized to perform: s3:GetObject" in line
    assert task_view(world, task).stop_code == "EssentialContainerExited"


def test_ec2_task_with_allowing_task_role_keeps_running():
    """With a task role that allows s3:GetObject the app starts and the task keeps running."""
    world, task = s3_world(task_role_name="appRole")
    assert app_lines(world, task) == []
    assert task_view(world, task).last_status == "RUNNING"


def test_widening_the_instance_role_also_lets_an_ec2_task_run():
    """Without a task role, an instance role that allows S3 lets the app run (the credential leakage of §8.1)."""
    world, task = s3_world(task_role_name=None, instance_actions=["s3:GetObject"])
    assert app_lines(world, task) == []
    assert task_view(world, task).last_status == "RUNNING"


def test_fargate_task_without_task_role_finds_no_credentials():
    """Without a task role a Fargate task's SDK finds no credentials and the app exits."""
    world, task = s3_world(task_role_name=None, fargate=True)
    assert app_lines(world, task) == ["botocore.exceptions.NoCredentialsError: Unable to locate credentials"]
    assert task_view(world, task).stop_code == "EssentialContainerExited"


def test_fargate_task_with_allowing_task_role_keeps_running():
    """On Fargate a task role that allows s3:GetObject lets the app run."""
    world, task = s3_world(task_role_name="appRole", fargate=True)
    assert app_lines(world, task) == []
    assert task_view(world, task).last_status == "RUNNING"
    assert of(world, ImagePullStarted, task=task)[0].identity.endswith(f"assumed-role/ecsTaskExecutionRole/{task}")
