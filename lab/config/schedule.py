"""Provides EventBridge schedule expressions: ``rate(value unit)`` and six-field ``cron(...)``.

What a scheduled rule's ``ScheduleExpression`` takes (EventBridge User Guide, "Setting a schedule
pattern for scheduled rules"; docs/ecs-facts.md §13.5):

* ``rate(value unit)``: a positive whole ``value``; ``unit`` ``minute`` / ``hour`` / ``day`` when
  the value is 1, ``minutes`` / ``hours`` / ``days`` otherwise (``rate(1 minutes)`` and
  ``rate(3 minute)`` are refused).
* ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``: six fields, in UTC. Values
  ``0-59``, ``0-23``, ``1-31``, ``1-12`` or ``JAN-DEC``, ``1-7`` or ``SUN-SAT`` (1 is Sunday),
  ``1970-2199``; wildcards ``, - * /`` everywhere, ``?`` in Day-of-month and Day-of-week (one of
  them must be ``?``, the other a value or ``*``), ``L`` and ``W`` in Day-of-month, ``L`` and
  ``#`` in Day-of-week.

AWS refuses a bad expression with ``ValidationException: Parameter ScheduleExpression is not
valid.``; the lab adds which part is wrong.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["REFUSAL", "CronSchedule", "RateSchedule", "Schedule", "ScheduleError", "parse_schedule"]

REFUSAL = "ValidationException: Parameter ScheduleExpression is not valid."
"""PutRule's refusal of a bad expression (word for word; docs/ecs-facts.md §13.5)."""

