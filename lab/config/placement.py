"""Provides what ECS refuses about placement strategies and constraints (CreateService,
UpdateService and RunTask alike).

A plain module (no pydantic), so the simulator's RunTask checks a request with the same rules
and texts a service file is held to. A ``memberOf`` expression's syntax is the cluster query
language's business (``lab.sim.query``). Section numbers (§) refer to docs/ecs-facts.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from lab.errors import ClientException, InvalidParameterException

__all__ = [
    "MAX_PLACEMENT_CONSTRAINTS",
    "MAX_PLACEMENT_STRATEGIES",
    "constraint_limit_errors",
    "fargate_placement_errors",
    "placement_constraint_errors",
    "placement_strategy_errors",
]

MAX_PLACEMENT_STRATEGIES = 5
"""Strategy rules per task or service (§1.2; API: CreateServiceRequest.placementStrategy)."""
MAX_PLACEMENT_CONSTRAINTS = 10
"""Constraints per task, the task definition's included (§1.3; API: RunTaskRequest.placementConstraints)."""


def fargate_placement_errors(constraints: bool, strategies: bool) -> list[ClientException]:
    """Refuse placement constraints and strategies for tasks on Fargate, which does not support them (§1.7, §9.2).

    Args:
        constraints: the request (CreateService, UpdateService, RunTask) gives placement constraints.
        strategies: it gives placement strategies.
    """
    errors: list[ClientException] = []
    if constraints:
        # observed for CreateService: GetSimpl/cloudlift#138, hashicorp/terraform-provider-aws#26337;
        # for RunTask UNCONFIRMED
        errors.append(InvalidParameterException("Placement constraints are not supported with FARGATE launch type.", ("placementConstraints",)))
    if strategies:
        # observed for CreateService: aws-cloudformation/cloudformation-coverage-roadmap#2369; for RunTask UNCONFIRMED
        errors.append(InvalidParameterException("Placement strategies are not supported with FARGATE launch type.", ("placementStrategy",)))
    return errors


def placement_strategy_errors(strategies: Sequence[tuple[str, str | None]]) -> list[ClientException]:
    """Refuse more than five strategy rules, an unknown type, or a field that does not fit its type (§1.2).

    Args:
        strategies: ``(type, field)`` of each rule, in order; paths are under ``placementStrategy``.
    """
    errors: list[ClientException] = []
    if len(strategies) > MAX_PLACEMENT_STRATEGIES:
        errors.append(
            InvalidParameterException(f"placement strategies can have at most {MAX_PLACEMENT_STRATEGIES} items.", ("placementStrategy",))
        )  # wording UNCONFIRMED; the form of the observed load-balancer limit
    for i, (kind, field) in enumerate(strategies):
        at = ("placementStrategy", i, "field")
        if kind == "binpack" and field not in ("cpu", "memory"):
            errors.append(
                InvalidParameterException(f"Invalid field '{field}' for binpack placement strategy; expected cpu or memory.", at)
            )  # wording UNCONFIRMED
        elif kind == "spread" and not (field and (field in ("instanceId", "host") or field.startswith("attribute:"))):
            errors.append(
                InvalidParameterException(
                    f"Invalid field '{field}' for spread placement strategy; expected instanceId, host or attribute:<name>.", at
                )
            )  # wording UNCONFIRMED
        elif kind == "random" and field:
            errors.append(InvalidParameterException("The random placement strategy takes no field.", at))  # wording UNCONFIRMED
        elif kind not in ("binpack", "spread", "random"):
            errors.append(
                InvalidParameterException(
                    f"Invalid placement strategy type '{kind}'; expected binpack, spread or random.", ("placementStrategy", i, "type")
                )
            )  # wording UNCONFIRMED
    return errors


def constraint_limit_errors(count: int) -> list[ClientException]:
    """Refuse more than ten placement constraints on one task (the task definition's included, §1.3)."""
    if count <= MAX_PLACEMENT_CONSTRAINTS:
        return []
    return [
        InvalidParameterException(f"placement constraints can have at most {MAX_PLACEMENT_CONSTRAINTS} items.", ("placementConstraints",))
    ]  # wording UNCONFIRMED


def placement_constraint_errors(constraints: Sequence[tuple[str, str | None]], *, inherited: int = 0) -> list[ClientException]:
    """Refuse more than ten constraints, an unknown type, a ``memberOf`` without an expression or a
    ``distinctInstance`` with one (§1.3).

    Args:
        constraints: ``(type, expression)`` of each of the request's constraints; paths are under
            ``placementConstraints``.
        inherited: how many constraints the task definition adds (the limit counts them too).
    """
    errors = constraint_limit_errors(len(constraints) + inherited)
    for i, (kind, expression) in enumerate(constraints):
        at = ("placementConstraints", i)
        if kind == "memberOf" and not (expression or "").strip():
            errors.append(InvalidParameterException("A memberOf placement constraint requires an expression.", at))  # wording UNCONFIRMED
        elif kind == "distinctInstance" and expression:
            errors.append(
                InvalidParameterException("The distinctInstance placement constraint takes no expression.", (*at, "expression"))
            )  # wording UNCONFIRMED
        elif kind not in ("memberOf", "distinctInstance"):
            errors.append(
                InvalidParameterException(
                    f"Invalid placement constraint type '{kind}'; expected memberOf or distinctInstance.", (*at, "type")
                )
            )  # wording UNCONFIRMED
    return errors
