"""The ``account-setting`` file kind: ``awsvpcTrunking`` and the instances registered after it (§2.4).

An m5.large has 3 ENIs: without trunking it runs 2 ``awsvpc`` tasks (one ENI is the primary),
with a trunk ENI 10. The setting applies to instances that register after it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.errors import SourceErrors
from lab.scenario.simdoc import apply_files, build_world, load_sim_document, parse_config_file
from lab.sim.events import ApiCallFailed, ContainerInstanceStateChanged, TaskStateChanged
from lab.sim.world import World
from lab.yaml_source import load_text

DOC = """
world:
  cluster: {name: prod}
  instances:
    - {count: 1, type: m5.large, azs: [us-east-1a], role: ecsInstanceRole}
  registry:
    - {repository: web, tag: "1", size_mb: 60, base: alpine-3.20}
  roles:
    - RoleName: ecsInstanceRole
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: "sts:AssumeRole"}]
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]
  timeline: TIMELINE
files:
  task-definition.yaml:
    kind: task-definition
    content: |
      family: web
      networkMode: awsvpc
      containerDefinitions:
        - {name: web, image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1, cpu: 64, memory: 128}
  service.yaml:
    kind: service
    content: |
      serviceName: web
      taskDefinition: web
      desiredCount: 6
      launchType: EC2
      networkConfiguration: {awsvpcConfiguration: {subnets: [subnet-0laba], securityGroups: []}}
EXTRA
run: {duration: 900, seeds: [1]}
"""

SETTING = """  account-setting.yaml:
    kind: account-setting
    content: |
      name: awsvpcTrunking
      value: enabled
"""


def _world(tmp_path: Path, *, setting: bool, timeline: str = "[]") -> World:
    path = tmp_path / "trunking.yaml"
    path.write_text(DOC.replace("EXTRA", SETTING if setting else "").replace("TIMELINE", timeline))
    return build_world(load_sim_document(path), seed=1)


def _running_per_instance(world: World) -> dict[str, int]:
    last: dict[str, TaskStateChanged] = {}
    for e in world.log.of_type(TaskStateChanged):
        last[e.task_id] = e
    counts: dict[str, int] = {}
    for e in last.values():
        if e.last_status == "RUNNING" and e.ec2_instance_id:
            counts[e.ec2_instance_id] = counts.get(e.ec2_instance_id, 0) + 1
    return counts


def test_without_trunking_an_m5_large_runs_two_awsvpc_tasks(tmp_path: Path) -> None:
    world = _world(tmp_path, setting=False)
    world.run(until=600)
    assert list(_running_per_instance(world).values()) == [2]


def test_a_starting_account_setting_gives_the_first_instances_a_trunk(tmp_path: Path) -> None:
    world = _world(tmp_path, setting=True)
    world.run(until=600)
    assert list(_running_per_instance(world).values()) == [6]
    assert world.snapshot().instances[0].attributes.get("ecs.awsvpc-trunk-id", "").startswith("eni-0")


def test_a_live_setting_applies_only_to_instances_registered_after_it(tmp_path: Path) -> None:
    timeline = "[{at: 400, event: add-instances, count: 1, type: m5.large, azs: [us-east-1a], role: ecsInstanceRole}]"
    world = _world(tmp_path, setting=False, timeline=timeline)
    world.run(until=300)
    setting = parse_config_file(load_text("name: awsvpcTrunking\nvalue: enabled\n", "account-setting.yaml"), (), "account-setting.yaml", "account-setting")
    apply_files(world, [setting])
    world.run(until=900)
    assert not world.log.of_type(ApiCallFailed)
    registered = [e.ec2_instance_id for e in world.log.of_type(ContainerInstanceStateChanged) if e.status == "ACTIVE"]
    counts = _running_per_instance(world)
    assert len(registered) == 2
    assert counts[registered[0]] == 2, "the first instance registered before the setting: no trunk"
    assert counts[registered[1]] == 4, "the second runs the rest of the six"


def test_a_bad_value_is_positioned_and_other_settings_are_noted() -> None:
    with pytest.raises(SourceErrors) as caught:
        parse_config_file(load_text("name: awsvpcTrunking\nvalue: active\n", "s.yaml"), (), "s.yaml", "account-setting")
    (diag,) = caught.value.diagnostics
    assert (diag.line, diag.col) == (2, 8) and "not a valid value for awsvpcTrunking" in diag.message
    with pytest.raises(SourceErrors) as caught:
        parse_config_file(load_text("name: awsvpcTrunkin\nvalue: enabled\n", "s.yaml"), (), "s.yaml", "account-setting")
    noted = parse_config_file(load_text("name: containerInsights\nvalue: enhanced\n", "s.yaml"), (), "s.yaml", "account-setting")
    assert [n.message for n in noted.notes] == ["account setting 'containerInsights' is accepted but not simulated"]
