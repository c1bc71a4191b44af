"""Provides the task lifecycle as the ECS agent (or Fargate) drives it: pull, start, run, stop.

One SimPy process per task walks the states of docs/ecs-facts.md §3.1:
PROVISIONING (awsvpc ENI, Fargate capacity) → PENDING (image pulls, container create) →
RUNNING → STOPPING (SIGTERM, SIGKILL after the stop timeout) → DEPROVISIONING (ENI) →
STOPPED. ACTIVATING and DEACTIVATING happen only when there is work for them (load-balancer
registration, added by services). A stop request interrupts the process wherever it is.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from lab.sim import timing
from lab.sim.timing import round_ms
from lab.sim.events import (
    ContainerHealthChanged,
    ContainerStateChanged,
    ImagePullFailed,
    ImagePullFinished,
    ImagePullStarted,
    ImageRemoved,
    TaskStateChanged,
)
from lab.sim.app import app_outcomes
from lab.sim.fleet import Fleet
from lab.sim.iam import denial_message
from lab.sim.kernel import Kernel
from lab.sim.model import Container, ContainerInstance, HostImage, Task
from lab.sim.pulls import plan_pull
from lab.sim.registry import Ecr
from lab.sim.roles import Roles

__all__ = ["Agent", "emit", "request_stop", "start_task", "task_ip"]

ProcessGen = Generator[simpy.Event, Any, Any]

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
"""Container-level reason for an OOM kill; §3.3."""
ESSENTIAL_EXITED = "Essential container in task exited"
"""Task stoppedReason when an essential container stops; §3.3."""


class Agent:
    """What the agent (or Fargate) works with: the kernel, IAM, the registry and the fleet's accounts."""

    __slots__ = ("ecr", "fleet", "kernel", "roles")

    def __init__(self, kernel: Kernel, roles: Roles, ecr: Ecr, fleet: Fleet) -> None:
        self.kernel = kernel
        self.roles = roles
        self.ecr = ecr
        self.fleet = fleet


_record = tuple.__new__
"""Builds an event record from all its fields at once: the record class's own ``__new__`` is a
Python function (for its defaults), and the lifecycle logs nine records per task."""


def emit(agent: Agent, task: Task) -> None:
    """Log the task's state; its targets are health-checked again (their settled answer may be stale)."""
    for tg, target in task.targets:
        tg.unsettle(target)
    ci = task.instance
    kernel = agent.kernel
    kernel.log.append(
        _record(
            TaskStateChanged,
            (
                kernel.now,
                task.id,
                task.rev.name,
                task.group,
                task.last,
                task.desired,
                task.launch_type,
                ci.id if ci else None,
                ci.ec2_id if ci else None,
                task.az,
                task.stop_code,
                task.stopped_reason,
            ),
        )
    )


def _set(agent: Agent, task: Task, status: str) -> None:
    task.last = status
    emit(agent, task)


def start_task(agent: Agent, task: Task) -> None:
    """Start a placed (or Fargate) task's lifecycle process at the current time."""
    task.last = "PROVISIONING" if (task.needs.eni or task.launch_type == "FARGATE") else "PENDING"
    emit(agent, task)
    task.process = agent.kernel.env.process(_lifecycle(agent, task))


def _mark_stopping(agent: Agent, task: Task, stop_code: str, reason: str) -> None:
    """desiredStatus becomes STOPPED: the task no longer counts in runningTasksCount."""
    task.stopping = True
    task.desired = "STOPPED"
    task.stop_code = stop_code
    task.stopped_reason = reason
    if task.instance is not None:
        agent.fleet.stop_requested(task.instance.index)
    emit(agent, task)


def request_stop(agent: Agent, task: Task, stop_code: str, reason: str) -> None:
    """Set desiredStatus STOPPED; the lifecycle process moves the task through STOPPING."""
    if task.stopping or task.last == "STOPPED":
        return
    _mark_stopping(agent, task, stop_code, reason)
    if task.process is not None and task.process.is_alive:
        task.process.interrupt("stop")


