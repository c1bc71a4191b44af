"""What AWS refuses, the lab refuses — on every path (build, live apply, timeline, pipeline deploy).

Each test applies a change the way the lab does and reads the outcome from the event log:
a refused call is an ``ApiCallFailed`` naming the operation and ECS's text, and the world
keeps its previous state (docs/ecs-facts.md §2.4, §4.1, §6.1; API: UpdateService,
ModifyTargetGroup).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.errors import ClientException
from lab.grading.grader import grade
from lab.scenario.loader import load_scenario
from lab.scenario.simdoc import ConfigFile, apply_files, build_world, load_sim_document, parse_config_file
from lab.sim.events import ApiCallFailed, ServiceDeploymentStateChanged, TaskStateChanged
from lab.sim.world import World
from lab.yaml_source import load_text

ROOT = Path(__file__).resolve().parents[2]
SIMS = ROOT / "content" / "sims"

AWSVPC_DOC = """
world:
  cluster: {name: prod}
  instances:
    - {count: 2, type: m5.large, azs: [us-east-1a, us-east-1b], role: ecsInstanceRole}
  registry:
    - {repository: web, tag: "1", size_mb: 80, base: python-3.12-slim, app: {boot_s: 5, health_path: /health}}
  roles:
    - RoleName: ecsInstanceRole
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]
  load_balancers:
    - {name: web-alb, type: application, target_groups: [web]}
  target_groups:
    - {Name: web, Protocol: HTTP, Port: 80, TargetType: ip, HealthCheckPath: /health}
files:
  task-definition.yaml:
    kind: task-definition
    content: |
      family: web
      networkMode: awsvpc
      containerDefinitions:
        - {name: web, image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1, cpu: 256, memory: 512,
           portMappings: [{containerPort: 8080}]}
  service.yaml:
    kind: service
    content: |
      serviceName: web
      taskDefinition: web
      desiredCount: 2
      launchType: EC2
      networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-0laba, subnet-0labb], securityGroups: []}}
      loadBalancers: [{targetGroupArn: web, containerName: web, containerPort: 8080}]
run: {duration: 600, seeds: [1]}
"""

BRIDGE_TASK_DEFINITION = """
family: web
networkMode: bridge
containerDefinitions:
  - {name: web, image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1, cpu: 256, memory: 512,
     portMappings: [{containerPort: 8080, hostPort: 0}]}
"""


def _world(tmp_path: Path, text: str, name: str = "doc.yaml") -> World:
    path = tmp_path / name
    path.write_text(text)
    return build_world(load_sim_document(path), seed=1)


def _file(name: str, kind: str, text: str) -> ConfigFile:
    return parse_config_file(load_text(text, name), (), name, kind, collect_refusals=True)


def _failed(world: World, after: float = 0.0) -> list[tuple[str, str]]:
    return [(e.operation, e.error) for e in world.log.of_type(ApiCallFailed) if e.at >= after]


def test_a_network_mode_change_alone_is_refused_when_it_is_deployed(tmp_path: Path) -> None:
    """Only the task definition goes awsvpc → bridge: it registers, but deploying it to a service
    with an awsvpcConfiguration (and an ip target group) is an UpdateService ECS refuses."""
    world = _world(tmp_path, AWSVPC_DOC)
    world.run(until=300)
    deployments = len(world.log.of_type(ServiceDeploymentStateChanged))
    running = {e.task_id for e in world.log.of_type(TaskStateChanged) if e.last_status == "RUNNING"}
    apply_files(world, [_file("task-definition.yaml", "task-definition", BRIDGE_TASK_DEFINITION)])
    world.run(until=600)
    assert _failed(world, 300) == [
        ("UpdateService", "InvalidParameterException: Network Configuration is not valid for the given networkMode of this task definition.")
    ]
    assert len(world.log.of_type(ServiceDeploymentStateChanged)) == deployments
    stopped = {e.task_id for e in world.log.of_type(TaskStateChanged) if e.last_status == "STOPPED"}
    assert running and not running & stopped


def test_the_grader_names_the_changed_file_for_a_refusal_it_caused(tmp_path: Path) -> None:
    """The learner touched only the task definition: the report positions ECS's refusal there, not
    in the service file they never changed."""
    loaded = load_scenario(ROOT / "scenarios" / "fargate-no-execution-role.yaml")
    name = next(n for n, f in loaded.files.items() if f.kind == "task-definition")
    data = yaml.safe_load(loaded.scenario.solution[name]) if name in loaded.scenario.solution else None
    assert data is not None
    data["networkMode"] = "bridge"
    data["requiresCompatibilities"] = ["EC2"]
    answer = {name: _file(name, "task-definition", yaml.safe_dump(data))}
    report = grade(loaded, answer, seeds=[loaded.scenario.run.seeds[0]])
    assert report.apply_errors, "the service cannot run this task definition"
    assert {d.file for d in report.apply_errors} == {name}


def test_a_daemon_service_cannot_become_a_replica_service(tmp_path: Path) -> None:
    """UpdateService has no schedulingStrategy: the file's change is refused, the daemon stays."""
    world = build_world(load_sim_document(SIMS / "daemon-growing-cluster.yaml"), seed=1)
    world.run(until=300)
    model = world.services["log-agent"].model if "log-agent" in world.services else next(iter(world.services.values())).model
    data: dict[str, Any] = {"serviceName": model.service_name, "taskDefinition": model.task_definition, "desiredCount": 2,
                            "schedulingStrategy": "REPLICA", "launchType": "EC2"}
    started = len([e for e in world.log.of_type(TaskStateChanged) if e.last_status == "PENDING"])
    apply_files(world, [_file("service.yaml", "service", yaml.safe_dump(data))])
    world.run(until=600)
    failed = _failed(world, 300)
    assert len(failed) == 1 and failed[0][0] == "UpdateService" and "cannot change schedulingStrategy from DAEMON to REPLICA" in failed[0][1]
    assert not [e for e in world.log.of_type(ServiceDeploymentStateChanged) if e.at >= 300]
    assert len([e for e in world.log.of_type(TaskStateChanged) if e.last_status == "PENDING"]) >= started


