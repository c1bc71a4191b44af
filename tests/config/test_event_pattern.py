"""EventBridge event patterns: the filters the content-filtering page documents, refusals with positions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.config.event_pattern import EventPattern, PatternError, compile_pattern, matches, parse_event_pattern
from lab.errors import SourceErrors
from lab.yaml_source import load_text

PLACEMENT = {
    "version": "0",
    "id": "e",
    "detail-type": "ECS Service Action",
    "source": "aws.ecs",
    "account": "123456789012",
    "region": "us-east-1",
    "resources": ["arn:aws:ecs:us-east-1:123456789012:service/prod/web"],
    "detail": {"eventType": "ERROR", "eventName": "SERVICE_TASK_PLACEMENT_FAILURE", "reason": "RESOURCE:MEMORY", "count": 3},
}


def match(pattern: dict[str, Any], event: dict[str, Any] = PLACEMENT) -> bool:
    return matches(compile_pattern(pattern), event)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"source": ["aws.ecs"]}, True),
        ({"source": ["aws.ec2", "aws.ecs"]}, True),
        ({"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"]}, False),
        ({"detail": {"eventName": ["SERVICE_TASK_PLACEMENT_FAILURE"]}}, True),
        ({"detail": {"reason": [{"prefix": "RESOURCE:"}]}}, True),
        ({"detail": {"reason": [{"suffix": ":CPU"}]}}, False),
        ({"detail": {"reason": [{"prefix": {"equals-ignore-case": "resource:"}}]}}, True),
        ({"detail": {"eventType": [{"anything-but": "INFO"}]}}, True),
        ({"detail": {"eventType": [{"anything-but": ["ERROR", "WARN"]}]}}, False),
        ({"detail": {"eventType": [{"anything-but": {"prefix": "ERR"}}]}}, False),
        ({"detail": {"eventType": [{"equals-ignore-case": "error"}]}}, True),
        ({"detail": {"count": [{"numeric": [">", 0, "<=", 5]}]}}, True),
        ({"detail": {"count": [{"numeric": [">=", 4]}]}}, False),
        ({"detail": {"count": [3]}}, True),
        ({"detail": {"capacityProviderArns": [{"exists": False}]}}, True),
        ({"detail": {"reason": [{"exists": True}]}}, True),
        ({"detail": {"reason": [{"exists": False}]}}, False),
        ({"resources": [{"suffix": ":service/prod/web"}]}, True),
        ({"resources": [{"wildcard": "arn:aws:ecs:*:service/prod/*"}]}, True),
        ({"resources": [{"wildcard": "arn:aws:ecs:*:service/stage/*"}]}, False),
        ({"$or": [{"detail-type": ["ECS Task State Change"]}, {"detail": {"eventType": ["ERROR"]}}]}, True),
        ({"$or": [{"detail-type": ["ECS Task State Change"]}, {"detail": {"eventType": ["WARN"]}}]}, False),
    ],
)
def test_filters_match_as_documented(pattern: dict[str, Any], expected: bool) -> None:
    assert match(pattern) is expected


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ([], "Filter is not an object"),
        ({"source": "aws.ecs"}, '"source" must be an object or an array'),
        ({"source": []}, "Empty arrays are not allowed"),
        ({"source": [{"begins-with": "aws"}]}, "Unrecognized match type begins-with"),
        ({"detail": {"n": [{"numeric": [">", 5, "<", 3]}]}}, "Bottom must be less than top"),
        ({"detail": {"n": [{"numeric": ["<", "five"]}]}}, "Value of < must be numeric"),
        ({"detail": {"n": [{"exists": "yes"}]}}, "exists match pattern must be either true or false."),
        ({"detail": {"n": [{"wildcard": "a**b"}]}}, "Consecutive wildcard characters at pos 2"),
        ({"$or": [{"source": ["aws.ecs"]}]}, "$or must be an array of at least two filter objects"),
    ],
)
def test_invalid_patterns_are_refused_with_a_reason(pattern: Any, reason: str) -> None:
    with pytest.raises(PatternError) as caught:
        compile_pattern(pattern)
    assert str(caught.value) == f"InvalidEventPatternException: Event pattern is not valid. Reason: {reason}"


def test_an_error_in_a_json_string_is_positioned_at_its_value() -> None:
    doc = load_text('EventPattern: |\n  {"source": ["aws.ecs"],\n   "detail": {"eventName": "SERVICE_STEADY_STATE"}}\n', "rule.yaml")
    with pytest.raises(SourceErrors) as caught:
        parse_event_pattern(doc, ("EventPattern",))
    (diagnostic,) = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.col) == (3, 28)
    assert diagnostic.message.endswith('"eventName" must be an object or an array')


def test_broken_json_is_one_positioned_line() -> None:
    doc = load_text('EventPattern: \'{"source": ["aws.ecs"]\'\n', "rule.yaml")
    with pytest.raises(SourceErrors) as caught:
        parse_event_pattern(doc, ("EventPattern",))
    assert str(caught.value).startswith("rule.yaml:1:15: InvalidEventPatternException: Event pattern is not valid. Reason: ")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**10, 10**10) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8)
    | st.sampled_from(["prefix", "suffix", "numeric", "exists", "anything-but", "wildcard", "$or", ">", "<="]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["source", "detail", "prefix", "suffix", "numeric", "exists", "anything-but", "wildcard", "equals-ignore-case", "cidr", "$or", "x"]), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON, JSON)
def test_any_json_is_a_pattern_or_a_positioned_refusal_and_matching_is_deterministic(pattern: Any, event: Any) -> None:
    text = json.dumps(pattern)
    doc = load_text("EventPattern: " + json.dumps(text) + "\n", "rule.yaml")
    try:
        compiled = parse_event_pattern(doc, ("EventPattern",))
    except SourceErrors as exc:
        (diagnostic,) = exc.diagnostics
        assert diagnostic.line >= 1 and diagnostic.col >= 1
        assert "Event pattern is not valid. Reason: " in diagnostic.message
        return
    assert isinstance(compiled, EventPattern)
    assert matches(compiled, event) == matches(compile_pattern(json.loads(text)), json.loads(json.dumps(event)))
