"""The deployment circuit breaker (§4.4): what it counts, and a rollback that ends.

- An essential container that exits after RUNNING is a failed task: a crash-looping deployment
  trips the breaker instead of restarting tasks for ever.
- A rollback to a revision that fails too (its image tag was moved to a broken image, and its
  container has ``versionConsistency: disabled``) fails once and is not rolled back again: the
  service stops deploying.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import ServiceDeploymentStateChanged, ServiceEvent, TaskStateChanged

ROOT = Path(__file__).resolve().parents[2]
BREAKER = ROOT / "content" / "sims" / "deployment-circuit-breaker.yaml"


def _doc(tmp_path: Path, mutate) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(BREAKER.read_text())
    mutate(data)
    path = tmp_path / "breaker.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_container_crashing_after_running_trips_the_breaker(tmp_path: Path) -> None:
    def crash_loop(data: dict) -> None:  # type: ignore[type-arg]
        data["world"]["registry"].append({"repository": "web", "tag": "1.1.0", "size_mb": 80, "base": "node-20-slim", "app": {"boot_s": 3, "exit_after_s": 20}})

    world = build_world(load_sim_document(_doc(tmp_path, crash_loop)), seed=1)
    world.run(until=1800)
    states = [(e.state, e.task_definition) for e in world.log.of_type(ServiceDeploymentStateChanged)]
    assert ("SERVICE_DEPLOYMENT_FAILED", "web:2") in states
    assert states[-1] == ("SERVICE_DEPLOYMENT_COMPLETED", "web:1"), "rolled back to the last completed deployment"
    crashed = [e for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED" and e.stop_code == "EssentialContainerExited"]
    assert 3 <= len(crashed) <= 10, "the breaker trips after threshold (3) failures, not hundreds"


def test_a_rollback_that_fails_too_is_not_rolled_back_again(tmp_path: Path) -> None:
    def moved_tag(data: dict) -> None:  # type: ignore[type-arg]
        # Before the pipeline's broken deploy, 1.0.0 is re-pushed as an image whose app exits at once:
        # the rollback target's tag now points at a broken image too, and with versionConsistency
        # disabled the rollback pulls the tag (enabled, it would run the digest web:1 resolved, §4).
        td = data["files"]["task-definition.yaml"]
        td["content"] = td["content"].replace("memoryReservation: 256", "memoryReservation: 256\n    versionConsistency: disabled")
        data["world"]["timeline"].insert(
            0, {"at": 200, "event": "push-image", "image": {"repository": "web", "tag": "1.0.0", "size_mb": 80, "base": "node-20-slim", "app": {"boot_s": 1, "exit_after_s": 2}}}
        )

    world = build_world(load_sim_document(_doc(tmp_path, moved_tag)), seed=1)
    world.run(until=3600)
    failed = [e for e in world.log.of_type(ServiceDeploymentStateChanged) if e.state == "SERVICE_DEPLOYMENT_FAILED"]
    rollbacks = [e for e in world.log.of_type(ServiceEvent) if e.kind == "rolling-back"]
    assert len(rollbacks) == 1 and len(failed) == 2, "the deployment fails, its rollback fails, and that is the end"
    last_failure = failed[-1].at
    started_after = [e for e in world.log.of_type(TaskStateChanged) if e.last_status == "PROVISIONING" or (e.last_status == "PENDING" and e.at > last_failure + 60)]
    assert not [e for e in started_after if e.at > last_failure + 60], "a FAILED deployment launches no more tasks"