def test_a_target_groups_target_type_cannot_change_in_place(tmp_path: Path) -> None:
    world = build_world(load_sim_document(SIMS / "service-static-port.yaml"), seed=1)
    world.run(until=120)
    changed = "{Name: web, Protocol: HTTP, Port: 80, TargetType: ip, HealthCheckPath: /health}"
    apply_files(world, [_file("target-group.yaml", "target-group", changed)])
    failed = _failed(world, 120)
    assert len(failed) == 1 and failed[0][0] == "ModifyTargetGroup" and "cannot change TargetType" in failed[0][1]
    assert world.target_groups["web"].model.target_type == "instance"


def test_a_timeline_deploy_keeps_the_desired_count_service_auto_scaling_set(tmp_path: Path) -> None:
    """``update-service`` with only a task definition keeps the current desired count (§7.1)."""
    data = yaml.safe_load((SIMS / "service-target-tracking.yaml").read_text())
    duration = data["run"]["duration"]
    data["world"].setdefault("timeline", []).append(
        {"at": duration - 60, "event": "update-service", "service": "web", "taskDefinition": "web", "forceNewDeployment": True}
    )
    world = _world(tmp_path, yaml.safe_dump(data), "tracking.yaml")
    world.run(until=duration - 61)
    before = world.metrics().services[0].desired
    world.run(until=duration)
    assert not _failed(world)
    assert [e for e in world.log.of_type(ServiceDeploymentStateChanged) if e.at >= duration - 60]
    assert world.metrics().services[0].desired == before


def test_a_timeline_update_service_cannot_give_a_daemon_service_a_desired_count(tmp_path: Path) -> None:
    """UpdateService with a desired count on a DAEMON service is refused with ECS's text, whoever
    makes the call (§4.1): the timeline's call is held to the rules a service file is."""
    data = yaml.safe_load((SIMS / "daemon-growing-cluster.yaml").read_text())
    data["world"]["timeline"].append({"at": 400, "event": "update-service", "service": "log-shipper", "desiredCount": 1})
    world = _world(tmp_path, yaml.safe_dump(data), "daemon.yaml")
    world.run(until=900)
    assert _failed(world) == [
        (
            "UpdateService",
            "InvalidParameterException: The daemon scheduling strategy does not support a desired count for services. "
            "Remove the desired count value and try again",
        )
    ]
    assert world.services["log-shipper"].model.desired_count is None
    assert not [e for e in world.log.of_type(ServiceDeploymentStateChanged) if e.at >= 400]


def test_a_timeline_update_service_after_a_refused_create_answers_service_not_found(tmp_path: Path) -> None:
    """The learner's service file is refused, so the service never exists: the timeline's later
    UpdateService gets ECS's ``ServiceNotFoundException: Service not found.``, not a ClientException."""
    data = yaml.safe_load((SIMS / "daemon-growing-cluster.yaml").read_text())
    data["world"]["timeline"].append({"at": 400, "event": "update-service", "service": "log-shipper", "forceNewDeployment": True})
    path = tmp_path / "daemon.yaml"
    path.write_text(yaml.safe_dump(data))
    answer = {"service.yaml": _file("service.yaml", "service", data["files"]["service.yaml"]["content"] + "desiredCount: 2\n")}
    world = build_world(load_sim_document(path), seed=1, answer=answer)
    world.run(until=600)
    assert [op for op, _ in _failed(world)] == ["CreateService", "UpdateService"]
    assert _failed(world)[1] == ("UpdateService", "ServiceNotFoundException: Service not found.")


def test_elb_refusals_carry_elb_error_codes_not_an_ecs_prefix(tmp_path: Path) -> None:
    """Traffic to a target group that does not exist, or weights for a load balancer that does
    not, are Elastic Load Balancing's refusals: its error codes (``TargetGroupNotFound``,
    ``LoadBalancerNotFound``; ELB API reference, Errors), not ECS's ``ClientException``."""
    data = yaml.safe_load(AWSVPC_DOC)
    data["world"]["timeline"] = [{"at": 100, "event": "traffic", "target_group": "nope", "rps": 5}]
    world = _world(tmp_path, yaml.safe_dump(data))
    world.run(until=200)
    assert _failed(world) == [("SetTraffic", "TargetGroupNotFound: One or more target groups not found: nope")]
    with pytest.raises(ClientException) as refused:
        world.lb.set_forward_weights("nope", 80, None, {"web": 1})
    assert str(refused.value) == "LoadBalancerNotFound: One or more load balancers not found: nope"
