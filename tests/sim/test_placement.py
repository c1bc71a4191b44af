"""Unit tests for task placement (lab.sim.placement) on small hand-built fleets."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pytest

from lab.sim.fleet import ACTIVE, DEFAULT_RESERVED_PORTS, DRAINING, MAX_RESERVED_PORTS, Fleet
from lab.sim.placement import (
    Constraint,
    PlacementDecision,
    PlacementError,
    Strategy,
    TaskNeeds,
    explain,
    place,
    validate_constraints,
    validate_strategies,
)

# --- helpers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class I:  # noqa: E742 - a one-letter spec keeps the fleet tables readable
    """One container instance of a hand-built fleet; ``az`` is the letter after ``us-east-1``."""

    az: str = "a"
    cpu: int = 4096
    mem: int = 8192
    type: str = "m5.large"
    eni: int = 2
    eni_capable: bool = True
    status: int = ACTIVE
    connected: bool = True
    attrs: Mapping[str, str] = field(default_factory=dict)
    ec2: str | None = None
    agent: str = "1.89.0"
    registered: str = "2026-01-01T00:00:00Z"
    dyn: int | None = None


def build(*specs: I) -> Fleet:
    """A fleet with one instance per spec, ids ``ci-<n>``, built-in AZ and type attributes set."""
    fleet = Fleet(capacity=2)  # small, so building a fleet also exercises growth
    for n, s in enumerate(specs):
        az = f"us-east-1{s.az}"
        extra = {} if s.dyn is None else {"dynamic_ports": s.dyn}
        fleet.add(
            container_instance_id=f"ci-{n}",
            arn=f"arn:aws:ecs:us-east-1:123456789012:container-instance/lab/ci-{n}",
            ec2_instance_id=s.ec2 or f"i-{n:08x}",
            instance_type=s.type,
            availability_zone=az,
            cpu=s.cpu,
            memory_mib=s.mem,
            eni_slots=s.eni,
            eni_capable=s.eni_capable,
            attributes={"ecs.availability-zone": az, "ecs.instance-type": s.type, **s.attrs},
            registered_at=s.registered,
            agent_version=s.agent,
            status=s.status,
            connected=s.connected,
            **extra,
        )
    return fleet


def task(
    cpu: int = 128,
    mem: int = 128,
    group: str = "family:web",
    ports: tuple[tuple[str, int], ...] = (),
    dyn: int = 0,
    eni: bool = False,
) -> TaskNeeds:
    """Task needs with small defaults."""
    return TaskNeeds(cpu=cpu, memory_mib=mem, group=group, ports=ports, dynamic_ports=dyn, eni=eni)


def run(fleet: Fleet, i: int, needs: TaskNeeds, times: int = 1) -> None:
    """Account ``times`` tasks with ``needs`` as running on instance ``i``."""
    for _ in range(times):
        fleet.reserve(
            i, cpu=needs.cpu, memory_mib=needs.memory_mib, ports=needs.ports,
            dynamic_ports=needs.dynamic_ports, eni=needs.eni, group=needs.group,
        )


def decide(
    fleet: Fleet,
    needs: TaskNeeds,
    *strategies: Strategy,
    constraints: tuple[Constraint, ...] = (),
    seed: int = 0,
) -> PlacementDecision:
    """place() with the given strategies (random when none) and a fresh seeded generator."""
    return place(
        fleet, needs, strategies=strategies or (Strategy("random"),), constraints=constraints,
        rng=random.Random(seed),
    )


def chosen(fleet: Fleet, needs: TaskNeeds, *strategies: Strategy, constraints: tuple[Constraint, ...] = (), seeds: int = 20) -> set[int | None]:
    """The instances place() picks over several seeds."""
    return {decide(fleet, needs, *strategies, constraints=constraints, seed=s).index for s in range(seeds)}


def eligible(decision: PlacementDecision) -> set[int]:
    """Positions of the instances that passed every check."""
    return {int(i) for i in np.flatnonzero(decision.reasons == 0)}


AZ = Strategy("spread", "attribute:ecs.availability-zone")
BINPACK_MEM = Strategy("binpack", "memory")
BINPACK_CPU = Strategy("binpack", "cpu")
SPREAD_INSTANCE = Strategy("spread", "instanceId")

# --- filters and reason codes ----------------------------------------------------------------


def test_draining_instance_is_never_chosen() -> None:
    """A DRAINING instance is rejected as NOT_ACTIVE even when a strategy would prefer it."""
    fleet = build(I(status=DRAINING, mem=1024), I(mem=8192))
    for strategy in (Strategy("random"), BINPACK_MEM):
        assert chosen(fleet, task(), strategy) == {1}
    assert decide(fleet, task()).rejection(0) == "NOT_ACTIVE"
    assert decide(fleet, task()).rejection(1) is None


@pytest.mark.parametrize(
    ("spec", "needs", "reason", "detail"),
    [
        (I(connected=False), task(), "AGENT", "doesn't have the agent connected."),
        (I(eni_capable=False), task(eni=True), "ATTRIBUTE", "is missing an attribute required by your task."),
        (I(cpu=256), task(cpu=512), "RESOURCE:CPU", "has insufficient CPU units available."),
        (I(mem=256), task(mem=512), "RESOURCE:MEMORY", "has insufficient memory available."),
        (I(), task(ports=(("tcp", 22),)), "RESOURCE:PORTS", "is already using a port required by your task."),
        (I(dyn=0), task(dyn=1), "RESOURCE:PORTS", "is already using a port required by your task."),
        (I(eni=0), task(eni=True), "RESOURCE:ENI", 'encountered error "RESOURCE:ENI".'),
    ],
    ids=["agent", "task-eni", "cpu", "memory", "static-port", "dynamic-port", "eni"],
)
def test_single_instance_failure_reason_and_wording(spec: I, needs: TaskNeeds, reason: str, detail: str) -> None:
    """A lone instance failing one check gives that reason code and ECS's closest-match wording."""
    fleet = build(spec)
    decision = decide(fleet, needs)
    assert not decision.placed
    assert decision.candidates == 0
    assert decision.rejection(0) == reason
    assert decision.closest == 0
    assert decision.failure_reason == reason
    assert decision.failure_detail == detail


