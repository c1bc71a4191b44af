"""ECS-native blue/green, linear and canary deployments (docs/ecs-facts.md §4.9), on the event log.

The simulation document content/sims/canary-alarm-rollback.yaml deploys a release that
answers one request in five with a 5xx; variants of it check each strategy's traffic steps,
the bake time, clean-up, and the alarm and circuit-breaker rollbacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.bluegreen import shift_steps
from lab.sim.events import DeploymentLifecycleStageChanged, ServiceDeploymentStateChanged, ServiceEvent, TaskStateChanged, TrafficShifted

ROOT = Path(__file__).resolve().parents[2]
CANARY = ROOT / "content" / "sims" / "canary-alarm-rollback.yaml"
RELEASE_AT = 300.0


def _run(tmp_path: Path, deployment: dict[str, Any] | None = None, until: float = 1800.0) -> Any:
    data = yaml.safe_load(CANARY.read_text())
    service = yaml.safe_load(data["files"]["service.yaml"]["content"])
    if deployment is not None:
        service["deploymentConfiguration"] = deployment
    data["files"]["service.yaml"]["content"] = yaml.safe_dump(service, sort_keys=False)
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    world = build_world(load_sim_document(path), seed=1)
    world.run(until=until)
    return world


def _production(world: Any) -> list[tuple[float, float]]:
    """(time, percent on orders-green) of every production traffic shift."""
    return [(e.at, dict(e.weights)["orders-green"]) for e in world.log.of_type(TrafficShifted) if e.traffic == "production"]


def _states(world: Any) -> list[tuple[str, str]]:
    return [(e.state, e.task_definition) for e in world.log.of_type(ServiceDeploymentStateChanged)]


def test_the_alarm_rolls_the_canary_back_to_blue_at_once(tmp_path: Path) -> None:
    world = _run(tmp_path)
    shifts = _production(world)
    assert [p for _, p in shifts] == [10.0, 0.0], "10 % to the canary, then everything back to blue"
    assert shifts[1][0] - shifts[0][0] < 5 * 60, "within the canary bake time"
    assert _states(world)[-3:] == [
        ("SERVICE_DEPLOYMENT_FAILED", "orders:2"),
        ("SERVICE_DEPLOYMENT_IN_PROGRESS", "orders:1"),
        ("SERVICE_DEPLOYMENT_COMPLETED", "orders:1"),
    ]
    assert any(e.kind == "rolling-back" for e in world.log.of_type(ServiceEvent))
    green_left = {e.task_id for e in world.log.of_type(TaskStateChanged) if e.task_definition == "orders:2" and e.last_status == "STOPPED"}
    assert len(green_left) == 4, "the green tasks are stopped"
    served = world.lb.target_groups["orders-blue"].load.rps, world.lb.target_groups["orders-green"].load.rps
    assert served == (50.0, 0.0)


def test_without_alarms_the_canary_moves_everything_after_its_bake_time_then_cleans_up(tmp_path: Path) -> None:
    world = _run(tmp_path, {"strategy": "CANARY", "bakeTimeInMinutes": 5, "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": 5}})
    shifts = _production(world)
    assert [p for _, p in shifts] == [10.0, 100.0]
    assert shifts[1][0] - shifts[0][0] == 5 * 60
    stages = [(e.at, e.stage) for e in world.log.of_type(DeploymentLifecycleStageChanged)]
    assert [s for _, s in stages] == ["SCALE_UP", "TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"]
    assert stages[-1][0] - stages[-2][0] == 5 * 60, "blue is scaled down after the bake time"
    assert _states(world)[-1] == ("SERVICE_DEPLOYMENT_COMPLETED", "orders:2")
    assert world.lb.target_groups["orders-green"].load.rps == 50.0


def test_green_runs_the_full_count_beside_blue_before_any_traffic_moves(tmp_path: Path) -> None:
    world = _run(tmp_path, {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2})
    first_shift = _production(world)[0][0]
    running: dict[str, int] = {}
    for e in world.log.of_type(TaskStateChanged):
        if e.at > first_shift:
            break
        if e.last_status == "RUNNING":
            running[e.task_definition] = running.get(e.task_definition, 0) + 1
    assert running == {"orders:1": 4, "orders:2": 4}
    assert [p for _, p in _production(world)] == [100.0], "BLUE_GREEN moves production at once"


def test_linear_steps_and_no_wait_after_the_last_one(tmp_path: Path) -> None:
    world = _run(tmp_path, {"strategy": "LINEAR", "bakeTimeInMinutes": 1, "linearConfiguration": {"stepPercent": 25, "stepBakeTimeInMinutes": 2}}, until=3000)
    shifts = _production(world)
    assert [p for _, p in shifts] == [25.0, 50.0, 75.0, 100.0]
    assert [round(b[0] - a[0]) for a, b in zip(shifts, shifts[1:], strict=False)] == [120, 120, 120]
    bake = next(e.at for e in world.log.of_type(DeploymentLifecycleStageChanged) if e.stage == "BAKE_TIME")
    assert bake == shifts[-1][0]


def test_shift_steps_follow_the_configuration() -> None:
    class _Model:
        class deployment_configuration:  # noqa: N801 - a stand-in for the pydantic model
            canary_configuration = None
            linear_configuration = type("L", (), {"step_percent": 30.0, "step_bake_time_in_minutes": 3})()

    assert shift_steps("LINEAR", _Model) == [(30.0, 3.0), (60.0, 3.0), (90.0, 3.0), (100.0, 0.0)]
    assert shift_steps("BLUE_GREEN", _Model) == [(100.0, 0.0)]
    assert shift_steps("CANARY", _Model) == [(5.0, 10.0), (100.0, 0.0)], "the API defaults"
