"""Plausible wrong answers to the shipped scenarios fail, on the check that names their mistake.

Each case edits a scenario's starting files the way a learner might (lower the desired
count, widen the instance role, grant ``*``, open a port range to the internet...), grades
the result on one seed with the grader's Python API, and asserts that the run fails, which
check fails, and that the check's message names the cause.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from lab.config.security_group import security_group_id
from lab.errors import SourceErrors
from lab.grading.grader import grade
from lab.grading.report import CheckResult
from lab.scenario.loader import LoadedScenario, load_scenario
from lab.scenario.simdoc import ConfigFile, build_world, file_document, parse_config_file
from lab.scenario.workspace import read_answer, starting_text, write_start
from lab.sim.events import ServiceDeploymentStateChanged, ServiceEvent, TaskStateChanged
from lab.yaml_source import load_text

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@functools.cache
def scenario(scenario_id: str) -> LoadedScenario:
    return load_scenario(SCENARIOS / f"{scenario_id}.yaml")


def edited(loaded: LoadedScenario, name: str, *replacements: tuple[str, str]) -> str:
    """A starting file with each ``old`` text replaced by ``new`` (each must occur once)."""
    text = starting_text(loaded, name)
    for old, new in replacements:
        assert text.count(old) == 1, f"{name}: {old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def answer(loaded: LoadedScenario, files: dict[str, str]) -> dict[str, ConfigFile]:
    """Parse an answer as ``lab grade --answer`` would (refusals collected, not raised)."""
    return {
        name: parse_config_file(
            file_document(text, name, loaded.scenario.files[name].kind), (), name, loaded.scenario.files[name].kind, collect_refusals=True
        )
        for name, text in files.items()
    }


def failing(scenario_id: str, files: dict[str, str]) -> dict[str, CheckResult]:
    """Grade an answer on the scenario's first seed; return the failed checks by id."""
    loaded = scenario(scenario_id)
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds[:1], label="wrong answer")
    (seed,) = report.seeds
    assert not seed.passed, "a wrong answer passed every required check"
    return {c.id: c for c in seed.checks if not c.passed}


def role_with(name: str, principal: str, statement: str, managed: str = "") -> str:
    """An iam-role file trusting ``principal`` with one inline statement (flow-style YAML)."""
    return (
        f"RoleName: {name}\n"
        "AssumeRolePolicyDocument:\n"
        '  Version: "2012-10-17"\n'
        f"  Statement: [{{Effect: Allow, Principal: {{Service: {principal}}}, Action: sts:AssumeRole}}]\n"
        + (f"ManagedPolicyArns: [{managed}]\n" if managed else "")
        + "Policies:\n"
        "  - PolicyName: added\n"
        "    PolicyDocument:\n"
        '      Version: "2012-10-17"\n'
        f"      Statement: [{statement}]\n"
    )


EC2_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


# -- host-port-conflict ----------------------------------------------------------------------


def test_host_port_conflict_lowering_desired_count_fails() -> None:
    """Running 2 tasks on 2 instances hides the conflict; the capacity asked for is 4."""
    loaded = scenario("host-port-conflict")
    failed = failing("host-port-conflict", {"service.yaml": edited(loaded, "service.yaml", ("desiredCount: 4", "desiredCount: 2"))})
    assert "desiredCount is 2, expected 4" in failed["desired-four"].message
    assert "2 of 4 tasks running" in failed["four-running"].message


@pytest.mark.parametrize(
    "replacements",
    [
        [("hostPort: 80,", "hostPort: 8080,")],
        [("networkMode: bridge", "networkMode: host"), ("hostPort: 80, ", "")],
    ],
    ids=["another-static-port", "host-network-mode"],
)
def test_host_port_conflict_other_fixed_ports_still_conflict(replacements: list[tuple[str, str]]) -> None:
    """Another static port, or host networking, still allows one task per instance."""
    loaded = scenario("host-port-conflict")
    failed = failing("host-port-conflict", {"task-definition.yaml": edited(loaded, "task-definition.yaml", *replacements)})
    assert "is already using a port required by your" in failed["no-port-conflict"].message
    assert "RESOURCE:PORTS" in failed["four-running"].message
    assert "2 healthy targets" in failed["four-healthy"].message


# -- fargate-no-execution-role ------------------------------------------------------------------

EXECUTION_ROLE_ARN = "arn:aws:iam::123456789012:role/billingApiTaskExecutionRole"


def _fargate_definition(field: str) -> str:
    loaded = scenario("fargate-no-execution-role")
    return edited(loaded, "task-definition.yaml", ('memory: "512"\n', f'memory: "512"\n{field}: {EXECUTION_ROLE_ARN}\n'))


def test_fargate_task_role_instead_of_execution_role_is_still_refused() -> None:
    """taskRoleArn is for the app: registration still wants an execution role for the ECR image."""
    policy = "{Effect: Allow, Action: [ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer], Resource: '*'}"
    failed = failing(
        "fargate-no-execution-role",
        {
            "task-definition.yaml": _fargate_definition("taskRoleArn"),
            "execution-role.yaml": role_with("billingApiTaskExecutionRole", "ecs-tasks.amazonaws.com", policy),
        },
    )
    assert "Fargate requires task definition to have execution role ARN to support ECR images." in failed["registers"].message
    assert "0 of 2 tasks running" in failed["two-running"].message


def test_fargate_execution_role_without_permissions_fails_at_run_time() -> None:
    """Naming the empty role gets the task definition registered, then every task fails to fetch ECR auth."""
    failed = failing("fargate-no-execution-role", {"task-definition.yaml": _fargate_definition("executionRoleArn")})
    assert "ResourceInitializationError: unable to pull secrets or registry auth" in failed["image-pulled"].message
    assert "registers" not in failed


@pytest.mark.parametrize(
    ("statement", "managed", "expected"),
    [
        ("{Effect: Allow, Action: '*', Resource: '*'}", "", "allows * on *"),
        ("{Effect: Allow, Action: 'ecr:*', Resource: '*'}", EXECUTION_POLICY, "grants a wildcard"),
    ],
    ids=["star", "ecr-star"],
)
def test_fargate_execution_role_with_a_wildcard_fails_least_privilege(statement: str, managed: str, expected: str) -> None:
    """The tasks run, but the role grants far more than pulling needs."""
    failed = failing(
        "fargate-no-execution-role",
        {
            "task-definition.yaml": _fargate_definition("executionRoleArn"),
            "execution-role.yaml": role_with("billingApiTaskExecutionRole", "ecs-tasks.amazonaws.com", statement, managed),
        },
    )
    assert set(failed) == {"least-privilege"}
    assert expected in failed["least-privilege"].message


# -- task-role-s3 -------------------------------------------------------------------------------

TASK_ROLE_ARN = "taskRoleArn: arn:aws:iam::123456789012:role/reportsTaskRole\n"


def _reports_with_task_role() -> str:
    loaded = scenario("task-role-s3")
    return edited(loaded, "task-definition.yaml", ("requiresCompatibilities: [EC2]\n", "requiresCompatibilities: [EC2]\n" + TASK_ROLE_ARN))


@pytest.mark.parametrize(
    "statement",
    [
        "{Effect: Allow, Action: 's3:*', Resource: '*'}",
        "{Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::acme-reports-config/reports/*'}",
    ],
    ids=["s3-star", "scoped"],
)
def test_task_role_s3_widening_the_instance_role_fails(statement: str) -> None:
    """The app works through the instance's credentials, but every task on the host gets S3 access."""
    failed = failing("task-role-s3", {"instance-role.yaml": role_with("ecsInstanceRole", "ec2.amazonaws.com", statement, EC2_ROLE_POLICY)})
    assert set(failed) == {"instance-role-untouched", "uses-task-role", "task-role-reads-config"}
    assert "instance-role.yaml allows s3:GetObject" in failed["instance-role-untouched"].message
    assert "taskRoleArn is not set" in failed["uses-task-role"].message


@pytest.mark.parametrize(
    ("statement", "check", "expected"),
    [
        ("{Effect: Allow, Action: 's3:*', Resource: '*'}", "task-role-no-wildcard", "grants a wildcard"),
        ("{Effect: Allow, Action: '*', Resource: '*'}", "task-role-no-wildcard", "allows * on *"),
        ("{Effect: Allow, Action: 's3:*', Resource: 'arn:aws:s3:::acme-reports-config/*'}", "task-role-read-only", "allows s3:PutObject"),
    ],
    ids=["s3-star-everywhere", "star", "s3-star-on-the-bucket"],
)
def test_task_role_s3_broad_task_role_fails_least_privilege(statement: str, check: str, expected: str) -> None:
    """A task role that works but grants writes, other buckets or everything fails least privilege."""
    failed = failing(
        "task-role-s3",
        {"task-definition.yaml": _reports_with_task_role(), "task-role.yaml": role_with("reportsTaskRole", "ecs-tasks.amazonaws.com", statement)},
    )
    assert "two-running" not in failed
    assert expected in failed[check].message


def test_task_role_s3_naming_the_empty_task_role_is_denied() -> None:
    """taskRoleArn alone: the app now calls S3 as reportsTaskRole, which allows nothing."""
    failed = failing("task-role-s3", {"task-definition.yaml": _reports_with_task_role()})
    message = failed["no-access-denied"].message
    assert "AccessDenied" in message and "assumed-role/reportsTaskRole/" in message


# -- sg-blocks-alb --------------------------------------------------------------------------------


def _instance_sg(rule: str) -> str:
    loaded = scenario("sg-blocks-alb")
    old = "  - {IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupName: web-alb, Description: web from the ALB}\n"
    return edited(loaded, "instance-sg.yaml", (old, f"  - {rule}\n"))


@pytest.mark.parametrize(
    "rule",
    ['{IpProtocol: "-1", CidrIp: 0.0.0.0/0}', "{IpProtocol: tcp, FromPort: 32768, ToPort: 65535, CidrIp: 0.0.0.0/0}"],
    ids=["all-traffic", "ephemeral-range"],
)
def test_sg_blocks_alb_opening_the_instances_to_the_internet_fails(rule: str) -> None:
    """Health checks pass (the ALB's address is in 0.0.0.0/0), but the containers are exposed."""
    failed = failing("sg-blocks-alb", {"instance-sg.yaml": _instance_sg(rule)})
    # The range rule does not come from the ALB's group either: that check fails too.
    assert set(failed) == {"not-open-to-internet", "alb-reaches-dynamic-ports"}
    assert "0.0.0.0/0" in failed["not-open-to-internet"].message


@pytest.mark.parametrize(
    "rule",
    [
        "{IpProtocol: tcp, FromPort: 32768, ToPort: 32769, SourceSecurityGroupName: web-alb}",
        "{IpProtocol: tcp, FromPort: 32768, ToPort: 60998, SourceSecurityGroupName: web-alb}",
        "{IpProtocol: tcp, FromPort: 49153, ToPort: 65535, SourceSecurityGroupName: web-alb}",
    ],
    ids=["only-the-ports-in-use", "one-short", "docker-default-range-only"],
)
def test_sg_blocks_alb_opening_part_of_the_dynamic_range_fails(rule: str) -> None:
    """The simulated agent gives these 4 tasks ports 32768-32769, so the run alone is healthy;
    but a task may get any port of the agent's range, 32768-60999 (§2.3): the rule must cover it."""
    failed = failing("sg-blocks-alb", {"instance-sg.yaml": _instance_sg(rule)})
    assert "alb-reaches-dynamic-ports" in failed
    assert "SecurityGroupIngress" in failed["alb-reaches-dynamic-ports"].message


@pytest.mark.parametrize(
    "rule",
    [
        "{IpProtocol: tcp, FromPort: 32768, ToPort: 60999, SourceSecurityGroupName: web-alb}",
        "{SourceSecurityGroupName: web-alb, ToPort: 65535, FromPort: 1024, IpProtocol: '6'}",
        "{IpProtocol: '-1', SourceSecurityGroupName: web-alb}",
        "{IpProtocol: '-1', SourceSecurityGroupId: sg-347a704d30ce5dc1c}",
    ],
    ids=["agent-range", "keys-in-another-order", "all-traffic-as-aws-walkthrough", "by-group-id"],
)
def test_sg_blocks_alb_right_answers_other_than_the_solution_pass(rule: str) -> None:
    """The range check accepts every rule that covers the range from the ALB's group (§6.2)."""
    loaded = scenario("sg-blocks-alb")
    report = grade(loaded, answer(loaded, {"instance-sg.yaml": _instance_sg(rule)}), seeds=loaded.scenario.run.seeds[:1], label="right answer")
    assert report.passed, [c.message for c in report.seeds[0].checks if not c.passed]


def test_sg_blocks_alb_two_rules_that_together_cover_the_range_pass() -> None:
    """Security group rules add up (ingress-allows judges the rules together), so the range may be split."""
    loaded = scenario("sg-blocks-alb")
    rules = (
        "{IpProtocol: tcp, FromPort: 32768, ToPort: 40000, SourceSecurityGroupName: web-alb}\n"
        f"  - {{IpProtocol: tcp, FromPort: 40001, ToPort: 60999, SourceSecurityGroupId: {security_group_id('web-alb')}}}"
    )
    report = grade(loaded, answer(loaded, {"instance-sg.yaml": _instance_sg(rules)}), seeds=loaded.scenario.run.seeds[:1], label="split range")
    assert report.passed, [c.message for c in report.seeds[0].checks if not c.passed]


def test_sg_blocks_alb_opening_the_container_port_does_not_reach_dynamic_ports() -> None:
    """8080 is the container port; the targets are registered on ephemeral host ports."""
    failed = failing("sg-blocks-alb", {"instance-sg.yaml": _instance_sg("{IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupName: web-alb}")})
    assert "targets were unhealthy: Request timed out" in failed["four-healthy"].message
    assert "(port 32768) is unhealthy in (target-group" in failed["no-unhealthy-target"].message


def test_sg_blocks_alb_going_back_to_host_port_80_cannot_place_four_tasks() -> None:
    """Port 80 is open to the ALB, but a static port fits one task per instance."""
    loaded = scenario("sg-blocks-alb")
    failed = failing("sg-blocks-alb", {"task-definition.yaml": edited(loaded, "task-definition.yaml", ("hostPort: 0", "hostPort: 80"))})
    assert "RESOURCE:PORTS" in failed["four-running"].message
    assert "2 healthy targets" in failed["four-healthy"].message


# -- short-deregistration-delay -------------------------------------------------------------------


def _delay(seconds: str) -> str:
    loaded = scenario("short-deregistration-delay")
    return edited(loaded, "target-group.yaml", ('Value: "5"', f'Value: "{seconds}"'))


def test_short_deregistration_delay_still_shorter_than_the_requests_fails() -> None:
    """30 s is longer than before but still cuts the 60 s downloads."""
    failed = failing("short-deregistration-delay", {"target-group.yaml": _delay("30")})
    assert set(failed) == {"no-broken-downloads"}
    assert "requests failed in exports between 60 s and 540 s" in failed["no-broken-downloads"].message


