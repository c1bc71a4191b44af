"""Tests for IAM identity-policy evaluation (lab.sim.iam) and the managed-policy catalogue."""

from __future__ import annotations

import importlib.resources
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.sim.iam import (
    CompiledPolicy,
    IamDecision,
    PolicyError,
    PolicyInput,
    actions_allowed,
    compile_policy,
    denial_message,
    evaluate,
    is_wildcard_grant,
    known_managed_policies,
    managed_policy,
)

INSTANCE_ROLE = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
EXECUTION_ROLE = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
REQUIRED_MANAGED_POLICIES = {
    INSTANCE_ROLE,
    EXECUTION_ROLE,
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
    "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess",
    "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
    "arn:aws:iam::aws:policy/AmazonECS_FullAccess",
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole",
    "arn:aws:iam::aws:policy/AmazonSQSFullAccess",
    "arn:aws:iam::aws:policy/AmazonSNSFullAccess",
    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
}


def policy(*statements: dict[str, Any], label: str = "inline:Test") -> tuple[str, dict[str, Any]]:
    return label, {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def managed(arn: str) -> tuple[str, Any]:
    document = managed_policy(arn)
    assert document is not None, arn
    return arn, document


# --- evaluation logic --------------------------------------------------------------------


def test_no_policies_is_an_implicit_deny() -> None:
    """Without any applicable Allow the request is implicitly denied."""
    assert evaluate([], "s3:GetObject") == IamDecision(False, "implicit-deny", None, False)


def test_allow_names_the_deciding_statement() -> None:
    """An applicable Allow allows, and the decision names its policy and statement index."""
    decision = evaluate([policy(allow("s3:ListBucket"), allow("s3:GetObject"), label="inline:Reader")], "s3:GetObject")
    assert decision == IamDecision(True, "allowed", ("inline:Reader", 1), False)


def test_explicit_deny_beats_allow_across_policies() -> None:
    """A Deny in any policy overrides an Allow in another, whatever the order."""
    allowing = policy(allow("s3:*"), label="inline:Allow")
    denying = policy(deny("s3:DeleteObject"), label="inline:Deny")
    for order in ([allowing, denying], [denying, allowing]):
        decision = evaluate(order, "s3:DeleteObject")
        assert decision == IamDecision(False, "explicit-deny", ("inline:Deny", 0), False)
    assert evaluate([allowing, denying], "s3:GetObject").allowed


def test_explicit_deny_beats_allow_in_the_same_policy() -> None:
    """A Deny statement wins over an Allow statement in the same document."""
    decision = evaluate([policy(allow("*"), deny("iam:*"))], "iam:CreateUser")
    assert (decision.allowed, decision.reason, decision.matched) == (False, "explicit-deny", ("inline:Test", 1))


def test_not_action_allows_everything_except_the_listed_actions() -> None:
    """An Allow with NotAction grants every action that does not match its patterns."""
    policies = [policy({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})]
    assert evaluate(policies, "ec2:RunInstances").allowed
    assert not evaluate(policies, "iam:CreateUser").allowed
    assert not evaluate(policies, "organizations:CreateAccount").allowed


def test_not_action_deny_denies_everything_else() -> None:
    """A Deny with NotAction denies every action outside its list."""
    policies = [policy(allow("*"), {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": "*"})]
    assert evaluate(policies, "s3:GetObject").allowed
    assert evaluate(policies, "s3:PutObject").reason == "explicit-deny"


def test_not_resource_applies_to_every_other_resource() -> None:
    """NotResource makes a statement apply to resources that do not match its patterns."""
    policies = [policy({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"})]
    assert evaluate(policies, "s3:GetObject", "arn:aws:s3:::public/a.txt").allowed
    assert not evaluate(policies, "s3:GetObject", "arn:aws:s3:::secret/a.txt").allowed


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("ecr:Get*", "ecr:GetAuthorizationToken", True),
        ("ecr:Get*", "ecr:GetDownloadUrlForLayer", True),
        ("ecr:Get*", "ecr:PutImage", False),
        ("ecr:Get*", "ecs:GetThing", False),
        ("ecr:*", "ecr:PutImage", True),
        ("ecr:*", "ecs:RunTask", False),
        ("*", "anything:AtAll", True),
        ("s3:GetObjec?", "s3:GetObject", True),
        ("s3:GetObjec?", "s3:GetObjectAcl", False),
        ("ecs:*Task", "ecs:RunTask", True),
        ("ecs:*Task", "ecs:RunTasks", False),
    ],
)
def test_action_wildcards(pattern: str, action: str, expected: bool) -> None:
    """``*`` matches any run of characters and ``?`` exactly one, over the whole action name."""
    assert evaluate([policy(allow(pattern))], action).allowed is expected


@pytest.mark.parametrize(
    ("pattern", "action"),
    [
        ("ECR:GetAuthorizationToken", "ecr:getauthorizationtoken"),
        ("ecr:getauthorizationtoken", "ECR:GetAuthorizationToken"),
        ("Ecr:Get*", "ecr:GETAUTHORIZATIONTOKEN"),
    ],
)
def test_action_matching_ignores_case(pattern: str, action: str) -> None:
    """Action names compare case-insensitively, as IAM does."""
    assert evaluate([policy(allow(pattern))], action).allowed


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a.txt", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/deep/path/a.txt", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", False),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::other/a.txt", False),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::Bucket/a.txt", False),
        ("arn:aws:s3:::bucket/?.txt", "arn:aws:s3:::bucket/a.txt", True),
        ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket:extra", True),
        ("arn:aws:ec2:us-*-1:123456789012:instance/*", "arn:aws:ec2:us-east-1:123456789012:instance/i-1", True),
        ("arn:aws:ec2:us-*-1:123456789012:instance/*", "arn:aws:ec2:us-east:x-1:123456789012:instance/i-1", False),
        ("arn:aws:ecs:*:*:task/*/*", "arn:aws:ecs:eu-west-1:123456789012:task/prod/0abc", True),
        ("*", "arn:aws:anything", True),
    ],
)
def test_resource_arn_matching_is_case_sensitive_and_segment_aware(
    pattern: str, resource: str, expected: bool
) -> None:
    """Resource wildcards match case-sensitively; a mid-segment ``*`` does not cross a colon."""
    assert evaluate([policy(allow("s3:GetObject", pattern))], "s3:GetObject", resource).allowed is expected


def test_statement_may_be_a_single_object_and_action_a_string() -> None:
    """``Statement`` as one object and ``Action``/``Resource`` as strings are accepted."""
    document = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}}
    assert evaluate([("inline:One", document)], "sqs:SendMessage").matched == ("inline:One", 0)


