"""Provides the CodeDeploy files learners edit for an ECS service: the AppSpec and the deployment group.

- ``appspec``: the AppSpec file of an Amazon ECS deployment, YAML as the CodeDeploy User Guide
  writes it (``version: 0.0``, ``Resources`` with one ``AWS::ECS::Service`` target,
  ``Hooks`` naming Lambda functions per lifecycle event).
- ``deployment-group``: the CloudFormation properties of ``AWS::CodeDeploy::DeploymentGroup``
  for the ECS compute platform (the shape exam material and templates show; the CLI's
  create-deployment-group JSON has the same members in camelCase).

Unknown keys are errors with a did-you-mean; what CodeDeploy refuses is a positioned error
worded as CodeDeploy's exception (docs/ecs-facts.md §4.10; wording UNCONFIRMED where not cited).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from lab.config.shapes import not_simulated_notes, positioned, validate_mapping
from lab.errors import ClientException, Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "APPSPEC_HOOKS",
    "ECS_DEPLOYMENT_CONFIGS",
    "MAX_TERMINATION_WAIT_MIN",
    "AppSpec",
    "DeploymentGroup",
    "ParsedAppSpec",
    "ParsedDeploymentGroup",
    "TrafficRouting",
    "appspec_errors",
    "appspec_json_schema",
    "deployment_group_errors",
    "deployment_group_json_schema",
    "parse_appspec",
    "parse_deployment_group",
]

APPSPEC_HOOKS = ("BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic")
"""The lifecycle events of an ECS deployment that can run a Lambda hook, in run order (§4.10)."""

MAX_TERMINATION_WAIT_MIN = 2880
"""Longest wait before the original (blue) task set is deleted: 2 days (§4.10)."""
MAX_READY_WAIT_MIN = 4320
"""Longest ``DeploymentReadyOption.WaitTimeInMinutes`` (§4.10, UNCONFIRMED: the console allows 3 days)."""


@dataclass(frozen=True)
class TrafficRouting:
    """How a deployment configuration shifts production traffic (TrafficRoutingConfig)."""

    type: Literal["AllAtOnce", "TimeBasedCanary", "TimeBasedLinear"]
    percentage: int = 100
    """Canary: the first share; linear: each step's share."""
    interval_min: int = 0
    """Canary: minutes before the rest; linear: minutes between steps."""

    def steps(self) -> list[tuple[float, float]]:
        """The production shift as (percent on green, minutes to wait after it) steps."""
        if self.type == "AllAtOnce" or self.percentage >= 100:
            return [(100.0, 0.0)]
        if self.type == "TimeBasedCanary":
            return [(float(self.percentage), float(self.interval_min)), (100.0, 0.0)]
        steps, share = [], 0
        while share < 100:
            share = min(100, share + self.percentage)
            steps.append((float(share), float(self.interval_min) if share < 100 else 0.0))
        return steps


ECS_DEPLOYMENT_CONFIGS: dict[str, TrafficRouting] = {
    "CodeDeployDefault.ECSAllAtOnce": TrafficRouting("AllAtOnce"),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": TrafficRouting("TimeBasedLinear", 10, 1),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": TrafficRouting("TimeBasedLinear", 10, 3),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": TrafficRouting("TimeBasedCanary", 10, 5),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": TrafficRouting("TimeBasedCanary", 10, 15),
}
"""The predefined deployment configurations for the ECS compute platform (§4.10)."""
DEFAULT_ECS_DEPLOYMENT_CONFIG = "CodeDeployDefault.ECSAllAtOnce"
"""What a deployment group that names no configuration uses (§4.10)."""


# -- the AppSpec ---------------------------------------------------------------------------------


