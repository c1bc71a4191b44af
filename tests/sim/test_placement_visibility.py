"""A placement failure stays visible for as long as tasks wait (issue 11; §4.6).

ECS posts "was unable to place a task" once per cause (again after 6 hours at the latest); the
scheduler keeps trying. The log records every failed attempt, marking the ones ECS would not post
again, so a check over a later window still sees the failure.
"""

from __future__ import annotations

from pydantic import TypeAdapter

from lab.grading.checks import RunView, judge
from lab.scenario.checks import CheckSpec
from lab.sim.events import PlacementFailed, ServiceEvent
from tests.sim.conftest import of
from tests.sim.test_service_bounds import worker_service, worker_world


def test_every_failed_attempt_is_recorded_and_only_the_first_is_posted() -> None:
    """Six 512-unit tasks on three t3.medium (2 vCPU each) fit; a seventh waits, retried about every 15 s."""
    world = worker_world()
    world.create_service(worker_service(13, 100, 200))
    world.run(until=900)
    failed = of(world, PlacementFailed)
    assert len(failed) >= 900 // 15 - 5
    assert failed[0].repeated is False
    assert all(e.repeated for e in failed[1:])
    assert {e.reason for e in failed} == {"RESOURCE:CPU"}
    # Failures keep coming until the end: a check over the last five minutes sees them.
    assert [e for e in failed if e.at >= 600]
    gaps = [b.at - a.at for a, b in zip(failed, failed[1:])]
    assert max(gaps) <= 60


def test_the_message_is_posted_again_after_six_hours() -> None:
    world = worker_world()
    world.create_service(worker_service(13, 100, 200))
    world.run(until=6 * 3600 + 120)
    posted = [e.at for e in of(world, PlacementFailed) if not e.repeated]
    assert len(posted) == 2
    assert 6 * 3600 <= posted[1] - posted[0] <= 6 * 3600 + 60


def test_placing_the_tasks_ends_the_failures_and_a_new_failure_is_posted_again() -> None:
    """Lowering the count to what fits resolves the failure (steady state); raising it again posts anew."""
    world = worker_world()
    model = worker_service(13, 100, 200)
    world.create_service(model)
    world.run(until=300)
    world.update_service(model.model_copy(update={"desired_count": 12}))
    world.run(until=900)
    assert not [e for e in of(world, PlacementFailed) if e.at > 300]
    assert [e.kind for e in of(world, ServiceEvent) if e.at >= 300 and e.kind == "steady-state"]
    world.update_service(model)
    world.run(until=1200)
    later = [e for e in of(world, PlacementFailed) if e.at >= 900]
    assert later and later[0].repeated is False


def test_a_check_over_a_later_window_sees_a_failure_that_goes_on() -> None:
    """`event-not-occurred PlacementFailed` from minute 10 fails while a task still waits then."""
    world = worker_world()
    world.create_service(worker_service(13, 100, 200))
    world.run(until=900)
    check = TypeAdapter(CheckSpec).validate_python(
        {"id": "nothing-waits", "title": "t", "kind": "event-not-occurred", "type": "PlacementFailed", "where": {"service": "worker"}, "after": 600}
    )
    verdict = judge(check, RunView(world, {}, duration=900, apply_at=0.0))
    assert not verdict.passed
    assert "has insufficient CPU units available" in verdict.message
