"""Provides EventBridge event patterns: validation with positions, and matching events against them.

An event pattern is a JSON object with the shape of the events it matches (EventBridge User
Guide, "Content filtering in Amazon EventBridge event patterns"; docs/ecs-facts.md §13.3):

* a field whose value is an array matches when the event's value equals any of the array's
  values (OR); several fields must all match (AND); an object value descends into the
  event's object of that name;
* an array may hold filters instead of plain values: ``prefix``, ``suffix`` (each also with
  ``equals-ignore-case``), ``anything-but`` (a value, a list of strings or of numbers, or
  ``prefix`` / ``suffix`` / ``equals-ignore-case`` / ``wildcard``), ``numeric`` (one
  comparison or a range), ``exists``, ``equals-ignore-case``, ``wildcard`` and ``cidr``;
* ``"$or": [pattern, pattern, ...]`` matches when any of its patterns matches (with the
  rest of the object).

When the event's value is an array, the field matches when any element does. A missing
field matches only ``{"exists": false}``.

Invalid patterns are refused as PutRule refuses them: ``InvalidEventPatternException: Event
pattern is not valid. Reason: ...``. The prefix is EventBridge's; the reasons after it are
the lab's own wording (UNCONFIRMED), positioned at the offending value.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any

from lab.errors import Diagnostic, SourceError, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "MAX_PATTERN_CHARS",
    "EventPattern",
    "PatternError",
    "compile_pattern",
    "matches",
    "parse_event_pattern",
    "pattern_error_message",
]

MAX_PATTERN_CHARS = 2048
"""Longest EventPattern PutRule accepts, in characters: the "Event pattern size" quota's default
(adjustable up to 4096 on request; EventBridge quotas). The refusal's wording is UNCONFIRMED."""

_NUMERIC_LIMIT = 5.0e9
"""Numeric matching works on values from -5.0e9 to +5.0e9 inclusive (content filtering page)."""

_MAX_DEPTH = 64
"""How deep a pattern may nest (the lab's guard against runaway recursion; EventBridge's own limit is UNCONFIRMED)."""

_LOWER = (">", ">=")
_UPPER = ("<", "<=")
_OPERATORS = frozenset(("prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case", "wildcard", "cidr"))


class PatternError(Exception):
    """An invalid pattern: where (a path into the pattern) and EventBridge's reason."""

    def __init__(self, path: Path_, reason: str) -> None:
        self.path = tuple(path)
        self.reason = reason
        super().__init__(pattern_error_message(reason))


def pattern_error_message(reason: str) -> str:
    """The PutRule refusal for an invalid pattern."""
    return f"InvalidEventPatternException: Event pattern is not valid. Reason: {reason}"


# A matcher is (operation, argument): a plain tuple keeps patterns hashable and cheap.
Matcher = tuple[str, Any]


@dataclass(frozen=True)
class EventPattern:
    """A validated pattern object: its fields (AND) and its ``$or`` alternatives."""

    fields: tuple[tuple[str, EventPattern | tuple[Matcher, ...]], ...]
    """Field name → a nested pattern or the matchers of its array (any one may match)."""
    alternatives: tuple[tuple[EventPattern, ...], ...] = ()
    """Each ``$or``: one of its patterns must match too."""

    def matches(self, event: Any) -> bool:
        """Whether an event (a JSON object) matches."""
        return matches(self, event)


# -- validation ------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    return json.dumps(value, sort_keys=True)[:60] if not isinstance(value, str) else f'"{value[:60]}"'


def compile_pattern(data: Any, path: Path_ = ()) -> EventPattern:
    """Validate a pattern (parsed JSON) and return it compiled.

    Raises:
        PatternError: the pattern is not valid, with the path of the offending value.
    """
    if not isinstance(data, dict):
        raise PatternError(path, "Filter is not an object")
    return _object(data, tuple(path), 0)


def _object(data: dict[str, Any], path: Path_, depth: int) -> EventPattern:
    if depth > _MAX_DEPTH:
        raise PatternError(path, f"Filter is nested more than {_MAX_DEPTH} levels deep")
    if not data:
        raise PatternError(path, "Empty objects are not allowed")
    fields: list[tuple[str, EventPattern | tuple[Matcher, ...]]] = []
    alternatives: list[tuple[EventPattern, ...]] = []
    for key in sorted(data, key=str):
        value = data[key]
        here = (*path, key)
        if not isinstance(key, str):
            raise PatternError(here, f"Field name {_describe(key)} must be a string")
        if key == "$or":
            alternatives.append(_or(value, here, depth))
        elif isinstance(value, dict):
            fields.append((key, _object(value, here, depth + 1)))
        elif isinstance(value, list):
            fields.append((key, _array(value, here)))
        else:
            raise PatternError(here, f'"{key}" must be an object or an array')
    return EventPattern(tuple(fields), tuple(alternatives))


def _or(value: Any, path: Path_, depth: int) -> tuple[EventPattern, ...]:
    if not isinstance(value, list) or len(value) < 2:
        raise PatternError(path, "$or must be an array of at least two filter objects")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise PatternError((*path, i), "$or can only contain filter objects")
        out.append(_object(item, (*path, i), depth + 1))
    return tuple(out)


