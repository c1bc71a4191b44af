"""Faults on the timeline and the agent configuration (reference/ecs-behaviour.md §3.3, §5.2, §5.3, §9.3).

Built on the shipped ``asg-draining-hook.yaml`` (an Auto Scaling group over three zones running
six tasks) with its timeline replaced; assertions are on the event log.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.errors import SourceErrors
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import ContainerInstanceStateChanged, InstanceRegistrationFailed, TaskStateChanged
from lab.sim.scaling_events import InstanceLifecycleChanged, InterruptionNotice
from lab.sim.world import World

HOOK = Path(__file__).resolve().parents[2] / "content" / "sims" / "asg-draining-hook.yaml"
SPREAD = [{"at": 0, "event": "set-desired-capacity", "autoScalingGroupName": "ecs-asg", "desiredCapacity": 3}]


def document(
    tmp_path: Path, timeline: list[dict[str, Any]], *, spot: bool = False, agent: str | None = None, hook: bool = True, distinct: bool = True
) -> Any:
    """The example with one task per instance (``distinct``), its timeline, and optionally Spot, an ecs.config, no hook."""
    data = yaml.safe_load(HOOK.read_text())
    data["world"]["timeline"] = SPREAD + timeline
    data["world"]["launch_templates"][0]["spot"] = spot
    group = data["world"]["auto_scaling_groups"][0]
    group["DesiredCapacity"] = "3"
    if not hook:
        group.pop("LifecycleHookSpecificationList")
    service = yaml.safe_load(data["files"]["service.yaml"]["content"])
    if distinct:
        service["placementConstraints"] = [{"type": "distinctInstance"}]
    service["desiredCount"] = 3
    data["files"]["service.yaml"]["content"] = yaml.safe_dump(service)
    if agent is not None:
        data["files"]["ecs.config"] = {"kind": "agent-config", "content": agent}
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_sim_document(path)


def host_deaths(world: World) -> list[TaskStateChanged]:
    return [e for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED" and "stopped/terminated" in (e.stopped_reason or "")]


def running(world: World) -> list[Any]:
    return [t for t in world.snapshot().tasks if t.last_status == "RUNNING"]


def test_az_outage_loses_the_zone_and_replaces_elsewhere(tmp_path: Path) -> None:
    """us-east-1a goes down at 600 s: its instance is lost with its task, the group launches a
    replacement in another zone and the service runs 3 tasks again, none in us-east-1a."""
    world = build_world(document(tmp_path, [{"at": 600, "event": "az-outage", "az": "us-east-1a"}]), seed=1)
    world.run(until=1200)
    (died,) = host_deaths(world)
    assert died.at == 600.0 and died.availability_zone == "us-east-1a"
    launched_after = [e for e in world.log.of_type(InstanceLifecycleChanged) if e.state == "Pending" and e.at >= 600]
    assert [e.availability_zone != "us-east-1a" for e in launched_after] == [True]
    assert len(running(world)) == 3 and all(t.availability_zone != "us-east-1a" for t in running(world))


def test_instance_failure_is_replaced_by_its_group(tmp_path: Path) -> None:
    world = build_world(document(tmp_path, [{"at": 600, "event": "instance-failure", "count": 1}]), seed=1)
    world.run(until=1200)
    assert len(host_deaths(world)) == 1
    assert len([e for e in world.log.of_type(InstanceLifecycleChanged) if e.state == "InService"]) == 4
    assert len(running(world)) == 3


@pytest.mark.parametrize(("service", "deaths"), [("web", 1), ("no-such-service", 0)])
def test_instance_failure_of_a_services_host(tmp_path: Path, service: str, deaths: int) -> None:
    """``service`` picks only an instance running a task of that service (none when it has no task)."""
    world = build_world(document(tmp_path, [{"at": 600, "event": "instance-failure", "count": 1, "service": service}], distinct=False), seed=1)
    world.run(until=599)
    hosts = {t.ec2_instance_id for t in running(world)}
    world.run(until=900)
    died = host_deaths(world)
    assert len({e.ec2_instance_id for e in died}) == deaths
    assert all(e.ec2_instance_id in hosts and e.at == 600.0 for e in died)


@pytest.mark.parametrize("draining", [False, True])
def test_spot_interruption_is_drained_only_with_the_agent_setting(tmp_path: Path, draining: bool) -> None:
    """Two-minute notice at 600 s; with ECS_ENABLE_SPOT_INSTANCE_DRAINING=true the agent sets the
    instance DRAINING a second later and its tasks move before the reclaim at 720 s (§5.2);
    without it they die with the instance."""
    agent = "ECS_CLUSTER=prod\nECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n" if draining else "ECS_CLUSTER=prod\n"
    loaded = document(tmp_path, [{"at": 600, "event": "spot-interruption", "count": 1}], spot=True, agent=agent, hook=False, distinct=False)
    world = build_world(loaded, seed=1)
    world.run(until=1200)
    (notice,) = world.log.of_type(InterruptionNotice)
    assert (notice.at, notice.action, notice.when) == (600.0, "terminate", 720.0)
    drained = [e for e in world.log.of_type(ContainerInstanceStateChanged) if e.status == "DRAINING"]
    assert [(e.at, e.ec2_instance_id) for e in drained] == ([(601.0, notice.target)] if draining else [])
    deaths = host_deaths(world)
    assert (deaths == []) if draining else (deaths and all(e.at == 720.0 and e.ec2_instance_id == notice.target for e in deaths))
    gone = [e for e in world.log.of_type(InstanceLifecycleChanged) if e.state == "Terminated"]
    assert [(e.at, e.ec2_instance_id) for e in gone] == [(720.0, notice.target)]
    assert len(running(world)) == 3


def test_spot_draining_cannot_save_a_task_with_nowhere_to_go(tmp_path: Path) -> None:
    """One task per instance (distinctInstance) and minimumHealthyPercent 100: the drained task has
    no instance for its replacement and dies at the reclaim (the §5.2 pitfall)."""
    agent = "ECS_CLUSTER=prod\nECS_ENABLE_SPOT_INSTANCE_DRAINING=true\n"
    loaded = document(tmp_path, [{"at": 600, "event": "spot-interruption", "count": 1}], spot=True, agent=agent, hook=False)
    world = build_world(loaded, seed=1)
    world.run(until=1200)
    assert [e.at for e in host_deaths(world)] == [720.0]


@pytest.mark.parametrize(("hook", "deaths"), [(True, 0), (False, 3)])
def test_ami_rollout_drains_only_with_a_terminating_hook(tmp_path: Path, hook: bool, deaths: int) -> None:
    """An instance refresh to a new AMI replaces all three instances one at a time; without a
    draining hook each old instance takes its task with it."""
    loaded = document(tmp_path, [{"at": 600, "event": "ami-rolling-update", "group": "ecs-asg", "ami": "ami-0new0000000000001"}], hook=hook)
    world = build_world(loaded, seed=1)
    world.run(until=3000)
    amis = {i.attributes["ecs.ami-id"] for i in world.snapshot().instances if i.status == "ACTIVE"}
    assert amis == {"ami-0new0000000000001"}
    assert len(host_deaths(world)) == deaths
    assert len(running(world)) == 3


def test_agent_config_with_the_wrong_cluster_never_joins(tmp_path: Path) -> None:
    """Without ECS_CLUSTER the agent joins 'default', not 'prod': no instance registers."""
    world = build_world(document(tmp_path, [], agent="ECS_RESERVED_MEMORY=256\n"), seed=1)
    world.run(until=300)
    failed = world.log.of_type(InstanceRegistrationFailed)
    assert len(failed) == 3
    assert failed[0].reason == "ECS_CLUSTER is not set in /etc/ecs/ecs.config: the instance registered with cluster 'default'"
    assert world.snapshot().instances == ()


def test_agent_config_reserved_memory_applies_to_new_instances(tmp_path: Path) -> None:
    world = build_world(document(tmp_path, [], agent="ECS_CLUSTER=prod\nECS_RESERVED_MEMORY=256\n"), seed=1)
    plain = build_world(document(tmp_path, []), seed=1)
    world.run(until=300)
    plain.run(until=300)
    assert {i.memory_registered_mib for i in world.snapshot().instances} == {plain.snapshot().instances[0].memory_registered_mib - 256}


def test_agent_config_typo_gets_a_did_you_mean(tmp_path: Path) -> None:
    with pytest.raises(SourceErrors) as info:
        document(tmp_path, [], agent="ECS_CLUSTER=prod\nECS_ENABLE_SPOT_DRAINING=true\n")
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.message == "unknown ECS agent setting 'ECS_ENABLE_SPOT_DRAINING'; did you mean 'ECS_ENABLE_SPOT_INSTANCE_DRAINING'?"
    assert diagnostic.line > 0


# -- group scaling policies on cluster metrics (metric-alarm and asg-scaling-policy files) ------

ALARM = """\
AlarmName: cluster-cpu-reservation-high
Namespace: AWS/ECS
MetricName: CPUReservation
Dimensions: [{Name: ClusterName, Value: prod}]
Statistic: Average
Period: 60
EvaluationPeriods: 3
DatapointsToAlarm: 2
Threshold: 75
ComparisonOperator: GreaterThanThreshold
AlarmActions: [add-one]
"""

SIMPLE = """\
AutoScalingGroupName: ecs-asg
PolicyName: add-one
PolicyType: SimpleScaling
AdjustmentType: ChangeInCapacity
ScalingAdjustment: 1
Cooldown: 300
"""

TRACKING = """\
AutoScalingGroupName: ecs-asg
PolicyName: reservation-60
PolicyType: TargetTrackingScaling
TargetTrackingConfiguration:
  TargetValue: 60
  CustomizedMetricSpecification:
    MetricName: CPUReservation
    Namespace: AWS/ECS
    Dimensions: [{Name: ClusterName, Value: prod}]
    Statistic: Average
