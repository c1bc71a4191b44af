"""Tests for lab.config.iam: parsing IAM roles in the CloudFormation AWS::IAM::Role shape."""

from __future__ import annotations

from lab.config.iam import parse_role
from tests.config.support import at, doc, failures, only, position

EXECUTION_ROLE = """\
RoleName: ecsTaskExecutionRole
Path: /ecs/
Description: Pulls images and ships logs for web tasks
AssumeRolePolicyDocument:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal:
        Service: ecs-tasks.amazonaws.com
      Action: sts:AssumeRole
ManagedPolicyArns:
  - arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy
  - arn:aws:iam::123456789012:policy/team/read-secrets
Policies:
  - PolicyName: read-db-secret
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        Sid: ReadSecret
        Effect: Allow
        Action: secretsmanager:GetSecretValue
        Resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-*
"""


def test_role_parses_and_exposes_its_parts() -> None:
    """A typical execution role loads with its name, managed ARNs and trusted service."""
    role = parse_role(doc(EXECUTION_ROLE, "role.yaml")).role
    assert role.role_name == "ecsTaskExecutionRole"
    assert role.managed_policy_arns == (
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        "arn:aws:iam::123456789012:policy/team/read-secrets",
    )
    assert role.trusted_services() == {"ecs-tasks.amazonaws.com"}


def test_statement_object_is_normalised_to_a_list() -> None:
    """A single Statement object and string Action/Resource come back as lists."""
    role = parse_role(doc(EXECUTION_ROLE)).role
    assert role.policy_documents() == [
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadSecret",
                    "Effect": "Allow",
                    "Action": ["secretsmanager:GetSecretValue"],
                    "Resource": ["arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-*"],
                }
            ],
        }
    ]


def test_statement_list_is_kept_in_order() -> None:
    """A Statement list keeps every statement in order."""
    text = EXECUTION_ROLE.replace(
        "      Statement:\n        Sid: ReadSecret\n        Effect: Allow\n",
        "      Statement:\n        - Effect: Deny\n          Action: [s3:*]\n          NotResource: ['*']\n"
        "        - Sid: ReadSecret\n          Effect: Allow\n",
    ).replace(
        "        Action: secretsmanager:GetSecretValue\n        Resource:",
        "          Action: secretsmanager:GetSecretValue\n          Resource:",
    )
    statements = parse_role(doc(text)).role.policy_documents()[0]["Statement"]
    assert [s["Effect"] for s in statements] == ["Deny", "Allow"]
    assert statements[0]["NotResource"] == ["*"]


def test_effect_typo_is_an_unknown_key_with_suggestion() -> None:
    """``Efect`` is reported at the key with did-you-mean 'Effect', and only once."""
    text = EXECUTION_ROLE.replace(
        "        Effect: Allow\n        Action: secrets", "        Efect: Allow\n        Action: secrets"
    )
    found = only(parse_role, text)
    assert found.message == "unknown key 'Efect' in Policies[0].PolicyDocument.Statement; did you mean 'Effect'?"
    assert position(found) == at(text, "Efect")


def test_effect_value_is_case_sensitive() -> None:
    """``allow`` is not a valid Effect."""
    text = EXECUTION_ROLE.replace("    - Effect: Allow", "    - Effect: allow")
    found = only(parse_role, text)
    assert found.message == "invalid value 'allow' for 'Effect'; expected one of Allow, Deny; did you mean 'Allow'?"
    assert position(found) == at(text, "allow")


def test_action_and_not_action_together_are_refused() -> None:
    """A statement with both Action and NotAction is an error at NotAction."""
    text = EXECUTION_ROLE.replace("        Resource: arn", "        NotAction: s3:*\n        Resource: arn")
    found = only(parse_role, text)
    assert found.message == "a statement may have 'Action' or 'NotAction', not both"
    assert position(found) == at(text, "NotAction")


def test_statement_without_action_is_refused() -> None:
    """A statement needs Action or NotAction."""
    text = EXECUTION_ROLE.replace("        Action: secretsmanager:GetSecretValue\n", "")
    found = only(parse_role, text)
    assert found.message == "missing required key 'Action' (or 'NotAction') in Policies[0].PolicyDocument.Statement"


def test_identity_policy_needs_a_resource() -> None:
    """An inline policy statement without Resource or NotResource is refused."""
    text = EXECUTION_ROLE.replace(
        "        Resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-*\n", ""
    )
    assert only(parse_role, text).message == (
        "missing required key 'Resource' (or 'NotResource') in Policies[0].PolicyDocument.Statement"
    )


def test_identity_policy_refuses_a_principal() -> None:
    """Principal belongs in the trust policy, not an inline identity policy."""
    text = EXECUTION_ROLE.replace("        Resource: arn", "        Principal: '*'\n        Resource: arn")
    found = only(parse_role, text)
    assert found.message == "'Principal' is not allowed in an identity policy; the principal is the role itself"
    assert position(found) == at(text, "Principal: '*'")


