"""Benchmark, run by hand: ``python benchmarks/bench_churn.py [--repeat N] [--base DIR]``.

The churn workload (``sim_workload.yaml``: 10,000 short RunTask tasks on 200 instances) in
paired runs: each round starts one fresh process per code tree (this checkout, and ``--base
DIR``, a copy of the code before a change: ``git archive BASE | tar -x -C DIR``), alternating,
and each process times, back to back, the lab's churn run and its two references:

- ``bare model``: the same workload as the least SimPy can express it
  (``bench_sim.bare_churn_model_s``: a process per task waiting out a pull, a start, 60 s and
  an exit; no placement, IAM, layers or records) — the issue's "bare SimPy loop on the churn
  workload", independent of how many SimPy events the lab spends;
- ``bare events``: a bare SimPy loop over as many events as the lab stepped
  (``bench_sim.bare_simpy_events_per_second``; the figure of earlier sessions).

Ratios are reference time / lab time (1.0: as fast as the reference), each taken inside one
process at one moment, then the median over rounds. Prints a Markdown table and the log
digest of each tree's run (equal digests: the same event log).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import gc, hashlib, json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])  # the code tree measured: its lab is imported first
from lab.scenario.simdoc import build_world, load_sim_document
loaded = load_sim_document(Path(sys.argv[1]) / "sim_workload.yaml")
world = build_world(loaded, seed=1)
env, until, steps = world.env, loaded.spec.run.duration, 0
cpu = time.process_time()
start = time.perf_counter()
while env.peek() <= until:
    env.step()
    steps += 1
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
digest = hashlib.sha256(world.log.to_jsonl().encode()).hexdigest()[:16]
events = len(world.log)
del world
gc.collect()
sys.path.insert(0, sys.argv[1])
import bench_sim  # the references (its own lab import finds the tree's modules already loaded)
model_wall, model_steps = bench_sim.bare_churn_model_s()
bare_rate = bench_sim.bare_simpy_events_per_second(steps)
print(json.dumps({"wall": wall, "cpu": cpu, "steps": steps, "events": events, "digest": digest,
                  "model": model_wall, "model_steps": model_steps, "bare_events_s": steps / bare_rate}))
"""


def run(tree: Path) -> dict[str, float]:
    """One fresh process in ``tree``: the lab's churn run and both references."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(tree)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT / "benchmarks"), str(tree)], cwd=tree, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--base", type=Path, help="a copy of the code before a change, measured in the same rounds")
    args = parser.parse_args()
    trees = [("this checkout", ROOT)] + ([("base", args.base.resolve())] if args.base else [])
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in trees}
    for name, tree in trees:  # warm the file cache and .pyc files
        run(tree)
    for _ in range(args.repeat):
        for name, tree in reversed(trees) if _ % 2 else trees:
            results[name].append(run(tree))
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"load average at the end: {load}; N={args.repeat}, alternating")
    print()
    print("| code | lab wall s | lab CPU s | SimPy events | bare model s | ratio to the bare model | bare events s | ratio to bare events | log digest |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, runs in results.items():
        med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
        r_model = statistics.median(r["model"] / r["wall"] for r in runs)
        r_events = statistics.median(r["bare_events_s"] / r["wall"] for r in runs)
        digests = sorted({r["digest"] for r in runs})
        print(
            f"| {name} | {med('wall'):.3f} | {med('cpu'):.3f} | {int(med('steps')):,} | {med('model'):.3f} | {r_model:.3f} | "
            f"{med('bare_events_s'):.3f} | {r_events:.3f} | {' '.join(digests)} |"
        )


if __name__ == "__main__":
    main()
