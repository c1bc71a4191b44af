"""The daemon-coverage check: every ACTIVE instance runs exactly one RUNNING task of the service.

Judged from the event log alone (ContainerInstanceStateChanged, TaskStateChanged): on
hand-made logs for each rule, and on small simulated worlds with a DAEMON service (and a
REPLICA service pretending to be one).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from pydantic import TypeAdapter, ValidationError

from lab.grading.checks import RunView, Verdict, failure_is_final, judge
from lab.scenario.checks import CheckSpec, DaemonCoverage
from lab.sim.events import ContainerInstanceStateChanged, TaskStateChanged

ADAPTER: TypeAdapter[object] = TypeAdapter(CheckSpec)
ROOT = Path(__file__).resolve().parents[2]


def coverage(**fields: object) -> DaemonCoverage:
    check = ADAPTER.validate_python({"id": "daemon", "kind": "daemon-coverage", "service": "agent", **fields})
    assert isinstance(check, DaemonCoverage)
    return check


def instance(at: float, name: str, status: str = "ACTIVE") -> ContainerInstanceStateChanged:
    return ContainerInstanceStateChanged(at, f"ci-{name}", f"i-{name}", status, True, "us-east-1a", "m5.large")


def task(at: float, task_id: str, name: str, status: str = "RUNNING", group: str = "service:agent") -> TaskStateChanged:
    desired = "STOPPED" if status == "STOPPED" else "RUNNING"
    return TaskStateChanged(at, task_id, "agent:1", group, status, desired, "EC2", f"ci-{name}", f"i-{name}", "us-east-1a")


def view(*events: object, duration: float = 600.0) -> RunView:
    return RunView(SimpleNamespace(log=list(events)), {}, duration=duration, apply_at=0.0)  # type: ignore[arg-type]


COVERED = (
    instance(10, "a"),
    instance(12, "b"),
    task(30, "t1", "a", "PENDING"),
    task(31, "t2", "b", "PENDING"),
    task(40, "t1", "a"),
    task(42, "t2", "b"),
)


def test_one_task_on_every_active_instance_passes_from_the_window_start() -> None:
    assert judge(coverage(after=60), view(*COVERED)) == Verdict(
        True, "every ACTIVE instance ran exactly one agent task from 60 s to 600 s (2 instances)"
    )


def test_an_instance_without_its_task_fails_and_is_named() -> None:
    # From the start of the run, both instances were ACTIVE before their tasks ran.
    assert judge(coverage(), view(*COVERED)) == Verdict(
        False, "i-a was ACTIVE with no agent task running at 10 s (needed exactly one on every ACTIVE instance from 0 s to 600 s)"
    )
    late = (*COVERED, instance(300, "c"), task(330, "t3", "c"))
    assert judge(coverage(after=60), view(*late)).message.startswith("i-c was ACTIVE with no agent task running at 300 s")


def test_a_gap_that_began_before_the_window_fails_at_the_window_start() -> None:
    log = (instance(10, "a"), task(100, "t1", "a"))
    assert judge(coverage(after=50), view(*log)).message.startswith("i-a was ACTIVE with no agent task running at 50 s")
    # A task that starts exactly at the window's start leaves no gap inside it.
    assert judge(coverage(after=100), view(*log)).passed


def test_two_tasks_on_one_instance_fail_and_name_it() -> None:
    log = (*COVERED, task(200, "t3", "b", "PENDING"), task(210, "t3", "b"), task(260, "t3", "b", "STOPPED"))
    assert judge(coverage(after=60), view(*log)) == Verdict(
        False, "i-b ran 2 agent tasks at 210 s (needed exactly one on every ACTIVE instance from 60 s to 600 s)"
    )
    # The window bounds it: after the extra task stopped, coverage is exact again.
    assert judge(coverage(after=260), view(*log)).passed
    assert judge(coverage(after=60, before=205), view(*log)).passed


def test_grace_allows_a_short_gap_but_not_a_long_one_nor_two_tasks() -> None:
    late = (*COVERED, instance(300, "c"), task(330, "t3", "c"))
    assert judge(coverage(after=60, grace=60), view(*late)).passed
    assert judge(coverage(after=60, grace=20), view(*late)).message.startswith(
        "i-c was ACTIVE with no agent task running at 320 s (for more than 20 s)"
    )
    doubled = (*COVERED, task(200, "t3", "b"))
    assert not judge(coverage(after=60, grace=600), view(*doubled)).passed


def test_a_replacement_in_the_same_instant_leaves_no_gap() -> None:
    log = (*COVERED, task(300, "t1", "a", "STOPPED"), task(300, "t4", "a"))
    assert judge(coverage(after=60), view(*log)).passed
    later = (*COVERED, task(300, "t1", "a", "STOPPED"), task(301, "t4", "a"))
    assert judge(coverage(after=60), view(*later)).message.startswith("i-a was ACTIVE with no agent task running at 300 s")


def test_only_active_instances_and_only_this_service_count() -> None:
    log = (
        *COVERED,
        instance(100, "c", "REGISTERING"),
        instance(200, "b", "DRAINING"),
        task(250, "t2", "b", "STOPPED"),
        task(260, "x1", "a", group="service:web"),
        task(270, "x2", "a", group="family:agent"),
    )
    assert judge(coverage(after=60), view(*log)).passed


def test_a_gap_open_at_the_end_of_a_live_run_is_not_judged_past_now() -> None:
    # At 320 s (a live run's now) the new instance has waited 20 s of its 60 s grace.
    log = (*COVERED, instance(300, "c"))
    assert judge(coverage(after=60, before=900, grace=60), view(*log, duration=320)).passed
    assert not judge(coverage(after=60, before=900, grace=60), view(*log, duration=400)).passed


def test_the_model_titles_itself_and_refuses_a_negative_grace() -> None:
    assert coverage().describe() == "agent runs exactly one task on every ACTIVE container instance"
    assert failure_is_final(coverage())
    with pytest.raises(ValidationError):
        coverage(grace=-1)
    with pytest.raises(ValidationError):
        ADAPTER.validate_python({"id": "d", "kind": "daemon-coverage"})


# -- small simulated worlds --------------------------------------------------------------------------


def _world_run(service: dict[str, object], duration: float = 900.0) -> dict[str, object]:
    data = yaml.safe_load((ROOT / "content/sims/daemon-growing-cluster.yaml").read_text(encoding="utf-8"))
    data["files"]["service.yaml"]["content"] = service  # type: ignore[index]
    data["run"] = {"duration": duration, "seeds": [1]}
    return data


def _judge_world(tmp_path: Path, service: dict[str, object], check: DaemonCoverage) -> Verdict:
    from lab.scenario.simdoc import build_world, load_sim_document

    path = tmp_path / "daemon.yaml"
    path.write_text(yaml.safe_dump(_world_run(service)), encoding="utf-8")
    loaded = load_sim_document(path)
    world = build_world(loaded, seed=1)
    world.run(until=900)
    return judge(check, RunView(world, dict(loaded.files), duration=900, apply_at=0.0))


DAEMON = {"serviceName": "log-shipper", "taskDefinition": "log-shipper", "schedulingStrategy": "DAEMON", "launchType": "EC2"}


def test_a_daemon_service_covers_a_growing_cluster(tmp_path: Path) -> None:
    check = coverage(service="log-shipper", after=120, grace=120)
    verdict = _judge_world(tmp_path, DAEMON, check)
    assert verdict == Verdict(True, "every ACTIVE instance ran exactly one log-shipper task from 120 s to 900 s (5 instances)")
    # Without grace, the instances that join at 300 s are seen waiting for their task.
    strict = _judge_world(tmp_path, DAEMON, coverage(service="log-shipper", after=120))
    assert not strict.passed and "was ACTIVE with no log-shipper task running at" in strict.message


def test_a_replica_service_with_the_instance_count_is_not_a_daemon(tmp_path: Path) -> None:
    # Five replicas spread over three instances: two share one, and the instances that join
    # at 300 s get none (a REPLICA service does not follow the cluster).
    replica = {**DAEMON, "schedulingStrategy": "REPLICA", "desiredCount": 5, "placementStrategy": [{"type": "spread", "field": "instanceId"}]}
    verdict = _judge_world(tmp_path, replica, coverage(service="log-shipper", after=120, grace=120))
    assert re.fullmatch(r"i-[0-9a-f]+ ran 2 log-shipper tasks at 120 s \(needed exactly one on every ACTIVE instance from 120 s to 900 s\)", verdict.message)