def test_trust_policy_needs_a_principal_and_refuses_resource() -> None:
    """The trust policy must name a principal and may not list resources."""
    text = EXECUTION_ROLE.replace(
        "      Principal:\n        Service: ecs-tasks.amazonaws.com\n", "      Resource: '*'\n"
    )
    messages = [d.message for d in failures(parse_role, text)]
    assert messages == [
        "missing required key 'Principal' (or 'NotPrincipal') in AssumeRolePolicyDocument.Statement[0]",
        "'Resource' is not allowed in a trust policy (AssumeRolePolicyDocument)",
    ]


def test_principal_type_typo_is_suggested() -> None:
    """``Servce`` inside Principal suggests 'Service'."""
    text = EXECUTION_ROLE.replace("        Service: ecs", "        Servce: ecs")
    assert only(parse_role, text).message == (
        "unknown key 'Servce' in AssumeRolePolicyDocument.Statement[0].Principal; did you mean 'Service'?"
    )


def test_managed_policy_arns_are_checked() -> None:
    """A managed policy given by bare name is refused with the expected ARN forms."""
    text = EXECUTION_ROLE.replace(
        "  - arn:aws:iam::123456789012:policy/team/read-secrets", "  - AmazonECSTaskExecutionRolePolicy"
    )
    found = only(parse_role, text)
    assert found.message.startswith(
        "invalid managed policy ARN 'AmazonECSTaskExecutionRolePolicy' for 'ManagedPolicyArns[1]'"
    )
    line, col = at(text, "- AmazonECSTaskExecutionRolePolicy")
    assert position(found) == (line, col + 2)


def test_action_needs_a_service_prefix() -> None:
    """``GetSecretValue`` without ``secretsmanager:`` is refused."""
    text = EXECUTION_ROLE.replace("Action: secretsmanager:GetSecretValue", "Action: GetSecretValue")
    assert only(parse_role, text).message.startswith("invalid action 'GetSecretValue' for 'Action'")


def test_resource_must_be_an_arn_or_star() -> None:
    """A resource that is not an ARN or ``*`` is refused."""
    text = EXECUTION_ROLE.replace(
        "Resource: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-*", "Resource: prod/db"
    )
    assert only(parse_role, text).message == "invalid resource 'prod/db' for 'Resource'; expected an ARN or '*'"


def test_version_is_checked() -> None:
    """Only the two IAM policy language versions are accepted."""
    text = EXECUTION_ROLE.replace('  Version: "2012-10-17"', '  Version: "2012-10-18"', 1)
    assert only(parse_role, text).message.startswith("invalid value '2012-10-18' for 'Version'")


def test_unknown_role_property_is_suggested() -> None:
    """A misspelt role property is an error with a suggestion."""
    text = EXECUTION_ROLE.replace("ManagedPolicyArns:", "ManagedPolicyARNs:")
    assert (
        only(parse_role, text).message
        == "unknown key 'ManagedPolicyARNs' at the top level; did you mean 'ManagedPolicyArns'?"
    )


def test_condition_is_accepted_with_a_note() -> None:
    """Conditions load but come with a note that the evaluator ignores them."""
    text = EXECUTION_ROLE + "        Condition:\n          StringEquals: {aws:RequestedRegion: us-east-1}\n"
    parsed = parse_role(doc(text))
    assert [n.message for n in parsed.notes] == ["not simulated: conditions are ignored by the lab's IAM evaluator"]
    assert position(parsed.notes[0]) == at(text, "Condition")
    assert parsed.role.policy_documents()[0]["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:RequestedRegion": "us-east-1"}
    }


def test_role_needs_a_trust_policy() -> None:
    """AssumeRolePolicyDocument is required."""
    assert (
        only(parse_role, "RoleName: r\n").message == "missing required key 'AssumeRolePolicyDocument' at the top level"
    )


def test_trusted_services_ignores_deny_and_other_actions() -> None:
    """Only Allow statements covering sts:AssumeRole count as trust."""
    text = """\
AssumeRolePolicyDocument:
  Statement:
    - {Effect: Allow, Principal: {Service: [ec2.amazonaws.com, ecs.amazonaws.com]}, Action: ['sts:*']}
    - {Effect: Deny, Principal: {Service: ecs-tasks.amazonaws.com}, Action: sts:AssumeRole}
    - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:TagSession}
"""
    assert parse_role(doc(text)).role.trusted_services() == {"ec2.amazonaws.com", "ecs.amazonaws.com"}


def test_several_problems_are_reported_together() -> None:
    """Every IAM problem in the file is reported in one pass."""
    text = EXECUTION_ROLE.replace("    - Effect: Allow", "    - Effect: allow").replace(
        "ManagedPolicyArns:", "ManagedPolicyArn:"
    )
    assert len(failures(parse_role, text)) == 2
