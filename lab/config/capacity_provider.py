"""Provides capacity providers: the CreateCapacityProvider and PutClusterCapacityProviders shapes.

A ``capacity-provider`` file is ``CreateCapacityProvider`` input (camelCase, as ``aws ecs
create-capacity-provider --cli-input-yaml`` takes it); a ``cluster-capacity-providers`` file is
``PutClusterCapacityProviders`` input (the providers a cluster may use and its default
strategy). Shapes are checked against the ECS API model; the managed-scaling ranges are refused
with ECS's ``ClientException`` wording rather than the shape checker's, and what needs the
Auto Scaling group (managed termination protection needs scale-in protection on it) is
``capacity_provider_errors``, called across files. Defaults and ranges: §7.2, §5.4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from lab.config.capacity_strategy import CapacityProviderStrategyItem
from lab.config.service import capacity_provider_strategy_errors
from lab.config.shapes import check_shape, strip_unmodelled, validation_diagnostics
from lab.config.task_definition import client_exception_diagnostics
from lab.errors import (
    STRATEGY_NOT_ASSOCIATED,
    ClientException,
    Diagnostic,
    SourceErrors,
)
from lab.yaml_source import Document, Path_

__all__ = [
    "AutoScalingGroupProvider",
    "CapacityProvider",
    "ClusterCapacityProviders",
    "ManagedScaling",
    "ParsedCapacityProvider",
    "ParsedClusterCapacityProviders",
    "asg_name_of",
    "capacity_provider_errors",
    "capacity_provider_json_schema",
    "cluster_capacity_providers_json_schema",
    "parse_capacity_provider",
    "parse_cluster_capacity_providers",
]

_PROVIDER_MODELLED = frozenset(
    {
        "name",
        "autoScalingGroupProvider.autoScalingGroupArn",
        "autoScalingGroupProvider.managedScaling",
        "autoScalingGroupProvider.managedTerminationProtection",
        "autoScalingGroupProvider.managedDraining",
    }
)
_CLUSTER_MODELLED = frozenset({"cluster", "capacityProviders", "defaultCapacityProviderStrategy"})


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid", allow_inf_nan=False)


class ManagedScaling(_Model):
    """Cluster auto scaling settings (§7.2)."""

    status: Literal["ENABLED", "DISABLED"] = "ENABLED"  # API default when managedScaling is given
    """Whether ECS manages the group's desired capacity."""
    targetCapacity: int = 100  # §7.2
    """Target CapacityProviderReservation, 1–100 %; below 100 keeps spare instances."""
    minimumScalingStepSize: int = 1  # §7.2
    """Instances a scale-out adds at least (1–10000)."""
    maximumScalingStepSize: int = 10000  # §7.2
    """Instances a scale-out adds at most (1–10000)."""
    instanceWarmupPeriod: int = 300  # §7.2
    """Seconds a new instance is warming up, blocking further scale-out (0–10000)."""


class AutoScalingGroupProvider(_Model):
    """The Auto Scaling group behind a capacity provider."""

    autoScalingGroupArn: str
    """The group's ARN (the lab also accepts ``autoScalingGroupName/<name>`` or the bare name)."""
    managedScaling: ManagedScaling | None = None
    """Managed scaling; None: disabled (API: off unless given)."""
    managedTerminationProtection: Literal["ENABLED", "DISABLED"] = "DISABLED"  # §5.4
    """ECS keeps scale-in protection on instances with non-daemon tasks (§5.4)."""
    managedDraining: Literal["ENABLED", "DISABLED"] = "ENABLED"  # API default for new providers (§5.3)
    """ECS drains instances the group scales in before they terminate (§5.3)."""

    @property
    def scaling(self) -> ManagedScaling:
        """The managed-scaling settings in force (DISABLED when none were given)."""
        return self.managedScaling if self.managedScaling is not None else ManagedScaling(status="DISABLED")


class CapacityProvider(_Model):
    """A capacity provider of Auto Scaling group capacity."""

    name: str
    """Unique in the account; a strategy names it."""
    autoScalingGroupProvider: AutoScalingGroupProvider
    """The group and how ECS manages it."""

    @property
    def group_name(self) -> str:
        """The Auto Scaling group's name, from its ARN."""
        return asg_name_of(self.autoScalingGroupProvider.autoScalingGroupArn)


class ClusterCapacityProviders(_Model):
    """The capacity providers a cluster uses and its default strategy."""

    cluster: str
    """The cluster's name."""
    capacityProviders: tuple[str, ...]
    """Providers services and tasks of the cluster may name (FARGATE, FARGATE_SPOT, ASG providers)."""
    defaultCapacityProviderStrategy: tuple[CapacityProviderStrategyItem, ...]
    """What a service without launch type or strategy uses."""


