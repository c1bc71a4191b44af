"""The CodeDeploy deployment controller (docs/ecs-facts.md §4.10), on the event log.

The simulation document content/sims/codedeploy-canary-rollback.yaml deploys, through a
CodeDeploy deployment group, a release that answers one request in five with a 5xx; variants
of its deployment group, AppSpec and Lambda functions check each predefined deployment
configuration's shift times and weights, the termination wait, the alarm rollback, hooks, and
what CodeDeploy and ECS refuse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.config.codedeploy import ECS_DEPLOYMENT_CONFIGS, parse_appspec, parse_deployment_group
from lab.errors import ClientException, SourceErrors
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import CodeDeployDeploymentStateChanged, CodeDeployLifecycleEvent, TaskStateChanged, TrafficShifted
from lab.yaml_source import load_text

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "content" / "sims" / "codedeploy-canary-rollback.yaml"
RELEASE_AT = 300.0


def _run(tmp_path: Path, group: dict[str, Any] | None = None, appspec: dict[str, Any] | None = None, functions: list[dict[str, Any]] | None = None,
         healthy_release: bool = False, until: float = 1800.0) -> Any:
    data = yaml.safe_load(DOC.read_text())
    files = data["files"]
    dg = yaml.safe_load(files["deployment-group.yaml"]["content"])
    dg.update(group or {})
    files["deployment-group.yaml"]["content"] = yaml.safe_dump(dg, sort_keys=False)
    spec = yaml.safe_load(files["appspec.yaml"]["content"])
    spec.update(appspec or {})
    files["appspec.yaml"]["content"] = yaml.safe_dump(spec, sort_keys=False)
    if functions is not None:
        data["world"]["functions"] = functions
    if healthy_release:
        data["world"]["registry"][1]["app"].pop("error_rate")
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    world = build_world(load_sim_document(path), seed=1)
    world.run(until=until)
    return world


NO_ALARM = {"AlarmConfiguration": {"Enabled": False}, "AutoRollbackConfiguration": {"Enabled": True, "Events": ["DEPLOYMENT_FAILURE"]}}


def _production(world: Any) -> list[tuple[float, float]]:
    """(time, percent on orders-green) of every production traffic shift."""
    return [(e.at, dict(e.weights)["orders-green"]) for e in world.log.of_type(TrafficShifted) if e.traffic == "production"]


def _states(world: Any) -> list[tuple[str, bool]]:
    return [(e.state, e.rollback) for e in world.log.of_type(CodeDeployDeploymentStateChanged)]


def _lifecycle(world: Any) -> list[tuple[str, str]]:
    return [(e.event, e.status) for e in world.log.of_type(CodeDeployLifecycleEvent)]


def test_the_alarm_stops_the_canary_and_rolls_back_to_the_original_task_set_at_once(tmp_path: Path) -> None:
    world = _run(tmp_path)
    shifts = _production(world)
    assert [p for _, p in shifts] == [10.0, 0.0]
    assert shifts[1][0] - shifts[0][0] < 5 * 60, "within the canary's 5 minutes"
    assert _states(world) == [("Created", False), ("InProgress", False), ("Stopped", True)]
    green_stopped = {e.task_id for e in world.log.of_type(TaskStateChanged) if e.task_definition == "orders:2" and e.last_status == "STOPPED"}
    assert len(green_stopped) == 4
    assert (world.lb.target_groups["orders-blue"].load.rps, world.lb.target_groups["orders-green"].load.rps) == (50.0, 0.0)


def test_lifecycle_events_run_in_order_with_the_hook(tmp_path: Path) -> None:
    world = _run(tmp_path, group=NO_ALARM, healthy_release=True)
    assert _lifecycle(world) == [
        ("Install", "Succeeded"),
        ("AllowTestTraffic", "Succeeded"),
        ("AfterAllowTestTraffic", "Succeeded"),
        ("AllowTraffic", "Succeeded"),
    ]
    test = [e for e in world.log.of_type(TrafficShifted) if e.traffic == "test"]
    assert len(test) == 1 and dict(test[0].weights)["orders-green"] == 100.0
    hook = next(e for e in world.log.of_type(CodeDeployLifecycleEvent) if e.event == "AfterAllowTestTraffic")
    assert hook.hook == "orders-smoke"
    assert _production(world)[0][0] - hook.at == 0.0, "production moves once the hook reported"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("CodeDeployDefault.ECSAllAtOnce", [(0.0, 100.0)]),
        ("CodeDeployDefault.ECSCanary10Percent5Minutes", [(0.0, 10.0), (300.0, 100.0)]),
        ("CodeDeployDefault.ECSCanary10Percent15Minutes", [(0.0, 10.0), (900.0, 100.0)]),
        ("CodeDeployDefault.ECSLinear10PercentEvery1Minutes", [(60.0 * i, 10.0 * (i + 1)) for i in range(10)]),
        ("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", [(180.0 * i, 10.0 * (i + 1)) for i in range(10)]),
    ],
)
def test_each_predefined_configuration_shifts_production_on_its_schedule(tmp_path: Path, config: str, expected: list[tuple[float, float]]) -> None:
    world = _run(tmp_path, group={**NO_ALARM, "DeploymentConfigName": config}, healthy_release=True, until=3600.0)
    shifts = _production(world)
    start = shifts[0][0]
    assert [(at - start, share) for at, share in shifts] == expected
    assert _states(world)[-1] == ("Succeeded", False)
    assert world.lb.target_groups["orders-green"].load.rps == 50.0


def test_the_original_task_set_runs_for_the_termination_wait_then_stops(tmp_path: Path) -> None:
    world = _run(tmp_path, group={**NO_ALARM, "DeploymentConfigName": "CodeDeployDefault.ECSAllAtOnce"}, healthy_release=True)
    moved = _production(world)[-1][0]
    blue_stops = [e.at for e in world.log.of_type(TaskStateChanged) if e.task_definition == "orders:1" and e.desired_status == "STOPPED"]
    assert blue_stops and min(blue_stops) == moved + 5 * 60, "TerminationWaitTimeInMinutes: 5"
    succeeded = next(e for e in world.log.of_type(CodeDeployDeploymentStateChanged) if e.state == "Succeeded")
    assert succeeded.at == moved + 5 * 60


def test_an_alarm_without_automatic_rollback_stops_the_deployment_and_leaves_traffic_as_it_is(tmp_path: Path) -> None:
    world = _run(tmp_path, group={"AutoRollbackConfiguration": {"Enabled": False}})
    assert [p for _, p in _production(world)] == [10.0]
    assert _states(world)[-1] == ("Stopped", False)
    assert world.lb.target_groups["orders-green"].load.rps == 5.0


def test_a_hook_that_reports_failed_fails_the_deployment_before_production_moves(tmp_path: Path) -> None:
    world = _run(tmp_path, functions=[{"name": "orders-smoke", "status": "FAILED", "duration_s": 30}])
    assert ("AfterAllowTestTraffic", "Failed") in _lifecycle(world)
    assert _production(world) == [], "production never moved"
    assert _states(world)[-1] == ("Failed", True)
    assert not [t for t in world.ecs.services["orders"].tasks.values() if t.rev.name == "orders:2" and t.desired != "STOPPED"]


def test_a_hook_that_never_reports_fails_after_an_hour(tmp_path: Path) -> None:
    world = _run(tmp_path, functions=[{"name": "orders-smoke", "status": None}], until=RELEASE_AT + 4000.0)
    failed = next(e for e in world.log.of_type(CodeDeployLifecycleEvent) if e.status == "Failed")
    install = next(e for e in world.log.of_type(CodeDeployLifecycleEvent) if e.event == "AllowTestTraffic")
    assert failed.at - install.at == 3600.0
    assert _states(world)[-1][0] == "Failed"


def test_a_wrong_container_port_is_refused_when_the_file_is_checked(tmp_path: Path) -> None:
    data = yaml.safe_load(DOC.read_text())
    spec = yaml.safe_load(data["files"]["appspec.yaml"]["content"])
    spec["Resources"][0]["TargetService"]["Properties"]["LoadBalancerInfo"]["ContainerPort"] = 80
    with pytest.raises(SourceErrors, match="The container orders did not have a container port 80 defined."):
        _run(tmp_path, appspec={"Resources": spec["Resources"]}, until=1.0)


def test_a_revision_without_the_appspec_port_fails_install_and_rolls_back(tmp_path: Path) -> None:
    data = yaml.safe_load(DOC.read_text())
    release = next(e for e in data["world"]["timeline"] if e["event"] == "register-task-definition")
    release["content"] = release["content"].replace("containerPort: 8000", "containerPort: 9000")
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    world = build_world(load_sim_document(path), seed=1)
    world.run(until=900.0)
    install = next(e for e in world.log.of_type(CodeDeployLifecycleEvent) if e.event == "Install")
    assert install.status == "Failed"
    assert install.detail == "The container orders did not have a container port 8000 defined."
    assert _states(world)[-1] == ("Failed", True)
    assert _production(world) == []
    assert world.lb.target_groups["orders-blue"].load.rps == 50.0


def test_update_service_cannot_deploy_a_new_revision_of_a_code_deploy_service(tmp_path: Path) -> None:
    world = _run(tmp_path, until=RELEASE_AT + 1.0)
    # The timeline registered orders:2 at 300 s; a pipeline's update-service of the family is refused.
    with pytest.raises(ClientException, match=r"^InvalidParameterException: Unable to update task definition on services with a CODE_DEPLOY deployment controller\. Use AWS CodeDeploy"):
        world.service_api.deploy("orders", "orders")


def test_a_second_deployment_while_one_is_in_progress_is_refused(tmp_path: Path) -> None:
    world = _run(tmp_path, group=NO_ALARM, healthy_release=True, until=RELEASE_AT + 60.0)
    with pytest.raises(ClientException, match="already has an active Deployment"):
        world.codedeploy.create_deployment()


# -- the files ---------------------------------------------------------------------------------------


def _group_text(**changes: Any) -> str:
    data = yaml.safe_load(DOC.read_text())
    dg = yaml.safe_load(data["files"]["deployment-group.yaml"]["content"])
    dg.update(changes)
    return yaml.safe_dump(dg, sort_keys=False)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"DeploymentConfigName": "CodeDeployDefault.AllAtOnce"}, "DeploymentConfigDoesNotExistException"),
        ({"DeploymentStyle": {"DeploymentType": "IN_PLACE", "DeploymentOption": "WITH_TRAFFIC_CONTROL"}}, "BLUE_GREEN"),
        ({"BlueGreenDeploymentConfiguration": {"TerminateBlueInstancesOnDeploymentSuccess": {"Action": "TERMINATE", "TerminationWaitTimeInMinutes": 2881}}}, "2880"),
        ({"AlarmConfiguration": {"Enabled": False}}, "DEPLOYMENT_STOP_ON_ALARM requires"),
        ({"DeploymentGroupNam": "x"}, "DeploymentGroupNam"),
    ],
)
def test_the_deployment_group_file_refuses_what_codedeploy_refuses(changes: dict[str, Any], expected: str) -> None:
    with pytest.raises(SourceErrors) as err:
        parse_deployment_group(load_text(_group_text(**changes), "dg.yaml"))
    assert expected in str(err.value)
    assert ":" in str(err.value).splitlines()[0], "positioned"


def test_the_predefined_configurations_are_the_five_ecs_ones() -> None:
    assert sorted(ECS_DEPLOYMENT_CONFIGS) == sorted(
        [
            "CodeDeployDefault.ECSAllAtOnce",
            "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
            "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
            "CodeDeployDefault.ECSCanary10Percent5Minutes",
            "CodeDeployDefault.ECSCanary10Percent15Minutes",
        ]
    )


HOOKS = ["BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic"]


@settings(max_examples=40, deadline=None)
@given(
    hooks=st.lists(st.sampled_from(HOOKS), unique=True),
    port=st.integers(min_value=-5, max_value=70000),
    version=st.sampled_from(["0.0", "1.0", "0.0.1"]),
)
def test_appspec_parser_accepts_exactly_valid_files(hooks: list[str], port: int, version: str) -> None:
    text = (
        f"version: {version}\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n"
        f"        TaskDefinition: orders:2\n        LoadBalancerInfo:\n          ContainerName: orders\n          ContainerPort: {port}\n"
    )
    if hooks:
        text += "Hooks:\n" + "".join(f"  - {h}: fn-{h}\n" for h in hooks)
    valid = 1 <= port <= 65535 and version == "0.0"
    try:
        parsed = parse_appspec(load_text(text, "appspec.yaml"))
    except SourceErrors as err:
        assert not valid, str(err)
        assert all(d.line >= 1 for d in err.diagnostics)
        return
    assert valid
    assert parsed.appspec.hook_functions == {h: f"fn-{h}" for h in hooks}


def test_the_next_deployment_goes_back_to_the_other_target_group(tmp_path: Path) -> None:
    world = _run(tmp_path, group={**NO_ALARM, "DeploymentConfigName": "CodeDeployDefault.ECSAllAtOnce"}, healthy_release=True, until=1200.0)
    assert _states(world)[-1] == ("Succeeded", False)
    world.codedeploy.create_deployment("orders-dg")
    world.run(until=2400.0)
    last = [e for e in world.log.of_type(TrafficShifted) if e.traffic == "production"][-1]
    assert dict(last.weights) == {"orders-green": 0.0, "orders-blue": 100.0}, "green was the original: blue gets the replacement"
    assert _states(world)[-1] == ("Succeeded", False)
    assert (world.lb.target_groups["orders-blue"].load.rps, world.lb.target_groups["orders-green"].load.rps) == (50.0, 0.0)
