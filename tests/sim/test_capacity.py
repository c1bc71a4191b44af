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

from lab.config.quotas import PROVISIONING_QUOTA_REACHED
from lab.errors import STRATEGY_MIXED, STRATEGY_NOT_ASSOCIATED, ClientException, SourceErrors
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim import standalone
from lab.sim.asg import host_terminated_reason
from lab.sim.events import (
    ApiCallFailed,
    ContainerInstanceStateChanged,
    PlacementFailed,
    RunTaskCompleted,
    TargetInvocationFailed,
    TaskStateChanged,
)
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


# -- standalone tasks (RunTask) on an Auto Scaling group capacity provider ------------------------

ON_GROUP = [{"capacityProvider": "web-capacity", "weight": 1}]


def standalone_only(timeline: list[dict[str, Any]], *, instances: int = 0, max_size: int = 8, managed: str = "ENABLED") -> Any:
    """The managed-scaling example without its service: only the timeline's RunTask calls use the group."""

    def change(data: dict[str, Any]) -> None:
        files = data["files"]
        for name in ("service.yaml", "scalable-target.yaml", "cpu-policy.yaml"):
            files.pop(name)
        group = data["world"]["auto_scaling_groups"][0]
        group.update({"MinSize": 0, "DesiredCapacity": instances, "MaxSize": max_size})
        provider = files["capacity-provider.yaml"]["content"]["autoScalingGroupProvider"]
        provider["managedScaling"]["status"] = managed
        if managed != "ENABLED":
            provider["managedTerminationProtection"] = "DISABLED"
        data["world"]["timeline"] = timeline

    return change


def provisioning_without_instance(world: World) -> list[str]:
    return [e.task_id for e in world.log.of_type(TaskStateChanged) if e.last_status == "PROVISIONING" and e.ec2_instance_id is None]


def test_run_task_on_a_group_with_no_room_waits_in_provisioning_and_managed_scaling_places_it(tmp_path: Path) -> None:
    """API: RunTask; DG standalone-tasks: with managed scaling, tasks that cannot start for lack of
    capacity go to PROVISIONING rather than failing. They are returned as tasks (no failures, no
    PlacementFailed), counted by CapacityProviderReservation (200 with no instance), the group
    scales out to two and the tasks are placed on its instances as they register (§1.7, §7.2)."""
    run = {"at": 30, "event": "run-task", "taskDefinition": "web", "count": 3, "capacityProviderStrategy": ON_GROUP}
    world = build_world(variant(tmp_path, MANAGED, standalone_only([run])), seed=1)
    world.run(until=900)
    (done,) = world.log.of_type(RunTaskCompleted)
    assert len(done.task_ids) == 3 and done.failures == ()
    assert not world.log.of_type(PlacementFailed)
    assert sorted(provisioning_without_instance(world)) == sorted(done.task_ids)
    assert reservation(world, 0.0) == 200.0
    first = next(a for a in world.log.of_type(ScalingActivity) if a.resource_id == "autoScalingGroupName/ecs-asg")
    assert (first.from_count, first.to_count) == (0, 2)
    group = world.autoscaling_groups.get("ecs-asg")
    assert group is not None
    hosts = {i.ec2_id for i in group.live()}
    running = {t.task_id: t.ec2_instance_id for t in world.snapshot().tasks if t.last_status == "RUNNING"}
    assert set(running) == set(done.task_ids) and set(running.values()) <= hosts
    assert not world.capacity.waiting_tasks()


def test_a_standalone_task_stays_in_provisioning_when_the_group_cannot_grow(tmp_path: Path) -> None:
    """One m5.large (2 vCPU) at MaxSize 1: four 512-CPU tasks fit, the other six wait in
    PROVISIONING for the whole run and never become a failure (§7.2)."""
    run = {"at": 300, "event": "run-task", "taskDefinition": "web", "count": 10, "capacityProviderStrategy": ON_GROUP}
    world = build_world(variant(tmp_path, MANAGED, standalone_only([run], instances=1, max_size=1)), seed=1)
    world.run(until=1800)
    (done,) = world.log.of_type(RunTaskCompleted)
    assert len(done.task_ids) == 10 and done.failures == ()
    states = [t.last_status for t in world.snapshot().tasks]
    assert (states.count("RUNNING"), states.count("PROVISIONING")) == (4, 6)
    assert world.capacity.waiting_tasks() == 6


