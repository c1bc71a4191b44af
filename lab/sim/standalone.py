"""Provides standalone tasks: RunTask and StopTask, outside any service (§1.7).

RunTask places each task with the request's strategies (random by default) and
constraints, and succeeds partially: what cannot be placed is a ``failures`` entry and a
``PlacementFailed`` event, the rest start. A task for an Auto Scaling group capacity provider
with managed scaling that no instance of the group can take is not a failure: it is returned
with the others and waits in PROVISIONING, counted by managed scaling, until an instance of
the group takes it (``CapacityProviders.provision``, as a service's task waits; §1.7, §7.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lab.config.network import awsvpc_configuration_errors, network_mode_errors
from lab.config.placement import fargate_placement_errors
from lab.config.quotas import MAX_PROVISIONING_TASKS, MAX_RUN_TASK_COUNT, PROVISIONING_QUOTA_REACHED
from lab.errors import ClientException, InvalidParameterException
from lab.sim.agent import Agent, request_stop, start_task
from lab.sim.capacity import CapacityProviders, choose_provider
from lab.sim.cluster import Cluster
from lab.sim.events import PlacementFailed, RunTaskCompleted
from lab.sim.fleet import Fleet
from lab.sim.kernel import Kernel
from lab.sim.model import RunTaskResult, Task
from lab.sim.placement import Constraint, PlacementError, Strategy, TaskNeeds, place, validate_constraints, validate_strategies

__all__ = ["StandaloneTasks", "network_errors"]


class StandaloneTasks:
    """RunTask, StopTask and stopping a task group."""

    def __init__(self, kernel: Kernel, cluster: Cluster, agent: Agent, capacity: CapacityProviders) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.agent = agent
        self.capacity = capacity
        self._requests: dict[str, tuple[tuple[Strategy, ...], tuple[Constraint, ...]]] = {}
        """Id of a task waiting in PROVISIONING → the strategies and constraints of its RunTask."""
        self._scheduled = False
        cluster.waiters.append(self)

    def run_task(
        self,
        task_definition: str,
        *,
        count: int = 1,
        launch_type: str | None = None,
        capacity_provider_strategy: Sequence[Any] = (),
        strategies: Sequence[Strategy] = (),
        constraints: Sequence[Constraint] = (),
        group: str | None = None,
        started_by: str | None = None,
        network_configuration: dict[str, Any] | None = None,
    ) -> RunTaskResult:
        """Start ``count`` standalone tasks, as RunTask does (partial success included).

        Without ``launch_type`` or ``capacity_provider_strategy`` the cluster's default strategy
        is used (``CapacityProviders.run_task_strategy``); each task runs on the provider the
        strategy picks, an Auto Scaling group provider's tasks on its group's instances, or
        waiting in PROVISIONING for one when the provider has managed scaling.

        Raises:
            ClientException: an invalid request ECS refuses as a whole, or the cluster's quota of
                PROVISIONING tasks reached for a strategy with managed scaling.
        """
        k, cluster = self.kernel, self.cluster
        rev = cluster.resolve_task_definition(task_definition)
        if not 1 <= count <= MAX_RUN_TASK_COUNT:
            raise ClientException(f"count must be between 1 and {MAX_RUN_TASK_COUNT}.", ("count",))
        launch_type, provider_strategy = self.capacity.run_task_strategy(launch_type, tuple(capacity_provider_strategy))
        if launch_type not in rev.compatibilities:
            raise ClientException(f"Task definition does not support launch_type {launch_type}.", ("launchType",))
        if launch_type == "FARGATE":
            fargate = fargate_placement_errors(bool(constraints), bool(strategies))
            if fargate:
                raise fargate[0]
        network = network_errors(rev.network_mode, launch_type, network_configuration)
        if network:
            raise network[0]
        refusal = self.agent.roles.refusal(rev)
        if refusal is not None:
            raise ClientException(refusal, ("taskDefinition",))
        group = group or f"family:{rev.family}"
        all_constraints = tuple(rev.constraints) + tuple(constraints)
        strategy_tuple = tuple(strategies) or (Strategy("random"),)
        try:
            validate_strategies(strategy_tuple if strategies else ())
            validate_constraints(all_constraints)
        except PlacementError as exc:
            raise InvalidParameterException(str(exc), ("placementStrategy",)) from None
        fleet = cluster.fleet
        if launch_type == "EC2" and not provider_strategy and fleet.unavailable == fleet.n:
            raise ClientException("No Container Instances were found in your cluster.")
        groups = [self.capacity.providers.get(item.capacity_provider) for item in provider_strategy]
        if any(g is not None and g.managed_scaling for g in groups) and self.capacity.waiting_tasks() >= MAX_PROVISIONING_TASKS:
            # API: RunTask (a ClientException once the quota is reached; the value is UNCONFIRMED, §7.2).
            raise ClientException(PROVISIONING_QUOTA_REACHED)
        task_ids: list[str] = []
        failures: list[tuple[str, str]] = []
        # Every task of the call runs what the references name now, whatever a push does before
        # its pull (as a service deployment's tasks do, §4).
        pinned = self.agent.ecr.resolve_images(rev.containers)
        # One (immutable) needs for the call: every task of a RunTask asks the same.
        needs = TaskNeeds(
            cpu=rev.cpu,
            memory_mib=rev.memory_mib,
            group=group,
            ports=rev.ports,
            dynamic_ports=rev.dynamic_ports,
            eni=rev.network_mode == "awsvpc" and launch_type == "EC2",
        )
        on_provider: dict[str, int] = {}
        for _ in range(count):
            provider = choose_provider(provider_strategy, on_provider)
            if provider is not None:
                on_provider[provider] = on_provider.get(provider, 0) + 1
            if launch_type == "FARGATE":
                task = cluster.new_task(rev, group, launch_type, needs, started_by)
                task.pinned = pinned
                task.az = cluster.fargate_az(group)
                if provider == "FARGATE_SPOT":
                    self.capacity.spot_tasks.add(task.id)
                start_task(self.agent, task)
                task_ids.append(task.id)
                continue
            runtime = self.capacity.providers.get(provider) if provider is not None else None
            on_group = _on_instances(fleet, runtime.instance_indexes()) if runtime is not None else ()
            decision = place(fleet, needs, strategies=strategy_tuple, constraints=all_constraints + on_group, rng=k.rng)
            if decision.index is None and runtime is not None and runtime.managed_scaling:
                task = cluster.new_task(rev, group, launch_type, needs, started_by)
                task.pinned = pinned
                self._requests[task.id] = (strategy_tuple, all_constraints)
                self.capacity.provision(task, runtime, self)
                task_ids.append(task.id)
                continue
            if decision.index is None:
                closest_arn = fleet.arns[decision.closest] if decision.closest is not None else None
                failures.append((closest_arn or k.cluster_arn, decision.failure_reason or "RESOURCE"))
                k.log.append(PlacementFailed(k.now, group, decision.failure_reason or "", closest_arn, decision.failure_detail or ""))
                continue
            task = cluster.new_task(rev, group, launch_type, needs, started_by)
            task.pinned = pinned
            cluster.place_task(task, decision.index)
            start_task(self.agent, task)
            task_ids.append(task.id)
        k.log.append(RunTaskCompleted(k.now, rev.name, count, tuple(task_ids), tuple(failures)))
        return RunTaskResult(tuple(task_ids), tuple(failures))

    # -- tasks waiting in PROVISIONING (capacity.WaitingOwner) -------------------------------

    def kick(self) -> None:
        """Capacity changed: place the waiting tasks at the current time (requests are merged)."""
        if self._requests and not self._scheduled:
            self._scheduled = True
            self.kernel.at(0.0, self._place_waiting)

    def _place_waiting(self) -> None:
        self._scheduled = False
        for runtime in self.capacity.providers.values():
            if runtime.waiting:
                self.capacity.try_place_waiting(runtime, self)

    def place_waiting(self, task: Task, allowed: list[int]) -> int | None:
        """Where a waiting task goes now, by its RunTask's strategies and constraints, on ``allowed``."""
        strategies, constraints = self._requests[task.id]
        fleet = self.cluster.fleet
        decision = place(fleet, task.needs, strategies=strategies, constraints=constraints + _on_instances(fleet, allowed), rng=self.kernel.rng)
        if decision.index is not None:
            del self._requests[task.id]  # placed: the caller starts it
        return decision.index

    def withdrawn(self, task: Task) -> None:
        """A task stopped while it waited: nothing replaces a standalone task."""
        del self._requests[task.id]

    def stop_task(self, task_id: str, reason: str = "Task stopped by user", *, stop_code: str = "UserInitiated") -> None:
        """Ask a task to stop (desiredStatus STOPPED); the agent does the rest."""
        task = self.cluster.tasks.get(task_id)
        if task is None:
            raise ClientException("The referenced task was not found.", ("task",))
        request_stop(self.agent, task, stop_code, reason)

    def stop_group(self, group: str, *, count: int | None = None, reason: str = "Task stopped by user") -> int:
        """Stop the live tasks of a group, oldest first; returns how many were asked to stop."""
        chosen = self.cluster.stop_group_candidates(group, count)
        for task in chosen:
            self.stop_task(task.id, reason)
        return len(chosen)


def _on_instances(fleet: Fleet, indexes: list[int]) -> tuple[Constraint, ...]:
    """The constraint that keeps a task on these fleet positions (an Auto Scaling group provider's instances)."""
    # An ec2InstanceId outside the fleet when the group has none registered: nothing matches.
    ids = ", ".join(fleet.ec2_ids[i] for i in indexes) or "i-none"
    return (Constraint("memberOf", f"ec2InstanceId in [{ids}]"),)


def network_errors(network_mode: str, launch_type: str, network_configuration: dict[str, Any] | None) -> list[ClientException]:
    """What RunTask refuses about its ``networkConfiguration``: the rules a service is held to (§2.4)."""
    if not network_configuration:
        return network_mode_errors(network_mode, False)
    vpc = network_configuration.get("awsvpcConfiguration") or {}
    return [
        *network_mode_errors(network_mode, True),
        *awsvpc_configuration_errors(vpc.get("subnets") or (), vpc.get("securityGroups") or (), vpc.get("assignPublicIp"), launch_type),
    ]
