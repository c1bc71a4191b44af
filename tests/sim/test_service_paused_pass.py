"""A scheduler pass placing many tasks pauses when the shell asks, and logs what it logs in one go.

The shell (the TUI) hands ``World.step`` a ``should_yield`` callable; the core never reads a
clock. Here it always says yes, so the first pass of a big service pauses after every
placement: the event log must be the same, byte for byte, as a run that never pauses.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from lab.scenario.loader import load_scenario, scenarios_dir
from lab.scenario.simdoc import build_world


def big_service(folder: Path, tasks: int, instances: int) -> Path:
    """``ecr-pull-denied`` with its fix, ``instances`` m5.4xlarge instances and ``tasks`` desired tasks."""
    root = scenarios_dir().parent
    doc = yaml.safe_load((scenarios_dir() / "ecr-pull-denied.yaml").read_text(encoding="utf-8"))
    doc["id"] = "big-cluster"
    doc["world"]["instances"][0].update(count=instances, type="m5.4xlarge")
    doc["files"]["instance-role.yaml"]["content"] = doc["solution"]["instance-role.yaml"]
    service = doc["files"]["service.yaml"]["content"]
    doc["files"]["service.yaml"]["content"] = service.replace("desiredCount: 3", f"desiredCount: {tasks}")
    (folder / "scenarios").mkdir(parents=True, exist_ok=True)
    (folder / "content").symlink_to(root / "content")
    path = folder / "scenarios" / "big-cluster.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_a_paused_pass_logs_what_an_unpaused_run_logs(tmp_path: Path) -> None:
    loaded = load_scenario(big_service(tmp_path, tasks=400, instances=12))
    until = 120.0
    whole = build_world(loaded, seed=1)
    whole.run(until)

    paused = build_world(loaded, seed=1)
    pauses = 0
    while paused.peek() <= until:
        paused.step(lambda: True)
        pauses += paused.pausing
        if paused.pausing:
            # Halfway through the pass nothing else may run: the clock stands still.
            assert paused.peek() == paused.now
    paused.run(until)

    assert pauses >= 399  # the first pass paused after each of its placements but the last
    assert paused.log.to_jsonl() == whole.log.to_jsonl()
    assert len(paused.log) == len(whole.log)


def test_run_and_step_without_should_yield_finish_a_paused_pass(tmp_path: Path) -> None:
    loaded = load_scenario(big_service(tmp_path, tasks=50, instances=4))
    reference = build_world(loaded, seed=2)
    reference.run(60.0)

    stepped = build_world(loaded, seed=2)
    while not stepped.pausing:
        stepped.step(lambda: True)
    at, logged = stepped.now, len(stepped.log)
    stepped.step()  # no should_yield: the rest of the pass runs in one go
    assert not stepped.pausing and stepped.now == at and len(stepped.log) > logged
    stepped.run(60.0)
    assert stepped.log.to_jsonl() == reference.log.to_jsonl()

    run = build_world(loaded, seed=2)
    while not run.pausing:
        run.step(lambda: True)
    run.step(lambda: True)  # one placement more, paused again
    assert run.pausing and run.now == at
    run.run(60.0)  # a run finishes the paused pass first
    assert not run.pausing
    assert run.log.to_jsonl() == reference.log.to_jsonl()