def test_missing_resource_matches_nothing() -> None:
    """A statement with neither Resource nor NotResource applies to no request."""
    policies = [policy({"Effect": "Allow", "Action": "*"})]
    assert evaluate(policies, "s3:GetObject").reason == "implicit-deny"
    assert evaluate(policies, "s3:GetObject", "arn:aws:s3:::b/k").reason == "implicit-deny"


def test_missing_action_matches_nothing() -> None:
    """A statement with neither Action nor NotAction applies to no request."""
    assert not evaluate([policy({"Effect": "Allow", "Resource": "*"})], "s3:GetObject").allowed


def test_specific_resource_does_not_cover_a_star_request() -> None:
    """An action requested on ``*`` needs a statement whose Resource covers ``*``."""
    policies = [policy(allow("ecr:GetAuthorizationToken", "arn:aws:ecr:us-east-1:123456789012:repository/app"))]
    assert not evaluate(policies, "ecr:GetAuthorizationToken").allowed


def test_condition_is_assumed_to_hold_and_flagged() -> None:
    """A statement with a Condition applies as if it held, and the decision says so."""
    conditional = allow("iam:PassRole", Condition={"StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}})
    decision = evaluate([policy(conditional)], "iam:PassRole")
    assert decision == IamDecision(True, "allowed", ("inline:Test", 0), True)


def test_unconditional_allow_is_preferred_as_the_reason() -> None:
    """When a conditional and an unconditional Allow both match, the unconditional one decides."""
    conditional = allow("s3:GetObject", Condition={"Bool": {"aws:SecureTransport": "true"}})
    decision = evaluate([policy(conditional, allow("s3:*"))], "s3:GetObject")
    assert decision == IamDecision(True, "allowed", ("inline:Test", 1), False)


def test_conditional_deny_still_wins_and_is_flagged() -> None:
    """A conditional Deny is assumed to apply, so it overrides an Allow, flagged as assumed."""
    conditional = deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}})
    decision = evaluate([policy(allow("*"), conditional)], "s3:GetObject")
    assert decision == IamDecision(False, "explicit-deny", ("inline:Test", 1), True)


