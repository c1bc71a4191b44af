"""A group failing open routed by counts gives what routing target by target gives (issue 17).

``lab.sim.elb`` routes a group with no healthy target and at least ``OPEN_ROUTING_MIN`` live
targets by counts and one CPU integral per share class. The same worlds are run with the
minimum at 1 (every failing-open route by counts) and out of reach (target by target, the
reference): the event logs must be identical, and every metric datapoint, per-minute
target-group sum and task CPU account equal within 1e-9 relative (the sums are added up in
another order, so their last bits may differ).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim import elb
from lab.sim.world import World
from tests.sim.conftest import instance_role

REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
REL = 1e-9


def document(case: dict[str, Any]) -> dict[str, Any]:
    """A world of ``case["services"]`` services created at once, each behind its target group."""
    doc: dict[str, Any] = {
        "world": {
            "instances": [{"count": 4, "type": "m5.xlarge", "azs": ["us-east-1a", "us-east-1b"], "role": "ecsInstanceRole"}],
            "registry": [],
            "roles": [instance_role()],
            "target_groups": [],
            # ECS registers a service only in a target group some load balancer forwards to (§6.4).
            "load_balancers": [{"name": "front", "target_groups": [f"svc{i}" for i in range(len(case["services"]))]}],
            "timeline": [],
        },
        "files": {},
        "run": {"duration": case["until"]},
    }
    for i, svc in enumerate(case["services"]):
        name = f"svc{i}"
        app = {k: v for k, v in svc["app"].items() if v is not None}
        doc["world"]["registry"].append({"repository": name, "tag": "1", "size_mb": 50, "app": app})
        doc["world"]["target_groups"].append(
            {"Name": name, "Protocol": "HTTP", "Port": 80, "TargetType": "instance", "HealthCheckPath": "/health",
             "HealthCheckIntervalSeconds": svc["interval"]}
        )
        doc["world"]["timeline"] += [
            {"at": 0, "event": "traffic", "target_group": name, "rps": svc["rps"]},
            {"at": svc["change_at"], "event": "traffic", "target_group": name, "rps": svc["rps2"]},
            {"at": svc["scale_at"], "event": "update-service", "service": name, "desiredCount": svc["desired2"]},
        ]
        container: dict[str, Any] = {
            "name": "app",
            "image": f"{REGISTRY}/{name}:1",
            "memoryReservation": 128,
            "portMappings": [{"containerPort": 8080, "hostPort": 0}],
        }
        td: dict[str, Any] = {"family": name, "networkMode": "bridge", "containerDefinitions": [container]}
        if svc["task_cpu"]:
            td["cpu"] = "256"  # a fixed CPU capacity: routed by counts when failing open
        else:
            container["cpu"] = 128  # a share of its host: routed target by target
        doc["files"][f"{name}-td.yaml"] = {"kind": "task-definition", "content": td}
        doc["files"][f"{name}-service.yaml"] = {
            "kind": "service",
            "content": {
                "serviceName": name,
                "taskDefinition": name,
                "desiredCount": svc["desired"],
                "launchType": "EC2",
                "loadBalancers": [{"targetGroupArn": name, "containerName": "app", "containerPort": 8080}],
            },
        }
    return doc


def run(doc: dict[str, Any], minimum: int, monkeypatch: pytest.MonkeyPatch) -> World:
    """Run ``doc`` to its end with routing by counts from ``minimum`` live targets."""
    monkeypatch.setattr(elb, "OPEN_ROUTING_MIN", minimum)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        world = build_world(load_sim_document(path), seed=1)
    world.run(until=float(doc["run"]["duration"]))
    return world


def close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b))


def assert_same(exact: World, counted: World) -> None:
    assert [repr(e) for e in counted.log] == [repr(e) for e in exact.log]
    series_a, series_b = exact.cloudwatch.series_by_key, counted.cloudwatch.series_by_key
    assert series_a.keys() == series_b.keys()
    for key, points in series_a.items():
        assert [p.at for p in series_b[key]] == [p.at for p in points], key
        for p, q in zip(points, series_b[key]):
            assert close(p.value, q.value), (key, p, q)
    for name, tg in exact.lb.target_groups.items():
        other = counted.lb.target_groups[name]
        tg.flush()
        other.flush()
        assert tg.minutes.keys() == other.minutes.keys()
        for minute, bucket in tg.minutes.items():
            for field, value in vars(bucket).items():
                assert close(value, getattr(other.minutes[minute], field)), (name, minute, field)
    now = exact.env.now
    for tg in counted.lb.target_groups.values():
        tg.settle_cpu()
    for task_id, task in exact.ecs.tasks.items():
        twin = counted.ecs.tasks[task_id]
        a = task.cpu_unit_seconds + task.cpu_demand * (now - task.cpu_since)
        b = twin.cpu_unit_seconds + twin.cpu_demand * (now - twin.cpu_since)
        assert close(a, b), (task_id, a, b)


APPS = st.fixed_dictionaries(
    {
        "boot_s": st.sampled_from([0, 3, 5, 12.5]),
        "health_path": st.sampled_from(["/health", "/wrong"]),  # a wrong path fails open for the whole run
        "error_rate": st.sampled_from([0.0, 0.1]),
        "cpu_units_per_rps": st.sampled_from([0.0, 2.0, 7.5]),
        "idle_cpu_units": st.sampled_from([0.0, 5.0]),
        "request_s": st.sampled_from([0.05, 0.2]),
        "hang_after_s": st.sampled_from([None, 40.0]),
        "exit_after_s": st.sampled_from([None, 55.0]),
    }
)
SERVICES = st.fixed_dictionaries(
    {
        "app": APPS,
        "desired": st.integers(2, 9),
        "desired2": st.integers(1, 9),
        "scale_at": st.integers(1, 150),
        "rps": st.sampled_from([0.0, 12.0, 333.3, 5000.0]),
        "rps2": st.sampled_from([0.0, 50.0, 4000.0]),
        "change_at": st.integers(1, 150),
        "interval": st.sampled_from([10, 30]),
        "task_cpu": st.booleans(),
    }
)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(services=st.lists(SERVICES, min_size=1, max_size=2), until=st.sampled_from([130, 250]))
def test_routing_by_counts_matches_routing_target_by_target(
    services: list[dict[str, Any]], until: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = document({"services": services, "until": until})
    assert_same(run(doc, 10**9, monkeypatch), run(doc, 1, monkeypatch))


def test_a_cold_start_is_routed_by_counts_and_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Not vacuous: a group created with its tasks fails open and is routed by counts, and the
    # numbers still match the target-by-target route. A wrong health-check path keeps the
    # second group failing open across minutes (its CPU read from the integral every sample).
    service = {
        "app": {"boot_s": 5, "health_path": "/health", "cpu_units_per_rps": 2.0, "idle_cpu_units": 5.0, "error_rate": 0.0,
                "request_s": 0.05, "hang_after_s": None, "exit_after_s": None},
        "desired": 9, "desired2": 4, "scale_at": 100, "rps": 5000.0, "rps2": 4000.0, "change_at": 50, "interval": 10,
        "task_cpu": True,
    }
    stuck = {**service, "app": {**service["app"], "health_path": "/wrong"}, "desired2": 9}
    doc = document({"services": [service, stuck], "until": 250})
    opened = []
    route_open = elb.TargetGroupRuntime._route_open

    def spy(self: elb.TargetGroupRuntime, op: Any) -> bool:
        routed = route_open(self, op)
        opened.append((self.name, routed))
        return routed

    exact = run(doc, 10**9, monkeypatch)
    assert not opened
    monkeypatch.setattr(elb.TargetGroupRuntime, "_route_open", spy)
    counted = run(doc, 4, monkeypatch)
    assert ("svc0", True) in opened and ("svc1", True) in opened
    assert_same(exact, counted)
