"""Service Auto Scaling plays out as reference/ecs-behaviour.md §7.1 describes.

Each test runs a small document (the shipped ``service-target-tracking.yaml`` with changes)
and asserts on the event log: ``AlarmStateChanged`` for the target-tracking alarms and
``ScalingActivity`` for every desired-count change, checked against the arithmetic and the
datapoint counts of §7.1 (desired = ceil(running × metric / target); high alarm 3 of 3
one-minute datapoints above target, low alarm 15 of 15 below 90 % of it; 300 s cooldowns).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.config.autoscaling import DEFAULT_SCALE_IN_COOLDOWN_S, DEFAULT_SCALE_OUT_COOLDOWN_S
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.autoscaling import HIGH_ALARM_DATAPOINTS, LOW_ALARM_DATAPOINTS
from lab.sim.events import ApiCallFailed, ServiceEvent
from lab.sim.metrics import Alarm, metric_key
from lab.sim.scaling_events import AlarmStateChanged, ScalingActivity
from lab.sim.world import World

EXAMPLE = Path(__file__).resolve().parents[2] / "content" / "sims" / "service-target-tracking.yaml"
CPU = {"ClusterName": "prod", "ServiceName": "web"}


def document(tmp_path: Path, *, traffic: list[dict[str, Any]] | None = None, files: dict[str, str] | None = None, **run: Any) -> Any:
    """The example document with its traffic, files or run replaced.

    ``files`` maps a name to YAML text (None removes the file); a new file's text starts with a
    ``__kind: <kind>`` line, which is dropped.
    """
    data = yaml.safe_load(EXAMPLE.read_text())
    if traffic is not None:
        data["world"]["timeline"] = [{"event": "traffic", "target_group": "web", **t} for t in traffic]
    for name, text in (files or {}).items():
        if text is None:
            data["files"].pop(name)
        else:
            kind = data["files"][name]["kind"] if name in data["files"] else yaml.safe_load(text).pop("__kind")
            content = "\n".join(line for line in text.splitlines() if not line.startswith("__kind: ")) + "\n"
            data["files"][name] = {"kind": kind, "content": content}
    data["run"].update(run)
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return load_sim_document(path)


def activities(world: World) -> list[ScalingActivity]:
    return world.log.of_type(ScalingActivity)


def alarm_changes(world: World, part: str) -> list[AlarmStateChanged]:
    return [e for e in world.log.of_type(AlarmStateChanged) if part in e.alarm]


def value_at(world: World, at: float, name: str = "CPUUtilization") -> float:
    return next(p.value for p in world.cloudwatch.series(name, CPU) if p.at == at)


def test_defaults_are_the_references() -> None:
    """Target tracking on ECS defaults to 300 s scale-out and scale-in cooldowns (§7.1)."""
    assert (DEFAULT_SCALE_OUT_COOLDOWN_S, DEFAULT_SCALE_IN_COOLDOWN_S) == (300, 300)
    assert (HIGH_ALARM_DATAPOINTS, LOW_ALARM_DATAPOINTS) == (3, 15)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_spike_scales_out_after_three_datapoints_to_ceil_running_times_metric_over_target(seed: int) -> None:
    """Traffic jumps at 600 s: the high alarm fires once the minutes 600, 660 and 720 are above 50 %,
    and desired becomes ceil(2 × CPU(720) / 50) = 4; the new tasks run and CPU settles below target."""
    loaded = load_sim_document(EXAMPLE)
    world = build_world(loaded, seed=seed)
    world.run(until=loaded.spec.run.duration)
    high = alarm_changes(world, "AlarmHigh")
    assert [(e.at, e.old_state, e.state) for e in high[:2]] == [(60.0, "INSUFFICIENT_DATA", "OK"), (780.0, "OK", "ALARM")]
    assert [value_at(world, t) > 50 for t in (540.0, 600.0, 660.0, 720.0)] == [False, True, True, True]
    first = activities(world)[0]
    assert first.at == 780.0 and first.from_count == 2
    assert first.to_count == math.ceil(2 * value_at(world, 720.0) / 50) == 4
    assert first.description == "Setting desired count to 4."
    assert first.cause == f"monitor alarm {high[1].alarm} in state ALARM triggered policy cpu50-target-tracking"
    assert high[1].alarm.startswith("TargetTracking-service/prod/web-AlarmHigh-")
    assert len(activities(world)) == 1
    started = [e for e in world.log.of_type(ServiceEvent) if e.kind == "started-tasks" and e.at >= 780]
    assert started and started[0].text.startswith("(service web) has started 2 tasks:")
    assert world.services["web"].counts()[:2] == (4, 4)
    assert value_at(world, 1800.0) < 50


def test_low_alarm_needs_fifteen_datapoints_and_scale_in_follows_the_formula(tmp_path: Path) -> None:
    """Load drops at 1500 s: scale-in waits for 15 one-minute datapoints below 90 % of the target,
    then desired = ceil(running × CPU / target) (never below MinCapacity)."""
    loaded = document(tmp_path, traffic=[{"at": 0, "rps": 400}, {"at": 1500, "rps": 150}], duration=3600)
    world = build_world(loaded, seed=1)
    world.run(until=3600)
    ins = [a for a in activities(world) if a.to_count < a.from_count]
    assert ins, activities(world)
    low = [e for e in alarm_changes(world, "AlarmLow") if e.state == "ALARM"]
    first_low_minute = 1500.0
    assert low[-1].at == first_low_minute + LOW_ALARM_DATAPOINTS * 60
    assert all(value_at(world, first_low_minute + 60 * k) < 45 for k in range(LOW_ALARM_DATAPOINTS))
    scale_in = ins[0]
    assert scale_in.at == low[-1].at
    running = scale_in.from_count  # all tasks were running by then
    assert scale_in.to_count == max(2, math.ceil(running * value_at(world, scale_in.at - 60) / 50))


def test_scale_out_inside_the_cooldown_only_when_larger(tmp_path: Path) -> None:
    """At 400 rps two tasks are CPU-bound (100 %): desired 4 (ceil(2 × 100 / 50)). Once those run,
    the formula asks for more and, being larger, scales out again inside the 300 s cooldown (§7.1);
    evaluations in between that ask for no more than the last scale-out change nothing."""
    loaded = document(tmp_path, traffic=[{"at": 0, "rps": 400}], duration=1800)
    world = build_world(loaded, seed=1)
    world.run(until=1800)
    outs = activities(world)
    assert outs[0].to_count == math.ceil(2 * value_at(world, outs[0].at - 60) / 50) == 4
    assert len(outs) >= 2 and outs[1].at - outs[0].at < DEFAULT_SCALE_OUT_COOLDOWN_S
    for previous, current in zip(outs, outs[1:]):
        assert current.from_count == previous.to_count < current.to_count
        assert current.to_count == math.ceil(current.from_count * value_at(world, current.at - 60) / 50)
    assert world.services["web"].counts()[0] == outs[-1].to_count
    assert value_at(world, 1500.0) < 50


def test_scale_in_cooldown_blocks_a_second_scale_in(tmp_path: Path) -> None:
    """After a scale-in, a further drop cannot scale in again before ScaleInCooldown (300 s) passes."""
    loaded = document(tmp_path, traffic=[{"at": 0, "rps": 400}, {"at": 1500, "rps": 150}], duration=4800)
    world = build_world(loaded, seed=1)
    first_in = None
    while world.now < 4800:
        world.run(until=world.now + 60)
        ins = [a for a in activities(world) if a.to_count < a.from_count]
        if ins and first_in is None:
            first_in = ins[0]
            world.set_load("web", 20)
    assert first_in is not None
    ins = [a for a in activities(world) if a.to_count < a.from_count]
    assert len(ins) >= 2
    assert ins[1].at - ins[0].at == DEFAULT_SCALE_IN_COOLDOWN_S
    assert ins[1].to_count == 2  # MinCapacity bounds the formula's 1


def test_max_capacity_bounds_scale_out(tmp_path: Path) -> None:
    """MaxCapacity 3: the formula's 4 becomes 3 (§7.1: min/max are enforced as bounds)."""
    target = EXAMPLE_TARGET.replace("MaxCapacity: 10", "MaxCapacity: 3")
    loaded = document(tmp_path, files={"scalable-target.yaml": target})
    world = build_world(loaded, seed=1)
    world.run(until=2400)
    assert [(a.from_count, a.to_count) for a in activities(world)] == [(2, 3)]