def test_without_managed_scaling_a_standalone_task_with_no_room_is_a_failure(tmp_path: Path) -> None:
    """The PROVISIONING wait is managed scaling's (DG standalone-tasks); without it RunTask returns a
    failures entry for the task no instance of the group can take, as before (§1.7)."""
    run = {"at": 300, "event": "run-task", "taskDefinition": "web", "count": 10, "capacityProviderStrategy": ON_GROUP}
    world = build_world(variant(tmp_path, MANAGED, standalone_only([run], instances=1, max_size=1, managed="DISABLED")), seed=1)
    world.run(until=600)
    (done,) = world.log.of_type(RunTaskCompleted)
    assert (len(done.task_ids), len(done.failures)) == (4, 6)
    assert len(world.log.of_type(PlacementFailed)) == 6
    assert world.capacity.waiting_tasks() == 0


def test_stopping_a_waiting_standalone_task_stops_it_and_nothing_scales_out(tmp_path: Path) -> None:
    """StopTask on a PROVISIONING task: STOPPED without ever being placed; with nothing waiting the
    reservation is 100 and managed scaling launches no instance."""
    timeline = [
        {"at": 0, "event": "run-task", "taskDefinition": "web", "group": "batch", "capacityProviderStrategy": ON_GROUP},
        {"at": 20, "event": "stop-task", "group": "batch"},
    ]
    world = build_world(variant(tmp_path, MANAGED, standalone_only(timeline)), seed=1)
    world.run(until=600)
    ((task_id,),) = [e.task_ids for e in world.log.of_type(RunTaskCompleted)]
    states = [(e.at, e.last_status, e.desired_status, e.ec2_instance_id) for e in world.log.of_type(TaskStateChanged) if e.task_id == task_id]
    assert states == [(0.0, "PROVISIONING", "RUNNING", None), (20.0, "PROVISIONING", "STOPPED", None), (20.0, "STOPPED", "STOPPED", None)]
    assert reservation(world, 60.0) == 100.0
    assert not [a for a in world.log.of_type(ScalingActivity) if a.resource_id == "autoScalingGroupName/ecs-asg"]


def test_run_task_past_the_provisioning_quota_is_refused_as_a_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """API: RunTask: with managed scaling, a ClientException once the cluster's quota of PROVISIONING
    tasks is reached (the quota's value is UNCONFIRMED, so it is lowered here to 3)."""
    monkeypatch.setattr(standalone, "MAX_PROVISIONING_TASKS", 3)
    world = build_world(variant(tmp_path, MANAGED, standalone_only([])), seed=1)
    assert len(world.run_task("web", count=3, capacity_provider_strategy=world.capacity.default_strategy).task_ids) == 3
    with pytest.raises(ClientException) as refused:
        world.run_task("web", capacity_provider_strategy=world.capacity.default_strategy)
    assert refused.value.message == PROVISIONING_QUOTA_REACHED
    assert world.capacity.waiting_tasks() == 3


def test_run_task_refuses_a_strategy_as_create_service_does_on_the_timeline(tmp_path: Path) -> None:
    """API: RunTask.capacityProviderStrategy: a launch type and a strategy together, a provider
    the cluster has not associated, and Fargate mixed with a group are refused as a whole, logged
    as a failed RunTask with ECS's texts (§4.7, §7.2)."""
    timeline = [
        {"at": 300, "event": "run-task", "taskDefinition": "web", "launchType": "EC2", "capacityProviderStrategy": ON_GROUP},
        {"at": 300, "event": "run-task", "taskDefinition": "web", "capacityProviderStrategy": [{"capacityProvider": "FARGATE"}]},
        {"at": 300, "event": "run-task", "taskDefinition": "web", "capacityProviderStrategy": [*ON_GROUP, {"capacityProvider": "FARGATE", "weight": 1}]},
        {"at": 300, "event": "run-task", "taskDefinition": "web", "capacityProviderStrategy": ON_GROUP},
    ]
    world = build_world(variant(tmp_path, MANAGED, standalone_only(timeline, instances=1)), seed=1)
    world.run(until=400)
    assert [e.error for e in world.log.of_type(ApiCallFailed) if e.operation == "RunTask"] == [
        "InvalidParameterException: Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.",
        f"InvalidParameterException: {STRATEGY_NOT_ASSOCIATED}",
        f"InvalidParameterException: {STRATEGY_MIXED}",
    ]
    (done,) = world.log.of_type(RunTaskCompleted)
    assert len(done.task_ids) == 1 and done.failures == ()