@dataclass(frozen=True)
class ParsedCapacityProvider:
    """A capacity provider that passed validation, plus the notes about it."""

    capacity_provider: CapacityProvider
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes, positioned at their keys."""
    refusals: list[Diagnostic] = field(default_factory=list)
    """Refusals, when the caller asked to collect them."""


@dataclass(frozen=True)
class ParsedClusterCapacityProviders:
    """A PutClusterCapacityProviders request that passed validation."""

    cluster_capacity_providers: ClusterCapacityProviders
    """The validated model."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes."""
    refusals: list[Diagnostic] = field(default_factory=list)
    """Refusals of its default strategy, when the caller asked to collect them instead of raising."""


def asg_name_of(ref: str) -> str:
    """The group name in ``arn:...:autoScalingGroup:<id>:autoScalingGroupName/<name>`` (or a bare name)."""
    return ref.rsplit("autoScalingGroupName/", 1)[-1]


def _managed_scaling_errors(provider: CapacityProvider) -> list[ClientException]:
    errors: list[ClientException] = []
    asg = provider.autoScalingGroupProvider
    scaling = asg.managedScaling
    at = ("autoScalingGroupProvider", "managedScaling")
    if scaling is not None:
        # observed for the minimum step (aws/aws-cli#4781); the others follow its form (wording UNCONFIRMED)
        if not 1 <= scaling.targetCapacity <= 100:
            errors.append(ClientException("The specified target capacity is invalid.", (*at, "targetCapacity")))
        if not 1 <= scaling.minimumScalingStepSize <= 10000:
            errors.append(ClientException("The specified minimum scaling step size is invalid.", (*at, "minimumScalingStepSize")))
        if not 1 <= scaling.maximumScalingStepSize <= 10000:
            errors.append(ClientException("The specified maximum scaling step size is invalid.", (*at, "maximumScalingStepSize")))
        elif scaling.minimumScalingStepSize > scaling.maximumScalingStepSize:
            errors.append(
                ClientException(
                    "The specified minimum scaling step size must be less than or equal to the maximum scaling step size.",
                    (*at, "minimumScalingStepSize"),
                )
            )  # wording UNCONFIRMED
        if not 0 <= scaling.instanceWarmupPeriod <= 10000:
            errors.append(ClientException("The specified instance warmup period is invalid.", (*at, "instanceWarmupPeriod")))
    if asg.managedTerminationProtection == "ENABLED" and asg.scaling.status != "ENABLED":
        # §5.4: managed termination protection needs managed scaling (wording UNCONFIRMED)
        errors.append(
            ClientException(
                "The managed termination protection setting for the capacity provider is invalid. To enable managed "
                "termination protection for a capacity provider, the capacity provider must have managed scaling enabled.",
                ("autoScalingGroupProvider", "managedTerminationProtection"),
            )
        )
    name = provider.name
    if name.lower().startswith(("aws", "ecs", "fargate")):
        errors.append(
            ClientException(
                "The specified capacity provider name is invalid. Capacity provider names can't begin with \"aws\", "
                "\"ecs\", or \"fargate\".",
                ("name",),
            )
        )  # wording UNCONFIRMED
    return errors


def capacity_provider_errors(provider: CapacityProvider, groups: dict[str, bool]) -> list[ClientException]:
    """What CreateCapacityProvider refuses once it looks at the Auto Scaling group.

    Args:
        provider: the parsed provider.
        groups: the groups in force: name → whether new instances are protected from scale-in.
    """
    asg = provider.autoScalingGroupProvider
    name = provider.group_name
    if name not in groups:
        return [
            ClientException(
                f"The specified Auto Scaling group ARN is invalid: no Auto Scaling group is named {name}.",
                ("autoScalingGroupProvider", "autoScalingGroupArn"),
            )
        ]  # wording UNCONFIRMED
    if asg.managedTerminationProtection == "ENABLED" and not groups[name]:
        # observed: aws/containers-roadmap#653, ansible/ansible#68625 (§5.4)
        return [
            ClientException(
                "The managed termination protection setting for the capacity provider is invalid. To enable managed "
                "termination protection for a capacity provider, the Auto Scaling group must have instance protection "
                "from scale in enabled.",
                ("autoScalingGroupProvider", "managedTerminationProtection"),
            )
        ]
    return []