def test_short_deregistration_delay_of_an_hour_never_finishes_the_deploy() -> None:
    """No download breaks, but every deploy now waits up to an hour for the old tasks."""
    failed = failing("short-deregistration-delay", {"target-group.yaml": _delay("3600")})
    assert set(failed) == {"deploy-finishes"}
    assert "no deployment of exports completed between 60 s and 480 s" in failed["deploy-finishes"].message


def test_short_deregistration_delay_longer_stop_timeout_alone_does_not_help() -> None:
    """stopTimeout acts after the target has drained: the requests were already cut."""
    loaded = scenario("short-deregistration-delay")
    definition = edited(loaded, "task-definition.yaml", ("essential: true\n", "essential: true\n    stopTimeout: 120\n"))
    failed = failing("short-deregistration-delay", {"task-definition.yaml": definition})
    assert "no-broken-downloads" in failed


# -- log-agent-everywhere: a replica count does not follow the instances ------------------------

_SHIPPER = "serviceName: log-shipper\ntaskDefinition: log-shipper\nlaunchType: EC2\n"


@pytest.mark.parametrize(
    ("service", "check", "expected"),
    [
        # One per instance today, none on the instances that join later.
        ("desiredCount: 3\nplacementConstraints: [{type: distinctInstance}]\n", "one-per-instance", "was ACTIVE with no log-shipper task running at"),
        ("desiredCount: 3\nplacementStrategy: [{type: spread, field: instanceId}]\n", "one-per-instance", "was ACTIVE with no log-shipper task running at"),
        # The day's final count, placed as instances come: tasks wait unplaced until then.
        ("desiredCount: 6\nplacementConstraints: [{type: distinctInstance}]\n", "nothing-waits", "PlacementFailed event(s) matching 'service=log-shipper'"),
        # The final count spread today: two on each of the first hosts.
        ("desiredCount: 6\nplacementStrategy: [{type: spread, field: instanceId}]\n", "one-per-instance", "ran 2 log-shipper tasks at 120 s"),
    ],
)
def test_log_agent_a_replica_count_is_not_one_per_instance(service: str, check: str, expected: str) -> None:
    failed = failing("log-agent-everywhere", {"service.yaml": _SHIPPER + service})
    assert check in failed
    assert expected in failed[check].message


# -- eni-exhaustion: an m5.large has ENIs for 2 awsvpc tasks ----------------------------------


def test_eni_exhaustion_raising_desired_count_places_no_more_tasks() -> None:
    """Asking for 8 leaves 4 unplaced instead of 2: the ENIs are still the limit."""
    loaded = scenario("eni-exhaustion")
    failed = failing("eni-exhaustion", {"service.yaml": edited(loaded, "service.yaml", ("desiredCount: 6", "desiredCount: 8"))})
    assert "desiredCount is 8, expected 6" in failed["desired-six"].message
    assert "RESOURCE:ENI" in failed["six-running"].message


def test_eni_exhaustion_adding_memory_does_not_add_enis() -> None:
    """A hard memory limit (or more reservation) changes nothing: memory was never short."""
    loaded = scenario("eni-exhaustion")
    definition = edited(loaded, "task-definition.yaml", ("memoryReservation: 512", "memoryReservation: 1024\n    memory: 2048"))
    failed = failing("eni-exhaustion", {"task-definition.yaml": definition})
    assert "dropped to 4 running tasks" in failed["six-running"].message
    assert "RESOURCE:ENI" in failed["six-running"].message


def test_eni_exhaustion_bridge_mode_with_the_awsvpc_configuration_is_refused() -> None:
    """ECS refuses to update a service that keeps its awsvpcConfiguration to a bridge revision."""
    loaded = scenario("eni-exhaustion")
    definition = edited(loaded, "task-definition.yaml", ("networkMode: awsvpc", "networkMode: bridge"), ("containerPort: 8080,", "containerPort: 8080, hostPort: 0,"))
    loaded_answer = answer(loaded, {"task-definition.yaml": definition})
    report = grade(loaded, loaded_answer, seeds=loaded.scenario.run.seeds[:1], label="wrong answer")
    messages = [d.message for d in report.apply_errors]
    assert any("Network Configuration is not valid for the given networkMode" in m for m in messages), messages
    failed = failing("eni-exhaustion", {"task-definition.yaml": definition})
    assert "dropped to 4 running tasks" in failed["six-running"].message
    assert "4 healthy targets" in failed["six-healthy"].message


def test_eni_exhaustion_opening_the_task_security_group_to_the_internet_fails() -> None:
    """The security group was never the problem: still 4 tasks, and now the ENIs are exposed."""
    loaded = scenario("eni-exhaustion")
    sg = edited(loaded, "task-sg.yaml", ("SourceSecurityGroupName: orders-alb", "CidrIp: 0.0.0.0/0"))
    failed = failing("eni-exhaustion", {"task-sg.yaml": sg})
    assert "0.0.0.0/0" in failed["tasks-not-open-to-internet"].message
    assert "RESOURCE:ENI" in failed["six-running"].message


def test_eni_exhaustion_trunking_with_an_open_security_group_still_fails() -> None:
    """Trunking places all 6, but the guard on the security group still holds."""
    loaded = scenario("eni-exhaustion")
    failed = failing(
        "eni-exhaustion",
        {
            "account-setting.yaml": "name: awsvpcTrunking\nvalue: enabled\n",
            "task-sg.yaml": edited(loaded, "task-sg.yaml", ("SourceSecurityGroupName: orders-alb", "CidrIp: 0.0.0.0/0")),
        },
    )
    assert set(failed) == {"tasks-not-open-to-internet"}


# -- deployment-without-headroom: 100 / 100 cannot take a step --------------------------------


def _checkout(minimum: int, maximum: int, desired: int = 4) -> str:
    loaded = scenario("deployment-without-headroom")
    return edited(
        loaded,
        "service.yaml",
        ("minimumHealthyPercent: 100", f"minimumHealthyPercent: {minimum}"),
        ("maximumPercent: 100", f"maximumPercent: {maximum}"),
        ("desiredCount: 4", f"desiredCount: {desired}"),
    )


@pytest.mark.parametrize(("minimum", "maximum", "lowest"), [(0, 100, 0), (0, 200, 0), (50, 100, 2), (50, 200, 2)])
def test_deployment_without_headroom_a_low_minimum_is_an_outage(minimum: int, maximum: int, lowest: int) -> None:
    """The rollout completes, but ECS stops half or all of the tasks at once: below the SLO."""
    failed = failing("deployment-without-headroom", {"service.yaml": _checkout(minimum, maximum)})
    assert "rollout-done" not in failed
    assert f"checkout had {lowest} healthy targets at" in failed["never-below-three"].message


def test_deployment_without_headroom_both_at_zero_is_refused() -> None:
    """A maximumPercent of 0 is refused: the update is a failed call and the deployment stays stuck."""
    loaded = scenario("deployment-without-headroom")
    files = {"service.yaml": _checkout(0, 0)}
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds[:1], label="wrong answer")
    assert any("maximumPercent" in d.message for d in report.apply_errors)
    failed = failing("deployment-without-headroom", files)
    assert "no deployment of checkout completed" in failed["rollout-done"].message


@pytest.mark.parametrize("desired", [5, 8])
def test_deployment_without_headroom_a_higher_desired_count_stays_stuck(desired: int) -> None:
    """Both bounds scale with desiredCount, so 100 / 100 still cannot take a step."""
    failed = failing("deployment-without-headroom", {"service.yaml": _checkout(100, 100, desired)})
    assert f"desiredCount is {desired}, expected 4" in failed["desired-four"].message
    assert "was unable to stop or start tasks during a deployment" in failed["rollout-done"].message


@pytest.mark.parametrize(("minimum", "maximum"), [(100, 125), (100, 200), (75, 100)])
def test_deployment_without_headroom_either_direction_within_the_slo_passes(minimum: int, maximum: int) -> None:
    """Starting one extra task first (there is room) or stopping one first are both right."""
    loaded = scenario("deployment-without-headroom")
    report = grade(loaded, answer(loaded, {"service.yaml": _checkout(minimum, maximum)}), seeds=loaded.scenario.run.seeds, label="right answer")
    assert all(seed.passed for seed in report.seeds)


def test_deployment_without_headroom_a_circuit_breaker_stays_stuck() -> None:
    """The breaker counts tasks that fail; a deployment that may start none never trips it."""
    loaded = scenario("deployment-without-headroom")
    anchor = "  maximumPercent: 100\n"
    service = edited(loaded, "service.yaml", (anchor, anchor + "  deploymentCircuitBreaker: {enable: true, rollback: true}\n"))
    failed = failing("deployment-without-headroom", {"service.yaml": service})
    assert set(failed) == {"rollout-done"}
    assert "was unable to stop or start tasks during a deployment" in failed["rollout-done"].message


# -- bad-image-rollback: only the circuit breaker with rollback brings the service back ------

_BREAKER_ANCHOR = "deploymentConfiguration:\n"


def _orders(*replacements: tuple[str, str], breaker: str | None = None) -> str:
    """The starting service file, edited, with a ``deploymentCircuitBreaker`` line if given."""
    extra = ((_BREAKER_ANCHOR, _BREAKER_ANCHOR + f"  deploymentCircuitBreaker: {breaker}\n"),) if breaker else ()
    return edited(scenario("bad-image-rollback"), "service.yaml", *extra, *replacements)


def test_bad_image_rollback_the_breaker_without_rollback_fails_the_release_and_stays_there() -> None:
    """enable alone marks the deployment FAILED and stops launching; nothing puts orders:1 back."""
    failed = failing("bad-image-rollback", {"service.yaml": _orders(breaker="{enable: true, rollback: false}")})
    assert set(failed) == {"back-on-working-revision"}
    assert "0 ServiceDeploymentStateChanged event(s) matching" in failed["back-on-working-revision"].message


def test_bad_image_rollback_rollback_without_enable_does_nothing() -> None:
    """With the breaker off, no deployment ever fails, so there is nothing to roll back from."""
    failed = failing("bad-image-rollback", {"service.yaml": _orders(breaker="{enable: false, rollback: true}")})
    assert {"release-stopped", "back-on-working-revision", "no-more-broken-tasks"} <= set(failed)
    assert "(orders:2)" in failed["no-more-broken-tasks"].message


def test_bad_image_rollback_a_breaker_without_its_rollback_field_is_bad_input() -> None:
    """The API requires both enable and rollback: the file is refused at its line, not run."""
    loaded = scenario("bad-image-rollback")
    with pytest.raises(SourceErrors, match=r"service.yaml:\d+:\d+: missing required key 'rollback'"):
        answer(loaded, {"service.yaml": _orders(breaker="{enable: true}")})


@pytest.mark.parametrize(
    "replacements",
    [
        # A human's rollback, in advance: the pipeline's UpdateService names the family, so its latest revision wins.
        [("taskDefinition: orders\n", "taskDefinition: orders:1\n")],
        # Deployment alarms roll back on an alarm, and no alarm watches a release whose tasks never start.
        [(_BREAKER_ANCHOR, _BREAKER_ANCHOR + "  alarms: {alarmNames: [orders-5xx], enable: true, rollback: true}\n")],
    ],
    ids=["pin-the-working-revision", "deployment-alarms"],
)
def test_bad_image_rollback_other_safety_nets_leave_the_release_in_progress(replacements: list[tuple[str, str]]) -> None:
    failed = failing("bad-image-rollback", {"service.yaml": _orders(*replacements)})
    assert {"release-stopped", "back-on-working-revision", "no-more-broken-tasks"} <= set(failed)


def test_bad_image_rollback_no_headroom_never_trips_the_breaker() -> None:
    """100 / 100 starts no task of the release, so nothing fails and nothing is counted."""
    service = _orders(("maximumPercent: 200", "maximumPercent: 100"), breaker="{enable: true, rollback: true}")
    failed = failing("bad-image-rollback", {"service.yaml": service})
    assert {"release-stopped", "back-on-working-revision"} <= set(failed)


@pytest.mark.parametrize(("minimum", "lowest"), [(0, 0), (50, 2)])
def test_bad_image_rollback_a_low_minimum_stops_working_tasks_for_a_release_that_cannot_start(minimum: int, lowest: int) -> None:
    """With room to stop old tasks first, ECS stops them for replacements that never come: below the SLO."""
    service = _orders(
        ("minimumHealthyPercent: 100", f"minimumHealthyPercent: {minimum}"),
        ("maximumPercent: 200", "maximumPercent: 100"),
        breaker="{enable: true, rollback: true}",
    )
    failed = failing("bad-image-rollback", {"service.yaml": service})
    assert "back-on-working-revision" not in failed, "the rollback itself works"
    assert f"orders had {lowest} healthy targets at" in failed["never-below-three"].message


@pytest.mark.parametrize("desired", [2, 3])
def test_bad_image_rollback_fewer_tasks_fail_the_slo(desired: int) -> None:
    failed = failing("bad-image-rollback", {"service.yaml": _orders(("desiredCount: 4", f"desiredCount: {desired}"), breaker="{enable: true, rollback: true}")})
    assert f"desiredCount is {desired}, expected 4" in failed["desired-four"].message
    assert "four-at-the-end" in failed


@pytest.mark.parametrize(
    "replacements",
    [
        [],
        [("maximumPercent: 200", "maximumPercent: 125")],
        [("minimumHealthyPercent: 100", "minimumHealthyPercent: 75"), ("maximumPercent: 200", "maximumPercent: 100")],
    ],
    ids=["start-first", "start-one-at-a-time", "stop-one-first"],
)
def test_bad_image_rollback_the_breaker_with_rollback_passes_within_the_slo(replacements: list[tuple[str, str]]) -> None:
    loaded = scenario("bad-image-rollback")
    files = {"service.yaml": _orders(*replacements, breaker="{enable: true, rollback: true}")}
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds, label="right answer")
    assert all(seed.passed for seed in report.seeds)


def test_bad_image_rollback_the_log_shows_one_failure_one_rollback_and_an_end() -> None:
    """On the solution: the release fails once, ECS rolls back once, the rollback completes, and nothing follows."""
    loaded = scenario("bad-image-rollback")
    files = answer(loaded, {"service.yaml": loaded.scenario.solution["service.yaml"]})
    world = build_world(loaded, seed=loaded.scenario.run.seeds[0], answer=files)
    world.run(until=loaded.scenario.run.duration)
    states = [(e.state, e.task_definition) for e in world.log.of_type(ServiceDeploymentStateChanged) if e.at >= 300]
    assert states == [
        ("SERVICE_DEPLOYMENT_IN_PROGRESS", "orders:2"),
        ("SERVICE_DEPLOYMENT_FAILED", "orders:2"),
        ("SERVICE_DEPLOYMENT_IN_PROGRESS", "orders:1"),
        ("SERVICE_DEPLOYMENT_COMPLETED", "orders:1"),
    ]
    kinds = [e.kind for e in world.log.of_type(ServiceEvent) if e.at >= 300]
    assert kinds.count("deployment-failed") == 1 and kinds.count("rolling-back") == 1
    failed_at = next(e.at for e in world.log.of_type(ServiceDeploymentStateChanged) if e.state == "SERVICE_DEPLOYMENT_FAILED")
    release = [e for e in world.log.of_type(TaskStateChanged) if e.task_definition == "orders:2"]
    failed_starts = [e for e in release if e.last_status == "STOPPED" and e.stop_code == "TaskFailedToStart"]
    assert len(failed_starts) >= 3 and all("CannotPullContainerError" in e.stopped_reason for e in failed_starts)
    assert not [e for e in release if e.last_status == "PENDING" and e.desired_status == "RUNNING" and e.at > failed_at], "a FAILED deployment launches no more tasks"


