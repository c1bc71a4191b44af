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

from lab.config.quotas import MAX_SERVICES_PER_CLUSTER, SERVICES_PER_CLUSTER_EXCEEDED
from lab.errors import ClientException, InvalidParameterException, ServiceNotFoundException
from lab.sim.agent import Agent
from lab.sim.capacity import CapacityProviders, ProviderPlacement
from lab.sim.cluster import Cluster
from lab.sim.discovery import Discovery
from lab.sim.kernel import Kernel
from lab.sim.lb import LoadBalancing
from lab.sim.service import ServiceRuntime

__all__ = ["Services"]


class Services:
    """The cluster's services: create them, update them."""

    def __init__(
        self, kernel: Kernel, cluster: Cluster, agent: Agent, lb: LoadBalancing, capacity: CapacityProviders,
        discovery: Discovery | None = None, metrics: Any = None,
    ) -> None:
        self.metrics = metrics
        """CloudWatch (``lab.sim.metrics.Metrics``): the alarms blue/green deployments watch."""
        self.kernel = kernel
        self.cluster = cluster
        self.agent = agent
        self.lb = lb
        self.capacity = capacity
        self.discovery = discovery
        self.functions: Any = None
        """Lambda functions lifecycle hooks invoke (``lab.sim.bluegreen.LambdaFunctions``; the world sets it)."""

    def create_service(self, model: Any) -> ServiceRuntime:
        """CreateService: the scheduler starts placing tasks now.

        Raises:
            ClientException: the service exists or names an unknown task definition or target group.
            InvalidParameterException: its capacity provider strategy names a provider the
                cluster lacks, or mixes Fargate and Auto Scaling group providers.
        """
        if model.service_name in self.cluster.services:
            raise ClientException("Creation of service was not idempotent.", ("serviceName",))
        if len(self.cluster.services) >= MAX_SERVICES_PER_CLUSTER:
            raise InvalidParameterException(SERVICES_PER_CLUSTER_EXCEEDED)  # §11.1; wording UNCONFIRMED
        rev = self.cluster.resolve_task_definition(model.task_definition)
        self._check(model, rev)
        self.capacity.check_strategy(tuple(model.capacity_provider_strategy))
        placement = ProviderPlacement(self.capacity) if self.capacity.strategy_for(model) else None
        runtime = ServiceRuntime(self.kernel, self.cluster, self.agent, model, rev, self.lb.service_target_groups(model), placement)
        self._set_rollout(runtime, model)
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
        _check_immutable(runtime.model, model)
        rev = self.cluster.resolve_task_definition(model.task_definition)
        if runtime.model.deployment_controller.type == "CODE_DEPLOY" and runtime.deployments and rev is not runtime.deployments[0].rev:
            raise InvalidParameterException(CODE_DEPLOY_TASK_DEFINITION, ("taskDefinition",))  # §4.10
        self._check(model, rev)
        # Adding, changing or removing service registries or Service Connect starts a new
        # deployment (§14.1, §14.2).
        rediscover = _discovery_key(runtime.model) != _discovery_key(model)
        self.capacity.check_strategy(tuple(model.capacity_provider_strategy))
        self.lb.routing_epoch += 1  # its load balancers or network security groups may change
        target_groups = self.lb.service_target_groups(model)
        self._set_rollout(runtime, model)
        strategy = self.capacity.strategy_for(model)
        placement = runtime.placement
        current = placement.strategy if isinstance(placement, ProviderPlacement) else ()
        if _strategy_key(strategy) != _strategy_key(current):
            if not isinstance(placement, ProviderPlacement):
                runtime.placement = ProviderPlacement(self.capacity)
            runtime.update(model.model_copy(update={"force_new_deployment": True}), rev, target_groups)
            runtime.model = model
            return runtime
        if rediscover:
            runtime.update(model.model_copy(update={"force_new_deployment": True}), rev, target_groups)
            runtime.model = model
            return runtime
        runtime.update(model, rev, target_groups)
        return runtime

    def deploy(self, name: str, task_definition: str | None = None, *, desired_count: int | None = None, force: bool = False) -> ServiceRuntime:
        """UpdateService with only the parameters given: the rest of the service stays as it is.

        ``update-service --task-definition web`` deploys the family's latest revision and keeps
        the desired count, whatever Service Auto Scaling made of it (§7.1).

        Raises:
            ClientException: no such service, or a refusal of the resulting configuration.
        """
        runtime = self.cluster.services.get(name)
        if runtime is None:
            raise ServiceNotFoundException()
        changes: dict[str, Any] = {"force_new_deployment": force}
        if desired_count is not None:
            changes["desired_count"] = desired_count
        elif runtime.scheduling != "DAEMON":
            changes["desired_count"] = runtime.desired
        if task_definition is not None:
            changes["task_definition"] = task_definition
        return self.update_service(runtime.model.model_copy(update=changes))

    def _set_rollout(self, runtime: ServiceRuntime, model: Any) -> None:
        """Give a BLUE_GREEN, LINEAR or CANARY service its traffic-shifting strategy (§4.9)."""
        if model.deployment_configuration.strategy == "ROLLING":
            if runtime.rollout is not None and not runtime.rollout.active:
                runtime.rollout = None
            return
        if runtime.rollout is None:
            from lab.sim.bluegreen import TrafficShiftRollout

            runtime.rollout = TrafficShiftRollout(self.kernel, self.lb, self.metrics, runtime, self.functions)

    def _check(self, model: Any, rev: Any) -> None:
        """Refuse what ECS refuses about the whole resulting configuration: the request alone
        (a desired count on a DAEMON service, deployment bounds, the tasks-per-service quota...),
        network mode and networkConfiguration, target types, load-balanced containers and ports
        (§2.4, §4.1, §6.1, §11.1).

        A file's own refusals were found when it was parsed; checking them again here holds
        every other caller to the same rules (a timeline's update-service, a pipeline deploy).
        """
        # Imported on first use: the shapes' pydantic models cost milliseconds to build, and a
        # world whose services come from parsed files has them already.
        from lab.config.service import capacity_provider_strategy_errors, create_service_errors, listener_rule_errors, service_errors

        alone = create_service_errors(model)
        if not model.capacity_provider_strategy and model.launch_type is None:
            # The cluster's default strategy stands in for the service's: a strategy ECS refuses
            # fails every CreateService that uses it (API: CapacityProviderStrategyItem.weight).
            alone += capacity_provider_strategy_errors(self.capacity.default_strategy)
        if alone:
            raise alone[0]
        if self.discovery is not None:
            self.discovery.check(model)
        elif getattr(model, "service_registries", ()) or getattr(model, "service_connect_configuration", None):
            raise InvalidParameterException("The service registry or namespace does not exist.")  # wording UNCONFIRMED
        k = self.kernel
        target_groups = {name: tg.model for name, tg in self.lb.target_groups.items()}
        errors = service_errors(model, rev.definition, target_groups, region=k.region, account=k.account)
        errors += listener_rule_errors(model, self.lb.file_load_balancers(), target_groups)
        if errors:
            raise errors[0]


