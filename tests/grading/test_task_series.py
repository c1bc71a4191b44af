"""The task-count series behind service-running and tasks-spread, judged on hand-made event logs."""

from __future__ import annotations

from types import SimpleNamespace

from lab.grading.checks import RunView, judge
from lab.scenario.checks import ServiceRunning, TasksSpread
from lab.sim.events import TaskStateChanged


def change(at: float, task: str, status: str, *, az: str = "us-east-1a", host: str | None = "i-1", desired: str = "RUNNING") -> TaskStateChanged:
    return TaskStateChanged(at, task, "web:1", "service:web", status, desired, "EC2", "ci", host, az)


def view(*events: TaskStateChanged, duration: float = 600.0) -> RunView:
    return RunView(SimpleNamespace(log=list(events)), {}, duration=duration, apply_at=0.0)  # type: ignore[arg-type]


def spread(**fields: object) -> TasksSpread:
    return TasksSpread(id="spread", kind="tasks-spread", service="web", **fields)


def test_series_counts_changes_and_merges_an_instant() -> None:
    run = view(
        change(10, "a", "RUNNING"),
        change(20, "b", "RUNNING"),
        change(20, "c", "RUNNING"),
        change(30, "a", "RUNNING", desired="STOPPED"),  # desired status only: the count stays
        change(40, "a", "STOPPED", desired="STOPPED"),
        change(40, "d", "RUNNING"),  # one out, one in at the same instant
    )
    assert run.running_series("web") == [(0.0, 0), (10, 1), (20, 3), (40, 3)]
    assert sorted(run.running_at("web", 25)) == ["a", "b", "c"]
    assert sorted(run.running_at("web", 40)) == ["b", "c", "d"]
    assert run.running_at("web", 5) == {}


def test_service_running_reads_the_counts() -> None:
    events = [change(float(i), f"t{i}", "RUNNING") for i in range(5)]
    passed = judge(ServiceRunning(id="r", kind="service-running", service="web", count=5, by=100, stay=True), view(*events))
    assert passed.passed and "at 4 s" in passed.message
    events.append(change(200, "t0", "STOPPED", desired="STOPPED"))
    dropped = judge(ServiceRunning(id="r", kind="service-running", service="web", count=5, by=100, stay=True), view(*events))
    assert not dropped.passed and "dropped to 4 running tasks at 200 s" in dropped.message


def test_spread_always_after_fails_at_the_first_moment_it_narrows() -> None:
    run = view(
        change(10, "a", "RUNNING", az="us-east-1a", host="i-1"),
        change(10, "b", "RUNNING", az="us-east-1b", host="i-2"),
        change(300, "b", "STOPPED", az="us-east-1b", host="i-2", desired="STOPPED"),
        change(310, "c", "RUNNING", az="us-east-1b", host="i-3"),
    )
    verdict = judge(spread(min_azs=2, always_after=100), run)
    assert not verdict.passed
    assert verdict.message == "web ran on 1 AZs and 1 instances at 300 s (needed 2 AZs)"
    # Judged only from 310 s on, the service is spread again.
    assert judge(spread(min_azs=2, always_after=310), run).passed


def test_spread_always_after_counts_hosts_and_skips_empty_moments() -> None:
    run = view(
        change(10, "a", "RUNNING", host="i-1"),
        change(50, "a", "STOPPED", host="i-1", desired="STOPPED"),  # nothing runs: not judged
        change(60, "b", "RUNNING", host="i-1"),
        change(60, "c", "RUNNING", host="i-2"),
        change(90, "d", "RUNNING", host=None),  # a Fargate task counts as its own host
    )
    assert judge(spread(min_instances=2, always_after=55), run).passed
    verdict = judge(spread(min_instances=3, always_after=55), run)
    assert not verdict.passed and "at 60 s" in verdict.message
    assert judge(spread(min_instances=3, at=100), run).passed
