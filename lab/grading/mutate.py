"""Provides mutation testing of a scenario's grader: break the solution in standard ways, see what no check catches.

A scenario's checks are only as good as the wrong answers they fail. ``mutate`` takes the
files in force when the solution is applied (the solution's files over the starting files,
as the grader merges them), applies each mutation of ``MUTATIONS`` that fits a file's kind,
and grades the result on the scenario's seeds. Each outcome is one of:

* ``caught``: the grade fails; the result names the checks that failed.
* ``refused``: AWS would refuse the mutated file (``ClientException``, a shape or an IAM/EC2/
  ELB rule); the learner would see the refusal, so it counts as caught, and the report says so.
* ``survived``: the grade still passes. Either the grader is weak (no check notices the
  breakage) or the mutation is harmless in this scenario (a static host port with one task
  per instance); the instructor decides, so it is always reported.
* ``harmless``: it survived, and the scenario's ``mutations.harmless`` says why that is right
  here; it is listed with the reason and does not fail ``lab validate --mutate``.
* ``not-applicable``: the file has nothing the mutation changes (no ``executionRoleArn`` to
  drop), or the change has no effect once the file is parsed.

Which files are mutated: every learner file (``files:``), in its version in force, including
files the solution does not touch. A learner may edit any file they are given, so a grader
should catch a breakage wherever a learner can make it (the solution edits the task
definition; a learner who also widens the role to ``*`` must still fail). Files fixed in
``world:`` and read-only files (``readonly: true``) are never mutated: a learner cannot change them. One mutation changes one file, and
the graded answer is the solution plus that file.

A mutation also changes what AWS would refuse next to its target (dropping ``loadBalancers``
drops ``healthCheckGracePeriodSeconds`` too), so it tests the grader rather than AWS's
validation. A file whose kind has no mutations yet gets one ``(none)`` line, so the report
names every learner file. To add a mutation: a function over the file's plain data (AWS field
names, as written) and an entry in ``MUTATIONS``.

Results are deterministic: files in the scenario's order, mutations in catalogue order,
variants (one per managed policy dropped, ...) in the file's order.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from lab.config.task_definition import parse_cpu_units, parse_memory_mib
from lab.errors import LabError, SourceError, SourceErrors, UsageError
from lab.grading.grader import grade
from lab.safe_text import printable
from lab.scenario.loader import LoadedScenario
from lab.scenario.simdoc import ConfigFile, check_files, parse_config_file
from lab.yaml_source import Document, load_text
from lab.sim.iam import actions_allowed, managed_policy

__all__ = ["ECR_PULL_ACTIONS", "MUTATIONS", "Mutation", "MutationResult", "Status", "Variants", "format_mutation_report", "mutate"]

Status = Literal["caught", "refused", "survived", "harmless", "not-applicable"]
"""The outcome of one mutation."""

Variants = Callable[[dict[str, Any]], Iterator[tuple[str, dict[str, Any]]]]
"""Given a file's data (left untouched), yield (what changed, mutated copy) per variant."""


@dataclass(frozen=True)
class Mutation:
    """One standard breakage of one file kind."""

    name: str
    """Stable kebab-case name (``drop-execution-role``)."""
    kind: str
    """The file kind it applies to (``task-definition``, ``iam-role``, ...)."""
    summary: str
    """What it does, in AWS field names, and what a good grader should notice."""
    needs: str
    """What the file must have for the mutation to apply (for ``not-applicable`` lines)."""
    variants: Variants
    """The mutation itself."""


@dataclass(frozen=True)
class MutationResult:
    """The outcome of one mutation (one variant) on one file."""

    mutation: str
    """The mutation's name."""
    file: str
    """The learner file mutated."""
    status: Status
    change: str
    """What was changed (or, when not applicable, why nothing was)."""
    failed_checks: tuple[str, ...] = ()
    """Required checks that failed (``caught``), in the scenario's order."""
    message: str = ""
    """The first failed check's message, the refusal, or a note on optional checks."""

    @property
    def counts_as_caught(self) -> bool:
        """Caught by a check, or refused by AWS."""
        return self.status in ("caught", "refused")


# --------------------------------------------------------------------------------------------
# Helpers on plain data


