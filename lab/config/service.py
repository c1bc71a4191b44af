"""Provides the ECS service model (CreateService input) and the checks CreateService makes.

Loading runs in four passes, each reporting every problem it finds at once:

1. ``check_shape`` against ``ecs.CreateServiceRequest``: unknown keys (with a did-you-mean),
   types, enums, required keys and the API's numeric limits. Known keys the simulator ignores
   come back as "not simulated" notes.
2. What the lab needs before it can build a model: a task definition to run, load balancers
   that name a target group, container and port, and a launch type it simulates.
3. The pydantic model is built from the modelled subset of the input.
4. ``create_service_errors``: what CreateService refuses by looking at the request alone,
   worded as the ``InvalidParameterException`` ECS returns.

What needs the other files (the task definition, the target groups) is ``service_errors``,
called once every file is loaded. Texts observed in real AWS output are cited; the others are
marked ``# wording UNCONFIRMED``. Section numbers (§) refer to docs/ecs-facts.md.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from lab.config.capacity_strategy import CapacityProviderStrategyItem
from lab.config.fargate import FARGATE_PROVIDERS, mixes_fargate_and_groups
from lab.config.network import awsvpc_configuration_errors, network_mode_errors
from lab.config.placement import (
    MAX_PLACEMENT_CONSTRAINTS,
    constraint_limit_errors,
    fargate_placement_errors,
    placement_constraint_errors,
    placement_strategy_errors,
)
from lab.config.quotas import DESIRED_COUNT_EXCEEDS_LIMIT, MAX_TASKS_PER_SERVICE
from lab.config.shapes import (
    check_shape,
    positioned,
    strip_unmodelled,
    validation_diagnostics,
    where_phrase,
)
from lab.config.task_definition import NAME_RE, TaskDefinition, client_exception_diagnostics
from lab.errors import (
    STRATEGY_AND_LAUNCH_TYPE,
    STRATEGY_MIXED,
    ClientException,
    Diagnostic,
    InvalidParameterException,
    SourceErrors,
)
from lab.yaml_source import Document, Path_

if TYPE_CHECKING:
    # Target groups and load balancers are read only for a service behind one: a grade of a
    # scenario without them does not import their models.
    from lab.config.target_group import TargetGroup

__all__ = [
    "SERVICE_MODELLED",
    "AdvancedConfiguration",
    "AwsVpcConfiguration",
    "CanaryConfiguration",
    "DeploymentAlarms",
    "DeploymentCircuitBreaker",
    "DeploymentConfiguration",
    "DeploymentLifecycleHook",
    "HOOK_STAGES",
    "DeploymentController",
    "InvalidParameterException",
    "LinearConfiguration",
    "LoadBalancer",
    "NetworkConfiguration",
    "ParsedService",
    "PlacementStrategy",
    "Service",
    "ServiceConnectClientAlias",
    "ServiceConnectConfiguration",
    "ServiceConnectService",
    "ServicePlacementConstraint",
    "ServiceRegistry",
    "capacity_provider_strategy_errors",
    "create_service_errors",
    "listener_rule_errors",
    "parse_service",
    "service_errors",
    "service_json_schema",
]

SERVICE_MODELLED: frozenset[str] = frozenset(
    {
        "serviceName",
        "taskDefinition",
        "desiredCount",
        "deploymentController",
        "launchType",
        "schedulingStrategy",
        "deploymentConfiguration.minimumHealthyPercent",
        "deploymentConfiguration.maximumPercent",
        "deploymentConfiguration.deploymentCircuitBreaker.enable",
        "deploymentConfiguration.deploymentCircuitBreaker.rollback",
        "deploymentConfiguration.strategy",
        "deploymentConfiguration.bakeTimeInMinutes",
        "deploymentConfiguration.alarms",
        "deploymentConfiguration.linearConfiguration",
        "deploymentConfiguration.canaryConfiguration",
        "deploymentConfiguration.lifecycleHooks",
        "loadBalancers[].advancedConfiguration",
        "loadBalancers[].targetGroupArn",
        "loadBalancers[].loadBalancerName",
        "loadBalancers[].containerName",
        "loadBalancers[].containerPort",
        "placementConstraints",
        "placementStrategy",
        "healthCheckGracePeriodSeconds",
        "networkConfiguration.awsvpcConfiguration",
        "capacityProviderStrategy",
        "serviceRegistries",
        "serviceConnectConfiguration.enabled",
        "serviceConnectConfiguration.namespace",
        "serviceConnectConfiguration.services[].portName",
        "serviceConnectConfiguration.services[].discoveryName",
        "serviceConnectConfiguration.services[].clientAliases",
    }
)
"""CreateService members the simulator models (``[]`` marks list items)."""

_ROOT_SHAPE = "ecs.CreateServiceRequest"


REPLICA_DEFAULT_MIN_HEALTHY_PERCENT = 100  # ECS default; see docs/ecs-facts.md §4.2
"""``minimumHealthyPercent`` of a REPLICA service that sets none (§4.2)."""
REPLICA_DEFAULT_MAX_PERCENT = 200  # ECS default; see docs/ecs-facts.md §4.2
"""``maximumPercent`` of a REPLICA service that sets none (§4.2)."""
DAEMON_DEFAULT_MIN_HEALTHY_PERCENT = 0  # ECS API/CLI default (the console uses 50); §4.1
"""``minimumHealthyPercent`` of a DAEMON service that sets none (§4.1)."""
DAEMON_MAX_PERCENT = 100  # ECS default, and the only value allowed; §4.1
"""``maximumPercent`` of a DAEMON service: the default and the only value ECS accepts (§4.1)."""

MAX_LOAD_BALANCERS = 5
"""Target groups per service (§6.3)."""
MAX_STRATEGY_PROVIDERS = 20
"""Capacity providers in one capacity provider strategy (§7.2; API: CreateServiceRequest)."""
MAX_GRACE_PERIOD_S = 2_147_483_647
"""Largest ``healthCheckGracePeriodSeconds`` (§4.3)."""

_SIMULATED_LAUNCH_TYPES = ("EC2", "FARGATE")

LEGACY_GRACE_PERIOD_MESSAGE = "Health check grace period is only valid for services configured to use load balancers"
"""What ECS answered until about 2024 for a grace period on a service without load balancers
(observed: hashicorp/terraform output quoted in several repos, aws-cloudformation/cfn-lint#3612).
The current API applies the grace period to container health checks too and accepts it."""


# --------------------------------------------------------------------------------------------
# Models


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        populate_by_name=True,
        extra="forbid",
        alias_generator=to_camel,
        allow_inf_nan=False,
    )


class DeploymentCircuitBreaker(_Model):
    """The rolling-update circuit breaker (§4.4)."""

    enable: bool
    """Whether a deployment whose tasks keep failing is marked FAILED."""
    rollback: bool
    """Whether a FAILED deployment rolls back to the last completed one."""


class DeploymentAlarms(_Model):
    """CloudWatch alarms that fail a deployment when one goes into ALARM (§4.9)."""

    alarm_names: tuple[str, ...]
    """The alarms watched during the deployment and its bake time."""
    enable: bool
    """Whether the alarms are watched at all."""
    rollback: bool
    """Whether a deployment the alarms failed rolls back to the last completed one."""


HOOK_STAGES = (
    "RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT",
)
"""The lifecycle stages a hook may run at (API: DeploymentLifecycleHookStage)."""


class DeploymentLifecycleHook(_Model):
    """A Lambda function ECS invokes at lifecycle stages of a blue/green, linear or canary deployment (§4.9)."""

    hook_target_arn: str | None = None
    """The Lambda function (its ARN; the lab also accepts its name)."""
    role_arn: str | None = None
    """The role ECS assumes to invoke it: it must trust ecs.amazonaws.com and allow lambda:InvokeFunction."""
    lifecycle_stages: tuple[Literal[HOOK_STAGES], ...] = ()  # type: ignore[valid-type]
    """The stages at which ECS invokes the function."""
    hook_details: Any = None
    """Parameters passed to every invocation (the lab's functions do not read them)."""
    target_type: Literal["AWS_LAMBDA", "PAUSE"] | None = None
    """AWS_LAMBDA (the lab's only kind) or PAUSE (not simulated)."""
    timeout_configuration: Any = None
    """What happens when a hook runs too long (accepted, not simulated)."""


class LinearConfiguration(_Model):
    """LINEAR: production traffic moves in equal steps with a bake time between them (§4.9)."""

    step_percent: float = 10.0  # API default (LinearConfiguration.stepPercent)
    """Share of production traffic moved per step (3.0–100.0, multiples of 0.1)."""
    step_bake_time_in_minutes: int = 6  # API default (LinearConfiguration.stepBakeTimeInMinutes)
    """Wait between steps (0–1440); not applied after the step that reaches 100 %."""


class CanaryConfiguration(_Model):
    """CANARY: a share of production traffic first, the rest after a bake time (§4.9)."""

    canary_percent: float = 5.0  # API default (CanaryConfiguration.canaryPercent)
    """Share of production traffic sent to the new revision first (0.1–100.0)."""
    canary_bake_time_in_minutes: int = 10  # API default (CanaryConfiguration.canaryBakeTimeInMinutes)
    """Wait before the rest of the traffic moves (0–1440)."""


class DeploymentConfiguration(_Model):
    """How a deployment replaces tasks: rolling bounds, or a blue/green strategy (§4.2, §4.9)."""

    strategy: Literal["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"] = "ROLLING"  # API default (§4.9)
    """ROLLING replaces tasks within the bounds; the others run the new revision beside the old
    one and move production traffic between two target groups."""
    bake_time_in_minutes: int | None = None
    """Minutes both revisions keep running after production traffic moved (blue/green strategies)."""
    alarms: DeploymentAlarms | None = None
    """CloudWatch alarms that fail the deployment."""
    linear_configuration: LinearConfiguration | None = None
    """Steps of a LINEAR deployment."""
    canary_configuration: CanaryConfiguration | None = None
    """The canary of a CANARY deployment."""
    lifecycle_hooks: tuple[DeploymentLifecycleHook, ...] = ()
    """Lambda functions invoked at lifecycle stages of a BLUE_GREEN, LINEAR or CANARY deployment."""

    minimum_healthy_percent: int | None = None
    """As written; None means the ECS default (see ``min_healthy_percent``)."""
    maximum_percent: int | None = None
    """As written; None means the ECS default (see ``max_percent``)."""
    deployment_circuit_breaker: DeploymentCircuitBreaker | None = None
    """The circuit breaker, if configured."""

    def min_healthy_percent(self, scheduling_strategy: str = "REPLICA") -> int:
        """The lower bound in force: the field, or the ECS default for the strategy.

        Args:
            scheduling_strategy: ``REPLICA`` or ``DAEMON``.
        """
        if self.minimum_healthy_percent is not None:
            return self.minimum_healthy_percent
        if scheduling_strategy == "DAEMON":
            return DAEMON_DEFAULT_MIN_HEALTHY_PERCENT  # §4.1
        return REPLICA_DEFAULT_MIN_HEALTHY_PERCENT  # §4.2

    def max_percent(self, scheduling_strategy: str = "REPLICA") -> int:
        """The upper bound in force: the field, or the ECS default for the strategy.

        Args:
            scheduling_strategy: ``REPLICA`` or ``DAEMON``.
        """
        if self.maximum_percent is not None:
            return self.maximum_percent
        if scheduling_strategy == "DAEMON":
            return DAEMON_MAX_PERCENT  # §4.1
        return REPLICA_DEFAULT_MAX_PERCENT  # §4.2


class AdvancedConfiguration(_Model):
    """The second target group and listener rules of a blue/green, linear or canary deployment (§4.9)."""

    alternate_target_group_arn: str | None = None
    """The target group the new revision's tasks register in (by ARN; the lab also accepts its name)."""
    production_listener_rule: str | None = None
    """The listener rule (or listener) whose forward action carries production traffic."""
    test_listener_rule: str | None = None
    """A listener rule that sends test traffic to the new revision before production moves."""
    role_arn: str | None = None
    """The role ECS assumes to change the listener rules."""


class LoadBalancer(_Model):
    """One ``loadBalancers`` entry: which container port a target group sends traffic to."""

    target_group_arn: str | None = None
    """The target group, by ARN (the lab also accepts its name)."""
    load_balancer_name: str | None = None
    """A Classic Load Balancer's name; the lab refuses it (Classic Load Balancers are not simulated)."""
    container_name: str
    """The container registered as the target."""
    container_port: int
    """The container port traffic goes to (its host port is what gets registered, §6.2)."""
    advanced_configuration: AdvancedConfiguration | None = None
    """Blue/green, linear and canary deployments: the alternate target group and listener rules."""


class ServicePlacementConstraint(_Model):
    """A service placement constraint (§1.3)."""

    type: Literal["distinctInstance", "memberOf"]
    """``distinctInstance`` (one task per instance) or ``memberOf`` (instances matching an expression)."""
    expression: str | None = None
    """A cluster query language expression, for ``memberOf`` (§1.4)."""


class PlacementStrategy(_Model):
    """A service placement strategy rule (§1.2)."""

    type: Literal["random", "spread", "binpack"]
    """How candidate instances are ranked."""
    field: str | None = None
    """``cpu``/``memory`` for binpack; ``instanceId``, ``host`` or ``attribute:<name>`` for spread."""


class AwsVpcConfiguration(_Model):
    """The task ENIs' subnets and security groups (awsvpc network mode, §2.4)."""

    subnets: tuple[str, ...]
    """Subnets the task ENIs are placed in (1 to 16)."""
    security_groups: tuple[str, ...] = ()
    """Security groups of the task ENIs (up to 5); none means the VPC default group."""
    assign_public_ip: Literal["ENABLED", "DISABLED"] = "DISABLED"  # API default; §2.4
    """Whether Fargate tasks get a public IP; the API default is ``DISABLED``."""


class NetworkConfiguration(_Model):
    """A service's network configuration; required exactly when the task uses awsvpc."""

    awsvpc_configuration: AwsVpcConfiguration
    """The awsvpc settings."""


class ServiceRegistry(_Model):
    """A ``serviceRegistries`` entry: the AWS Cloud Map service ECS registers the tasks in."""

    registry_arn: str | None = None
    """The Cloud Map service's ARN (the lab also accepts its id or DNS name)."""
    port: int | None = None
    """The SRV record's port (awsvpc), instead of ``containerName`` and ``containerPort``."""
    container_name: str | None = None
    """The container whose port an SRV record gives (required for bridge and host)."""
    container_port: int | None = None
    """That container's port (its host port in bridge mode is what the record holds)."""


class ServiceConnectClientAlias(_Model):
    """A name and port clients of the namespace use to reach the service through their proxy."""

    port: int
    """The proxy's listening port for this alias."""
    dns_name: str | None = None
    """The name clients use; default ``discoveryName.namespace`` (or ``portName.namespace``)."""


class ServiceConnectService(_Model):
    """One endpoint a Service Connect service offers: a named port mapping of its task definition."""

    port_name: str
    """The ``name`` of one of the task definition's port mappings."""
    discovery_name: str | None = None
    """The Cloud Map service name for this endpoint; default the port name."""
    client_aliases: tuple[ServiceConnectClientAlias, ...] = ()
    """Names and ports clients use; none means the service is only discoverable, not a server alias."""


class ServiceConnectConfiguration(_Model):
    """``serviceConnectConfiguration``: the service's tasks run the Service Connect proxy."""

    enabled: bool
    """Whether Service Connect is on for the service."""
    namespace: str | None = None
    """The Cloud Map namespace (name or ARN); default the cluster's default namespace."""
    services: tuple[ServiceConnectService, ...] = ()
    """Endpoints this service offers; none for a client-only service."""


class DeploymentController(_Model):
    """Who deploys the service: ECS itself, CodeDeploy (``lab.sim.codedeploy``), or an external tool."""

    type: Literal["ECS", "CODE_DEPLOY", "EXTERNAL"] = "ECS"  # API default (DeploymentController)


class Service(_Model):
    """An ECS service as the simulator uses it (the modelled part of CreateService)."""

    service_name: str
    """Unique within the cluster."""
    task_definition: str
    """``family``, ``family:revision`` or a task-definition ARN."""
    desired_count: int | None = None
    """Tasks to keep running; required for REPLICA, refused for DAEMON."""
    launch_type: Literal["EC2", "FARGATE"] | None = None
    """As written; None means the cluster's default capacity (``EC2`` in the lab)."""
    scheduling_strategy: Literal["REPLICA", "DAEMON"] = "REPLICA"  # API default (§4.1)
    """``REPLICA`` keeps ``desired_count`` tasks; ``DAEMON`` one per instance (§4.1)."""
    deployment_configuration: DeploymentConfiguration = DeploymentConfiguration()
    """Rolling-update bounds and circuit breaker."""
    deployment_controller: DeploymentController = DeploymentController()
    """``CODE_DEPLOY``: deployments are CodeDeploy's (an AppSpec), never UpdateService's (§4.10)."""
    load_balancers: tuple[LoadBalancer, ...] = ()
    """Target groups the service registers its tasks in."""
    placement_constraints: tuple[ServicePlacementConstraint, ...] = ()
    """Constraints on where tasks may run (EC2 only)."""
    placement_strategy: tuple[PlacementStrategy, ...] = ()
    """How tasks are spread or packed (EC2 REPLICA only)."""
    health_check_grace_period_seconds: int | None = None
    """Seconds after a task starts during which failed health checks are ignored (§4.3)."""
    network_configuration: NetworkConfiguration | None = None
    """The awsvpc configuration, for awsvpc task definitions."""
    capacity_provider_strategy: tuple[CapacityProviderStrategyItem, ...] = ()
    """Capacity providers, instead of a launch type."""
    service_registries: tuple[ServiceRegistry, ...] = ()
    """Cloud Map services its tasks are registered in (at most one)."""
    service_connect_configuration: ServiceConnectConfiguration | None = None
    """Service Connect, when configured."""
    force_new_deployment: bool = False
    """UpdateService's ``forceNewDeployment``: start a deployment without changes (a file's
    ``forceNewDeployment: true`` acts when the changed file is applied to a running service)."""

    @property
    def is_daemon(self) -> bool:
        """Whether the service runs one task per instance."""
        return self.scheduling_strategy == "DAEMON"

    @property
    def uses_fargate(self) -> bool:
        """Whether tasks run on Fargate: the launch type, or a strategy of Fargate providers only."""
        if self.launch_type is not None:
            return self.launch_type == "FARGATE"
        providers = {item.capacity_provider for item in self.capacity_provider_strategy}
        return bool(providers) and providers <= set(FARGATE_PROVIDERS)


@dataclass(frozen=True)
class ParsedService:
    """A service that passed every check, plus the notes about it."""

    service: Service
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` and other notes, positioned at the keys they concern."""
    refusals: list[Diagnostic] = field(default_factory=list)
    """CreateService refusals, when the caller asked to collect them instead of raising."""


# --------------------------------------------------------------------------------------------
# CreateService rules (the request alone)


def create_service_errors(service: Service) -> list[ClientException]:
    """Return every refusal CreateService would give ``service`` on its own, worded as ECS words it.

    Each exception's ``path`` names the offending field (camelCase, relative to the service).
    Checks that need the task definition or the target groups are in ``service_errors``.
    """
    errors: list[ClientException] = []

    def refuse(message: str, *path: str | int) -> None:
        errors.append(InvalidParameterException(message, tuple(path)))

    dc = service.deployment_configuration
    where_fargate = "launchType" if service.launch_type else "capacityProviderStrategy"

    if not NAME_RE.fullmatch(service.service_name):
        # The rule is documented (API: CreateServiceRequest.serviceName); the wording is the lab's.
        refuse(
            "Service name must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.",
            "serviceName",
        )  # wording UNCONFIRMED

    if service.is_daemon:
        if service.desired_count is not None:
            # observed: kayac/ecspresso#20, Shippable/support#4567, eagletmt/hako#65
            refuse(
                "The daemon scheduling strategy does not support a desired count for services. "
                "Remove the desired count value and try again",
                "desiredCount",
            )
        if service.placement_strategy:
            # observed: kayac/ecspresso#402
            refuse(
                "The daemon scheduling strategy does not support placement strategies. "
                "Remove the placement strategy and try again",
                "placementStrategy",
            )
        if service.uses_fargate:
            # Same family as the two texts above; this one is only quoted by an ECS emulator.
            refuse(
                "The daemon scheduling strategy does not support the FARGATE launch type. "
                "Change the launch type and try again",
                where_fargate,
            )  # wording UNCONFIRMED
        controller = service.deployment_controller.type
        if controller != "ECS":
            # Documented (API: CreateServiceRequest.schedulingStrategy: CODE_DEPLOY and EXTERNAL
            # need REPLICA); the text follows the observed family above.
            refuse(
                f"The daemon scheduling strategy does not support the {controller} deployment controller. "
                "Change the deployment controller and try again",
                "deploymentController",
                "type",
            )  # wording UNCONFIRMED
        if dc.maximum_percent is not None and dc.maximum_percent > DAEMON_MAX_PERCENT:
            # observed: hashicorp/terraform-provider-aws#4825
            refuse(
                "The daemon scheduling strategy does not support values above 100 for maximumPercent on a "
                "deployment configuration. Change the maximumPercent value to 100, and try again",
                "deploymentConfiguration",
                "maximumPercent",
            )
    elif service.desired_count is None:
        # Quoted in third-party code that drives CreateService; no captured AWS output found.
        where = ("schedulingStrategy",) if "scheduling_strategy" in service.model_fields_set else ()
        refuse("DesiredCount is missing", *where)  # wording UNCONFIRMED
    if service.desired_count is not None and service.desired_count < 0:
        refuse("DesiredCount can not be lesser than 0", "desiredCount")  # wording UNCONFIRMED
    elif service.desired_count is not None and service.desired_count > MAX_TASKS_PER_SERVICE:
        refuse(DESIRED_COUNT_EXCEEDS_LIMIT, "desiredCount")  # §11.1

    controller = service.deployment_controller.type
    if controller != "ECS" and service.launch_type == "EC2":
        # Documented (API: DeploymentConfiguration): with CODE_DEPLOY or EXTERNAL, EC2 tasks
        # keep the default bounds, and a custom value cannot be given.
        for key, value in (("minimumHealthyPercent", dc.minimum_healthy_percent), ("maximumPercent", dc.maximum_percent)):
            if value is not None:
                refuse(
                    f"A custom {key} cannot be specified for a service with the {controller} deployment controller "
                    "whose tasks use the EC2 launch type.",
                    "deploymentConfiguration",
                    key,
                )  # wording UNCONFIRMED
    low = dc.minimum_healthy_percent
    if low is not None and not 0 <= low <= 100:
        refuse(
            f"minimumHealthyPercent must be between 0 and 100, got {low}.",
            "deploymentConfiguration",
            "minimumHealthyPercent",
        )  # wording UNCONFIRMED
    high = dc.maximum_percent
    if high is not None and high < 100:
        # With minimumHealthyPercent at most 100 this also covers "maximum below minimum".
        refuse(
            f"maximumPercent must be at least 100, got {high}.",
            "deploymentConfiguration",
            "maximumPercent",
        )  # wording UNCONFIRMED

    if len(service.load_balancers) > MAX_LOAD_BALANCERS:
        # observed: hashicorp/terraform#25306
        refuse(f"load balancers can have at most {MAX_LOAD_BALANCERS} items.", "loadBalancers")
    if service.uses_fargate:
        errors += fargate_placement_errors(bool(service.placement_constraints), bool(service.placement_strategy))
    errors += placement_strategy_errors([(item.type, item.field) for item in service.placement_strategy])
    errors += placement_constraint_errors([(item.type, item.expression) for item in service.placement_constraints])

    _strategy_errors(service, refuse)

    grace = service.health_check_grace_period_seconds
    if grace is not None and not 0 <= grace <= MAX_GRACE_PERIOD_S:
        refuse(
            f"healthCheckGracePeriodSeconds must be between 0 and {MAX_GRACE_PERIOD_S}.",
            "healthCheckGracePeriodSeconds",
        )  # wording UNCONFIRMED

    strategy = service.capacity_provider_strategy
    if strategy and service.launch_type is not None:
        refuse(STRATEGY_AND_LAUNCH_TYPE, "capacityProviderStrategy")
    errors += capacity_provider_strategy_errors(strategy)

    if len(service.service_registries) > 1:
        # Documented (API: ServiceRegistry): one service registry per service.
        refuse(
            "Multiple service registries for each service are not supported.", "serviceRegistries"
        )  # wording UNCONFIRMED
    for i, registry in enumerate(service.service_registries):
        if registry.registry_arn is None:
            refuse("registryArn is required for a service registry.", "serviceRegistries", i)  # wording UNCONFIRMED
        if registry.port is not None and (registry.container_name is not None or registry.container_port is not None):
            # Documented (API: ServiceRegistry): a port value or a containerName/containerPort pair, not both.
            refuse(
                "A service registry can specify either a port or a containerName and containerPort, not both.",
                "serviceRegistries",
                i,
                "port",
            )  # wording UNCONFIRMED
    connect = service.service_connect_configuration
    if connect is not None and connect.enabled and not connect.namespace:
        # The API falls back to the cluster's default namespace; the lab's clusters have none.
        refuse(
            "The cluster has no default Service Connect namespace; specify a namespace.",
            "serviceConnectConfiguration",
        )  # wording UNCONFIRMED

    net = service.network_configuration
    if net is not None:
        vpc = net.awsvpc_configuration
        errors += awsvpc_configuration_errors(vpc.subnets, vpc.security_groups, vpc.assign_public_ip, service.launch_type)
    return errors


def capacity_provider_strategy_errors(strategy: Sequence[CapacityProviderStrategyItem], *, places: bool = True) -> list[ClientException]:
    """Return what ECS refuses about a capacity provider strategy, whether a service names it or
    uses the cluster's default (§4.7, §7.2): Fargate mixed with Auto Scaling group providers, more
    than 20 providers, several providers all at weight 0, more than one base.

    Args:
        places: the call places tasks with it (CreateService, RunTask). False for the cluster's
            default as PutClusterCapacityProviders stores it: the all-at-weight-0 rule fails only
            "any RunTask or CreateService actions using" the strategy (API: CapacityProviderStrategyItem.weight).

    Each exception's ``path`` is under ``capacityProviderStrategy``.
    """
    errors: list[ClientException] = []

    def refuse(message: str, *path: str | int) -> None:
        errors.append(InvalidParameterException(message, ("capacityProviderStrategy", *path)))

    if mixes_fargate_and_groups(item.capacity_provider for item in strategy):
        refuse(STRATEGY_MIXED)  # §7.2
    if len(strategy) > MAX_STRATEGY_PROVIDERS:
        # Documented (API: CreateServiceRequest.capacityProviderStrategy); same form as the
        # observed load-balancer limit.
        refuse(f"capacity provider strategy can have at most {MAX_STRATEGY_PROVIDERS} items.")  # wording UNCONFIRMED
    if places and len(strategy) > 1 and not any(item.weight > 0 for item in strategy):
        # Documented (API: CapacityProviderStrategyItem.weight): with several providers, at
        # least one needs a weight above zero, or CreateService fails.
        refuse("At least one capacity provider in a capacity provider strategy must have a weight greater than zero.")  # wording UNCONFIRMED
    with_base = [i for i, item in enumerate(strategy) if item.base > 0]
    if len(with_base) > 1:
        # The rule is documented (§4.7: only one provider in a strategy can have a base).
        refuse(
            "Only one capacity provider in a capacity provider strategy can have a base defined.",
            with_base[1],
            "base",
        )  # wording UNCONFIRMED
    return errors


TRAFFIC_SHIFT_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")
"""Deployment strategies that run the new revision beside the old one and move traffic (§4.9)."""
MAX_BAKE_TIME_MINUTES = 1440
"""Longest bake time of a blue/green, linear or canary deployment: 24 hours (§4.9)."""


def _tenths(percent: float) -> bool:
    """Whether a percentage is a multiple of 0.1 (as written: 0.7 is, though 0.7 × 10 is not 7 in floats)."""
    return abs(percent * 10 - round(percent * 10)) < 1e-6


def _strategy_errors(service: Service, refuse: Callable[..., None]) -> None:
    """Refuse blue/green, linear and canary settings that do not fit together (§4.9).

    The rules are documented (API: DeploymentConfiguration, LinearConfiguration,
    CanaryConfiguration, AdvancedConfiguration); the texts are the lab's (wording UNCONFIRMED).
    """
    dc = service.deployment_configuration
    at = "deploymentConfiguration"
    strategy = dc.strategy
    if dc.linear_configuration is not None and strategy != "LINEAR":
        refuse(
            f"linearConfiguration is only valid with the LINEAR deployment strategy, not {strategy}.",
            at, "linearConfiguration",
        )  # wording UNCONFIRMED
    if dc.canary_configuration is not None and strategy != "CANARY":
        refuse(
            f"canaryConfiguration is only valid with the CANARY deployment strategy, not {strategy}.",
            at, "canaryConfiguration",
        )  # wording UNCONFIRMED
    bake = dc.bake_time_in_minutes
    if bake is not None and not 0 <= bake <= MAX_BAKE_TIME_MINUTES:
        refuse(f"bakeTimeInMinutes must be between 0 and {MAX_BAKE_TIME_MINUTES}.", at, "bakeTimeInMinutes")  # wording UNCONFIRMED
    linear = dc.linear_configuration
    if linear is not None:
        if not 3.0 <= linear.step_percent <= 100.0 or not _tenths(linear.step_percent):
            refuse(
                "stepPercent must be a multiple of 0.1 between 3.0 and 100.0.", at, "linearConfiguration", "stepPercent"
            )  # wording UNCONFIRMED
        if not 0 <= linear.step_bake_time_in_minutes <= MAX_BAKE_TIME_MINUTES:
            refuse(
                f"stepBakeTimeInMinutes must be between 0 and {MAX_BAKE_TIME_MINUTES}.",
                at, "linearConfiguration", "stepBakeTimeInMinutes",
            )  # wording UNCONFIRMED
    canary = dc.canary_configuration
    if canary is not None:
        if not 0.1 <= canary.canary_percent <= 100.0 or not _tenths(canary.canary_percent):
            refuse(
                "canaryPercent must be a multiple of 0.1 between 0.1 and 100.0.", at, "canaryConfiguration", "canaryPercent"
            )  # wording UNCONFIRMED
        if not 0 <= canary.canary_bake_time_in_minutes <= MAX_BAKE_TIME_MINUTES:
            refuse(
                f"canaryBakeTimeInMinutes must be between 0 and {MAX_BAKE_TIME_MINUTES}.",
                at, "canaryConfiguration", "canaryBakeTimeInMinutes",
            )  # wording UNCONFIRMED
    for i, hook in enumerate(dc.lifecycle_hooks):
        here = (at, "lifecycleHooks", i)
        if not hook.lifecycle_stages:
            # API: DeploymentLifecycleHook.lifecycleStages ("You must provide this parameter")
            refuse("lifecycleStages is required for a deployment lifecycle hook.", *here)  # wording UNCONFIRMED
        if hook.target_type != "PAUSE" and not hook.hook_target_arn:
            # API: DeploymentLifecycleHook.hookTargetArn (required for an AWS_LAMBDA hook)
            refuse("hookTargetArn is required for an AWS_LAMBDA lifecycle hook.", *here)  # wording UNCONFIRMED
    if strategy not in TRAFFIC_SHIFT_STRATEGIES:
        return
    if strategy == "BLUE_GREEN" and bake is None:
        # API: DeploymentConfiguration.bakeTimeInMinutes ("You must provide this parameter when
        # you use the BLUE_GREEN deployment strategy").
        refuse("bakeTimeInMinutes is required for the BLUE_GREEN deployment strategy.", at, "strategy")  # wording UNCONFIRMED
    if service.is_daemon:
        refuse(
            f"The daemon scheduling strategy does not support the {strategy} deployment strategy.", at, "strategy"
        )  # wording UNCONFIRMED
    if not service.load_balancers:
        # Without a load balancer the lab has no traffic to move (ECS itself accepts a
        # "headless" service and skips the traffic shift; not simulated).
        refuse(
            f"The {strategy} deployment strategy needs a load balancer with an advancedConfiguration in the lab.",
            at, "strategy",
        )  # wording UNCONFIRMED
    for i, lb in enumerate(service.load_balancers):
        adv = lb.advanced_configuration
        if adv is None:
            refuse(
                f"The {strategy} deployment strategy requires an advancedConfiguration with an alternate target "
                "group, a production listener rule and a role for each load balancer.",
                "loadBalancers", i,
            )  # wording UNCONFIRMED
            continue
        for field_name, value in (
            ("alternateTargetGroupArn", adv.alternate_target_group_arn),
            ("productionListenerRule", adv.production_listener_rule),
            ("roleArn", adv.role_arn),
        ):
            if not value:
                refuse(
                    f"advancedConfiguration.{field_name} is required for the {strategy} deployment strategy.",
                    "loadBalancers", i, "advancedConfiguration",
                )  # wording UNCONFIRMED
        if adv.alternate_target_group_arn and adv.alternate_target_group_arn == lb.target_group_arn:
            refuse(
                "The alternate target group must be different from the primary target group.",
                "loadBalancers", i, "advancedConfiguration", "alternateTargetGroupArn",
            )  # wording UNCONFIRMED
        if adv.test_listener_rule and adv.test_listener_rule == adv.production_listener_rule:
            refuse(
                "The test listener rule must be different from the production listener rule.",
                "loadBalancers", i, "advancedConfiguration", "testListenerRule",
            )  # wording UNCONFIRMED


def listener_rule_errors(service: Service, load_balancers: Mapping[str, Any], target_groups: Mapping[str, TargetGroup]) -> list[ClientException]:
    """Refuse listener rules of a blue/green, linear or canary service that ECS cannot shift (§4.9).

    Only a rule (or listener) of a load balancer in ``load_balancers`` (``load-balancer`` files,
    by name) is checked: it must exist, and its action must forward to both the primary and the
    alternate target group, so that ECS can move weight from one to the other. A rule of
    another load balancer than the target groups' fails that test too (a target group belongs
    to one load balancer). A reference to a load balancer the world has no file for is not
    joined and not checked. Texts are the lab's (wording UNCONFIRMED).
    """
    errors: list[ClientException] = []
    if service.deployment_configuration.strategy not in TRAFFIC_SHIFT_STRATEGIES or not service.load_balancers:
        return errors
    from lab.config.load_balancer import find_listener_rule, rule_load_balancer
    from lab.config.target_group import find_target_group
    for i, lb in enumerate(service.load_balancers):
        adv = lb.advanced_configuration
        if adv is None:
            continue
        primary = find_target_group(lb.target_group_arn, target_groups)
        alternate = find_target_group(adv.alternate_target_group_arn, target_groups)
        for key, ref in (("productionListenerRule", adv.production_listener_rule), ("testListenerRule", adv.test_listener_rule)):
            at = ("loadBalancers", i, "advancedConfiguration", key)
            name = rule_load_balancer(ref)
            if not ref or name not in load_balancers:
                continue
            found = find_listener_rule(ref, load_balancers)
            if found is None:
                errors.append(InvalidParameterException(f"The listener rule {ref} does not exist on load balancer {name}.", at))
                continue
            model, listener, rule = found
            action = rule.action if rule is not None else listener.default_action
            named = {tg.name for ref2, _w in action.target_groups if (tg := find_target_group(ref2, target_groups)) is not None}
            missing = [tg.name for tg in (primary, alternate) if tg is not None and tg.name not in named]
            if action.type != "forward" or missing:
                what = f"rule with priority {rule.priority}" if rule is not None else "default action"
                errors.append(InvalidParameterException(
                    f"The {what} of listener {model.name}:{listener.port} ({key}) must forward to both the primary target group "
                    f"and the alternate target group; it does not forward to {', '.join(missing) or 'any target group'}.",
                    at,
                ))
    return errors


# --------------------------------------------------------------------------------------------
# CreateService rules that need the other files


def service_errors(
    service: Service,
    task_definition: TaskDefinition,
    target_groups: Mapping[str, TargetGroup],
    *,
    region: str | None = None,
    account: str | None = None,
    associated: Collection[str] | None = None,
) -> list[ClientException]:
    """Return the refusals CreateService gives once it looks at the task definition and target groups.

    Args:
        service: the parsed service.
        task_definition: the revision the service runs.
        target_groups: the target groups that exist, by name (or ARN); a load balancer may name
            one by ARN or by name.
        region: region of the ARNs quoted in messages (default: the lab's, DEFAULT_REGION of lab.config.target_group).
        account: account of the ARNs quoted in messages (default: DEFAULT_ACCOUNT).
        associated: names of the target groups a load balancer forwards to (None: not checked).

    Returns:
        ``InvalidParameterException``s whose ``path`` is relative to the service.
    """
    errors: list[ClientException] = []

    def refuse(message: str, *path: str | int) -> None:
        errors.append(InvalidParameterException(message, tuple(path)))

    td = task_definition
    mode = td.effective_network_mode
    if service.uses_fargate and "FARGATE" not in td.requires_compatibilities:
        # observed: buildkite-plugins/ecs-deploy-buildkite-plugin#34, sil-org/ecs-deploy#129. EC2
        # needs nothing: a FARGATE-only definition still registers with compatibilities
        # ["EC2", "FARGATE"] (observed: fabfuel/ecs-deploy#50).
        refuse(
            "Task definition does not support launch_type FARGATE.",
            "launchType" if service.launch_type else "capacityProviderStrategy",
        )
    errors += network_mode_errors(mode, service.network_configuration is not None)

    for i, lb in enumerate(service.load_balancers):
        from lab.config.target_group import DEFAULT_ACCOUNT, DEFAULT_REGION, find_target_group, target_group_arn

        at = ("loadBalancers", i)
        group = find_target_group(lb.target_group_arn, target_groups)
        if group is None:
            # What ECS answers when it cannot describe the target group (observed for a name
            # given instead of an ARN: Shippable/support#4698; TeliaSoneraNorge/divx-terraform-modules#28).
            refuse(
                "Unable to assume role and validate the specified targetGroupArn. "
                "Please verify that the ECS service role being passed has the proper permissions.",
                *at,
                "targetGroupArn",
            )
            continue
        try:
            container = td.container(lb.container_name)
        except KeyError:
            # observed: several repos quote "The container <name> does not exist in the task definition."
            refuse(f"The container {lb.container_name} does not exist in the task definition.", *at, "containerName")
            continue
        if lb.container_port not in {m.container_port for m in container.port_mappings}:
            # observed: several repos quote "The container <name> did not have a container port <port> defined."
            refuse(
                f"The container {lb.container_name} did not have a container port {lb.container_port} defined.",
                *at,
                "containerPort",
            )
        arn = lb.target_group_arn if (lb.target_group_arn or "").startswith("arn:") else None
        arn = arn or target_group_arn(group.name, region or DEFAULT_REGION, account or DEFAULT_ACCOUNT)
        compatible = "ip" if mode == "awsvpc" else "instance"
        adv = lb.advanced_configuration
        alternate_ref = adv.alternate_target_group_arn if adv is not None else None
        if alternate_ref and find_target_group(alternate_ref, target_groups) is None:
            # The same answer as for an unknown primary target group (the lab's reading, UNCONFIRMED).
            refuse(
                "Unable to assume role and validate the specified targetGroupArn. "
                "Please verify that the ECS service role being passed has the proper permissions.",
                *at,
                "advancedConfiguration",
                "alternateTargetGroupArn",
            )
        if associated is not None and group.name not in associated:
            # observed: umotif-public/terraform-aws-ecs-fargate#43, cloudposse/terraform-aws-ecs-web-app#226 (§6.4)
            refuse(f"The target group with targetGroupArn {arn} does not have an associated load balancer.", *at, "targetGroupArn")
        if group.target_type != compatible:
            # observed for instance/awsvpc (several Terraform and CloudFormation outputs) and for
            # ip/bridge (a Terraform comment quoting it); host and alb follow the same form (UNCONFIRMED).
            refuse(
                f"The provided target group {arn} has target type {group.target_type}, which is incompatible "
                f"with the {mode} network mode specified in the task definition.",
                *at,
                "targetGroupArn",
            )

    _discovery_errors(service, td, mode, refuse)

    own = len(service.placement_constraints)
    if own <= MAX_PLACEMENT_CONSTRAINTS:
        # The limit counts the task definition's constraints too (API: CreateServiceRequest);
        # past it on its own, the request was refused without the task definition.
        errors += constraint_limit_errors(own + len(td.placement_constraints))
    return errors


def _discovery_errors(service: Service, td: TaskDefinition, mode: str, refuse: Callable[..., None]) -> None:
    """Refuse service registries and Service Connect endpoints the task definition cannot back
    (§14.1 and §14.2)."""
    for i, registry in enumerate(service.service_registries):
        at = ("serviceRegistries", i)
        if registry.container_name is None and registry.container_port is None:
            if mode in ("bridge", "host"):
                # Documented (API: ServiceRegistry): bridge and host need containerName and containerPort.
                refuse(
                    f"The {mode} network mode requires a containerName and containerPort for the service registry.",
                    *at,
                )  # wording UNCONFIRMED
            continue
        try:
            container = td.container(registry.container_name or "")
        except KeyError:
            refuse(f"The container {registry.container_name} does not exist in the task definition.", *at, "containerName")
            continue
        if registry.container_port not in {m.container_port for m in container.port_mappings}:
            refuse(
                f"The container {registry.container_name} did not have a container port {registry.container_port} defined.",
                *at,
                "containerPort",
            )
    connect = service.service_connect_configuration
    if connect is None or not connect.enabled:
        return
    if mode not in ("awsvpc", "bridge"):
        # Documented: Service Connect supports the awsvpc and bridge network modes only.
        refuse(
            f"Service Connect does not support the {mode} network mode; use awsvpc or bridge.",
            "serviceConnectConfiguration",
        )  # wording UNCONFIRMED
    names = {m.name for c in td.container_definitions for m in c.port_mappings if m.name}
    for i, endpoint in enumerate(connect.services):
        if endpoint.port_name not in names:
            # Documented: portName must match the name of a port mapping in the task definition.
            refuse(
                f"The port name {endpoint.port_name} does not match any port mapping name in the task definition.",
                "serviceConnectConfiguration",
                "services",
                i,
                "portName",
            )  # wording UNCONFIRMED


# --------------------------------------------------------------------------------------------
# Loading


def _lab_requirements(doc: Document, root: Path_, data: dict[str, Any]) -> list[Diagnostic]:
    """What the lab needs before it can build a model (the API itself leaves these optional)."""
    out: list[Diagnostic] = []

    def fail(rel: Path_, message: str, *, key: bool = False) -> None:
        out.append(positioned(doc, (*root, *rel), message, key=key))

    if "taskDefinition" not in data:
        fail((), "missing required key 'taskDefinition' at the top level; the lab needs a task definition to run")
    launch_type = data.get("launchType")
    if launch_type is not None and launch_type not in _SIMULATED_LAUNCH_TYPES:
        fail(("launchType",), f"launchType '{launch_type}' is not simulated by the lab; use EC2 or FARGATE")
    for i, lb in enumerate(data.get("loadBalancers", ())):
        here = ("loadBalancers", i)
        if "loadBalancerName" in lb:
            fail(
                (*here, "loadBalancerName"),
                "Classic Load Balancers are not simulated by the lab; register the service in a target "
                "group with 'targetGroupArn'",
                key=True,
            )
        elif "targetGroupArn" not in lb:
            fail(here, f"missing required key 'targetGroupArn' {where_phrase(here)}")
        for name in ("containerName", "containerPort"):
            if name not in lb:
                fail(here, f"missing required key '{name}' {where_phrase(here)}")
    dc = data.get("deploymentConfiguration")
    hooks = dc.get("lifecycleHooks") if isinstance(dc, dict) else None
    for i, hook in enumerate(hooks if isinstance(hooks, list) else ()):
        if isinstance(hook, dict) and hook.get("targetType") == "PAUSE":
            fail(("deploymentConfiguration", "lifecycleHooks", i, "targetType"), "PAUSE lifecycle hooks are not simulated by the lab; use an AWS_LAMBDA hook")
    net = data.get("networkConfiguration")
    if isinstance(net, dict) and "awsvpcConfiguration" not in net:
        fail(("networkConfiguration",), "missing required key 'awsvpcConfiguration' in networkConfiguration")
    return out


def _service_notes(doc: Document, root: Path_, service: Service) -> list[Diagnostic]:
    """Notes about settings that are valid but may not do what the learner expects."""
    notes: list[Diagnostic] = []
    dc = service.deployment_configuration
    if dc.alarms is not None and dc.strategy == "ROLLING":
        # Deployment alarms are simulated for the traffic-shifting strategies only (§4.9).
        notes.append(
            positioned(
                doc, (*root, "deploymentConfiguration", "alarms"),
                "'alarms' is accepted but not simulated for ROLLING deployments (only BLUE_GREEN, LINEAR and CANARY)",
                key=True, severity="note",
            )
        )
    for i, hook in enumerate(dc.lifecycle_hooks):
        here = (*root, "deploymentConfiguration", "lifecycleHooks", i)
        if dc.strategy == "ROLLING":
            notes.append(positioned(doc, here, "lifecycle hooks are simulated for BLUE_GREEN, LINEAR and CANARY deployments only", severity="note"))
        if hook.timeout_configuration is not None:
            notes.append(positioned(doc, (*here, "timeoutConfiguration"), "'timeoutConfiguration' is accepted but not simulated", key=True, severity="note"))
        for j, stage in enumerate(hook.lifecycle_stages):
            if stage in ("RECONCILE_SERVICE", "PRE_PRODUCTION_TRAFFIC_SHIFT"):
                notes.append(positioned(doc, (*here, "lifecycleStages", j), f"the lab never invokes hooks at {stage} (not simulated)", severity="note"))
    if service.health_check_grace_period_seconds is not None and not service.load_balancers:
        # Current behaviour (API: CreateServiceRequest.healthCheckGracePeriodSeconds): the grace
        # period also covers container health checks, so ECS accepts it without load balancers.
        message = (
            "'healthCheckGracePeriodSeconds' without load balancers only delays container health checks "
            f"(older ECS refused it: \"{LEGACY_GRACE_PERIOD_MESSAGE}\")"
        )
        notes.append(
            positioned(doc, (*root, "healthCheckGracePeriodSeconds"), message, key=True, severity="note")
        )
    return notes


def parse_service(doc: Document, path: Path_ = (), *, collect_refusals: bool = False) -> ParsedService:
    """Load a CreateService input from ``doc`` as ECS would create the service.

    Args:
        doc: the loaded YAML/JSON document.
        path: where the service sits in ``doc`` (the whole document by default).
        collect_refusals: return CreateService refusals in ``.refusals`` instead of raising.

    Returns:
        The model plus "not simulated" and other notes.

    Raises:
        SourceErrors: every shape error, every lab requirement, or every CreateService refusal
            (``InvalidParameterException: ...``), each positioned in the file.
    """
    data = doc.get(path) if path else doc.data
    force = False
    if isinstance(data, dict) and "forceNewDeployment" in data:
        # UpdateService's parameter (not CreateService's): the file stands for both calls, and a
        # changed file is applied as UpdateService, so a learner can force a new deployment.
        force = data["forceNewDeployment"]
        if not isinstance(force, bool):
            raise SourceErrors([positioned(doc, (*path, "forceNewDeployment"), "forceNewDeployment must be true or false")])
        data = {key: value for key, value in data.items() if key != "forceNewDeployment"}
    errors, notes = check_shape(doc, path, data, _ROOT_SHAPE, modelled=SERVICE_MODELLED)
    if errors:
        raise SourceErrors(errors)
    modelled_data = strip_unmodelled(data, SERVICE_MODELLED)
    missing = _lab_requirements(doc, path, modelled_data)
    if missing:
        raise SourceErrors(sorted(missing, key=lambda d: (d.line, d.col)))
    try:
        service = Service.model_validate(modelled_data)
    except ValidationError as exc:
        raise SourceErrors(validation_diagnostics(doc, path, exc)) from None
    if force:
        service = service.model_copy(update={"force_new_deployment": True})
    refusals = create_service_errors(service)
    if refusals and not collect_refusals:
        raise SourceErrors(client_exception_diagnostics(doc, path, refusals))
    all_notes = notes + _service_notes(doc, path, service)
    positioned_refusals = client_exception_diagnostics(doc, path, refusals) if refusals else []
    return ParsedService(service, sorted(all_notes, key=lambda d: (d.line, d.col)), positioned_refusals)


# -- editor schema (lab schema) ------------------------------------------------------------


def service_json_schema() -> dict[str, Any]:
    """The JSON Schema of a service file: CreateService input as ``parse_service`` reads it."""
    from lab.config.json_schema import shape_schema

    schema = shape_schema(_ROOT_SHAPE, SERVICE_MODELLED, Service)
    # The lab needs a task definition to run (lab.config.service: a missing one is an error).
    schema["required"] = sorted({*schema.get("required", ()), "taskDefinition"})
    # UpdateService's parameter, accepted in the file (parse_service).
    schema.setdefault("properties", {})["forceNewDeployment"] = {
        "type": "boolean",
        "description": "UpdateService: start a new deployment with the same task definition when the file is applied to a running service.",
    }
    return schema
