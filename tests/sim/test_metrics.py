"""CloudWatch-style metrics and alarms (reference/ecs-behaviour.md §5.1, §7.1).

Metrics are sampled once per simulated minute and timestamped at the start of the minute;
alarms are "M out of N" over one-minute datapoints. Sampling only reads the world, so a run
with metrics on has the same event log as one without.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import EventLog
from lab.sim.fleet import DRAINING, INACTIVE, Fleet
from lab.sim.metrics import Alarm, Datapoint, Metrics, metric_key

SIMS = Path(__file__).resolve().parents[2] / "content" / "sims"
KEY = metric_key("AWS/ECS", "CPUUtilization", {"ServiceName": "web", "ClusterName": "prod"})


def points(*values: float | None) -> list[Datapoint]:
    return [Datapoint(60.0 * i, v) for i, v in enumerate(values) if v is not None]


def test_dimension_order_does_not_matter() -> None:
    assert KEY == metric_key("AWS/ECS", "CPUUtilization", {"ClusterName": "prod", "ServiceName": "web"})


@pytest.mark.parametrize(
    ("values", "state"),
    [
        ((10, 80, 80), "ALARM"),  # 2 of the last 3 breach
        ((80, 10, 10), "OK"),  # only 1 of 3
        ((80, None, 80), "ALARM"),  # a missing datapoint is missing, not "not breaching"
        ((None, None, None), "INSUFFICIENT_DATA"),
        ((80, 80, 10, 10), "OK"),  # the window slides: the oldest breach is out
    ],
)
def test_m_out_of_n(values: tuple[float | None, ...], state: str) -> None:
    """DatapointsToAlarm 2 of EvaluationPeriods 3 over one-minute datapoints, threshold 75."""
    alarm = Alarm("a", KEY, threshold=75, comparison="GreaterThanThreshold", evaluation_periods=3, datapoints_to_alarm=2)
    assert alarm.evaluate(points(*values), 60.0 * len(values)) == state


def test_longer_periods_aggregate_minutes() -> None:
    """Period 120 s averages two one-minute datapoints: (70 + 90) / 2 = 80 > 75."""
    alarm = Alarm("a", KEY, threshold=75, comparison="GreaterThanThreshold", evaluation_periods=1, period_s=120)
    assert alarm.evaluate(points(70, 90), 120.0) == "ALARM"
    assert alarm.evaluate(points(50, 90), 120.0) == "OK"
    with pytest.raises(ValueError):
        Alarm("b", KEY, threshold=1, comparison="GreaterThanThreshold", evaluation_periods=1, period_s=90)


def test_cluster_reservation_is_the_developer_guide_example() -> None:
    """10 tasks of 1024 CPU / 2048 MiB on 18,432 CPU / 33,926 MiB registered: 55 % and 60 % (§7.1);
    DRAINING instances count, INACTIVE ones do not (§5.1)."""
    fleet = Fleet()
    for n, (cpu, mem) in enumerate([(9216, 16963), (9216, 16963), (4096, 8000)]):
        fleet.add(container_instance_id=f"ci{n}", arn=f"arn{n}", ec2_instance_id=f"i-{n}", instance_type="x",
                  availability_zone="us-east-1a", cpu=cpu, memory_mib=mem, eni_slots=2)
    for k in range(10):
        fleet.reserve(k % 2, cpu=1024, memory_mib=2048, ports=(), dynamic_ports=0, eni=False, group="g")
    fleet.set_status(1, DRAINING)
    fleet.set_status(2, INACTIVE)
    kernel = SimpleNamespace(cluster="prod", log=EventLog())
    cluster = SimpleNamespace(fleet=fleet, services={}, tasks={})
    metrics = Metrics(kernel, cluster, None, SimpleNamespace(target_groups={}))  # type: ignore[arg-type]
    metrics.sample(0.0, 60.0)
    cpu = metrics.latest("CPUReservation", {"ClusterName": "prod"})
    memory = metrics.latest("MemoryReservation", {"ClusterName": "prod"})
    assert cpu is not None and memory is not None and cpu.at == 0.0
    assert int(cpu.value) == 55 and int(memory.value) == 60


def test_service_utilisation_follows_the_formula() -> None:
    """CPU = used × 100 / (task CPU × tasks): 20 rps over 2 tasks at 2 units per request plus 5 idle
    units is 25 of 256 units; memory = the app's 128 MiB of the task's 512 (§7.1)."""
    loaded = load_sim_document(SIMS / "service-target-tracking.yaml")
    world = build_world(loaded, seed=1)
    world.run(until=600)
    dims = {"ClusterName": "prod", "ServiceName": "web"}
    cpu = world.cloudwatch.series("CPUUtilization", dims)
    assert [p.at for p in cpu] == [60.0 * k for k in range(9)]  # the sample at 600 runs after run(until=600)
    assert cpu[5].value == pytest.approx(100 * 25 / 256)
    assert world.cloudwatch.latest("MemoryUtilization", dims).value == pytest.approx(100 * 128 / 512)  # type: ignore[union-attr]
    assert world.cloudwatch.latest("CPUReservation", {"ClusterName": "prod"}).value == pytest.approx(100 * 512 / (3 * 2048))  # type: ignore[union-attr]


def test_sampling_leaves_the_event_log_unchanged(tmp_path: Path) -> None:
    """``metrics: true`` on a document without scaling: same log, and the series exist."""
    data = yaml.safe_load((SIMS / "rolling-deployment.yaml").read_text())
    plain = build_world(load_sim_document(SIMS / "rolling-deployment.yaml"), seed=3)
    data["world"]["metrics"] = True
    path = tmp_path / "with-metrics.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    sampled = build_world(load_sim_document(path), seed=3)
    plain.run(until=1200)
    sampled.run(until=1200)
    assert plain.log.to_jsonl() == sampled.log.to_jsonl()
    assert not plain.cloudwatch.running and sampled.cloudwatch.running
    assert len(sampled.cloudwatch.series("CPUReservation", {"ClusterName": sampled.cluster})) == 19
