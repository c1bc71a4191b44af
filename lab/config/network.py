"""Provides what ECS refuses about a request's ``networkConfiguration`` (CreateService,
UpdateService and RunTask alike).

A plain module (no pydantic), so the simulator's RunTask checks a request with the same rules
a service file is held to. Section numbers (§) refer to docs/ecs-facts.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from lab.errors import ClientException, InvalidParameterException

__all__ = [
    "MAX_SECURITY_GROUPS",
    "MAX_SUBNETS",
    "awsvpc_configuration_errors",
    "network_mode_errors",
]

MAX_SUBNETS, MAX_SECURITY_GROUPS = 16, 5
"""Subnets and security groups of an awsvpc configuration (§2.4)."""

_AT = ("networkConfiguration", "awsvpcConfiguration")


def network_mode_errors(network_mode: str, configured: bool) -> list[ClientException]:
    """Refuse a network configuration the task definition's network mode does not take (§2.4).

    Args:
        network_mode: the task definition's network mode in force (``bridge`` when omitted).
        configured: whether the request has a ``networkConfiguration``.
    """
    if network_mode == "awsvpc" and not configured:
        # observed for CreateService (several Terraform outputs) and RunTask (Songmu/ecschedule#22)
        return [InvalidParameterException("Network Configuration must be provided when networkMode 'awsvpc' is specified.")]
    if network_mode != "awsvpc" and configured:
        # observed for CreateService (several Terraform outputs) and RunTask
        # (aws-actions/amazon-ecs-deploy-task-definition#616, muya/amazon-ecs-run-task#7)
        return [
            InvalidParameterException(
                "Network Configuration is not valid for the given networkMode of this task definition.",
                ("networkConfiguration",),
            )
        ]
    return []


def awsvpc_configuration_errors(
    subnets: Sequence[str], security_groups: Sequence[str], assign_public_ip: str | None, launch_type: str | None
) -> list[ClientException]:
    """Refuse an ``awsvpcConfiguration`` ECS does not take (§2.4): no subnet, more than 16
    subnets or 5 security groups, a public IP for a task on EC2.

    Args:
        launch_type: the request's launch type (None: a capacity provider strategy).
    """
    errors: list[ClientException] = []
    if not subnets:
        # observed: several repos quote "InvalidParameterException: subnets can not be empty"
        errors.append(InvalidParameterException("subnets can not be empty.", (*_AT, "subnets")))
    elif len(subnets) > MAX_SUBNETS:
        errors.append(InvalidParameterException(f"subnets can have at most {MAX_SUBNETS} items.", (*_AT, "subnets")))  # wording UNCONFIRMED
    if len(security_groups) > MAX_SECURITY_GROUPS:
        errors.append(
            InvalidParameterException(f"security groups can have at most {MAX_SECURITY_GROUPS} items.", (*_AT, "securityGroups"))
        )  # wording UNCONFIRMED
    if assign_public_ip == "ENABLED" and launch_type == "EC2":
        # observed: several repos quote it for EC2 services (§2.4: awsvpc tasks on EC2 get no public IP)
        errors.append(InvalidParameterException("Assign public IP is not supported for this launch type.", (*_AT, "assignPublicIp")))
    return errors
