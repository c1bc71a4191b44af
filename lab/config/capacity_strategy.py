"""Provides one item of a capacity provider strategy, as every call that takes a strategy takes it.

CreateService, UpdateService and RunTask (``capacityProviderStrategy``), PutClusterCapacityProviders
(``defaultCapacityProviderStrategy``), the timeline's ``run-task`` and EventBridge's
``EcsParameters.CapacityProviderStrategy`` all name items ``{capacityProvider, weight, base}``
with the same ranges (API: CapacityProviderStrategyItem; §4.7, §7.2). A small module of its
own, so the timeline and the event-rule loader do not build the service models. What ECS
refuses about a strategy as a whole is ``lab.config.service.capacity_provider_strategy_errors``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = ["MAX_BASE", "MAX_WEIGHT", "CapacityProviderStrategyItem"]

MAX_WEIGHT = 1000
"""Largest ``weight`` (API: CapacityProviderStrategyItem.weight, 0-1000)."""
MAX_BASE = 100_000
"""Largest ``base`` (API: CapacityProviderStrategyItem.base, 0-100000)."""


class CapacityProviderStrategyItem(BaseModel):
    """One capacity provider of a strategy (§4.7, §7.2)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid", alias_generator=to_camel, defer_build=True, allow_inf_nan=False)

    capacity_provider: str
    """The capacity provider's name (``FARGATE``, ``FARGATE_SPOT`` or an ASG provider)."""
    weight: int = Field(default=0, ge=0, le=MAX_WEIGHT)  # API default (CapacityProviderStrategyItem.weight)
    """Relative share of tasks after the bases are met (0–1000)."""
    base: int = Field(default=0, ge=0, le=MAX_BASE)  # API default (CapacityProviderStrategyItem.base)
    """Tasks placed on this provider first (0–100000; one provider per strategy may set it)."""
