"""Provides the file kinds: one record per AWS file a learner edits, and everything derived from them.

A record says what a file of its kind is (its parser in ``lab.config``), which API call it
stands for (the operation a refusal is logged under), where it comes in the apply order,
how a world applies it (at build time and as a live change), what ECS refuses about it
given the other files in force, and where an instructor may fix files of the kind in a
document's ``world``. Every table the loader, the builder and the live apply used to keep
by hand is derived from ``KINDS``; adding a file kind is one config module plus one record
here (see docs/architecture.md).

``KINDS`` is in apply order, the same at build time and on a live edit: what exists before
instances register (roles, security groups, target groups, load balancers), then launch configuration and
capacity (ecs.config, Auto Scaling groups, capacity providers), task definitions, services,
and what needs services (scalable targets, scaling policies, alarms).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lab.errors import ClientException

if TYPE_CHECKING:
    from lab.sim.world import IamRole, World

__all__ = ["KINDS", "FileKind", "InForce", "get", "iam_role", "names"]

Parser = Callable[..., Any]


@dataclass(frozen=True)
class InForce:
    """The models of the files in force, as the cross-file checks ask for them."""

    task_definitions: Mapping[str, Any]
    """Task definitions by family."""
    target_groups: Mapping[str, Any]
    """Target groups by name."""
    scalable_targets: list[Any]
    """Registered scalable targets (not refused)."""
    group_protection: Mapping[str, bool]
    """Auto Scaling group name → NewInstancesProtectedFromScaleIn."""
    load_balancers: Mapping[str, Any] = field(default_factory=dict)
    """Load balancers of ``load-balancer`` files by name (blue/green listener rules name them)."""
    fixed_load_balancers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The world's own load balancers (``world.load_balancers``): name → target groups they forward to."""

    def forwarded_target_groups(self) -> dict[str, tuple[str, ...]]:
        """Every load balancer in force (the world's own and the files') → the names of the target groups it forwards to."""
        from lab.config.target_group import find_target_group

        out = dict(self.fixed_load_balancers)
        for name, lb in self.load_balancers.items():
            found = (find_target_group(ref, self.target_groups) for ref in lb.target_group_refs)
            out[name] = tuple(tg.name for tg in found if tg is not None)
        return out


@dataclass(frozen=True)
class FileKind:
    """One AWS file kind."""

    name: str
    """The ``kind:`` a document declares (``task-definition``)."""
    summary: str
    """What the content is: the AWS shape it follows (for docs and editor schemas)."""
    operation: str
    """The API call a change to the file is (a refusal is logged as a failed call of it)."""
    parser: Callable[[], Parser]
    """Returns the ``lab.config`` parse function (imported on first use: each shape's pydantic
    models cost milliseconds to build, and most scenarios use a few kinds)."""
    result: str
    """The attribute of the parser's result that holds the model."""
    apply: Callable[[World, Any], object]
    """Apply a model to a world (the live change; also the build unless ``create`` is set)."""
    create: Callable[[World, Any], object] | None = None
    """Create the resource at build time, when that is another call than ``apply``."""
    create_operation: str | None = None
    """The API call ``create`` is (default: ``operation``)."""
    collects_refusals: bool = False
    """The parser can keep AWS's refusals as ``refusals`` instead of raising (``collect_refusals``)."""
    before_instances: bool = False
    """Exists before the world's images and instances (instances check their role, targets their groups)."""
    world_key: str | None = None
    """The ``world:`` list an instructor may fix files of this kind in (``roles``)."""
    text: bool = False
    """The content is plain text, never read as YAML, not even in a learner's answer file
    (``ecs.config`` lines; a Dockerfile's ``LABEL a: b`` is no YAML mapping)."""
    cross_refusals: Callable[[Any, InForce], list[ClientException]] | None = None
    """What ECS refuses about the model given the other files in force."""
    named: bool = False
    """``apply`` and ``create`` receive ``(file name, model)``: the world looks the file up by name
    (a Dockerfile's build in ``world.builds``)."""

    def build(self, world: World, model: Any) -> object:
        """Create the resource in a world being built."""
        return (self.create or self.apply)(world, model)

    @property
    def build_operation(self) -> str:
        """The API call the build-time ``create`` is."""
        return self.create_operation or self.operation


