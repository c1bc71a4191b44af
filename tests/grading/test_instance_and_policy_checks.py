"""The instance-count and policy-allows checks, judged on hand-made event logs, small worlds and role files."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lab.grading.checks import RunView, Verdict, judge
from lab.scenario.checks import InstanceCount, PolicyAllows
from lab.scenario.simdoc import ConfigFile, parse_config_file
from lab.sim.events import ContainerInstanceStateChanged
from lab.yaml_source import load_text
from tests.sim.conftest import build, document, execution_role, instance_role, instances


def status(at: float, instance: str, state: str, *, connected: bool = True) -> ContainerInstanceStateChanged:
    return ContainerInstanceStateChanged(at, f"ci-{instance}", f"i-{instance}", state, connected, "us-east-1a", "m5.large")


def view(*events: object, duration: float = 600.0, files: dict[str, ConfigFile] | None = None) -> RunView:
    return RunView(SimpleNamespace(log=list(events)), files or {}, duration=duration, apply_at=0.0)  # type: ignore[arg-type]


def count(**fields: object) -> InstanceCount:
    return InstanceCount(id="instances", kind="instance-count", **fields)


# -- instance-count on hand-made logs --------------------------------------------------------------

THREE_THEN_ONE_DRAINS = (
    status(10, "a", "ACTIVE"),
    status(20, "b", "ACTIVE"),
    status(30, "c", "ACTIVE"),
    status(300, "b", "DRAINING"),
    status(420, "b", "INACTIVE"),  # deregistered: counts nowhere
    status(450, "d", "ACTIVE"),
)


def test_instance_count_judges_the_end_by_default() -> None:
    run = view(*THREE_THEN_ONE_DRAINS)
    assert judge(count(minimum=3), run) == Verdict(True, "3 ACTIVE container instances at 600 s")
    assert judge(count(minimum=4), run) == Verdict(False, "3 ACTIVE container instances at 600 s")
    assert judge(count(maximum=2), run) == Verdict(False, "3 ACTIVE container instances at 600 s")


def test_instance_count_at_a_moment_counts_the_status_asked_for() -> None:
    run = view(*THREE_THEN_ONE_DRAINS)
    assert judge(count(minimum=3, at=350), run) == Verdict(False, "2 ACTIVE container instances at 350 s")
    assert judge(count(minimum=1, maximum=1, status="DRAINING", at=350), run) == Verdict(True, "1 DRAINING container instances at 350 s")
    assert judge(count(maximum=0, status="DRAINING", at=350), run) == Verdict(False, "1 DRAINING container instances at 350 s")
    # "any" is ACTIVE plus DRAINING; the INACTIVE instance leaves the count at 420 s.
    assert judge(count(minimum=3, status="any", at=350), run).passed
    assert judge(count(minimum=3, status="any", at=430), run) == Verdict(False, "2 any container instances at 430 s")


def test_instance_count_always_after_fails_at_the_first_moment_out_of_bounds() -> None:
    run = view(*THREE_THEN_ONE_DRAINS)
    assert judge(count(minimum=3, always_after=100), run) == Verdict(False, "2 ACTIVE container instances at 300 s")
    # The start of the window is judged too: at 15 s only one instance is ACTIVE.
    assert judge(count(minimum=3, always_after=15), run) == Verdict(False, "1 ACTIVE container instances at 15 s")
    assert judge(count(minimum=3, always_after=450), run) == Verdict(True, "the ACTIVE container instances stayed within bounds from 450 s on")
    assert judge(count(maximum=3, always_after=0), run).passed


def test_an_instance_whose_agent_disconnects_keeps_its_status() -> None:
    run = view(status(0, "a", "ACTIVE"), status(100, "a", "ACTIVE", connected=False))
    assert judge(count(minimum=1, always_after=0), run).passed


def test_instances_that_never_registered_never_count() -> None:
    run = view(status(0, "a", "REGISTERING"), status(5, "b", "REGISTRATION_FAILED"))
    assert judge(count(minimum=1, status="any"), run) == Verdict(False, "0 any container instances at 600 s")
    assert judge(count(maximum=0), view()) == Verdict(True, "0 ACTIVE container instances at 600 s")


# -- instance-count on small worlds ----------------------------------------------------------------


def test_instance_count_follows_a_drain_in_a_world() -> None:
    world = build(document(instances=[instances(3)], timeline=[{"at": 300, "event": "drain-instances", "count": 1}]), seed=1)
    world.run(until=600)
    run = RunView(world, {}, duration=600, apply_at=0.0)
    assert judge(count(minimum=3, always_after=0), run) == Verdict(False, "2 ACTIVE container instances at 300 s")
    assert judge(count(minimum=3, at=299), run).passed
    assert judge(count(maximum=1, status="DRAINING"), run) == Verdict(True, "1 DRAINING container instances at 600 s")
    assert judge(count(minimum=3, status="any"), run).passed


def test_instance_count_is_zero_when_the_instance_role_cannot_register() -> None:
    roles = [instance_role(actions=["logs:PutLogEvents"]), execution_role()]
    world = build(document(instances=[instances(2)], roles=roles), seed=1)
    world.run(until=600)
    run = RunView(world, {}, duration=600, apply_at=0.0)
    assert judge(count(minimum=1, status="any"), run) == Verdict(False, "0 any container instances at 600 s")


# -- policy-allows on role files -------------------------------------------------------------------

ROLE = """\
RoleName: reportsTaskRole
AssumeRolePolicyDocument:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal: {Service: ecs-tasks.amazonaws.com}
      Action: sts:AssumeRole