CODE_DEPLOY_TASK_DEFINITION = (
    "Unable to update task definition on services with a CODE_DEPLOY deployment controller. "
    "Use AWS CodeDeploy to trigger a new deployment."
)
"""UpdateService's refusal of a new revision for a CodeDeploy-deployed service (observed, §4.10)."""

CREATE_ONLY = (("scheduling_strategy", "schedulingStrategy"), ("launch_type", "launchType"))
"""Service fields UpdateService has no parameter for: set when the service is created (API: UpdateService)."""


def _check_immutable(current: Any, new: Any) -> None:
    """Refuse a change UpdateService cannot make. A service may move from a launch type to a
    capacity provider strategy (the file then drops ``launchType``), not between launch types."""
    for attribute, name in CREATE_ONLY:
        old_value, new_value = getattr(current, attribute), getattr(new, attribute)
        if old_value == new_value or (attribute == "launch_type" and (old_value is None or new_value is None)):
            continue
        # The lab's wording: UpdateService has no such parameter, so AWS tools refuse the call
        # before it is sent (UNCONFIRMED as an ECS text; never graded on).
        raise InvalidParameterException(
            f"UpdateService cannot change {name} from {old_value} to {new_value}: it is set when the service is "
            "created. Create a new service instead.",
            (name,),
        )


def _discovery_key(model: Any) -> tuple[object, object]:
    """A service's registries and Service Connect configuration, as comparable values."""
    return (getattr(model, "service_registries", ()), getattr(model, "service_connect_configuration", None))


def _strategy_key(strategy: Iterable[Any]) -> tuple[tuple[str, int, int], ...]:
    """A capacity provider strategy as comparable values (provider, base, weight)."""
    return tuple((str(item.capacity_provider), int(item.base), int(item.weight)) for item in strategy)