def test_exact_fit_is_accepted() -> None:
    """A task that uses exactly the free CPU, memory and ENI slots still fits."""
    fleet = build(I(cpu=512, mem=1024, eni=1))
    assert decide(fleet, task(cpu=512, mem=1024, eni=True)).index == 0


def test_zero_cpu_task_fits_an_instance_with_no_cpu_left() -> None:
    """A task without a CPU reservation is not rejected for CPU."""
    fleet = build(I(cpu=512))
    run(fleet, 0, task(cpu=512))
    assert decide(fleet, task(cpu=0)).index == 0
    assert decide(fleet, task(cpu=1)).rejection(0) == "RESOURCE:CPU"


@pytest.mark.parametrize(
    ("spec", "needs", "constraints", "reason"),
    [
        (I(status=DRAINING, connected=False, cpu=0), task(), (), "NOT_ACTIVE"),
        (I(connected=False, eni_capable=False), task(eni=True), (), "AGENT"),
        (I(eni_capable=False, cpu=0), task(eni=True), (), "RESOURCE:CPU"),
        (I(cpu=0, mem=0), task(), (), "RESOURCE:CPU"),
        (I(mem=0), task(ports=(("tcp", 22),)), (), "RESOURCE:MEMORY"),
        (I(eni=0), task(ports=(("tcp", 22),), eni=True), (), "RESOURCE:PORTS"),
        (I(eni=0), task(eni=True), (Constraint("memberOf", "attribute:stack == prod"),), "RESOURCE:ENI"),
        (I(eni=0, eni_capable=False), task(eni=True), (), "RESOURCE:ENI"),
        (I(eni_capable=False), task(eni=True), (Constraint("memberOf", "attribute:stack == prod"),), "ATTRIBUTE"),
    ],
    ids=["status-before-agent", "agent-before-attribute", "cpu-before-attribute", "cpu-before-memory",
         "memory-before-ports", "ports-before-eni", "eni-before-memberOf", "eni-before-attribute", "attribute-before-memberOf"],
)
def test_first_failed_check_in_ecs_order_is_reported(
    spec: I, needs: TaskNeeds, constraints: tuple[Constraint, ...], reason: str
) -> None:
    """An instance failing several checks is rejected for the earliest one in ECS order."""
    fleet = build(spec)
    assert decide(fleet, needs, constraints=constraints).rejection(0) == reason


def test_member_of_is_reported_before_distinct_instance() -> None:
    """An instance failing both constraints reports MemberOf, the earlier check, whatever the list order."""
    fleet = build(I())
    run(fleet, 0, task())
    decision = decide(
        fleet, task(),
        constraints=(Constraint("distinctInstance"), Constraint("memberOf", "attribute:stack == prod")),
    )
    assert decision.rejection(0) == "MemberOf placement constraint unsatisfied"


def test_closest_match_does_not_depend_on_constraint_order() -> None:
    """The closest match is the instance that failed fewer checks, however the constraints are listed."""
    fleet = build(I(attrs={"stack": "dev"}), I(attrs={"stack": "dev"}))
    run(fleet, 1, task())
    member_of = Constraint("memberOf", "attribute:stack == prod")
    for constraints in ((member_of, Constraint("distinctInstance")), (Constraint("distinctInstance"), member_of)):
        decision = decide(fleet, task(), constraints=constraints)
        assert decision.closest == 0
        assert decision.failure_detail == 'encountered error "MemberOf placement constraint unsatisfied."'


def test_static_host_port_in_use_rejects_second_task() -> None:
    """Like RunTask --count 2 with a fixed host port on one instance, the second task fails on PORTS."""
    fleet = build(I())
    needs = task(ports=(("tcp", 80),))
    first = decide(fleet, needs)
    assert first.index == 0
    run(fleet, 0, needs)
    second = decide(fleet, needs)
    assert second.failure_reason == "RESOURCE:PORTS"
    assert second.failure_detail == "is already using a port required by your task."
    assert decide(fleet, task(ports=(("tcp", 8080),))).index == 0


@pytest.mark.parametrize("port", DEFAULT_RESERVED_PORTS)
def test_agent_reserved_tcp_ports_are_always_busy(port: int) -> None:
    """The agent's reserved TCP ports (22, 2375, 2376, 51678, 51679) are never free for a task."""
    fleet = build(I(), I())
    decision = decide(fleet, task(ports=(("tcp", port),)))
    assert [decision.rejection(i) for i in range(2)] == ["RESOURCE:PORTS"] * 2
    assert decide(fleet, task(ports=(("udp", port),))).placed


def test_udp_and_tcp_ports_are_independent() -> None:
    """Holding TCP 53 does not block UDP 53 on the same instance, but blocks another TCP 53."""
    fleet = build(I())
    run(fleet, 0, task(ports=(("tcp", 53),)))
    assert decide(fleet, task(ports=(("udp", 53),))).index == 0
    run(fleet, 0, task(ports=(("udp", 53),)))
    assert decide(fleet, task(ports=(("udp", 53),))).rejection(0) == "RESOURCE:PORTS"
    assert decide(fleet, task(ports=(("tcp", 53),))).rejection(0) == "RESOURCE:PORTS"