@pytest.mark.parametrize(
    ("item", "where"),
    [({"capacityProvider": "web-capacity", "weight": 1001}, "weight"), ({"capacityProvider": "web-capacity", "base": -1}, "base"), ({"weight": 1}, "capacityProvider")],
)
def test_a_strategy_item_out_of_the_api_ranges_is_refused_at_its_line(tmp_path: Path, item: dict[str, Any], where: str) -> None:
    """API: CapacityProviderStrategyItem: weight 0-1000, base 0-100000, capacityProvider required;
    the document loader refuses the item with its position, before any run."""
    run = {"at": 0, "event": "run-task", "taskDefinition": "web", "capacityProviderStrategy": [item]}
    with pytest.raises(SourceErrors) as caught:
        variant(tmp_path, MANAGED, standalone_only([run]))
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.line > 0 and where in diagnostic.message


def test_a_fargate_run_task_with_placement_strategies_or_constraints_is_refused(tmp_path: Path) -> None:
    """Fargate supports no placement strategies or constraints (DG task-placement): RunTask is refused
    with CreateService's observed texts, from the timeline and from an EventBridge target (for
    RunTask the refusal is UNCONFIRMED, never graded)."""
    network = {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d4e5f60718"]}}
    run = {"at": 30, "event": "run-task", "taskDefinition": "report", "launchType": "FARGATE", "networkConfiguration": network}

    def placed(data: dict[str, Any]) -> None:
        data["world"]["timeline"] = [
            {**run, "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}]},
            {**run, "placementConstraints": [{"type": "distinctInstance"}]},
            run,
        ]
        # The same through an EventBridge ECS target (EcsParameters.PlacementStrategy / PlacementConstraints).
        targets = [data["files"][name]["content"]["Targets"][0] for name in ("denied.yaml", "allowed.yaml")]
        targets[0]["RoleArn"] = targets[1]["RoleArn"]
        targets[0]["EcsParameters"]["PlacementStrategy"] = [{"type": "binpack", "field": "memory"}]
        targets[1]["EcsParameters"]["PlacementConstraints"] = [{"type": "memberOf", "expression": "attribute:ecs.availability-zone == us-east-1a"}]

    fargate_texts = [
        "InvalidParameterException: Placement strategies are not supported with FARGATE launch type.",
        "InvalidParameterException: Placement constraints are not supported with FARGATE launch type.",
    ]
    world = build_world(variant(tmp_path, PASS_ROLE, placed), seed=1)
    world.run(until=400)
    assert [e.error for e in world.log.of_type(ApiCallFailed) if e.operation == "RunTask"] == fargate_texts
    assert [e.error for e in world.log.of_type(TargetInvocationFailed)] == fargate_texts
    (done,) = world.log.of_type(RunTaskCompleted)
    assert len(done.task_ids) == 1


def test_an_eventbridge_ecs_target_runs_on_its_capacity_provider_strategy(tmp_path: Path) -> None:
    """EventBridge API: EcsParameters.CapacityProviderStrategy: the target's strategy, not the
    cluster's default, picks the provider (FARGATE_SPOT here); with LaunchType too RunTask refuses
    it and the invocation fails; more than 6 items is refused at its line."""

    def spot(data: dict[str, Any]) -> None:
        providers = cluster_providers("FARGATE", "FARGATE_SPOT")
        providers.update(cluster="finance", defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}])
        data["files"]["cluster-capacity-providers.yaml"] = {"kind": "cluster-capacity-providers", "content": providers}
        params = data["files"]["allowed.yaml"]["content"]["Targets"][0]["EcsParameters"]
        params.pop("LaunchType")
        params["CapacityProviderStrategy"] = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
        data["files"]["denied.yaml"]["content"]["Targets"][0]["RoleArn"] = "arn:aws:iam::123456789012:role/ecsEventsRole"
        data["files"]["denied.yaml"]["content"]["Targets"][0]["EcsParameters"]["CapacityProviderStrategy"] = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]

    world = build_world(variant(tmp_path, PASS_ROLE, spot), seed=1)
    world.run(until=400)
    (done,) = world.log.of_type(RunTaskCompleted)
    assert len(done.task_ids) == 1 and set(done.task_ids) <= world.capacity.spot_tasks
    assert [(e.rule, e.error) for e in world.log.of_type(TargetInvocationFailed)] == [
        ("report-denied", "InvalidParameterException: Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
    ]

    def too_many(data: dict[str, Any]) -> None:
        params = data["files"]["allowed.yaml"]["content"]["Targets"][0]["EcsParameters"]
        params["CapacityProviderStrategy"] = [{"capacityProvider": f"p{i}", "weight": 1} for i in range(7)]

    with pytest.raises(SourceErrors) as caught:
        variant(tmp_path, PASS_ROLE, too_many)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.line > 0 and "at most 6" in diagnostic.message
