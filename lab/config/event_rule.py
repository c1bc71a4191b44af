"""Provides the EventBridge rules learners edit: ``PutRule`` input with its ``PutTargets`` targets.

An ``event-rule`` file is one rule on the default event bus: ``Name``, ``EventPattern`` (the
JSON string PutRule takes, or the same pattern as a YAML mapping), ``State`` (``ENABLED`` by
default, or ``DISABLED``), an optional ``Description``, and ``Targets: [{Id, Arn}]`` as
PutTargets takes them. The lab delivers to Amazon SNS topics, AWS Lambda functions, Amazon SQS
queues and CloudWatch Logs log groups by logging the match (``EventRuleMatched``), and runs an
ECS task target (the cluster's ARN with ``EcsParameters`` and a ``RoleArn``) with RunTask; other
target types are accepted with a ``not simulated`` note. A ``ScheduleExpression``
(``rate(...)`` or six-field ``cron(...)``, ``lab.config.schedule``) makes the rule run on that
schedule. Limits are PutRule's and PutTargets' (API reference; docs/ecs-facts.md §13.4, §13.5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lab.config.capacity_strategy import CapacityProviderStrategyItem
from lab.config.defaults import new_list
from lab.config.event_pattern import EventPattern, parse_event_pattern
from lab.config.quotas import MAX_TASK_GROUP_LENGTH
from lab.config.schedule import Schedule, ScheduleError, parse_schedule
from lab.config.shapes import positioned, validate_mapping
from lab.errors import Diagnostic, SourceErrors
from lab.yaml_source import Document, Path_

__all__ = [
    "DELIVERED_SERVICES",
    "MAX_TARGETS",
    "MAX_TARGET_STRATEGY_PROVIDERS",
    "AwsVpcConfiguration",
    "EcsParameters",
    "EventRule",
    "ParsedEventRule",
    "RuleTarget",
    "TargetNetworkConfiguration",
    "TargetPlacementConstraint",
    "TargetPlacementStrategy",
    "event_rule_json_schema",
    "parse_event_rule",
]

MAX_TARGETS = 5
"""Targets one rule may have (EventBridge quotas: "Targets per rule", 5)."""
MAX_TARGET_STRATEGY_PROVIDERS = 6
"""Items in an ECS target's ``CapacityProviderStrategy`` (EventBridge API: EcsParameters; RunTask itself takes 20)."""

DELIVERED_SERVICES = {
    "sns": "Amazon SNS topic",
    "lambda": "Lambda function",
    "sqs": "Amazon SQS queue",
    "logs": "CloudWatch Logs log group",
    "ecs": "Amazon ECS task (RunTask)",
}
"""ARN service → the target type the lab shows receiving events."""

_NAME = r"^[\.\-_A-Za-z0-9]+$"
_ARN = re.compile(r"^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12}|):(.+)$")


class AwsVpcConfiguration(BaseModel):
    """The subnets and security groups of an awsvpc task EventBridge runs."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    Subnets: list[str] = Field(min_length=1, max_length=16)
    """Subnet ids (at most 16)."""
    SecurityGroups: list[str] = Field(default_factory=new_list, max_length=5)
    """Security group ids (at most 5)."""
    AssignPublicIp: Literal["ENABLED", "DISABLED"] = "DISABLED"
    """Whether the task's ENI gets a public IP (FARGATE only)."""


class TargetNetworkConfiguration(BaseModel):
    """EcsParameters.NetworkConfiguration."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    awsvpcConfiguration: AwsVpcConfiguration
    """The awsvpc settings (the key is camelCase in the EventBridge API too)."""


class TargetPlacementConstraint(BaseModel):
    """One EcsParameters.PlacementConstraints item (keys in lowercase, as in the EventBridge API)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    type: Literal["distinctInstance", "memberOf"] | None = None
    """``distinctInstance`` or ``memberOf``."""
    expression: str | None = Field(default=None, max_length=2000)
    """A cluster query language expression (``memberOf`` only)."""


