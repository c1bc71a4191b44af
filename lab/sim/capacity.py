"""Provides capacity providers: strategies, PROVISIONING tasks and cluster auto scaling (managed scaling).

Reference §7.2, §5.4, §9.3:

- A service whose ``capacityProviderStrategy`` (or, without launch type or strategy, the
  cluster's default strategy) names providers spreads its tasks over them: each provider's
  ``base`` first, then by ``weight``. FARGATE and FARGATE_SPOT run tasks on Fargate.
- A task for an Auto Scaling group provider that no instance of the group can take waits in
  PROVISIONING (no placement-failure event) and is placed as soon as an instance registers;
  it never moves on if the group cannot grow. A service's tasks wait so; a standalone task
  (RunTask) waits so when the provider has managed scaling, and is returned with the started
  tasks, not as a failure (§1.7). Whoever started it places it (``WaitingOwner``).
- Every minute each provider publishes ``CapacityProviderReservation`` (namespace
  ``AWS/ECS/ManagedScaling``) = M / N × 100, N the group's running instances and M the
  instances needed: the instances running a non-daemon task, plus, while tasks wait, the
  instances a binpack of the waiting tasks needs on empty instances of the group's type.
  With N = 0 and tasks waiting it is 200 (UNCONFIRMED).
- With managed scaling ECS tracks ``targetCapacity`` on the group: scale-out once a minute is
  above target (1 datapoint, UNCONFIRMED) to ceil(M × 100 / targetCapacity) instances (two
  from none, "200 %"), by at
  least ``minimumScalingStepSize`` and at most ``maximumScalingStepSize``, never while an
  instance it launched is inside ``instanceWarmupPeriod``; scale-in after 15 one-minute
  datapoints below target, one instance per minute (gradual, approximate).
- Managed termination protection keeps instances that run non-daemon tasks protected from
  scale-in, so only empty instances can go (§5.4). Managed draining drains an instance the
  group terminates before it goes (§5.3).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import simpy

from lab.config.fargate import FARGATE_PROVIDERS, mixes_fargate_and_groups
from lab.config.instance_types import instance_type as lookup_instance_type
from lab.config.instance_types import registered_memory_mib
from lab.errors import (
    STRATEGY_AND_LAUNCH_TYPE,
    STRATEGY_MIXED,
    STRATEGY_NOT_ASSOCIATED,
    ClientException,
    InvalidParameterException,
)
from lab.sim.agent import Agent, emit, start_task
from lab.sim.asg import AutoScalingGroupRuntime, AutoScalingGroups
from lab.sim.cluster import Cluster
from lab.sim.fleet import ACTIVE
from lab.sim.kernel import Kernel
from lab.sim.metrics import Alarm, Metrics, metric_key
from lab.sim.model import Task
from lab.sim.placement import Constraint, TaskNeeds, place
from lab.sim.service import DEFAULT_SERVICE_STRATEGIES, Deployment, ServiceRuntime

__all__ = [
    "HIGH_DATAPOINTS",
    "LOW_DATAPOINTS",
    "NO_INSTANCES_RESERVATION",
    "CapacityProviderRuntime",
    "CapacityProviders",
    "ProviderPlacement",
    "WaitingOwner",
    "choose_provider",
]

HIGH_DATAPOINTS = 1
"""One-minute datapoints above target before managed scaling scales out (UNCONFIRMED)."""
LOW_DATAPOINTS = 15
"""One-minute datapoints below target before managed scaling scales in (§7.2)."""
NO_INSTANCES_RESERVATION = 200.0
"""CapacityProviderReservation with tasks waiting and no instance (§7.2, UNCONFIRMED)."""


class CapacityProviderRuntime:
    """One Auto Scaling group capacity provider."""

    __slots__ = ("cluster", "groups", "high", "last_scale_out", "low", "model", "name", "waiting")

    def __init__(self, cluster: Cluster, groups: AutoScalingGroups, model: Any) -> None:
        self.cluster = cluster
        self.groups = groups
        self.model = model
        self.name: str = model.name
        self.waiting: list[Task] = []
        """Tasks in PROVISIONING waiting for an instance of the group, oldest first."""
        self.last_scale_out = -math.inf
        self.high: Alarm | None = None
        self.low: Alarm | None = None

    @property
    def group(self) -> AutoScalingGroupRuntime | None:
        """The provider's Auto Scaling group (None until it exists)."""
        return self.groups.get(self.model.group_name)

    @property
    def settings(self) -> Any:
        """The ``ManagedScaling`` in force."""
        return self.model.autoScalingGroupProvider.scaling

    @property
    def managed_scaling(self) -> bool:
        """Whether ECS scales the group (managed scaling ENABLED)."""
        return bool(self.settings.status == "ENABLED")

    def instance_indexes(self) -> list[int]:
        """Fleet positions of the group's registered instances."""
        group = self.group
        if group is None:
            return []
        ids = {i.ec2_id for i in group.instances}
        return [ci.index for ci in self.cluster.instances if ci.ec2_id in ids]

    def needed_and_running(self) -> tuple[int, int]:
        """(M, N): instances needed and instances running (§7.2)."""
        group = self.group
        if group is None:
            return 0, 0
        n = len(group.live())
        if self.waiting:
            return n + self.instances_needed(), n
        busy = _busy_instances(self.cluster)
        return sum(1 for i in self.instance_indexes() if i in busy), n

    def reservation(self) -> float | None:
        """CapacityProviderReservation now: M / N × 100 (None without a group)."""
        if self.group is None:
            return None
        m, n = self.needed_and_running()
        if n == 0:
            return NO_INSTANCES_RESERVATION if m > 0 else 100.0
        return 100.0 * m / n

    def instances_needed(self) -> int:
        """Empty instances of the group's type a first-fit binpack of the waiting tasks needs (§7.2)."""
        group = self.group
        if group is None:
            return 0
        itype = lookup_instance_type(group.template.type)
        cpu = itype.vcpus * 1024
        memory = registered_memory_mib(itype, group.template.reserved_memory_mib)
        bins: list[list[int]] = []
        for task in sorted(self.waiting, key=lambda t: (-t.needs.cpu, -t.needs.memory_mib)):
            need_cpu, need_mem = task.needs.cpu, task.needs.memory_mib
            if need_cpu > cpu or need_mem > memory:
                continue  # does not fit the type: never triggers scale-out (§7.2)
            for b in bins:
                if b[0] >= need_cpu and b[1] >= need_mem:
                    b[0] -= need_cpu
                    b[1] -= need_mem
                    break
            else:
                bins.append([cpu - need_cpu, memory - need_mem])
        return len(bins)


