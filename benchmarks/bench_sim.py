"""Benchmarks for the simulator core, run by hand: ``python benchmarks/bench_sim.py``.

Measures, side by side in one process:

(a) placements per second at 100, 1,000 and 5,000 instances with
    spread(attribute:ecs.availability-zone) then binpack(memory), each placement reserved so
    the fleet fills up as it would; next to it a reference: a bare Python scan that reads one
    number per instance (what any placement must at least do), so the ratio travels between
    machines; and the same placements with a memberOf constraint every instance meets, which
    takes placement's general path (check and rank the whole fleet) instead of its sorted
    free-capacity index;
(b) simulator events per second (events in the world's log per wall second, for a world
    running RunTask batches through the full task lifecycle) as a ratio to a bare SimPy loop
    processing the same number of events.

Prints a Markdown table for benchmarks/README.md. Numbers are medians of repeated runs.
"""

from __future__ import annotations

import hashlib
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import simpy  # noqa: E402

from lab.sim.fleet import Fleet  # noqa: E402
from lab.sim.placement import Constraint, Strategy, TaskNeeds, place, validate_constraints  # noqa: E402

AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
STRATEGIES = (Strategy("spread", "attribute:ecs.availability-zone"), Strategy("binpack", "memory"))
SCAN_CONSTRAINTS = (Constraint("memberOf", "attribute:ecs.instance-type == m5.4xlarge"),)
"""A constraint every instance meets: the same choices, but placement checks and ranks the
whole fleet (the general path) instead of answering from its sorted free-capacity index."""


def _fleet(n: int) -> Fleet:
    fleet = Fleet(capacity=n)
    for i in range(n):
        az = AZS[i % 3]
        fleet.add(
            container_instance_id=f"{i:032x}",
            arn=f"arn:aws:ecs:us-east-1:123456789012:container-instance/prod/{i:032x}",
            ec2_instance_id=f"i-{i:017x}",
            instance_type="m5.4xlarge",
            availability_zone=az,
            cpu=16384,
            memory_mib=63_000,
            eni_slots=3,
            attributes={"ecs.availability-zone": az, "ecs.instance-type": "m5.4xlarge"},
        )
    return fleet


def placements_per_second(n: int, placements: int, constraints: tuple[Constraint, ...] = ()) -> float:
    """Placements per second, each reserved so the fleet fills up (``constraints``: see SCAN_CONSTRAINTS)."""
    fleet = _fleet(n)
    rng = random.Random(1)
    needs = TaskNeeds(cpu=128, memory_mib=256, group="service:web")
    validate_constraints(constraints)
    start = time.perf_counter()
    for _ in range(placements):
        d = place(fleet, needs, strategies=STRATEGIES, constraints=constraints, rng=rng)
        assert d.index is not None
        fleet.reserve(d.index, cpu=128, memory_mib=256, ports=(), dynamic_ports=0, eni=False, group="service:web")
    return placements / (time.perf_counter() - start)


def reference_scans_per_second(n: int, scans: int) -> float:
    free = [15_576] * n
    start = time.perf_counter()
    for _ in range(scans):
        best = -1
        for i in range(n):
            if free[i] >= 512:
                best = i
        free[best] -= 0
    return scans / (time.perf_counter() - start)


