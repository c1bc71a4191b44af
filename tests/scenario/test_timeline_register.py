"""A pipeline deploy on the timeline: ``register-task-definition`` then ``update-service`` to the family.

The definition is parsed with lab.config's task-definition parser when the document loads
(shape errors and refusals at their line in the document), registered as the family's next
revision at ``at``, and the existing ``update-service`` entry naming the family deploys it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lab.errors import SourceErrors
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import ApiCallFailed, ServiceDeploymentStateChanged, TaskStateChanged

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"

PIPELINE = f"""\
description: pipeline
world:
  cluster: {{name: prod}}
  instances:
    - {{count: 2, type: m5.large, azs: [us-east-1a, us-east-1b], role: ecsInstanceRole}}
  registry:
    - {{repository: web, tag: "1", size_mb: 50}}
    - {{repository: web, tag: "2", size_mb: 50}}
  roles:
    - RoleName: ecsInstanceRole
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: "sts:AssumeRole"}}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role
  timeline:
    - at: 120
      event: register-task-definition
      content: |
        family: web
        containerDefinitions:
          - name: web
            image: {IMAGE}:2
            memory: 128
    - {{at: 120, event: update-service, service: web, taskDefinition: web}}
files:
  task-definition.yaml:
    kind: task-definition
    content:
      family: web
      containerDefinitions: [{{name: web, image: "{IMAGE}:1", memory: 128}}]
  service.yaml:
    kind: service
    content: {{serviceName: web, taskDefinition: web, desiredCount: 2, launchType: EC2}}