def test_registering_bounds_moves_desired_inside_them(tmp_path: Path) -> None:
    """MinCapacity 3 above the service's desired 2: the count is raised to 3 at registration."""
    target = EXAMPLE_TARGET.replace("MinCapacity: 2", "MinCapacity: 3")
    loaded = document(tmp_path, files={"scalable-target.yaml": target, "cpu-policy.yaml": None}, duration=300)
    world = build_world(loaded, seed=1)
    world.run(until=300)
    assert [(a.at, a.from_count, a.to_count) for a in activities(world)] == [(0.0, 2, 3)]
    assert world.services["web"].counts()[0] == 3


def test_disable_scale_in_creates_no_low_alarm(tmp_path: Path) -> None:
    """DisableScaleIn: only the high alarm exists and the service never scales in."""
    policy = EXAMPLE_POLICY + "  DisableScaleIn: true\n"
    loaded = document(tmp_path, traffic=[{"at": 0, "rps": 400}, {"at": 1500, "rps": 20}], files={"cpu-policy.yaml": policy}, duration=3600)
    world = build_world(loaded, seed=1)
    world.run(until=3600)
    assert [name for name in world.cloudwatch.alarms if "AlarmLow" in name] == []
    assert all(a.to_count > a.from_count for a in activities(world))


