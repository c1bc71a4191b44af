"""``lab.sim.series``: a run's views and events become time series and markers over simulated time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.scenario.loader import find_scenario, load_scenario
from lab.scenario.simdoc import build_world
from lab.sim.events import EventLog, ServiceDeploymentStateChanged
from lab.sim.scaling_events import InstanceLifecycleChanged, ScalingActivity
from lab.sim.series import MARKER_KINDS, RunSeries, fault_marks
from lab.sim.views import MetricsView, ServiceCounts, TargetGroupCounts


def view(now: float, *, desired: int = 2, running: int = 2, pending: int = 0, requests: float = 0.0, failed: float = 0.0, cpu: float | None = None) -> MetricsView:
    return MetricsView(
        now, (ServiceCounts("web", desired, running, pending, cpu, None if cpu is None else 20.0),),
        (TargetGroupCounts("web-tg", running, running, requests, failed),), 2, 512, 2048, (("cp", 50.0),),
    )


def test_lines_step_with_the_readings_and_hold_between_them() -> None:
    log = EventLog()
    series = RunSeries(600)
    series.record(view(0, desired=2, running=0, pending=2), log)
    series.record(view(60, desired=2, running=2), log)
    series.record(view(120, desired=4, running=2, pending=2), log)
    tasks = next(c for c in series.charts() if c.title == "web tasks")
    lines = {line.name: line for line in tasks.lines}
    assert [p[1] for p in lines["desired"].points] == [2, 2, 4]
    assert lines["running"].value_at(90) == 2 and lines["pending"].value_at(59) == 2
    assert lines["desired"].value_at(-1) is None
    assert tasks.unit == "tasks" and tasks.top == 4


def test_requests_become_a_per_minute_rate() -> None:
    log = EventLog()
    series = RunSeries(600)
    series.record(view(0), log)
    series.record(view(30, requests=600, failed=30), log)
    series.record(view(90, requests=1800, failed=30), log)
    charts = {c.title: c for c in series.charts()}
    assert charts["web-tg requests"].lines[0].points == ((30, 1200.0), (90, 1200.0))
    assert charts["web-tg 5xx"].lines[0].points == ((30, 60.0), (90, 0.0))
    assert charts["web-tg 5xx"].unit == "per min"


def test_markers_come_from_events_faults_and_applies() -> None:
    log = EventLog()
    log.append(ServiceDeploymentStateChanged(0.0, "web", "ecs-svc/1", "SERVICE_DEPLOYMENT_IN_PROGRESS", "web:1"))
    log.append(InstanceLifecycleChanged(5.0, "asg", "i-1", "us-east-1a", "InService"))
    log.append(ScalingActivity(60.0, "service/prod/web", 2, 4, "alarm", "Setting desired count to 4."))
    log.append(ServiceDeploymentStateChanged(90.0, "web", "ecs-svc/1", "SERVICE_DEPLOYMENT_FAILED", "web:1", "why"))
    series = RunSeries(600, faults=[(100.0, "az-outage us-east-1a")])
    series.record(view(95), log)
    assert [(m.at, m.kind, m.label) for m in series.markers] == [
        (0.0, "deployment", "web deployment started"),
        (60.0, "scaling", "web 2→4"),
        (90.0, "deployment", "web deployment failed"),
    ]
    series.mark_apply(80.0)
    series.record(view(100), log)
    assert [m.kind for m in series.markers] == ["deployment", "scaling", "apply", "deployment", "fault"]
    assert [m.label for m in series.markers_between(60, 100)] == ["web 2→4", "apply", "web deployment failed"]
    instances = next(c for c in series.charts() if c.title == "instances")
    assert {line.name: line.points[-1][1] for line in instances.lines} == {"asg": 1, "ACTIVE in cluster": 2}
    series.clear()
    assert series.markers == [] and series.charts() == []


def test_a_restart_reads_the_new_log_from_its_start() -> None:
    log = EventLog()
    log.append(ScalingActivity(10.0, "service/prod/web", 2, 4, "alarm", "Setting desired count to 4."))
    series = RunSeries(600)
    series.record(view(20), log)
    series.clear()
    fresh = EventLog()
    fresh.append(ScalingActivity(5.0, "service/prod/web", 2, 3, "alarm", "Setting desired count to 3."))
    series.record(view(6), fresh)
    assert [m.label for m in series.markers] == ["web 2→3"]


def test_memory_stays_bounded_however_often_a_shell_samples() -> None:
    log = EventLog()
    series = RunSeries(100, buckets=10)
    for i in range(1001):
        series.record(view(i / 10, running=i % 3), log)
    for chart in series.charts():
        for line in chart.lines:
            assert len(line.points) <= 2 * 10 + 1


readings = st.lists(
    st.tuples(
        st.floats(0, 5000, allow_nan=False),
        st.integers(0, 50), st.integers(0, 50), st.integers(0, 50),
        st.floats(0, 1e6, allow_nan=False), st.floats(0, 1e4, allow_nan=False),
        st.none() | st.floats(0, 400, allow_nan=False),
    ),
    max_size=40,
)
event_times = st.lists(st.floats(0, 5000, allow_nan=False), max_size=10)


@settings(max_examples=60, deadline=None)
@given(readings, event_times, st.integers(1, 50))
def test_series_are_never_negative_times_never_go_back_and_markers_sit_at_event_times(rows, times, buckets) -> None:
    log = EventLog()
    series = RunSeries(3600, buckets=buckets)
    events = sorted(times)
    requests = failed = 0.0
    for at, desired, running, pending, more, more_failed, cpu in sorted(rows, key=lambda row: row[0]):
        while events and events[0] <= at:
            log.append(ScalingActivity(events.pop(0), "service/prod/web", 1, 2, "alarm", "Setting desired count to 2."))
        requests += more
        failed += min(more, more_failed)
        series.record(view(at, desired=desired, running=running, pending=pending, requests=requests, failed=failed, cpu=cpu), log)
    for chart in series.charts():
        assert chart.top > 0
        for line in chart.lines:
            times_seen = [t for t, _ in line.points]
            assert times_seen == sorted(times_seen) and len(set(times_seen)) == len(times_seen)
            assert all(v >= 0 for _, v in line.points)
    logged = [e.at for e in log]
    assert [m.at for m in series.markers] == logged
    assert all(m.kind in MARKER_KINDS for m in series.markers)


def test_a_scenario_run_gives_scaling_markers_and_instances() -> None:
    loaded = load_scenario(find_scenario("unscaled-instances"))
    spec = loaded.spec
    world = build_world(loaded, seed=spec.run.seeds[0])
    series = RunSeries(spec.run.duration, faults=fault_marks(spec.world.timeline))
    for t in range(0, 901, 30):
        world.run(until=float(t))
        series.record(world.metrics(), world.log)
    titles = [c.title for c in series.charts()]
    assert titles[:2] == ["web tasks", "instances"] and "capacity provider reservation" in titles
    assert any(m.kind == "scaling" for m in series.markers)
    assert {m.at for m in series.markers} <= {e.at for e in world.log}


def test_fault_marks_name_the_timeline_faults() -> None:
    loaded = load_scenario(find_scenario("az-outage-binpack"))
    assert fault_marks(loaded.spec.world.timeline) == [(600.0, "az-outage us-east-1a")]