def test_bad_image_rollback_editing_the_pipelines_task_definition_changes_nothing(tmp_path: Path) -> None:
    """The broken revision comes from the pipeline (the timeline); the task definition file is read-only."""
    loaded = scenario("bad-image-rollback")
    work = tmp_path / "work"
    write_start(loaded, work)
    text = (work / "task-definition.yaml").read_text(encoding="utf-8").replace("orders:2.3.0", "orders:2.4.0")
    (work / "task-definition.yaml").write_text(text, encoding="utf-8")
    files = read_answer(loaded, work)
    assert files["task-definition.yaml"].model == loaded.files["task-definition.yaml"].model
    report = grade(loaded, files, seeds=loaded.scenario.run.seeds[:1], label="wrong answer")
    assert not report.passed
    assert {"release-stopped", "back-on-working-revision"} <= {c.id for c in report.worst() if not c.passed}


# -- sidecar-takes-task-down: an essential sidecar's exit stops the task ---------------------

_SIDECAR_ANCHOR = "    memoryReservation: 64\n"


def _web_definition(*replacements: tuple[str, str], sidecar: str = "") -> str:
    """The starting task definition, edited, with extra lines appended to the sidecar's definition."""
    extra = ((_SIDECAR_ANCHOR, _SIDECAR_ANCHOR + sidecar),) if sidecar else ()
    return edited(scenario("sidecar-takes-task-down"), "task-definition.yaml", *extra, *replacements)


@pytest.mark.parametrize(
    "sidecar",
    [
        # The sidecar was not killed for memory: it exited with code 1.
        "    memory: 512\n",
        # A restart policy restarts only a container that ran restartAttemptPeriod (>= 60 s) first;
        # this one exits after 40 s, so real ECS would stop the task too (the lab does not simulate it).
        "    restartPolicy: {enabled: true, restartAttemptPeriod: 60}\n",
    ],
    ids=["more-memory", "restart-policy"],
)
def test_sidecar_still_essential_still_stops_the_task(sidecar: str) -> None:
    failed = failing("sidecar-takes-task-down", {"task-definition.yaml": _web_definition(sidecar=sidecar)})
    assert {"no-task-dies", "healthy-targets"} <= set(failed)
    assert "Essential container in task exited" in failed["no-task-dies"].message


def test_sidecar_marking_the_app_non_essential_leaves_the_sidecar_essential() -> None:
    """The wrong container: web is non-essential now, the exiting sidecar still is (by default)."""
    definition = _web_definition(("    memoryReservation: 512\n", "    memoryReservation: 512\n    essential: false\n"))
    failed = failing("sidecar-takes-task-down", {"task-definition.yaml": definition})
    assert "Essential container in task exited" in failed["no-task-dies"].message


def test_sidecar_no_essential_container_at_all_is_refused_and_nothing_changes() -> None:
    """AWS refuses a task definition without an essential container; the broken revision keeps running."""
    definition = _web_definition(
        ("    memoryReservation: 512\n", "    memoryReservation: 512\n    essential: false\n"),
        sidecar="    essential: false\n",
    )
    loaded = scenario("sidecar-takes-task-down")
    report = grade(loaded, answer(loaded, {"task-definition.yaml": definition}), seeds=loaded.scenario.run.seeds[:1], label="wrong answer")
    assert not report.passed
    assert any("doesn't have any essential container" in d.message for d in report.apply_errors)


def test_sidecar_more_tasks_die_the_same_way() -> None:
    service = edited(scenario("sidecar-takes-task-down"), "service.yaml", ("desiredCount: 3", "desiredCount: 6"))
    failed = failing("sidecar-takes-task-down", {"service.yaml": service})
    assert {"no-task-dies", "healthy-targets"} <= set(failed)


def test_sidecar_removing_it_is_not_the_fix() -> None:
    """The briefing keeps the sidecar: the outcome is fine without it, the guard fails."""
    loaded = scenario("sidecar-takes-task-down")
    text = starting_text(loaded, "task-definition.yaml")
    definition = text[: text.index("  # Added by the observability team")]
    failed = failing("sidecar-takes-task-down", {"task-definition.yaml": definition})
    assert set(failed) == {"sidecar-kept"}


@pytest.mark.parametrize(
    "sidecar",
    ["    essential: false\n", "    essential: false\n    restartPolicy: {enabled: true, ignoredExitCodes: [0]}\n"],
    ids=["non-essential", "non-essential-with-restart-policy"],
)
def test_sidecar_non_essential_passes(sidecar: str) -> None:
    loaded = scenario("sidecar-takes-task-down")
    files = answer(loaded, {"task-definition.yaml": _web_definition(sidecar=sidecar)})
    report = grade(loaded, files, seeds=loaded.scenario.run.seeds, label="right answer")
    assert report.passed


# -- instances-join-default: the agent registers with the cluster ECS_CLUSTER names ----------

_LEDGER_CONFIG = "ECS_RESERVED_MEMORY=256\nECS_CONTAINER_STOP_TIMEOUT=60s\n"


@pytest.mark.parametrize(
    "config",
    [
        "ECS_CLUSTER=default\n",  # the cluster the instances already joined
        "ECS_CLUSTER=payments-staging\n",  # user data copied from another environment
    ],
    ids=["default", "another-cluster"],
)
def test_instances_join_default_a_cluster_other_than_payments_gets_the_instances(config: str) -> None:
    failed = failing("instances-join-default", {"ecs.config": config + _LEDGER_CONFIG})
    assert {"ledger-running", "capacity-in-payments", "no-stray-instances"} <= set(failed)
    assert "No Container Instances were found in your cluster" in failed["ledger-steady"].message


def test_instances_join_default_more_instances_join_default_too() -> None:
    """Doubling the group launches six instances from the same user data: all six register with default."""
    loaded = scenario("instances-join-default")
    group = edited(loaded, "auto-scaling-group.yaml", ('DesiredCapacity: "3"', 'DesiredCapacity: "6"'))
    failed = failing("instances-join-default", {"auto-scaling-group.yaml": group})
    assert {"ledger-running", "capacity-in-payments"} <= set(failed)
    assert failed["no-stray-instances"].message.startswith("6 InstanceRegistrationFailed event(s)")


def test_instances_join_default_a_misspelt_key_is_refused_at_its_line() -> None:
    """ECS_CLUSTER_NAME is not an agent setting: bad input, positioned, with a did-you-mean."""
    loaded = scenario("instances-join-default")
    with pytest.raises(SourceErrors, match=r"ecs\.config:1:1: .*ECS_CLUSTER_NAME.*ECS_CLUSTER"):
        answer(loaded, {"ecs.config": "ECS_CLUSTER_NAME=payments\n" + _LEDGER_CONFIG})


def test_instances_join_default_the_cluster_line_anywhere_in_the_file_passes() -> None:
    loaded = scenario("instances-join-default")
    files = answer(loaded, {"ecs.config": _LEDGER_CONFIG + "ECS_CLUSTER=payments\n"})
    assert grade(loaded, files, seeds=loaded.scenario.run.seeds, label="right answer").passed


# -- scratch-pool-placement: strategies order the instances, constraints rule them out --------

_WEB_SPREAD = (
    "placementStrategy:\n"
    '  - {type: spread, field: "attribute:ecs.availability-zone"}\n'
    "  - {type: spread, field: instanceId}\n"
)


def _shared_web(*replacements: tuple[str, str]) -> str:
    return edited(scenario("scratch-pool-placement"), "service.yaml", *replacements)


@pytest.mark.parametrize(
    "replacements",
    [
        # Spreading over the pools is spreading onto the scratch pool.
        [(_WEB_SPREAD, 'placementStrategy:\n  - {type: spread, field: "attribute:pool"}\n')],
        # One task per instance still uses the scratch instances.
        [(_WEB_SPREAD, "placementConstraints:\n  - {type: distinctInstance}\n")],
        # Binpack fills the smaller c5.large instances first: everything lands on scratch.
        [(_WEB_SPREAD, "placementStrategy:\n  - {type: binpack, field: memory}\n")],
        # The wrong pool.
        [(_WEB_SPREAD, _WEB_SPREAD + 'placementConstraints:\n  - {type: memberOf, expression: "attribute:pool == scratch"}\n')],
    ],
    ids=["spread-on-pool", "distinct-instance", "binpack", "memberof-scratch"],
)
def test_scratch_pool_tasks_still_die_with_the_scratch_instances(replacements: list[tuple[str, str]]) -> None:
    failed = failing("scratch-pool-placement", {"service.yaml": _shared_web(*replacements)})
    assert "no-host-deaths" in failed
    assert "stopped/terminated" in failed["no-host-deaths"].message


def test_scratch_pool_more_tasks_still_lose_some_to_the_recycle() -> None:
    """Nine tasks leave six after the recycle, but three still die with their hosts and their requests fail."""
    failed = failing("scratch-pool-placement", {"service.yaml": _shared_web(("desiredCount: 6", "desiredCount: 9"))})
    assert {"no-host-deaths", "no-failed-requests"} <= set(failed)


def test_scratch_pool_a_misremembered_attribute_matches_no_instance() -> None:
    """No instance carries attribute:pool-name, so the constraint rules out every instance and nothing is placed."""
    service = _shared_web((_WEB_SPREAD, _WEB_SPREAD + 'placementConstraints:\n  - {type: memberOf, expression: "attribute:pool-name == general"}\n'))
    failed = failing("scratch-pool-placement", {"service.yaml": service})
    assert "web had 0 of 6 tasks running at 300 s" in failed["six-running"].message


@pytest.mark.parametrize(
    "expression",
    ["attribute:pool != scratch", "attribute:ecs.instance-type == m5.large", "attribute:pool in [general]"],
)
def test_scratch_pool_any_constraint_that_rules_out_the_scratch_pool_passes(expression: str) -> None:
    loaded = scenario("scratch-pool-placement")
    service = _shared_web((_WEB_SPREAD, _WEB_SPREAD + f'placementConstraints:\n  - {{type: memberOf, expression: "{expression}"}}\n'))
    report = grade(loaded, answer(loaded, {"service.yaml": service}), seeds=loaded.scenario.run.seeds, label="right answer")
    assert report.passed


# -- step-scaling-bounds: steps are offsets from the alarm threshold ---------------------------

_STEPS = (
    "    - {MetricIntervalLowerBound: 60, MetricIntervalUpperBound: 75, ScalingAdjustment: 1}\n"
    "    - {MetricIntervalLowerBound: 75, MetricIntervalUpperBound: 90, ScalingAdjustment: 2}\n"
    "    - {MetricIntervalLowerBound: 90, ScalingAdjustment: 4}\n"
)


def _step_policy(steps: str, *replacements: tuple[str, str]) -> str:
    return edited(scenario("step-scaling-bounds"), "step-policy.yaml", (_STEPS, steps), *replacements)


_RELATIVE = (
    "    - {MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 15, ScalingAdjustment: 1}\n"
    "    - {MetricIntervalLowerBound: 15, MetricIntervalUpperBound: 30, ScalingAdjustment: 2}\n"
    "    - {MetricIntervalLowerBound: 30, ScalingAdjustment: 4}\n"
)


def test_step_scaling_bounds_steps_with_a_gap_are_refused_and_nothing_scales() -> None:
    """Bounds made relative but with a gap (0–10, then 20 and up): PutScalingPolicy refuses the policy."""
    gap = (
        "    - {MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1}\n"
        "    - {MetricIntervalLowerBound: 20, ScalingAdjustment: 4}\n"
    )
    loaded = scenario("step-scaling-bounds")
    files = answer(loaded, {"step-policy.yaml": _step_policy(gap)})
    assert "leave a gap between 10 and 20" in str(files["step-policy.yaml"].refusals[0])
    failed = failing("step-scaling-bounds", {"step-policy.yaml": _step_policy(gap)})
    assert {"few-errors", "kept-up", "scaled-out"} <= set(failed)


@pytest.mark.parametrize(
    ("adjustment", "expected"),
    [
        ("PercentChangeInCapacity", {"few-errors", "kept-up", "scaled-out"}),  # 1 % of 2 tasks rounds to 0
        ("ExactCapacity", {"few-errors", "kept-up"}),  # sets the count to 4 at most
    ],
)
def test_step_scaling_bounds_the_wrong_adjustment_type_does_not_keep_up(adjustment: str, expected: set[str]) -> None:
    failed = failing(
        "step-scaling-bounds", {"step-policy.yaml": _step_policy(_RELATIVE, ("AdjustmentType: ChangeInCapacity", f"AdjustmentType: {adjustment}"))}
    )
    assert expected <= set(failed)
    assert "requests failed in checkout" in failed["few-errors"].message


def test_step_scaling_bounds_a_minimum_at_the_peak_costs_too_much() -> None:
    """MinCapacity 10 and the policy left broken: no errors, but ten tasks all hour and no scaling."""
    text = edited(scenario("step-scaling-bounds"), "scalable-target.yaml", ("MinCapacity: 2", "MinCapacity: 10"))
    failed = failing("step-scaling-bounds", {"scalable-target.yaml": text})
    assert set(failed) == {"cost-cap", "scaled-out"}
    assert "over the $0.20 cap" in failed["cost-cap"].message


def test_step_scaling_bounds_a_minimum_just_under_the_cap_still_does_not_scale() -> None:
    """MinCapacity 8 fits the budget and the load, but Service Auto Scaling never acts."""
    text = edited(scenario("step-scaling-bounds"), "scalable-target.yaml", ("MinCapacity: 2", "MinCapacity: 8"))
    failed = failing("step-scaling-bounds", {"scalable-target.yaml": text})
    assert set(failed) == {"scaled-out"}


def test_step_scaling_bounds_a_max_capacity_too_low_does_not_keep_up() -> None:
    loaded = scenario("step-scaling-bounds")
    target = edited(loaded, "scalable-target.yaml", ("MaxCapacity: 20", "MaxCapacity: 4"))
    failed = failing("step-scaling-bounds", {"step-policy.yaml": _step_policy(_RELATIVE), "scalable-target.yaml": target})
    assert {"few-errors", "kept-up"} <= set(failed)


_TARGET_TRACKING = """\
PolicyName: checkout-step-out
ServiceNamespace: ecs
ResourceId: service/shop/checkout
ScalableDimension: ecs:service:DesiredCount
PolicyType: TargetTrackingScaling
TargetTrackingScalingPolicyConfiguration:
  TargetValue: 60
  PredefinedMetricSpecification:
    PredefinedMetricType: ECSServiceAverageCPUUtilization
"""