def test_request_count_per_target_policy(tmp_path: Path) -> None:
    """ALBRequestCountPerTarget, target 3000 requests per target per minute: 200 rps over 2 healthy
    targets is 6000 per minute each, so desired = ceil(2 × 6000 / 3000) = 4."""
    policy = (
        "PolicyName: requests\nServiceNamespace: ecs\nResourceId: service/prod/web\n"
        "ScalableDimension: ecs:service:DesiredCount\nPolicyType: TargetTrackingScaling\n"
        "TargetTrackingScalingPolicyConfiguration:\n  TargetValue: 3000\n  PredefinedMetricSpecification:\n"
        "    PredefinedMetricType: ALBRequestCountPerTarget\n"
        "    ResourceLabel: app/web-alb/50dc6c495c0c9188/targetgroup/web/4b5e57f6eb2f42b9\n"
    )
    loaded = document(tmp_path, files={"cpu-policy.yaml": policy})
    world = build_world(loaded, seed=1)
    world.run(until=1200)
    tg = world.target_groups["web"]
    series = world.cloudwatch.series("RequestCountPerTarget", {"TargetGroup": tg.arn.rsplit(":", 1)[-1]})
    assert next(p.value for p in series if p.at == 720.0) == pytest.approx(6000.0)
    assert [(a.at, a.from_count, a.to_count) for a in activities(world)] == [(780.0, 2, 4)]


def test_step_scaling_on_an_alarm_adds_per_step_and_respects_its_cooldown() -> None:
    """A step policy (+1 for a breach below 20, +3 above) invoked by an alarm on CPU > 60 for 2 of 3
    datapoints: the first invocation adds 3; the cooldown (300 s) blocks equal or smaller ones."""
    from lab.config.autoscaling import StepAdjustment, StepScalingPolicyConfiguration

    loaded = load_sim_document(EXAMPLE)
    world = build_world(loaded, seed=1)
    scaling = world.app_autoscaling
    scaling.targets["service/prod/web"].policies.clear()
    for name in list(world.cloudwatch.alarms):
        world.cloudwatch.delete_alarm(name)
    config = StepScalingPolicyConfiguration(
        adjustment_type="ChangeInCapacity",
        step_adjustments=(
            StepAdjustment(scaling_adjustment=1, metric_interval_lower_bound=0, metric_interval_upper_bound=20),
            StepAdjustment(scaling_adjustment=3, metric_interval_lower_bound=20),
        ),
    )
    from lab.config.autoscaling import ScalingPolicy

    policy = scaling.put_scaling_policy(
        ScalingPolicy(
            policy_name="step-out", service_namespace="ecs", resource_id="service/prod/web",
            scalable_dimension="ecs:service:DesiredCount", policy_type="StepScaling", step_scaling_policy_configuration=config,
        )
    )
    alarm = Alarm("web-cpu-high", metric_key("AWS/ECS", "CPUUtilization", CPU), threshold=60, comparison="GreaterThanThreshold", evaluation_periods=3, datapoints_to_alarm=2)
    alarm.actions.append(lambda a: scaling.invoke_step(policy, a))
    world.cloudwatch.put_alarm(alarm)
    world.run(until=1500)
    changes = alarm_changes(world, "web-cpu-high")
    assert [(e.at, e.state) for e in changes[:2]] == [(60.0, "OK"), (720.0, "ALARM")]  # minutes 600 and 660 breach
    first = activities(world)[0]
    assert (first.at, first.from_count, first.to_count) == (720.0, 2, 5)  # breach 80 - 60 = 20 → +3
    assert all(b.at - first.at >= 300 or b.to_count > first.to_count for b in activities(world)[1:])