def _array(values: list[Any], path: Path_) -> tuple[Matcher, ...]:
    if not values:
        raise PatternError(path, "Empty arrays are not allowed")
    out: list[Matcher] = []
    for i, value in enumerate(values):
        here = (*path, i)
        if isinstance(value, dict):
            out.append(_operator(value, here))
        elif value is None or isinstance(value, (str, bool)) or _is_number(value):
            out.append(("exact", value))
        else:
            raise PatternError(here, "Match value must be String, number, true, false, or null")
    return tuple(out)


def _string_or_ignore_case(op: str, arg: Any, path: Path_) -> Matcher:
    if isinstance(arg, str):
        return (op, (arg, False))
    if isinstance(arg, dict) and list(arg) == ["equals-ignore-case"] and isinstance(arg["equals-ignore-case"], str):
        return (op, (arg["equals-ignore-case"], True))
    raise PatternError(path, f"{op} match pattern must be a string, or an object with equals-ignore-case and a string")


def _operator(value: dict[str, Any], path: Path_) -> Matcher:
    if len(value) != 1:
        raise PatternError(path, "A filter object must have exactly one match type, such as prefix or numeric")
    (op, arg), = value.items()
    here = (*path, op)
    if op not in _OPERATORS:
        raise PatternError(here, f"Unrecognized match type {op}")
    if op in ("prefix", "suffix"):
        return _string_or_ignore_case(op, arg, here)
    if op == "equals-ignore-case":
        if not isinstance(arg, str):
            raise PatternError(here, "equals-ignore-case match pattern must be a string")
        return (op, arg)
    if op == "exists":
        if not isinstance(arg, bool):
            raise PatternError(here, "exists match pattern must be either true or false.")
        return (op, arg)
    if op == "wildcard":
        if not isinstance(arg, str):
            raise PatternError(here, "wildcard match pattern must be a string")
        return (op, _wildcard(arg, here))
    if op == "cidr":
        if not isinstance(arg, str):
            raise PatternError(here, "cidr match pattern must be a string")
        try:
            return (op, ipaddress.ip_network(arg, strict=False))
        except ValueError:
            raise PatternError(here, f"Nonstandard IP address: {arg[:60]}") from None
    if op == "numeric":
        return (op, _numeric(arg, here))
    return ("anything-but", _anything_but(arg, here))


def _wildcard(text: str, path: Path_) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    previous_star = False
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "*\\":
                raise PatternError(path, f"Invalid escape at position {i} of the wildcard pattern: only \\* and \\\\ are allowed")
            parts.append(re.escape(text[i + 1]))
            i += 2
            previous_star = False
            continue
        if ch == "*":
            if previous_star:
                raise PatternError(path, f"Consecutive wildcard characters at pos {i}")
            parts.append(".*")
            previous_star = True
        else:
            parts.append(re.escape(ch))
            previous_star = False
        i += 1
    return re.compile("".join(parts), re.DOTALL)


def _numeric(arg: Any, path: Path_) -> tuple[tuple[str, float], ...]:
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        raise PatternError(path, 'numeric must be an array of one comparison ["<", 5] or a range [">", 0, "<=", 5]')
    conditions = []
    for j in range(0, len(arg), 2):
        op, number = arg[j], arg[j + 1]
        if op not in ("=", "<", "<=", ">", ">="):
            raise PatternError((*path, j), f"Unrecognized numeric range operator: {_describe(op)}")
        if not _is_number(number):
            raise PatternError((*path, j + 1), f"Value of {op} must be numeric")
        if not -_NUMERIC_LIMIT <= number <= _NUMERIC_LIMIT:
            raise PatternError((*path, j + 1), "Value must be between -5.0E9 and 5.0E9 inclusive")
        conditions.append((str(op), float(number)))
    if len(conditions) == 2:
        (low_op, low), (high_op, high) = conditions
        if low_op not in _LOWER or high_op not in _UPPER:
            raise PatternError(path, "Bad numeric range: a range is a lower bound (> or >=) followed by an upper bound (< or <=)")
        if low > high or (low == high and (low_op, high_op) != (">=", "<=")):
            raise PatternError(path, "Bottom must be less than top")
    return tuple(conditions)


def _anything_but(arg: Any, path: Path_) -> tuple[str, Any]:
    if isinstance(arg, str) or _is_number(arg):
        return ("values", (arg,))
    if isinstance(arg, list):
        if not arg:
            raise PatternError(path, "Empty arrays are not allowed")
        if all(isinstance(v, str) for v in arg) or all(_is_number(v) for v in arg):
            return ("values", tuple(arg))
        raise PatternError(path, "Inside anything but list, start|null|boolean is not supported: the list holds only strings or only numbers")
    if isinstance(arg, dict) and len(arg) == 1:
        (op, inner), = arg.items()
        here = (*path, op)
        if op in ("prefix", "suffix"):
            if not isinstance(inner, str):
                raise PatternError(here, f"anything-but {op} match pattern must be a string")
            return (op, inner)
        if op == "equals-ignore-case":
            values = inner if isinstance(inner, list) else [inner]
            if not values or not all(isinstance(v, str) for v in values):
                raise PatternError(here, "anything-but equals-ignore-case match pattern must be a string or an array of strings")
            return (op, tuple(v.casefold() for v in values))
        if op == "wildcard":
            values = inner if isinstance(inner, list) else [inner]
            if not values or not all(isinstance(v, str) for v in values):
                raise PatternError(here, "anything-but wildcard match pattern must be a string or an array of strings")
            return (op, tuple(_wildcard(v, here) for v in values))
        raise PatternError(here, f"Unsupported anything-but pattern: {op}")
    raise PatternError(path, "Value of anything-but must be an array, a string, a number or an object with one of prefix, suffix, equals-ignore-case, wildcard")