def iam_role(model: Any) -> IamRole:
    """Convert a parsed IAM role (lab.config) into what the simulator evaluates."""
    # Imported here so that loading documents (``lab list``) does not build the simulator.
    from lab.sim.iam import managed_policy
    from lab.sim.world import IamRole

    policies: list[tuple[str, dict[str, Any]]] = []
    for arn in model.managed_policy_arns:
        document = managed_policy(arn)
        # An ARN the lab does not know grants nothing here; the config layer notes it.
        policies.append((arn, dict(document) if document is not None else {"Version": "2012-10-17", "Statement": []}))
    for inline in model.policies:
        policies.append((f"inline:{inline.policy_name}", inline.policy_document.as_dict()))
    return IamRole(model.role_name, frozenset(model.trusted_services()), tuple(policies))


# -- parsers (each imports its config module on first use) -------------------------------------


def _account_setting() -> Parser:
    from lab.config.account_setting import parse_account_setting

    return parse_account_setting


def _event_rule() -> Parser:
    from lab.config.event_rule import parse_event_rule

    return parse_event_rule


def _task_definition() -> Parser:
    from lab.config.task_definition import parse_task_definition

    return parse_task_definition


def _iam_role() -> Parser:
    from lab.config.iam import parse_role

    return parse_role


def _service() -> Parser:
    from lab.config.service import parse_service

    return parse_service


def _target_group() -> Parser:
    from lab.config.target_group import parse_target_group

    return parse_target_group


def _load_balancer() -> Parser:
    from lab.config.load_balancer import parse_load_balancer

    return parse_load_balancer


def _security_group() -> Parser:
    from lab.config.security_group import parse_security_group

    return parse_security_group


def _scalable_target() -> Parser:
    from lab.config.autoscaling import parse_scalable_target

    return parse_scalable_target


def _scaling_policy() -> Parser:
    from lab.config.autoscaling import parse_scaling_policy

    return parse_scaling_policy


def _auto_scaling_group() -> Parser:
    from lab.config.auto_scaling_group import parse_auto_scaling_group

    return parse_auto_scaling_group


def _asg_scaling_policy() -> Parser:
    from lab.config.auto_scaling_group import parse_asg_scaling_policy

    return parse_asg_scaling_policy


def _capacity_provider() -> Parser:
    from lab.config.capacity_provider import parse_capacity_provider

    return parse_capacity_provider


def _cluster_capacity_providers() -> Parser:
    from lab.config.capacity_provider import parse_cluster_capacity_providers

    return parse_cluster_capacity_providers


def _agent_config() -> Parser:
    from lab.config.agent_config import parse_agent_config

    return parse_agent_config


def _dockerfile() -> Parser:
    from lab.config.dockerfile import parse_dockerfile

    return parse_dockerfile


def _metric_alarm() -> Parser:
    from lab.config.metric_alarm import parse_metric_alarm

    return parse_metric_alarm


def _deployment_group() -> Parser:
    from lab.config.codedeploy import parse_deployment_group

    return parse_deployment_group


def _appspec() -> Parser:
    from lab.config.codedeploy import parse_appspec

    return parse_appspec


# -- cross-file refusals ---------------------------------------------------------------------------