def test_reserved_ports_limit_of_one_hundred_includes_agent_defaults() -> None:
    """With the 5 agent ports reserved, 95 task host ports fill the 100-port limit and one more fails."""
    fleet = build(I())
    room = MAX_RESERVED_PORTS - len(DEFAULT_RESERVED_PORTS)
    run(fleet, 0, task(ports=tuple(("tcp", 1000 + p) for p in range(room - 1))))
    assert decide(fleet, task(ports=(("tcp", 5000),))).index == 0
    assert decide(fleet, task(ports=(("tcp", 5000), ("udp", 5000)))).rejection(0) == "RESOURCE:PORTS"
    run(fleet, 0, task(ports=(("tcp", 5000),)))
    decision = decide(fleet, task(ports=(("udp", 6000),)))
    assert decision.rejection(0) == "RESOURCE:PORTS"
    assert decide(fleet, task(dyn=5)).index == 0, "dynamic ports do not count towards the limit"


def test_dynamic_ports_exhausted() -> None:
    """Once the ephemeral range is used up, a bridge task asking for a dynamic port fails on PORTS."""
    fleet = build(I(dyn=2))
    assert decide(fleet, task(dyn=2)).index == 0
    run(fleet, 0, task(dyn=2))
    assert decide(fleet, task(dyn=1)).rejection(0) == "RESOURCE:PORTS"
    assert decide(fleet, task()).index == 0, "a task without dynamic ports still fits"


def test_eni_slots_run_out() -> None:
    """An instance with one free ENI slot takes one awsvpc task, then fails the next on RESOURCE:ENI."""
    fleet = build(I(eni=1))
    run(fleet, 0, task(eni=True))
    decision = decide(fleet, task(eni=True))
    assert decision.failure_reason == "RESOURCE:ENI"
    assert decision.failure_detail == 'encountered error "RESOURCE:ENI".'
    assert decide(fleet, task()).index == 0, "a bridge task needs no ENI"


def test_member_of_rejection_and_wording() -> None:
    """An instance with room that does not match memberOf is rejected as MemberOf with ECS's text."""
    fleet = build(I(attrs={"stack": "dev"}))
    decision = decide(fleet, task(), constraints=(Constraint("memberOf", "attribute:stack == prod"),))
    assert decision.rejection(0) == "MemberOf placement constraint unsatisfied"
    assert decision.failure_reason == "MemberOf placement constraint unsatisfied"
    assert decision.failure_detail == 'encountered error "MemberOf placement constraint unsatisfied."'


def test_closest_match_is_the_instance_that_got_furthest() -> None:
    """Enough CPU but too little memory beats too little CPU, wherever the instances sit."""
    needs = task(cpu=512, mem=512)
    for fleet, best in ((build(I(cpu=256), I(cpu=4096, mem=256)), 1), (build(I(cpu=4096, mem=256), I(cpu=256)), 0)):
        decision = decide(fleet, needs)
        assert decision.closest == best
        assert decision.failure_reason == "RESOURCE:MEMORY"
        assert decision.failure_detail == "has insufficient memory available."


def test_closest_match_prefers_a_resource_failure_over_a_disconnected_agent() -> None:
    """A connected instance short of CPU is closer than one whose agent is disconnected."""
    fleet = build(I(connected=False), I(cpu=256))
    decision = decide(fleet, task(cpu=512))
    assert decision.closest == 1
    assert decision.failure_detail == "has insufficient CPU units available."


def test_closest_match_tie_goes_to_the_first_registered() -> None:
    """Among instances that failed the same check, the first registered is the closest match."""
    fleet = build(I(mem=100), I(mem=200), I(mem=300))
    assert decide(fleet, task(mem=512)).closest == 0


def test_no_instances_at_all() -> None:
    """An empty cluster fails with NoInstances and ECS's "No Container Instances" text."""
    decision = decide(Fleet(), task())
    assert not decision.placed
    assert decision.closest is None
    assert decision.failure_reason == "NoInstances"
    assert decision.failure_detail == "No Container Instances were found in your cluster."


def test_only_draining_instances_gives_no_closest_match() -> None:
    """When every instance is DRAINING there is no closest match to name."""
    fleet = build(I(status=DRAINING), I(status=DRAINING))
    decision = decide(fleet, task())
    assert decision.closest is None
    assert [decision.rejection(i) for i in range(2)] == ["NOT_ACTIVE", "NOT_ACTIVE"]
    assert decision.failure_reason == "NoInstances"


def test_only_disconnected_instances_names_the_agent() -> None:
    """When every instance has its agent disconnected, the closest match says so."""
    fleet = build(I(connected=False))
    decision = decide(fleet, task())
    assert decision.closest == 0
    assert decision.failure_detail == "doesn't have the agent connected."


def test_instance_back_to_active_is_a_candidate_again() -> None:
    """An instance set DRAINING then ACTIVE again, or reconnected, is eligible again."""
    fleet = build(I(), I())
    fleet.set_status(0, DRAINING)
    fleet.set_connected(1, False)
    assert not decide(fleet, task()).placed
    fleet.set_status(0, ACTIVE)
    fleet.set_connected(1, True)
    assert chosen(fleet, task()) == {0, 1}


def test_placement_does_not_change_the_fleet() -> None:
    """place() and explain() leave every resource column as it was."""
    fleet = build(I(), I(mem=1024))
    before = (fleet.cpu_free.copy(), fleet.mem_free.copy(), fleet.task_count.copy())
    decide(fleet, task(ports=(("tcp", 80),), dyn=1, eni=True), BINPACK_MEM, AZ)
    explain(fleet, task(), strategies=(AZ, BINPACK_MEM))
    assert all((a == b).all() for a, b in zip(before, (fleet.cpu_free, fleet.mem_free, fleet.task_count)))


