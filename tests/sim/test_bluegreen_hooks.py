"""Blue/green deployments behind a load-balancer file, and lifecycle hooks (docs/ecs-facts.md §4.9).

The simulation document content/sims/bluegreen-smoke-test-hook.yaml names the production and
test rules of its `load-balancer.yaml` by ARN and runs a POST_TEST_TRAFFIC_SHIFT smoke-test
hook; variants of it check that the rules' weights move as configured, that the requests the
listener routes follow, and what a failed or uninvokable hook does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.config.load_balancer import find_listener_rule, listener_rule_arn, parse_load_balancer
from lab.errors import ClientException, SourceErrors
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import (
    DeploymentLifecycleStageChanged,
    LifecycleHookInvoked,
    ListenerRouted,
    ServiceDeploymentStateChanged,
    TrafficShifted,
)
from lab.yaml_source import load_text

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "content" / "sims" / "bluegreen-smoke-test-hook.yaml"
RELEASE_AT = 300.0
PRODUCTION = listener_rule_arn("orders-alb", 80, 10)
TEST = listener_rule_arn("orders-alb", 80, 1)
SMOKE = {"path": "/smoke", "headers": {"X-Smoke-Test": "true"}}


def _doc(tmp_path: Path, *, service: dict[str, Any] | None = None, broken: bool = True, function: dict[str, Any] | None = None,
         role_policy: dict[str, Any] | None = None, lb: Any = None, smoke_traffic: bool = False) -> Path:
    data = yaml.safe_load(DOC.read_text())
    svc = yaml.safe_load(data["files"]["service.yaml"]["content"])
    for key, value in (service or {}).items():
        svc[key] = value
    data["files"]["service.yaml"]["content"] = yaml.safe_dump(svc, sort_keys=False)
    if not broken:
        data["world"]["registry"][1]["app"].pop("error_rate")
    if function is not None:
        data["world"]["functions"][0].update(function)
    if role_policy is not None:
        data["world"]["roles"][1]["Policies"][0]["PolicyDocument"] = role_policy
    if lb is not None:
        data["files"]["load-balancer.yaml"]["content"] = lb(data["files"]["load-balancer.yaml"]["content"])
    if smoke_traffic:
        data["world"]["timeline"][0]["requests"] = [{"path": "/orders", "share": 9}, {**SMOKE, "share": 1}]
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _run(path: Path, until: float = 1500.0) -> Any:
    world = build_world(load_sim_document(path), seed=1)
    world.run(until=until)
    return world


def _shifts(world: Any, traffic: str) -> list[tuple[float, float]]:
    """(time, percent on orders-green) of every shift of one kind of traffic."""
    return [(e.at, dict(e.weights)["orders-green"]) for e in world.log.of_type(TrafficShifted) if e.traffic == traffic]


def _routed(world: Any, label: str) -> list[tuple[float, str]]:
    return [(e.at, e.routed_to) for e in world.log.of_type(ListenerRouted) if e.request == label]


def _states(world: Any) -> list[tuple[str, str]]:
    return [(e.state, e.task_definition) for e in world.log.of_type(ServiceDeploymentStateChanged)]


def _weights(world: Any, priority: int) -> dict[str, int]:
    listener = world.lb.load_balancers["orders-alb"].model.listeners[0]
    rule = next(r for r in listener.rules if r.priority == priority)
    return dict(rule.action.target_groups)


def test_the_production_rule_of_the_load_balancer_file_steps_and_its_requests_follow(tmp_path: Path) -> None:
    canary = {"strategy": "CANARY", "bakeTimeInMinutes": 5, "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": 5}}
    world = _run(_doc(tmp_path, service={"deploymentConfiguration": canary}, broken=False))
    shifts = _shifts(world, "production")
    assert [p for _, p in shifts] == [10.0, 100.0]
    assert shifts[1][0] - shifts[0][0] == 5 * 60
    assert {e.rule for e in world.log.of_type(TrafficShifted) if e.traffic == "production"} == {PRODUCTION}
    routed = _routed(world, "GET /orders")
    assert [d for _, d in routed] == [
        "target group orders-blue",
        "target groups orders-blue 90%, orders-green 10%",
        "target group orders-green",
    ]
    assert [t for t, _ in routed[1:]] == [t for t, _ in shifts]
    assert _weights(world, 10) == {"orders-blue": 0, "orders-green": 100}
    assert world.lb.target_groups["orders-green"].load.rps == pytest.approx(50.0)
    assert _states(world)[-1] == ("SERVICE_DEPLOYMENT_COMPLETED", "orders:2")
    # The load balancer counted the canary's requests per minute where they went.
    minutes = world.load_balancer_requests("orders-alb")
    canary_minute = int(shifts[0][0] // 60) + 1
    assert minutes[canary_minute][("GET /orders", "target group orders-green")] == pytest.approx(0.1 * 50 * 60)


def test_test_traffic_reaches_green_before_production_moves(tmp_path: Path) -> None:
    world = _run(_doc(tmp_path, broken=False, smoke_traffic=True))
    test = _shifts(world, "test")
    production = _shifts(world, "production")
    assert test[0][1] == 100.0 and production[0][1] == 100.0
    assert test[0][0] < production[0][0]
    smoke = _routed(world, "GET /orders")
    assert ("target group orders-green") in [d for t, d in smoke if t >= production[0][0]]
    header = [(e.at, e.rule, e.routed_to) for e in world.log.of_type(ListenerRouted) if e.rule == "priority 1"]
    assert header[-1] == (test[0][0], "priority 1", "target group orders-green")
    stages = [e.stage for e in world.log.of_type(DeploymentLifecycleStageChanged)]
    assert stages == ["SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"]


def test_a_failed_hook_after_the_test_shift_rolls_back_and_production_never_moves(tmp_path: Path) -> None:
    world = _run(_doc(tmp_path))
    hooks = world.log.of_type(LifecycleHookInvoked)
    assert [(h.stage, h.status) for h in hooks] == [("POST_TEST_TRAFFIC_SHIFT", "IN_PROGRESS"), ("POST_TEST_TRAFFIC_SHIFT", "FAILED")]
    assert "orders-green: 20% errors" in hooks[-1].reason
    assert _shifts(world, "production") == []
    assert [p for _, p in _shifts(world, "test")] == [100.0, 0.0], "the test rule goes back to blue"
    assert _states(world)[-3:] == [
        ("SERVICE_DEPLOYMENT_FAILED", "orders:2"),
        ("SERVICE_DEPLOYMENT_IN_PROGRESS", "orders:1"),
        ("SERVICE_DEPLOYMENT_COMPLETED", "orders:1"),
    ]
    assert {d for _, d in _routed(world, "GET /orders")} == {"target group orders-blue"}
    assert _weights(world, 10) == {"orders-blue": 100, "orders-green": 0}


def test_a_hook_role_without_lambda_invoke_fails_the_deployment_the_same_way(tmp_path: Path) -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]}
    world = _run(_doc(tmp_path, broken=False, role_policy=policy))
    hooks = world.log.of_type(LifecycleHookInvoked)
    assert [h.status for h in hooks] == ["FAILED"]
    assert hooks[0].reason.startswith("AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsLifecycleHookRole/")
    assert "is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:orders-smoke-test" in hooks[0].reason
    assert hooks[0].at == _shifts(world, "test")[0][0], "ECS cannot invoke it: no wait"
    assert _shifts(world, "production") == []
    assert _states(world)[-1] == ("SERVICE_DEPLOYMENT_COMPLETED", "orders:1")


def test_in_progress_answers_are_invoked_again_after_the_callback_delay(tmp_path: Path) -> None:
    world = _run(_doc(tmp_path, broken=False, function={"in_progress": 2, "call_back_delay": 15, "duration_s": 10}))
    hooks = world.log.of_type(LifecycleHookInvoked)
    assert [h.status for h in hooks] == ["IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]
    start = _shifts(world, "test")[0][0]
    assert [h.at - start for h in hooks] == [10.0, 35.0, 60.0], "10 s run, 15 s callBackDelay, 10 s run..."
    assert _shifts(world, "production")[0][0] == hooks[-1].at


def test_without_a_callback_delay_ecs_waits_30_seconds(tmp_path: Path) -> None:
    world = _run(_doc(tmp_path, broken=False, function={"in_progress": 1, "call_back_delay": None, "duration_s": 0}))
    hooks = world.log.of_type(LifecycleHookInvoked)
    assert [h.at - hooks[0].at for h in hooks] == [0.0, 30.0]


def test_a_rule_that_does_not_forward_to_both_target_groups_is_refused_at_build(tmp_path: Path) -> None:
    def blue_only(text: str) -> str:
        changed = text.replace("                - {TargetGroupArn: orders-green, Weight: 0}\n      - Priority: 10", "      - Priority: 10")
        assert changed != text
        return changed

    with pytest.raises(SourceErrors) as caught:
        load_sim_document(_doc(tmp_path, lb=blue_only))
    message = str(caught.value)
    assert "must forward to both the primary target group and the alternate target group" in message
    assert "orders-green" in message and "testListenerRule" in message


def test_a_rule_arn_the_load_balancer_does_not_have_is_refused(tmp_path: Path) -> None:
    adv = {
        "alternateTargetGroupArn": "orders-green",
        "productionListenerRule": listener_rule_arn("orders-alb", 80, 99),
        "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers",
    }
    lbs = [{"targetGroupArn": "orders-blue", "containerName": "orders", "containerPort": 8000, "advancedConfiguration": adv}]
    with pytest.raises(SourceErrors, match="does not exist on load balancer orders-alb"):
        load_sim_document(_doc(tmp_path, service={"loadBalancers": lbs}))


def test_a_live_update_naming_a_rule_that_cannot_shift_fails_the_call(tmp_path: Path) -> None:
    world = _run(_doc(tmp_path, broken=False), until=60.0)
    service = world.services["orders"].model
    lb = service.load_balancers[0]
    adv = lb.advanced_configuration.model_copy(update={"production_listener_rule": listener_rule_arn("orders-alb", 80, 7)})
    changed = service.model_copy(update={"load_balancers": (lb.model_copy(update={"advanced_configuration": adv}),)})
    with pytest.raises(ClientException, match="does not exist"):
        world.update_service(changed)


def test_rules_are_found_by_arn_or_by_the_short_form() -> None:
    body = yaml.safe_load(DOC.read_text())["files"]["load-balancer.yaml"]["content"]
    model = parse_load_balancer(load_text(body, "lb.yaml")).load_balancer
    lbs = {"orders-alb": model}
    found = find_listener_rule(PRODUCTION, lbs)
    assert found is not None and found[2] is not None and found[2].priority == 10
    other_region = PRODUCTION.replace("us-east-1", "eu-west-1")
    assert find_listener_rule(other_region, lbs) == found, "the config layer does not know the world's region"
    short = find_listener_rule("orders-alb:80:1", lbs)
    assert short is not None and short[2] is not None and short[2].priority == 1
    default = find_listener_rule("orders-alb:80", lbs)
    assert default is not None and default[2] is None
    assert find_listener_rule("orders-alb:80:5", lbs) is None
    assert find_listener_rule(listener_rule_arn("other-alb", 80, 10), lbs) is None


def _service(hooks: list[dict[str, Any]], strategy: str = "BLUE_GREEN") -> str:
    svc = yaml.safe_load(yaml.safe_load(DOC.read_text())["files"]["service.yaml"]["content"])
    svc["deploymentConfiguration"] = {"strategy": strategy, "bakeTimeInMinutes": 5, "lifecycleHooks": hooks}
    return yaml.safe_dump(svc, sort_keys=False)


def test_a_service_file_takes_lifecycle_hooks_and_refuses_what_ecs_refuses() -> None:
    from lab.config.service import parse_service

    hook = {"hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:f", "roleArn": "r", "lifecycleStages": ["PRE_SCALE_UP"], "hookDetails": {"suite": "smoke"}}
    parsed = parse_service(load_text(_service([hook]), "service.yaml"))
    assert parsed.service.deployment_configuration.lifecycle_hooks[0].lifecycle_stages == ("PRE_SCALE_UP",)
    with pytest.raises(SourceErrors, match="lifecycleStages is required"):
        parse_service(load_text(_service([{**hook, "lifecycleStages": []}]), "service.yaml"))
    with pytest.raises(SourceErrors, match="hookTargetArn is required"):
        parse_service(load_text(_service([{k: v for k, v in hook.items() if k != "hookTargetArn"}]), "service.yaml"))
    with pytest.raises(SourceErrors, match="PAUSE lifecycle hooks are not simulated"):
        parse_service(load_text(_service([{**hook, "targetType": "PAUSE"}]), "service.yaml"))
    with pytest.raises(SourceErrors, match="lifecycleStages"):
        parse_service(load_text(_service([{**hook, "lifecycleStages": ["AFTER_LUNCH"]}]), "service.yaml"))
    notes = parse_service(load_text(_service([{**hook, "lifecycleStages": ["RECONCILE_SERVICE"]}]), "service.yaml")).notes
    assert any("never invokes hooks at RECONCILE_SERVICE" in n.message for n in notes)


def test_a_hook_naming_a_function_the_world_lacks_fails_the_deployment(tmp_path: Path) -> None:
    world = _run(_doc(tmp_path, broken=False, function={"name": "orders-other"},
                      role_policy={"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}))
    hooks = world.log.of_type(LifecycleHookInvoked)
    assert [(h.status, h.reason) for h in hooks] == [("FAILED", "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:orders-smoke-test")]
    assert _states(world)[-1] == ("SERVICE_DEPLOYMENT_COMPLETED", "orders:1")


def test_hooks_run_at_each_of_their_stages_in_order(tmp_path: Path) -> None:
    from lab.sim.events import TaskStateChanged

    stages = ["PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"]
    hook = {
        "hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:orders-smoke-test",
        "roleArn": "arn:aws:iam::123456789012:role/ecsLifecycleHookRole",
        "lifecycleStages": stages,
    }
    world = _run(_doc(tmp_path, broken=False, service={"deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1, "lifecycleHooks": [hook]}},
                      function={"smoke_test": None, "status": "SUCCEEDED", "duration_s": 5, "in_progress": 0}))
    hooks = world.log.of_type(LifecycleHookInvoked)
    assert [(h.stage, h.status) for h in hooks] == [(s, "SUCCEEDED") for s in stages]
    logged = [e.stage for e in world.log.of_type(DeploymentLifecycleStageChanged)]
    assert logged == [
        "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT",
        "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP",
    ]
    green_started = min(e.at for e in world.log.of_type(TaskStateChanged) if e.task_definition == "orders:2")
    assert green_started >= hooks[0].at == RELEASE_AT + 5, "green starts once the PRE_SCALE_UP hook answered"
    assert _states(world)[-1] == ("SERVICE_DEPLOYMENT_COMPLETED", "orders:2")


NLB = """\
Name: orders-nlb
Type: network
Subnets: [subnet-0laba, subnet-0labb]
Listeners:
  - Port: 80
    Protocol: TCP
    DefaultActions:
      - Type: forward
        ForwardConfig:
          TargetGroups:
            - {TargetGroupArn: orders-blue, Weight: 100}
            - {TargetGroupArn: orders-green, Weight: 0}