ManagedPolicyArns:
  - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy
  - arn:aws:iam::123456789012:policy/NotKnownToTheLab
Policies:
  - PolicyName: reports
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: s3:Get*
          Resource: arn:aws:s3:::reports/*
        - Effect: Deny
          Action: s3:GetObject
          Resource: arn:aws:s3:::reports/secret/*
        - Effect: Allow
          Action: sqs:SendMessage
          Resource: "*"
          Condition: {Bool: {aws:SecureTransport: "true"}}
"""
"""A task role: reads reports (not the secret ones), sends to SQS under a condition, plus a managed policy."""


def role_file(text: str = ROLE, name: str = "task-role.yaml") -> ConfigFile:
    return parse_config_file(load_text(text, name), (), name, "iam-role")


def allows(action: str, resource: str = "*", text: str = ROLE) -> Verdict:
    check = PolicyAllows(id="allows", kind="policy-allows", file="task-role.yaml", action=action, resource=resource)
    return judge(check, view(files={"task-role.yaml": role_file(text)}))


def test_policy_allows_passes_through_a_wildcard_action_and_points_at_the_statement() -> None:
    verdict = allows("s3:GetObject", "arn:aws:s3:::reports/2026.csv")
    assert verdict == Verdict(True, "task-role.yaml allows s3:GetObject on arn:aws:s3:::reports/2026.csv", "task-role.yaml", 16)


def test_policy_allows_fails_on_an_explicit_deny_at_the_deny_statement() -> None:
    verdict = allows("s3:GetObject", "arn:aws:s3:::reports/secret/key.pem")
    assert verdict == Verdict(False, "task-role.yaml does not allow s3:GetObject on arn:aws:s3:::reports/secret/key.pem: an explicit Deny", "task-role.yaml", 19)


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:PutObject", "arn:aws:s3:::reports/a.csv"),  # action not granted
        ("s3:GetObject", "arn:aws:s3:::other/a.csv"),  # resource not granted
        ("s3:GetObject", "*"),  # the default resource is not covered by reports/*
        ("dynamodb:GetItem", "*"),  # granted only by a managed policy the lab does not know
    ],
)
def test_policy_allows_fails_when_no_statement_allows_it(action: str, resource: str) -> None:
    verdict = allows(action, resource)
    assert verdict == Verdict(False, f"task-role.yaml does not allow {action} on {resource}: no statement allows it", "task-role.yaml", None)


def test_policy_allows_reads_managed_policies_with_their_real_statements() -> None:
    verdict = allows("ecr:GetAuthorizationToken")
    assert verdict == Verdict(True, "task-role.yaml allows ecr:GetAuthorizationToken on *", "task-role.yaml", 9)
    assert not allows("ecr:PutImage").passed


def test_policy_allows_applies_a_statement_with_a_condition_as_if_it_held() -> None:
    assert allows("sqs:SendMessage") == Verdict(True, "task-role.yaml allows sqs:SendMessage on *", "task-role.yaml", 22)


def test_policy_allows_fails_on_a_role_with_no_permissions() -> None:
    bare = ROLE.split("ManagedPolicyArns:")[0]
    assert allows("s3:GetObject", "arn:aws:s3:::reports/a", text=bare) == Verdict(
        False, "task-role.yaml does not allow s3:GetObject on arn:aws:s3:::reports/a: no statement allows it", "task-role.yaml", None
    )
