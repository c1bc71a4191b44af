"""Property tests: placement never over-commits an instance and always explains rejections."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.sim.fleet import ACTIVE, MAX_RESERVED_PORTS
from lab.sim.placement import OK, explain, place
from lab.sim.query import parse
from tests.strategies import (
    build_fleet,
    instance_specs,
    placement_constraints,
    placement_strategies,
    task_needs,
)


def _fits(fleet, i, needs):
    return (
        fleet.status[i] == ACTIVE
        and fleet.connected[i]
        and fleet.cpu_free[i] >= needs.cpu
        and fleet.mem_free[i] >= needs.memory_mib
        and all(not (key in fleet.port_used and fleet.port_used[key][i]) for key in needs.ports)
        and fleet.static_ports_count[i] + len(needs.ports) <= MAX_RESERVED_PORTS
        and fleet.dyn_ports_free[i] >= needs.dynamic_ports
        and (not needs.eni or fleet.eni_free[i] >= 1)
    )


@settings(max_examples=60, deadline=None)
@given(
    specs=st.lists(instance_specs, min_size=0, max_size=12),
    tasks=st.lists(task_needs, min_size=1, max_size=25),
    strategies=placement_strategies,
    constraints=placement_constraints,
    seed=st.integers(0, 2**16),
)
def test_sequential_placement_never_overcommits(specs, tasks, strategies, constraints, seed):
    """Placing tasks one after another keeps every resource, port and ENI within its instance."""
    fleet = build_fleet(specs)
    rng = random.Random(seed)
    for needs in tasks:
        decision = place(fleet, needs, strategies=strategies or (), constraints=constraints, rng=rng)
        if decision.index is None:
            assert decision.candidates == 0
            continue
        i = decision.index
        assert _fits(fleet, i, needs), "placement chose an instance that cannot hold the task"
        for c in constraints:
            if c.type == "distinctInstance":
                col = fleet.group_counts.get(needs.group)
                assert col is None or col[i] == 0
        fleet.reserve(
            i, cpu=needs.cpu, memory_mib=needs.memory_mib, ports=needs.ports,
            dynamic_ports=needs.dynamic_ports, eni=needs.eni, group=needs.group,
        )
        n = fleet.n
        assert (fleet.cpu_free[:n] >= 0).all()
        assert (fleet.mem_free[:n] >= 0).all()
        assert (fleet.eni_free[:n] >= 0).all()
        assert (fleet.dyn_ports_free[:n] >= 0).all()
        assert (fleet.static_ports_count[:n] <= MAX_RESERVED_PORTS).all()


@settings(max_examples=60, deadline=None)
@given(
    specs=st.lists(instance_specs, min_size=1, max_size=12),
    needs=task_needs,
    constraints=placement_constraints,
    seed=st.integers(0, 2**16),
)
def test_every_rejected_instance_carries_a_reason(specs, needs, constraints, seed):
    """An instance is eligible exactly when it passes every check; others name the first failure."""
    fleet = build_fleet(specs)
    decision = place(fleet, needs, constraints=constraints, rng=random.Random(seed))
    for i in range(fleet.n):
        eligible = _fits(fleet, i, needs)
        for c in constraints:
            if c.type == "memberOf":
                from lab.sim.placement import _Facts

                eligible = eligible and parse(c.expression).matches(_Facts(fleet, i))
            elif c.type == "distinctInstance":
                col = fleet.group_counts.get(needs.group)
                eligible = eligible and (col is None or col[i] == 0)
        assert (decision.reasons[i] == OK) == eligible
        if not eligible:
            assert decision.rejection(i) is not None
    if decision.index is None and fleet.n:
        if decision.closest is not None:
            assert decision.failure_detail
            assert decision.failure_reason
    verdicts = explain(fleet, needs, constraints=constraints)
    assert [v.reason for v in verdicts] == [decision.rejection(i) for i in range(fleet.n)]
    ranked = sorted(v.rank for v in verdicts if v.rank is not None)
    assert ranked == list(range(1, decision.candidates + 1))


@settings(max_examples=40, deadline=None)
@given(specs=st.lists(instance_specs, min_size=1, max_size=12), needs=task_needs, seed=st.integers(0, 2**16))
def test_binpack_memory_picks_the_least_free_memory(specs, needs, seed):
    """binpack(memory) chooses an eligible instance with the least remaining memory."""
    from lab.sim.placement import Strategy

    fleet = build_fleet(specs)
    decision = place(fleet, needs, strategies=(Strategy("binpack", "memory"),), rng=random.Random(seed))
    if decision.index is not None:
        eligible = [i for i in range(fleet.n) if decision.reasons[i] == OK]
        assert fleet.mem_free[decision.index] == min(fleet.mem_free[i] for i in eligible)


@settings(max_examples=40, deadline=None)
@given(count=st.integers(1, 30), per_az=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_spread_by_zone_keeps_zones_within_one_task(count, per_az, seed):
    """With room everywhere, spread(attribute:ecs.availability-zone) keeps AZ counts within one."""
    from lab.sim.placement import Strategy, TaskNeeds
    from tests.strategies import AZS, InstanceSpec

    specs = [InstanceSpec(az, "m5.large", 8192, 32768, 3, ACTIVE, True, None) for az in AZS for _ in range(per_az)]
    fleet = build_fleet(specs)
    rng = random.Random(seed)
    needs = TaskNeeds(cpu=128, memory_mib=128, group="family:web")
    per_zone = {az: 0 for az in AZS}
    for _ in range(count):
        d = place(fleet, needs, strategies=(Strategy("spread", "attribute:ecs.availability-zone"),), rng=rng)
        assert d.index is not None
        fleet.reserve(d.index, cpu=128, memory_mib=128, ports=(), dynamic_ports=0, eni=False, group="family:web")
        per_zone[fleet.az_names[fleet.az[d.index]]] += 1
        assert max(per_zone.values()) - min(per_zone.values()) <= 1