@pytest.mark.parametrize(
    "policy",
    [
        _TARGET_TRACKING,  # the brief does not require step scaling: AWS recommends target tracking
        "one-step",  # +1 per breach: slower, and enough
        "percent",  # PercentChangeInCapacity with a MinAdjustmentMagnitude
    ],
)
def test_step_scaling_bounds_right_answers_pass(policy: str) -> None:
    loaded = scenario("step-scaling-bounds")
    if policy == "one-step":
        policy = _step_policy("    - {MetricIntervalLowerBound: 0, ScalingAdjustment: 1}\n")
    elif policy == "percent":
        policy = _step_policy(
            "    - {MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 15, ScalingAdjustment: 25}\n"
            "    - {MetricIntervalLowerBound: 15, MetricIntervalUpperBound: 30, ScalingAdjustment: 50}\n"
            "    - {MetricIntervalLowerBound: 30, ScalingAdjustment: 100}\n",
            ("AdjustmentType: ChangeInCapacity", "AdjustmentType: PercentChangeInCapacity\n  MinAdjustmentMagnitude: 1"),
        )
    report = grade(loaded, answer(loaded, {"step-policy.yaml": policy}), seeds=loaded.scenario.run.seeds, label="right answer")
    assert all(seed.passed for seed in report.seeds), [c.message for s in report.seeds for c in s.checks if not c.passed]


# -- fargate-right-size: the smallest valid Fargate size for what the app uses -----------------


def _thumbnails(cpu: str, memory: str) -> str:
    return edited(scenario("fargate-right-size"), "task-definition.yaml", ('cpu: "384"', f'cpu: "{cpu}"'), ('memory: "1400"', f'memory: "{memory}"'))


def test_fargate_right_size_rounding_cpu_up_to_one_vcpu_costs_too_much() -> None:
    failed = failing("fargate-right-size", {"task-definition.yaml": _thumbnails("1024", "2048")})
    assert set(failed) == {"cost-cap"}
    assert "over the $0.08 cap" in failed["cost-cap"].message


def test_fargate_right_size_a_quarter_vcpu_cannot_serve_the_peak() -> None:
    failed = failing("fargate-right-size", {"task-definition.yaml": _thumbnails("256", "2048")})
    assert set(failed) == {"few-errors"}


def test_fargate_right_size_rounding_memory_down_gets_the_app_killed() -> None:
    failed = failing("fargate-right-size", {"task-definition.yaml": _thumbnails("512", "1024")})
    assert {"no-oom", "two-running"} <= set(failed)
    assert "OutOfMemoryError" in failed["no-oom"].message


def test_fargate_right_size_rounding_only_the_cpu_is_still_refused() -> None:
    loaded = scenario("fargate-right-size")
    files = answer(loaded, {"task-definition.yaml": _thumbnails("512", "1400")})
    assert "No Fargate configuration exists for given values: 512 CPU, 1400 memory." in str(files["task-definition.yaml"].refusals[0])
    failed = failing("fargate-right-size", {"task-definition.yaml": _thumbnails("512", "1400")})
    assert {"two-running", "few-errors"} <= set(failed)


def test_fargate_right_size_going_back_to_ec2_finds_no_instances() -> None:
    loaded = scenario("fargate-right-size")
    task = edited(loaded, "task-definition.yaml", ("requiresCompatibilities: [FARGATE]", "requiresCompatibilities: [EC2]"))
    service = edited(loaded, "service.yaml", ("launchType: FARGATE", "launchType: EC2"))
    failed = failing("fargate-right-size", {"task-definition.yaml": task, "service.yaml": service})
    assert {"two-running", "few-errors"} <= set(failed)


@pytest.mark.parametrize(("cpu", "memory", "count"), [("512", "2048", 2), ("512", "3072", 2), ("256", "2048", 4)])
def test_fargate_right_size_right_sized_answers_pass(cpu: str, memory: str, count: int) -> None:
    """0.5 vCPU with 2 or 3 GB, or four 0.25-vCPU tasks: the load, not the task count, is what is sized."""
    loaded = scenario("fargate-right-size")
    files = {"task-definition.yaml": _thumbnails(cpu, memory)}
    if count != 2:
        files["service.yaml"] = edited(loaded, "service.yaml", ("desiredCount: 2", f"desiredCount: {count}"))
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds, label="right answer")
    assert all(seed.passed for seed in report.seeds), [c.message for s in report.seeds for c in s.checks if not c.passed]


# -- scale-in-cuts-exports: scale in again, with a delay that lets running exports finish ------


def _exports_files(*, scale_in: bool, delay: str | None = None, **edits: tuple[str, str]) -> dict[str, str]:
    loaded = scenario("scale-in-cuts-exports")
    files: dict[str, str] = {}
    if scale_in:
        files["cpu-policy.yaml"] = loaded.scenario.solution["cpu-policy.yaml"]
    if delay is not None:
        files["target-group.yaml"] = edited(loaded, "target-group.yaml", ('Value: "5"', f'Value: "{delay}"'))
    for name, replacement in edits.items():
        files[f"{name.replace('_', '-')}.yaml"] = edited(loaded, f"{name.replace('_', '-')}.yaml", replacement)
    return files


def test_scale_in_cuts_exports_turning_scale_in_back_on_alone_breaks_exports() -> None:
    failed = failing("scale-in-cuts-exports", _exports_files(scale_in=True))
    assert set(failed) == {"no-broken-exports"}


def test_scale_in_cuts_exports_a_delay_shorter_than_an_export_still_breaks_some() -> None:
    """15 s of draining for 20-second exports: fewer cut, still some."""
    failed = failing("scale-in-cuts-exports", _exports_files(scale_in=True, delay="15"))
    assert set(failed) == {"no-broken-exports"}


def test_scale_in_cuts_exports_fixing_the_delay_but_keeping_scale_in_off_keeps_the_bill() -> None:
    failed = failing("scale-in-cuts-exports", _exports_files(scale_in=False, delay="60"))
    assert {"back-to-baseline", "cost-cap"} <= set(failed)
    assert "over the $0.22 cap" in failed["cost-cap"].message


def test_scale_in_cuts_exports_capping_the_service_at_four_tasks_fails_the_rush() -> None:
    failed = failing("scale-in-cuts-exports", _exports_files(scale_in=False, delay="60", scalable_target=("MaxCapacity: 16", "MaxCapacity: 4")))
    assert "rush-served" in failed


def test_scale_in_cuts_exports_a_minimum_at_the_peak_costs_too_much() -> None:
    failed = failing("scale-in-cuts-exports", _exports_files(scale_in=True, delay="60", scalable_target=("MinCapacity: 2", "MinCapacity: 10")))
    assert {"back-to-baseline", "cost-cap"} <= set(failed)


@pytest.mark.parametrize("delay", ["30", "60", None])
def test_scale_in_cuts_exports_scale_in_with_enough_draining_passes(delay: str | None) -> None:
    """Any delay longer than an export passes, the 300 s default included (the attribute removed)."""
    loaded = scenario("scale-in-cuts-exports")
    files = _exports_files(scale_in=True, delay=delay)
    if delay is None:
        files["target-group.yaml"] = edited(
            loaded, "target-group.yaml",
            ('TargetGroupAttributes:\n  # lowered from the 300 s default so that deploys finish quickly\n  - {Key: deregistration_delay.timeout_seconds, Value: "5"}\n', ""),
        )
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds, label="right answer")
    assert all(seed.passed for seed in report.seeds), [c.message for s in report.seeds for c in s.checks if not c.passed]


# -- fargate-alb-target-type ------------------------------------------------------------------------

_IP_TARGETS = ("TargetType: instance", "TargetType: ip")


def _catalog_sg(rule: str) -> str:
    """task-sg.yaml with its one ingress rule replaced by ``rule`` (flow-style YAML)."""
    loaded = scenario("fargate-alb-target-type")
    old = "- {IpProtocol: tcp, FromPort: 80, ToPort: 80, SourceSecurityGroupName: catalog-alb, Description: web from the ALB}"
    return edited(loaded, "task-sg.yaml", (old, f"- {rule}"))


def _catalog_target_group() -> str:
    return edited(scenario("fargate-alb-target-type"), "target-group.yaml", _IP_TARGETS)


def test_fargate_alb_target_type_ip_alone_leaves_the_targets_unreachable() -> None:
    """The service is created, but the task group still lets the ALB in on 80, not 8080."""
    failed = failing("fargate-alb-target-type", {"target-group.yaml": _catalog_target_group()})
    assert "service-created" not in failed
    assert {"three-healthy", "no-unhealthy-target", "serves-traffic"} <= set(failed)
    assert "Request timed out" in failed["no-unhealthy-target"].message


def test_fargate_alb_target_type_fixing_only_the_port_is_still_refused() -> None:
    failed = failing(
        "fargate-alb-target-type",
        {"task-sg.yaml": _catalog_sg("{IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupName: catalog-alb}")},
    )
    assert {"service-created", "three-running"} <= set(failed)
    assert "has target type instance, which is incompatible with the awsvpc network mode" in failed["service-created"].message


@pytest.mark.parametrize(
    "rule",
    [
        "{IpProtocol: tcp, FromPort: 8080, ToPort: 8080, CidrIp: 0.0.0.0/0}",
        "{IpProtocol: tcp, FromPort: 8080, ToPort: 8080, CidrIp: 10.0.0.0/16, Description: the VPC}",
        "{IpProtocol: '-1', CidrIp: 0.0.0.0/0}",
    ],
)
def test_fargate_alb_target_type_opening_the_tasks_to_a_cidr_fails_review(rule: str) -> None:
    """The targets turn healthy, but the tasks are open to more than the load balancer."""
    failed = failing("fargate-alb-target-type", {"target-group.yaml": _catalog_target_group(), "task-sg.yaml": _catalog_sg(rule)})
    assert set(failed) == {"only-from-the-alb"}


def test_fargate_alb_target_type_moving_back_to_bridge_mode_is_refused() -> None:
    """Fargate supports awsvpc only: bridge mode with dynamic ports is not an escape."""
    loaded = scenario("fargate-alb-target-type")
    definition = edited(
        loaded, "task-definition.yaml",
        ("networkMode: awsvpc", "networkMode: bridge"),
        ("{containerPort: 8080, protocol: tcp}", "{containerPort: 8080, hostPort: 0, protocol: tcp}"),
    )
    failed = failing("fargate-alb-target-type", {"task-definition.yaml": definition})
    assert {"service-created", "three-running"} <= set(failed)


def test_fargate_alb_target_type_any_rule_from_the_alb_group_on_8080_passes() -> None:
    """All traffic from the ALB's group (AWS's own walkthrough) is as right as TCP 8080."""
    loaded = scenario("fargate-alb-target-type")
    files = {"target-group.yaml": _catalog_target_group(), "task-sg.yaml": _catalog_sg("{IpProtocol: '-1', SourceSecurityGroupName: catalog-alb}")}


# -- standalone-worker-lost: draining moves service tasks only --------------------------------

_WORKER = "serviceName: invoice-worker\ntaskDefinition: invoice-worker\nlaunchType: EC2\n"


@pytest.mark.parametrize(
    "deployment",
    [
        # "Never two workers": the old task stops first, and the worker is gone until the new one runs.
        "deploymentConfiguration: {minimumHealthyPercent: 0, maximumPercent: 100}\n",
        # Both at 100 %: draining cannot replace the task; it dies with the host at the hook timeout.
        "deploymentConfiguration: {minimumHealthyPercent: 100, maximumPercent: 100}\n",
    ],
)
def test_standalone_worker_lost_a_service_that_cannot_start_first_leaves_a_gap(deployment: str) -> None:
    failed = failing("standalone-worker-lost", {"service.yaml": _WORKER + "desiredCount: 1\n" + deployment})
    assert "worker-always-running" in failed
    assert "dropped to 0 running tasks" in failed["worker-always-running"].message


def test_standalone_worker_lost_leaving_the_service_at_zero_keeps_only_the_hand_started_task() -> None:
    """A longer stop timeout on the worker changes nothing: draining never stops a standalone task."""
    loaded = scenario("standalone-worker-lost")
    definition = edited(loaded, "task-definition.yaml", ("essential: true", "essential: true\n    stopTimeout: 120"))
    failed = failing("standalone-worker-lost", {"task-definition.yaml": definition})
    assert "0 of at least 1 tasks running" in failed["worker-always-running"].message


# -- memory-limit-oom: the hard limit kills, the reservation places ----------------------------


def _catalog_memory(memory: str) -> str:
    """The catalog task definition with its container's ``memory: 512`` line replaced."""
    return edited(scenario("memory-limit-oom"), "task-definition.yaml", ("memory: 512", memory))


@pytest.mark.parametrize(
    "memory",
    [
        # Still below the 900 MiB the app uses.
        "memory: 768",
        # A bigger reservation with the same hard limit: ECS refuses it (reservation above memory).
        "memory: 512\n    memoryReservation: 1024",
        # A reservation for placement, the hard limit untouched.
        "memory: 512\n    memoryReservation: 256",
    ],
)
def test_memory_limit_oom_a_hard_limit_below_the_working_set_still_kills(memory: str) -> None:
    failed = failing("memory-limit-oom", {"task-definition.yaml": _catalog_memory(memory)})
    assert "OutOfMemoryError: Container killed due to memory usage" in failed["no-oom-kills"].message
    assert "six-healthy" in failed


def test_memory_limit_oom_more_tasks_are_killed_the_same_way() -> None:
    loaded = scenario("memory-limit-oom")
    service = edited(loaded, "service.yaml", ("desiredCount: 6", "desiredCount: 10"))
    failed = failing("memory-limit-oom", {"service.yaml": service})
    assert "exit code 137" in failed["no-oom-kills"].message


def test_memory_limit_oom_a_generous_hard_limit_alone_reserves_too_much() -> None:
    """memory 2048 with no reservation: placement reserves 2 GiB, one task per t3.medium."""
    failed = failing("memory-limit-oom", {"task-definition.yaml": _catalog_memory("memory: 2048")})
    assert "RESOURCE:MEMORY" in failed["six-running"].message
    assert "no-oom-kills" not in failed


@pytest.mark.parametrize("memory", ["memory: 1024", "memoryReservation: 1024", "memory: 2048\n    memoryReservation: 1024"])
def test_memory_limit_oom_any_limit_above_the_working_set_that_fits_passes(memory: str) -> None:
    """A hard limit above 900 MiB that still places six tasks passes, and so does a soft limit only."""
    loaded = scenario("memory-limit-oom")
    files = {"task-definition.yaml": _catalog_memory(memory)}
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds, label="right answer")
    assert all(seed.passed for seed in report.seeds), [c.message for s in report.seeds for c in s.checks if not c.passed]


# -- hotfix-never-deployed ----------------------------------------------------------------------

_FIXED_IMAGE = ("checkout:2.3.0", "checkout:2.3.1")
_FAMILY_ONLY = ("taskDefinition: arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:1", "taskDefinition: checkout")


def _hotfix_file(name: str, *replacements: tuple[str, str]) -> str:
    return edited(scenario("hotfix-never-deployed"), name, *replacements)


def test_hotfix_new_revision_alone_is_never_deployed() -> None:
    """The revision is registered, but the service is pinned to revision 1."""
    failed = failing("hotfix-never-deployed", {"task-definition.yaml": _hotfix_file("task-definition.yaml", _FIXED_IMAGE)})
    assert {"new-image-deployed", "few-errors"} <= set(failed)
    assert "(8.00%)" in failed["few-errors"].message