# -- matching ------------------------------------------------------------------------------------


_MISSING = object()


def matches(pattern: EventPattern, event: Any) -> bool:
    """Whether ``event`` (a JSON object) matches ``pattern``; the same answer every time."""
    if not isinstance(event, dict):
        event = {}
    for name, rule in pattern.fields:
        value = event.get(name, _MISSING)
        if isinstance(rule, EventPattern):
            if value is _MISSING:
                value = {}
            if isinstance(value, list):
                if not any(isinstance(v, dict) and matches(rule, v) for v in value):
                    return False
            elif not matches(rule, value if isinstance(value, dict) else {}):
                return False
        elif not _leaf(rule, value):
            return False
    return all(any(matches(option, event) for option in options) for options in pattern.alternatives)


def _leaf(matchers: tuple[Matcher, ...], value: Any) -> bool:
    if value is _MISSING:
        return any(op == "exists" and arg is False for op, arg in matchers)
    if isinstance(value, dict):
        # A pattern array matches leaf values only; an object there is present but no value.
        return any(op == "exists" and arg is True for op, arg in matchers)
    values = value if isinstance(value, list) else [value]
    return any(_one(op, arg, v) for op, arg in matchers for v in values)


def _equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def _one(op: str, arg: Any, value: Any) -> bool:
    if op == "exact":
        return _equal(arg, value)
    if op == "exists":
        return arg is True
    if op in ("prefix", "suffix"):
        text, ignore_case = arg
        if not isinstance(value, str):
            return False
        if ignore_case:
            text, value = text.casefold(), value.casefold()
        return value.startswith(text) if op == "prefix" else value.endswith(text)
    if op == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == arg.casefold()
    if op == "wildcard":
        return isinstance(value, str) and arg.fullmatch(value) is not None
    if op == "cidr":
        try:
            return isinstance(value, str) and ipaddress.ip_address(value) in arg
        except ValueError:
            return False
    if op == "numeric":
        return _is_number(value) and all(_compare(value, cop, number) for cop, number in arg)
    kind, values = arg
    if kind == "values":
        return not any(_equal(v, value) for v in values)
    if not isinstance(value, str):
        return True
    if kind == "prefix":
        return not value.startswith(values)
    if kind == "suffix":
        return not value.endswith(values)
    if kind == "equals-ignore-case":
        return value.casefold() not in values
    return not any(p.fullmatch(value) for p in values)


def _compare(value: float, op: str, number: float) -> bool:
    if op == "=":
        return bool(value == number)
    if op == "<":
        return bool(value < number)
    if op == "<=":
        return bool(value <= number)
    if op == ">":
        return bool(value > number)
    return bool(value >= number)


# -- loading from a file -------------------------------------------------------------------------


def parse_event_pattern(doc: Document, path: Path_) -> EventPattern:
    """Load the pattern at ``path`` of ``doc``: a JSON string (as PutRule takes it) or a mapping.

    Raises:
        SourceErrors: the pattern is not valid JSON or not a valid pattern, positioned.
    """
    value = doc.get(path)
    if isinstance(value, dict):
        source, data, root = doc, value, tuple(path)
    elif isinstance(value, str):
        if len(value) > MAX_PATTERN_CHARS:
            raise SourceErrors([doc.error(path, pattern_error_message(f"the pattern is {len(value)} characters long; the event pattern size quota is {MAX_PATTERN_CHARS} by default")).diagnostic])
        try:
            data = json.loads(value)
        except ValueError as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise SourceErrors([doc.error(path, pattern_error_message(f"{reason} (line {getattr(exc, 'lineno', 1)}, column {getattr(exc, 'colno', 1)} of the JSON)")).diagnostic]) from None
        except RecursionError:
            raise SourceErrors([doc.error(path, pattern_error_message("the JSON is nested too deeply")).diagnostic]) from None
        try:
            # The same text parsed as YAML knows where each value stands in the file.
            source, root = doc.embedded(path), ()
        except SourceError:
            source, root = doc, tuple(path)
    else:
        raise SourceErrors([doc.error(path, "EventPattern must be a JSON string or a mapping").diagnostic])
    try:
        return compile_pattern(data, root)
    except PatternError as exc:
        diagnostic: Diagnostic = source.error(exc.path, str(exc)).diagnostic
        raise SourceErrors([diagnostic]) from None