def _lifecycle(agent: Agent, task: Task) -> ProcessGen:
    env = agent.kernel.env
    fargate = task.launch_type == "FARGATE"
    ran = False
    try:
        if task.last == "PROVISIONING":
            yield env.timeout(agent.kernel.jitter(timing.FARGATE_PROVISION_S if fargate else timing.ENI_ATTACH_S))
            _set(agent, task, "PENDING")
        failure = None
        if task.rev.has_secrets:
            failure = yield from _resolve_secrets(agent, task)
        if failure is None:
            failure = yield from _pull_all(agent, task)
        if failure is None and fargate:
            failure = _awslogs_stream(agent, task)
        if failure is not None:
            _mark_stopping(agent, task, "TaskFailedToStart", failure)
        else:
            yield env.timeout(agent.kernel.jitter(timing.CONTAINER_START_S))
            task.started_at = agent.kernel.now
            ran = True
            _set(agent, task, "RUNNING")
            log, now = agent.kernel.log, agent.kernel.now
            for container in task.rev.containers:
                log.append(_record(ContainerStateChanged, (now, task.id, container.name, "RUNNING", None, None)))
            _on_running(agent, task)
            yield from _run(agent, task)
    except simpy.Interrupt:
        pass
    yield from _shutdown(agent, task, ran)


def _run(agent: Agent, task: Task) -> ProcessGen:
    """Wait for the app's own end (exit, OOM kill) or for a stop request (an interrupt)."""
    kernel = agent.kernel
    outcomes = app_outcomes(kernel, agent.roles, agent.ecr, task)
    if len(outcomes) > 1:
        outcomes.sort(key=lambda o: (o.at, o.order))
    for outcome in outcomes:
        delay = outcome.at - kernel.now
        if delay > 0:
            yield kernel.env.timeout(round_ms(delay))
        now = kernel.now
        for line in outcome.logs:
            kernel.log.append(line._replace(at=now))
        kernel.log.append(_record(ContainerStateChanged, (now, task.id, outcome.container.name, "STOPPED", outcome.exit_code, outcome.reason)))
        task.exited.add(outcome.container.name)
        for tg, target in task.targets:
            tg.unsettle(target)
        if outcome.container.essential:
            _mark_stopping(agent, task, "EssentialContainerExited", ESSENTIAL_EXITED)
            return
    yield agent.kernel.env.event()  # runs until a stop request interrupts it


def _on_running(agent: Agent, task: Task) -> None:
    """Hand out host ports, register load-balancer targets, start container health checks."""
    ci = task.instance
    mode = task.rev.network_mode
    for container in task.rev.containers:
        for container_port, host_port, _proto in container.port_mappings:
            if mode == "bridge" and ci is not None:
                port = host_port if host_port else ci.allocate_host_port()
            else:
                port = container_port
            task.host_ports[(container.name, container_port)] = port
    service = task.service
    if service is not None:
        for tg, container_name, container_port in service.target_groups_for(task):
            if tg.model.target_type == "ip":
                target_id, port = task_ip(agent, task), container_port
            else:
                target_id = ci.ec2_id if ci is not None else task_ip(agent, task)
                port = task.host_ports.get((container_name, container_port), container_port)
            served = next((c for c in task.rev.containers if c.name == container_name), None)
            request_s = agent.ecr.app_for(task.pinned, served).request_s if served is not None else 0.05
            target = tg.register(task, target_id, port, task.az or "", request_s)
            task.targets.append((tg, target))
            service.batch("registered-targets", tg.arn)
        if task.targets:
            boot = max(agent.ecr.app_for(task.pinned, c).boot_s for c in task.rev.containers)
            for tg, target in task.targets:
                agent.kernel.at(boot, _bind_booted(tg, target))
    checked = [c for c in task.rev.containers if c.health_check is not None]
    if checked:
        task.health = "UNKNOWN"
        agent.kernel.env.process(_container_health(agent, task, checked))
    if service is not None:
        service.on_task_running(task)


def _bind_booted(tg: Any, target: Any) -> Callable[[], None]:
    return lambda: tg.target_booted(target)


