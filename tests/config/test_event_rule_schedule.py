"""Schedule expressions and ECS task targets of event-rule files (docs/ecs-facts.md §13.5)."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.config.event_rule import parse_event_rule
from lab.config.schedule import REFUSAL, CronSchedule, RateSchedule, ScheduleError, parse_schedule
from lab.errors import SourceErrors
from lab.yaml_source import load_text

T0 = datetime(2026, 1, 5, 1, 50, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 2 * * *)",  # a Unix crontab line: five fields
        "cron(0 2 * * ? * *)",
        "cron(7 20 * * 1-7 *)",  # Day-of-month and Day-of-week both set
        "cron(0 2 ? * ? *)",  # both ?
        "cron(0 24 * * ? *)",
        "cron(60 2 * * ? *)",
        "cron(0 2 32 * ? *)",
        "cron(0 2 ? * 8 *)",
        "cron(0 2 * 13 ? *)",
        "cron(0 2 * * ? 2200)",
        "cron(0 2 ? * 3#1,6#3 *)",
        "cron(0 5-2 * * ? *)",
        "rate(1 minutes)",
        "rate(3 minute)",
        "rate(0 minutes)",
        "rate(5 seconds)",
        "rate(five minutes)",
        "every day at 2",
    ],
)
def test_aws_refuses(expression: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(expression)
    assert str(info.value).startswith(REFUSAL + " ")


@pytest.mark.parametrize(
    ("expression", "first"),
    [
        ("cron(0 2 * * ? *)", datetime(2026, 1, 5, 2, 0, tzinfo=UTC)),
        ("cron(2 0 * * ? *)", datetime(2026, 1, 6, 0, 2, tzinfo=UTC)),  # the fields swapped: 00:02 the next day
        ("cron(0/15 * * * ? *)", datetime(2026, 1, 5, 2, 0, tzinfo=UTC)),
        ("cron(0 18 ? * MON-FRI *)", datetime(2026, 1, 5, 18, 0, tzinfo=UTC)),
        ("cron(0 8 ? * SAT *)", datetime(2026, 1, 10, 8, 0, tzinfo=UTC)),
        ("cron(0 8 1 * ? *)", datetime(2026, 2, 1, 8, 0, tzinfo=UTC)),
        ("cron(0 8 L * ? *)", datetime(2026, 1, 31, 8, 0, tzinfo=UTC)),
        ("cron(0 8 ? * 6L *)", datetime(2026, 1, 30, 8, 0, tzinfo=UTC)),  # the last Friday
        ("cron(0 8 ? * 2#2 *)", datetime(2026, 1, 12, 8, 0, tzinfo=UTC)),  # the second Monday
        ("cron(0 8 3W * ? *)", datetime(2026, 2, 3, 8, 0, tzinfo=UTC)),  # 3 Jan 2026 is a Saturday: the 2nd, gone by the 5th
        ("cron(0 10 * * ? 2025)", None),
    ],
)
def test_cron_runs(expression: str, first: datetime | None) -> None:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, CronSchedule)
    assert schedule.next_after(T0, T0) == first


def test_a_rate_counts_from_the_rules_creation() -> None:
    schedule = parse_schedule("rate(1 hour)")
    assert isinstance(schedule, RateSchedule) and schedule.seconds == 3600
    assert schedule.next_after(T0, T0) == T0 + timedelta(hours=1)
    assert schedule.next_after(T0 + timedelta(hours=1), T0) == T0 + timedelta(hours=2)
    assert parse_schedule("rate(2 days)").seconds == 2 * 86400


@given(value=st.integers(1, 10_000), unit=st.sampled_from(["minute", "hour", "day"]), plural=st.booleans())
def test_rate_units_agree_with_the_value(value: int, unit: str, plural: bool) -> None:
    text = f"rate({value} {unit}{'s' if plural else ''})"
    if plural == (value > 1):
        assert parse_schedule(text).seconds == value * {"minute": 60, "hour": 3600, "day": 86400}[unit]
    else:
        with pytest.raises(ScheduleError):
            parse_schedule(text)


@given(
    minute=st.integers(0, 59),
    hour=st.integers(0, 23),
    dows=st.sets(st.integers(1, 7), min_size=1),
    offset=st.integers(0, 60 * 24 * 400),
)
def test_a_cron_run_matches_every_field_and_nothing_matches_before_it(minute: int, hour: int, dows: set[int], offset: int) -> None:
    schedule = parse_schedule(f"cron({minute} {hour} ? * {','.join(map(str, sorted(dows)))} *)")
    start = T0 + timedelta(minutes=offset)
    run = schedule.next_after(start, start)
    assert run is not None and start < run <= start + timedelta(days=8)
    assert (run.minute, run.hour, run.second) == (minute, hour, 0)
    assert (run.weekday() + 1) % 7 + 1 in dows
    # No earlier matching minute: the day before the run (if after start) does not match.
    day = run - timedelta(days=1)
    if day > start:
        assert (day.weekday() + 1) % 7 + 1 not in dows or day <= start


@given(month=st.integers(1, 12), year=st.integers(2026, 2030))
def test_l_is_the_last_day_of_the_month(month: int, year: int) -> None:
    schedule = parse_schedule(f"cron(0 0 L {month} ? {year})")
    start = datetime(year, 1, 1, tzinfo=UTC) - timedelta(minutes=1)
    run = schedule.next_after(start, start)
    assert run == datetime(year, month, calendar.monthrange(year, month)[1], tzinfo=UTC)


def _rule(body: str) -> str:
    return "Name: nightly\n" + body


def test_a_refused_expression_is_positioned_on_its_value() -> None:
    with pytest.raises(SourceErrors) as info:
        parse_event_rule(load_text(_rule("ScheduleExpression: cron(0 2 * * *)\n"), "rule.yaml"))
    (diagnostic,) = info.value.diagnostics
    assert (diagnostic.line, diagnostic.col) == (2, 21)
    assert diagnostic.message.startswith("ValidationException: Parameter ScheduleExpression is not valid. A cron expression has six fields")


ECS_TARGET = """ScheduleExpression: rate(1 day)
Targets:
  - Id: run
    Arn: arn:aws:ecs:us-east-1:123456789012:cluster/finance
    RoleArn: arn:aws:iam::123456789012:role/ecsEventsRole
"""


def test_an_ecs_target_needs_ecs_parameters() -> None:
    with pytest.raises(SourceErrors) as info:
        parse_event_rule(load_text(_rule(ECS_TARGET), "rule.yaml"))
    assert "EcsParameters" in info.value.diagnostics[0].message


def test_an_ecs_target_is_simulated_and_its_fields_are_checked() -> None:
    text = _rule(ECS_TARGET + "    EcsParameters:\n      TaskDefinitionArn: arn:aws:ecs:us-east-1:123456789012:task-definition/report:3\n      LaunchType: FARGATE\n")
    parsed = parse_event_rule(load_text(text, "rule.yaml"))
    assert parsed.notes == [] and isinstance(parsed.schedule, RateSchedule)
    params = parsed.event_rule.Targets[0].EcsParameters
    assert params is not None and params.task_definition == "report:3" and params.TaskCount == 1
    with pytest.raises(SourceErrors):
        parse_event_rule(load_text(text.replace("LaunchType: FARGATE", "LaunchType: FARGATE\n      TaskCount: 0"), "rule.yaml"))
    with pytest.raises(SourceErrors):
        parse_event_rule(load_text(text.replace("LaunchType: FARGATE", "LaunchType: SPOT"), "rule.yaml"))
