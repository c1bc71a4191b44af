"""The instance-count and policy-allows check models: what they accept, refuse and call themselves."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from lab.scenario.checks import CheckSpec, InstanceCount, PolicyAllows

ADAPTER: TypeAdapter[object] = TypeAdapter(CheckSpec)


def test_instance_count_needs_a_bound() -> None:
    with pytest.raises(ValidationError, match="give 'minimum' and/or 'maximum'"):
        InstanceCount(id="n", kind="instance-count")


@pytest.mark.parametrize(
    ("fields", "title"),
    [
        ({"minimum": 3}, "at least 3 ACTIVE container instances"),
        ({"maximum": 1, "status": "DRAINING"}, "at most 1 DRAINING container instances"),
        ({"minimum": 2, "maximum": 4, "status": "any"}, "at least 2 and at most 4 any container instances"),
    ],
)
def test_instance_count_default_titles(fields: dict[str, object], title: str) -> None:
    check = InstanceCount(id="n", kind="instance-count", **fields)
    assert check.status == fields.get("status", "ACTIVE")
    assert check.describe() == title


def test_instance_count_refuses_an_unknown_status_and_negative_bounds() -> None:
    with pytest.raises(ValidationError):
        InstanceCount(id="n", kind="instance-count", minimum=1, status="STOPPED")
    with pytest.raises(ValidationError):
        InstanceCount(id="n", kind="instance-count", minimum=-1)


def test_policy_allows_defaults_to_any_resource_and_titles_itself() -> None:
    check = ADAPTER.validate_python({"id": "p", "kind": "policy-allows", "file": "task-role.yaml", "action": "s3:GetObject"})
    assert isinstance(check, PolicyAllows)
    assert check.resource == "*"
    assert check.describe() == "task-role.yaml allows s3:GetObject"


def test_policy_allows_refuses_a_parameter_it_does_not_take() -> None:
    with pytest.raises(ValidationError, match="any_wildcard"):
        ADAPTER.validate_python({"id": "p", "kind": "policy-allows", "file": "r.yaml", "action": "s3:GetObject", "any_wildcard": True})