def task_ip(agent: Agent, task: Task) -> str:
    """The private IP of a task's ENI (awsvpc, Fargate): stable per task."""
    digits = int(task.id[:6], 16)
    return f"10.0.{digits % 250 + 1}.{digits // 250 % 250 + 4}"


def _container_health(agent: Agent, task: Task, containers: list[Container]) -> ProcessGen:
    """Docker health checks: HEALTHY on a pass, UNHEALTHY after ``retries`` failures (§4.3)."""
    env = agent.kernel.env
    started = env.now
    checks = []
    for c in containers:
        app = agent.ecr.app_for(task.pinned, c)
        up_until = started + app.hang_after_s if app.hang_after_s is not None else float("inf")
        hc = c.health_check
        checks.append([c, started + app.boot_s, up_until, hc.retries, started + (hc.start_period or 0), "UNKNOWN", 0])
    interval = float(min(c.health_check.interval for c in containers))
    exited = task.exited
    while True:
        yield env.timeout(interval)
        if task.desired == "STOPPED" or task.last != "RUNNING":
            return
        now = env.now
        changed = False
        for check in checks:
            container, up_from, up_until, retries, grace_until, status, fails = check
            if up_from <= now < up_until and container.name not in exited:
                check[6] = 0
                new = "HEALTHY"
            elif now < grace_until:
                continue
            else:
                check[6] = fails = fails + 1
                new = "UNHEALTHY" if fails >= retries else status
            if new != status:
                check[5] = new
                changed = True
                agent.kernel.log.append(ContainerHealthChanged(now, task.id, container.name, new))
        if not changed:
            continue
        essential = [check[5] for check in checks if check[0].essential] or [check[5] for check in checks]
        health = "UNHEALTHY" if "UNHEALTHY" in essential else "HEALTHY" if all(v == "HEALTHY" for v in essential) else "UNKNOWN"
        if health != task.health:
            task.health = health
            if task.service is not None:
                task.service.on_container_health(task, health)


def _deactivate(agent: Agent, task: Task) -> ProcessGen:
    """Take a task out of its target groups: drain for the deregistration delay (§6.1)."""
    live = [(tg, t) for tg, t in task.targets if t.state not in ("draining", "unused")]
    if not live:
        return
    died = task.stop_code == "EssentialContainerExited"
    if died:
        for tg, target in live:
            tg.target_lost(target)
    else:
        _set(agent, task, "DEACTIVATING")
    delays = [tg.deregister(target) for tg, target in live]
    service = task.service
    if service is not None:
        for tg, _ in live:
            service.batch("deregistered-targets", tg.arn)
        service.batch("draining-connections", "")
    if not died:
        yield agent.kernel.env.timeout(max(delays))


def _shutdown(agent: Agent, task: Task, ran: bool) -> ProcessGen:
    env = agent.kernel.env
    task.desired = "STOPPED"
    if ran and task.targets:
        yield from _deactivate(agent, task)
    if ran:
        _set(agent, task, "STOPPING")
        grace = []
        for container in task.rev.containers:
            if container.name in task.exited:
                continue
            timeout = container.stop_timeout_s
            if timeout is None:
                timeout = task.instance.stop_timeout_s if task.instance else timing.STOP_TIMEOUT_S
            shutdown = agent.ecr.app_for(task.pinned, container).shutdown_s
            grace.append((container, min(shutdown, timeout), shutdown > timeout))
        # Containers get SIGTERM together and each is reported when it exits (or is killed).
        elapsed = 0.0
        for container, wait, killed in sorted(grace, key=lambda g: g[1]):
            if wait > elapsed:
                yield env.timeout(round_ms(wait - elapsed))
                elapsed = wait
            agent.kernel.log.append(ContainerStateChanged(agent.kernel.now, task.id, container.name, "STOPPED", 137 if killed else 0, None))
    if task.needs.eni or task.launch_type == "FARGATE":
        _set(agent, task, "DEPROVISIONING")
        yield env.timeout(agent.kernel.jitter(timing.ENI_DETACH_S))
    ci = task.instance
    if ci is not None:
        n = task.needs
        agent.fleet.release(
            ci.index, cpu=n.cpu, memory_mib=n.memory_mib, ports=n.ports, dynamic_ports=n.dynamic_ports, eni=n.eni, group=n.group
        )
        if task.host_ports:
            for port in task.host_ports.values():
                ci.dynamic_ports.discard(port)
    task.stopped_at = agent.kernel.now
    _set(agent, task, "STOPPED")
    if task.service is not None:
        task.service.on_task_stopped(task)


