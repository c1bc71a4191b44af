"""Behaviour tests for the awslogs log driver on Fargate: the execution role creates the log stream.

docs/ecs-facts.md §8.2: on Fargate the execution role needs ``logs:CreateLogStream`` (and
``logs:PutLogEvents``) for ``awslogs``; without it the task fails to start with the observed
``ResourceInitializationError: failed to validate logger args: ...`` text.
"""

from __future__ import annotations

from lab.sim.events import TaskStateChanged
from tests.sim.conftest import (
    ACCOUNT,
    AWSVPC,
    build,
    document,
    execution_role,
    fargate_definition,
    instance_role,
    last_states,
    of,
    uri,
)

ECR_PULL = ["ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
AWSLOGS = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}


def run_fargate(role: dict, *, logging: dict | None = AWSLOGS):
    """One Fargate task of a definition logging with ``logging``, its execution role ``role``."""
    container = {"name": "web", "image": uri()} | ({"logConfiguration": logging} if logging else {})
    data = document(roles=[instance_role(), role], definitions=[fargate_definition(containers=[container])])
    world = build(data, seed=1)
    (task,) = world.run_task("web", launch_type="FARGATE", network_configuration=AWSVPC).task_ids
    world.run(until=200)
    return world, task


def test_execution_role_without_logs_permissions_fails_the_task_before_it_runs() -> None:
    world, task = run_fargate(execution_role(actions=ECR_PULL))
    stopped = next(e for e in of(world, TaskStateChanged, task=task) if e.last_status == "STOPPED")
    assert "RUNNING" not in last_states(world, task)
    assert stopped.stop_code == "TaskFailedToStart"
    assert stopped.stopped_reason == (
        "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
        "failed to create Cloudwatch log stream: AccessDeniedException: "
        f"User: arn:aws:sts::{ACCOUNT}:assumed-role/ecsTaskExecutionRole/{task} is not authorized to perform: "
        f"logs:CreateLogStream on resource: arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecs/web:log-stream:ecs/web/{task}"
    )


def test_managed_execution_policy_creates_the_stream() -> None:
    world, task = run_fargate(execution_role())
    assert "RUNNING" in last_states(world, task)


def test_a_grant_on_the_log_group_streams_is_enough() -> None:
    scoped = execution_role(actions=ECR_PULL)
    scoped["Policies"].append(
        {
            "PolicyName": "logs",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/ecs/web:*",
                    }
                ],
            },
        }
    )
    world, task = run_fargate(scoped)
    assert "RUNNING" in last_states(world, task)


def test_without_awslogs_no_logs_permission_is_needed() -> None:
    world, task = run_fargate(execution_role(actions=ECR_PULL), logging=None)
    assert "RUNNING" in last_states(world, task)
