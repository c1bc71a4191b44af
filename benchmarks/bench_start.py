"""Benchmark, run by hand: ``python benchmarks/bench_start.py [--repeat N] [--all] [ID ...]``.

Start-up cost on a shared, loaded machine: the CPU seconds (user + sys, from
``getrusage(RUSAGE_CHILDREN)``) of one child process per command, median of N, the commands
alternating round by round so that load hits all of them alike, each as a ratio to ``python -c
pass`` measured in the same rounds. Wall seconds are printed too, only to show the load; the
``uptime`` load average is printed before and after. ``--base DIR`` runs every lab command a
second time with DIR as the working folder (a copy of the code before a change, such as
``git archive BASE | tar -x -C DIR``: ``python -m lab`` imports the ``lab`` package of its
working folder first), alternating with this checkout, so a change is measured against its
base in the same rounds. Commands: ``lab --version``, ``lab
list``, and ``lab grade ID --solution`` for the given scenarios (``--all``: every shipped
one; default: ``ecr-pull-denied`` and ``task-role-s3``). Prints a Markdown table.

Unset ``PYTHONDONTWRITEBYTECODE`` first: without cached bytecode every start compiles the lab.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load() -> str:
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def run_once(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """CPU seconds (user + sys) and wall seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--all", action="store_true", help="grade every shipped scenario")
    parser.add_argument("--no-list", action="store_true", help="skip `lab list`")
    parser.add_argument("--base", type=Path, help="a copy of the code before the change, measured alongside")
    parser.add_argument("ids", nargs="*")
    args = parser.parse_args()
    ids = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml")) if args.all else (args.ids or ["ecr-pull-denied", "task-role-s3"])
    py = sys.executable
    labs: list[tuple[str, list[str]]] = [("`python -m lab --version`", [py, "-m", "lab", "--version"])]
    if not args.no_list:
        labs.append(("`python -m lab list`", [py, "-m", "lab", "list"]))
        # An unwritable cache folder: the listing is computed on every run (a cache miss).
        labs.append(("`python -m lab list`, no cache", ["env", "LAB_CACHE_DIR=/dev/null/none", py, "-m", "lab", "list"]))
    labs += [(f"`python -m lab grade {sid} --solution`", [py, "-m", "lab", "grade", sid, "--solution"]) for sid in ids]
    commands: list[tuple[str, list[str], Path]] = [("`python -c pass` (reference)", [py, "-c", "pass"], ROOT)]
    for name, cmd in labs:
        if args.base:
            commands.append((f"{name} before", cmd, args.base))
        commands.append((f"{name}{' after' if args.base else ''}", cmd, ROOT))
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["LAB_DATA_DIR"] = data  # an empty progress store: `lab list` reads no one's history
        # `lab list`'s cache, filled by the warm-up run: one per code tree, or the two trees'
        # keys would evict each other at every run and both would be timed as cache misses.
        envs = {cwd: {**env, "LAB_CACHE_DIR": str(Path(data) / ("base" if cwd != ROOT else "this"))} for _, _, cwd in commands}
        load_before = _load()
        for _, cmd, cwd in commands:  # warm the file cache and the .pyc files
            run_once(cmd, envs[cwd], cwd)
        cpu: dict[str, list[float]] = {name: [] for name, _, _ in commands}
        wall: dict[str, list[float]] = {name: [] for name, _, _ in commands}
        for _ in range(args.repeat):
            for name, cmd, cwd in commands:
                c, w = run_once(cmd, envs[cwd], cwd)
                cpu[name].append(c)
                wall[name].append(w)
        load_after = _load()
    ref = statistics.median(cpu[commands[0][0]])
    print(f"load average (1/5/15 min) before {load_before}, after {load_after}; N={args.repeat}, alternating\n")
    print("| command | CPU s (median) | ratio to `python -c pass` | wall s (median, loaded) |")
    print("|---|---:|---:|---:|")
    for name, _, _ in commands:
        m = statistics.median(cpu[name])
        print(f"| {name} | {m:.3f} | {m / ref:.1f}x | {statistics.median(wall[name]):.3f} |")


if __name__ == "__main__":
    main()