def bare_simpy_events_per_second(events: int) -> float:
    env = simpy.Environment()
    per_proc = 100

    def proc(env: simpy.Environment):
        for _ in range(per_proc):
            yield env.timeout(1.5)

    for _ in range(events // per_proc):
        env.process(proc(env))
    start = time.perf_counter()
    env.run()
    return events / (time.perf_counter() - start)


def bare_churn_model_s(seed: int = 1) -> tuple[float, int]:
    """The churn workload as the least SimPy can express it; return (wall s, SimPy events).

    The reference of the churn figure: the same work items as ``sim_workload.yaml`` — every
    3 s a batch of 10 tasks, 1,000 batches; each task a process that waits out its pull
    (a seeded draw around the 80 MB image's first pull, then the cached one), its container
    start (0.5-1.5 s), its app's 60 s and its exit — with no placement, IAM, layers or
    records. Unlike ``bare_simpy_events_per_second(steps)`` it does not depend on how many
    SimPy events the lab spends, so a lab that needs fewer events per task is not penalised.
    """
    env = simpy.Environment()
    rng = random.Random(seed)

    def task(env: simpy.Environment, pull: float):
        yield env.timeout(round(pull * rng.uniform(0.9, 1.1), 3))
        yield env.timeout(round(rng.uniform(0.5, 1.5), 3))
        yield env.timeout(60.0)
        yield env.timeout(0.0)

    def batches(env: simpy.Environment):
        pulled: set[int] = set()
        for _ in range(1000):
            for _ in range(10):
                host = rng.randrange(200)
                pull = 0.6 if host in pulled else 3.0
                pulled.add(host)
                env.process(task(env, pull))
            yield env.timeout(3)

    env.process(batches(env))
    steps = 0
    start = time.perf_counter()
    while env.peek() <= 3000:
        env.step()
        steps += 1
    return time.perf_counter() - start, steps


def _run_world(name: str) -> tuple[float, float, int, Any]:
    """Run a workload document to its duration; return (wall s, CPU s, SimPy events, the world)."""
    from lab.scenario.simdoc import build_world, load_sim_document

    loaded = load_sim_document(Path(__file__).parent / name)
    world = build_world(loaded, seed=1)
    env = world.env
    until = loaded.spec.run.duration
    steps = 0
    cpu = time.process_time()
    start = time.perf_counter()
    while env.peek() <= until:
        env.step()
        steps += 1
    return time.perf_counter() - start, time.process_time() - cpu, steps, world


def world_run(name: str) -> tuple[float, int, int]:
    """Run a workload document to its duration; return (wall s, SimPy events, log events)."""
    wall, _, steps, world = _run_world(name)
    return wall, steps, len(world.log)


def world_run_digest(name: str) -> tuple[float, float, int, int, str]:
    """``world_run`` with the run's CPU s and the SHA-256 (16 hex digits) of its log as JSON lines."""
    wall, cpu, steps, world = _run_world(name)
    return wall, cpu, steps, len(world.log), hashlib.sha256(world.log.to_jsonl().encode()).hexdigest()[:16]


def median(fn, repeat: int = 5) -> float:
    return statistics.median(fn() for _ in range(repeat))


def main() -> None:
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, {platform.system()}")
    print()
    print("| instances | placements/s | bare scans/s (reference) | ratio | full scan: placements/s | ratio | target |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    for n, count, target in ((100, 5000, ""), (1000, 5000, ">= 7,000/s"), (5000, 3000, ">= 2,000/s")):
        rate = median(lambda: placements_per_second(n, count), 3)
        scan = median(lambda: placements_per_second(n, count, SCAN_CONSTRAINTS), 3)
        ref = median(lambda: reference_scans_per_second(n, 300), 3)
        print(f"| {n:,} | {rate:,.0f} | {ref:,.0f} | {rate / ref:.2f} | {scan:,.0f} | {scan / ref:.2f} | {target} |")
    print()
    print("| workload | SimPy events | log events | wall s | SimPy events/s | bare SimPy events/s | ratio | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, what in (
        ("sim_steady.yaml", "steady: 300 tasks, health checks every 5 s, 1 h"),
        ("sim_workload.yaml", "churn: 10,000 short RunTask tasks, 200 instances"),
    ):
        runs = sorted(world_run(name) for _ in range(5))
        wall, steps, events = runs[len(runs) // 2]
        bare = median(lambda: bare_simpy_events_per_second(steps), 5)
        rate = steps / wall
        print(f"| {what} | {steps:,} | {events:,} | {wall:.2f} | {rate:,.0f} | {bare:,.0f} | {rate / bare:.2f} | >= 0.5 |")


if __name__ == "__main__":
    main()