class TargetPlacementStrategy(BaseModel):
    """One EcsParameters.PlacementStrategy item (keys in lowercase, as in the EventBridge API)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    type: Literal["random", "spread", "binpack"] | None = None
    """``random``, ``spread`` or ``binpack``."""
    field: str | None = Field(default=None, max_length=255)
    """What ``spread`` or ``binpack`` ranks by (``attribute:ecs.availability-zone``, ``memory``...)."""


class EcsParameters(BaseModel):
    """What EventBridge passes to RunTask for an ECS task target."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    TaskDefinitionArn: str = Field(min_length=1, max_length=1600)
    """The task definition to run (``arn:aws:ecs:...:task-definition/family[:revision]``)."""
    TaskCount: int = Field(default=1, ge=1)
    """How many tasks to start (default 1)."""
    LaunchType: Literal["EC2", "FARGATE", "EXTERNAL"] | None = None
    """The launch type; must be one the task definition is compatible with."""
    CapacityProviderStrategy: list[CapacityProviderStrategyItem] = Field(default_factory=new_list, max_length=MAX_TARGET_STRATEGY_PROVIDERS)
    """``{capacityProvider, weight, base}`` items (camelCase, as in the EventBridge API), instead
    of ``LaunchType``; without either RunTask uses the cluster's default strategy."""
    PlacementConstraints: list[TargetPlacementConstraint] = Field(default_factory=new_list, max_length=10)
    """RunTask's placement constraints (at most 10); RunTask refuses them for a task on Fargate."""
    PlacementStrategy: list[TargetPlacementStrategy] = Field(default_factory=new_list, max_length=5)
    """RunTask's placement strategies (at most 5); RunTask refuses them for a task on Fargate."""
    NetworkConfiguration: TargetNetworkConfiguration | None = None
    """Required for awsvpc task definitions, so for FARGATE."""
    PlatformVersion: str | None = None
    """The Fargate platform version (accepted, not simulated)."""
    Group: str | None = Field(default=None, max_length=MAX_TASK_GROUP_LENGTH)
    """The task group (default ``family:<family>``)."""

    @property
    def task_definition(self) -> str:
        """``family`` or ``family:revision`` from the ARN (or the name as written)."""
        return self.TaskDefinitionArn.rsplit("task-definition/", 1)[-1]


_EcsParameters = EcsParameters  # the RuleTarget field has the class's name (as in PutTargets)


class RuleTarget(BaseModel):
    """One PutTargets target."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    Id: str = Field(min_length=1, max_length=64, pattern=_NAME)
    """The target's id, unique within the rule."""
    Arn: str = Field(min_length=1, max_length=1600)
    """The target's ARN (SNS topic, Lambda function, SQS queue, log group...)."""
    RoleArn: str | None = None
    """The role EventBridge assumes for targets that need one (an ECS task target does: it
    calls ecs:RunTask and passes the task's roles)."""
    EcsParameters: _EcsParameters | None = None
    """For an ECS task target (``Arn`` is the cluster's ARN): what to run."""
    Input: str | None = None
    """Constant JSON sent instead of the event (accepted, not simulated)."""
    InputPath: str | None = None
    """A JSONPath of the event to send (accepted, not simulated)."""


class EventRule(BaseModel):
    """A PutRule input plus its targets."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    Name: str = Field(min_length=1, max_length=64, pattern=_NAME)
    """The rule's name."""
    EventPattern: str | dict[str, Any] | None = None
    """The event pattern (a JSON string, or a mapping)."""
    ScheduleExpression: str | None = None
    """A schedule (``rate(5 minutes)``, ``cron(0 2 * * ? *)``): the rule runs its targets on it."""
    State: Literal["ENABLED", "DISABLED"] = "ENABLED"
    """Whether the rule matches events."""
    Description: str | None = Field(default=None, max_length=512)
    """Free text."""
    EventBusName: str = "default"
    """The event bus: ECS sends its events to the default bus."""
    Targets: list[RuleTarget] = Field(default_factory=new_list)
    """PutTargets input: where matched events go."""

    @property
    def enabled(self) -> bool:
        """Whether the rule matches events."""
        return self.State == "ENABLED"


@dataclass(frozen=True)
class ParsedEventRule:
    """A rule that passed validation, its compiled pattern, and notes."""

    event_rule: EventRule
    """The validated model."""
    pattern: EventPattern | None
    """The compiled pattern (None for a schedule-only rule)."""
    notes: list[Diagnostic] = field(default_factory=list)
    """``not simulated`` notes and warnings about targets."""
    schedule: Schedule | None = None
    """The parsed ScheduleExpression (None for a pattern-only rule)."""

    @property
    def name(self) -> str:
        """The rule's name."""
        return self.event_rule.Name


