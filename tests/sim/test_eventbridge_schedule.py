"""Scheduled EventBridge rules running ECS tasks, on the event log (docs/ecs-facts.md §13.5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lab.scenario.loader import load_scenario
from lab.scenario.simdoc import build_world, file_document, parse_config_file
from lab.sim.events import EventRuleMatched, RunTaskCompleted, TargetInvocationFailed, TaskStateChanged

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "nightly-report-never-runs.yaml"


def _loaded() -> Any:
    return load_scenario(SCENARIO)


def _files(**texts: str) -> dict[str, Any]:
    loaded = _loaded()
    kinds = {name: spec.kind for name, spec in loaded.scenario.files.items()}
    return {name: parse_config_file(file_document(text, name, kinds[name]), (), name, kinds[name], collect_refusals=True) for name, text in texts.items()}


def _start(name: str) -> str:
    return _loaded().scenario.files[name].content


def _solution(name: str) -> str:
    return _loaded().scenario.solution[name]


def _run(answer: dict[str, Any] | None = None, until: float = 1500) -> list[Any]:
    world = build_world(_loaded(), seed=1, answer=answer)
    world.run(until)
    return list(world.log)


def _of(log: list[Any], kind: type) -> list[Any]:
    return [e for e in log if isinstance(e, kind)]


def test_a_cron_schedule_that_never_comes_runs_nothing() -> None:
    # cron(2 0 * * ? *) is 00:02 UTC: the world runs from 01:50 to 02:15.
    assert _run() == []


def test_the_rule_runs_at_the_cron_time_and_a_role_that_cannot_pass_the_task_role_fails_the_target() -> None:
    schedule = _start("schedule.yaml").replace("cron(2 0 * * ? *)", "cron(0 2 * * ? *)")
    log = _run(_files(**{"schedule.yaml": schedule}))
    (ran,) = _of(log, EventRuleMatched)
    assert ran.at == 600 and ran.detail_type == "Scheduled Event" and ran.targets == ("run-report",)
    (failed,) = _of(log, TargetInvocationFailed)
    assert failed.at == 600 and failed.rule == "nightly-report" and failed.target == "run-report"
    assert failed.error == (
        "AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/nightlyReportEventsRole/nightly-report "
        "is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/reportTaskRole"
    )
    assert not _of(log, TaskStateChanged)


def test_runtask_refuses_a_fargate_target_without_a_network_configuration() -> None:
    schedule = _start("schedule.yaml").replace("cron(2 0 * * ? *)", "cron(0 2 * * ? *)")
    log = _run(_files(**{"schedule.yaml": schedule, "events-role.yaml": _solution("events-role.yaml")}))
    (failed,) = _of(log, TargetInvocationFailed)
    assert "Network Configuration must be provided when networkMode 'awsvpc' is specified." in failed.error


def test_the_solution_starts_one_fargate_task_at_two() -> None:
    log = _run(_files(**{name: _solution(name) for name in ("schedule.yaml", "events-role.yaml")}))
    (done,) = _of(log, RunTaskCompleted)
    assert done.at == 600 and len(done.task_ids) == 1
    states = [(e.last_status, e.launch_type) for e in _of(log, TaskStateChanged)]
    assert ("RUNNING", "FARGATE") in states and states[-1][0] == "STOPPED"
    assert not _of(log, TargetInvocationFailed)


def test_a_rate_runs_from_when_the_rule_is_put_and_a_disabled_rule_not_at_all() -> None:
    fixed = _solution("schedule.yaml").replace("cron(0 2 * * ? *)", "rate(5 minutes)")
    log = _run(_files(**{"schedule.yaml": fixed, "events-role.yaml": _solution("events-role.yaml")}), until=1000)
    assert [e.at for e in _of(log, EventRuleMatched)] == [360, 660, 960]
    assert len(_of(log, RunTaskCompleted)) == 3
    disabled = fixed.replace("State: ENABLED", "State: DISABLED")
    assert _run(_files(**{"schedule.yaml": disabled}), until=1000) == []


def test_a_replaced_rule_keeps_only_its_new_schedule() -> None:
    from lab.config.event_rule import parse_event_rule
    from lab.yaml_source import load_text

    world = build_world(_loaded(), seed=1, answer=_files(**{"schedule.yaml": _solution("schedule.yaml").replace("cron(0 2 * * ? *)", "rate(5 minutes)")}))
    world.run(400)  # ran once at 360
    world.put_event_rule(parse_event_rule(load_text(_solution("schedule.yaml"), "schedule.yaml")).event_rule)
    world.run(1500)
    assert [e.at for e in world.log if isinstance(e, EventRuleMatched)] == [360, 600]


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (("RoleArn: arn:aws:iam::123456789012:role/nightlyReportEventsRole", "RoleArn: arn:aws:iam::123456789012:role/reportTaskRole"), "must exist and trust events.amazonaws.com"),
        (("cluster/finance", "cluster/default"), "ClusterNotFoundException: Cluster not found."),
        (("task-definition/nightly-report\n", "task-definition/nightly-reports\n"), "TaskDefinition not found."),
        (("LaunchType: FARGATE", "LaunchType: EC2"), "Task definition does not support launch_type EC2."),
    ],
)
def test_each_refusal_is_a_failed_invocation(edit: tuple[str, str], error: str) -> None:
    schedule = _solution("schedule.yaml")
    assert schedule.count(edit[0]) == 1
    log = _run(_files(**{"schedule.yaml": schedule.replace(*edit), "events-role.yaml": _solution("events-role.yaml")}), until=700)
    (failed,) = _of(log, TargetInvocationFailed)
    assert error in failed.error