def test_hotfix_pointing_the_service_at_the_family_without_a_new_image_changes_nothing() -> None:
    """The latest revision is still the 2.3.0 one: UpdateService to it starts no deployment."""
    failed = failing("hotfix-never-deployed", {"service.yaml": _hotfix_file("service.yaml", _FAMILY_ONLY)})
    assert {"new-image-deployed", "few-errors"} <= set(failed)


def test_hotfix_more_tasks_of_the_old_image_still_fail_requests() -> None:
    failed = failing("hotfix-never-deployed", {"service.yaml": _hotfix_file("service.yaml", ("desiredCount: 4", "desiredCount: 8"))})
    assert "few-errors" in failed


def test_hotfix_stopping_the_old_tasks_first_drops_capacity() -> None:
    """minimumHealthyPercent 0 (and no room to start first) takes every old task down at once."""
    failed = failing(
        "hotfix-never-deployed",
        {
            "task-definition.yaml": _hotfix_file("task-definition.yaml", _FIXED_IMAGE),
            "service.yaml": _hotfix_file("service.yaml", _FAMILY_ONLY, ("minimumHealthyPercent: 100", "minimumHealthyPercent: 0"), ("maximumPercent: 200", "maximumPercent: 100")),
        },
    )
    assert set(failed) == {"capacity-kept"}


@pytest.mark.parametrize("reference", ["checkout:2", "arn:aws:ecs:us-east-1:123456789012:task-definition/checkout:2"])
def test_hotfix_naming_the_new_revision_passes(reference: str) -> None:
    loaded = scenario("hotfix-never-deployed")
    files = {
        "task-definition.yaml": _hotfix_file("task-definition.yaml", _FIXED_IMAGE),
        "service.yaml": _hotfix_file("service.yaml", (_FAMILY_ONLY[0], f"taskDefinition: {reference}")),
    }
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds, label="right answer")
    assert all(seed.passed for seed in report.seeds), [c.message for s in report.seeds for c in s.checks if not c.passed]


# -- awslogs-execution-role ---------------------------------------------------------------------

_LOGS_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/payments-api:*"


def _with_logs_policy(name: str, actions: str, resource: str = _LOGS_GROUP) -> str:
    """A role file of awslogs-execution-role with one more inline policy granting ``actions``."""
    text = starting_text(scenario("awslogs-execution-role"), name)
    return text + (
        "  - PolicyName: added-logs\n"
        "    PolicyDocument:\n"
        '      Version: "2012-10-17"\n'
        f"      Statement: [{{Effect: Allow, Action: {actions}, Resource: '{resource}'}}]\n"
    )


def test_awslogs_logs_permissions_on_the_task_role_do_not_help() -> None:
    """The task role is the app's; Fargate ships the logs with the execution role."""
    failed = failing("awslogs-execution-role", {"task-role.yaml": _with_logs_policy("task-role.yaml", "[logs:CreateLogStream, logs:PutLogEvents]")})
    assert {"two-running", "tasks-start", "can-put-log-events", "task-role-unchanged"} <= set(failed)
    assert "assumed-role/paymentsApiExecutionRole/" in failed["two-running"].message
    assert "logs:CreateLogStream" in failed["two-running"].message


def test_awslogs_create_stream_alone_starts_the_tasks_but_sends_nothing() -> None:
    failed = failing("awslogs-execution-role", {"execution-role.yaml": _with_logs_policy("execution-role.yaml", "logs:CreateLogStream")})
    assert set(failed) == {"can-put-log-events"}


@pytest.mark.parametrize(("actions", "resource", "check"), [("'logs:*'", _LOGS_GROUP, "no-logs-wildcard"), ("'logs:*'", "*", "execution-least-privilege"), ("'*'", "*", "execution-least-privilege")])
def test_awslogs_wildcard_logs_grants_fail_review(actions: str, resource: str, check: str) -> None:
    failed = failing("awslogs-execution-role", {"execution-role.yaml": _with_logs_policy("execution-role.yaml", actions, resource)})
    assert check in failed
    assert "two-running" not in failed


def test_awslogs_dropping_the_log_configuration_fails_the_audit() -> None:
    """The tasks start without awslogs, but the logs go nowhere again."""
    loaded = scenario("awslogs-execution-role")
    text = starting_text(loaded, "task-definition.yaml")
    definition = text[: text.index("    logConfiguration:")]
    failed = failing("awslogs-execution-role", {"task-definition.yaml": definition})
    assert {"still-logging", "awslogs-driver", "can-put-log-events"} == set(failed)


def test_awslogs_the_managed_execution_policy_passes() -> None:
    """AWS's AmazonECSTaskExecutionRolePolicy lists its actions (no wildcard action): a right answer."""
    loaded = scenario("awslogs-execution-role")
    text = starting_text(loaded, "execution-role.yaml").replace(
        "Policies:", "ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]\nPolicies:", 1
    )
    report = grade(loaded, answer(loaded, {"execution-role.yaml": text}), seeds=loaded.scenario.run.seeds, label="right answer")
    assert all(seed.passed for seed in report.seeds), [c.message for s in report.seeds for c in s.checks if not c.passed]


# -- capacity-for-the-sale: per-instance, registered capacity ------------------------------------


def _sale_group(*replacements: tuple[str, str]) -> dict[str, str]:
    return {"auto-scaling-group.yaml": edited(scenario("capacity-for-the-sale"), "auto-scaling-group.yaml", *replacements)}


def test_capacity_for_the_sale_dividing_nominal_memory_leaves_three_tasks_waiting() -> None:
    """8 GiB / 2 GiB = 4 per instance is wrong: an m5.large registers less, and the daemon takes its share."""
    failed = failing("capacity-for-the-sale", _sale_group(("MinSize: \"1\"", "MinSize: \"3\"")))
    assert "9 of at least 12 tasks running" in failed["twelve-for-the-sale"].message
    assert "RESOURCE:MEMORY" in failed["twelve-for-the-sale"].message


def test_capacity_for_the_sale_a_higher_maximum_alone_adds_no_instance() -> None:
    """Nothing scales the group here: MaxSize is a ceiling, not capacity."""
    failed = failing("capacity-for-the-sale", _sale_group(("MaxSize: \"10\"", "MaxSize: \"20\"")))
    assert "twelve-for-the-sale" in failed


@pytest.mark.parametrize("desired", ["5", "6"])
def test_capacity_for_the_sale_spare_instances_fail_the_sizing(desired: str) -> None:
    failed = failing("capacity-for-the-sale", _sale_group(("DesiredCapacity: \"3\"", f"DesiredCapacity: \"{desired}\"")))
    assert set(failed) == {"fewest-instances"}
    # The message gives the first moment over the bound: the fifth instance joining.
    assert failed["fewest-instances"].message.startswith("5 any container instances at ")


# -- placement-failure-alert -------------------------------------------------------------------


def _alert_rule(pattern: str, state: str = "ENABLED") -> dict[str, str]:
    return {
        "rule.yaml": (
            "Name: web-capacity\nEventPattern: |\n  " + pattern + f"\nState: {state}\n"
            "Targets:\n  - {Id: oncall-page, Arn: 'arn:aws:sns:us-east-1:123456789012:oncall-page'}\n"
        )
    }


def test_placement_failure_alert_every_stopped_task_pages_on_the_release() -> None:
    failed = failing("placement-failure-alert", _alert_rule('{"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": {"lastStatus": ["STOPPED"]}}'))
    assert "not-paged-by-release" in failed
    assert "ServiceSchedulerInitiated" in failed["not-paged-by-release"].message


def test_placement_failure_alert_the_detail_type_alone_pages_on_steady_states() -> None:
    failed = failing("placement-failure-alert", _alert_rule('{"source": ["aws.ecs"], "detail-type": ["ECS Service Action"]}'))
    assert "SERVICE_STEADY_STATE" in failed["not-paged-by-release"].message


def test_placement_failure_alert_a_disabled_rule_pages_nobody() -> None:
    failed = failing(
        "placement-failure-alert",
        _alert_rule('{"source": ["aws.ecs"], "resources": [{"suffix": "/web"}], "detail": {"eventName": ["SERVICE_TASK_PLACEMENT_FAILURE"]}}', state="DISABLED"),
    )
    assert set(failed) == {"paged-on-placement-failure"}


def test_placement_failure_alert_task_start_impaired_is_not_a_placement_failure() -> None:
    failed = failing("placement-failure-alert", _alert_rule('{"source": ["aws.ecs"], "detail": {"eventName": ["SERVICE_TASK_START_IMPAIRED"]}}'))
    assert set(failed) == {"paged-on-placement-failure"}


def test_placement_failure_alert_every_services_placement_failures_page_for_batch() -> None:
    failed = failing("placement-failure-alert", _alert_rule('{"source": ["aws.ecs"], "detail-type": ["ECS Service Action"], "detail": {"eventName": ["SERVICE_TASK_PLACEMENT_FAILURE"]}}'))
    assert set(failed) == {"not-paged-by-release"}
    assert "for service batch (RESOURCE:MEMORY)" in failed["not-paged-by-release"].message


def test_placement_failure_alert_the_error_event_type_of_web_passes() -> None:
    loaded = scenario("placement-failure-alert")
    files = _alert_rule('{"source": ["aws.ecs"], "resources": [{"wildcard": "*:service/prod/web"}], "detail": {"eventType": ["ERROR"]}}')
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds[:1], label="eventType ERROR")
    assert report.seeds[0].passed


# -- cache-busting-copy-order ---------------------------------------------------------------

def _catalog(body: str) -> str:
    return "FROM python:3.12-slim\nWORKDIR /app\n" + body + 'EXPOSE 8080\nCMD ["gunicorn", "-b", "0.0.0.0:8080", "app:app"]\n'


@pytest.mark.parametrize(
    "body",
    [
        # requirements first, but the whole context is still copied before the install
        "COPY requirements.txt .\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n",
        # ADD is cached by checksum exactly as COPY is
        "ADD . .\nRUN pip install --no-cache-dir -r requirements.txt\n",
        # the install reads the copied file, so copying the folder of it changes nothing
        "COPY . /app/\nRUN pip install --no-cache-dir -r /app/requirements.txt\n",
    ],
    ids=["requirements-then-everything", "add-instead-of-copy", "copy-to-absolute-path"],
)
def test_cache_busting_copy_order_the_install_still_follows_a_copy_of_everything(body: str) -> None:
    failed = failing("cache-busting-copy-order", {"Dockerfile": _catalog(body)})
    assert "deps-cached" in failed
    assert "pip install" in failed["deps-cached"].message and "is rebuilt" in failed["deps-cached"].message


def test_cache_busting_copy_order_reordering_without_no_cache_dir_is_still_too_big() -> None:
    """The right order keeps pip's wheel cache in the layer: the dependency step is cached but the image is too big."""
    failed = failing("cache-busting-copy-order", {"Dockerfile": _catalog("COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n")})
    assert set(failed) == {"lean-image"}
    assert "over 210 MB" in failed["lean-image"].message


def test_cache_busting_copy_order_deleting_the_cache_in_a_later_run_does_not_shrink_it() -> None:
    """rm -rf /root/.cache/pip in a later RUN only hides the files: the earlier layer keeps them (§12.2)."""
    body = "COPY requirements.txt .\nRUN pip install -r requirements.txt\nRUN rm -rf /root/.cache/pip\nCOPY . .\n"
    failed = failing("cache-busting-copy-order", {"Dockerfile": _catalog(body)})
    assert "lean-image" in failed


def test_cache_busting_copy_order_a_misspelt_copy_source_is_refused_and_nothing_runs() -> None:
    """A COPY of a file the context lacks is refused at its line; the tag is never pushed, so no task starts."""
    loaded = scenario("cache-busting-copy-order")
    files = answer(loaded, {"Dockerfile": _catalog("COPY requirement.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n")})
    from lab.scenario.simdoc import check_files

    checked = check_files(loaded, {**loaded.files, **files}, collect_refusals=True)["Dockerfile"]
    (refusal,) = checked.all_refusals
    assert refusal.line == 3 and "requirement.txt" in refusal.message
    failed = failing("cache-busting-copy-order", {"Dockerfile": _catalog("COPY requirement.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n")})
    assert {"deps-cached", "catalog-runs", "rollout"} <= set(failed)
    assert failed["rollout"].message.startswith("catalog:3.1.0 was never pushed")


# -- two-replicas-one-host: only a constraint keeps two tasks off one host -----------------------

_CACHE_BINPACK = "placementStrategy:\n  - {type: binpack, field: memory}\n"


def _session_cache(*replacements: tuple[str, str]) -> str:
    return edited(scenario("two-replicas-one-host"), "service.yaml", *replacements)


@pytest.mark.parametrize(
    "replacements",
    [
        # A third task is stacked on the same host by binpack.
        [("desiredCount: 2", "desiredCount: 3")],
        # One zone: spreading over zones ties every instance, and binpack then co-locates.
        [(_CACHE_BINPACK, 'placementStrategy:\n  - {type: spread, field: "attribute:ecs.availability-zone"}\n  - {type: binpack, field: memory}\n')],
        # Best effort: at 0 s the m5.large is the only instance, and nothing rebalances later.
        [(_CACHE_BINPACK, "placementStrategy:\n  - {type: spread, field: instanceId}\n")],
        # Every instance is in us-east-1a: the constraint rules none out.
        [(_CACHE_BINPACK, _CACHE_BINPACK + 'placementConstraints:\n  - {type: memberOf, expression: "attribute:ecs.availability-zone == us-east-1a"}\n')],
    ],
    ids=["more-tasks", "spread-az-then-binpack", "spread-instance", "memberof-az"],
)
def test_two_replicas_still_share_the_failing_host(replacements: list[tuple[str, str]]) -> None:
    failed = failing("two-replicas-one-host", {"service.yaml": _session_cache(*replacements)})
    assert "never-zero" in failed
    assert "dropped to 0 running tasks at 600 s" in failed["never-zero"].message


@pytest.mark.parametrize(
    "service_tail",
    [
        "placementConstraints:\n  - {type: distinctInstance}\n",
        "placementConstraints:\n  - {type: distinctInstance}\nplacementStrategy:\n  - {type: spread, field: instanceId}\n",
    ],
    ids=["distinct-no-strategy", "distinct-with-spread"],
)
def test_two_replicas_distinct_instance_passes_with_any_strategy(service_tail: str) -> None:
    loaded = scenario("two-replicas-one-host")
    service = _session_cache((_CACHE_BINPACK, service_tail))
    report = grade(loaded, answer(loaded, {"service.yaml": service}), seeds=loaded.scenario.run.seeds, label="right answer")
    assert report.passed


# -- stale-dns-payments: stale Cloud Map answers after each deploy --------------------------------

_SC_SERVER = (
    "serviceConnectConfiguration:\n"
    "  enabled: true\n"
    "  namespace: internal\n"
    "  services:\n"
    "    - portName: http\n"
    "      clientAliases: [{port: 8080, dnsName: DNS}]\n"
)
_SC_CLIENT = "serviceConnectConfiguration: {enabled: true, namespace: internal}\n"