# --- strategies --------------------------------------------------------------------------------


def test_binpack_memory_picks_least_free_memory_that_still_fits() -> None:
    """binpack(memory) chooses the instance with the least free memory among those that fit."""
    fleet = build(I(mem=4096), I(mem=1024), I(mem=512), I(mem=2048))
    assert chosen(fleet, task(mem=768), BINPACK_MEM) == {1}


def test_binpack_cpu_picks_least_free_cpu_that_still_fits() -> None:
    """binpack(cpu) chooses the instance with the least free CPU among those that fit."""
    fleet = build(I(cpu=2048, mem=512), I(cpu=256), I(cpu=1024), I(cpu=4096))
    assert chosen(fleet, task(cpu=512), BINPACK_CPU) == {2}


def test_binpack_ranks_on_remaining_not_registered_resources() -> None:
    """binpack looks at what running tasks left free, not at the registered size."""
    fleet = build(I(mem=8192), I(mem=4096))
    run(fleet, 0, task(mem=6144))
    assert chosen(fleet, task(mem=512), BINPACK_MEM) == {0}


def test_spread_az_counts_only_tasks_of_the_same_group() -> None:
    """spread(AZ) picks the AZ with the fewest tasks of the group, ignoring other groups' tasks."""
    fleet = build(I(az="a"), I(az="b"), I(az="c"))
    web, worker = task(group="family:web"), task(group="family:worker")
    run(fleet, 0, web, 2)
    run(fleet, 1, web, 1)
    run(fleet, 2, worker, 5)
    assert chosen(fleet, web, AZ) == {2}
    assert chosen(fleet, worker, AZ) == {0, 1}


def test_spread_az_counts_every_instance_in_the_zone() -> None:
    """spread(AZ) sums the group's tasks over all instances of a zone, not per instance."""
    fleet = build(I(az="a"), I(az="a"), I(az="b"))
    web = task()
    run(fleet, 0, web)
    run(fleet, 1, web)
    run(fleet, 2, web)
    # AZ a holds 2 tasks, AZ b holds 1: b wins although every instance holds 1.
    assert chosen(fleet, web, AZ) == {2}


@pytest.mark.parametrize("field_name", ["instanceId", "host"])
def test_spread_instance_picks_fewest_tasks_of_the_group(field_name: str) -> None:
    """spread(instanceId) and its alias spread(host) pick an instance with the fewest tasks of the group."""
    fleet = build(I(), I(), I(), I())
    web, worker = task(), task(group="family:worker")
    run(fleet, 0, web, 2)
    run(fleet, 1, web, 1)
    run(fleet, 2, worker, 4)
    run(fleet, 3, web, 1)
    assert chosen(fleet, web, Strategy("spread", field_name)) == {2}


def test_spread_on_a_custom_attribute() -> None:
    """spread(attribute:rack) balances the group over the values of a custom attribute."""
    fleet = build(I(attrs={"rack": "r1"}), I(attrs={"rack": "r1"}), I(attrs={"rack": "r2"}))
    web = task()
    run(fleet, 0, web)
    assert chosen(fleet, web, Strategy("spread", "attribute:rack")) == {2}
    run(fleet, 2, web, 2)
    assert chosen(fleet, web, Strategy("spread", "attribute:rack")) == {0, 1}


def test_spread_instances_missing_the_attribute_share_one_bucket() -> None:
    """Instances without the spread attribute form one bucket whose count is their tasks together."""
    fleet = build(I(attrs={"rack": "r1"}), I(), I())
    web = task()
    run(fleet, 0, web)
    run(fleet, 1, web)
    # rack r1: 1 task; the no-rack bucket (instances 1 and 2): 1 task in all
    assert chosen(fleet, web, Strategy("spread", "attribute:rack")) == {0, 1, 2}
    run(fleet, 2, web)
    # no-rack bucket now holds 2 tasks, rack r1 holds 1
    assert chosen(fleet, web, Strategy("spread", "attribute:rack")) == {0}


def test_spread_is_best_effort() -> None:
    """When the emptiest AZ has no room, spread still places the task in another AZ."""
    fleet = build(I(az="a"), I(az="b", mem=64))
    web = task(mem=128)
    run(fleet, 0, web, 3)
    assert chosen(fleet, web, AZ) == {0}


def test_spread_counts_follow_attribute_changes() -> None:
    """After put-attributes moves an instance to another rack, spread counts the racks anew."""
    fleet = build(I(attrs={"rack": "r1"}), I(attrs={"rack": "r1"}), I(attrs={"rack": "r2"}))
    web = task()
    spread_rack = Strategy("spread", "attribute:rack")
    run(fleet, 0, web)
    run(fleet, 2, web)
    assert chosen(fleet, web, spread_rack) == {0, 1, 2}
    fleet.set_attributes(0, {"rack": "r2"})
    # r1 = {1}: 0 tasks; r2 = {0, 2}: 2 tasks
    assert chosen(fleet, web, spread_rack) == {1}


def test_spread_counts_follow_reserve_and_release() -> None:
    """Sequential spread(AZ) placements see the tasks reserved and released in between."""
    fleet = build(I(az="a"), I(az="b"), I(az="c"))
    web = task()
    rng = random.Random(3)
    placed = []
    for _ in range(6):
        i = place(fleet, web, strategies=(AZ,), rng=rng).index
        assert i is not None
        run(fleet, i, web)
        placed.append(i)
    assert sorted(placed) == [0, 0, 1, 1, 2, 2]
    fleet.release(1, cpu=128, memory_mib=128, ports=(), dynamic_ports=0, eni=False, group="family:web")
    assert chosen(fleet, web, AZ) == {1}


