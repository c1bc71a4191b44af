"""Benchmark, run by hand: ``python benchmarks/bench_grade.py``.

The median wall time to grade each shipped scenario with its solution on all its seeds,
process start included (``python -m lab grade ID --solution``), next to two references
measured in the same run: a bare ``python -c pass`` and ``python -m lab --version`` (the
interpreter and the lab's import cost). Target: <= 1 s per scenario. Prints a Markdown table.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 5


def wall(cmd: list[str]) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    bare = wall([sys.executable, "-c", "pass"])
    version = wall([sys.executable, "-m", "lab", "--version"])
    print(f"| command | median wall s (of {REPEAT}) | target |")
    print("|---|---:|---|")
    print(f"| `python -c pass` (reference) | {bare:.3f} | |")
    print(f"| `python -m lab --version` (reference) | {version:.3f} | |")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        t = wall([sys.executable, "-m", "lab", "grade", path.stem, "--solution"])
        print(f"| `lab grade {path.stem} --solution` | {t:.3f} | <= 1 s |")


if __name__ == "__main__":
    main()