def _service_refusals(model: Any, in_force: InForce) -> list[ClientException]:
    from lab.config.service import service_errors

    family = model.task_definition.rsplit("/", 1)[-1].partition(":")[0]
    definition = in_force.task_definitions.get(family)
    if definition is None:
        return [ClientException(f"TaskDefinition not found: no task-definition file has family '{family}'", ("taskDefinition",))]
    from lab.config.service import listener_rule_errors

    rules = listener_rule_errors(model, in_force.load_balancers, in_force.target_groups)
    # Only a service behind a target group asks (a small grade does not import the target-group models).
    associated = {name for groups in in_force.forwarded_target_groups().values() for name in groups} if model.load_balancers else None
    return [*service_errors(model, definition, in_force.target_groups, associated=associated), *rules]


def _load_balancer_refusals(model: Any, in_force: InForce) -> list[ClientException]:
    from lab.config.load_balancer import load_balancer_errors

    return load_balancer_errors(model, in_force.target_groups, in_force.forwarded_target_groups())


def _scaling_policy_refusals(model: Any, in_force: InForce) -> list[ClientException]:
    from lab.config.autoscaling import policy_errors

    return policy_errors(model, in_force.scalable_targets)


def _capacity_provider_refusals(model: Any, in_force: InForce) -> list[ClientException]:
    from lab.config.capacity_provider import capacity_provider_errors

    return capacity_provider_errors(model, dict(in_force.group_protection))


def _deployment_group_refusals(model: Any, in_force: InForce) -> list[ClientException]:
    from lab.config.codedeploy import deployment_group_errors

    return deployment_group_errors(model, in_force.target_groups)


def _appspec_refusals(model: Any, in_force: InForce) -> list[ClientException]:
    from lab.config.codedeploy import appspec_errors

    ref = model.target.task_definition
    family = ref.rsplit("/", 1)[-1].partition(":")[0]
    return appspec_errors(model, in_force.task_definitions.get(family))