def parse_event_rule(doc: Document, path: Path_ = ()) -> ParsedEventRule:
    """Load a PutRule + PutTargets input from ``doc``.

    Raises:
        SourceErrors: every problem, positioned.
    """
    data, rule = validate_mapping(doc, path, EventRule, "PutRule parameters (Name, EventPattern, State, Targets)")
    errors: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    pattern = None
    if rule.EventPattern is None and rule.ScheduleExpression is None:
        errors.append(positioned(doc, path, "ValidationException: Parameter(s) EventPattern or ScheduleExpression must be specified."))
    if rule.EventPattern is not None:
        try:
            pattern = parse_event_pattern(doc, (*path, "EventPattern"))
        except SourceErrors as exc:
            errors.extend(exc.diagnostics)
    schedule = None
    if rule.ScheduleExpression is not None:
        try:
            schedule = parse_schedule(rule.ScheduleExpression)
        except ScheduleError as exc:
            errors.append(positioned(doc, (*path, "ScheduleExpression"), str(exc)))
    if rule.ScheduleExpression is not None and rule.EventBusName != "default":
        # Scheduled rules exist only on the default bus (§13.5; the wording is the lab's, UNCONFIRMED).
        errors.append(positioned(doc, (*path, "EventBusName"), "ValidationException: a rule with a ScheduleExpression can only be created on the default event bus"))
    if rule.EventBusName not in ("default",):
        notes.append(positioned(doc, (*path, "EventBusName"), "ECS sends its events to the default event bus: a rule on another bus matches none of them", severity="note"))
    if len(rule.Targets) > MAX_TARGETS:
        errors.append(positioned(doc, (*path, "Targets"), f"LimitExceededException: The requested resource exceeds the maximum number allowed. A rule has at most {MAX_TARGETS} targets."))
    seen: set[str] = set()
    for i, target in enumerate(rule.Targets):
        where = (*path, "Targets", i)
        if target.Id in seen:
            errors.append(positioned(doc, (*where, "Id"), f"ValidationException: target Id '{target.Id}' is used twice in this rule"))
        seen.add(target.Id)
        match = _ARN.fullmatch(target.Arn)
        if match is None:
            errors.append(positioned(doc, (*where, "Arn"), f"ValidationException: Parameter {target.Arn[:80]} is not valid. Reason: Provided Arn is not in correct format."))
            continue
        service = match.group(1)
        if service == "ecs" and target.EcsParameters is None:
            # The lab's wording (UNCONFIRMED): EcsParameters.TaskDefinitionArn is what RunTask runs.
            errors.append(positioned(doc, (*where, "Arn"), "ValidationException: an ECS task target needs EcsParameters with a TaskDefinitionArn"))
        if service != "ecs" and target.EcsParameters is not None:
            notes.append(positioned(doc, (*where, "EcsParameters"), "EcsParameters apply only to an ECS cluster target: they are ignored here", key=True, severity="note"))
        if service not in DELIVERED_SERVICES:
            notes.append(positioned(doc, (*where, "Arn"), f"a {service} target is accepted but not simulated: the lab shows the match, not what the target does", severity="note"))
        for key in ("Input", "InputPath") if service == "ecs" else ("RoleArn", "Input", "InputPath"):
            if getattr(target, key) is not None:
                notes.append(positioned(doc, (*where, key), f"'{key}' is accepted but not simulated", key=True, severity="note"))
    if errors:
        raise SourceErrors(errors)
    if not rule.Targets and rule.enabled:
        notes.append(positioned(doc, path, "the rule has no Targets: matched events go nowhere (PutTargets adds them)", severity="note"))
    return ParsedEventRule(rule, pattern, notes, schedule)


# -- editor schema (lab schema) ------------------------------------------------------------


def event_rule_json_schema() -> dict[str, Any]:
    """The JSON Schema of an event-rule file: PutRule input plus Targets."""
    from lab.config.json_schema import model_schema

    schema = model_schema(EventRule)
    schema["properties"]["Targets"]["maxItems"] = MAX_TARGETS
    # PutRule needs a pattern or a schedule (the loader refuses a rule with neither).
    schema["anyOf"] = [{"required": ["EventPattern"]}, {"required": ["ScheduleExpression"]}]
    return schema