def _payments(*, connect: bool = False, dns: str = "payments.internal", registry: bool = True, replacements: tuple[tuple[str, str], ...] = ()) -> str:
    loaded = scenario("stale-dns-payments")
    text = edited(loaded, "payments-service.yaml", *replacements)
    if not registry:
        text = text.split("serviceRegistries:")[0]
    return text + (_SC_SERVER.replace("DNS", dns) if connect else "")


def _named_port() -> str:
    loaded = scenario("stale-dns-payments")
    return edited(loaded, "payments-task-definition.yaml", ("protocol: tcp}", "protocol: tcp, name: http}"))


def _dns_orders(*, connect: bool = False) -> str:
    return starting_text(scenario("stale-dns-payments"), "orders-service.yaml") + (_SC_CLIENT if connect else "")


@pytest.mark.parametrize(
    "files",
    [
        # More payments tasks: the cached answer still names only stopped ones after the deploy.
        {"payments-service.yaml": _payments(replacements=(("desiredCount: 2", "desiredCount: 4"),))},
        # Slower rollout: the old tasks still stop and are still cached for the TTL.
        {"payments-service.yaml": _payments(replacements=(("minimumHealthyPercent: 100, maximumPercent: 200", "minimumHealthyPercent: 50, maximumPercent: 100"),))},
        # Service Connect on the server only: orders has no proxy and keeps resolving DNS.
        {"payments-task-definition.yaml": _named_port(), "payments-service.yaml": _payments(connect=True)},
        # Service Connect on the client only: no endpoint offers payments.internal, so DNS again.
        {"orders-service.yaml": _dns_orders(connect=True)},
        # An alias orders does not call: its calls to payments.internal still go through DNS.
        {"payments-task-definition.yaml": _named_port(), "payments-service.yaml": _payments(connect=True, dns="payments"), "orders-service.yaml": _dns_orders(connect=True)},
    ],
    ids=["more-tasks", "slower-rollout", "server-only", "client-only", "other-alias"],
)
def test_stale_dns_payments_calls_still_fail(files: dict[str, str]) -> None:
    failed = failing("stale-dns-payments", files)
    assert "no-failed-calls" in failed
    assert "calls from orders failed between 60 s and 600 s" in failed["no-failed-calls"].message


def test_stale_dns_payments_dropping_the_registry_breaks_the_name() -> None:
    """Without Cloud Map registration (and no Service Connect) payments.internal resolves to nothing."""
    failed = failing("stale-dns-payments", {"payments-service.yaml": _payments(registry=False)})
    assert "no-failed-calls" in failed
    assert "9600 of 9600 calls" in failed["no-failed-calls"].message


def test_stale_dns_payments_port_name_must_exist() -> None:
    """Service Connect naming a port the task definition does not name is refused: payments never starts."""
    files = {"payments-service.yaml": _payments(connect=True), "orders-service.yaml": _dns_orders(connect=True)}
    failed = failing("stale-dns-payments", files)
    assert {"no-failed-calls", "payments-two"} <= set(failed)


def test_stale_dns_payments_service_connect_without_the_registry_passes() -> None:
    """Service Connect does not need the Cloud Map DNS records: dropping them is fine."""
    loaded = scenario("stale-dns-payments")
    files = {"payments-task-definition.yaml": _named_port(), "payments-service.yaml": _payments(connect=True, registry=False), "orders-service.yaml": _dns_orders(connect=True)}
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds, label="right answer")
    assert report.passed
# -- nightly-report-never-runs -----------------------------------------------------------------


def _report_fix(schedule: tuple[tuple[str, str], ...] = (), role: tuple[tuple[str, str], ...] | None = None) -> dict[str, str]:
    """The solution with edits: the schedule's and the role's text replaced as a learner might."""
    loaded = scenario("nightly-report-never-runs")
    files = dict(loaded.scenario.solution)
    for old, new in schedule:
        assert files["schedule.yaml"].count(old) == 1
        files["schedule.yaml"] = files["schedule.yaml"].replace(old, new)
    for old, new in role or ():
        assert files["events-role.yaml"].count(old) == 1
        files["events-role.yaml"] = files["events-role.yaml"].replace(old, new)
    return files


def test_nightly_report_a_unix_crontab_line_is_refused() -> None:
    with pytest.raises(SourceErrors) as info:
        failing("nightly-report-never-runs", _report_fix((("cron(0 2 * * ? *)", "cron(0 2 * * *)"),)))
    assert "schedule.yaml:3:21: ValidationException: Parameter ScheduleExpression is not valid." in str(info.value)


def test_nightly_report_a_daily_rate_cannot_pin_two_oclock() -> None:
    # rate(1 day) counts from the rule's creation (01:51): the first run is tomorrow at 01:51.
    failed = failing("nightly-report-never-runs", _report_fix((("cron(0 2 * * ? *)", "rate(1 day)"),)))
    assert set(failed) == {"report-runs-at-two"}


def test_nightly_report_every_five_minutes_runs_before_the_ledger_closes() -> None:
    failed = failing("nightly-report-never-runs", _report_fix((("cron(0 2 * * ? *)", "rate(5 minutes)"),)))
    assert {"not-before-two", "once-a-night"} <= set(failed)
    assert "PROVISIONING" in failed["not-before-two"].message


def test_nightly_report_every_minute_of_hour_two_runs_again_and_again() -> None:
    failed = failing("nightly-report-never-runs", _report_fix((("cron(0 2 * * ? *)", "cron(* 2 * * ? *)"),)))
    assert set(failed) == {"once-a-night"}


def test_nightly_report_passrole_on_every_role_fails_the_security_review() -> None:
    files = _report_fix(
        role=((
            "Resource:\n            - arn:aws:iam::123456789012:role/reportTaskExecutionRole\n            - arn:aws:iam::123456789012:role/reportTaskRole",
            'Resource: "*"',
        ),)
    )
    failed = failing("nightly-report-never-runs", files)
    assert set(failed) == {"passes-only-report-roles"}


def test_nightly_report_the_managed_events_policy_passes_any_role_to_ecs() -> None:
    loaded = scenario("nightly-report-never-runs")
    role = edited(
        loaded,
        "events-role.yaml",
        ("Policies:", "ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceEventsRole]\nPolicies:"),
    )
    files = _report_fix()
    files["events-role.yaml"] = role
    failed = failing("nightly-report-never-runs", files)
    assert set(failed) == {"passes-only-report-roles"}


def test_nightly_report_running_on_ec2_instead_of_configuring_the_network_fails() -> None:
    loaded = scenario("nightly-report-never-runs")
    schedule = edited(loaded, "schedule.yaml", ("cron(2 0 * * ? *)", "cron(0 2 * * ? *)"), ("LaunchType: FARGATE", "LaunchType: EC2"))
    failed = failing("nightly-report-never-runs", {"schedule.yaml": schedule, "events-role.yaml": scenario("nightly-report-never-runs").scenario.solution["events-role.yaml"]})
    assert set(failed) == {"report-runs-at-two"}


def test_nightly_report_widening_the_events_role_does_not_fix_the_schedule() -> None:
    loaded = scenario("nightly-report-never-runs")
    role = edited(loaded, "events-role.yaml", ("Resource: arn:aws:iam::123456789012:role/reportTaskExecutionRole", 'Resource: "*"'))
    failed = failing("nightly-report-never-runs", {"events-role.yaml": role})
    assert {"report-runs-at-two", "passes-only-report-roles"} <= set(failed)


# -- rollout-left-instances-empty --------------------------------------------------------------

_ROLLOUT_STRATEGY = '''placementStrategy:
  - {type: spread, field: "attribute:ecs.availability-zone"}
  - {type: spread, field: instanceId}
'''


def _rollout_service(extra: str, desired: int = 6) -> dict[str, str]:
    return {"service.yaml": f"serviceName: web\ntaskDefinition: web\ndesiredCount: {desired}\nlaunchType: EC2\n{extra}{_ROLLOUT_STRATEGY}"}


def test_rollout_forcing_a_deployment_with_spread_alone_keeps_the_skew() -> None:
    # The new tasks are placed while the old ones run; spread counts them (§1.3).
    failed = failing("rollout-left-instances-empty", _rollout_service("forceNewDeployment: true\n"))
    assert set(failed) == {"one-per-instance"}
    assert "4 instances" in failed["one-per-instance"].message


def test_rollout_a_constraint_without_a_deployment_moves_nothing() -> None:
    failed = failing("rollout-left-instances-empty", _rollout_service("placementConstraints: [{type: distinctInstance}]\n"))
    assert "one-per-instance" in failed


def test_rollout_reshuffling_at_half_capacity_drops_below_five_tasks() -> None:
    failed = failing(
        "rollout-left-instances-empty",
        _rollout_service("forceNewDeployment: true\ndeploymentConfiguration: {minimumHealthyPercent: 50, maximumPercent: 100}\n"),
    )
    assert "keeps-capacity" in failed


def test_rollout_doubling_the_tasks_is_not_allowed() -> None:
    failed = failing("rollout-left-instances-empty", _rollout_service("forceNewDeployment: true\nplacementConstraints: [{type: distinctInstance}]\n", desired=12))
    assert "six-tasks" in failed
# -- bloated-image-slow-scale-out -------------------------------------------------------------

def _reports(base: str, apt: str, pip: str = "pip install --no-cache-dir -r requirements.txt", extra: str = "") -> str:
    return (
        f"FROM {base}\nRUN {apt}\n{extra}WORKDIR /app\nCOPY requirements.txt .\nRUN {pip}\nCOPY . .\n"
        'EXPOSE 8080\nCMD ["gunicorn", "-b", "0.0.0.0:8080", "app:app"]\n'
    )


_LEAN_APT = "apt-get update && apt-get install -y --no-install-recommends texlive-latex-extra fonts-noto && rm -rf /var/lib/apt/lists/*"


@pytest.mark.parametrize(
    "dockerfile",
    [
        # the slim base alone: the recommended fonts still weigh hundreds of MB
        _reports("python:3.12-slim", "apt-get update && apt-get install -y texlive-latex-extra fonts-noto && rm -rf /var/lib/apt/lists/*"),
        # every cleanup, on the full base: nothing shared with metrics-agent's layers
        _reports("python:3.12", _LEAN_APT),
        # removing the recommended fonts in a later RUN only hides them (whiteouts)
        _reports("python:3.12-slim", "apt-get update && apt-get install -y texlive-latex-extra fonts-noto",
                 extra="RUN apt-get purge -y fonts-noto-cjk fonts-noto-extra && rm -rf /var/lib/apt/lists/* /root/.cache\n"),
    ],
    ids=["slim-with-recommends", "full-base-without-recommends", "purge-in-a-later-run"],
)
def test_bloated_image_half_fixes_still_miss_the_step(dockerfile: str) -> None:
    failed = failing("bloated-image-slow-scale-out", {"Dockerfile": dockerfile})
    assert "lean-image" in failed and "over 300 MB" in failed["lean-image"].message


def test_bloated_image_alpine_cannot_apt_get() -> None:
    """An Alpine base has no apt-get: the build is refused at the RUN, so nothing new is pushed and no task starts."""
    failed = failing("bloated-image-slow-scale-out", {"Dockerfile": _reports("python:3.12-alpine", _LEAN_APT)})
    assert {"step-on-time", "scaled-out"} <= set(failed)


def test_bloated_image_lean_image_without_pip_cache_flag_still_passes_the_step() -> None:
    """Only the base and the recommends matter for the deadline; pip's wheel cache stays within both bounds here."""
    loaded = scenario("bloated-image-slow-scale-out")
    files = answer(loaded, {"Dockerfile": _reports("python:3.12-slim", _LEAN_APT, pip="pip install -r requirements.txt")})
    report = grade(loaded, files, seeds=loaded.scenario.run.seeds[:1], label="pip cache kept")
    assert report.seeds[0].passed


# -- archive-deleted-too-late ------------------------------------------------------------------

_GEO_URL = "https://downloads.example.com/geodata/geodata-2026-11.tar.gz"
_GEO_TGZ = "/tmp/geodata-2026-11.tar.gz"


def _geo(data_steps: str) -> str:
    return (
        "FROM python:3.12-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
        "WORKDIR /app\n" + data_steps + "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
        'EXPOSE 8080\nCMD ["uvicorn", "--host", "0.0.0.0", "--port", "8080", "app:app"]\n'
    )


@pytest.mark.parametrize(
    "data_steps",
    [
        # download and unpack chained, the delete still in a RUN of its own
        f"RUN curl -fsSL -o {_GEO_TGZ} {_GEO_URL} && tar -xzf {_GEO_TGZ} -C /app/data\nRUN rm {_GEO_TGZ}\n",
        # unpack and delete chained, but the download is a layer of its own
        f"RUN curl -fsSL -o {_GEO_TGZ} {_GEO_URL}\nRUN tar -xzf {_GEO_TGZ} -C /app/data && rm -f {_GEO_TGZ}\n",
        # ADD of the remote archive: ADD does not unpack a URL, and its layer keeps the file
        f"ADD {_GEO_URL} /tmp/\nRUN tar -xzf {_GEO_TGZ} -C /app/data && rm {_GEO_TGZ}\n",
    ],
    ids=["rm-in-a-later-run", "download-in-its-own-run", "add-the-url"],
)
def test_archive_deleted_too_late_a_later_delete_keeps_the_archive(data_steps: str) -> None:
    failed = failing("archive-deleted-too-late", {"Dockerfile": _geo(data_steps)})
    assert "lean-image" in failed and "over 600 MB" in failed["lean-image"].message
    assert "new-tasks-on-time" in failed and "at 376 s" in failed["new-tasks-on-time"].message


def test_archive_deleted_too_late_streaming_into_tar_passes() -> None:
    """curl | tar never writes the archive: as lean as the chained RUN."""
    loaded = scenario("archive-deleted-too-late")
    files = answer(loaded, {"Dockerfile": _geo(f"RUN curl -fsSL {_GEO_URL} | tar -xz -C /app/data\n")})
    report = grade(loaded, files, seeds=loaded.scenario.run.seeds, label="streamed")
    assert report.passed


def test_archive_deleted_too_late_unpacking_before_the_download_is_refused() -> None:
    """tar of an archive no earlier step wrote fails the build at its line: nothing is pushed, no task runs."""
    failed = failing("archive-deleted-too-late", {"Dockerfile": _geo(f"RUN tar -xzf {_GEO_TGZ} -C /app/data && rm {_GEO_TGZ}\n")})
    assert {"geo-runs", "new-tasks-on-time"} <= set(failed)