_FIELDS = ("Minutes", "Hours", "Day-of-month", "Month", "Day-of-week", "Year")
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199))
_MONTHS = {name: i for i, name in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_DAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
_RATE = re.compile(r"^rate\((\d+) ([a-z]+)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleError(ValueError):
    """A refused expression: AWS's refusal plus what the lab found wrong."""


@dataclass(frozen=True)
class RateSchedule:
    """``rate(value unit)``: every ``seconds`` from when the rule is created."""

    expression: str
    seconds: int

    def next_after(self, moment: datetime, created: datetime) -> datetime:
        """The first run strictly after ``moment`` (runs are ``created + k * seconds``, k ≥ 1)."""
        elapsed = (moment - created).total_seconds()
        k = max(1, int(elapsed // self.seconds) + 1)
        return created + timedelta(seconds=k * self.seconds)


@dataclass(frozen=True)
class CronSchedule:
    """``cron(...)``: the minutes (UTC) whose fields all match."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    months: frozenset[int]
    years: frozenset[int]
    day_of_month: str
    """The Day-of-month field as written (``?``, ``*``, ``L``, ``15W``, a list...)."""
    day_of_week: str
    """The Day-of-week field as written (``?``, ``MON-FRI``, ``6L``, ``2#1``...)."""

    def next_after(self, moment: datetime, created: datetime) -> datetime | None:
        """The first run strictly after ``moment``, within a year (None: no run in that time)."""
        del created
        t = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        end = moment + timedelta(days=366)
        while t <= end:
            if t.year in self.years and t.month in self.months and self._day_matches(t):
                if t.hour in self.hours:
                    later = sorted(m for m in self.minutes if m >= t.minute)
                    if later:
                        return t.replace(minute=later[0])
                t = (t + timedelta(hours=1)).replace(minute=0)
                continue
            t = (t + timedelta(days=1)).replace(hour=0, minute=0)
        return None

    def _day_matches(self, t: datetime) -> bool:
        if self.day_of_month != "?":
            return _dom_matches(self.day_of_month, t)
        return _dow_matches(self.day_of_week, t)


Schedule = RateSchedule | CronSchedule


def parse_schedule(expression: str) -> Schedule:
    """Parse a ScheduleExpression as PutRule takes it.

    Raises:
        ScheduleError: AWS refuses the expression (the message says which part is wrong).
    """
    if expression.startswith("rate("):
        return _rate(expression)
    if expression.startswith("cron(") and expression.endswith(")"):
        return _cron(expression)
    raise ScheduleError(f"{REFUSAL} A schedule is rate(value unit) or cron(Minutes Hours Day-of-month Month Day-of-week Year)")


def _rate(expression: str) -> RateSchedule:
    match = _RATE.fullmatch(expression)
    if match is None:
        raise ScheduleError(f"{REFUSAL} A rate is rate(value unit): a whole number, a space, then minute(s), hour(s) or day(s)")
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise ScheduleError(f"{REFUSAL} The rate's value must be a positive number")
    singular = unit.removesuffix("s")
    if singular not in _UNITS:
        raise ScheduleError(f"{REFUSAL} Unknown unit '{unit}': use minute(s), hour(s) or day(s)")
    if value == 1 and unit != singular:
        raise ScheduleError(f"{REFUSAL} A value of 1 takes the singular unit: rate(1 {singular})")
    if value > 1 and unit == singular:
        raise ScheduleError(f"{REFUSAL} A value above 1 takes the plural unit: rate({value} {singular}s)")
    return RateSchedule(expression, value * _UNITS[singular])


def _cron(expression: str) -> CronSchedule:
    fields = expression[len("cron(") : -1].split()
    if len(fields) != 6:
        raise ScheduleError(
            f"{REFUSAL} A cron expression has six fields (Minutes Hours Day-of-month Month Day-of-week Year); "
            f"this one has {len(fields)}" + (" (a Unix crontab line has five: add the Year, and ? in Day-of-month or Day-of-week)" if len(fields) == 5 else "")
        )
    dom, dow = fields[2].upper(), fields[4].upper()
    if (dom == "?") == (dow == "?"):
        raise ScheduleError(
            f"{REFUSAL} Day-of-month and Day-of-week cannot both be set: one of them must be ? "
            f"(here Day-of-month is '{fields[2]}' and Day-of-week '{fields[4]}')"
        )
    sets = [_values(fields[i], i) for i in (0, 1, 3, 5)]
    if dom != "?":
        _check_dom(dom)
    else:
        _check_dow(dow)
    minutes, hours, months, years = (frozenset(values) for values in sets)
    return CronSchedule(expression, minutes, hours, months, years, dom, dow)


def _field_error(index: int, text: str, why: str) -> ScheduleError:
    return ScheduleError(f"{REFUSAL} Field {index + 1} ({_FIELDS[index]}) '{text}': {why}")


def _number(token: str, index: int) -> int:
    names = _MONTHS if index == 3 else _DAYS if index == 4 else {}
    if token in names:
        return names[token]
    if not token.isdigit():
        raise _field_error(index, token, "not a number" + (" or a name" if names else ""))
    low, high = _BOUNDS[index]
    value = int(token)
    if not low <= value <= high:
        raise _field_error(index, token, f"out of range {low}-{high}")
    return value


def _values(text: str, index: int) -> set[int]:
    """The values of a field made of ``, - * /`` parts."""
    low, high = _BOUNDS[index]
    out: set[int] = set()
    for part in text.upper().split(","):
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _field_error(index, part, "the increment after / must be a positive number")
            step = int(step_text)
        if base == "*":
            start, stop = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, stop = _number(first, index), _number(last, index)
            if start > stop:
                raise _field_error(index, part, "a range goes from low to high")
        else:
            start = _number(base, index)
            stop = high if slash else start
        out.update(range(start, stop + 1, step))
    return out


def _check_dom(text: str) -> None:
    if text in ("L", "*"):
        return
    if text.endswith("W") and "," not in text:
        _number(text[:-1], 2)
        return
    _values(text, 2)


def _check_dow(text: str) -> None:
    if "#" in text:
        if "," in text:
            raise _field_error(4, text, "with # the field holds one expression")
        day, _, nth = text.partition("#")
        _number(day, 4)
        if nth not in ("1", "2", "3", "4", "5"):
            raise _field_error(4, text, "the week after # is 1 to 5")
        return
    if text.endswith("L") and text != "L":
        _number(text[:-1], 4)
        return
    if text == "L":
        return
    _values(text, 4)


def _dom_matches(text: str, t: datetime) -> bool:
    last = calendar.monthrange(t.year, t.month)[1]
    if text == "L":
        return t.day == last
    if text.endswith("W") and "," not in text:
        # The weekday nearest the given day, never crossing into another month.
        target = min(int(text[:-1]), last)
        day = datetime(t.year, t.month, target)
        if day.weekday() == 5:
            target = target - 1 if target > 1 else target + 2
        elif day.weekday() == 6:
            target = target + 1 if target < last else target - 2
        return t.day == target
    return t.day in _values(text, 2)


def _dow(t: datetime) -> int:
    return (t.weekday() + 1) % 7 + 1  # Python's Monday 0 → cron's Sunday 1


def _dow_matches(text: str, t: datetime) -> bool:
    if "#" in text:
        day, _, nth = text.partition("#")
        return _dow(t) == _number(day, 4) and (t.day - 1) // 7 + 1 == int(nth)
    if text == "L":
        return _dow(t) == 7
    if text.endswith("L"):
        last = calendar.monthrange(t.year, t.month)[1]
        return _dow(t) == _number(text[:-1], 4) and t.day + 7 > last
    return _dow(t) in _values(text, 4)