def _single(change: Callable[[dict[str, Any]], str | None]) -> Variants:
    """A one-variant mutation from a function that edits a copy and says what it changed."""

    def variants(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        mutated = copy.deepcopy(data)
        what = change(mutated)
        if what:
            yield what, mutated

    return variants


def _as_list(value: Any) -> list[Any]:
    """An IAM element that may be one value or a list, as a list."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The mappings of a list (or a single mapping) in data, ignoring anything else."""
    return [item for item in _as_list(value) if isinstance(item, dict)]


def _int(value: Any) -> int | None:
    """An integer field's value, or None when absent or not a plain integer."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --------------------------------------------------------------------------------------------
# Task definitions (RegisterTaskDefinition input, camelCase)

_MIN_CONTAINER_MEMORY_MIB = 6
"""Docker's smallest memory limit; RegisterTaskDefinition refuses less."""
_MIN_EC2_TASK_CPU_UNITS = 128
"""Smallest task-level cpu on the EC2 launch type."""


def _containers(td: dict[str, Any]) -> list[dict[str, Any]]:
    return _dicts(td.get("containerDefinitions"))


def _drop_field(field: str) -> Callable[[dict[str, Any]], str | None]:
    def change(data: dict[str, Any]) -> str | None:
        value = data.pop(field, None)
        return f"removed {field} ({value})" if value else None

    return change


def _static_host_port(td: dict[str, Any]) -> str | None:
    if (td.get("networkMode") or "bridge") != "bridge":
        return None
    changed = []
    for container in _containers(td):
        for mapping in _dicts(container.get("portMappings")):
            port = _int(mapping.get("containerPort"))
            if port is not None and not mapping.get("hostPort"):
                mapping["hostPort"] = port
                changed.append(f"{container.get('name')}:{port}")
    return f"hostPort = containerPort in bridge mode ({', '.join(changed)})" if changed else None


def _quarter_memory(mib: int) -> int:
    return max(_MIN_CONTAINER_MEMORY_MIB, mib // 4)


def _shrink_memory_limit(td: dict[str, Any]) -> str | None:
    changed = []
    task_limit: int | None = None
    if td.get("memory") is not None:
        try:
            before = parse_memory_mib(td["memory"])
        except ValueError:
            before = 0
        if before:
            task_limit = _quarter_memory(before)
            td["memory"] = str(task_limit)
            changed.append(f"task memory {before} → {task_limit} MiB")
    for container in _containers(td):
        name = container.get("name")
        limit = _int(container.get("memory"))
        if limit is not None and limit > 0:
            container["memory"] = _quarter_memory(limit)
            changed.append(f"{name} memory {limit} → {container['memory']} MiB")
        # A reservation above the new limit would only earn a refusal; keep it inside.
        ceiling = min(x for x in (_int(container.get("memory")), task_limit, 1 << 30) if x is not None)
        reservation = _int(container.get("memoryReservation"))
        if reservation is not None and reservation > ceiling:
            container["memoryReservation"] = ceiling
    return "; ".join(changed) or None


def _shrink_memory_reservation(td: dict[str, Any]) -> str | None:
    changed = []
    for container in _containers(td):
        reservation = _int(container.get("memoryReservation"))
        if reservation is not None and reservation > _MIN_CONTAINER_MEMORY_MIB:
            container["memoryReservation"] = _quarter_memory(reservation)
            changed.append(f"{container.get('name')} memoryReservation {reservation} → {container['memoryReservation']} MiB")
    return "; ".join(changed) or None


def _shrink_cpu(td: dict[str, Any]) -> str | None:
    changed = []
    if td.get("cpu") is not None:
        try:
            before = parse_cpu_units(td["cpu"])
        except ValueError:
            before = 0
        if before > _MIN_EC2_TASK_CPU_UNITS:
            td["cpu"] = str(max(_MIN_EC2_TASK_CPU_UNITS, before // 4))
            changed.append(f"task cpu {before} → {td['cpu']} units")
    for container in _containers(td):
        units = _int(container.get("cpu"))
        if units is not None and units >= 4:
            container["cpu"] = units // 4
            changed.append(f"{container.get('name')} cpu {units} → {container['cpu']} units")
    return "; ".join(changed) or None


def _drop_container_field(*fields: str) -> Callable[[dict[str, Any]], str | None]:
    def change(td: dict[str, Any]) -> str | None:
        changed = []
        for container in _containers(td):
            for field in fields:
                if container.pop(field, None):
                    changed.append(f"{container.get('name')} {field}")
        return "removed " + ", ".join(changed) if changed else None

    return change


# --------------------------------------------------------------------------------------------
# IAM roles (AWS::IAM::Role properties, PascalCase)

ECR_PULL_ACTIONS = (
    "ecr:GetAuthorizationToken",
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
)
"""What pulling an image from a private ECR repository needs (§3.5)."""

_MUTATION_POLICY_NAME = "mutation-admin"
"""The inline policy ``widen-to-star`` adds to a role that has no inline Allow to widen."""


def _action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: ``*`` and ``?`` wildcards, case-insensitive."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, action, re.IGNORECASE) is not None


def _grants_ecr(pattern: Any) -> bool:
    if not isinstance(pattern, str):
        return False
    return pattern.lower().startswith("ecr:") or any(_action_matches(pattern, a) for a in ECR_PULL_ACTIONS)


def _managed_grants_ecr(arn: Any) -> bool:
    document = managed_policy(arn) if isinstance(arn, str) else None
    return document is not None and bool(actions_allowed([(arn, document)], ECR_PULL_ACTIONS))


def _inline_documents(role: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(policy, its PolicyDocument) for every inline policy written as mappings."""
    out = []
    for policy in _dicts(role.get("Policies")):
        document = policy.get("PolicyDocument")
        if isinstance(document, dict):
            out.append((policy, document))
    return out


def _allow_statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for _, doc in _inline_documents(role) for s in _dicts(doc.get("Statement")) if s.get("Effect") == "Allow"]


def _short_arn(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _remove_ecr_actions(role: dict[str, Any]) -> str | None:
    changed = []
    arns = _as_list(role.get("ManagedPolicyArns"))
    granting = [arn for arn in arns if _managed_grants_ecr(arn)]
    if granting:
        # An inline copy keeps everything else the managed policy grants (the agent's ECS
        # actions), so the mutation takes away ECR and nothing more.
        kept = [arn for arn in arns if arn not in granting]
        if kept:
            role["ManagedPolicyArns"] = kept
        else:
            role.pop("ManagedPolicyArns")
        copies = [{"PolicyName": f"{_short_arn(arn)}-copy", "PolicyDocument": dict(managed_policy(arn) or {})} for arn in granting]
        role["Policies"] = [*_as_list(role.get("Policies")), *copies]
        changed += [f"replaced managed policy {arn} by an inline copy" for arn in granting]
    removed = []
    for policy, document in _inline_documents(role):
        statements = []
        for statement in _dicts(document.get("Statement")):
            if statement.get("Effect") == "Allow" and "Action" in statement:
                actions = _as_list(statement["Action"])
                rest = [a for a in actions if not _grants_ecr(a)]
                removed += [str(a) for a in actions if a not in rest]
                if not rest:
                    continue
                statement["Action"] = rest
            elif statement.get("Effect") == "Allow" and "NotAction" in statement:
                excluded = _as_list(statement["NotAction"])
                if not any(_grants_ecr(a) for a in excluded):
                    statement["NotAction"] = [*excluded, "ecr:*"]
                    removed.append(f"(NotAction + ecr:* in {policy.get('PolicyName')})")
            statements.append(statement)
        document["Statement"] = statements
    if not removed:
        return None
    policies = [p for p in _as_list(role.get("Policies")) if not (isinstance(p, dict) and isinstance(p.get("PolicyDocument"), dict) and p["PolicyDocument"].get("Statement") == [])]
    if policies:
        role["Policies"] = policies
    else:
        role.pop("Policies", None)
    return "; ".join([*changed, "removed " + ", ".join(dict.fromkeys(removed))])


def _without_item(role: dict[str, Any], key: str, i: int) -> dict[str, Any]:
    """A copy of ``role`` without the ``i``-th entry of its ``key`` list (the key goes when it empties)."""
    mutated = copy.deepcopy(role)
    items = _as_list(role.get(key))
    rest = items[:i] + items[i + 1 :]
    if rest:
        mutated[key] = rest
    else:
        mutated.pop(key)
    return mutated


def _drop_each_managed_policy(role: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for i, arn in enumerate(_as_list(role.get("ManagedPolicyArns"))):
        yield f"dropped managed policy {arn}", _without_item(role, "ManagedPolicyArns", i)


def _drop_each_inline_policy(role: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for i, policy in enumerate(_as_list(role.get("Policies"))):
        name = policy.get("PolicyName") if isinstance(policy, dict) else i
        yield f"dropped inline policy {name}", _without_item(role, "Policies", i)


def _widen_to_star(role: dict[str, Any]) -> str | None:
    statements = _allow_statements(role)
    if not statements:
        role["Policies"] = [
            *_as_list(role.get("Policies")),
            {
                "PolicyName": _MUTATION_POLICY_NAME,
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
            },
        ]
        return f'added inline policy {_MUTATION_POLICY_NAME}: Allow Action "*" on Resource "*"'
    for statement in statements:
        for key in ("NotAction", "NotResource"):
            statement.pop(key, None)
        statement["Action"] = "*"
        statement["Resource"] = "*"
    return f'every inline Allow statement ({len(statements)}) now has Action "*" and Resource "*"'


def _widen_service_prefix(role: dict[str, Any]) -> str | None:
    changed = []
    for statement in _allow_statements(role):
        actions = _as_list(statement.get("Action"))
        widened: list[Any] = []
        for action in actions:
            prefix, colon, name = action.partition(":") if isinstance(action, str) else ("", "", "")
            new = f"{prefix}:*" if colon and name != "*" else action
            if new != action:
                changed.append(f"{action} → {new}")
            if new not in widened:
                widened.append(new)
        if widened != actions:
            statement["Action"] = widened
    return ", ".join(changed) or None


_SWAPPED_PRINCIPALS = {"ecs-tasks.amazonaws.com": "ec2.amazonaws.com", "ec2.amazonaws.com": "ecs-tasks.amazonaws.com"}
"""The service a trust policy is pointed at instead: the other ECS identity."""


def _wrong_trust_principal(role: dict[str, Any]) -> str | None:
    trust = role.get("AssumeRolePolicyDocument")
    if not isinstance(trust, dict):
        return None
    changed = []
    for statement in _dicts(trust.get("Statement")):
        principal = statement.get("Principal")
        if statement.get("Effect") != "Allow" or not isinstance(principal, dict) or "Service" not in principal:
            continue
        services = _as_list(principal["Service"])
        swapped = [_SWAPPED_PRINCIPALS.get(s, "lambda.amazonaws.com") if isinstance(s, str) else s for s in services]
        if swapped != services:
            principal["Service"] = swapped if isinstance(principal["Service"], list) else swapped[0]
            changed.append(f"{', '.join(map(str, services))} → {', '.join(map(str, swapped))}")
    return "the trust policy names " + "; ".join(changed) if changed else None


# --------------------------------------------------------------------------------------------
# Services (CreateService input, camelCase)


def _lower_desired_count(service: dict[str, Any]) -> str | None:
    count = _int(service.get("desiredCount"))
    if count is None or count < 1:
        return None
    service["desiredCount"] = count - 1
    return f"desiredCount {count} → {count - 1}"


def _drop_load_balancers(service: dict[str, Any]) -> str | None:
    if not service.pop("loadBalancers", None):
        return None
    # ECS refuses a grace period on a service without load balancers; the point is the grader.
    service.pop("healthCheckGracePeriodSeconds", None)
    return "removed loadBalancers"


def _no_deployment_headroom(service: dict[str, Any]) -> str | None:
    config = service.get("deploymentConfiguration")
    config = dict(config) if isinstance(config, dict) else {}
    if config.get("minimumHealthyPercent") == 100 and config.get("maximumPercent") == 100:
        return None
    low, high = config.get("minimumHealthyPercent", "default"), config.get("maximumPercent", "default")
    config.update(minimumHealthyPercent=100, maximumPercent=100)
    service["deploymentConfiguration"] = config
    return f"deploymentConfiguration minimumHealthyPercent {low} → 100, maximumPercent {high} → 100"


def _drop_placement(service: dict[str, Any]) -> str | None:
    dropped = [key for key in ("placementStrategy", "placementConstraints") if service.pop(key, None)]
    return "removed " + " and ".join(dropped) if dropped else None


def _drop_service_connect(service: dict[str, Any]) -> str | None:
    if not service.pop("serviceConnectConfiguration", None):
        return None
    return "removed serviceConnectConfiguration"


# --------------------------------------------------------------------------------------------
# Security groups (AWS::EC2::SecurityGroup properties) and target groups
# (AWS::ElasticLoadBalancingV2::TargetGroup properties)

_WORLD_OPEN_RULE = {"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}


def _open_ingress(group: dict[str, Any]) -> str | None:
    rules = _as_list(group.get("SecurityGroupIngress"))
    if _WORLD_OPEN_RULE in rules:
        return None
    group["SecurityGroupIngress"] = [*rules, dict(_WORLD_OPEN_RULE)]
    return 'added ingress IpProtocol "-1" (all ports) from CidrIp 0.0.0.0/0'


def _drop_ingress(group: dict[str, Any]) -> str | None:
    return "removed every SecurityGroupIngress rule" if group.pop("SecurityGroupIngress", None) else None


_DEREGISTRATION_DELAY = "deregistration_delay.timeout_seconds"
_SHORT_DELAY_S = 5
"""Short enough to cut requests in flight, long enough to look like a tuning choice."""
_WRONG_HEALTH_PATH = "/mutated-health-check-path"


def _short_deregistration_delay(group: dict[str, Any]) -> str | None:
    attributes = _dicts(group.get("TargetGroupAttributes"))
    entry = next((a for a in attributes if a.get("Key") == _DEREGISTRATION_DELAY), None)
    if entry is None:
        before = "300 (default)"
        entry = {"Key": _DEREGISTRATION_DELAY}
        group["TargetGroupAttributes"] = [*_as_list(group.get("TargetGroupAttributes")), entry]
    else:
        before = str(entry.get("Value"))
        if before.isdigit() and int(before) <= _SHORT_DELAY_S:
            return None
    entry["Value"] = str(_SHORT_DELAY_S)
    return f"{_DEREGISTRATION_DELAY} {before} → {_SHORT_DELAY_S} s"


def _wrong_health_check_path(group: dict[str, Any]) -> str | None:
    protocol = group.get("HealthCheckProtocol") or group.get("Protocol")
    if protocol not in ("HTTP", "HTTPS") or group.get("HealthCheckEnabled") is False:
        return None
    before = group.get("HealthCheckPath", "/")
    group["HealthCheckPath"] = _WRONG_HEALTH_PATH
    return f"HealthCheckPath {before} → {_WRONG_HEALTH_PATH}"


# --------------------------------------------------------------------------------------------
# Application Auto Scaling (RegisterScalableTarget and PutScalingPolicy input, PascalCase)

_MAX_UTILIZATION_TARGET = 95.0
"""Highest utilization target ``raise-target-value`` sets (100 % would never scale out)."""


def _pin_capacity(target: dict[str, Any]) -> str | None:
    low, high = _int(target.get("MinCapacity")), _int(target.get("MaxCapacity"))
    if low is None or high is None or high <= low:
        return None
    target["MaxCapacity"] = low
    return f"MaxCapacity {high} → {low} (= MinCapacity)"


def _target_tracking(policy: dict[str, Any]) -> dict[str, Any] | None:
    config = policy.get("TargetTrackingScalingPolicyConfiguration")
    return config if policy.get("PolicyType") == "TargetTrackingScaling" and isinstance(config, dict) else None


def _raise_target_value(policy: dict[str, Any]) -> str | None:
    config = _target_tracking(policy)
    value = config.get("TargetValue") if config else None
    if config is None or not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        return None
    metric = str((config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType", ""))
    raised = min(value * 2, _MAX_UTILIZATION_TARGET) if "Utilization" in metric else value * 2
    if raised <= value:
        return None
    config["TargetValue"] = raised
    return f"TargetValue {value:g} → {raised:g}"


def _disable_scale_in(policy: dict[str, Any]) -> str | None:
    config = _target_tracking(policy)
    if config is None or config.get("DisableScaleIn") is True:
        return None
    config["DisableScaleIn"] = True
    return "DisableScaleIn true"


# --------------------------------------------------------------------------------------------
# Auto Scaling groups (AWS::AutoScaling::AutoScalingGroup properties) and capacity providers
# (CreateCapacityProvider input, camelCase)


def _size(value: Any) -> int | None:
    """A group size written as a number or as CloudFormation's string."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return _int(value)


def _pin_group_size(group: dict[str, Any]) -> str | None:
    low, high = _size(group.get("MinSize")), _size(group.get("MaxSize"))
    if low is None or high is None or high <= low:
        return None
    group["MaxSize"] = group["MinSize"]
    desired = _size(group.get("DesiredCapacity"))
    if desired is not None and desired > low:
        group["DesiredCapacity"] = group["MinSize"]
    return f"MaxSize {high} → {low} (= MinSize)"


def _single_az(group: dict[str, Any]) -> str | None:
    zones = _as_list(group.get("AvailabilityZones"))
    if len(zones) < 2:
        return None
    group["AvailabilityZones"] = zones[:1]
    return f"AvailabilityZones {', '.join(map(str, zones))} → {zones[0]}"


def _asg_provider(provider: dict[str, Any]) -> dict[str, Any] | None:
    group = provider.get("autoScalingGroupProvider")
    return group if isinstance(group, dict) else None


def _disable_managed_scaling(provider: dict[str, Any]) -> str | None:
    group = _asg_provider(provider)
    scaling = group.get("managedScaling") if group else None
    if not isinstance(scaling, dict) or scaling.get("status") == "DISABLED":
        return None
    scaling["status"] = "DISABLED"
    assert group is not None
    if group.get("managedTerminationProtection") == "ENABLED":
        # ECS refuses termination protection without managed scaling; the point is the grader.
        group["managedTerminationProtection"] = "DISABLED"
        return "managedScaling status DISABLED (and managedTerminationProtection DISABLED, which needs it)"
    return "managedScaling status DISABLED"


def _disable_provider_setting(key: str, default: str) -> Callable[[dict[str, Any]], str | None]:
    def change(provider: dict[str, Any]) -> str | None:
        group = _asg_provider(provider)
        if group is None or group.get(key, default) == "DISABLED":
            return None
        group[key] = "DISABLED"
        return f"{key} DISABLED"

    return change


def _daemon_to_replica(service: dict[str, Any]) -> str | None:
    if service.get("schedulingStrategy") != "DAEMON":
        return None
    service["schedulingStrategy"] = "REPLICA"
    service["desiredCount"] = 1
    service["placementConstraints"] = [*_as_list(service.get("placementConstraints")), {"type": "distinctInstance"}]
    return "schedulingStrategy DAEMON → REPLICA, desiredCount 1, distinctInstance"


def _no_rollback(service: dict[str, Any]) -> str | None:
    config = service.get("deploymentConfiguration")
    breaker = config.get("deploymentCircuitBreaker") if isinstance(config, dict) else None
    if not isinstance(breaker, dict) or breaker.get("rollback") is not True:
        return None
    breaker["rollback"] = False
    return "deploymentCircuitBreaker rollback true → false"


def _deployment_alarms(service: dict[str, Any]) -> dict[str, Any] | None:
    config = service.get("deploymentConfiguration")
    alarms = config.get("alarms") if isinstance(config, dict) else None
    return alarms if isinstance(alarms, dict) and alarms.get("enable") is True else None


def _no_alarm_rollback(service: dict[str, Any]) -> str | None:
    alarms = _deployment_alarms(service)
    if alarms is None or alarms.get("rollback") is not True:
        return None
    alarms["rollback"] = False
    return "deploymentConfiguration.alarms rollback true → false"


def _disable_deployment_alarms(service: dict[str, Any]) -> str | None:
    alarms = _deployment_alarms(service)
    if alarms is None:
        return None
    alarms["enable"] = False
    return "deploymentConfiguration.alarms enable true → false"


_ALL_AT_ONCE_BAKE_MINUTES = 5


def _drop_test_listener_rule(service: dict[str, Any]) -> str | None:
    dropped = 0
    for lb in _as_list(service.get("loadBalancers")):
        adv = lb.get("advancedConfiguration") if isinstance(lb, dict) else None
        if isinstance(adv, dict) and adv.pop("testListenerRule", None) is not None:
            dropped += 1
    return f"removed testListenerRule from {dropped} load balancer(s): ECS moves no test traffic to the new revision" if dropped else None


def _drop_lifecycle_hooks(service: dict[str, Any]) -> str | None:
    config = service.get("deploymentConfiguration")
    if not isinstance(config, dict) or not config.get("lifecycleHooks"):
        return None
    hooks = _as_list(config.pop("lifecycleHooks"))
    return f"removed {len(hooks)} lifecycle hook(s): nothing tests the new revision during the deployment"


def _all_at_once(service: dict[str, Any]) -> str | None:
    config = service.get("deploymentConfiguration")
    if not isinstance(config, dict) or config.get("strategy") not in ("LINEAR", "CANARY"):
        return None
    old = config["strategy"]
    config["strategy"] = "BLUE_GREEN"
    config.pop("linearConfiguration", None)
    config.pop("canaryConfiguration", None)
    # BLUE_GREEN requires a bake time (API: DeploymentConfiguration.bakeTimeInMinutes).
    config.setdefault("bakeTimeInMinutes", _ALL_AT_ONCE_BAKE_MINUTES)
    return f"deploymentConfiguration strategy {old} → BLUE_GREEN: production traffic moves all at once"


def _codedeploy_all_at_once(group: dict[str, Any]) -> str | None:
    name = group.get("DeploymentConfigName")
    if not isinstance(name, str) or not name.startswith(("CodeDeployDefault.ECSCanary", "CodeDeployDefault.ECSLinear")):
        return None
    group["DeploymentConfigName"] = "CodeDeployDefault.ECSAllAtOnce"
    return f"DeploymentConfigName {name} → CodeDeployDefault.ECSAllAtOnce: production traffic moves all at once"


def _rollback_events(group: dict[str, Any]) -> list[Any] | None:
    config = group.get("AutoRollbackConfiguration")
    if not isinstance(config, dict) or config.get("Enabled") is not True or not isinstance(config.get("Events"), list):
        return None
    return config["Events"]


def _drop_stop_on_alarm(group: dict[str, Any]) -> None:
    events = _rollback_events(group)
    if events is not None and "DEPLOYMENT_STOP_ON_ALARM" in events:
        events.remove("DEPLOYMENT_STOP_ON_ALARM")
        if not events:
            group["AutoRollbackConfiguration"] = {"Enabled": False}


def _codedeploy_no_alarm_rollback(group: dict[str, Any]) -> str | None:
    events = _rollback_events(group)
    if events is None or "DEPLOYMENT_STOP_ON_ALARM" not in events:
        return None
    _drop_stop_on_alarm(group)
    return "AutoRollbackConfiguration without DEPLOYMENT_STOP_ON_ALARM"


def _codedeploy_disable_alarms(group: dict[str, Any]) -> str | None:
    alarms = group.get("AlarmConfiguration")
    if not isinstance(alarms, dict) or alarms.get("Enabled") is not True:
        return None
    alarms["Enabled"] = False
    # CodeDeploy refuses rollback on alarm without alarms: the learner would drop it too.
    _drop_stop_on_alarm(group)
    return "AlarmConfiguration Enabled true → false (and no rollback on alarm)"


def _drop_hooks(appspec: dict[str, Any]) -> str | None:
    if not appspec.get("Hooks"):
        return None
    del appspec["Hooks"]
    return "removes Hooks: no Lambda function validates the replacement task set"


def _disable_trunking(setting: dict[str, Any]) -> str | None:
    if setting.get("name") != "awsvpcTrunking" or setting.get("value") != "enabled":
        return None
    setting["value"] = "disabled"
    return "awsvpcTrunking enabled → disabled"


def _drop_ecs_cluster(config: dict[str, Any]) -> str | None:
    if "ECS_CLUSTER" not in config:
        return None
    cluster = config.pop("ECS_CLUSTER")
    return f"removed ECS_CLUSTER={cluster}"


def _disable_rule(rule: dict[str, Any]) -> str | None:
    if rule.get("State", "ENABLED") != "ENABLED":
        return None
    rule["State"] = "DISABLED"
    return "State ENABLED → DISABLED"


def _widen_to_detail_type(rule: dict[str, Any]) -> str | None:
    import json

    pattern = rule.get("EventPattern")
    try:
        data = json.loads(pattern) if isinstance(pattern, str) else pattern
    except ValueError:
        return None
    if not isinstance(data, dict) or "detail-type" not in data:
        return None
    widened = {key: data[key] for key in ("source", "detail-type") if key in data}
    if widened == data:
        return None
    rule["EventPattern"] = json.dumps(widened)
    return f"EventPattern → {json.dumps(widened)}"


def _drop_targets(rule: dict[str, Any]) -> str | None:
    if not rule.get("Targets"):
        return None
    rule["Targets"] = []
    return "removed every target"


# --------------------------------------------------------------------------------------------
# The catalogue

# -- dockerfile (the text is carried as {"text": ...}: mutations work on mappings) ----------------


def _dockerfile_lines(df: dict[str, Any]) -> list[str]:
    return str(df.get("text", "")).splitlines()


def _keyword(line: str) -> str:
    return line.strip().split(" ", 1)[0].upper() if line.strip() and not line.strip().startswith("#") else ""


def _copies_everything(line: str) -> bool:
    words = [w for w in line.split()[1:] if not w.startswith("--")]
    return _keyword(line) in ("COPY", "ADD") and len(words) >= 2 and words[0] in (".", "./") and not line.rstrip().endswith("\\")


def _copy_all_first(df: dict[str, Any]) -> str | None:
    lines = _dockerfile_lines(df)
    copy_at = next((i for i, line in enumerate(lines) if _copies_everything(line)), None)
    if copy_at is None:
        return None
    stage_start = max((i for i in range(copy_at) if _keyword(lines[i]) == "FROM"), default=None)
    if stage_start is None:
        return None
    run_at = next((i for i in range(stage_start, copy_at) if _keyword(lines[i]) == "RUN"), None)
    if run_at is None:
        return None
    line = lines.pop(copy_at)
    lines.insert(run_at, line)
    df["text"] = "\n".join(lines) + "\n"
    return f"moved `{line.strip()}` (line {copy_at + 1}) before the first RUN (line {run_at + 1}): every code change rebuilds the steps after it"


_BLOAT_FLAGS = ("--no-install-recommends", "--no-cache-dir", "--no-cache")


def _bloat_package_install(df: dict[str, Any]) -> str | None:
    text = str(df.get("text", ""))
    dropped = [flag for flag in _BLOAT_FLAGS if re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text)]
    if not dropped:
        return None
    for flag in dropped:
        text = re.sub(rf" ?(?<![\w-]){re.escape(flag)}(?![\w-])", "", text)
    df["text"] = text
    return f"removed {', '.join(dropped)}: package managers keep recommends and caches in the image"


def _split_chained_run(df: dict[str, Any]) -> str | None:
    lines = _dockerfile_lines(df)
    for i, line in enumerate(lines):
        if _keyword(line) == "RUN" and " && " in line and not line.rstrip().endswith("\\"):
            parts = line.strip()[4:].split(" && ")
            lines[i : i + 1] = [f"RUN {part.strip()}" for part in parts]
            df["text"] = "\n".join(lines) + "\n"
            return f"split line {i + 1}'s chained RUN into {len(parts)} RUN steps (one layer each)"
    return None


_ARCHIVE = re.compile(r"\.(tar\.gz|tgz|tar\.xz|txz|tar\.bz2|tbz2|tar|zip|gz|xz)\Z")


def _late_archive_cleanup(df: dict[str, Any]) -> str | None:
    lines = _dockerfile_lines(df)
    for i, line in enumerate(lines):
        if _keyword(line) != "RUN" or " && " not in line or line.rstrip().endswith("\\"):
            continue
        parts = [part.strip() for part in line.strip()[4:].split(" && ")]
        removals = [p for p in parts if p.split()[:1] == ["rm"] and any(_ARCHIVE.search(w) for w in p.split()[1:])]
        if not removals or len(removals) == len(parts):
            continue
        kept = [p for p in parts if p not in removals]
        lines[i : i + 1] = ["RUN " + " && ".join(kept), *(f"RUN {p}" for p in removals)]
        df["text"] = "\n".join(lines) + "\n"
        return f"moved `{removals[0]}` out of line {i + 1}'s RUN into a RUN of its own after it: the archive still weighs in the earlier layer"
    return None


_FAT_BASES = {
    # A slim or minimal base → the full image of the same runtime (catalogue references, and
    # the Debian tags the catalogue aliases to them).
    "python:3.12-slim": "python:3.12",
    "python:3.12-slim-bookworm": "python:3.12",
    "python:3.12-alpine": "python:3.12",
    "node:20-slim": "node:20",
    "node:20-bookworm-slim": "node:20",
    "node:20-alpine": "node:20",
    "debian:bookworm-slim": "debian:bookworm",
    "debian:12-slim": "debian:bookworm",
    "golang:1.22-alpine": "golang:1.22",
    "nginx:1.27-alpine": "nginx:1.27",
}


def _fat_base_image(df: dict[str, Any]) -> str | None:
    lines = _dockerfile_lines(df)
    for i, line in enumerate(lines):
        if _keyword(line) != "FROM":
            continue
        words = line.split()
        at = next((j for j, w in enumerate(words[1:], 1) if not w.startswith("--")), None)
        if at is None or words[at].lower() not in _FAT_BASES:
            continue
        slim = words[at]
        words[at] = _FAT_BASES[slim.lower()]
        lines[i] = " ".join(words)
        df["text"] = "\n".join(lines) + "\n"
        return f"swapped line {i + 1}'s base {slim} for the full image {words[at]}: hundreds of MB more, and no layers shared with slim images"
    return None


def _listeners(lb: dict[str, Any]) -> list[dict[str, Any]]:
    return [li for li in _as_list(lb.get("Listeners")) if isinstance(li, dict)]


def _reverse_rule_priorities(lb: dict[str, Any]) -> str | None:
    changed = []
    for listener in _listeners(lb):
        rules = [r for r in _as_list(listener.get("Rules")) if isinstance(r, dict) and isinstance(r.get("Priority"), int)]
        priorities = [r["Priority"] for r in rules]
        if len(set(priorities)) < 2:
            continue
        for rule, priority in zip(rules, reversed(priorities), strict=True):
            rule["Priority"] = priority
        changed.append(f"listener {listener.get('Port')}: {priorities} → {list(reversed(priorities))}")
    return "reversed the rule priorities (" + "; ".join(changed) + ")" if changed else None


def _drop_listener_rules(lb: dict[str, Any]) -> str | None:
    dropped = 0
    for listener in _listeners(lb):
        dropped += len(_as_list(listener.pop("Rules", None)))
    return f"removed {dropped} listener rule(s): every request takes the default action" if dropped else None


def _internal_scheme(lb: dict[str, Any]) -> str | None:
    if lb.get("Scheme", "internet-facing") != "internet-facing":
        return None
    lb["Scheme"] = "internal"
    return "Scheme internet-facing → internal: clients on the internet cannot connect"


MUTATIONS: tuple[Mutation, ...] = (
    Mutation("drop-execution-role", "task-definition", "removes executionRoleArn: image pulls (Fargate), awslogs and secrets lose their role", "an executionRoleArn", _single(_drop_field("executionRoleArn"))),
    Mutation("drop-task-role", "task-definition", "removes taskRoleArn: the application's own AWS calls are denied", "a taskRoleArn", _single(_drop_field("taskRoleArn"))),
    Mutation("static-host-port", "task-definition", "sets hostPort = containerPort where it was 0 or absent (bridge mode): one task per instance, stuck rolling deployments", "a dynamic hostPort in bridge mode", _single(_static_host_port)),
    Mutation("shrink-memory-limit", "task-definition", "cuts task memory and container memory (hard limits) to a quarter: OOM kills", "a task or container memory limit", _single(_shrink_memory_limit)),
    Mutation("shrink-memory-reservation", "task-definition", "cuts container memoryReservation to a quarter: placement over-packs instances", "a container memoryReservation", _single(_shrink_memory_reservation)),
    Mutation("shrink-cpu", "task-definition", "cuts task cpu and container cpu to a quarter", "a task or container cpu", _single(_shrink_cpu)),
    Mutation("drop-health-check", "task-definition", "removes every container healthCheck: a hung container looks healthy", "a container healthCheck", _single(_drop_container_field("healthCheck"))),
    Mutation("drop-environment", "task-definition", "removes every container's environment and secrets", "container environment or secrets", _single(_drop_container_field("environment", "secrets"))),
    Mutation("remove-ecr-actions", "iam-role", "removes ECR actions from every inline statement; a managed policy granting ECR pulls becomes an inline copy without them: the role cannot pull", "an ECR action or a managed policy granting ECR pulls", _single(_remove_ecr_actions)),
    Mutation("drop-managed-policy", "iam-role", "drops one ManagedPolicyArns entry (one variant per policy)", "a managed policy", _drop_each_managed_policy),
    Mutation("drop-inline-policy", "iam-role", "drops one inline policy (one variant per policy)", "an inline policy", _drop_each_inline_policy),
    Mutation("widen-to-star", "iam-role", 'widens every inline Allow to Action "*" on Resource "*" (or adds such a policy): least privilege is gone', "nothing (always applies)", _single(_widen_to_star)),
    Mutation("widen-service-prefix", "iam-role", "widens each specific action to its whole service (s3:GetObject → s3:*)", "an inline Allow naming a specific action", _single(_widen_service_prefix)),
    Mutation("wrong-trust-principal", "iam-role", "points the trust policy at the other ECS identity (ecs-tasks ↔ ec2): nobody who needs the role can assume it", "a service principal in the trust policy", _single(_wrong_trust_principal)),
    Mutation("lower-desired-count", "service", "lowers desiredCount by one", "a desiredCount of 1 or more", _single(_lower_desired_count)),
    Mutation("drop-load-balancers", "service", "removes loadBalancers (and the health-check grace period): tasks never join the target group", "loadBalancers", _single(_drop_load_balancers)),
    Mutation("no-deployment-headroom", "service", "sets deploymentConfiguration minimumHealthyPercent 100 and maximumPercent 100: a deployment cannot start or stop a task", "a deploymentConfiguration other than 100/100", _single(_no_deployment_headroom)),
    Mutation("drop-placement", "service", "removes placementStrategy and placementConstraints: no spread, no binpack, no memberOf", "a placementStrategy or placementConstraints", _single(_drop_placement)),
    Mutation("daemon-to-replica", "service", "turns a DAEMON service into a REPLICA service of one task with distinctInstance: the count no longer follows the instances", "schedulingStrategy DAEMON", _single(_daemon_to_replica)),
    Mutation("drop-service-connect", "service", "removes serviceConnectConfiguration: the service's tasks get no Service Connect proxy, so its clients fall back to DNS (and its own calls too)", "a serviceConnectConfiguration", _single(_drop_service_connect)),
    Mutation("no-rollback", "service", "turns off the circuit breaker's rollback: a failed deployment stays failed instead of returning to the last completed one", "a deploymentCircuitBreaker with rollback", _single(_no_rollback)),
    Mutation("no-alarm-rollback", "service", "turns off the deployment alarms' rollback: a deployment an alarm failed keeps its traffic instead of returning to the last completed one", "deployment alarms with rollback", _single(_no_alarm_rollback)),
    Mutation("disable-deployment-alarms", "service", "sets deploymentConfiguration.alarms enable false: no alarm fails the deployment", "enabled deployment alarms", _single(_disable_deployment_alarms)),
    Mutation("drop-test-listener-rule", "service", "removes advancedConfiguration.testListenerRule: test requests keep reaching the old revision during a blue/green deployment", "a testListenerRule", _single(_drop_test_listener_rule)),
    Mutation("drop-lifecycle-hooks", "service", "removes deploymentConfiguration.lifecycleHooks: no Lambda function checks the new revision before production moves", "lifecycle hooks", _single(_drop_lifecycle_hooks)),
    Mutation("all-at-once", "service", "turns a LINEAR or CANARY deployment into BLUE_GREEN: production traffic moves all at once", "strategy LINEAR or CANARY", _single(_all_at_once)),
    Mutation("codedeploy-all-at-once", "deployment-group", "turns a canary or linear deployment configuration into CodeDeployDefault.ECSAllAtOnce: production traffic moves all at once", "a canary or linear DeploymentConfigName", _single(_codedeploy_all_at_once)),
    Mutation("codedeploy-no-alarm-rollback", "deployment-group", "drops DEPLOYMENT_STOP_ON_ALARM from the automatic rollback: an alarm stops the deployment but traffic stays where it is", "automatic rollback on DEPLOYMENT_STOP_ON_ALARM", _single(_codedeploy_no_alarm_rollback)),
    Mutation("codedeploy-disable-alarms", "deployment-group", "sets AlarmConfiguration Enabled false: no alarm stops the deployment", "an enabled AlarmConfiguration", _single(_codedeploy_disable_alarms)),
    Mutation("drop-appspec-hooks", "appspec", "removes the AppSpec's Hooks: no Lambda function tests the replacement task set before or after traffic moves", "a Hooks entry", _single(_drop_hooks)),
    Mutation("open-ingress-to-world", "security-group", 'adds an ingress rule for every port from 0.0.0.0/0 (IpProtocol "-1")', "nothing (always applies)", _single(_open_ingress)),
    Mutation("drop-ingress", "security-group", "removes every SecurityGroupIngress rule: nothing reaches the tasks", "an ingress rule", _single(_drop_ingress)),
    Mutation("short-deregistration-delay", "target-group", f"sets deregistration_delay.timeout_seconds to {_SHORT_DELAY_S}: requests in flight are cut when a task drains", f"a deregistration delay above {_SHORT_DELAY_S} s", _single(_short_deregistration_delay)),
    Mutation("wrong-health-check-path", "target-group", "points HealthCheckPath at a path the app does not serve: every target turns unhealthy", "an HTTP or HTTPS health check", _single(_wrong_health_check_path)),
    Mutation("reverse-rule-priorities", "load-balancer", "reverses the order of each listener's rule priorities: a catch-all rule shadows the specific ones", "two or more rules on a listener", _single(_reverse_rule_priorities)),
    Mutation("drop-listener-rules", "load-balancer", "removes every listener rule: all requests take the default action", "a listener rule", _single(_drop_listener_rules)),
    Mutation("internal-scheme", "load-balancer", "makes an internet-facing load balancer internal: its DNS name resolves to private addresses only", "Scheme internet-facing (the default)", _single(_internal_scheme)),
    Mutation("pin-capacity", "scalable-target", "sets MaxCapacity to MinCapacity: the service cannot scale out", "a MaxCapacity above MinCapacity", _single(_pin_capacity)),
    Mutation("raise-target-value", "scaling-policy", f"doubles a target-tracking TargetValue (utilization capped at {_MAX_UTILIZATION_TARGET:g}): scale-out comes late", "a target-tracking policy", _single(_raise_target_value)),
    Mutation("disable-scale-in", "scaling-policy", "sets DisableScaleIn on a target-tracking policy: capacity never comes back down", "a target-tracking policy that scales in", _single(_disable_scale_in)),
    Mutation("pin-group-size", "auto-scaling-group", "sets MaxSize to MinSize: the cluster cannot grow", "a MaxSize above MinSize", _single(_pin_group_size)),
    Mutation("single-az", "auto-scaling-group", "keeps only the first of AvailabilityZones: one zone's outage takes every instance", "two or more AvailabilityZones", _single(_single_az)),
    Mutation("disable-managed-scaling", "capacity-provider", "sets managedScaling status DISABLED: ECS no longer grows the group for pending tasks", "managedScaling that is not DISABLED", _single(_disable_managed_scaling)),
    Mutation("disable-managed-termination-protection", "capacity-provider", "sets managedTerminationProtection DISABLED: scale-in may terminate instances running tasks", "managedTerminationProtection ENABLED", _single(_disable_provider_setting("managedTerminationProtection", "DISABLED"))),
    Mutation("disable-managed-draining", "capacity-provider", "sets managedDraining DISABLED: instances are terminated without draining their tasks", "managedDraining not DISABLED (ENABLED by default)", _single(_disable_provider_setting("managedDraining", "ENABLED"))),
    Mutation("disable-trunking", "account-setting", "turns awsvpcTrunking off: instances keep their ENI limit, so few awsvpc tasks fit each", "awsvpcTrunking enabled", _single(_disable_trunking)),
    Mutation("disable-rule", "event-rule", "sets State DISABLED: the rule matches nothing, nobody is told", "State ENABLED", _single(_disable_rule)),
    Mutation("widen-to-detail-type", "event-rule", "cuts EventPattern down to its source and detail-type: every event of the type matches (steady states, every stopped task)", "a pattern narrower than its detail-type", _single(_widen_to_detail_type)),
    Mutation("drop-targets", "event-rule", "removes every target: the rule matches but sends events nowhere", "a target", _single(_drop_targets)),
    Mutation("copy-all-first", "dockerfile", "moves a COPY of the whole context (`COPY . .`) before the stage's first RUN: any code change misses the cache there and reinstalls the dependencies", "a `COPY . <dest>` after a RUN", _single(_copy_all_first)),
    Mutation("bloat-package-install", "dockerfile", "removes --no-install-recommends, --no-cache-dir and --no-cache: recommended packages and package caches stay in the image", "one of those flags", _single(_bloat_package_install)),
    Mutation("split-chained-run", "dockerfile", "splits the first single-line `RUN a && b` into one RUN per command: more layers, and a file removed in a later RUN still weighs in an earlier layer", "a single-line RUN with &&", _single(_split_chained_run)),
    Mutation("late-archive-cleanup", "dockerfile", "moves the `rm` of an archive (.tar.gz, .zip, ...) out of the RUN that downloaded and unpacked it into a RUN of its own: the archive still weighs in the earlier layer", "a single-line chained RUN that removes an archive", _single(_late_archive_cleanup)),
    Mutation("fat-base-image", "dockerfile", "swaps a slim or alpine base (python:3.12-slim, node:20-alpine, ...) for the full image of the same runtime: a bigger image that shares no layers with the slim images on the hosts", "a FROM of a slim or alpine catalogue image", _single(_fat_base_image)),
    Mutation("drop-ecs-cluster", "agent-config", "removes ECS_CLUSTER from ecs.config: the agent registers the group's instances with the cluster named default", "an ECS_CLUSTER line", _single(_drop_ecs_cluster)),
)
"""Every standard mutation, grouped by file kind; the order is the report's order."""


# --------------------------------------------------------------------------------------------
# Running them


def _raw(f: ConfigFile) -> Any:
    """The plain data a parsed file was read from.

    An ``agent-config`` file written as ``KEY=value`` text comes back as the mapping of its
    settings (the last line of a repeated key wins, as for the agent), which the agent-config
    parser also accepts: mutations work on mappings.
    """
    assert f.document is not None
    data = f.document.get(f.path) if f.path else f.document.data
    if f.kind == "agent-config" and not isinstance(data, dict):
        return dict(f.model.values)
    if f.kind == "dockerfile":
        return {"text": f.document.text}
    return data


def _reparse(name: str, kind: str, data: dict[str, Any], mutation: str) -> ConfigFile:
    """Parse mutated data as the learner file ``name`` (refusals collected).

    Raises:
        SourceErrors: AWS refuses its shape or a rule it enforces at parse time.
    """
    if kind == "dockerfile":
        text = str(data["text"])
        return parse_config_file(Document(f"{name} (mutated by {mutation})", text, text), (), name, kind, collect_refusals=True)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    doc = load_text(text, f"{name} (mutated by {mutation})")
    return parse_config_file(doc, (), name, kind, collect_refusals=True)


def _refusals(loaded: LoadedScenario, files: dict[str, ConfigFile]) -> list[str]:
    """Every refusal among the files in force (own and cross-file), as messages."""
    in_force = check_files(loaded, {**loaded.files, **files}, collect_refusals=True)
    return [d.message for f in in_force.values() for d in f.all_refusals]


def mutate(loaded: LoadedScenario) -> list[MutationResult]:
    """Apply every standard mutation that fits to the solution, grade each, classify it.

    Args:
        loaded: a scenario whose solution passes.

    Returns:
        One result per (file, mutation, variant), in the order described in the module
        docstring; a mutation with nothing to change in a file gives one ``not-applicable``.

    Raises:
        UsageError: the unmutated solution does not pass, so nothing can be learnt.
    """
    baseline = grade(loaded, loaded.solution, label="solution")
    if not baseline.passed:
        failed = ", ".join(c.id for c in baseline.worst() if c.required and not c.passed)
        raise UsageError(f"{loaded.document.file}: the solution fails {failed}; fix it first (lab validate {loaded.document.file})")
    harmless = loaded.scenario.mutations.harmless
    known = {m.name for m in MUTATIONS}
    for listed in harmless:
        if listed not in known:
            raise loaded.document.error(
                ("mutations", "harmless", listed), f"unknown mutation '{listed}' (known: {', '.join(sorted(known))})", key=True
            )
    in_force = {**loaded.files, **loaded.solution}
    known_refusals = set(_refusals(loaded, loaded.solution))
    results: list[MutationResult] = []
    for name, spec in loaded.scenario.files.items():
        if spec.readonly:
            continue  # graded as the scenario gives it, whatever a learner writes
        current = in_force[name]
        data = _raw(current)
        fitting = [m for m in MUTATIONS if m.kind == spec.kind]
        if not fitting:
            results.append(MutationResult("(none)", name, "not-applicable", f"no standard mutations for {spec.kind} files yet"))
        for mutation in fitting:
            variants = list(mutation.variants(data)) if isinstance(data, dict) else []
            if not variants:
                results.append(MutationResult(mutation.name, name, "not-applicable", f"nothing to change: needs {mutation.needs}"))
            for change, mutated in variants:
                result = _judge(loaded, name, current, mutation.name, change, mutated, known_refusals)
                if result.status == "survived" and mutation.name in harmless:
                    result = MutationResult(mutation.name, name, "harmless", change, message=harmless[mutation.name])
                results.append(result)
    return results


def _judge(
    loaded: LoadedScenario, name: str, current: ConfigFile, mutation: str, change: str, data: dict[str, Any], known_refusals: set[str]
) -> MutationResult:
    """Grade one mutated file in place of the solution's (or starting) version."""
    try:
        mutated = _reparse(name, current.kind, data, mutation)
    except SourceErrors as exc:
        return MutationResult(mutation, name, "refused", change, message=exc.diagnostics[0].message)
    except SourceError as exc:
        return MutationResult(mutation, name, "refused", change, message=exc.message)
    if mutated.model == current.model:
        return MutationResult(mutation, name, "not-applicable", f"{change}: no effect once parsed")
    answer = {**loaded.solution, name: mutated}
    new_refusals = [m for m in _refusals(loaded, answer) if m not in known_refusals]
    if new_refusals:
        return MutationResult(mutation, name, "refused", change, message=new_refusals[0])
    try:
        report = grade(loaded, answer, label=f"solution with {mutation} on {name}")
    except LabError as exc:
        return MutationResult(mutation, name, "refused", change, message=str(exc).splitlines()[0])
    worst = report.worst()
    required = tuple(c.id for c in worst if c.required and not c.passed)
    optional = [c.id for c in worst if not c.required and not c.passed]
    if not report.passed:
        first = next(c for c in worst if c.required and not c.passed)
        return MutationResult(mutation, name, "caught", change, required, first.message)
    note = f"only optional checks fail: {', '.join(optional)}" if optional else ""
    return MutationResult(mutation, name, "survived", change, message=note)


def format_mutation_report(loaded: LoadedScenario, results: list[MutationResult]) -> str:
    """The report ``lab validate --mutate`` prints: one line per mutation, then a summary.

    Args:
        loaded: the scenario mutated.
        results: what ``mutate`` returned for it.
    """
    scenario = loaded.scenario
    seeds = ", ".join(map(str, scenario.run.seeds))
    lines = [f"{printable(str(loaded.document.file))}: {len(results)} standard mutations tried on the solution of {scenario.id}, graded on seeds {seeds}"]
    file_width = max((len(r.file) for r in results), default=0)
    name_width = max((len(r.mutation) for r in results), default=0)
    for r in results:
        if r.status == "caught":
            outcome = f"caught by {', '.join(r.failed_checks)}"
        elif r.status == "refused":
            outcome = f"refused by AWS, counted as caught: {r.message}"
        elif r.status == "harmless":
            outcome = f"survived, harmless here: {r.message}"
        elif r.status == "survived":
            outcome = "SURVIVED: no required check fails" + (f" ({r.message})" if r.message else "")
        else:
            outcome = ""
        detail = f"{r.change} — {outcome}" if outcome else r.change
        lines.append(f"  {r.status:<14}  {r.file:<{file_width}}  {r.mutation:<{name_width}}  {detail}")
    counts = {status: sum(r.status == status for r in results) for status in ("caught", "refused", "survived", "harmless", "not-applicable")}
    lines.append(
        f"{counts['caught']} caught, {counts['refused']} refused by AWS (counted as caught), "
        f"{counts['survived']} survived, {counts['harmless']} harmless, {counts['not-applicable']} not applicable"
    )
    survivors = [r for r in results if r.status == "survived"]
    if survivors:
        names = ", ".join(f"{r.mutation} ({r.file})" for r in survivors)
        if len(survivors) == 1:
            advice = "still passes: add a check that fails it, or make sure it is harmless"
        else:
            advice = "still pass: add checks that fail them, or make sure each is harmless"
        lines.append(f"weak grader? {names} {advice} in this scenario (then list it under mutations.harmless, with the reason)")
    return "\n".join(lines) + "\n"