"""


def cluster_document(tmp_path: Path, files: dict[str, tuple[str, str]]) -> Any:
    """One instance, seven tasks of 256 CPU units: CPUReservation 87.5 % until the group grows."""
    data = yaml.safe_load(HOOK.read_text())
    data["world"]["timeline"] = []
    service = yaml.safe_load(data["files"]["service.yaml"]["content"])
    service["desiredCount"] = 7
    data["files"]["service.yaml"]["content"] = yaml.safe_dump(service)
    for name, (kind, content) in files.items():
        data["files"][name] = {"kind": kind, "content": content}
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_sim_document(path)


def group_activities(world: World) -> list[Any]:
    from lab.sim.scaling_events import ScalingActivity

    return [a for a in world.log.of_type(ScalingActivity) if a.resource_id == "autoScalingGroupName/ecs-asg"]


def test_simple_scaling_on_a_cpu_reservation_alarm(tmp_path: Path) -> None:
    """CPUReservation > 75 for 2 of 3 minutes invokes "+1 instance"; the second instance brings it
    to 7 × 256 / 4096 = 43.75 % and the alarm returns to OK."""
    from lab.sim.scaling_events import AlarmStateChanged

    world = build_world(cluster_document(tmp_path, {"alarm.yaml": ("metric-alarm", ALARM), "policy.yaml": ("asg-scaling-policy", SIMPLE)}), seed=1)
    world.run(until=900)
    points = world.cloudwatch.series("CPUReservation", {"ClusterName": "prod"})
    alarm_at = next(e.at for e in world.log.of_type(AlarmStateChanged) if e.state == "ALARM")
    breaching = [p.at for p in points if p.value > 75 and p.at < alarm_at]
    assert len(breaching) >= 2 and alarm_at == breaching[1] + 60
    (activity,) = group_activities(world)
    assert (activity.at, activity.from_count, activity.to_count) == (alarm_at, 1, 2)
    assert points[-1].value == pytest.approx(100 * 7 * 256 / 4096)


def test_target_tracking_on_cpu_reservation(tmp_path: Path) -> None:
    """Target 60 %: after three datapoints at 87.5 % the group goes to ceil(1 × 87.5 / 60) = 2."""
    world = build_world(cluster_document(tmp_path, {"policy.yaml": ("asg-scaling-policy", TRACKING)}), seed=1)
    world.run(until=900)
    (activity,) = group_activities(world)
    assert (activity.from_count, activity.to_count) == (1, math.ceil(87.5 / 60))
    assert activity.cause.startswith("monitor alarm TargetTracking-ecs-asg-AlarmHigh-")
