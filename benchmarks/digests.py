"""Digests of every shipped run, to prove a refactor changed no behaviour: ``python benchmarks/digests.py [OUT]``.

For every scenario (its starting files and its solution, on every seed of ``run.seeds``):
the SHA-256 of ``lab sim --json`` and of ``lab grade --format json``; for every simulation
document under ``content/sims/`` and the benchmark worlds (``benchmarks/sim_*.yaml`` and the
quota world of ``bench_scale.py`` at 0.02 scale, warm and cold): the SHA-256 of ``lab sim
--json``. ``--match TEXT`` keeps only the runs whose name contains TEXT (``--match sim/``
skips the grades, which read the same logs). Runs the installed ``lab`` command as a learner would, one process per run. Prints
one ``name digest`` line per run, sorted; compare two outputs with ``diff``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


# The `lab` beside this interpreter: a shell without the venv activated must not digest
# another install's `lab` (its every run fails the same way, so the digests would all agree).
LAB = str(Path(sys.executable).parent / "lab")


def _digest(args: list[str]) -> str:
    proc = subprocess.run([LAB, *args], capture_output=True, cwd=ROOT)
    return hashlib.sha256(proc.stdout + f"\nexit {proc.returncode}".encode()).hexdigest()[:16]


def jobs(tmp: Path) -> list[tuple[str, list[str]]]:
    """Every (name, lab arguments) pair to digest."""
    out: list[tuple[str, list[str]]] = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        sid = doc["id"]
        answer = tmp / sid
        answer.mkdir()
        for name, text in (doc.get("solution") or {}).items():
            (answer / name).write_text(text)
        for seed in doc.get("run", {}).get("seeds", [1]):
            s = ["--seed", str(seed)]
            out.append((f"sim/{sid}/start/{seed}", ["sim", sid, "--json", *s]))
            out.append((f"sim/{sid}/solution/{seed}", ["sim", sid, "--json", "--answer", str(answer), *s]))
            out.append((f"grade/{sid}/start/{seed}", ["grade", sid, "--format", "json", *s]))
            out.append((f"grade/{sid}/solution/{seed}", ["grade", sid, "--format", "json", "--solution", *s]))
    for path in sorted((ROOT / "content" / "sims").glob("*.yaml")) + sorted((ROOT / "benchmarks").glob("sim_*.yaml")):
        out.append((f"sim/{path.relative_to(ROOT)}", ["sim", str(path), "--json"]))
    from bench_scale import document

    for cold in (False, True):
        world = tmp / f"scale-{'cold' if cold else 'warm'}.yaml"
        world.write_text(yaml.safe_dump(document(0.02, cold=cold)))
        out.append((f"sim/bench_scale-0.02-{'cold' if cold else 'warm'}", ["sim", str(world), "--json"]))
    return out


def main() -> None:
    args = sys.argv[1:]
    match = ""
    if "--match" in args:
        at = args.index("--match")
        match = args[at + 1]
        del args[at : at + 2]
    with tempfile.TemporaryDirectory() as tmp:
        todo = [job for job in jobs(Path(tmp)) if match in job[0]]
        with ThreadPoolExecutor(max_workers=2) as pool:
            digests = list(pool.map(lambda job: _digest(job[1]), todo))
    lines = sorted(f"{name} {digest}" for (name, _), digest in zip(todo, digests))
    text = "\n".join(lines) + "\n"
    if args:
        Path(args[0]).write_text(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
