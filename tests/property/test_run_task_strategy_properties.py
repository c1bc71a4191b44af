"""Property: RunTask holds a capacity provider strategy to the rules CreateService holds it to.

Every path that starts standalone tasks (the timeline's run-task, EventBridge ECS targets) goes
through ``World.run_task``; for any strategy it refuses exactly what CreateService refuses
(``capacity_provider_strategy_errors``, then the cluster's associations), with the same text
(API: RunTask.capacityProviderStrategy; docs/ecs-facts.md §4.7, §7.2).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.config.capacity_strategy import MAX_BASE, MAX_WEIGHT, CapacityProviderStrategyItem
from lab.config.service import capacity_provider_strategy_errors
from lab.errors import ClientException
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.world import World

MANAGED = Path(__file__).resolve().parents[2] / "content" / "sims" / "capacity-provider-managed-scaling.yaml"

# Items as the API spells them (camelCase), validated as every path validates them.
items = st.fixed_dictionaries(
    {
        "capacityProvider": st.sampled_from(["web-capacity", "FARGATE", "FARGATE_SPOT", "other-capacity"]),
        "weight": st.one_of(st.just(0), st.just(1), st.integers(0, MAX_WEIGHT)),
        "base": st.one_of(st.just(0), st.integers(0, MAX_BASE)),
    }
).map(CapacityProviderStrategyItem.model_validate)


@functools.cache
def world() -> World:
    """The managed-scaling example with its instances registered (one world: refusals change nothing)."""
    built = build_world(load_sim_document(MANAGED), seed=1)
    built.run(until=300)
    return built


def create_service_refusal(strategy: tuple[Any, ...]) -> str | None:
    """What CreateService answers about the strategy: the file's rules, then the cluster's."""
    errors = capacity_provider_strategy_errors(strategy)
    if errors:
        return str(errors[0])
    try:
        world().capacity.check_strategy(strategy)
    except ClientException as exc:
        return str(exc)
    return None


@settings(max_examples=80, deadline=None)
@given(strategy=st.lists(items, min_size=1, max_size=22).map(tuple))
def test_run_task_refuses_a_strategy_exactly_as_create_service_does(strategy: tuple[Any, ...]) -> None:
    expected = create_service_refusal(strategy)
    try:
        world().run_task("web", capacity_provider_strategy=strategy)
    except ClientException as exc:
        refused: str | None = str(exc) if exc.path[:1] == ("capacityProviderStrategy",) else None
    else:
        refused = None
    assert refused == expected