def test_unconditional_deny_is_preferred_over_conditional_deny() -> None:
    """When both kinds of Deny match, the unconditional Deny is reported."""
    conditional = deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}})
    decision = evaluate([policy(conditional, deny("s3:GetObject"))], "s3:GetObject")
    assert decision == IamDecision(False, "explicit-deny", ("inline:Test", 1), False)


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"Version": "2012-10-17"}, "no 'Statement'"),
        ({"Statement": "nope"}, "must be an object or a list"),
        ({"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}, "Effect 'allow'"),
        ({"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}]}, "both Action and NotAction"),
        ({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "*"}]}, "both Resource and NotResource"),
        ({"Statement": [{"Effect": "Allow", "Action": [1], "Resource": "*"}]}, "must be a string or a list of strings"),
        ({"Statement": ["not an object"]}, "statement 0 must be a JSON object"),
    ],
)
def test_malformed_documents_raise_policy_error(document: dict[str, Any], fragment: str) -> None:
    """Invalid policy JSON raises PolicyError naming the policy and the problem."""
    with pytest.raises(PolicyError) as caught:
        evaluate([("inline:Bad", document)], "s3:GetObject")
    assert fragment in str(caught.value)
    assert str(caught.value).startswith("inline:Bad")


def test_compiled_and_plain_policies_can_be_mixed() -> None:
    """evaluate accepts CompiledPolicy objects and (label, document) pairs together."""
    compiled = compile_policy("inline:Deny", {"Statement": [deny("ecr:PutImage")]})
    assert isinstance(compiled, CompiledPolicy)
    assert compiled.statements[0].effect == "Deny"
    policies: list[PolicyInput] = [compiled, managed("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess")]
    assert evaluate(policies, "ecr:PutImage").matched == ("inline:Deny", 0)
    assert evaluate(policies, "ecr:DeleteRepository").allowed


def test_editing_a_document_in_place_is_seen_by_the_next_evaluation() -> None:
    """The compile cache is keyed by content, so a mutated document is recompiled."""
    label, document = policy(allow("s3:GetObject"))
    assert evaluate([(label, document)], "s3:GetObject").allowed
    document["Statement"][0]["Effect"] = "Deny"
    assert evaluate([(label, document)], "s3:GetObject").reason == "explicit-deny"


def test_actions_allowed_keeps_the_given_order() -> None:
    """actions_allowed returns the allowed candidates in input order, accepting iterators."""
    policies = iter([managed(EXECUTION_ROLE)])
    candidates = (a for a in ["logs:PutLogEvents", "s3:GetObject", "ecr:BatchGetImage", "ecr:PutImage"])
    assert actions_allowed(policies, candidates) == ["logs:PutLogEvents", "ecr:BatchGetImage"]


# --- wildcard grants ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policies", "expected"),
    [
        ([managed("arn:aws:iam::aws:policy/AdministratorAccess")], True),
        ([managed("arn:aws:iam::aws:policy/AmazonS3FullAccess")], True),
        ([managed("arn:aws:iam::aws:policy/PowerUserAccess")], True),
        ([managed("arn:aws:iam::aws:policy/AmazonECS_FullAccess")], True),
        ([managed(INSTANCE_ROLE)], False),
        ([managed(EXECUTION_ROLE)], False),
        ([managed("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")], False),
        ([policy(allow(["ecr:GetAuthorizationToken", "ecr:BatchGetImage"]))], False),
        ([policy(allow("ecr:*", "arn:aws:ecr:us-east-1:123456789012:repository/app"))], False),
        ([policy(allow("ecr:*", ["arn:aws:ecr:us-east-1:123456789012:repository/app", "*"]))], True),
        ([policy(allow("*:*"))], True),
        ([policy(deny("*"))], False),
        ([policy({"Effect": "Allow", "Action": "ecr:*", "NotResource": "arn:aws:ecr:::x"})], True),
        ([policy(allow("s3:*", Condition={"Bool": {"aws:SecureTransport": "true"}}))], True),
    ],
)
def test_is_wildcard_grant_flags_whole_service_grants_on_every_resource(
    policies: list[Any], expected: bool
) -> None:
    """``*``, ``service:*`` or NotAction allowed on ``*`` counts as a wildcard grant; narrow grants do not."""
    assert is_wildcard_grant(policies) is expected