# -- image-cleanup-disk-full ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "files",
    [
        # Tuning the cleanup does nothing while ECS_DISABLE_IMAGE_CLEANUP=true.
        {"ecs.config": "ECS_CLUSTER=search\nECS_DISABLE_IMAGE_CLEANUP=true\nECS_IMAGE_MINIMUM_CLEANUP_AGE=10m\nECS_IMAGE_CLEANUP_INTERVAL=10m\n"},
        # The pull behaviour decides whether a cached tag is pulled again, not what is removed.
        {"ecs.config": "ECS_CLUSTER=search\nECS_DISABLE_IMAGE_CLEANUP=true\nECS_IMAGE_PULL_BEHAVIOR=once\n"},
        # A bigger instance type has the same 30 GiB root volume.
        {"auto-scaling-group.yaml": "AutoScalingGroupName: ranker-asg\nMinSize: \"2\"\nMaxSize: \"2\"\nDesiredCapacity: \"2\"\n"
         "AvailabilityZones: [us-east-1a, us-east-1b]\nLaunchTemplate: {LaunchTemplateName: ranker-node-2xl, Version: $Latest}\n"},
    ],
    ids=["tune-but-disabled", "pull-once", "bigger-instance-type"],
)
def test_image_cleanup_disk_full_wrong_fixes_still_fill_the_disk(files: dict[str, str]) -> None:
    failed = failing("image-cleanup-disk-full", files)
    assert "no-disk-full" in failed
    assert "no space left on device" in failed["no-disk-full"].message
    assert "last-release-live" in failed


@pytest.mark.slow
def test_image_cleanup_disk_full_more_tasks_do_not_help() -> None:
    """More tasks (two per host, no distinctInstance) pull the same images onto the same disks."""
    loaded = scenario("image-cleanup-disk-full")
    service = edited(loaded, "service.yaml", ("desiredCount: 2", "desiredCount: 4"), ("placementConstraints:\n  - {type: distinctInstance}\n", ""))
    failed = failing("image-cleanup-disk-full", {"service.yaml": service})
    assert "no-disk-full" in failed
# -- api-rule-shadowed ----------------------------------------------------------------------------

_CATCH_ALL_RULE = """      - Priority: 10
        Conditions:
          - Field: path-pattern
            PathPatternConfig: {Values: ["/*"]}
        Actions:
          - Type: forward
            TargetGroupArn: web
"""
_FIXED_404 = """    DefaultActions:
      - Type: fixed-response
        FixedResponseConfig: {StatusCode: "404", ContentType: text/plain}
"""


def _load_balancer(*replacements: tuple[str, str]) -> str:
    return edited(scenario("api-rule-shadowed"), "load-balancer.yaml", *replacements)


def test_api_rule_shadowed_deleting_the_catch_all_rule_fails() -> None:
    """/api/* then matches, but the storefront's pages fall through to the fixed 404 (and no
    listener forwards to web any more, so its targets are never health checked)."""
    failed = failing("api-rule-shadowed", {"load-balancer.yaml": _load_balancer((_CATCH_ALL_RULE, ""))})
    assert set(failed) == {"pages-reach-web", "web-healthy"}
    assert "fixed-response 404" in failed["pages-reach-web"].message


def test_api_rule_shadowed_default_action_to_the_api_fails() -> None:
    """The default action runs only when no rule matches; /* still takes /api/... first."""
    forward_api = "    DefaultActions:\n      - {Type: forward, TargetGroupArn: api}\n"
    failed = failing("api-rule-shadowed", {"load-balancer.yaml": _load_balancer((_FIXED_404, forward_api))})
    assert set(failed) == {"api-calls-reach-api"}
    assert "target group web" in failed["api-calls-reach-api"].message


def test_api_rule_shadowed_splitting_the_catch_all_by_weight_fails() -> None:
    """A weighted forward to both target groups sends half the pages to the API and half the API calls to web."""
    split = "          - Type: forward\n            ForwardConfig:\n              TargetGroups: [{TargetGroupArn: web, Weight: 1}, {TargetGroupArn: api, Weight: 1}]\n"
    failed = failing("api-rule-shadowed", {"load-balancer.yaml": _load_balancer(
        (_CATCH_ALL_RULE, _CATCH_ALL_RULE.replace("          - Type: forward\n            TargetGroupArn: web\n", split)),
    )})
    assert set(failed) == {"api-calls-reach-api", "pages-reach-web"}


def test_api_rule_shadowed_raising_the_api_rules_priority_number_fails() -> None:
    """A higher number is evaluated later, not earlier."""
    failed = failing("api-rule-shadowed", {"load-balancer.yaml": _load_balancer(("- Priority: 20\n", "- Priority: 1000\n"))})
    assert set(failed) == {"api-calls-reach-api"}


def test_api_rule_shadowed_pages_as_the_default_action_passes() -> None:
    """No catch-all rule, the storefront as the default action: as right as the solution."""
    loaded = scenario("api-rule-shadowed")
    text = _load_balancer((_CATCH_ALL_RULE, ""), (_FIXED_404, "    DefaultActions:\n      - {Type: forward, TargetGroupArn: web}\n"))
    report = grade(loaded, answer(loaded, {"load-balancer.yaml": text}), seeds=loaded.scenario.run.seeds[:1], label="right answer")
    assert all(seed.passed for seed in report.seeds)
# -- canary-without-alarm-rollback: only the deployment's alarm with rollback protects customers ------

_CANARY_LINE = "  canaryConfiguration: {canaryPercent: 10, canaryBakeTimeInMinutes: 5}\n"


def _canary(*replacements: tuple[str, str]) -> str:
    return edited(scenario("canary-without-alarm-rollback"), "service.yaml", *replacements)


@pytest.mark.parametrize(
    ("replacements", "failed_checks"),
    [
        # The alarm fails the deployment, but without rollback the canary keeps its 10 % of 5xx-prone traffic.
        (
            [(_CANARY_LINE, _CANARY_LINE + "  alarms: {alarmNames: [orders-green-5xx], enable: true, rollback: false}\n")],
            {"back-on-working-revision", "few-errors"},
        ),
        # Named but not enabled: no alarm is watched.
        (
            [(_CANARY_LINE, _CANARY_LINE + "  alarms: {alarmNames: [orders-green-5xx], enable: false, rollback: true}\n")],
            {"release-failed", "back-on-working-revision", "few-errors"},
        ),
        # The circuit breaker counts failed starts and failed health checks; these tasks pass /health.
        (
            [(_CANARY_LINE, _CANARY_LINE + "  deploymentCircuitBreaker: {enable: true, rollback: true}\n")],
            {"release-failed", "back-on-working-revision", "few-errors"},
        ),
        # A smaller canary for longer only delays the full shift: nothing decides the canary is bad.
        (
            [(_CANARY_LINE, "  canaryConfiguration: {canaryPercent: 1, canaryBakeTimeInMinutes: 15}\n")],
            {"release-failed", "back-on-working-revision", "few-errors"},
        ),
        # All at once, with the alarm: the rollback comes, but every customer met the release first.
        (
            [
                ("strategy: CANARY", "strategy: BLUE_GREEN"),
                (_CANARY_LINE, "  alarms: {alarmNames: [orders-green-5xx], enable: true, rollback: true}\n"),
            ],
            {"few-errors"},
        ),
    ],
    ids=["alarm-without-rollback", "alarm-not-enabled", "circuit-breaker", "smaller-longer-canary", "blue-green-all-at-once"],
)
def test_canary_without_alarm_rollback_wrong_fixes(replacements: list[tuple[str, str]], failed_checks: set[str]) -> None:
    failed = failing("canary-without-alarm-rollback", {"service.yaml": _canary(*replacements)})
    assert set(failed) == failed_checks


def test_canary_without_alarm_rollback_a_rolling_update_with_the_alarm_is_not_simulated() -> None:
    """ROLLING with deployment alarms: the lab notes that alarms act only for the traffic-shifting strategies."""
    loaded = scenario("canary-without-alarm-rollback")
    text = _canary(
        ("strategy: CANARY", "strategy: ROLLING"),
        (_CANARY_LINE, "  alarms: {alarmNames: [orders-green-5xx], enable: true, rollback: true}\n"),
        ("  bakeTimeInMinutes: 5\n", ""),
    )
    text = text[: text.index("loadBalancers:")] + "loadBalancers:\n  - {targetGroupArn: orders-blue, containerName: orders, containerPort: 8000}\n"
    parsed = answer(loaded, {"service.yaml": text})["service.yaml"]
    assert any("not simulated for ROLLING" in n.message for n in parsed.notes)


def test_canary_without_alarm_rollback_a_refused_edit_changes_nothing() -> None:
    """An alternate target group equal to the primary is refused (ApiCallFailed at 2 min): the unprotected canary runs."""
    loaded = scenario("canary-without-alarm-rollback")
    text = _canary(
        (_CANARY_LINE, _CANARY_LINE + "  alarms: {alarmNames: [orders-green-5xx], enable: true, rollback: true}\n"),
        ("alternateTargetGroupArn: orders-green", "alternateTargetGroupArn: orders-blue"),
    )
    parsed = answer(loaded, {"service.yaml": text})["service.yaml"]
    assert "alternate target group must be different" in parsed.all_refusals[0].message
    failed = failing("canary-without-alarm-rollback", {"service.yaml": text})
    assert set(failed) == {"release-failed", "back-on-working-revision", "few-errors"}


# -- storefront-behind-internal-alb ----------------------------------------------------------------


def _storefront_lbs(storefront: str, backoffice: str) -> dict[str, str]:
    """Both load-balancer files of storefront-behind-internal-alb with their `Scheme: internal` line replaced."""
    loaded = scenario("storefront-behind-internal-alb")
    return {
        "storefront-lb.yaml": edited(loaded, "storefront-lb.yaml", ("Scheme: internal\n", storefront)),
        "backoffice-lb.yaml": edited(loaded, "backoffice-lb.yaml", ("Scheme: internal\n", backoffice)),
    }


@pytest.mark.parametrize("backoffice", ["Scheme: internet-facing\n", ""], ids=["explicit", "scheme-line-deleted"])
def test_storefront_internal_alb_both_internet_facing_fails(backoffice: str) -> None:
    """Both load balancers public (deleting the Scheme line gives the default, internet-facing):
    the customers get through, and so does the external scan of the staff's API."""
    failed = failing("storefront-behind-internal-alb", _storefront_lbs("Scheme: internet-facing\n", backoffice))
    assert set(failed) == {"backoffice-closed-to-internet"}
    assert "target group admin-api" in failed["backoffice-closed-to-internet"].message


def test_storefront_internal_alb_opening_the_wrong_load_balancer_fails() -> None:
    """The back office made internet-facing, the storefront left internal: customers still get
    nothing, and the staff's API is now on the internet."""
    failed = failing("storefront-behind-internal-alb", _storefront_lbs("Scheme: internal\n", "Scheme: internet-facing\n"))
    assert set(failed) == {"customers-reach-web", "no-customer-connection-fails", "backoffice-closed-to-internet"}
    assert "connection failed" in failed["customers-reach-web"].message


def test_storefront_internal_alb_deleting_the_scheme_line_passes() -> None:
    """Without `Scheme` the load balancer is internet-facing (the CreateLoadBalancer default): as right as the solution."""
    loaded = scenario("storefront-behind-internal-alb")
    files = _storefront_lbs("", "Scheme: internal\n")
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds, label="default scheme")
    assert all(seed.passed for seed in report.seeds)
def test_storefront_internal_alb_a_new_load_balancer_under_another_name_fails_on_the_name() -> None:
    """A new internet-facing ALB named otherwise is right in AWS terms, but the briefing's pipeline finds
    the load balancer by name: the customers' DNS still names storefront-alb, which no longer exists."""
    loaded = scenario("storefront-behind-internal-alb")
    storefront = edited(loaded, "storefront-lb.yaml", ("Scheme: internal\n", "Scheme: internet-facing\n"), ("Name: storefront-alb", "Name: storefront-public"))
    failed = failing("storefront-behind-internal-alb", {"storefront-lb.yaml": storefront})
    assert set(failed) == {"storefront-keeps-its-name", "customers-reach-web", "no-customer-connection-fails"}
    assert "Name is 'storefront-public', expected 'storefront-alb'" in failed["storefront-keeps-its-name"].message


# -- standby-beside-primary: anti-affinity between two services (memberOf on task:group) ---------

_LEDGER_BINPACK = "placementStrategy:\n  - {type: binpack, field: memory}\n"


def _ledger_memberof(expression: str) -> str:
    return _LEDGER_BINPACK + f'placementConstraints:\n  - {{type: memberOf, expression: "{expression}"}}\n'


def _ledger_both(*replacements: tuple[str, str]) -> dict[str, str]:
    """The same edit to both ledger services."""
    loaded = scenario("standby-beside-primary")
    return {name: edited(loaded, name, *replacements) for name in ("primary-service.yaml", "standby-service.yaml")}


def _ledger_one(name: str, *replacements: tuple[str, str]) -> dict[str, str]:
    """An edit to one ledger service file."""
    return {name: edited(scenario("standby-beside-primary"), name, *replacements)}


_LEDGER_WRONG = {
    # Affinity instead of anti-affinity: the standby may only go where the primary runs.
    "affinity-not-anti": lambda: _ledger_one("standby-service.yaml", (_LEDGER_BINPACK, _ledger_memberof("task:group == service:ledger-primary"))),
    # Only the primary excludes the standby: it is placed first, on an empty cluster, and the
    # unconstrained standby is then binpacked beside it.
    "primary-side-only": lambda: _ledger_one("primary-service.yaml", (_LEDGER_BINPACK, _ledger_memberof("not(task:group == service:ledger-standby)"))),
    # distinctInstance separates the tasks of one group; each service is its own group of one.
    "distinct-instance-both": lambda: _ledger_both((_LEDGER_BINPACK, _LEDGER_BINPACK + "placementConstraints:\n  - {type: distinctInstance}\n")),
    # A second standby task is binpacked onto the same host.
    "more-standbys": lambda: _ledger_one("standby-service.yaml", ("desiredCount: 1", "desiredCount: 2")),
}


@pytest.mark.parametrize("case", sorted(_LEDGER_WRONG))
def test_ledger_standby_still_dies_with_the_primary_host(case: str) -> None:
    failed = failing("standby-beside-primary", _LEDGER_WRONG[case]())
    assert "standby-survives" in failed
    assert "dropped to 0 running tasks at 600 s" in failed["standby-survives"].message


@pytest.mark.parametrize("strategy", ["placementStrategy:\n  - {type: spread, field: instanceId}\n", ""], ids=["spread-instance", "no-strategy"])
def test_ledger_strategies_do_not_separate_two_services(strategy: str) -> None:
    """Best effort over each service's own tasks: on some seed both tasks share the failing host."""
    loaded = scenario("standby-beside-primary")
    report = grade(loaded, answer(loaded, _ledger_both((_LEDGER_BINPACK, strategy))), seeds=loaded.scenario.run.seeds, label="wrong answer")
    assert not report.passed
    failed_seeds = [s for s in report.seeds if not s.passed]
    assert all(any(c.id == "standby-survives" and not c.passed for c in s.checks) for s in failed_seeds)


_LEDGER_LATE = {
    # The standby's rule alone (the loophole before the second crash): the primary's replacement,
    # unconstrained, is binpacked onto the standby's host, and the second crash takes both.
    "standby-side-only": lambda: _ledger_one("standby-service.yaml", (_LEDGER_BINPACK, _ledger_memberof("not(task:group == service:ledger-primary)"))),
    "standby-side-only-bang-equals": lambda: _ledger_one("standby-service.yaml", (_LEDGER_BINPACK, _ledger_memberof("task:group != service:ledger-primary"))),
    # The standby pinned to the bigger instances: the primary's replacement lands on the same one.
    "standby-pinned-by-type": lambda: _ledger_one("standby-service.yaml", (_LEDGER_BINPACK, _ledger_memberof("attribute:ecs.instance-type == m5.xlarge"))),
}