def test_random_is_reproducible_with_the_same_seed() -> None:
    """The random strategy makes the same choices from the same seed."""
    fleet = build(*(I() for _ in range(6)))
    picks = [[place(fleet, task(), strategies=(Strategy("random"),), rng=rng).index for _ in range(20)]
             for rng in (random.Random(42), random.Random(42))]
    assert picks[0] == picks[1]


def test_random_differs_across_seeds_and_skips_ineligible_instances() -> None:
    """Over many seeds random reaches every eligible instance and never an ineligible one."""
    fleet = build(I(), I(mem=64), I(), I(status=DRAINING), I(), I(connected=False))
    picks = chosen(fleet, task(mem=128), Strategy("random"), seeds=200)
    assert picks == {0, 2, 4}


def test_no_strategy_places_on_any_eligible_instance() -> None:
    """With an empty strategy list, ties are broken by the seeded generator among eligible instances."""
    fleet = build(I(), I(cpu=0), I())
    picks = {place(fleet, task(), strategies=(), rng=random.Random(s)).index for s in range(50)}
    assert picks == {0, 2}


def test_spread_az_then_binpack_memory_binpacks_within_the_emptiest_az() -> None:
    """spread(AZ) then binpack(memory) picks the fullest instance of the least-loaded AZ."""
    fleet = build(
        I(az="a", mem=1024), I(az="a", mem=8192),
        I(az="b", mem=4096), I(az="b", mem=2048), I(az="b", mem=8192),
        I(az="c", mem=1024),
    )
    web = task()
    run(fleet, 1, web)
    run(fleet, 5, web)
    assert chosen(fleet, web, AZ, BINPACK_MEM) == {3}
    assert chosen(fleet, web, BINPACK_MEM) == {5}, "binpack alone goes for the globally fullest"


def test_spread_az_then_spread_instance() -> None:
    """spread(AZ) then spread(instanceId) picks the emptiest instance of the least-loaded AZ."""
    fleet = build(I(az="a"), I(az="a"), I(az="b"), I(az="b"), I(az="b"))
    web = task()
    run(fleet, 0, web, 1)
    run(fleet, 1, web, 1)
    run(fleet, 2, web, 1)
    # a: 2 tasks, b: 1 task; within b, instances 3 and 4 hold none
    assert chosen(fleet, web, AZ, SPREAD_INSTANCE) == {3, 4}
    assert chosen(fleet, web, SPREAD_INSTANCE) == {3, 4}
    run(fleet, 3, web)
    # a: 2, b: 2 → tie between zones; instance 4 is the only one with no task
    assert chosen(fleet, web, AZ, SPREAD_INSTANCE) == {4}


def test_spread_az_then_random_stays_in_the_emptiest_az() -> None:
    """spread(AZ) then random picks at random only among the least-loaded AZ's instances."""
    fleet = build(I(az="a"), I(az="a"), I(az="b"), I(az="b"))
    run(fleet, 0, task())
    assert chosen(fleet, task(), AZ, Strategy("random"), seeds=50) == {2, 3}


def test_strategy_order_matters() -> None:
    """binpack then spread and spread then binpack choose different instances on the same fleet."""
    fleet = build(I(mem=1024), I(mem=4096))
    web = task()
    run(fleet, 0, web)
    assert chosen(fleet, web, BINPACK_MEM, SPREAD_INSTANCE) == {0}
    assert chosen(fleet, web, SPREAD_INSTANCE, BINPACK_MEM) == {1}


# --- constraints -------------------------------------------------------------------------------


def doc_fleet() -> Fleet:
    """Four instances crafted so each documented memberOf example selects a different subset."""
    fleet = build(
        I(az="a", type="t2.micro", ec2="i-abcd1234", agent="1.14.4", registered="2018-02-12T23:59:59Z"),
        I(az="b", type="g2.2xlarge", ec2="i-wxyx7890", agent="1.14.5", registered="2018-02-13T00:00:00Z"),
        I(az="d", type="g2.2xlarge", ec2="i-00000002", agent="1.20.0", registered="2019-06-01T00:00:00Z"),
        I(az="c", type="m5.large", ec2="i-00000003", agent="1.9.0", registered="2017-01-01T00:00:00Z"),
    )
    run(fleet, 0, task(group="service:production"))
    run(fleet, 2, task(group="service:production"))
    run(fleet, 2, task(group="database"))
    return fleet


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attribute:ecs.instance-type =~ t2.*", {0}),
        ("attribute:ecs.availability-zone in [us-east-1a, us-east-1b]", {0, 1}),
        ("attribute:ecs.instance-type =~ g2.* and attribute:ecs.availability-zone != us-east-1d", {1}),
        ("task:group == service:production", {0, 2}),
        ("not(task:group == database)", {0, 1, 3}),
        ("runningTasksCount == 1", {0}),
        ("agentVersion < 1.14.5", {0, 3}),
        ("registeredAt < 2018-02-13", {0, 3}),
        ("ec2InstanceId in ['i-abcd1234', 'i-wxyx7890']", {0, 1}),
    ],
)
def test_documented_member_of_examples_select_the_right_instances(expression: str, expected: set[int]) -> None:
    """Each memberOf example from the ECS docs leaves exactly the matching instances eligible."""
    fleet = doc_fleet()
    decision = decide(fleet, task(group="family:probe"), constraints=(Constraint("memberOf", expression),))
    assert eligible(decision) == expected
    assert {i for i in range(fleet.n) if decision.rejection(i) == "MemberOf placement constraint unsatisfied"} == set(range(fleet.n)) - expected
    assert decision.index in expected


