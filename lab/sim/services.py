"""Provides ``Services``: CreateService and UpdateService over the service schedulers.

A service places by its launch type, or over a capacity provider strategy (its own, or the
cluster's default when it names no launch type, §7.2). A file that changes the strategy in
effect gives the running service the capacity-provider placement in place and starts a new
deployment: the API takes such a change only together with ``forceNewDeployment`` (see
docs/simulator.md), which applying a file implies.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lab.errors import ClientException
from lab.sim.agent import Agent
from lab.sim.capacity import CapacityProviders, ProviderPlacement
from lab.sim.cluster import Cluster
from lab.sim.kernel import Kernel
from lab.sim.lb import LoadBalancing
from lab.sim.service import ServiceRuntime

__all__ = ["Services"]


class Services:
    """The cluster's services: create them, update them."""

    def __init__(self, kernel: Kernel, cluster: Cluster, agent: Agent, lb: LoadBalancing, capacity: CapacityProviders) -> None:
        self.kernel = kernel
        self.cluster = cluster
        self.agent = agent
        self.lb = lb
        self.capacity = capacity

    def create_service(self, model: Any) -> ServiceRuntime:
        """CreateService: the scheduler starts placing tasks now.

        Raises:
            ClientException: the service exists or names an unknown task definition or target group.
            InvalidParameterException: its capacity provider strategy names a provider the
                cluster lacks, or mixes Fargate and Auto Scaling group providers.
        """
        if model.service_name in self.cluster.services:
            raise ClientException("Creation of service was not idempotent.", ("serviceName",))
        rev = self.cluster.resolve_task_definition(model.task_definition)
        self.capacity.check_strategy(tuple(model.capacity_provider_strategy))
        placement = ProviderPlacement(self.capacity) if self.capacity.strategy_for(model) else None
        runtime = ServiceRuntime(self.kernel, self.cluster, self.agent, model, rev, self.lb.service_target_groups(model), placement)
        self.cluster.services[runtime.name] = runtime
        runtime.kick()
        return runtime

    def update_service(self, model: Any) -> ServiceRuntime:
        """UpdateService with a whole service file (what applying a learner's edit does).

        A changed capacity provider strategy starts a new deployment whose tasks go to the new
        capacity; the old ones are replaced within the deployment bounds.

        Raises:
            ClientException: an unknown task definition or target group (nothing changes).
        """
        runtime = self.cluster.services.get(model.service_name)
        if runtime is None:
            return self.create_service(model)
        rev = self.cluster.resolve_task_definition(model.task_definition)
        self.capacity.check_strategy(tuple(model.capacity_provider_strategy))
        self.lb.routing_epoch += 1  # its load balancers or network security groups may change
        target_groups = self.lb.service_target_groups(model)
        strategy = self.capacity.strategy_for(model)
        placement = runtime.placement
        current = placement.strategy if isinstance(placement, ProviderPlacement) else ()
        if _strategy_key(strategy) != _strategy_key(current):
            if not isinstance(placement, ProviderPlacement):
                runtime.placement = ProviderPlacement(self.capacity)
            runtime.update(model.model_copy(update={"force_new_deployment": True}), rev, target_groups)
            runtime.model = model
            return runtime
        runtime.update(model, rev, target_groups)
        return runtime


def _strategy_key(strategy: Iterable[Any]) -> tuple[tuple[str, int, int], ...]:
    """A capacity provider strategy as comparable values (provider, base, weight)."""
    return tuple((str(item.capacity_provider), int(item.base), int(item.weight)) for item in strategy)
