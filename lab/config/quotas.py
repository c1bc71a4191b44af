"""Provides Amazon ECS's default service quotas and the texts ECS refuses with past them.

A plain module (no pydantic), so the simulator can read the quotas without building the
config models. Section numbers (§) refer to docs/ecs-facts.md.
"""

from __future__ import annotations

__all__ = [
    "DESIRED_COUNT_EXCEEDS_LIMIT",
    "MAX_CONTAINERS_PER_TASK_DEFINITION",
    "MAX_PORT",
    "MAX_PROVISIONING_TASKS",
    "MAX_RUN_TASK_COUNT",
    "MAX_SERVICES_PER_CLUSTER",
    "MAX_TASK_GROUP_LENGTH",
    "MAX_TASKS_PER_SERVICE",
    "PROVISIONING_QUOTA_REACHED",
    "SERVICES_PER_CLUSTER_EXCEEDED",
]

MAX_TASKS_PER_SERVICE = 5_000
"""Tasks per service, the desired count: ECS's default quota (§11.1)."""

MAX_SERVICES_PER_CLUSTER = 5_000
"""Services per cluster: ECS's default quota (§11.1)."""

MAX_CONTAINERS_PER_TASK_DEFINITION = 10
"""Container definitions in a task definition; not adjustable (§11.1)."""

MAX_RUN_TASK_COUNT = 10
"""Tasks one RunTask call may start (``count``); not adjustable (§1.7, §11.1)."""

MAX_PROVISIONING_TASKS = 500
"""Tasks waiting in PROVISIONING per cluster for an Auto Scaling group capacity provider: past
it RunTask with managed scaling fails (§1.7, §7.2; the quota exists, its value is UNCONFIRMED)."""

PROVISIONING_QUOTA_REACHED = "The cluster has reached its quota of tasks in the PROVISIONING state."
"""The lab's words for RunTask's ClientException past ``MAX_PROVISIONING_TASKS`` (§1.7; ECS's own
text is UNCONFIRMED)."""

MAX_TASK_GROUP_LENGTH = 255
"""Characters in a task group name (RunTask ``group``, EventBridge ``EcsParameters.Group``; §1.6)."""

MAX_PORT = 65_535
"""Largest TCP or UDP port number, for ``containerPort`` and ``hostPort`` (§11.2)."""

DESIRED_COUNT_EXCEEDS_LIMIT = "Desired count exceeds limit."
"""What CreateService and UpdateService answer past the tasks-per-service quota (§11.1;
observed: aws/containers-roadmap#768)."""

SERVICES_PER_CLUSTER_EXCEEDED = (
    f"Services per cluster exceeds limit: a cluster has at most {MAX_SERVICES_PER_CLUSTER:,} services."
)
"""The lab's words for CreateService past the services-per-cluster quota (§11.1; ECS's own text
is UNCONFIRMED)."""