# --- AccessDenied text -------------------------------------------------------------------


def test_denial_message_matches_aws_text() -> None:
    """denial_message reproduces AWS's AccessDenied wording exactly."""
    assert denial_message(
        "arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0abc", "ecr:GetAuthorizationToken", "*"
    ) == (
        "User: arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0abc is not authorized to "
        "perform: ecr:GetAuthorizationToken on resource: *"
    )


def test_denial_message_can_report_an_explicit_deny() -> None:
    """With explicit_deny the message ends with AWS's ' with an explicit deny'."""
    message = denial_message("arn:aws:iam::123456789012:user/bob", "s3:GetObject", "arn:aws:s3:::b/k", explicit_deny=True)
    assert message.endswith("on resource: arn:aws:s3:::b/k with an explicit deny")


# --- managed policies --------------------------------------------------------------------


def test_catalogue_holds_every_required_managed_policy() -> None:
    """known_managed_policies lists (sorted) at least the policies the lab relies on."""
    known = known_managed_policies()
    assert known == sorted(known)
    assert REQUIRED_MANAGED_POLICIES <= set(known)


@pytest.mark.parametrize("arn", sorted(REQUIRED_MANAGED_POLICIES))
def test_every_managed_policy_is_a_valid_document(arn: str) -> None:
    """Each catalogued document has Version 2012-10-17 and compiles without error."""
    document = managed_policy(arn)
    assert document is not None
    assert document["Version"] == "2012-10-17"
    assert compile_policy(arn, document).statements


def test_unknown_managed_policy_is_none_and_documents_are_copies() -> None:
    """An unknown ARN gives None, and editing a returned document does not change the catalogue."""
    assert managed_policy("arn:aws:iam::aws:policy/NoSuchPolicy") is None
    document = managed_policy(EXECUTION_ROLE)
    assert document is not None
    document["Statement"].clear()
    assert evaluate([managed(EXECUTION_ROLE)], "ecr:BatchGetImage").allowed