def operator_fleet() -> Fleet:
    """Four instances with a ``stack`` (one missing) and a numeric ``size`` attribute."""
    return build(
        I(attrs={"stack": "prod", "size": "4"}),
        I(attrs={"stack": "dev", "size": "8"}),
        I(attrs={"size": "16"}),
        I(attrs={"stack": "prod-eu", "size": "2"}),
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attribute:stack == prod", {0}),
        ("attribute:stack != prod", {1, 2, 3}),
        ("attribute:size > 4", {1, 2}),
        ("attribute:size >= 4", {0, 1, 2}),
        ("attribute:size < 8", {0, 3}),
        ("attribute:size <= 8", {0, 1, 3}),
        ("attribute:stack exists", {0, 1, 3}),
        ("attribute:stack !exists", {2}),
        ("attribute:stack in [prod, dev]", {0, 1}),
        ("attribute:stack not_in [prod, dev]", {2, 3}),
        ("attribute:stack !in [prod, dev]", {2, 3}),
        ("attribute:stack =~ prod.*", {0, 3}),
        ("attribute:stack !~ prod.*", {1, 2}),
        ("(attribute:stack == prod or attribute:stack == dev) and attribute:size > 4", {1}),
        ("attribute:stack == prod or (attribute:stack == dev and attribute:size > 4)", {0, 1}),
        ("not(attribute:size > 4) and attribute:stack exists", {0, 3}),
        ("!(attribute:stack =~ prod.*) && attribute:size >= 8", {1, 2}),
        ("attribute:stack == dev || attribute:size < 4", {1, 3}),
        ("not(attribute:stack == prod or attribute:stack == dev)", {2, 3}),
    ],
)
def test_every_operator_through_placement(expression: str, expected: set[int]) -> None:
    """Each query-language operator and combinator filters the fleet as documented."""
    decision = decide(operator_fleet(), task(), constraints=(Constraint("memberOf", expression),))
    assert eligible(decision) == expected


def test_several_member_of_constraints_must_all_hold() -> None:
    """Two memberOf constraints act as a conjunction."""
    constraints = (
        Constraint("memberOf", "attribute:stack exists"),
        Constraint("memberOf", "attribute:size >= 4"),
    )
    assert eligible(decide(operator_fleet(), task(), constraints=constraints)) == {0, 1}


def test_distinct_instance_never_stacks_the_same_group() -> None:
    """With distinctInstance, a group's second task goes elsewhere and a third fails on DistinctInstance."""
    fleet = build(I(), I())
    web = task()
    distinct = (Constraint("distinctInstance"),)
    first = decide(fleet, web, constraints=distinct)
    assert first.index is not None
    run(fleet, first.index, web)
    second = decide(fleet, web, constraints=distinct, seed=1)
    assert second.index == 1 - first.index
    run(fleet, second.index, web)
    third = decide(fleet, web, constraints=distinct)
    assert not third.placed
    assert [third.rejection(i) for i in range(2)] == ["DistinctInstance placement constraint unsatisfied"] * 2
    assert third.failure_reason == "DistinctInstance placement constraint unsatisfied"


def test_distinct_instance_allows_a_different_group() -> None:
    """distinctInstance only keeps tasks of the same group apart."""
    fleet = build(I())
    run(fleet, 0, task(group="family:web"))
    assert decide(fleet, task(group="family:worker"), constraints=(Constraint("distinctInstance"),)).index == 0


def test_member_of_cache_is_invalidated_by_put_attributes() -> None:
    """A memberOf result changes after put-attributes adds, changes or deletes the attribute."""
    fleet = build(I(attrs={"stack": "dev"}), I(attrs={"stack": "dev"}))
    prod = (Constraint("memberOf", "attribute:stack == prod"),)
    assert not decide(fleet, task(), constraints=prod).placed
    fleet.set_attributes(1, {"stack": "prod"})
    assert chosen(fleet, task(), constraints=prod) == {1}
    fleet.set_attributes(1, {"stack": None})
    assert not decide(fleet, task(), constraints=prod).placed
    fleet.set_attributes(0, {"stack": "prod"})
    assert chosen(fleet, task(), constraints=prod) == {0}


def test_member_of_cache_sees_instances_registered_later() -> None:
    """A cached memberOf result covers instances that register after it was computed."""
    fleet = build(I(attrs={"stack": "dev"}))
    prod = (Constraint("memberOf", "attribute:stack == prod"),)
    assert not decide(fleet, task(), constraints=prod).placed
    fleet.add(
        container_instance_id="ci-new", arn="arn:aws:ecs:us-east-1:123456789012:container-instance/lab/ci-new",
        ec2_instance_id="i-new", instance_type="m5.large", availability_zone="us-east-1a",
        cpu=2048, memory_mib=4096, eni_slots=2, attributes={"stack": "prod"},
    )
    assert decide(fleet, task(), constraints=prod).index == 1


def test_dynamic_member_of_follows_running_tasks() -> None:
    """An expression on runningTasksCount or task:group tracks tasks reserved since the last placement."""
    fleet = build(I(), I())
    idle = (Constraint("memberOf", "runningTasksCount == 0"),)
    near_db = (Constraint("memberOf", "task:group == database"),)
    assert chosen(fleet, task(), constraints=idle) == {0, 1}
    assert not decide(fleet, task(), constraints=near_db).placed
    run(fleet, 0, task(group="database"))
    assert chosen(fleet, task(), constraints=idle) == {1}
    assert chosen(fleet, task(), constraints=near_db) == {0}


