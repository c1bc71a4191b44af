"""service-steady-state's failure quotes the service's last message, placement failures included."""

from __future__ import annotations

from types import SimpleNamespace

from lab.grading.checks import RunView, judge
from lab.scenario.checks import ServiceSteadyState
from lab.sim.events import PlacementFailed, ServiceEvent


def test_a_failed_steady_state_quotes_the_last_placement_failure() -> None:
    events = [
        ServiceEvent(0.0, "web", "started-tasks", "(service web) has started 1 tasks: (task a)."),
        PlacementFailed(10.0, "service:web", "RESOURCE:MEMORY", None, "No Container Instances were found in your cluster.", "web"),
        PlacementFailed(20.0, "family:batch", "RESOURCE:MEMORY", None, "other", None),
    ]
    run = RunView(SimpleNamespace(log=events), {}, duration=600.0, apply_at=0.0)  # type: ignore[arg-type]
    verdict = judge(ServiceSteadyState(id="s", kind="service-steady-state", service="web", by=300), run)
    assert not verdict.passed
    assert verdict.message.startswith(
        "web did not reach a steady state by 300 s; its last event: (service web) was unable to place a task because "
        "no container instance met all of its requirements. Reason: No Container Instances were found in your cluster."
    )
