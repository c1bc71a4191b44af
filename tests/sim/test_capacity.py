"""Auto Scaling groups and capacity providers (reference/ecs-behaviour.md §5.3, §5.4, §7.2, §9.3).

The documents are the shipped ``asg-draining-hook.yaml`` and
``capacity-provider-managed-scaling.yaml`` with changes; assertions are on the event log
(``InstanceLifecycleChanged``, ``ScalingActivity``, task and instance state changes) and on
the ``CapacityProviderReservation`` series (M / N × 100).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.errors import STRATEGY_MIXED, STRATEGY_NOT_ASSOCIATED, ClientException, SourceErrors
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.asg import host_terminated_reason
from lab.sim.events import ApiCallFailed, ContainerInstanceStateChanged, PlacementFailed, TargetInvocationFailed, TaskStateChanged
from lab.sim.scaling_events import InstanceLifecycleChanged, ScalingActivity
from lab.sim.world import World

SIMS = Path(__file__).resolve().parents[2] / "content" / "sims"
HOOK = SIMS / "asg-draining-hook.yaml"
MANAGED = SIMS / "capacity-provider-managed-scaling.yaml"
CPR = {"ClusterName": "prod", "CapacityProviderName": "web-capacity"}


def variant(tmp_path: Path, source: Path, change: Any) -> Any:
    """Load ``source`` after ``change(data)`` edits its parsed YAML (file contents as dicts)."""
    data = yaml.safe_load(source.read_text())
    for spec in data["files"].values():
        spec["content"] = yaml.safe_load(spec["content"])
    change(data)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_sim_document(path)


def lifecycle(world: World, state: str) -> list[InstanceLifecycleChanged]:
    return [e for e in world.log.of_type(InstanceLifecycleChanged) if e.state == state]


def reservation(world: World, at: float) -> float:
    return next(p.value for p in world.cloudwatch.series("CapacityProviderReservation", CPR) if p.at == at)


# -- Auto Scaling groups ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_group_launches_balanced_over_zones_after_boot_and_registration(seed: int) -> None:
    """Desired 1, then 3, over three zones: one instance per zone, InService after boot, ACTIVE once
    the agent registers."""
    world = build_world(load_sim_document(HOOK), seed=seed)
    world.run(until=300)
    pending = lifecycle(world, "Pending")
    assert sorted(e.availability_zone for e in pending) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    registered = world.log.of_type(ContainerInstanceStateChanged)
    for launch in pending:
        in_service = next(e for e in lifecycle(world, "InService") if e.ec2_instance_id == launch.ec2_instance_id)
        active = next(e for e in registered if e.ec2_instance_id == launch.ec2_instance_id and e.status == "ACTIVE")
        assert 30 <= in_service.at - launch.at <= 50 and in_service.at < active.at <= in_service.at + 8


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_terminating_hook_drains_the_instance_before_it_goes(seed: int) -> None:
    """Scale-in with a terminating hook: Terminating:Wait, DRAINING, tasks replaced elsewhere, then
    Terminating once empty, Terminated and INACTIVE; no task dies with the host (§5.3)."""
    world = build_world(load_sim_document(HOOK), seed=seed)
    world.run(until=1500)
    activities = world.log.of_type(ScalingActivity)
    assert [(a.at, a.from_count, a.to_count) for a in activities] == [(120.0, 1, 3), (600.0, 3, 2)]
    (waiting,) = lifecycle(world, "Terminating:Wait")
    victim = waiting.ec2_instance_id
    assert victim == lifecycle(world, "Pending")[0].ec2_instance_id  # closest to its next instance hour
    states = [e.status for e in world.log.of_type(ContainerInstanceStateChanged) if e.ec2_instance_id == victim]
    assert states == ["ACTIVE", "DRAINING", "INACTIVE"]
    (terminating,) = lifecycle(world, "Terminating")
    stopped_there = [e for e in world.log.of_type(TaskStateChanged) if e.ec2_instance_id == victim and e.last_status == "STOPPED"]
    assert stopped_there and all(e.at <= terminating.at for e in stopped_there)
    assert all(e.stopped_reason != host_terminated_reason(victim) for e in stopped_there)
    assert terminating.cause == "lifecycle action completed"
    running = [t for t in world.snapshot().tasks if t.last_status == "RUNNING"]
    assert len(running) == 6 and all(t.ec2_instance_id != victim for t in running)


def test_without_a_hook_tasks_die_with_the_host(tmp_path: Path) -> None:
    """No terminating hook: the instance goes at once and its tasks stop with the host's reason (§3.3)."""
    loaded = variant(tmp_path, HOOK, lambda d: d["world"]["auto_scaling_groups"][0].pop("LifecycleHookSpecificationList"))
    world = build_world(loaded, seed=1)
    world.run(until=1500)
    assert lifecycle(world, "Terminating:Wait") == []
    (gone,) = lifecycle(world, "Terminated")
    died = [e for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED" and e.ec2_instance_id == gone.ec2_instance_id]
    assert died and all(e.stopped_reason == f"Host EC2 (instance {gone.ec2_instance_id}) stopped/terminated" for e in died)
    assert len([t for t in world.snapshot().tasks if t.last_status == "RUNNING"]) == 6


def test_desired_capacity_outside_the_bounds_is_refused() -> None:
    """SetDesiredCapacity 9 on a group of max 4: ValidationError with AWS's (observed) wording."""
    from lab.config.auto_scaling_group import AutoScalingValidationError

    world = build_world(load_sim_document(HOOK), seed=1)
    group = world.autoscaling_groups.get("ecs-asg")
    assert group is not None
    with pytest.raises(AutoScalingValidationError) as info:
        group.set_desired_capacity(9)
    assert str(info.value) == "ValidationError: Desired capacity:9 must be between the specified min size:1 and max size:4"


def test_instance_hours_are_billed_until_termination() -> None:
    """The terminated instance stops costing: 2 instances for the rest of the run, not 3."""
    world = build_world(load_sim_document(HOOK), seed=1)
    world.run(until=1500)
    group = world.autoscaling_groups.get("ecs-asg")
    assert group is not None
    price = 0.096  # m5.large on demand (lab/config/data/instance_types.json)
    from lab.config.instance_types import instance_type

    price = instance_type("m5.large").price_usd_hour
    seconds = sum((i.terminated_at or 1500.0) - i.launched_at for i in group.instances)
    assert seconds < 3 * 1500
    assert world.cost_usd() == pytest.approx(price * seconds / 3600)


# -- capacity providers ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_waiting_tasks_provision_and_managed_scaling_grows_the_group(seed: int) -> None:
    """Tasks the group cannot take wait in PROVISIONING (no placement failure); the minute they wait,
    CapacityProviderReservation = (N + instances needed) / N × 100; ECS then scales the group out by
    min(max(M − N, minimumScalingStepSize), maximumScalingStepSize) and the tasks are placed (§7.2)."""
    world = build_world(load_sim_document(MANAGED), seed=seed)
    world.run(until=2400)
    assert not [e for e in world.log.of_type(PlacementFailed) if e.service == "web"]
    provisioning = [e for e in world.log.of_type(TaskStateChanged) if e.last_status == "PROVISIONING" and e.ec2_instance_id is None]
    assert provisioning
    group_changes = [a for a in world.log.of_type(ScalingActivity) if a.resource_id == "autoScalingGroupName/ecs-asg"]
    assert group_changes and group_changes[0].to_count > group_changes[0].from_count
    first = group_changes[0]
    before = first.at - 60  # the datapoint that put the high alarm in ALARM
    n = first.from_count
    m = reservation(world, before) * n / 100
    assert m == int(m) and m > n
    assert first.to_count == n + min(max(int(m) - n, 1), 4)
    desired, running, pending = world.services["web"].counts()
    assert desired > 2 and running == desired and pending == 0
    assert reservation(world, 2280.0) == pytest.approx(100.0)


def test_reservation_is_busy_over_running_when_nothing_waits() -> None:
    """Before the spike: two tasks on one of two instances (the second registered later) → 1 / 2 = 50 %."""
    world = build_world(load_sim_document(MANAGED), seed=1)
    world.run(until=600)
    group = world.autoscaling_groups.get("ecs-asg")
    assert group is not None and len(group.live()) == 2
    hosts = {t.ec2_instance_id for t in world.snapshot().tasks if t.last_status == "RUNNING"}
    assert reservation(world, 480.0) == pytest.approx(100.0 * len(hosts) / 2)


def test_no_instance_reports_200_and_scales_out_to_two(tmp_path: Path) -> None:
    """A group at 0 instances with a task waiting: the metric is 200 and ECS launches two (§7.2)."""

    def change(data: dict[str, Any]) -> None:
        group = data["world"]["auto_scaling_groups"][0]
        group.update({"MinSize": 0, "DesiredCapacity": 0})
        data["world"]["timeline"] = []
        for name in ("scalable-target.yaml", "cpu-policy.yaml"):
            data["files"].pop(name)

    world = build_world(variant(tmp_path, MANAGED, change), seed=1)
    world.run(until=600)
    assert reservation(world, 0.0) == 200.0
    first = next(a for a in world.log.of_type(ScalingActivity) if a.resource_id == "autoScalingGroupName/ecs-asg")
    assert (first.at, first.from_count, first.to_count) == (60.0, 0, 2)
    assert world.services["web"].counts()[1] == 2


def test_managed_termination_protection_scales_in_only_empty_instances(tmp_path: Path) -> None:
    """Without the spike one of the two instances stays empty: after 15 datapoints below 100 % ECS
    scales in by one, and only the unprotected (empty) instance can go; the tasks keep running."""

    def change(data: dict[str, Any]) -> None:
        data["world"]["timeline"] = [{"at": 0, "event": "traffic", "target_group": "web", "rps": 100}]

    world = build_world(variant(tmp_path, MANAGED, change), seed=1)
    world.run(until=1800)
    scale_in = [a for a in world.log.of_type(ScalingActivity) if a.resource_id == "autoScalingGroupName/ecs-asg" and a.to_count < a.from_count]
    assert scale_in and scale_in[0].at >= 15 * 60
    (gone,) = lifecycle(world, "Terminated")
    assert not [e for e in world.log.of_type(TaskStateChanged) if e.ec2_instance_id == gone.ec2_instance_id]
    assert world.services["web"].counts()[:2] == (2, 2)


def cluster_providers(*names: str) -> dict[str, Any]:
    """A PutClusterCapacityProviders input for cluster prod with no default strategy."""
    return {"cluster": "prod", "capacityProviders": list(names), "defaultCapacityProviderStrategy": []}


def fargate_split(data: dict[str, Any], timeline: list[dict[str, Any]] | None = None) -> None:
    """The managed-scaling example turned into a Fargate service: FARGATE base 1 weight 1, FARGATE_SPOT weight 3."""
    files = data["files"]
    for name in ("capacity-provider.yaml", "scalable-target.yaml", "cpu-policy.yaml"):
        files.pop(name)
    # The cluster must have the Fargate providers for a service's strategy to name them.
    files["cluster-capacity-providers.yaml"]["content"] = cluster_providers("FARGATE", "FARGATE_SPOT")
    td = files["task-definition.yaml"]["content"]
    td.update({"networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"]})
    td["containerDefinitions"][0].update(portMappings=[{"containerPort": 8080}], image="public.ecr.aws/nginx/nginx:1.25")
    service = files["service.yaml"]["content"]
    service.update(
        desiredCount=5,
        capacityProviderStrategy=[
            {"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3},
        ],
        networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-0lab0a"]}},
    )
    service.pop("loadBalancers")
    data["world"]["auto_scaling_groups"] = []
    data["world"]["timeline"] = timeline or []


def test_fargate_spot_interruption_stops_a_spot_task_and_the_service_replaces_it(tmp_path: Path) -> None:
    """Two-minute warning at 200 s: the oldest FARGATE_SPOT task gets SIGTERM with stopCode
    SpotInterruption and "Your Spot Task was interrupted." (§9.3); the service starts a replacement."""
    timeline = [{"at": 200, "event": "fargate-spot-interruption", "count": 1}]
    world = build_world(variant(tmp_path, MANAGED, lambda d: fargate_split(d, timeline)), seed=1)
    world.run(until=600)
    stopped = [e for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED"]
    assert [(e.stop_code, e.stopped_reason) for e in stopped] == [("SpotInterruption", "Your Spot Task was interrupted.")]
    assert stopped[0].task_id in world.capacity.spot_tasks
    assert world.services["web"].counts()[:2] == (5, 5)


def test_strategy_base_and_weights_split_fargate_and_fargate_spot(tmp_path: Path) -> None:
    """FARGATE base 1 weight 1, FARGATE_SPOT weight 3, desired 5: 1 + 1 on FARGATE, 3 on FARGATE_SPOT;
    Spot tasks are billed at the Fargate Spot discount."""

    world = build_world(variant(tmp_path, MANAGED, fargate_split), seed=1)
    world.run(until=300)
    service = world.services["web"]
    providers = sorted(service.placement.provider_of[t.id] for t in service.all_tasks())
    assert providers == ["FARGATE", "FARGATE", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE_SPOT"]
    assert all(t.launch_type == "FARGATE" for t in world.snapshot().tasks)
    assert len(world.capacity.spot_tasks) == 3
    from lab.config.fargate import FARGATE_GB_HOUR_USD, FARGATE_SPOT_DISCOUNT, FARGATE_VCPU_HOUR_USD

    hourly = 0.5 * FARGATE_VCPU_HOUR_USD + 1.0 * FARGATE_GB_HOUR_USD
    expected = sum(
        hourly * (1 - FARGATE_SPOT_DISCOUNT if t.id in world.capacity.spot_tasks else 1.0) * (300 - t.created_at) / 3600
        for t in world.tasks.values()
    )
    assert world.cost_usd() == pytest.approx(expected)


def test_target_capacity_and_termination_protection_refusals(tmp_path: Path) -> None:
    """targetCapacity 0 and managed termination protection on a group without scale-in protection
    are refused with ECS's wording, at their positions."""
    from lab.errors import SourceErrors

    def bad_target(data: dict[str, Any]) -> None:
        data["files"]["capacity-provider.yaml"]["content"]["autoScalingGroupProvider"]["managedScaling"]["targetCapacity"] = 0

    with pytest.raises(SourceErrors) as info:
        variant(tmp_path, MANAGED, bad_target)
    assert [d.message for d in info.value.diagnostics] == ["ClientException: The specified target capacity is invalid."]

    def unprotected(data: dict[str, Any]) -> None:
        data["world"]["auto_scaling_groups"][0]["NewInstancesProtectedFromScaleIn"] = False

    with pytest.raises(SourceErrors) as info:
        variant(tmp_path, MANAGED, unprotected)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.message == (
        "ClientException: The managed termination protection setting for the capacity provider is invalid. To enable "
        "managed termination protection for a capacity provider, the Auto Scaling group must have instance protection "
        "from scale in enabled."
    )
    assert diagnostic.line > 0


def test_same_seed_same_log() -> None:
    logs = []
    for _ in range(2):
        world = build_world(load_sim_document(MANAGED), seed=4)
        world.run(until=1500)
        logs.append(world.log.to_jsonl())
    assert logs[0] == logs[1]
    assert math.isfinite(len(logs[0]))


def test_a_strategy_naming_a_provider_the_cluster_lacks_is_refused(tmp_path: Path) -> None:
    """The service names web-capacity, the cluster has only FARGATE: CreateService is refused (§7.2) and no task starts."""

    def unassociate(data: dict[str, Any]) -> None:
        data["files"]["cluster-capacity-providers.yaml"]["content"] = cluster_providers("FARGATE")

    world = build_world(variant(tmp_path, MANAGED, unassociate), seed=1)
    world.run(until=120)
    (failed,) = [e for e in world.log.of_type(ApiCallFailed) if e.operation == "CreateService"]
    assert failed.error == f"InvalidParameterException: {STRATEGY_NOT_ASSOCIATED}"
    assert "web" not in world.services and not world.tasks


def test_a_strategy_mixing_fargate_and_a_group_is_refused(tmp_path: Path) -> None:
    """FARGATE next to an Auto Scaling group provider in one strategy: refused with the file position (§7.2)."""

    def mix(data: dict[str, Any]) -> None:
        data["files"]["cluster-capacity-providers.yaml"]["content"] = cluster_providers("FARGATE", "web-capacity")
        service = data["files"]["service.yaml"]["content"]
        service["capacityProviderStrategy"] = [{"capacityProvider": "FARGATE", "weight": 1}, {"capacityProvider": "web-capacity", "weight": 1}]

    with pytest.raises(SourceErrors) as caught:
        build_world(variant(tmp_path, MANAGED, mix), seed=1)
    assert [d.message for d in caught.value.diagnostics] == [f"InvalidParameterException: {STRATEGY_MIXED}"]


def test_a_default_strategy_of_providers_all_at_weight_zero_fails_the_service_that_uses_it(tmp_path: Path) -> None:
    """API: CapacityProviderStrategyItem.weight: several providers all at weight 0 fail every
    CreateService using the strategy, the cluster's default included; the service file is fine on
    its own, so the refusal comes from the world's CreateService (§7.2)."""

    def default_only(data: dict[str, Any]) -> None:
        providers = cluster_providers("web-capacity", "FARGATE", "FARGATE_SPOT")
        providers["defaultCapacityProviderStrategy"] = [
            {"capacityProvider": "FARGATE", "weight": 0},
            {"capacityProvider": "FARGATE_SPOT", "weight": 0},
        ]
        data["files"]["cluster-capacity-providers.yaml"]["content"] = providers
        data["files"]["service.yaml"]["content"].pop("capacityProviderStrategy")

    world = build_world(variant(tmp_path, MANAGED, default_only), seed=1)
    world.run(until=120)
    (failed,) = [e for e in world.log.of_type(ApiCallFailed) if e.operation == "CreateService"]
    assert failed.error == (
        "InvalidParameterException: At least one capacity provider in a capacity provider strategy must have a weight greater than zero."
    )
    assert "web" not in world.services and not world.tasks


PASS_ROLE = SIMS / "scheduled-task-pass-role.yaml"


def test_run_task_without_launch_type_uses_the_clusters_default_strategy(tmp_path: Path) -> None:
    """API: RunTask.capacityProviderStrategy: with neither a strategy nor a launch type the
    cluster's default strategy is used, on every path that calls RunTask: an EventBridge ECS
    target without LaunchType and a timeline run-task without launchType both run on FARGATE_SPOT."""

    def default_spot(data: dict[str, Any]) -> None:
        providers = cluster_providers("FARGATE", "FARGATE_SPOT")
        providers.update(cluster="finance", defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
        data["files"]["cluster-capacity-providers.yaml"] = {"kind": "cluster-capacity-providers", "content": providers}
        data["files"]["allowed.yaml"]["content"]["Targets"][0]["EcsParameters"].pop("LaunchType")
        network = {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d4e5f60718"]}}
        data["world"]["timeline"] = [{"at": 30, "event": "run-task", "taskDefinition": "report", "networkConfiguration": network}]

    world = build_world(variant(tmp_path, PASS_ROLE, default_spot), seed=1)
    world.run(until=400)
    started = {e.task_id: e.launch_type for e in world.log.of_type(TaskStateChanged) if e.last_status == "PROVISIONING"}
    assert len(started) == 2  # the timeline's task at 30 s, the allowed rule's at 300 s
    assert set(started.values()) == {"FARGATE"} and set(started) <= world.capacity.spot_tasks
    assert [e.target_id for e in world.log.of_type(TargetInvocationFailed) if e.rule == "report-allowed"] == []
    with pytest.raises(ClientException, match="Specifying both a launch type and capacity provider strategy"):
        world.run_task("report", launch_type="FARGATE", capacity_provider_strategy=world.capacity.default_strategy)