KINDS: tuple[FileKind, ...] = (
    FileKind(
        "account-setting", "ECS PutAccountSetting input", "PutAccountSetting", _account_setting, "account_setting",
        apply=lambda world, model: world.put_account_setting(model), before_instances=True,
    ),
    FileKind(
        "event-rule", "EventBridge PutRule input with its PutTargets Targets", "PutRule", _event_rule, "event_rule",
        apply=lambda world, model: world.put_event_rule(model), before_instances=True,
    ),
    FileKind(
        "iam-role", "the CloudFormation properties of AWS::IAM::Role", "UpdateRole", _iam_role, "role",
        apply=lambda world, model: world.put_role(iam_role(model)), create_operation="CreateRole",
        before_instances=True, world_key="roles",
    ),
    FileKind(
        "security-group", "the CloudFormation properties of AWS::EC2::SecurityGroup", "AuthorizeSecurityGroupIngress",
        _security_group, "security_group", apply=lambda world, model: world.put_security_group(model),
        create_operation="CreateSecurityGroup", before_instances=True, world_key="security_groups",
    ),
    FileKind(
        "target-group", "the CloudFormation properties of AWS::ElasticLoadBalancingV2::TargetGroup", "ModifyTargetGroup",
        _target_group, "target_group", apply=lambda world, model: world.put_target_group(model),
        create_operation="CreateTargetGroup", before_instances=True, world_key="target_groups",
    ),
    FileKind(
        "load-balancer", "ELBv2 CreateLoadBalancer input with its Listeners (CreateListener) and their Rules (CreateRule)",
        "CreateLoadBalancer", _load_balancer, "load_balancer", apply=lambda world, model: world.put_load_balancer(model),
        collects_refusals=True, before_instances=True, cross_refusals=_load_balancer_refusals,
    ),
    FileKind(
        "dockerfile", "a Dockerfile, built with its world.builds context and pushed to ECR", "PutImage", _dockerfile,
        "dockerfile", apply=lambda world, named: world.build_image(*named), text=True, named=True,
    ),
    FileKind(
        "agent-config", "/etc/ecs/ecs.config lines for the instances Auto Scaling groups launch", "CreateLaunchTemplateVersion",
        _agent_config, "agent_config", apply=lambda world, model: world.autoscaling_groups.put_agent_config(model), text=True,
    ),
    FileKind(
        "auto-scaling-group", "the CloudFormation properties of AWS::AutoScaling::AutoScalingGroup", "UpdateAutoScalingGroup",
        _auto_scaling_group, "auto_scaling_group", apply=lambda world, model: world.autoscaling_groups.put(model),
        world_key="auto_scaling_groups",
    ),
    FileKind(
        "capacity-provider", "ECS CreateCapacityProvider input", "CreateCapacityProvider", _capacity_provider,
        "capacity_provider", apply=lambda world, model: world.capacity.put_provider(model), collects_refusals=True,
        cross_refusals=_capacity_provider_refusals,
    ),
    FileKind(
        "cluster-capacity-providers", "ECS PutClusterCapacityProviders input", "PutClusterCapacityProviders",
        _cluster_capacity_providers, "cluster_capacity_providers",
        apply=lambda world, model: world.capacity.put_cluster_capacity_providers(model), collects_refusals=True,
    ),
    FileKind(
        "task-definition", "ECS RegisterTaskDefinition input", "RegisterTaskDefinition", _task_definition, "task_definition",
        apply=lambda world, model: world.register_task_definition(model), collects_refusals=True,
    ),
    FileKind(
        "service", "ECS CreateService input", "UpdateService", _service, "service",
        apply=lambda world, model: world.update_service(model), create=lambda world, model: world.create_service(model),
        create_operation="CreateService", collects_refusals=True, cross_refusals=_service_refusals,
    ),
    FileKind(
        "scalable-target", "Application Auto Scaling RegisterScalableTarget input", "RegisterScalableTarget", _scalable_target,
        "scalable_target", apply=lambda world, model: world.app_autoscaling.register_scalable_target(model), collects_refusals=True,
    ),
    FileKind(
        "scaling-policy", "Application Auto Scaling PutScalingPolicy input", "PutScalingPolicy", _scaling_policy,
        "scaling_policy", apply=lambda world, model: world.app_autoscaling.put_scaling_policy(model), collects_refusals=True,
        cross_refusals=_scaling_policy_refusals,
    ),
    FileKind(
        "asg-scaling-policy", "EC2 Auto Scaling PutScalingPolicy input", "PutScalingPolicy", _asg_scaling_policy,
        "asg_scaling_policy", apply=lambda world, model: world.autoscaling_groups.put_scaling_policy(model),
    ),
    FileKind(
        "metric-alarm", "CloudWatch PutMetricAlarm input", "PutMetricAlarm", _metric_alarm, "metric_alarm",
        apply=lambda world, model: world.put_metric_alarm(model),
    ),
    FileKind(
        "deployment-group", "the CloudFormation properties of AWS::CodeDeploy::DeploymentGroup (ECS compute platform)",
        "UpdateDeploymentGroup", _deployment_group, "deployment_group", apply=lambda world, model: world.put_deployment_group(model),
        create_operation="CreateDeploymentGroup", collects_refusals=True, cross_refusals=_deployment_group_refusals,
    ),
    FileKind(
        "appspec", "a CodeDeploy AppSpec file for an Amazon ECS deployment (YAML)", "CreateDeployment", _appspec, "appspec",
        # Applying an AppSpec deploys it; at build time it is only the revision in force (a
        # create-deployment timeline entry deploys it).
        apply=lambda world, model: world.put_appspec(model), create=lambda world, model: world.put_appspec(model, deploy=False),
        create_operation="PutApplicationRevision", cross_refusals=_appspec_refusals,
    ),
)
"""Every file kind, in apply order."""

_BY_NAME = {kind.name: kind for kind in KINDS}


def names() -> tuple[str, ...]:
    """Every kind's name, in apply order."""
    return tuple(_BY_NAME)


def get(name: str) -> FileKind | None:
    """The record of a kind (None for an unknown name)."""
    return _BY_NAME.get(name)
