"""Provides the AWS-shaped models learners edit (task definitions, IAM roles) and catalogue data.

Names are re-exported lazily (PEP 562), so ``import lab.config`` stays cheap and
``python -m lab.config.shapes`` runs without the package having imported it first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lab.config.fargate import (
        FARGATE_CPU_UNITS,
        FARGATE_GB_HOUR_USD,
        FARGATE_SPOT_DISCOUNT,
        FARGATE_VCPU_HOUR_USD,
        fargate_hourly_price_usd,
        fargate_memory_options,
        is_valid_fargate_size,
        valid_fargate_sizes,
    )
    from lab.config.iam import (
        InlinePolicy,
        ParsedRole,
        PolicyDocument,
        Role,
        Statement,
        Tag,
        parse_role,
    )
    from lab.config.instance_types import (
        InstanceType,
        UnknownInstanceType,
        all_instance_types,
        instance_type,
        registered_cpu_units,
        registered_memory_mib,
    )
    from lab.config.shapes import (
        check_shape,
        extract_shapes,
        load_shapes,
        strip_unmodelled,
    )
    from lab.config.task_definition import (
        TASK_DEFINITION_MODELLED,
        ContainerDefinition,
        ContainerDependency,
        HealthCheck,
        KeyValuePair,
        LogConfiguration,
        ParsedTaskDefinition,
        PlacementConstraint,
        PortMapping,
        Secret,
        TaskDefinition,
        client_exception_diagnostics,
        parse_cpu_units,
        parse_memory_mib,
        parse_task_definition,
        registration_errors,
    )

_SOURCES: dict[str, str] = {
    "ContainerDefinition": "lab.config.task_definition",
    "ContainerDependency": "lab.config.task_definition",
    "FARGATE_CPU_UNITS": "lab.config.fargate",
    "FARGATE_GB_HOUR_USD": "lab.config.fargate",
    "FARGATE_SPOT_DISCOUNT": "lab.config.fargate",
    "FARGATE_VCPU_HOUR_USD": "lab.config.fargate",
    "HealthCheck": "lab.config.task_definition",
    "InlinePolicy": "lab.config.iam",
    "InstanceType": "lab.config.instance_types",
    "KeyValuePair": "lab.config.task_definition",
    "LogConfiguration": "lab.config.task_definition",
    "ParsedRole": "lab.config.iam",
    "ParsedTaskDefinition": "lab.config.task_definition",
    "PlacementConstraint": "lab.config.task_definition",
    "PolicyDocument": "lab.config.iam",
    "PortMapping": "lab.config.task_definition",
    "Role": "lab.config.iam",
    "Secret": "lab.config.task_definition",
    "Statement": "lab.config.iam",
    "TASK_DEFINITION_MODELLED": "lab.config.task_definition",
    "Tag": "lab.config.iam",
    "TaskDefinition": "lab.config.task_definition",
    "UnknownInstanceType": "lab.config.instance_types",
    "all_instance_types": "lab.config.instance_types",
    "check_shape": "lab.config.shapes",
    "client_exception_diagnostics": "lab.config.task_definition",
    "extract_shapes": "lab.config.shapes",
    "fargate_hourly_price_usd": "lab.config.fargate",
    "fargate_memory_options": "lab.config.fargate",
    "instance_type": "lab.config.instance_types",
    "is_valid_fargate_size": "lab.config.fargate",
    "load_shapes": "lab.config.shapes",
    "parse_cpu_units": "lab.config.task_definition",
    "parse_memory_mib": "lab.config.task_definition",
    "parse_role": "lab.config.iam",
    "parse_task_definition": "lab.config.task_definition",
    "registered_cpu_units": "lab.config.instance_types",
    "registered_memory_mib": "lab.config.instance_types",
    "registration_errors": "lab.config.task_definition",
    "strip_unmodelled": "lab.config.shapes",
    "valid_fargate_sizes": "lab.config.fargate",
}
"""The module each public name lives in."""

__all__ = [
    "ContainerDefinition",
    "ContainerDependency",
    "FARGATE_CPU_UNITS",
    "FARGATE_GB_HOUR_USD",
    "FARGATE_SPOT_DISCOUNT",
    "FARGATE_VCPU_HOUR_USD",
    "HealthCheck",
    "InlinePolicy",
    "InstanceType",
    "KeyValuePair",
    "LogConfiguration",
    "ParsedRole",
    "ParsedTaskDefinition",
    "PlacementConstraint",
    "PolicyDocument",
    "PortMapping",
    "Role",
    "Secret",
    "Statement",
    "TASK_DEFINITION_MODELLED",
    "Tag",
    "TaskDefinition",
    "UnknownInstanceType",
    "all_instance_types",
    "check_shape",
    "client_exception_diagnostics",
    "extract_shapes",
    "fargate_hourly_price_usd",
    "fargate_memory_options",
    "instance_type",
    "is_valid_fargate_size",
    "load_shapes",
    "parse_cpu_units",
    "parse_memory_mib",
    "parse_role",
    "parse_task_definition",
    "registered_cpu_units",
    "registered_memory_mib",
    "registration_errors",
    "strip_unmodelled",
    "valid_fargate_sizes",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    try:
        module = _SOURCES[name]
    except KeyError:
        raise AttributeError(f"module 'lab.config' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