def test_catalogue_file_is_sorted_and_deterministic() -> None:
    """The JSON file is exactly its own sorted, 2-space-indented rendering, with a source per entry."""
    text = importlib.resources.files("lab.sim").joinpath("data", "managed_policies.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert all(entry["_source"] and entry["VersionId"] for entry in data.values())
    assert "_note" in data["arn:aws:iam::aws:policy/AmazonECS_FullAccess"]


@pytest.mark.parametrize(
    ("arn", "action", "resource", "expected"),
    [
        (INSTANCE_ROLE, "ecr:GetAuthorizationToken", "*", True),
        (INSTANCE_ROLE, "ecr:BatchGetImage", "*", True),
        (INSTANCE_ROLE, "ecr:GetDownloadUrlForLayer", "*", True),
        (INSTANCE_ROLE, "ecr:BatchCheckLayerAvailability", "*", True),
        (INSTANCE_ROLE, "ecs:RegisterContainerInstance", "*", True),
        (INSTANCE_ROLE, "ecs:UpdateContainerInstancesState", "*", True),
        (INSTANCE_ROLE, "ecs:DiscoverPollEndpoint", "*", True),
        (INSTANCE_ROLE, "ecs:SubmitTaskStateChange", "*", True),
        (INSTANCE_ROLE, "logs:PutLogEvents", "*", True),
        (INSTANCE_ROLE, "ecs:ListTagsForResource", "arn:aws:ecs:us-east-1:123456789012:task/prod/0abc", True),
        (INSTANCE_ROLE, "ecs:ListTagsForResource", "arn:aws:ecs:us-east-1:123456789012:service/prod/web", False),
        (INSTANCE_ROLE, "s3:GetObject", "*", False),
        (INSTANCE_ROLE, "ecr:PutImage", "*", False),
        (EXECUTION_ROLE, "ecr:GetAuthorizationToken", "*", True),
        (EXECUTION_ROLE, "ecr:BatchGetImage", "*", True),
        (EXECUTION_ROLE, "logs:CreateLogStream", "*", True),
        (EXECUTION_ROLE, "s3:GetObject", "arn:aws:s3:::bucket/key", False),
        (EXECUTION_ROLE, "ssm:GetParameters", "*", False),
        (EXECUTION_ROLE, "secretsmanager:GetSecretValue", "*", False),
        (EXECUTION_ROLE, "logs:CreateLogGroup", "*", False),
        ("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", "ecr:BatchGetImage", "*", True),
        ("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly", "ecr:PutImage", "*", False),
        ("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser", "ecr:PutImage", "*", True),
        ("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser", "ecr:DeleteRepository", "*", False),
        ("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess", "ecr:DeleteRepository", "*", True),
        ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "s3:GetObject", "arn:aws:s3:::bucket/key", True),
        ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "s3:ListBucket", "arn:aws:s3:::bucket", True),
        ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "s3:PutObject", "arn:aws:s3:::bucket/key", False),
        ("arn:aws:iam::aws:policy/AmazonS3FullAccess", "s3:PutObject", "arn:aws:s3:::bucket/key", True),
        ("arn:aws:iam::aws:policy/AdministratorAccess", "iam:CreateUser", "*", True),
        ("arn:aws:iam::aws:policy/PowerUserAccess", "ec2:RunInstances", "*", True),
        ("arn:aws:iam::aws:policy/PowerUserAccess", "iam:CreateUser", "*", False),
        ("arn:aws:iam::aws:policy/PowerUserAccess", "iam:CreateServiceLinkedRole", "*", True),
        ("arn:aws:iam::aws:policy/PowerUserAccess", "organizations:DescribeOrganization", "*", True),
        ("arn:aws:iam::aws:policy/PowerUserAccess", "organizations:CreateAccount", "*", False),
        ("arn:aws:iam::aws:policy/CloudWatchLogsFullAccess", "logs:CreateLogGroup", "*", True),
        ("arn:aws:iam::aws:policy/CloudWatchLogsFullAccess", "s3:GetObject", "*", False),
        ("arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess", "dynamodb:GetItem", "*", True),
        ("arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess", "dynamodb:PutItem", "*", False),
        ("arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess", "ssm:GetParameters", "*", True),
        ("arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess", "ssm:PutParameter", "*", False),
        ("arn:aws:iam::aws:policy/SecretsManagerReadWrite", "secretsmanager:GetSecretValue", "*", True),
        ("arn:aws:iam::aws:policy/SecretsManagerReadWrite", "secretsmanager:PutSecretValue", "*", True),
        ("arn:aws:iam::aws:policy/SecretsManagerReadWrite", "s3:GetObject", "arn:aws:s3:::secrets-manager-rotation-apps-abc/f.zip", True),
        ("arn:aws:iam::aws:policy/SecretsManagerReadWrite", "s3:GetObject", "arn:aws:s3:::my-bucket/f.zip", False),
        ("arn:aws:iam::aws:policy/AmazonECS_FullAccess", "ecs:CreateService", "*", True),
        ("arn:aws:iam::aws:policy/AmazonECS_FullAccess", "iam:CreateRole", "*", False),
        ("arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole", "elasticloadbalancing:RegisterTargets", "*", True),
        ("arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole", "ecs:CreateService", "*", False),
        ("arn:aws:iam::aws:policy/AmazonSQSFullAccess", "sqs:SendMessage", "*", True),
        ("arn:aws:iam::aws:policy/AmazonSNSFullAccess", "sns:Publish", "*", True),
        ("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy", "cloudwatch:PutMetricData", "*", True),
        ("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy", "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/AmazonCloudWatch-linux", True),
        ("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy", "ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/app/db", False),
        ("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "ssmmessages:OpenDataChannel", "*", True),
        ("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "ssm:PutParameter", "*", False),
    ],
)
def test_managed_policy_key_actions(arn: str, action: str, resource: str, expected: bool) -> None:
    """Each managed policy allows the actions it is known for and nothing it should not."""
    assert evaluate([managed(arn)], action, resource).allowed is expected