@pytest.mark.parametrize("case", sorted(_LEDGER_LATE))
def test_ledger_one_sided_rules_lose_the_standby_at_the_second_crash(case: str) -> None:
    failed = failing("standby-beside-primary", _LEDGER_LATE[case]())
    assert set(failed) == {"standby-survives"}
    assert "dropped to 0 running tasks at 900 s" in failed["standby-survives"].message


def test_ledger_both_pinned_by_type_leave_the_primary_nowhere_to_go() -> None:
    """Primary pinned to the m5.large, standby to the m5.xlarge: apart, until the m5.large crashes."""
    loaded = scenario("standby-beside-primary")
    files = {
        "primary-service.yaml": edited(loaded, "primary-service.yaml", (_LEDGER_BINPACK, _ledger_memberof("attribute:ecs.instance-type == m5.large"))),
        "standby-service.yaml": edited(loaded, "standby-service.yaml", (_LEDGER_BINPACK, _ledger_memberof("attribute:ecs.instance-type == m5.xlarge"))),
    }
    failed = failing("standby-beside-primary", files)
    assert {"primary-back", "primary-back-again"} <= set(failed)


@pytest.mark.parametrize(
    "expression", ["not(task:group == service:ledger-{other})", "task:group != service:ledger-{other}"], ids=["not-equals", "bang-equals"]
)
def test_ledger_anti_affinity_on_both_passes(expression: str) -> None:
    """Each service excludes the other's group; both spellings work, on every seed."""
    loaded = scenario("standby-beside-primary")
    files = {
        f"{name}-service.yaml": edited(loaded, f"{name}-service.yaml", (_LEDGER_BINPACK, _ledger_memberof(expression.format(other=other))))
        for name, other in (("primary", "standby"), ("standby", "primary"))
    }
    report = grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds, label="right answer")
    assert report.passed


# -- smoke-test-on-the-old-version: the hook tests what the test rule reaches -------------------

_SMOKE_HOOK = "      lifecycleStages: [POST_TEST_TRAFFIC_SHIFT]\n"
_SMOKE_PRODUCTION = "      productionListenerRule: arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/orders-alb/bdeb446b6988a989/263adc7dc69d7921/3a1b9fb70a344385\n"
_SMOKE_ALL = {"release-failed", "back-on-working-revision", "few-errors"}


def _smoke(*replacements: tuple[str, str]) -> str:
    return edited(scenario("smoke-test-on-the-old-version"), "service.yaml", *replacements)


@pytest.mark.parametrize(
    ("replacements", "failed_checks"),
    [
        # Without the hook nothing tests the release: production moves at once.
        (
            [
                ("  lifecycleHooks:\n    - hookTargetArn: arn:aws:lambda:us-east-1:123456789012:function:orders-smoke-test\n"
                 "      roleArn: arn:aws:iam::123456789012:role/ecsLifecycleHookRole\n" + _SMOKE_HOOK, ""),
            ],
            _SMOKE_ALL,
        ),
        # Earlier stages: green has no test traffic yet, the test still reaches blue.
        ([(_SMOKE_HOOK, "      lifecycleStages: [POST_SCALE_UP]\n")], _SMOKE_ALL),
        ([(_SMOKE_HOOK, "      lifecycleStages: [TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT]\n")], _SMOKE_ALL),
        # The circuit breaker counts failed starts and health checks; these tasks pass /health.
        ([(_SMOKE_HOOK, _SMOKE_HOOK + "  deploymentCircuitBreaker: {enable: true, rollback: true}\n")], _SMOKE_ALL),
        # A canary without alarms only delays the full shift.
        (
            [("strategy: BLUE_GREEN", "strategy: CANARY"), (_SMOKE_HOOK, _SMOKE_HOOK + "  canaryConfiguration: {canaryPercent: 5, canaryBakeTimeInMinutes: 3}\n")],
            _SMOKE_ALL,
        ),
        # The production rule as the test rule: refused (they must differ), nothing changes.
        ([(_SMOKE_PRODUCTION, _SMOKE_PRODUCTION + _SMOKE_PRODUCTION.replace("productionListenerRule", "testListenerRule"))], _SMOKE_ALL),
    ],
    ids=["no-hook", "post-scale-up", "test-traffic-shift-stage", "circuit-breaker", "canary-without-alarm", "production-rule-as-test-rule"],
)
def test_smoke_test_on_the_old_version_wrong_fixes(replacements: list[tuple[str, str]], failed_checks: set[str]) -> None:
    failed = failing("smoke-test-on-the-old-version", {"service.yaml": _smoke(*replacements)})
    assert set(failed) == failed_checks


def test_smoke_test_on_the_old_version_the_test_rule_by_its_arn_is_the_fix() -> None:
    """The right answer passes on every seed; the hook at TEST_TRAFFIC_SHIFT with the test rule named works too."""
    loaded = scenario("smoke-test-on-the-old-version")
    test_rule = _SMOKE_PRODUCTION.replace("productionListenerRule", "testListenerRule").replace("3a1b9fb70a344385", "7fa8c6af0f05ca46")
    for stages in ("[POST_TEST_TRAFFIC_SHIFT]", "[TEST_TRAFFIC_SHIFT]"):
        text = _smoke((_SMOKE_PRODUCTION, _SMOKE_PRODUCTION + test_rule), (_SMOKE_HOOK, f"      lifecycleStages: {stages}\n"))
        report = grade(loaded, answer(loaded, {"service.yaml": text}), seeds=loaded.scenario.run.seeds[:1], label="right answer")
        assert report.passed, stages


def test_smoke_test_on_the_old_version_a_rule_arn_the_alb_lacks_is_refused() -> None:
    """A made-up test rule ARN on orders-alb is refused at the UpdateService (positioned), so nothing changes."""
    loaded = scenario("smoke-test-on-the-old-version")
    wrong = _SMOKE_PRODUCTION.replace("productionListenerRule", "testListenerRule").replace("3a1b9fb70a344385", "0123456789abcdef")
    from lab.scenario.simdoc import check_files

    files = {**loaded.files, **answer(loaded, {"service.yaml": _smoke((_SMOKE_PRODUCTION, _SMOKE_PRODUCTION + wrong))})}
    checked = check_files(loaded, files, collect_refusals=True)
    assert "does not exist on load balancer orders-alb" in checked["service.yaml"].all_refusals[0].message
# -- codedeploy-all-at-once: a canary configuration, the alarm and rollback on alarm, together -----

_CD_CONFIG = "DeploymentConfigName: CodeDeployDefault.ECSAllAtOnce"
_CD_CANARY = "DeploymentConfigName: CodeDeployDefault.ECSCanary10Percent5Minutes"
_CD_ROLLBACK = "AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_FAILURE]}"
_CD_ALARM = "AlarmConfiguration:\n  Enabled: true\n  Alarms: [{Name: orders-green-5xx}]\n"


def _codedeploy_group(*replacements: tuple[str, str], alarm: bool = False) -> str:
    text = edited(scenario("codedeploy-all-at-once"), "deployment-group.yaml", *replacements)
    return text + (_CD_ALARM if alarm else "")


_CODEDEPLOY_WRONG = {
    # A canary nobody judges: the rest follows after 5 minutes.
    "canary-without-alarm": (lambda: _codedeploy_group((_CD_CONFIG, _CD_CANARY)), {"release-stopped", "never-all-production", "few-errors"}),
    # The alarm stops the deployment, but without DEPLOYMENT_STOP_ON_ALARM its 10 % stays on green.
    "alarm-without-rollback": (lambda: _codedeploy_group((_CD_CONFIG, _CD_CANARY), alarm=True), {"release-stopped", "few-errors"}),
    # Rollback on alarm with ECSAllAtOnce: every customer meets the release before the alarm's first minute ends.
    "all-at-once-with-alarm": (
        lambda: _codedeploy_group((_CD_ROLLBACK, "AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM]}"), alarm=True),
        {"never-all-production", "few-errors"},
    ),
    # A longer canary only delays the full shift.
    "longer-canary": (
        lambda: _codedeploy_group((_CD_CONFIG, "DeploymentConfigName: CodeDeployDefault.ECSCanary10Percent15Minutes")),
        {"release-stopped", "never-all-production", "few-errors"},
    ),
}


@pytest.mark.parametrize("case", sorted(_CODEDEPLOY_WRONG))
def test_codedeploy_all_at_once_wrong_fixes(case: str) -> None:
    make, failed_checks = _CODEDEPLOY_WRONG[case]
    failed = failing("codedeploy-all-at-once", {"deployment-group.yaml": make()})
    assert set(failed) == failed_checks


def test_codedeploy_all_at_once_rollback_on_alarm_without_alarms_is_refused() -> None:
    """CodeDeploy refuses DEPLOYMENT_STOP_ON_ALARM without an alarm configuration: the update fails, the all-at-once group stays."""
    loaded = scenario("codedeploy-all-at-once")
    text = _codedeploy_group((_CD_CONFIG, _CD_CANARY), (_CD_ROLLBACK, "AutoRollbackConfiguration: {Enabled: true, Events: [DEPLOYMENT_STOP_ON_ALARM]}"))
    parsed = answer(loaded, {"deployment-group.yaml": text})["deployment-group.yaml"]
    assert "DEPLOYMENT_STOP_ON_ALARM requires an enabled alarm configuration" in parsed.all_refusals[0].message
    failed = failing("codedeploy-all-at-once", {"deployment-group.yaml": text})
    assert set(failed) == {"release-stopped", "never-all-production", "few-errors"}
# -- burst-nodes-never-register: the agent calls ECS with the instance role -------------------

_BURST_ECR_LOGS = (
    "{Effect: Allow, Action: [ecr:GetAuthorizationToken, ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer, "
    'ecr:BatchGetImage, logs:CreateLogStream, logs:PutLogEvents], Resource: "*"}'
)


def _burst_role(actions: str, principal: str = "ec2.amazonaws.com") -> dict[str, str]:
    """ordersBurstNodeRole with the ECR and logs actions plus ``actions`` (a flow list)."""
    statement = _BURST_ECR_LOGS + (f', {{Effect: Allow, Action: {actions}, Resource: "*"}}' if actions else "")
    return {"instance-role.yaml": role_with("ordersBurstNodeRole", principal, statement)}


_BURST_NEVER_WORK = {
    # The ECS calls an operator makes, not the agent's: the instances still cannot register.
    "operator-ecs-actions": lambda: _burst_role("[ecs:RunTask, ecs:StartTask, ecs:UpdateService, ecs:DescribeServices]"),
    # The right actions on a role the instance profile cannot deliver (trusts the tasks' principal).
    "trusts-ecs-tasks": lambda: _burst_role("[ecs:RegisterContainerInstance, ecs:DiscoverPollEndpoint, ecs:Poll, ecs:Submit*]", "ecs-tasks.amazonaws.com"),
    # More instances from the same template: none of them registers either.
    "grow-the-group": lambda: {
        "auto-scaling-group.yaml": edited(scenario("burst-nodes-never-register"), "auto-scaling-group.yaml", ('DesiredCapacity: "3"', 'DesiredCapacity: "6"'))
    },
}


@pytest.mark.parametrize("case", sorted(_BURST_NEVER_WORK))
def test_burst_nodes_still_take_no_tasks(case: str) -> None:
    failed = failing("burst-nodes-never-register", _BURST_NEVER_WORK[case]())
    assert {"orders-running", "burst-capacity", "every-instance-registers"} <= set(failed)
    assert "4 of 8 tasks running at 300 s" in failed["orders-running"].message
    assert "could not register with cluster orders" in failed["every-instance-registers"].message


def test_burst_nodes_registration_alone_gets_no_tasks() -> None:
    """Registration allowed, polling not: the agent cannot open its connection to receive work.

    Only the outcome is asserted: ECS would list such an instance with agentConnected false,
    the lab keeps it out of the cluster (docs/ecs-facts.md §8.1, UNCONFIRMED either way).
    """
    failed = failing("burst-nodes-never-register", _burst_role("[ecs:RegisterContainerInstance]"))
    assert "4 of 8 tasks running at 300 s" in failed["orders-running"].message


@pytest.mark.parametrize(
    ("grant", "checks"), [("[ecs:*]", {"no-ecs-wildcard"}), ('"*"', {"no-admin", "no-ecs-wildcard"})], ids=["ecs-wildcard", "admin"]
)
def test_burst_nodes_wildcards_work_but_are_not_least_privilege(grant: str, checks: set[str]) -> None:
    """The instances join and the tasks run, but any container reading the instance's credentials could change services."""
    failed = failing("burst-nodes-never-register", _burst_role(grant))
    assert set(failed) == checks


def test_burst_nodes_the_agent_actions_listed_by_hand_pass() -> None:
    """The managed policy is the simple answer; the agent's own ECS actions, listed, are as right."""
    loaded = scenario("burst-nodes-never-register")
    files = _burst_role("[ecs:RegisterContainerInstance, ecs:DeregisterContainerInstance, ecs:DiscoverPollEndpoint, ecs:Poll, ecs:StartTelemetrySession, ecs:Submit*]")
    assert grade(loaded, answer(loaded, files), seeds=loaded.scenario.run.seeds, label="right answer").passed


# -- alb-for-a-running-service: UpdateService adds a load balancer to a rolling-update service ---

_QUOTES_LB = "loadBalancers:\n  - {targetGroupArn: quotes, containerName: quotes, containerPort: %s}\n"


def _quotes(*replacements: tuple[str, str], lb_port: int | None = 8000) -> dict[str, str]:
    """service.yaml of alb-for-a-running-service with edits, and the quotes target group when ``lb_port``."""
    text = edited(scenario("alb-for-a-running-service"), "service.yaml", *replacements)
    return {"service.yaml": text + (_QUOTES_LB % lb_port if lb_port is not None else "")}


def test_quotes_a_second_service_leaves_quotes_unregistered() -> None:
    """The old runbook's quotes-v2: the partners are answered, but by a service nothing is attached to."""
    failed = failing("alb-for-a-running-service", _quotes(("serviceName: quotes", "serviceName: quotes-v2")))
    assert set(failed) == {"quotes-service-registers"}


def test_quotes_the_listener_port_as_container_port_is_refused() -> None:
    """containerPort 80 matches no port mapping of the container: ECS refuses the update, nothing changes."""
    failed = failing("alb-for-a-running-service", _quotes(lb_port=80))
    assert {"partners-answered", "quotes-targets-healthy", "quotes-service-registers"} <= set(failed)


def test_quotes_dropping_to_zero_healthy_to_go_faster_fails() -> None:
    """minimumHealthyPercent 0 lets the deployment stop every old task before the new ones run."""
    files = _quotes(("desiredCount: 3\n", "desiredCount: 3\ndeploymentConfiguration: {minimumHealthyPercent: 0, maximumPercent: 100}\n"))
    failed = failing("alb-for-a-running-service", files)
    assert "quotes-never-short" in failed
