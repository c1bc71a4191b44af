"""Benchmarks for the simulator core, run by hand: ``python benchmarks/bench_sim.py``.

Measures, side by side in one process:

(a) placements per second at 100, 1,000 and 5,000 instances with
    spread(attribute:ecs.availability-zone) then binpack(memory), each placement reserved so
    the fleet fills up as it would; next to it a reference: a bare Python scan that reads one
    number per instance (what any placement must at least do), so the ratio travels between
    machines;
(b) simulator events per second (events in the world's log per wall second, for a world
    running RunTask batches through the full task lifecycle) as a ratio to a bare SimPy loop
    processing the same number of events.

Prints a Markdown table for benchmarks/README.md. Numbers are medians of repeated runs.
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import simpy  # noqa: E402

from lab.sim.fleet import Fleet  # noqa: E402
from lab.sim.placement import Strategy, TaskNeeds, place  # noqa: E402

AZS = ("us-east-1a", "us-east-1b", "us-east-1c")
STRATEGIES = (Strategy("spread", "attribute:ecs.availability-zone"), Strategy("binpack", "memory"))


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


def placements_per_second(n: int, placements: int) -> float:
    fleet = _fleet(n)
    rng = random.Random(1)
    needs = TaskNeeds(cpu=128, memory_mib=256, group="service:web")
    start = time.perf_counter()
    for _ in range(placements):
        d = place(fleet, needs, strategies=STRATEGIES, rng=rng)
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


def world_run(name: str) -> tuple[float, int, int]:
    """Run a workload document to its duration; return (wall s, SimPy events, log events)."""
    from lab.scenario.simdoc import build_world, load_sim_document

    loaded = load_sim_document(Path(__file__).parent / name)
    world = build_world(loaded, seed=1)
    env = world.env
    until = loaded.spec.run.duration
    steps = 0
    start = time.perf_counter()
    while env.peek() <= until:
        env.step()
        steps += 1
    return time.perf_counter() - start, steps, len(world.log)


def median(fn, repeat: int = 5) -> float:
    return statistics.median(fn() for _ in range(repeat))


def main() -> None:
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, {platform.system()}")
    print()
    print("| instances | placements/s | bare scans/s (reference) | ratio | target |")
    print("|---:|---:|---:|---:|---|")
    for n, count, target in ((100, 5000, ""), (1000, 5000, ">= 7,000/s"), (5000, 3000, ">= 2,000/s")):
        rate = median(lambda: placements_per_second(n, count), 3)
        ref = median(lambda: reference_scans_per_second(n, 300), 3)
        print(f"| {n:,} | {rate:,.0f} | {ref:,.0f} | {rate / ref:.2f} | {target} |")
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