def _busy_instances(cluster: Cluster) -> set[int]:
    """Fleet positions running at least one non-daemon task (one pass over the live tasks)."""
    busy: set[int] = set()
    for service in cluster.services.values():
        if service.scheduling == "DAEMON":
            continue
        for task in service.all_tasks():
            if task.instance is not None and task.last != "STOPPED":
                busy.add(task.instance.index)
    for task in cluster.tasks.values():
        if task.service is None and task.instance is not None and task.last != "STOPPED":
            busy.add(task.instance.index)
    return busy


class CapacityProviders:
    """The capacity providers of a world and its cluster's default strategy."""

    def __init__(self, kernel: Kernel, cluster: Cluster, agent: Agent, metrics: Metrics, groups: AutoScalingGroups) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.agent = agent
        self.metrics = metrics
        self.groups = groups
        self.providers: dict[str, CapacityProviderRuntime] = {}
        """ASG capacity providers by name."""
        self.cluster_providers: tuple[str, ...] = ()
        """Providers associated with the cluster (PutClusterCapacityProviders)."""
        self.default_strategy: tuple[Any, ...] = ()
        """The cluster's default capacity provider strategy."""
        self.spot_tasks: set[str] = set()
        """Ids of the tasks that run on FARGATE_SPOT (billed at the Spot discount)."""
        self._waiting: dict[str, tuple[simpy.Event, WaitingOwner]] = {}
        """Task id → the event that places a PROVISIONING task, and the task's owner."""
        self._source_added = False

    # -- API ---------------------------------------------------------------------------------

    def put_provider(self, model: Any) -> CapacityProviderRuntime:
        """CreateCapacityProvider (UpdateCapacityProvider for an existing name)."""
        runtime = self.providers.get(model.name)
        if runtime is None:
            runtime = self.providers[model.name] = CapacityProviderRuntime(self.cluster, self.groups, model)
        else:
            runtime.model = model
        group = runtime.group
        if group is not None:
            group.managed_draining = model.autoScalingGroupProvider.managedDraining == "ENABLED"
        self._alarms(runtime)
        if not self._source_added:
            self._source_added = True
            self.metrics.add_source(self._sample)
            self.metrics.start()
        return runtime

    def put_cluster_capacity_providers(self, model: Any) -> None:
        """PutClusterCapacityProviders.

        Raises:
            ClientException: a provider that does not exist, or a default strategy ECS refuses
                (the rules a service's strategy is held to).
        """
        from lab.config.service import capacity_provider_strategy_errors  # pydantic models: built on first use

        for name in model.capacityProviders:
            if name not in self.providers and name not in FARGATE_PROVIDERS:
                raise ClientException(f"The specified capacity provider {name} does not exist.")  # wording UNCONFIRMED
        default = tuple(model.defaultCapacityProviderStrategy)
        errors = capacity_provider_strategy_errors(default, places=False)
        if errors:
            raise InvalidParameterException(errors[0].message, ("defaultCapacityProviderStrategy", *errors[0].path[1:]))
        _check_strategy([item.capacity_provider for item in default], tuple(model.capacityProviders), "defaultCapacityProviderStrategy")
        self.cluster_providers = tuple(model.capacityProviders)
        self.default_strategy = default

    def check_strategy(self, strategy: tuple[Any, ...]) -> None:
        """Refuse a service's strategy as ECS does: every provider associated with the cluster, no Fargate mixed with ASGs.

        Raises:
            InvalidParameterException: the strategy names a provider the cluster lacks, or mixes kinds (§7.2).
        """
        _check_strategy([item.capacity_provider for item in strategy], self.cluster_providers, "capacityProviderStrategy")

    def strategy_for(self, model: Any) -> tuple[Any, ...]:
        """The strategy a service uses: its own, or the cluster default when it sets no launch type."""
        if model.capacity_provider_strategy:
            return tuple(model.capacity_provider_strategy)
        if model.launch_type is None:
            return self.default_strategy
        return ()

    def run_task_strategy(self, launch_type: str | None, strategy: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
        """RunTask's launch: (launch type, strategy). A strategy and a launch type exclude each
        other; with neither the cluster's default strategy is used (API: RunTask.capacityProviderStrategy),
        and without one either, EC2. A strategy of Fargate providers runs on FARGATE.

        Raises:
            InvalidParameterException: both given, or a strategy ECS refuses (§4.7, §7.2).
        """
        from lab.config.service import capacity_provider_strategy_errors  # pydantic models: built on first use

        if strategy and launch_type is not None:
            raise InvalidParameterException(STRATEGY_AND_LAUNCH_TYPE, ("capacityProviderStrategy",))
        if not strategy and launch_type is None:
            strategy = self.default_strategy
        if not strategy:
            return launch_type or "EC2", ()
        errors = capacity_provider_strategy_errors(strategy)
        if errors:
            raise errors[0]
        self.check_strategy(strategy)
        fargate = all(item.capacity_provider in FARGATE_PROVIDERS for item in strategy)
        return ("FARGATE" if fargate else "EC2"), strategy

    # -- managed scaling ---------------------------------------------------------------------

    def _alarms(self, runtime: CapacityProviderRuntime) -> None:
        metrics = self.metrics
        for alarm in (runtime.high, runtime.low):
            if alarm is not None:
                metrics.delete_alarm(alarm.name)
        runtime.high = runtime.low = None
        settings = runtime.settings
        if not runtime.managed_scaling:
            return
        key = metric_key("AWS/ECS/ManagedScaling", "CapacityProviderReservation", {"ClusterName": self.kernel.cluster, "CapacityProviderName": runtime.name})
        target = float(settings.targetCapacity)
        suffix = f"{self.kernel.cluster}-{runtime.name}"
        runtime.high = Alarm(f"TargetTracking-{suffix}-AlarmHigh", key, threshold=target, comparison="GreaterThanThreshold", evaluation_periods=HIGH_DATAPOINTS)
        runtime.low = Alarm(f"TargetTracking-{suffix}-AlarmLow", key, threshold=target, comparison="LessThanThreshold", evaluation_periods=LOW_DATAPOINTS)
        runtime.high.actions.append(lambda alarm: self._scale_out(runtime))
        runtime.low.actions.append(lambda alarm: self._scale_in(runtime))
        metrics.put_alarm(runtime.high)
        metrics.put_alarm(runtime.low)

    def _sample(self, metrics: Metrics, start: float, end: float) -> None:
        for runtime in self.providers.values():
            self._protect(runtime)
            value = runtime.reservation()
            if value is None:
                continue
            key = metric_key("AWS/ECS/ManagedScaling", "CapacityProviderReservation", {"ClusterName": self.kernel.cluster, "CapacityProviderName": runtime.name})
            metrics.put(key, start, value)

    def _protect(self, runtime: CapacityProviderRuntime) -> None:
        """Managed termination protection: protected exactly while running non-daemon tasks (§5.4)."""
        group = runtime.group
        if group is None or runtime.model.autoScalingGroupProvider.managedTerminationProtection != "ENABLED":
            return
        by_id = {ci.ec2_id: ci.index for ci in self.cluster.instances}
        busy = _busy_instances(self.cluster)
        for inst in group.live():
            index = by_id.get(inst.ec2_id)
            inst.protected = index is None or index in busy

    def _scale_out(self, runtime: CapacityProviderRuntime) -> None:
        group = runtime.group
        settings = runtime.settings
        if group is None:
            return
        now = self.kernel.now
        if now - runtime.last_scale_out < settings.instanceWarmupPeriod:
            return  # instances still warming up block further scale-out (§7.2)
        m, n = runtime.needed_and_running()
        wanted = math.ceil(m * 100.0 / settings.targetCapacity - 1e-9)
        if n == 0:
            wanted = 2  # from no instance ECS scales out to 200 %: two instances (§7.2)
        step = min(max(wanted - n, settings.minimumScalingStepSize), settings.maximumScalingStepSize)
        if step <= 0 or group.desired >= group.max:
            return
        runtime.last_scale_out = now
        group.scale_to(n + step, f"a scale-out by the ECS managed scaling of capacity provider {runtime.name}")

    def _scale_in(self, runtime: CapacityProviderRuntime) -> None:
        group = runtime.group
        if group is None or runtime.waiting:
            return
        self._protect(runtime)
        candidates = [i for i in group.live() if not i.protected]
        if not candidates or group.desired <= group.min:
            return
        group.scale_to(group.desired - 1, f"a scale-in by the ECS managed scaling of capacity provider {runtime.name}")

    # -- placement ---------------------------------------------------------------------------

    def provision(self, task: Task, runtime: CapacityProviderRuntime, owner: WaitingOwner) -> None:
        """``task`` waits in PROVISIONING for an instance of the provider's group (a service's
        task, or a standalone task a RunTask started); ``owner`` places it when one has room."""
        k = self.kernel
        task.last = "PROVISIONING"
        emit(self.agent, task)
        placed = k.env.event()
        task.process = k.env.process(self._wait(task, placed, runtime))
        runtime.waiting.append(task)
        self._waiting[task.id] = (placed, owner)

    def waiting_tasks(self) -> int:
        """Tasks of the cluster waiting in PROVISIONING for an Auto Scaling group's instance."""
        return sum(len(runtime.waiting) for runtime in self.providers.values())

    def _wait(self, task: Task, placed: simpy.Event, runtime: CapacityProviderRuntime) -> Any:
        try:
            yield placed
        except simpy.Interrupt:
            if task in runtime.waiting:
                runtime.waiting.remove(task)
            task.stopped_at = self.kernel.now
            task.last = "STOPPED"
            emit(self.agent, task)
            _, owner = self._waiting.pop(task.id)
            owner.withdrawn(task)
            return
        start_task(self.agent, task)

    def try_place_waiting(self, runtime: CapacityProviderRuntime, owner: WaitingOwner) -> None:
        """Place ``owner``'s tasks waiting for the group's instances, oldest first."""
        allowed = runtime.instance_indexes()
        for task in [t for t in runtime.waiting if self._waiting[t.id][1] is owner]:
            if task.desired == "STOPPED":
                continue
            index = owner.place_waiting(task, allowed)
            if index is None:
                return
            runtime.waiting.remove(task)
            self.cluster.place_task(task, index)
            placed, _ = self._waiting.pop(task.id)
            placed.succeed()


class WaitingOwner(Protocol):
    """What holds a task waiting in PROVISIONING: a service's placement, or RunTask's standalone tasks."""

    def place_waiting(self, task: Task, allowed: list[int]) -> int | None:
        """The fleet position (one of ``allowed``) the waiting ``task`` goes to now, or None."""
        ...

    def withdrawn(self, task: Task) -> None:
        """``task`` stopped while it waited (it is STOPPED and no longer waits)."""
        ...


class ProviderPlacement:
    """A service's placement over capacity providers: its tasks are split over the strategy's providers.

    With an empty strategy it places exactly as the launch type does, so a service that drops
    its strategy keeps it.
    """

    def __init__(self, capacity: CapacityProviders) -> None:
        self.capacity = capacity
        self.strategy: tuple[Any, ...] = ()
        self.provider_of: dict[str, str] = {}
        """Task id → the capacity provider it runs on."""

    def configure(self, service: ServiceRuntime, model: Any) -> None:
        """The strategy in force; a strategy of Fargate providers only runs the service on Fargate."""
        self.strategy = self.capacity.strategy_for(model)
        if self.strategy and all(item.capacity_provider in FARGATE_PROVIDERS for item in self.strategy):
            service.launch_type = "FARGATE"

    def before_pass(self, service: ServiceRuntime) -> None:
        """Place waiting tasks when instances appeared."""
        for runtime in self.capacity.providers.values():
            if runtime.waiting:
                self.capacity.try_place_waiting(runtime, self)

    def place_waiting(self, task: Task, allowed: list[int]) -> int | None:
        """Where the service's waiting ``task`` goes now, on ``allowed`` fleet positions."""
        return self.place_on(task.service, allowed, task.needs, task.deployment.rev)

    def withdrawn(self, task: Task) -> None:
        """The service forgets the task that stopped while it waited, and replaces it if it must."""
        service = task.service
        service.tasks.pop(task.id, None)
        service.kick()

    def new_task(self, service: ServiceRuntime, deployment: Deployment, needs: TaskNeeds) -> Task:
        """A new task of the service's deployment, not yet placed."""
        task = self.capacity.cluster.new_task(deployment.rev, service.group, "EC2", needs, f"ecs-svc/{service.name}")
        task.service = service
        task.deployment = deployment
        task.pinned = deployment.images
        return task

    def _choose_provider(self, service: ServiceRuntime) -> str | None:
        counts: dict[str, int] = {}
        for task in service.tasks.values():
            if task.desired == "STOPPED":
                continue
            name = self.provider_of.get(task.id)
            if name is not None:
                counts[name] = counts.get(name, 0) + 1
        return choose_provider(self.strategy, counts)

    def place_on(self, service: ServiceRuntime, allowed: list[int], needs: TaskNeeds, rev: Any) -> int | None:
        """Placement restricted to ``allowed`` fleet positions (a provider's instances)."""
        fleet = self.capacity.cluster.fleet
        if not allowed:
            return None
        constraints = (*rev.constraints, *service.constraints)
        if len(allowed) < fleet.n:
            # Only the provider's own instances (skipped when they are the whole fleet).
            ids = ", ".join(fleet.ec2_ids[i] for i in allowed)
            constraints += (Constraint("memberOf", f"ec2InstanceId in [{ids}]"),)
        decision = place(fleet, needs, strategies=service.strategies or DEFAULT_SERVICE_STRATEGIES, constraints=constraints, rng=self.capacity.kernel.rng)
        if decision.index is None or int(fleet.status[decision.index]) != ACTIVE:
            return None
        return decision.index

    def place_one(self, service: ServiceRuntime, deployment: Deployment, only_instance: int | None = None) -> Task | None:
        """Place one task on the provider the strategy picks (PROVISIONING while its group has no room)."""
        name = self._choose_provider(service) if only_instance is None else None
        capacity = self.capacity
        runtime = capacity.providers.get(name) if name is not None else None
        if runtime is None:
            task = service.place_by_launch_type(deployment, only_instance)
            if task is not None and name is not None:
                self.provider_of[task.id] = name
                if name == "FARGATE_SPOT":
                    capacity.spot_tasks.add(task.id)
            return task
        needs = service.needs(deployment.rev)
        index = self.place_on(service, runtime.instance_indexes(), needs, deployment.rev)
        if index is None:
            task = self.new_task(service, deployment, needs)
            capacity.provision(task, runtime, self)
        else:
            task = service.launch(deployment, needs, index)
        service.tasks[task.id] = task
        self.provider_of[task.id] = runtime.name
        return task


def choose_provider(strategy: tuple[Any, ...], counts: dict[str, int]) -> str | None:
    """The provider the next task runs on, given how many tasks each already runs: each ``base``
    first, then the weights share out the rest (§4.7). None for an empty strategy."""
    for item in strategy:
        if item.base > counts.get(item.capacity_provider, 0):
            return str(item.capacity_provider)
    weighted = [item for item in strategy if item.weight > 0]
    if not weighted:
        return str(strategy[0].capacity_provider) if strategy else None
    # Ties go to the heavier weight.
    best = min(weighted, key=lambda item: ((counts.get(item.capacity_provider, 0) - item.base) / item.weight, -item.weight))
    return str(best.capacity_provider)


def _check_strategy(names: list[str], associated: tuple[str, ...], field_name: str) -> None:
    if mixes_fargate_and_groups(names):
        raise InvalidParameterException(STRATEGY_MIXED, (field_name,))
    if any(name not in associated for name in names):
        raise InvalidParameterException(STRATEGY_NOT_ASSOCIATED, (field_name,))