def _pull_all(agent: Agent, task: Task) -> Generator[simpy.Event, Any, str | None]:
    """Pull every container's image at once, as the agent does; return the first failure, if any."""
    kernel = agent.kernel
    ec2_id = task.instance.ec2_id if task.instance else None
    start = kernel.now
    finishes = []
    for order, container in enumerate(task.rev.containers):
        plan = plan_pull(kernel, agent.roles, agent.ecr, task, container)
        if plan.error is None:
            kernel.log.append(
                _record(
                    ImagePullStarted,
                    (
                        start, task.id, container.name, container.image, ec2_id,
                        plan.layers_total, plan.layers_cached, plan.bytes_to_fetch, plan.identity,
                    ),
                )
            )
            if task.instance is not None and task.launch_type != "FARGATE":
                # Its layers are on the disk from now (arriving): the image is the agent's to track
                # even if the task is stopped before the pull completes.
                _record_image(agent, task.instance, task, container.image, plan.layers)
        finishes.append((plan.duration_s, order, container, plan))
    if len(finishes) > 1:
        finishes.sort(key=lambda f: (f[0], f[1]))
    for duration, _, container, plan in finishes:
        wait = round_ms(start + duration - kernel.now)
        if wait > 0:
            yield kernel.env.timeout(wait)
        if plan.error is not None:
            kernel.log.append(ImagePullFailed(kernel.now, task.id, container.name, container.image, ec2_id, plan.error))
            return plan.error
        kernel.log.append(
            _record(ImagePullFinished, (kernel.now, task.id, container.name, container.image, ec2_id, duration, plan.bytes_to_fetch))
        )
    return None


