"""Provides the application model: when and how the app inside a running container ends.

An image's ``app`` spec says how it behaves: it boots, may need environment variables or
AWS permissions at start, may leak memory until the kernel kills it (exit 137 with
``OutOfMemoryError: Container killed due to memory usage``, §3.3), or may exit on
its own. Inside a task the AWS SDK uses the task role when one is set; without one, on EC2
it falls back to the instance role through the instance metadata service (§8.1,
credential leakage), and on Fargate it finds no credentials at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from lab.sim.events import AppLogged
from lab.sim.iam import denial_message
from lab.sim.kernel import Kernel
from lab.sim.model import Container, Task
from lab.sim.registry import Ecr
from lab.sim.roles import Roles
from lab.sim.spec import AppSpec

__all__ = ["Outcome", "app_outcomes", "app_up"]

OOM_EXIT_CODE = 137
"""128 + SIGKILL: what Docker reports for a container the kernel OOM-killed."""


@dataclass(slots=True)
class Outcome:
    """A container's scheduled end while its task runs."""

    container: Container
    at: float
    exit_code: int
    reason: str | None
    order: int
    logs: list[AppLogged] = field(default_factory=list)


def app_up(now: float, task: Task, container: Container, app: AppSpec) -> bool:
    """Whether the container's app (``app``, its model) answers requests at ``now``: started,
    booted, not hung or exited."""
    if task.last != "RUNNING" or task.started_at is None or container.name in task.exited:
        return False
    alive_for = now - task.started_at
    if alive_for < app.boot_s:
        return False
    return app.hang_after_s is None or alive_for < app.hang_after_s


def _sdk_identity(roles: Roles, task: Task) -> tuple[str | None, str]:
    if task.rev.task_role:
        return roles.name(task.rev.task_role), task.id
    if task.launch_type == "EC2" and task.instance is not None:
        return task.instance.role, task.instance.ec2_id
    return None, ""


def app_outcomes(kernel: Kernel, roles: Roles, ecr: Ecr, task: Task) -> list[Outcome]:
    """Return every container's scheduled end (if any), computed when the task starts RUNNING."""
    now = kernel.now
    outcomes: list[Outcome] = []
    for order, container in enumerate(task.rev.containers):
        app = ecr.app_for(task.pinned, container)
        boot_at = now + app.boot_s
        ends: list[Outcome] = []

        def log(at: float, line: str, c: Container = container) -> AppLogged:
            return AppLogged(at, task.id, c.name, line)

        missing = [name for name in app.requires_env if name not in container.environment] if app.requires_env else None
        if missing:
            line = f"Error: required environment variable {missing[0]} is not set"
            ends.append(Outcome(container, boot_at, app.exit_code, None, order, [log(boot_at, line)]))
        if app.requires_actions and not missing:
            role, session = _sdk_identity(roles, task)
            for requirement in app.requires_actions:
                action, _, resource = requirement.partition("@")
                resource = resource or "*"
                if role is None:
                    line = "botocore.exceptions.NoCredentialsError: Unable to locate credentials"
                    ends.append(Outcome(container, boot_at, app.exit_code, None, order, [log(boot_at, line)]))
                    break
                decision = roles.allows(role, action, resource)
                if not decision.allowed:
                    principal = f"arn:aws:sts::{kernel.account}:assumed-role/{role}/{session}"
                    operation = action.partition(":")[2]
                    reason = denial_message(principal, action, resource, explicit_deny=decision.reason == "explicit-deny")
                    line = f"botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the {operation} operation: {reason}"
                    ends.append(Outcome(container, boot_at, app.exit_code, None, order, [log(boot_at, line)]))
                    break
        limit = container.hard_limit_mib
        if limit is not None:
            if app.memory_mib > limit:
                at = now + min(app.boot_s, 1.0)
                ends.append(Outcome(container, at, OOM_EXIT_CODE, "OutOfMemoryError: Container killed due to memory usage", order))
            elif app.memory_growth_mib_per_min > 0:
                at = now + (limit - app.memory_mib) / app.memory_growth_mib_per_min * 60.0
                ends.append(Outcome(container, at, OOM_EXIT_CODE, "OutOfMemoryError: Container killed due to memory usage", order))
        if app.exit_after_s is not None:
            ends.append(Outcome(container, now + app.exit_after_s, app.exit_code, None, order))
        if len(ends) == 1:
            outcomes.append(ends[0])
        elif ends:
            outcomes.append(min(ends, key=lambda o: o.at))
    return outcomes