def _shape(doc: Document, path: Path_, shape: str, modelled: frozenset[str]) -> tuple[object, list[Diagnostic]]:
    data = doc.get(path) if path else doc.data
    errors, notes = check_shape(doc, path, data, shape, modelled=modelled)
    # The managed-scaling ranges are refused below in ECS's own words.
    errors = [e for e in errors if not (" must be at " in e.message and e.message.startswith(("'targetCapacity'", "'minimumScalingStepSize'", "'maximumScalingStepSize'", "'instanceWarmupPeriod'")))]
    if errors:
        raise SourceErrors(errors)
    return strip_unmodelled(data, modelled), notes


def parse_capacity_provider(doc: Document, path: Path_ = (), *, collect_refusals: bool = False) -> ParsedCapacityProvider:
    """Load a CreateCapacityProvider input from ``doc``.

    Raises:
        SourceErrors: every shape error, or every refusal (``ClientException: ...``), positioned.
    """
    data, notes = _shape(doc, path, "ecs.CreateCapacityProviderRequest", _PROVIDER_MODELLED)
    if isinstance(data, dict) and "autoScalingGroupProvider" not in data:
        from lab.config.shapes import positioned

        raise SourceErrors([positioned(doc, path, "the lab simulates capacity providers of Auto Scaling groups: 'autoScalingGroupProvider' is required")])
    try:
        provider = CapacityProvider.model_validate(data)
    except ValidationError as exc:
        raise SourceErrors(validation_diagnostics(doc, path, exc)) from None
    refusals = client_exception_diagnostics(doc, path, _managed_scaling_errors(provider))
    if refusals and not collect_refusals:
        raise SourceErrors(refusals)
    return ParsedCapacityProvider(provider, notes, refusals)


def parse_cluster_capacity_providers(doc: Document, path: Path_ = (), *, collect_refusals: bool = False) -> ParsedClusterCapacityProviders:
    """Load a PutClusterCapacityProviders input from ``doc``.

    Args:
        collect_refusals: return the default strategy's refusals in ``.refusals`` instead of raising.

    Raises:
        SourceErrors: every shape error, or every refusal (``InvalidParameterException: ...``), positioned.
    """
    data, notes = _shape(doc, path, "ecs.PutClusterCapacityProvidersRequest", _CLUSTER_MODELLED)
    try:
        model = ClusterCapacityProviders.model_validate(data)
    except ValidationError as exc:
        raise SourceErrors(validation_diagnostics(doc, path, exc)) from None
    from lab.config.shapes import positioned

    problems = []
    default = model.defaultCapacityProviderStrategy
    # The rules every strategy is held to, whoever names it (a service, RunTask, or this default).
    for error in capacity_provider_strategy_errors(default, places=False):
        problems.append(positioned(doc, (*path, "defaultCapacityProviderStrategy", *error.path[1:]), str(error)))
    for i, item in enumerate(default):
        if item.capacity_provider not in model.capacityProviders:
            problems.append(
                positioned(
                    doc, (*path, "defaultCapacityProviderStrategy", i, "capacityProvider"),
                    f"InvalidParameterException: {STRATEGY_NOT_ASSOCIATED} ({item.capacity_provider})",
                )
            )
    if problems and not collect_refusals:
        raise SourceErrors(problems)
    return ParsedClusterCapacityProviders(model, notes, problems)


# -- editor schema (lab schema) ------------------------------------------------------------


def capacity_provider_json_schema() -> dict[str, Any]:
    """The JSON Schema of a capacity-provider file: CreateCapacityProvider input as ``parse_capacity_provider`` reads it."""
    from lab.config.json_schema import shape_schema

    # The loader refuses these ranges in ECS's own words as refusals a starting file may
    # carry (lab.config.capacity_provider._shape), not as shape errors.
    unranged = frozenset(
        f"autoScalingGroupProvider.managedScaling.{name}"
        for name in ("targetCapacity", "minimumScalingStepSize", "maximumScalingStepSize", "instanceWarmupPeriod")
    )
    schema = shape_schema("ecs.CreateCapacityProviderRequest", _PROVIDER_MODELLED, CapacityProvider, unranged=unranged)
    # The lab simulates capacity providers of Auto Scaling groups only.
    schema["required"] = sorted({*schema.get("required", ()), "autoScalingGroupProvider"})
    return schema


def cluster_capacity_providers_json_schema() -> dict[str, Any]:
    """The JSON Schema of a cluster-capacity-providers file: PutClusterCapacityProviders input."""
    from lab.config.json_schema import shape_schema

    return shape_schema("ecs.PutClusterCapacityProvidersRequest", _CLUSTER_MODELLED, ClusterCapacityProviders)