def _record_image(agent: Agent, ci: ContainerInstance, task: Task, uri: str, layers: tuple[str, ...]) -> None:
    """The agent tracks the image it pulled (first pull time, last use, the tasks using it)."""
    now = agent.kernel.now
    image = ci.images.get(uri)
    if image is None:
        image = ci.images[uri] = HostImage(uri, layers, now)
    image.last_used = now
    image.users.append(task)
    if not ci.cleanup_running and not ci.cleanup.disabled:
        ci.cleanup_running = True
        # The agent's cleanup ticker runs from its start: cycles fall on registration + k × interval.
        interval = ci.cleanup.interval_s
        cycles = int((now - ci.registered_at) // interval) + 1
        agent.kernel.at(round_ms(ci.registered_at + cycles * interval - now), _cleanup_cycle(agent, ci))


def _cleanup_cycle(agent: Agent, ci: ContainerInstance) -> Callable[[], None]:
    def cycle() -> None:
        clean_images(agent, ci)
        agent.kernel.at(ci.cleanup.interval_s, cycle)

    return cycle


def _in_use(image: HostImage, now: float, wait_s: float) -> bool:
    """A task's containers reference the image until the agent removes them, ``wait_s`` after it stopped."""
    image.users = [t for t in image.users if not (t.last == "STOPPED" and t.stopped_at is not None and t.stopped_at + wait_s <= now)]
    return bool(image.users)


def clean_images(agent: Agent, ci: ContainerInstance) -> None:
    """One automated image cleanup cycle on ``ci`` (§12.6).

    Removes up to ``per_cycle`` images that no container references (running, or stopped and
    not yet cleaned up) and that were pulled at least the minimum age ago, least recently used
    first; a removed image frees the layers no image left on the instance uses.
    """
    now = agent.kernel.now
    settings = ci.cleanup
    candidates = [
        image for image in ci.images.values()
        if now - image.pulled_at >= settings.minimum_age_s and not _in_use(image, now, settings.task_cleanup_wait_s)
    ]
    candidates.sort(key=lambda image: (image.last_used, image.uri))
    for image in candidates[: settings.per_cycle]:
        del ci.images[image.uri]
        kept = {digest for other in ci.images.values() for digest in other.layers}
        freed = 0
        for digest in image.layers:
            if digest in kept or digest not in ci.layer_sizes:
                continue
            freed += ci.remove_layer(digest)
        agent.kernel.log.append(ImageRemoved(now, ci.ec2_id, image.uri, freed, ci.disk_used_bytes()))


def _resolve_secrets(agent: Agent, task: Task) -> Generator[simpy.Event, Any, str | None]:
    """Fetch ``secrets`` with the execution role before any pull; return the failure, if any."""
    for container in task.rev.containers:
        for _name, value_from in container.secrets:
            action, resource, store = secret_access(agent, value_from)
            role = agent.roles.name(task.rev.execution_role) if task.rev.execution_role else None
            decision = agent.roles.allows(role, action, resource)
            if decision.allowed:
                continue
            principal = f"arn:aws:sts::{agent.kernel.account}:assumed-role/{role}/{task.id}"
            denial = denial_message(principal, action, resource, explicit_deny=decision.reason == "explicit-deny")
            yield agent.kernel.env.timeout(agent.kernel.jitter(timing.FARGATE_AUTH_RETRY_S))
            # Wording from observed Fargate errors (§3.5); the agent on EC2 is similar.
            return (
                "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
                f"failed: unable to retrieve secrets from {store}: service call has been retried 5 time(s): "
                f"AccessDeniedException: {denial}"
            )
    return None


def _awslogs_stream(agent: Agent, task: Task) -> str | None:
    """Create each ``awslogs`` container's log stream with the execution role (Fargate, §8.2).

    The stream is ``<awslogs-stream-prefix>/<container>/<task id>``. The log group is taken to
    exist: log groups are not modelled. Returns the task's stopped reason when the role may not
    call ``logs:CreateLogStream``, else None.
    """
    role = agent.roles.name(task.rev.execution_role) if task.rev.execution_role else None
    for container in task.rev.containers:
        options = container.awslogs
        if options is None:
            continue
        region = options.get("awslogs-region") or agent.kernel.region
        group = options.get("awslogs-group", "")
        prefix = options.get("awslogs-stream-prefix")
        stream = f"{prefix}/{container.name}/{task.id}" if prefix else task.id
        # The resource form in the denial is the log stream's ARN (UNCONFIRMED; §8.2).
        resource = f"arn:aws:logs:{region}:{agent.kernel.account}:log-group:{group}:log-stream:{stream}"
        decision = agent.roles.allows(role, "logs:CreateLogStream", resource)
        if decision.allowed:
            continue
        principal = f"arn:aws:sts::{agent.kernel.account}:assumed-role/{role}/{task.id}"
        denial = denial_message(principal, "logs:CreateLogStream", resource, explicit_deny=decision.reason == "explicit-deny")
        # Wording from observed Fargate errors (§8.2).
        return (
            "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: "
            f"failed to create Cloudwatch log stream: AccessDeniedException: {denial}"
        )
    return None


def secret_access(agent: Agent, value_from: str) -> tuple[str, str, str]:
    """(IAM action, resource ARN, store name) that reading a secret's ``valueFrom`` needs."""
    if ":secretsmanager:" in value_from:
        # arn:aws:secretsmanager:region:acct:secret:name-AbCdEf[:json-key:version-stage:version-id]
        parts = value_from.split(":")
        return "secretsmanager:GetSecretValue", ":".join(parts[:7]), "asm"
    if value_from.startswith("arn:"):
        return "ssm:GetParameters", value_from, "ssm"
    name = value_from.lstrip("/")
    return "ssm:GetParameters", f"arn:aws:ssm:{agent.kernel.region}:{agent.kernel.account}:parameter/{name}", "ssm"
