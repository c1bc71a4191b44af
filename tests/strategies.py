"""Hypothesis strategies shared by the property tests: fleets of instances and task needs."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from lab.sim.fleet import ACTIVE, DRAINING, Fleet
from lab.sim.placement import Constraint, Strategy, TaskNeeds

AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
TYPES = ("t3.medium", "m5.large", "c5.xlarge")


@dataclass(frozen=True)
class InstanceSpec:
    """One generated instance."""

    az: str
    instance_type: str
    cpu: int
    memory_mib: int
    eni_slots: int
    status: int
    connected: bool
    stack: str | None


instance_specs = st.builds(
    InstanceSpec,
    az=st.sampled_from(AZS),
    instance_type=st.sampled_from(TYPES),
    cpu=st.sampled_from([1024, 2048, 4096]),
    memory_mib=st.integers(min_value=256, max_value=8192),
    eni_slots=st.integers(min_value=0, max_value=3),
    status=st.sampled_from([ACTIVE, ACTIVE, ACTIVE, DRAINING]),
    connected=st.sampled_from([True, True, True, False]),
    stack=st.sampled_from([None, "prod", "dev"]),
)


def build_fleet(specs: list[InstanceSpec]) -> Fleet:
    """A fleet with one instance per spec, ids ``ci-<n>``."""
    fleet = Fleet(capacity=4)
    for n, s in enumerate(specs):
        attributes = {"ecs.availability-zone": s.az, "ecs.instance-type": s.instance_type}
        if s.stack:
            attributes["stack"] = s.stack
        fleet.add(
            container_instance_id=f"ci-{n}",
            arn=f"arn:aws:ecs:us-east-1:123456789012:container-instance/prod/ci-{n}",
            ec2_instance_id=f"i-{n:017x}",
            instance_type=s.instance_type,
            availability_zone=s.az,
            cpu=s.cpu,
            memory_mib=s.memory_mib,
            eni_slots=s.eni_slots,
            attributes=attributes,
            status=s.status,
            connected=s.connected,
        )
    return fleet


task_needs = st.builds(
    TaskNeeds,
    cpu=st.sampled_from([0, 128, 256, 512, 1024]),
    memory_mib=st.integers(min_value=64, max_value=2048),
    group=st.sampled_from(["family:web", "family:worker"]),
    ports=st.sampled_from([(), (("tcp", 80),), (("tcp", 80), ("udp", 53)), (("tcp", 22),)]),
    dynamic_ports=st.integers(min_value=0, max_value=2),
    eni=st.booleans(),
)

placement_strategies = st.lists(
    st.sampled_from(
        [
            Strategy("binpack", "cpu"),
            Strategy("binpack", "memory"),
            Strategy("spread", "attribute:ecs.availability-zone"),
            Strategy("spread", "instanceId"),
            Strategy("spread", "attribute:stack"),
            Strategy("random"),
        ]
    ),
    min_size=0,
    max_size=3,
).map(tuple)

placement_constraints = st.lists(
    st.sampled_from(
        [
            Constraint("distinctInstance"),
            Constraint("memberOf", "attribute:stack == prod"),
            Constraint("memberOf", "attribute:ecs.availability-zone in [us-east-1a, us-east-1b]"),
            Constraint("memberOf", "not(attribute:stack exists)"),
            Constraint("memberOf", "runningTasksCount < 3"),
        ]
    ),
    max_size=2,
).map(tuple)