# --- validation -----------------------------------------------------------------------------------


def test_five_strategies_are_allowed_and_six_are_not() -> None:
    """validate_strategies accepts 5 rules and refuses a sixth."""
    validate_strategies((AZ, SPREAD_INSTANCE, BINPACK_MEM, BINPACK_CPU, Strategy("random")))
    with pytest.raises(PlacementError, match="placement strategies can have at most 5 items"):
        validate_strategies((AZ, SPREAD_INSTANCE, BINPACK_MEM, BINPACK_CPU, AZ, Strategy("random")))


def test_ten_constraints_are_allowed_and_eleven_are_not() -> None:
    """validate_constraints accepts 10 constraints and refuses an eleventh."""
    ten = tuple(Constraint("memberOf", f"attribute:n{k} exists") for k in range(9)) + (Constraint("distinctInstance"),)
    parsed = validate_constraints(ten)
    assert set(parsed) == {f"attribute:n{k} exists" for k in range(9)}
    with pytest.raises(PlacementError, match="placement constraints can have at most 10 items"):
        validate_constraints(ten + (Constraint("memberOf", "attribute:x exists"),))


@pytest.mark.parametrize(
    ("strategy", "message"),
    [
        (Strategy("pack", "memory"), "Invalid placement strategy type 'pack'"),
        (Strategy("binpack", "disk"), "Invalid field 'disk' for binpack"),
        (Strategy("binpack"), "for binpack placement strategy"),
        (Strategy("spread"), "for spread placement strategy"),
        (Strategy("spread", "ecs.availability-zone"), "Invalid field 'ecs.availability-zone' for spread"),
        (Strategy("random", "memory"), "random placement strategy takes no field"),
    ],
    ids=["unknown-type", "binpack-disk", "binpack-no-field", "spread-no-field", "spread-bare-name", "random-field"],
)
def test_invalid_strategy_is_refused(strategy: Strategy, message: str) -> None:
    """A strategy ECS would refuse raises PlacementError naming the problem."""
    with pytest.raises(PlacementError, match=message):
        validate_strategies((strategy,))


@pytest.mark.parametrize(
    ("constraint", "message"),
    [
        (Constraint("distinctInstance", "attribute:stack == prod"), "distinctInstance placement constraint takes no expression"),
        (Constraint("memberOf"), "memberOf placement constraint requires an expression"),
        (Constraint("memberOf", ""), "memberOf placement constraint requires an expression"),
        (Constraint("memberOf", "attribute:stack =="), r"Invalid memberOf expression 'attribute:stack =='"),
        (Constraint("memberOf", "attribute:stack == prod and"), r"Invalid memberOf expression"),
        (Constraint("memberOf", "colour == red"), r"Invalid memberOf expression"),
        (Constraint("sameInstance"), "Invalid placement constraint type 'sameInstance'"),
    ],
    ids=["distinct-expr", "memberOf-none", "memberOf-empty", "no-value", "dangling-and", "bad-subject", "unknown-type"],
)
def test_invalid_constraint_is_refused(constraint: Constraint, message: str) -> None:
    """A constraint ECS would refuse raises PlacementError naming the problem."""
    with pytest.raises(PlacementError, match=message):
        validate_constraints((constraint,))


def test_valid_strategies_and_constraints_pass() -> None:
    """Every documented strategy and constraint form validates."""
    validate_strategies((BINPACK_CPU, BINPACK_MEM, AZ, Strategy("spread", "host"), Strategy("random")))
    validate_strategies(())
    parsed = validate_constraints((Constraint("distinctInstance"), Constraint("memberOf", "attribute:stack == prod")))
    assert parsed["attribute:stack == prod"].source == "attribute:stack == prod"


# --- explain ---------------------------------------------------------------------------------------


def mixed_fleet() -> Fleet:
    """Seven instances: draining, disconnected, short of CPU, short of memory, and three that fit."""
    return build(
        I(status=DRAINING, mem=512),
        I(connected=False, mem=512),
        I(cpu=64),
        I(mem=64),
        I(mem=4096),
        I(mem=1024),
        I(mem=2048),
    )


def test_explain_gives_one_verdict_per_instance_with_first_failed_check() -> None:
    """explain() names each rejected instance's first failed check with a sentence for the learner."""
    fleet = mixed_fleet()
    verdicts = explain(fleet, task(cpu=128, mem=128), strategies=(BINPACK_MEM,))
    assert [v.index for v in verdicts] == list(range(fleet.n))
    assert [v.container_instance_id for v in verdicts] == [f"ci-{n}" for n in range(fleet.n)]
    assert [v.reason for v in verdicts] == [
        "NOT_ACTIVE", "AGENT", "RESOURCE:CPU", "RESOURCE:MEMORY", None, None, None,
    ]
    assert verdicts[0].status == "DRAINING"
    assert "DRAINING" in (verdicts[0].detail or "")
    assert verdicts[1].detail == "doesn't have the agent connected."
    assert verdicts[2].detail == "has insufficient CPU units available."
    assert verdicts[3].detail == "has insufficient memory available."
    assert all(v.rank is None and v.strategy_keys == () for v in verdicts[:4])
    assert {v.availability_zone for v in verdicts} == {"us-east-1a"}


def test_explain_ranks_agree_with_place_for_binpack() -> None:
    """explain() ranks the eligible instances 1..k by binpack and rank 1 is place()'s choice."""
    fleet = mixed_fleet()
    needs = task(cpu=128, mem=128)
    verdicts = explain(fleet, needs, strategies=(BINPACK_MEM,))
    assert {v.index: v.rank for v in verdicts if v.rank is not None} == {5: 1, 6: 2, 4: 3}
    assert {v.index: v.strategy_keys for v in verdicts if v.rank is not None} == {
        4: (4096,), 5: (1024,), 6: (2048,),
    }
    first = next(v.index for v in verdicts if v.rank == 1)
    assert chosen(fleet, needs, BINPACK_MEM) == {first}