def test_policy_for_an_unregistered_target_is_refused_with_aws_wording(tmp_path: Path) -> None:
    """PutScalingPolicy without a scalable target: ObjectNotFoundException, positioned at ResourceId."""
    from lab.errors import SourceErrors

    with pytest.raises(SourceErrors) as info:
        document(tmp_path, files={"scalable-target.yaml": None})
    message = str(info.value)
    assert "doc.yaml:" in message
    assert (
        "ObjectNotFoundException: No scalable target registered for service namespace: ecs, resource ID: "
        "service/prod/web, scalable dimension: ecs:service:DesiredCount"
    ) in message


def test_refused_answer_is_applied_as_a_failed_call(tmp_path: Path) -> None:
    """An answer whose scalable target has MinCapacity above MaxCapacity: the call fails, and so does
    the policy, which then has no scalable target, as AWS would answer both."""
    from lab.scenario.schema import FileSpec
    from lab.scenario.simdoc import parse_files
    from lab.yaml_source import load_text

    loaded = load_sim_document(EXAMPLE)
    bad = EXAMPLE_TARGET.replace("MinCapacity: 2", "MinCapacity: 20")
    doc = load_text(yaml.safe_dump({"files": {"scalable-target.yaml": {"kind": "scalable-target", "content": bad}}}), "answer.yaml")
    answer, problems = parse_files(doc, {"scalable-target.yaml": FileSpec(kind="scalable-target", content=bad)}, collect_refusals=True)
    assert problems == []
    world = build_world(loaded, seed=1, answer=answer)
    failed = world.log.of_type(ApiCallFailed)
    assert [(e.operation, e.error) for e in failed] == [
        ("RegisterScalableTarget", "ValidationException: Minimum capacity cannot be greater than maximum capacity."),
        (
            "PutScalingPolicy",
            "ObjectNotFoundException: No scalable target registered for service namespace: ecs, resource ID: "
            "service/prod/web, scalable dimension: ecs:service:DesiredCount",
        ),
    ]
    assert activities(world) == []


def test_same_seed_same_log_and_plain_documents_do_not_sample() -> None:
    """Scaling runs are deterministic; a document without scaling never starts the sampler."""
    loaded = load_sim_document(EXAMPLE)
    logs = []
    for _ in range(2):
        world = build_world(loaded, seed=2)
        world.run(until=1500)
        logs.append(world.log.to_jsonl())
    assert logs[0] == logs[1]
    plain = load_sim_document(EXAMPLE.parent / "service-dynamic-port.yaml")
    world = build_world(plain, seed=1)
    world.run(until=300)
    assert not world.cloudwatch.running and world.cloudwatch.keys() == []


EXAMPLE_TARGET = """\
ServiceNamespace: ecs
ResourceId: service/prod/web
ScalableDimension: ecs:service:DesiredCount
MinCapacity: 2
MaxCapacity: 10
"""

EXAMPLE_POLICY = """\
PolicyName: cpu50-target-tracking
ServiceNamespace: ecs
ResourceId: service/prod/web
ScalableDimension: ecs:service:DesiredCount
PolicyType: TargetTrackingScaling
TargetTrackingScalingPolicyConfiguration:
  TargetValue: 50
  PredefinedMetricSpecification:
    PredefinedMetricType: ECSServiceAverageCPUUtilization
"""


def test_scale_in_needs_every_policy_to_agree(tmp_path: Path) -> None:
    """A second policy on memory (25 % used, target 27: neither above target nor 10 % below) keeps
    the service from scaling in when CPU drops: scale-in only if all policies agree (§7.1)."""
    memory = EXAMPLE_POLICY.replace("cpu50-target-tracking", "memory27").replace("TargetValue: 50", "TargetValue: 27").replace(
        "ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"
    )
    loaded = document(
        tmp_path, traffic=[{"at": 0, "rps": 400}, {"at": 1500, "rps": 150}], files={"memory-policy.yaml": "__kind: scaling-policy\n" + memory}, duration=3600
    )
    world = build_world(loaded, seed=1)
    world.run(until=3600)
    assert [e.state for e in alarm_changes(world, "AlarmLow") if e.state == "ALARM"]  # CPU's low alarm fired
    assert all(a.to_count > a.from_count for a in activities(world))
    mem = world.cloudwatch.latest("MemoryUtilization", CPU)
    assert mem is not None and 27 * 0.9 < mem.value < 27