@pytest.mark.parametrize(
    ("arn", "action"),
    [
        (INSTANCE_ROLE, "ecs:TagResource"),
        ("arn:aws:iam::aws:policy/AmazonECS_FullAccess", "iam:PassRole"),
        ("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryFullAccess", "iam:CreateServiceLinkedRole"),
    ],
)
def test_managed_policy_conditional_grants_are_flagged(arn: str, action: str) -> None:
    """Grants that AWS guards with a Condition come back allowed with assumed_condition set."""
    decision = evaluate([managed(arn)], action)
    assert decision.allowed and decision.assumed_condition


# --- properties --------------------------------------------------------------------------

SERVICES = ("s3", "ecr", "ecs", "iam")
NAMES = ("GetObject", "PutObject", "GetAuthorizationToken", "RunTask", "CreateUser", "ListBuckets")
actions = st.builds(lambda s, n: f"{s}:{n}", st.sampled_from(SERVICES), st.sampled_from(NAMES))
action_patterns = st.one_of(
    actions,
    st.sampled_from(["*", "s3:*", "ecr:Get*", "ecs:*Task", "iam:Create????", "*:List*", "S3:GETOBJECT"]),
)
resources = st.sampled_from(["*", "arn:aws:s3:::b/k", "arn:aws:s3:::other/k", "arn:aws:ecr:us-east-1:1:repository/app"])
resource_patterns = st.sampled_from(["*", "arn:aws:s3:::b/*", "arn:aws:ecr:*:*:repository/*", "arn:aws:s3:::*"])


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    patterns = draw(st.lists(action_patterns, min_size=1, max_size=3))
    statement["NotAction" if draw(st.integers(0, 3)) == 0 else "Action"] = patterns
    statement["NotResource" if draw(st.integers(0, 4)) == 0 else "Resource"] = draw(st.lists(resource_patterns, min_size=1, max_size=2))
    if draw(st.integers(0, 4)) == 0:
        statement["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    return statement


documents: st.SearchStrategy[dict[str, Any]] = st.lists(statements(), min_size=0, max_size=4).map(
    lambda s: {"Version": "2012-10-17", "Statement": s}
)


@settings(max_examples=200, deadline=None)
@given(st.lists(documents, max_size=3), statements().map(lambda s: {**s, "Effect": "Deny"}), actions, resources)
def test_adding_a_deny_never_turns_a_denial_into_an_allow(
    docs: list[dict[str, Any]], extra_deny: dict[str, Any], action: str, resource: str
) -> None:
    """Adding a Deny statement to any policy set can only take permissions away."""
    before = [(f"inline:P{i}", d) for i, d in enumerate(docs)]
    after = [*before, ("inline:ExtraDeny", {"Version": "2012-10-17", "Statement": [extra_deny]})]
    before_decision = evaluate(before, action, resource)
    after_decision = evaluate(after, action, resource)
    assert before_decision.allowed or not after_decision.allowed
    if compile_policy("inline:ExtraDeny", {"Statement": [extra_deny]}).statements[0].applies_to(action, resource):
        assert after_decision.reason == "explicit-deny"
    else:
        assert after_decision == before_decision


@settings(max_examples=100, deadline=None)
@given(
    st.from_regex(r"[a-z][a-z0-9-]{0,15}:[A-Za-z][A-Za-z0-9]{0,30}", fullmatch=True),
    st.one_of(st.just("*"), st.from_regex(r"arn:aws:[a-z0-9-]{1,10}:[a-z0-9-]{0,12}:\d{0,12}:[A-Za-z0-9/:*_.-]{1,40}", fullmatch=True)),
    st.lists(documents.map(lambda d: {**d, "Statement": [s for s in d["Statement"] if s["Effect"] == "Allow"]}), max_size=2),
)
def test_allow_star_on_star_allows_every_action_without_a_deny(
    action: str, resource: str, allow_only_docs: list[dict[str, Any]]
) -> None:
    """An Allow of ``*`` on ``*`` with no Deny anywhere allows any action on any resource."""
    policies = [("inline:Admin", {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})]
    policies += [(f"inline:P{i}", d) for i, d in enumerate(allow_only_docs)]
    decision = evaluate(policies, action, resource)
    assert decision.allowed and decision.reason == "allowed"