"""


def test_blue_green_behind_an_nlb_shifts_its_listeners_weighted_target_groups(tmp_path: Path) -> None:
    """An NLB's production listener (its ARN, as ECS takes it) forwards to both groups by weight (§4.9, §6.4)."""
    from lab.config.load_balancer import listener_arn

    data = yaml.safe_load(DOC.read_text())
    world_spec = data["world"]
    world_spec.pop("functions")
    world_spec["registry"][1]["app"].pop("error_rate")
    for tg in world_spec["target_groups"]:
        tg["Protocol"] = "TCP"
        tg.pop("HealthCheckPath")
    world_spec["timeline"][0]["load_balancer"] = "orders-nlb"
    data["files"]["load-balancer.yaml"]["content"] = NLB
    svc = yaml.safe_load(data["files"]["service.yaml"]["content"])
    svc["deploymentConfiguration"] = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 5}
    adv = svc["loadBalancers"][0]["advancedConfiguration"]
    adv.pop("testListenerRule")
    adv["productionListenerRule"] = listener_arn("orders-nlb", 80, lb_type="network")
    data["files"]["service.yaml"]["content"] = yaml.safe_dump(svc, sort_keys=False)
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    world = _run(path)
    assert _shifts(world, "production") == [(RELEASE_AT + 10, 100.0)]
    assert [routed for _at, routed in _routed(world, "GET /orders")] == ["target group orders-blue", "target group orders-green"]
    assert _states(world)[-1] == ("SERVICE_DEPLOYMENT_COMPLETED", "orders:2")