def test_explain_ranks_lexicographically_on_chained_strategies() -> None:
    """With spread(AZ) then binpack(memory), keys are (group tasks in the AZ, free memory) and rank 1 is place()'s choice."""
    fleet = build(I(az="a", mem=1024), I(az="b", mem=4096), I(az="b", mem=2048), I(az="c", mem=512))
    web = task()
    run(fleet, 0, web)
    run(fleet, 3, web, 2)
    verdicts = explain(fleet, web, strategies=(AZ, BINPACK_MEM))
    assert [v.strategy_keys for v in verdicts] == [(1, 1024 - 128), (0, 4096), (0, 2048), (2, 512 - 256)]
    assert [v.rank for v in verdicts] == [3, 2, 1, 4]
    assert chosen(fleet, web, AZ, BINPACK_MEM) == {2}


def test_explain_when_nothing_fits_ranks_nobody() -> None:
    """When no instance is eligible, explain() has no ranks and every verdict carries a reason."""
    fleet = build(I(mem=64), I(status=DRAINING))
    verdicts = explain(fleet, task(mem=128), strategies=(AZ,))
    assert [(v.reason, v.rank) for v in verdicts] == [("RESOURCE:MEMORY", None), ("NOT_ACTIVE", None)]
    assert verdicts[1].status == "DRAINING"


def test_explain_names_member_of_and_distinct_instance_rejections() -> None:
    """explain() reports constraint rejections with the constraint's ECS wording."""
    fleet = build(I(attrs={"stack": "dev"}), I(attrs={"stack": "prod"}), I(attrs={"stack": "prod"}))
    run(fleet, 1, task())
    constraints = (Constraint("memberOf", "attribute:stack == prod"), Constraint("distinctInstance"))
    verdicts = explain(fleet, task(), constraints=constraints)
    assert [v.reason for v in verdicts] == ["MemberOf placement constraint unsatisfied", "DistinctInstance placement constraint unsatisfied", None]
    assert verdicts[0].detail == 'encountered error "MemberOf placement constraint unsatisfied."'
    assert verdicts[2].rank == 1


# --- reserve / release --------------------------------------------------------------------------


def _columns(fleet: Fleet) -> dict[str, object]:
    """A copy of every per-instance column, absent port/group columns read as all-zero."""
    n = fleet.n
    cols: dict[str, object] = {
        name: getattr(fleet, name)[:n].copy()
        for name in ("cpu_free", "mem_free", "eni_free", "dyn_ports_free", "static_ports_count", "task_count",
                     "cpu_registered", "mem_registered", "status", "connected", "eni_capable", "az")
    }
    cols["ports"] = {k: v[:n].copy() for k, v in fleet.port_used.items() if v[:n].any()}
    cols["groups"] = {k: v[:n].copy() for k, v in fleet.group_counts.items() if v[:n].any()}
    cols["groups_of"] = [fleet.task_groups(i) for i in range(n)]
    return cols


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, dict):
            if x.keys() != y.keys() or any(not np.array_equal(x[k], y[k]) for k in x):  # type: ignore[union-attr]
                return False
        elif isinstance(x, np.ndarray):
            if not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return True


def test_reserve_then_release_restores_every_column() -> None:
    """Reserving a task and releasing it leaves every column and spread count exactly as before."""
    fleet = build(I(az="a"), I(az="b", dyn=100), I(az="c"))
    run(fleet, 0, task(group="family:other", ports=(("tcp", 443),)))
    # warm the spread-count cache so reserve/release update it incrementally
    fleet.value_counts("family:web", "ecs.availability-zone")
    before = _columns(fleet)
    counts_before, _ = fleet.value_counts("family:web", "ecs.availability-zone")
    counts_before = counts_before.copy()
    needs = task(cpu=512, mem=1024, ports=(("tcp", 80), ("udp", 53)), dyn=3, eni=True, group="family:web")
    run(fleet, 1, needs)
    during = _columns(fleet)
    assert not _same(before, during)
    assert fleet.cpu_free[1] == 4096 - 512 and fleet.mem_free[1] == 8192 - 1024
    assert fleet.eni_free[1] == 1 and fleet.dyn_ports_free[1] == 97
    assert fleet.static_ports_count[1] == len(DEFAULT_RESERVED_PORTS) + 2
    assert fleet.port_used[("tcp", 80)][1] and fleet.port_used[("udp", 53)][1]
    assert fleet.value_counts("family:web", "ecs.availability-zone")[0].tolist() == [0, 0, 1, 0]
    fleet.release(1, cpu=512, memory_mib=1024, ports=needs.ports, dynamic_ports=3, eni=True, group="family:web")
    assert _same(before, _columns(fleet))
    assert np.array_equal(fleet.value_counts("family:web", "ecs.availability-zone")[0], counts_before)
    assert decide(fleet, needs).placed


def test_fleet_with_zero_initial_capacity_accepts_instances() -> None:
    """A fleet created with capacity 0 still grows when the first instance registers."""
    fleet = Fleet(capacity=0)
    fleet.add(
        container_instance_id="ci-0", arn="arn:aws:ecs:us-east-1:123456789012:container-instance/lab/ci-0",
        ec2_instance_id="i-0", instance_type="m5.large", availability_zone="us-east-1a",
        cpu=2048, memory_mib=4096, eni_slots=2,
    )
    assert decide(fleet, task()).index == 0