class _Pascal(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid", alias_generator=to_pascal, allow_inf_nan=False)


class LoadBalancerInfo(_Pascal):
    """The container and port the replacement task set registers in the target group."""

    container_name: str
    """A container of the task definition."""
    container_port: int = Field(ge=1, le=65535)
    """One of that container's ``containerPort`` values."""


class AwsVpcConfiguration(_Pascal):
    """The replacement task set's awsvpc network (not simulated: the service's is used)."""

    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: Literal["ENABLED", "DISABLED"] = "DISABLED"


class AppSpecNetworkConfiguration(_Pascal):
    """Network settings of the replacement task set (not simulated)."""

    awsvpc_configuration: AwsVpcConfiguration = Field(alias="AwsvpcConfiguration")


class _CapacityProviderItem(_Pascal):
    base: int = 0
    capacity_provider: str
    weight: int = 0


class TargetServiceProperties(_Pascal):
    """The ``Properties`` of the AppSpec's ``AWS::ECS::Service`` resource."""

    task_definition: str
    """The revision the replacement task set runs (an ARN, ``family:revision`` or a family)."""
    load_balancer_info: LoadBalancerInfo
    """Required: the container and port that receive traffic."""
    platform_version: str | None = None
    """Fargate platform version (not simulated)."""
    network_configuration: AppSpecNetworkConfiguration | None = None
    """Not simulated: the replacement task set uses the service's network configuration."""
    capacity_provider_strategy: tuple[_CapacityProviderItem, ...] = ()
    """Not simulated."""


class TargetService(_Pascal):
    """The one resource of an ECS AppSpec."""

    type: Literal["AWS::ECS::Service"]
    properties: TargetServiceProperties


HookName = Literal["BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic"]


class AppSpec(BaseModel):
    """An AppSpec file for an Amazon ECS deployment."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid", allow_inf_nan=False)

    version: float | str
    """Always ``0.0``."""
    resources: tuple[Annotated[dict[str, TargetService], Field(min_length=1, max_length=1)], ...] = Field(alias="Resources", min_length=1, max_length=1)
    """One ``{name: TargetService}`` entry (the User Guide names it ``TargetService``)."""
    hooks: tuple[Annotated[dict[HookName, str], Field(min_length=1, max_length=1)], ...] = Field(default=(), alias="Hooks")
    """``{lifecycle event: Lambda function name}`` entries, run once per deployment each."""

    @property
    def target(self) -> TargetServiceProperties:
        """The target service's properties."""
        return next(iter(self.resources[0].values())).properties

    @property
    def hook_functions(self) -> dict[str, str]:
        """Lifecycle event → Lambda function name."""
        out: dict[str, str] = {}
        for entry in self.hooks:
            for event, function in entry.items():
                out[str(event)] = function
        return out


@dataclass(frozen=True)
class ParsedAppSpec:
    """An AppSpec that passed validation, plus the notes about it."""

    appspec: AppSpec
    notes: list[Diagnostic] = field(default_factory=list)


def parse_appspec(doc: Document, path: Path_ = ()) -> ParsedAppSpec:
    """Load an ECS AppSpec from ``doc``.

    Raises:
        SourceErrors: every problem, positioned (what CodeDeploy refuses in the file itself).
    """
    data, spec = validate_mapping(doc, path, AppSpec, "AppSpec sections")
    errors = []
    if str(spec.version) not in ("0.0", "0"):
        # Documented: "version ... Currently the only allowed value is 0.0" (AppSpec 'version' section).
        errors.append(positioned(doc, (*path, "version"), "The AppSpec version must be 0.0."))  # wording UNCONFIRMED
    if len(spec.resources) != 1 or len(spec.resources[0]) != 1:
        errors.append(positioned(doc, (*path, "Resources"), "An Amazon ECS AppSpec file names exactly one target service."))  # wording UNCONFIRMED
    seen: dict[str, int] = {}
    for i, entry in enumerate(spec.hooks):
        if len(entry) != 1:
            errors.append(positioned(doc, (*path, "Hooks", i), "Each Hooks entry names one lifecycle event and one Lambda function."))  # wording UNCONFIRMED
        for name in entry:
            if name in seen:
                errors.append(positioned(doc, (*path, "Hooks", i, name), f"The lifecycle event {name} has more than one hook.", key=True))  # wording UNCONFIRMED
            seen[name] = i
    if errors:
        raise SourceErrors(errors)
    notes: list[Diagnostic] = []
    for r, entry in enumerate(data.get("Resources") or []):
        for name, resource in (entry or {}).items():
            if isinstance(resource, dict) and isinstance(resource.get("Properties"), dict):
                at = (*path, "Resources", r, name, "Properties")
                notes += not_simulated_notes(doc, at, resource["Properties"], ("PlatformVersion", "NetworkConfiguration", "CapacityProviderStrategy"))
    return ParsedAppSpec(spec, notes)


def appspec_errors(appspec: AppSpec, definition: Any) -> list[ClientException]:
    """What the deployment refuses about the AppSpec given the task definition it names.

    ``definition`` is the family's task definition in force (lab.config), or None when unknown.
    """
    if definition is None:
        return []
    info = appspec.target.load_balancer_info
    at = ("Resources", 0, next(iter(appspec.resources[0])), "Properties", "LoadBalancerInfo")
    try:
        container = definition.container(info.container_name)
    except KeyError:
        # ECS refuses the replacement task set as it refuses CreateService (observed texts, §6.1).
        return [ClientException(f"The container {info.container_name} does not exist in the task definition.", (*at, "ContainerName"))]
    if info.container_port not in {m.container_port for m in container.port_mappings}:
        return [ClientException(f"The container {info.container_name} did not have a container port {info.container_port} defined.", (*at, "ContainerPort"))]
    return []


def appspec_json_schema() -> dict[str, Any]:
    """The JSON Schema of an appspec file."""
    from lab.config.json_schema import model_schema

    return model_schema(AppSpec)


# -- the deployment group ----------------------------------------------------------------------


class _Named(_Pascal):
    name: str


class EcsServiceRef(_Pascal):
    """The service the group deploys."""

    cluster_name: str
    service_name: str


class TrafficRoute(_Pascal):
    """A listener (production or test) by ARN."""

    listener_arns: tuple[str, ...] = Field(min_length=1, max_length=1)


class TargetGroupPairInfo(_Pascal):
    """The blue and green target groups and the listeners that route to them."""

    target_groups: tuple[_Named, ...] = Field(min_length=2, max_length=2)
    prod_traffic_route: TrafficRoute
    test_traffic_route: TrafficRoute | None = None


class GroupLoadBalancerInfo(_Pascal):
    """``LoadBalancerInfo`` of an ECS deployment group: one target group pair."""

    target_group_pair_info_list: tuple[TargetGroupPairInfo, ...] = Field(min_length=1, max_length=1)


class DeploymentStyle(_Pascal):
    """ECS deployments are always blue/green with traffic control."""

    deployment_type: Literal["BLUE_GREEN", "IN_PLACE"] = "IN_PLACE"
    deployment_option: Literal["WITH_TRAFFIC_CONTROL", "WITHOUT_TRAFFIC_CONTROL"] = "WITHOUT_TRAFFIC_CONTROL"


class DeploymentReadyOption(_Pascal):
    """When production traffic may be rerouted after the replacement task set is ready."""

    action_on_timeout: Literal["CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT"] = "CONTINUE_DEPLOYMENT"
    wait_time_in_minutes: int = Field(default=0, ge=0)


class BlueTermination(_Pascal):
    """``TerminateBlueInstancesOnDeploymentSuccess``: what happens to the original task set."""

    action: Literal["TERMINATE", "KEEP_ALIVE"] = "TERMINATE"
    termination_wait_time_in_minutes: int = Field(default=0, ge=0)
    """Minutes the original task set keeps running after traffic moved (at most 2880)."""


class BlueGreenDeploymentConfiguration(_Pascal):
    """Ready and termination options of a blue/green deployment."""

    deployment_ready_option: DeploymentReadyOption = DeploymentReadyOption()
    terminate_blue_instances_on_deployment_success: BlueTermination = BlueTermination()


class AutoRollbackConfiguration(_Pascal):
    """Roll back automatically when a deployment fails or is stopped by an alarm."""

    enabled: bool = False
    events: tuple[Literal["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"], ...] = ()


class AlarmConfiguration(_Pascal):
    """CloudWatch alarms that stop a deployment when one is in ALARM."""

    enabled: bool = False
    ignore_poll_alarm_failure: bool = False
    alarms: tuple[_Named, ...] = Field(default=(), max_length=10)


class DeploymentGroup(_Pascal):
    """An ECS deployment group (the properties of AWS::CodeDeploy::DeploymentGroup)."""

    application_name: str
    deployment_group_name: str
    service_role_arn: str
    deployment_config_name: str = DEFAULT_ECS_DEPLOYMENT_CONFIG
    deployment_style: DeploymentStyle = DeploymentStyle()
    ecs_services: tuple[EcsServiceRef, ...] = Field(alias="ECSServices", min_length=1, max_length=1)
    load_balancer_info: GroupLoadBalancerInfo
    blue_green_deployment_configuration: BlueGreenDeploymentConfiguration = BlueGreenDeploymentConfiguration()
    auto_rollback_configuration: AutoRollbackConfiguration = AutoRollbackConfiguration()
    alarm_configuration: AlarmConfiguration = AlarmConfiguration()
    tags: tuple[dict[str, str], ...] = ()

    @property
    def service_name(self) -> str:
        """The ECS service the group deploys."""
        return self.ecs_services[0].service_name

    @property
    def pair(self) -> TargetGroupPairInfo:
        """The target group pair."""
        return self.load_balancer_info.target_group_pair_info_list[0]

    @property
    def routing(self) -> TrafficRouting:
        """The traffic shift of the group's deployment configuration."""
        return ECS_DEPLOYMENT_CONFIGS[self.deployment_config_name]

    def rolls_back_on(self, event: str) -> bool:
        """Whether automatic rollback is on for ``DEPLOYMENT_FAILURE`` or ``DEPLOYMENT_STOP_ON_ALARM``."""
        return self.auto_rollback_configuration.enabled and event in self.auto_rollback_configuration.events


@dataclass(frozen=True)
class ParsedDeploymentGroup:
    """A deployment group that passed validation, plus the notes about it."""

    deployment_group: DeploymentGroup
    notes: list[Diagnostic] = field(default_factory=list)
    refusals: list[Diagnostic] = field(default_factory=list)
    """CodeDeploy's refusals, when the caller asked to collect them instead of raising."""


def parse_deployment_group(doc: Document, path: Path_ = (), *, collect_refusals: bool = False) -> ParsedDeploymentGroup:
    """Load an ECS deployment group from ``doc``.

    Args:
        collect_refusals: return CodeDeploy's refusals in ``.refusals`` instead of raising
            (a grader applies such a file as a failed CreateDeploymentGroup call).

    Raises:
        SourceErrors: the shape is wrong, or (unless collected) what CodeDeploy refuses, positioned.
    """
    data, group = validate_mapping(doc, path, DeploymentGroup, "AWS::CodeDeploy::DeploymentGroup properties")
    errors = []
    style = group.deployment_style
    if (style.deployment_type, style.deployment_option) != ("BLUE_GREEN", "WITH_TRAFFIC_CONTROL"):
        # Documented: an ECS deployment group must be BLUE_GREEN WITH_TRAFFIC_CONTROL (§4.10).
        errors.append(
            positioned(doc, (*path, "DeploymentStyle"), "InvalidDeploymentStyleException: Amazon ECS deployment groups must use deployment type BLUE_GREEN with deployment option WITH_TRAFFIC_CONTROL.")
        )  # wording UNCONFIRMED
    if group.deployment_config_name not in ECS_DEPLOYMENT_CONFIGS:
        known = ", ".join(ECS_DEPLOYMENT_CONFIGS)
        errors.append(
            positioned(doc, (*path, "DeploymentConfigName"), f"DeploymentConfigDoesNotExistException: No deployment configuration found for name: {group.deployment_config_name} (ECS configurations: {known})")
        )  # wording UNCONFIRMED
    wait = group.blue_green_deployment_configuration.terminate_blue_instances_on_deployment_success.termination_wait_time_in_minutes
    if wait > MAX_TERMINATION_WAIT_MIN:
        errors.append(
            positioned(
                doc, (*path, "BlueGreenDeploymentConfiguration", "TerminateBlueInstancesOnDeploymentSuccess", "TerminationWaitTimeInMinutes"),
                f"InvalidBlueGreenDeploymentConfigurationException: The maximum termination wait time is {MAX_TERMINATION_WAIT_MIN} minutes.",
            )
        )  # §4.10: the maximum is documented; wording UNCONFIRMED
    ready = group.blue_green_deployment_configuration.deployment_ready_option
    if ready.wait_time_in_minutes > MAX_READY_WAIT_MIN:
        errors.append(
            positioned(doc, (*path, "BlueGreenDeploymentConfiguration", "DeploymentReadyOption", "WaitTimeInMinutes"),
                       f"InvalidBlueGreenDeploymentConfigurationException: The maximum wait time is {MAX_READY_WAIT_MIN} minutes.")
        )  # UNCONFIRMED
    names = [tg.name for tg in group.pair.target_groups]
    if len(set(names)) != 2:
        errors.append(positioned(doc, (*path, "LoadBalancerInfo", "TargetGroupPairInfoList", 0, "TargetGroups"), "InvalidTargetGroupPairException: The target group pair must name two different target groups."))  # wording UNCONFIRMED
    alarms = group.alarm_configuration
    if alarms.enabled and not alarms.alarms:
        errors.append(positioned(doc, (*path, "AlarmConfiguration"), "InvalidAlarmConfigException: An enabled alarm configuration must name at least one alarm."))  # wording UNCONFIRMED
    rollback = group.auto_rollback_configuration
    if rollback.enabled and not rollback.events:
        errors.append(positioned(doc, (*path, "AutoRollbackConfiguration"), "InvalidAutoRollbackConfigException: An enabled auto rollback configuration must name at least one event."))  # wording UNCONFIRMED
    if "DEPLOYMENT_STOP_ON_ALARM" in rollback.events and rollback.enabled and not alarms.enabled:
        # Documented: rollback on alarm requires an alarm configuration (§4.10).
        errors.append(
            positioned(doc, (*path, "AutoRollbackConfiguration", "Events"), "InvalidAutoRollbackConfigException: Auto rollback on DEPLOYMENT_STOP_ON_ALARM requires an enabled alarm configuration.")
        )  # wording UNCONFIRMED
    if errors and not collect_refusals:
        raise SourceErrors(errors)
    notes = not_simulated_notes(doc, path, data, ("ServiceRoleArn", "Tags"))
    return ParsedDeploymentGroup(group, notes, errors)


def deployment_group_errors(group: DeploymentGroup, target_groups: Any) -> list[ClientException]:
    """What CodeDeploy refuses about the group given the target groups in force (by name)."""
    out = []
    for i, tg in enumerate(group.pair.target_groups):
        if tg.name not in target_groups:
            out.append(
                ClientException(
                    f"InvalidTargetGroupPairException: Target group {tg.name} does not exist.",  # wording UNCONFIRMED
                    ("LoadBalancerInfo", "TargetGroupPairInfoList", 0, "TargetGroups", i, "Name"),
                )
            )
    return out


def deployment_group_json_schema() -> dict[str, Any]:
    """The JSON Schema of a deployment-group file."""
    from lab.config.json_schema import model_schema

    return model_schema(DeploymentGroup)
