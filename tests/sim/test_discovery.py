"""Cloud Map registration, stale DNS answers during a deployment, and Service Connect
(§14.1 and §14.2), on the event log."""

from __future__ import annotations

from typing import Any

import pytest

from lab.config.service import parse_service
from lab.errors import ClientException
from lab.sim.events import DiscoveryInstanceChanged, ServiceCallsMinute, TaskStateChanged
from lab.sim.world import World
from lab.yaml_source import Document
from tests.sim.conftest import build, container, document, image, instances, task_definition, uri


def _world(ttl: int = 300, record_type: str = "A", *, network_mode: str = "awsvpc", seed: int = 1) -> World:
    port = {"containerPort": 8080, "name": "http"} if network_mode == "awsvpc" else {"containerPort": 8080, "hostPort": 0, "name": "http"}
    data = document(
        instances=[instances(3, type="m5.large")],
        registry=[image("payments", "1.0", boot_s=3), image("orders", "1.0", boot_s=3)],
        definitions=[
            task_definition("payments", [container("payments", uri("payments", "1.0"), portMappings=[port])], networkMode=network_mode),
            task_definition("orders", [container("orders", uri("orders", "1.0"), portMappings=[dict(port)])], networkMode=network_mode),
        ],
    )
    data["world"]["cloud_map"] = [{"name": "payments", "namespace": "internal", "ttl": ttl, "record_type": record_type}]
    data["world"]["clients"] = [{"service": "orders", "calls": "payments.internal", "rps": 10}]
    return build(data, seed=seed)


def _service(name: str, *, network_mode: str = "awsvpc", **extra: Any) -> Any:
    data: dict[str, Any] = {"serviceName": name, "taskDefinition": name, "desiredCount": 2, "launchType": "EC2", **extra}
    if network_mode == "awsvpc":
        data["networkConfiguration"] = {"awsvpcConfiguration": {"subnets": ["subnet-a"]}}
    return parse_service(Document(file=f"{name}.yaml", data=data)).service


REGISTRY = {"serviceRegistries": [{"registryArn": "payments.internal"}]}


def _failed(world: World, after: float) -> float:
    return sum(e.failed for e in world.log.of_type(ServiceCallsMinute) if e.at > after)


def test_tasks_register_an_a_record_when_running_and_deregister_when_stopped() -> None:
    world = _world()
    world.create_service(_service("payments", **REGISTRY))
    world.run(until=120)
    registered = [e for e in world.log.of_type(DiscoveryInstanceChanged) if e.change == "registered"]
    assert len(registered) == 2 and all(e.record_type == "A" and e.record.startswith("10.0.") for e in registered)
    running = {e.task_id: e.at for e in world.log.of_type(TaskStateChanged) if e.last_status == "RUNNING"}
    assert all(e.at == running[e.task_id] for e in registered)
    world.deploy("payments", force=True)
    world.run(until=400)
    gone = [e for e in world.log.of_type(DiscoveryInstanceChanged) if e.change == "deregistered"]
    assert {e.task_id for e in gone} == {e.task_id for e in registered}
    stopping: dict[str, float] = {}
    for e in world.log.of_type(TaskStateChanged):
        if e.desired_status == "STOPPED":
            stopping.setdefault(e.task_id, e.at)
    assert all(e.at == stopping[e.task_id] for e in gone)


def test_srv_records_in_bridge_mode_carry_the_dynamic_host_port() -> None:
    world = _world(record_type="SRV", network_mode="bridge")
    registry = {"serviceRegistries": [{"registryArn": "payments.internal", "containerName": "payments", "containerPort": 8080}]}
    world.create_service(_service("payments", network_mode="bridge", **registry))
    world.run(until=120)
    records = [e.record for e in world.log.of_type(DiscoveryInstanceChanged)]
    assert len(records) == 2 and all(r.startswith("1 1 ") and int(r.split()[2]) >= 32768 for r in records)


def test_a_long_ttl_sends_calls_to_stopped_tasks_after_a_deployment() -> None:
    world = _world(ttl=300)
    world.create_service(_service("payments", **REGISTRY))
    world.create_service(_service("orders"))
    world.run(until=180)
    assert _failed(world, 60) == 0
    world.deploy("payments", force=True)
    world.run(until=600)
    assert _failed(world, 180) > 100


def test_a_short_ttl_fails_only_a_few_seconds_of_calls() -> None:
    world = _world(ttl=5)
    world.create_service(_service("payments", **REGISTRY))
    world.create_service(_service("orders"))
    world.run(until=180)
    world.deploy("payments", force=True)
    world.run(until=600)
    assert 0 <= _failed(world, 180) <= 10 * 5


def test_service_connect_clients_never_reach_a_stopped_task() -> None:
    world = _world(ttl=300)
    connect = {"enabled": True, "namespace": "internal", "services": [{"portName": "http", "clientAliases": [{"port": 8080, "dnsName": "payments.internal"}]}]}
    world.create_service(_service("payments", serviceConnectConfiguration=connect))
    world.create_service(_service("orders", serviceConnectConfiguration={"enabled": True, "namespace": "internal"}))
    world.run(until=180)
    world.deploy("payments", force=True)
    world.run(until=600)
    minutes = world.log.of_type(ServiceCallsMinute)
    assert minutes and all(e.via == "service-connect" for e in minutes)
    assert _failed(world, 60) == 0


def test_a_client_without_service_connect_cannot_resolve_a_service_connect_name() -> None:
    world = _world(ttl=300)
    connect = {"enabled": True, "namespace": "internal", "services": [{"portName": "http", "clientAliases": [{"port": 8080, "dnsName": "payments.internal"}]}]}
    world.create_service(_service("payments", serviceConnectConfiguration=connect))
    world.create_service(_service("orders"))
    world.run(until=180)
    assert _failed(world, 60) > 0


def test_unknown_registry_and_namespace_are_refused() -> None:
    world = _world()
    with pytest.raises(ClientException, match="does not exist"):
        world.create_service(_service("payments", serviceRegistries=[{"registryArn": "ledger.internal"}]))
    with pytest.raises(ClientException, match="does not exist"):
        world.create_service(_service("payments", serviceConnectConfiguration={"enabled": True, "namespace": "prod"}))


def test_same_seed_same_log() -> None:
    logs = []
    for _ in range(2):
        world = _world(ttl=60, seed=3)
        world.create_service(_service("payments", **REGISTRY))
        world.create_service(_service("orders"))
        world.run(until=100)
        world.deploy("payments", force=True)
        world.run(until=400)
        logs.append(world.log.to_jsonl())
    assert logs[0] == logs[1]
