"""ECS events as EventBridge delivers them, and rules matched while the world runs (docs/ecs-facts.md §13)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lab.scenario.loader import load_scenario
from lab.scenario.simdoc import build_world
from lab.sim.eventbridge import EcsEvents
from lab.sim.events import EventRuleMatched

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "placement-failure-alert.yaml"


def _events(seed: int) -> tuple[list[Any], list[dict[str, Any]]]:
    loaded = load_scenario(SCENARIO)
    world = build_world(loaded, seed=seed)  # the starting files: one rule, on STOPPED tasks
    world.run(1200)
    projection = EcsEvents(world.kernel)
    out = [e for i, record in enumerate(world.log) for e in projection.project(record, i)]
    return list(world.log), out


def test_a_placement_failure_is_an_error_service_action_with_its_reason() -> None:
    _, events = _events(1)
    (first, *_) = [e for e in events if e["detail"].get("eventName") == "SERVICE_TASK_PLACEMENT_FAILURE" and e["resources"][0].endswith("/web")]
    assert first["detail-type"] == "ECS Service Action"
    assert first["source"] == "aws.ecs"
    assert first["resources"] == ["arn:aws:ecs:us-east-1:123456789012:service/prod/web"]
    assert first["detail"]["eventType"] == "ERROR"
    assert first["detail"]["reason"] == "RESOURCE:MEMORY"
    assert set(first) == {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}


def test_stopped_tasks_carry_stop_code_reason_and_containers() -> None:
    _, events = _events(1)
    stopped = [e for e in events if e["detail-type"] == "ECS Task State Change" and e["detail"]["lastStatus"] == "STOPPED"]
    assert stopped
    detail = stopped[0]["detail"]
    assert detail["stopCode"] == "ServiceSchedulerInitiated"
    assert detail["stoppedReason"].startswith("Scaling activity initiated by (deployment ecs-svc/")
    assert detail["containers"][0]["name"] == "web" and detail["containers"][0]["exitCode"] == 0
    versions = [e["detail"]["version"] for e in events if e["resources"] == stopped[0]["resources"]]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


def test_deployments_and_steady_states_are_sent() -> None:
    _, events = _events(1)
    names = {(e["detail-type"], e["detail"].get("eventName")) for e in events}
    assert ("ECS Deployment State Change", "SERVICE_DEPLOYMENT_IN_PROGRESS") in names
    assert ("ECS Deployment State Change", "SERVICE_DEPLOYMENT_COMPLETED") in names
    assert ("ECS Service Action", "SERVICE_STEADY_STATE") in names
    assert any(e["detail-type"] == "ECS Container Instance State Change" for e in events)


def test_the_projection_is_deterministic_and_ids_are_unique() -> None:
    log_a, a = _events(2)
    log_b, b = _events(2)
    assert a == b
    assert len({e["id"] for e in a}) == len(a)


def test_the_starting_rule_never_matches_and_a_world_without_a_match_logs_no_rule_event() -> None:
    log, _ = _events(1)
    assert not [e for e in log if isinstance(e, EventRuleMatched)]


def _rule(pattern: str, state: str = "ENABLED") -> Any:
    from lab.config.event_rule import parse_event_rule
    from lab.yaml_source import load_text

    text = f"Name: r\nEventPattern: '{pattern}'\nState: {state}\nTargets: [{{Id: t, Arn: 'arn:aws:sqs:us-east-1:123456789012:q'}}]\n"
    return parse_event_rule(load_text(text, "rule.yaml")).event_rule


def test_a_rule_put_while_the_world_runs_matches_later_events_only_while_enabled() -> None:
    world = build_world(load_scenario(SCENARIO), seed=1)
    world.run(600)
    world.put_event_rule(_rule('{"detail-type": ["ECS Task State Change"], "detail": {"lastStatus": ["STOPPED"], "containers": {"exitCode": [0]}}}'))
    world.run(850)
    assert not [e for e in world.log if isinstance(e, EventRuleMatched)]  # the release's stops came before the rule
    world.put_event_rule(_rule('{"detail-type": ["ECS Service Action"], "detail": {"reason": [{"prefix": "RESOURCE:"}]}}'))
    world.run(1000)
    matched = [e for e in world.log if isinstance(e, EventRuleMatched)]
    assert matched and all(e.at >= 900 and e.targets == ("t",) for e in matched)
    assert matched[0].message == "rule r matched ECS Service Action: SERVICE_TASK_PLACEMENT_FAILURE for service web (RESOURCE:MEMORY); sent to t"
    world.put_event_rule(_rule('{"source": ["aws.ecs"]}', state="DISABLED"))
    count = len(matched)
    world.run(1400)
    assert len([e for e in world.log if isinstance(e, EventRuleMatched)]) == count


def test_an_oom_kill_is_in_the_stopped_task_event_a_rule_can_match() -> None:
    from lab.config.event_pattern import compile_pattern
    from lab.sim.events import ContainerStateChanged, TaskStateChanged
    from lab.sim.kernel import Kernel

    kernel = Kernel(seed=1, cluster="prod", region="us-east-1", account="123456789012", start="2026-12-03T09:00:00Z")
    projection = EcsEvents(kernel)
    oom = "OutOfMemoryError: Container killed due to memory usage"
    assert projection.project(ContainerStateChanged(61.5, "abc", "app", "STOPPED", 137, oom), 0) == []
    (event,) = projection.project(
        TaskStateChanged(62.25, "abc", "app:3", "service:app", "STOPPED", "STOPPED", "EC2", "ci1", "i-1", "us-east-1a", "EssentialContainerExited", "Essential container in task exited"),
        1,
    )
    assert event["time"] == "2026-12-03T09:01:02Z" and event["detail"]["updatedAt"] == "2026-12-03T09:01:02.250Z"
    assert event["detail"]["containers"][0]["reason"] == oom and event["detail"]["containers"][0]["exitCode"] == 137
    pattern = compile_pattern({"detail-type": ["ECS Task State Change"], "detail": {"lastStatus": ["STOPPED"], "containers": {"reason": [{"prefix": "OutOfMemoryError"}]}}})
    assert pattern.matches(event)