def test_step_policy_and_alarm_files(tmp_path: Path) -> None:
    """A step policy file and a metric-alarm file naming it: CPU > 60 for 2 of 3 minutes adds 3 tasks."""
    step = (
        "__kind: scaling-policy\nPolicyName: step-out\nServiceNamespace: ecs\nResourceId: service/prod/web\n"
        "ScalableDimension: ecs:service:DesiredCount\nPolicyType: StepScaling\nStepScalingPolicyConfiguration:\n"
        "  AdjustmentType: ChangeInCapacity\n  Cooldown: 300\n  StepAdjustments:\n"
        "    - {MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1}\n"
        "    - {MetricIntervalLowerBound: 20, ScalingAdjustment: 3}\n"
    )
    alarm = (
        "__kind: metric-alarm\nAlarmName: web-cpu-high\nNamespace: AWS/ECS\nMetricName: CPUUtilization\n"
        "Dimensions: [{Name: ClusterName, Value: prod}, {Name: ServiceName, Value: web}]\nStatistic: Average\n"
        "Period: 60\nEvaluationPeriods: 3\nDatapointsToAlarm: 2\nThreshold: 60\nComparisonOperator: GreaterThanThreshold\n"
        "AlarmActions: [step-out]\n"
    )
    loaded = document(tmp_path, files={"cpu-policy.yaml": None, "step.yaml": step, "alarm.yaml": alarm}, duration=1500)
    world = build_world(loaded, seed=1)
    world.run(until=1500)
    assert [(e.at, e.state) for e in alarm_changes(world, "web-cpu-high")][:2] == [(60.0, "OK"), (720.0, "ALARM")]
    first = activities(world)[0]
    assert (first.at, first.from_count, first.to_count) == (720.0, 2, 5)


def test_step_scaling_inside_its_cooldown_counts_what_the_last_scale_out_added() -> None:
    """API:StepScalingPolicyConfiguration: during the cooldown, the tasks the previous scale-out
    added are part of the next step, so the same step adds nothing and a larger step (+3 after +1)
    only the difference; after the cooldown the step applies to the current count again."""
    from lab.config.autoscaling import ScalingPolicy, StepAdjustment, StepScalingPolicyConfiguration

    loaded = load_sim_document(EXAMPLE)
    world = build_world(loaded, seed=1)
    scaling = world.app_autoscaling
    scaling.targets["service/prod/web"].policies.clear()
    for name in list(world.cloudwatch.alarms):
        world.cloudwatch.delete_alarm(name)
    config = StepScalingPolicyConfiguration(
        adjustment_type="ChangeInCapacity",
        cooldown=600,
        step_adjustments=(
            StepAdjustment(scaling_adjustment=1, metric_interval_lower_bound=0, metric_interval_upper_bound=30),
            StepAdjustment(scaling_adjustment=3, metric_interval_lower_bound=30),
        ),
    )
    policy = scaling.put_scaling_policy(
        ScalingPolicy(
            policy_name="step-out", service_namespace="ecs", resource_id="service/prod/web",
            scalable_dimension="ecs:service:DesiredCount", policy_type="StepScaling", step_scaling_policy_configuration=config,
        )
    )
    world.run(until=301)  # the minute that starts at 240 s is sampled at 300 s
    cpu = world.cloudwatch.latest("CPUUtilization", CPU).value

    def alarm(breach: float) -> Alarm:  # an alarm on the service's CPU whose threshold gives this breach
        return Alarm(f"breach-{breach}", metric_key("AWS/ECS", "CPUUtilization", CPU), threshold=cpu - breach, comparison="GreaterThanThreshold", evaluation_periods=1)

    scaling.invoke_step(policy, alarm(10))  # +1: 2 → 3, the cooldown starts
    scaling.invoke_step(policy, alarm(10))  # the same step again: nothing
    scaling.invoke_step(policy, alarm(40))  # +3 counts the +1 already added: 3 → 5
    scaling.invoke_step(policy, alarm(40))  # nothing
    assert [(a.from_count, a.to_count) for a in activities(world)] == [(2, 3), (3, 5)]
    world.run(until=961)  # past the 600 s cooldown
    cpu = world.cloudwatch.latest("CPUUtilization", CPU).value
    scaling.invoke_step(policy, alarm(10))  # from the current count again: 5 → 6
    assert [(a.from_count, a.to_count) for a in activities(world)][2:] == [(5, 6)]
