"""Property tests: placement never over-commits an instance and always explains rejections."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.sim.fleet import ACTIVE, MAX_RESERVED_PORTS
from lab.sim.placement import OK, Strategy, explain, place
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


_INDEXED_SHAPES = [
    (Strategy("binpack", "memory"),),
    (Strategy("binpack", "cpu"),),
    (Strategy("spread", "attribute:ecs.availability-zone"), Strategy("binpack", "memory")),
    (Strategy("spread", "attribute:ecs.availability-zone"), Strategy("binpack", "cpu")),
    (Strategy("spread", "attribute:stack"), Strategy("binpack", "memory")),
]


# Few distinct sizes, so that instances tie on free units (in several AZs at once) often.
_coarse_specs = st.builds(
    lambda spec, cpu, memory: dataclasses.replace(spec, cpu=cpu, memory_mib=memory),
    instance_specs,
    st.sampled_from([1024, 2048]),
    st.sampled_from([1024, 2048, 4096]),
)


@settings(max_examples=150, deadline=None)
@given(
    specs=st.lists(_coarse_specs, min_size=1, max_size=14),
    later=st.lists(_coarse_specs, max_size=4),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["place", "place", "place", "release", "add", "attribute"]),
            st.sampled_from([0, 128, 256, 1024]),
            st.sampled_from([64, 256, 512, 1024, 2048]),
            st.sampled_from(["family:web", "family:worker"]),
            st.integers(0, 2**16),
        ),
        min_size=1,
        max_size=40,
    ),
    shape=st.sampled_from(_INDEXED_SHAPES),
    seed=st.integers(0, 2**16),
)
def test_the_sorted_index_chooses_as_the_full_scan_does(specs, later, steps, shape, seed):
    """Every decision ``place`` takes from its sorted index is the scan's, with the same draws.

    The fleet changes between decisions as a world changes it: tasks placed and stopped,
    instances registered, attributes rewritten (a generator per path, from one seed).
    """
    from lab.sim.placement import TaskNeeds, _place_indexed, _place_scan

    fleet = build_fleet(specs)
    pending = list(later)
    fast, slow = random.Random(seed), random.Random(seed)
    placed: list[tuple[int, TaskNeeds]] = []
    for action, cpu, memory, group, pick in steps:
        if action == "release" and placed:
            i, needs = placed.pop(pick % len(placed))
            fleet.release(i, cpu=needs.cpu, memory_mib=needs.memory_mib, ports=(), dynamic_ports=0, eni=False, group=needs.group)
        elif action == "add" and pending:
            extra = build_fleet([pending.pop()])
            fleet.add(
                container_instance_id=f"ci-x{fleet.n}", arn=f"arn:x{fleet.n}", ec2_instance_id=f"i-x{fleet.n}",
                instance_type=extra.instance_types[0], availability_zone=extra.az_names[0],
                cpu=int(extra.cpu_free[0]), memory_mib=int(extra.mem_free[0]), eni_slots=1,
                attributes=extra.attributes[0],
            )
        elif action == "attribute":
            fleet.set_attributes(pick % fleet.n, {"stack": ["prod", "dev", None][pick % 3]})
        else:
            needs = TaskNeeds(cpu=cpu, memory_mib=memory, group=group)
            before = fast.getstate()
            choice = _place_indexed(fleet, needs, shape, fast)
            scan = _place_scan(fleet, needs, shape, (), slow)
            if choice is None:
                assert fast.getstate() == before, "the index stood aside but drew from the generator"
                fast.setstate(slow.getstate())
            else:
                assert choice == scan.index
                assert fast.getstate() == slow.getstate()
            if scan.index is not None:
                fleet.reserve(scan.index, cpu=cpu, memory_mib=memory, ports=(), dynamic_ports=0, eni=False, group=group)
                placed.append((scan.index, needs))


def test_the_sorted_index_answers_a_spread_then_binpack_request():
    """A fleet with room everywhere is answered from the index (the equivalence test above
    would pass vacuously if it never were), ties included, and it draws once for a tie."""
    from lab.sim.placement import TaskNeeds, _place_indexed, _place_scan
    from tests.strategies import AZS, InstanceSpec

    fleet = build_fleet([InstanceSpec(az, "m5.large", 2048, 4096 + 512 * k, 3, ACTIVE, True, None) for k, az in enumerate(AZS * 2)])
    shape = (Strategy("spread", "attribute:ecs.availability-zone"), Strategy("binpack", "memory"))
    needs = TaskNeeds(cpu=256, memory_mib=512, group="family:web")
    assert _place_indexed(fleet, needs, shape, random.Random(1)) == 0  # the least free memory; no AZ has a task
    for i in (0, 1, 2):  # one task per AZ, leaving instances 0-2 with 1,024 MiB free each
        fleet.reserve(i, cpu=256, memory_mib=3072 + 512 * i, ports=(), dynamic_ports=0, eni=False, group="family:web")
    fast, slow = random.Random(7), random.Random(7)
    choice = _place_indexed(fleet, needs, shape, fast)
    assert choice in (0, 1, 2) and choice == _place_scan(fleet, needs, shape, (), slow).index
    assert fast.getstate() == slow.getstate() != random.Random(7).getstate()


def test_the_sorted_index_chooses_as_the_scan_does_over_a_large_fleet_filled_up():
    """600 instances of mixed sizes, some unavailable, filled until placement refuses, with
    stops in between: every decision the index takes is the scan's, with the same draws,
    including those where it gives up after ``SCAN_LIMIT`` entries (instances with free
    memory but not enough CPU) and leaves the decision to the scan."""
    from lab.sim.fleet import DRAINING
    from lab.sim.placement import SCAN_LIMIT, TaskNeeds, _place_indexed, _place_scan
    from tests.strategies import AZS, InstanceSpec

    work = random.Random(2026)
    specs = [
        InstanceSpec(AZS[k % 3], "m5.large", work.choice([512, 1024, 2048, 4096]), work.choice([2048, 4096, 8192, 16384]), 3, ACTIVE, True, None)
        for k in range(600)
    ]
    fleet = build_fleet(specs)
    for i in work.sample(range(600), 20):
        fleet.set_status(i, DRAINING)
    fast, slow = random.Random(5), random.Random(5)
    placed: list[tuple[int, TaskNeeds]] = []
    decided = gave_up = 0
    for step in range(6000):
        shape = _INDEXED_SHAPES[step % 4]
        if placed and work.random() < 0.2:
            i, needs = placed.pop(work.randrange(len(placed)))
            fleet.release(i, cpu=needs.cpu, memory_mib=needs.memory_mib, ports=(), dynamic_ports=0, eni=False, group=needs.group)
            continue
        needs = TaskNeeds(cpu=work.choice([0, 256, 512, 1024]), memory_mib=work.choice([256, 512, 1024, 2048]), group="family:web")
        before = fast.getstate()
        choice = _place_indexed(fleet, needs, shape, fast)
        scan = _place_scan(fleet, needs, shape, (), slow)
        if choice is None:
            assert fast.getstate() == before
            fast.setstate(slow.getstate())
            gave_up += scan.index is not None
        else:
            decided += 1
            assert choice == scan.index
            assert fast.getstate() == slow.getstate()
        if scan.index is not None:
            fleet.reserve(scan.index, cpu=needs.cpu, memory_mib=needs.memory_mib, ports=(), dynamic_ports=0, eni=False, group=needs.group)
            placed.append((scan.index, needs))
    # The run covers both paths: most decisions from the index, some left to the scan
    # although an instance fitted (more than SCAN_LIMIT entries looked at).
    assert decided > 1000 and gave_up > 0, (decided, gave_up, SCAN_LIMIT)