run: {{duration: 400}}
"""


def load(tmp_path: Path, text: str = PIPELINE) -> object:
    path = tmp_path / "pipeline.yaml"
    path.write_text(text, encoding="utf-8")
    return load_sim_document(path)


def problems(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(SourceErrors) as caught:
        load(tmp_path, text)
    return [(d.line, d.col, d.message) for d in caught.value.diagnostics]


def test_a_registered_revision_is_deployed_by_update_service_naming_the_family(tmp_path: Path) -> None:
    world = build_world(load(tmp_path), seed=1)  # type: ignore[arg-type]
    world.run(until=400)
    deployments = [(e.at, e.state, e.task_definition) for e in world.log if isinstance(e, ServiceDeploymentStateChanged)]
    assert deployments[0] == (0.0, "SERVICE_DEPLOYMENT_IN_PROGRESS", "web:1")
    assert (120.0, "SERVICE_DEPLOYMENT_IN_PROGRESS", "web:2") in deployments
    assert deployments[-1][1:] == ("SERVICE_DEPLOYMENT_COMPLETED", "web:2")
    running = {e.task_id: e.task_definition for e in world.log if isinstance(e, TaskStateChanged) and e.last_status == "RUNNING"}
    stopped = {e.task_id for e in world.log if isinstance(e, TaskStateChanged) and e.last_status == "STOPPED"}
    assert sorted(d for t, d in running.items() if t not in stopped) == ["web:2", "web:2"]
    assert not [e for e in world.log if isinstance(e, ApiCallFailed)]


def test_without_the_update_the_new_revision_is_only_registered(tmp_path: Path) -> None:
    text = PIPELINE.replace("    - {at: 120, event: update-service, service: web, taskDefinition: web}\n", "")
    world = build_world(load(tmp_path, text), seed=1)  # type: ignore[arg-type]
    world.run(until=400)
    assert {e.task_definition for e in world.log if isinstance(e, ServiceDeploymentStateChanged)} == {"web:1"}
    assert world.resolve_task_definition("web").arn.endswith(":task-definition/web:2")


def test_a_definition_with_a_shape_error_is_refused_at_its_line_in_the_document(tmp_path: Path) -> None:
    text = PIPELINE.replace("            memory: 128\n    - {at: 120", "            memory: 128\n            bogusKey: 1\n    - {at: 120")
    ((line, col, message),) = problems(tmp_path, text)
    assert (line, col) == (26, 13)
    assert "unknown key 'bogusKey'" in message


def test_a_definition_aws_refuses_is_refused_at_its_line(tmp_path: Path) -> None:
    text = PIPELINE.replace(
        "        family: web\n        containerDefinitions:",
        "        family: web\n        requiresCompatibilities: [FARGATE]\n        networkMode: awsvpc\n"
        "        cpu: '256'\n        memory: '4096'\n        containerDefinitions:",
    )
    found = problems(tmp_path, text)
    assert (25, 17) == found[0][:2]
    assert found[0][2].startswith("ClientException: No Fargate configuration exists for given values: 256 CPU, 4096 memory.")


def test_an_inline_mapping_definition_is_positioned_too(tmp_path: Path) -> None:
    text = PIPELINE.replace(
        "      content: |\n        family: web\n        containerDefinitions:\n          - name: web\n"
        f"            image: {IMAGE}:2\n            memory: 128\n",
        "      content: {family: web, containerDefinitions: [{name: web, image: nginx}]}\n",
    )
    ((line, _col, message),) = problems(tmp_path, text)
    assert line == 20
    assert "memory" in message


def test_a_family_registered_on_the_timeline_may_be_named_by_later_entries(tmp_path: Path) -> None:
    text = PIPELINE.replace("        family: web\n", "        family: worker\n").replace(
        "    - {at: 120, event: update-service, service: web, taskDefinition: web}",
        "    - {at: 130, event: run-task, taskDefinition: worker}\n    - {at: 140, event: run-task, taskDefinition: nothing}",
    )
    ((line, _col, message),) = problems(tmp_path, text)
    assert line == 27
    assert message == "no task-definition file has family 'nothing'"


def test_the_simulator_does_not_import_the_task_definition_models_when_imported() -> None:
    code = "import sys, lab.sim.world, lab.sim.timeline; print('lab.config.task_definition' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_pipeline_deploy_keeps_the_desired_count_service_auto_scaling_set(tmp_path: Path) -> None:
    """UpdateService without desiredCount keeps the current count: the deploy rolls out 4 tasks, not the file's 2."""
    import yaml

    from lab.sim.scaling_events import ScalingActivity

    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "content/sims/service-target-tracking.yaml").read_text(encoding="utf-8"))
    definition = yaml.safe_load(data["files"]["task-definition.yaml"]["content"])
    data["world"]["timeline"] += [
        {"at": 1800, "event": "register-task-definition", "content": definition},
        {"at": 1800, "event": "update-service", "service": "web", "taskDefinition": "web"},
    ]
    path = tmp_path / "scaled.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    world = build_world(load_sim_document(path), seed=1)
    world.run(until=2400)
    scaling = [(e.from_count, e.to_count) for e in world.log if isinstance(e, ScalingActivity)]
    assert scaling == [(2, 4)]  # scaled out once under load, and never needed to again
    new = {e.task_id for e in world.log if isinstance(e, TaskStateChanged) and e.task_definition == "web:2" and e.last_status == "RUNNING"}
    assert len(new) == 4


def test_a_run_task_group_is_at_most_255_characters_as_an_eventbridge_targets_is(tmp_path: Path) -> None:
    """A task group name is at most 255 characters (§1.6): the timeline's run-task is held to the
    limit EventBridge's EcsParameters.Group is (one constant), refused at the group's position."""
    entry = "    - {at: 130, event: run-task, taskDefinition: web, group: " + "g" * 256 + "}\n"
    text = PIPELINE.replace("files:\n", entry + "files:\n", 1)
    ((line, col, message),) = problems(tmp_path, text)
    assert line == text[: text.index("g" * 256)].count("\n") + 1
    assert "255" in message
    load(tmp_path, text.replace("g" * 256, "g" * 255))  # the limit itself is fine


def test_a_timeline_entry_missing_a_required_key_names_that_key(tmp_path: Path) -> None:
    """The missing key is named, at its entry, not the entry's event (a union tag, not a key)."""
    entry = "    - {at: 130, event: run-task, count: 2}\n"
    text = PIPELINE.replace("files:\n", entry + "files:\n", 1)
    ((line, _, message),) = problems(tmp_path, text)
    assert (line, message) == (text[: text.index(entry)].count("\n") + 1, "missing required key 'taskDefinition'")
