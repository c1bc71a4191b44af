"""UpdateService that changes the capacity provider strategy (docs/simulator.md, "Metrics, alarms and scaling").

The shipped ``capacity-provider-managed-scaling.yaml`` with its service turned into a plain EC2
service (``launchType: EC2``, six tasks, no Service Auto Scaling) on a group of one instance.
Launch-type tasks never trigger cluster auto scaling, so two tasks cannot be placed. An update
that adds the group's capacity provider switches the service to the capacity-provider scheduler
through a new deployment: its tasks wait in PROVISIONING, managed scaling grows the group, the
old tasks are replaced and the deployment completes. Dropping the strategy again deploys back onto
launch-type placement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.config.capacity_strategy import CapacityProviderStrategyItem
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.capacity import ProviderPlacement
from lab.sim.events import PlacementFailed, ServiceDeploymentStateChanged, ServiceEvent, TaskStateChanged
from lab.sim.scaling_events import ScalingActivity
from lab.sim.service import ServiceRuntime
from lab.sim.world import World

MANAGED = Path(__file__).resolve().parents[2] / "content" / "sims" / "capacity-provider-managed-scaling.yaml"
UPDATE_AT = 600.0


def plain_ec2_world(tmp_path: Path, seed: int) -> World:
    data = yaml.safe_load(MANAGED.read_text())
    for spec in data["files"].values():
        spec["content"] = yaml.safe_load(spec["content"])
    files = data["files"]
    for name in ("scalable-target.yaml", "cpu-policy.yaml"):
        files.pop(name)
    service = files["service.yaml"]["content"]
    service.pop("capacityProviderStrategy")
    service.update(launchType="EC2", desiredCount=6)
    data["world"]["auto_scaling_groups"][0].update(DesiredCapacity=1)
    data["world"]["timeline"] = [{"at": 0, "event": "traffic", "target_group": "web", "rps": 100}]
    path = tmp_path / MANAGED.name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return build_world(load_sim_document(path), seed=seed)


def with_strategy(world: World, *items: Any) -> Any:
    """The service's file as the learner would edit it: the strategy instead of the launch type."""
    model = world.services["web"].model
    if not items:
        return model.model_copy(update={"launch_type": "EC2", "capacity_provider_strategy": ()})
    return model.model_copy(update={"launch_type": None, "capacity_provider_strategy": tuple(items)})


def group_scale_outs(world: World) -> list[ScalingActivity]:
    return [a for a in world.log.of_type(ScalingActivity) if a.resource_id == "autoScalingGroupName/ecs-asg" and a.to_count > a.from_count]


@pytest.mark.parametrize("seed", [1, 2])
def test_adding_a_strategy_to_an_ec2_service_deploys_onto_the_capacity_provider(tmp_path: Path, seed: int) -> None:
    world = plain_ec2_world(tmp_path, seed)
    world.run(until=UPDATE_AT)
    service = world.services["web"]
    assert type(service) is ServiceRuntime
    assert service.counts() == (6, 4, 0)
    assert [e.reason for e in world.log.of_type(PlacementFailed) if e.service == "web"][-1] == "RESOURCE:CPU"
    assert group_scale_outs(world) == []  # launch-type tasks never trigger cluster auto scaling (§7.2)
    old_tasks = {t.id for t in service.all_tasks()}

    world.update_service(with_strategy(world, CapacityProviderStrategyItem(capacity_provider="web-capacity", weight=1)))
    assert world.services["web"] is service and isinstance(service.placement, ProviderPlacement)
    assert service.model.force_new_deployment is False  # the file's model, not the forced copy
    world.run(until=2400)

    deployments = [e for e in world.log.of_type(ServiceDeploymentStateChanged) if e.service == "web"]
    assert [(e.state, e.at) for e in deployments[:2]] == [("SERVICE_DEPLOYMENT_IN_PROGRESS", 0.0), ("SERVICE_DEPLOYMENT_IN_PROGRESS", UPDATE_AT)]
    new_id = deployments[1].deployment_id
    completed = [e for e in deployments if e.state == "SERVICE_DEPLOYMENT_COMPLETED" and e.deployment_id == new_id]
    assert len(completed) == 1 and completed[0].at > UPDATE_AT
    done = [e for e in world.log.of_type(ServiceEvent) if e.service == "web" and e.kind == "deployment-completed"]
    assert done and done[-1].text == f"(service web) (deployment {new_id}) deployment completed."

    # The new deployment's tasks wait for the group (PROVISIONING, no instance) and ECS grows it.
    provisioning = [e for e in world.log.of_type(TaskStateChanged) if e.at >= UPDATE_AT and e.last_status == "PROVISIONING" and e.ec2_instance_id is None]
    assert provisioning
    scale_outs = group_scale_outs(world)
    assert scale_outs and scale_outs[0].at > UPDATE_AT
    stopped_old = {e.task_id for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED" and e.task_id in old_tasks}
    assert stopped_old == old_tasks
    live = list(service.all_tasks())
    assert service.counts() == (6, 6, 0)
    assert all(service.placement.provider_of.get(t.id) == "web-capacity" for t in live)
    assert all(t.deployment is service.deployments[0] for t in live)


def test_an_unchanged_strategy_starts_no_deployment_and_dropping_it_switches_back(tmp_path: Path) -> None:
    world = plain_ec2_world(tmp_path, 1)
    world.run(until=UPDATE_AT)
    item = CapacityProviderStrategyItem(capacity_provider="web-capacity", weight=1)
    world.update_service(with_strategy(world, item))
    world.run(until=1800)
    service = world.services["web"]
    in_progress = lambda: [e for e in world.log.of_type(ServiceDeploymentStateChanged) if e.state == "SERVICE_DEPLOYMENT_IN_PROGRESS"]  # noqa: E731
    assert len(in_progress()) == 2

    world.update_service(with_strategy(world, item))  # the same file applied again
    assert len(in_progress()) == 2

    world.update_service(with_strategy(world))  # back to launchType EC2
    assert service.placement.strategy == () and len(in_progress()) == 3
    world.run(until=2400)
    assert service.counts() == (6, 6, 0)
    assert all(t.deployment is service.deployments[0] and t.id not in service.placement.provider_of for t in service.all_tasks())


def test_same_seed_same_log(tmp_path: Path) -> None:
    logs = []
    for _ in range(2):
        world = plain_ec2_world(tmp_path, 3)
        world.run(until=UPDATE_AT)
        world.update_service(with_strategy(world, CapacityProviderStrategyItem(capacity_provider="web-capacity", weight=1)))
        world.run(until=1800)
        logs.append(world.log.to_jsonl())
    assert logs[0] == logs[1]
