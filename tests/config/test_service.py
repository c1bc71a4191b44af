"""Tests for lab.config.service: the CreateService model, its defaults and ECS's refusals."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lab.config.service import InvalidParameterException, parse_service, service_errors
from lab.config.target_group import TargetGroup, target_group_arn
from lab.config.task_definition import parse_task_definition
from tests.config.support import at, doc, failures, only, position

EC2 = """\
serviceName: web
taskDefinition: web
desiredCount: 3
launchType: EC2
loadBalancers:
  - targetGroupArn: web
    containerName: web
    containerPort: 8080
"""

FARGATE = """\
serviceName: api
taskDefinition: api:3
desiredCount: 2
launchType: FARGATE
networkConfiguration:
  awsvpcConfiguration:
    subnets: [subnet-a, subnet-b]
    securityGroups: [api-tasks]
"""

DAEMON = """\
serviceName: log-shipper
taskDefinition: log-shipper
schedulingStrategy: DAEMON
launchType: EC2
"""

BRIDGE_TD = """\
family: web
networkMode: bridge
containerDefinitions:
  - name: web
    image: nginx:1.27
    memory: 256
    portMappings:
      - containerPort: 8080
        hostPort: 0
"""

AWSVPC_TD = """\
family: api
requiresCompatibilities: [FARGATE]
networkMode: awsvpc
cpu: "256"
memory: "512"
containerDefinitions:
  - name: api
    image: public.ecr.aws/nginx/nginx:1.27
    portMappings:
      - containerPort: 8080
"""


def load(text: str):
    """Parse ``text`` and return the service model."""
    return parse_service(doc(text, "service.yaml")).service


def refusal(text: str) -> tuple[str, tuple[int, int]]:
    """Return the single refusal of ``text``: its message and position."""
    found = only(parse_service, text)
    return found.message, position(found)


def task_definition(text: str):
    """Parse a task definition."""
    return parse_task_definition(doc(text)).task_definition


def cross(service_text: str, td_text: str, groups: dict[str, TargetGroup] | None = None) -> list[tuple[str, tuple]]:
    """Run ``service_errors`` and return (message, path) pairs."""
    default = {"web": TargetGroup.with_defaults("web"), "api": TargetGroup.with_defaults("api", target_type="ip")}
    errors = service_errors(load(service_text), task_definition(td_text), default if groups is None else groups)
    return [(str(e), e.path) for e in errors]


# --- parsing and defaults ---------------------------------------------------------------------


def test_service_parses_with_snake_case_attributes() -> None:
    """A typical EC2 service loads with its load balancer wiring and the REPLICA default."""
    service = load(EC2)
    assert (service.service_name, service.task_definition, service.desired_count) == ("web", "web", 3)
    assert (service.launch_type, service.scheduling_strategy, service.force_new_deployment) == ("EC2", "REPLICA", False)
    lb = service.load_balancers[0]
    assert (lb.target_group_arn, lb.load_balancer_name, lb.container_name, lb.container_port) == ("web", None, "web", 8080)


def test_awsvpc_configuration_is_modelled_with_defaults() -> None:
    """Subnets and security groups are tuples and assignPublicIp defaults to DISABLED."""
    vpc = load(FARGATE).network_configuration.awsvpc_configuration
    assert (vpc.subnets, vpc.security_groups, vpc.assign_public_ip) == (("subnet-a", "subnet-b"), ("api-tasks",), "DISABLED")


def test_placement_and_capacity_providers_are_modelled() -> None:
    """Constraints, strategies and capacity providers keep type/expression/field/weight/base."""
    service = load(
        EC2.replace("launchType: EC2\n", "")
        + "placementConstraints: [{type: memberOf, expression: 'attribute:ecs.instance-type =~ m5.*'}]\n"
        + "placementStrategy: [{type: spread, field: 'attribute:ecs.availability-zone'}, {type: binpack, field: memory}]\n"
        + "capacityProviderStrategy: [{capacityProvider: spot, weight: 3}, {capacityProvider: on-demand, base: 2}]\n"
    )
    assert service.placement_constraints[0].expression == "attribute:ecs.instance-type =~ m5.*"
    assert [(s.type, s.field) for s in service.placement_strategy] == [
        ("spread", "attribute:ecs.availability-zone"),
        ("binpack", "memory"),
    ]
    assert [(c.capacity_provider, c.weight, c.base) for c in service.capacity_provider_strategy] == [
        ("spot", 3, 0),
        ("on-demand", 0, 2),
    ]


@pytest.mark.parametrize(("text", "bounds"), [(EC2, (100, 200)), (DAEMON, (0, 100))])
def test_deployment_defaults_follow_the_scheduling_strategy(text: str, bounds: tuple[int, int]) -> None:
    """Unset bounds are REPLICA 100/200 and DAEMON 0/100, as ECS defaults them."""
    service = load(text)
    dc = service.deployment_configuration
    assert (dc.minimum_healthy_percent, dc.maximum_percent) == (None, None)
    assert (dc.min_healthy_percent(service.scheduling_strategy), dc.max_percent(service.scheduling_strategy)) == bounds


def test_written_deployment_bounds_and_circuit_breaker_win() -> None:
    """Explicit percentages override the defaults and the circuit breaker is kept."""
    service = load(
        EC2 + "deploymentConfiguration:\n  minimumHealthyPercent: 50\n  maximumPercent: 150\n"
        "  deploymentCircuitBreaker: {enable: true, rollback: true}\n"
    )
    dc = service.deployment_configuration
    assert (dc.min_healthy_percent("REPLICA"), dc.max_percent("REPLICA")) == (50, 150)
    assert (dc.deployment_circuit_breaker.enable, dc.deployment_circuit_breaker.rollback) == (True, True)


def test_model_is_frozen() -> None:
    """A parsed service cannot be changed in place."""
    service = load(EC2)
    with pytest.raises(ValidationError):
        service.desired_count = 4  # type: ignore[misc]


def test_zero_desired_count_is_accepted() -> None:
    """desiredCount 0 is a valid REPLICA service (scaled to zero)."""
    assert load(EC2.replace("desiredCount: 3", "desiredCount: 0")).desired_count == 0


# --- shape errors and notes -------------------------------------------------------------------


def test_misspelt_key_gets_a_suggestion_at_the_key() -> None:
    """``desiredCont`` is an unknown key, positioned at the key, with did-you-mean 'desiredCount'."""
    text = EC2.replace("desiredCount", "desiredCont")
    found = only(parse_service, text)
    assert found.message == "unknown key 'desiredCont' at the top level; did you mean 'desiredCount'?"
    assert position(found) == (3, 1)


def test_nested_typo_is_reported_with_its_path() -> None:
    """A typo inside loadBalancers names the list item it is in."""
    text = EC2.replace("    containerPort: 8080", "    containerPrt: 8080")
    messages = [d.message for d in failures(parse_service, text)]
    assert messages == ["unknown key 'containerPrt' in loadBalancers[0]; did you mean 'containerPort'?"]


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("enableECSManagedTags: true\n", "enableECSManagedTags"),
        ("tags: [{key: team, value: web}]\n", "tags"),
        ("enableExecuteCommand: true\n", "enableExecuteCommand"),
        ("propagateTags: SERVICE\n", "propagateTags"),
        ("platformVersion: LATEST\n", "platformVersion"),
    ],
)
def test_known_unmodelled_keys_are_notes(extra: str, key: str) -> None:
    """Keys CreateService knows but the lab ignores load with a "not simulated" note at the key."""
    text = EC2 + extra
    notes = parse_service(doc(text)).notes
    assert [n.message for n in notes] == [f"'{key}' is accepted but not simulated"]
    assert (notes[0].severity, position(notes[0])) == ("note", at(text, key))


def test_unknown_launch_type_value_is_a_shape_error() -> None:
    """An enum typo gets the allowed values and a suggestion."""
    message, _ = refusal(EC2.replace("launchType: EC2", "launchType: ec2"))
    assert message.startswith("invalid value 'ec2' for 'launchType'") and "did you mean 'EC2'?" in message


# --- lab requirements -------------------------------------------------------------------------


def test_task_definition_is_required_by_the_lab() -> None:
    """A service without taskDefinition cannot run in the lab."""
    message, _ = refusal(EC2.replace("taskDefinition: web\n", ""))
    assert message.startswith("missing required key 'taskDefinition' at the top level")


def test_classic_load_balancers_are_refused() -> None:
    """loadBalancerName (a Classic Load Balancer) is refused at the key: the lab does not simulate it."""
    text = EC2.replace("  - targetGroupArn: web", "  - loadBalancerName: web-clb")
    message, where = refusal(text)
    assert message.startswith("Classic Load Balancers are not simulated by the lab")
    assert where == at(text, "loadBalancerName")


def test_load_balancer_needs_container_name_and_port() -> None:
    """Each load balancer must name the container and port to register."""
    text = EC2.replace("    containerName: web\n", "")
    assert only(parse_service, text).message == "missing required key 'containerName' in loadBalancers[0]"


@pytest.mark.parametrize("launch_type", ["EXTERNAL", "MANAGED_INSTANCES"])
def test_unsimulated_launch_types_are_refused(launch_type: str) -> None:
    """Only EC2 and FARGATE launch types run in the lab."""
    message, _ = refusal(EC2.replace("launchType: EC2", f"launchType: {launch_type}"))
    assert message == f"launchType '{launch_type}' is not simulated by the lab; use EC2 or FARGATE"


def test_network_configuration_needs_awsvpc_configuration() -> None:
    """An empty networkConfiguration is refused."""
    text = FARGATE.split("networkConfiguration:")[0] + "networkConfiguration: {}\n"
    assert only(parse_service, text).message == "missing required key 'awsvpcConfiguration' in networkConfiguration"


# --- CreateService refusals -------------------------------------------------------------------


def test_refusals_are_invalid_parameter_exceptions() -> None:
    """CreateService refusals print as ``InvalidParameterException: <ECS text>``."""
    exc = InvalidParameterException("DesiredCount is missing", ("desiredCount",))
    assert str(exc) == "InvalidParameterException: DesiredCount is missing"
    assert (exc.message, exc.path) == ("DesiredCount is missing", ("desiredCount",))


def test_replica_requires_desired_count() -> None:
    """A REPLICA service without desiredCount is refused."""
    message, where = refusal(EC2.replace("desiredCount: 3\n", ""))
    assert (message, where) == ("InvalidParameterException: DesiredCount is missing", (1, 1))


def test_negative_desired_count_is_refused() -> None:
    """desiredCount below zero is refused at the value."""
    text = EC2.replace("desiredCount: 3", "desiredCount: -1")
    assert refusal(text)[1] == at(text, "-1")


def test_daemon_refuses_a_desired_count() -> None:
    """ECS's own words for a DAEMON service with desiredCount, at the value."""
    text = DAEMON + "desiredCount: 0\n"
    message, where = refusal(text)
    assert message == (
        "InvalidParameterException: The daemon scheduling strategy does not support a desired count for "
        "services. Remove the desired count value and try again"
    )
    assert where == (5, 15)


def test_daemon_refuses_placement_strategies() -> None:
    """A DAEMON service may not have placement strategies."""
    text = DAEMON + "placementStrategy: [{type: spread, field: instanceId}]\n"
    message, where = refusal(text)
    assert message == (
        "InvalidParameterException: The daemon scheduling strategy does not support placement strategies. "
        "Remove the placement strategy and try again"
    )
    assert where == at(text, "[{type")


def test_daemon_accepts_placement_constraints() -> None:
    """Constraints (unlike strategies) are fine on a DAEMON service."""
    service = load(DAEMON + "placementConstraints: [{type: memberOf, expression: 'attribute:role == logs'}]\n")
    assert service.is_daemon and len(service.placement_constraints) == 1


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ("launchType: FARGATE\n", "FARGATE"),
        ("capacityProviderStrategy: [{capacityProvider: FARGATE_SPOT, weight: 1}]\n", "[{capacityProvider"),
    ],
)
def test_daemon_is_refused_on_fargate(change: str, needle: str) -> None:
    """DAEMON does not run on Fargate, by launch type or by Fargate capacity providers."""
    text = DAEMON.replace("launchType: EC2\n", change)
    message, where = refusal(text)
    assert "does not support the FARGATE launch type" in message
    assert where == at(text, needle)


@pytest.mark.parametrize("controller", ["CODE_DEPLOY", "EXTERNAL"])
def test_daemon_needs_the_ecs_deployment_controller(controller: str) -> None:
    """API: CreateServiceRequest.schedulingStrategy: the CODE_DEPLOY and EXTERNAL controllers need REPLICA."""
    text = DAEMON + f"deploymentController: {{type: {controller}}}\n"
    message, where = refusal(text)
    assert message == (
        f"InvalidParameterException: The daemon scheduling strategy does not support the {controller} deployment controller. "
        "Change the deployment controller and try again"
    )
    assert where == at(text, controller)
    assert load(DAEMON + "deploymentController: {type: ECS}\n").is_daemon


@pytest.mark.parametrize("key", ["minimumHealthyPercent", "maximumPercent"])
def test_codedeploy_on_ec2_takes_no_custom_deployment_bounds(key: str) -> None:
    """API: DeploymentConfiguration: no custom bounds for a CODE_DEPLOY or EXTERNAL service whose
    tasks use EC2 (it keeps the defaults); on Fargate the values are accepted and not used."""
    text = EC2 + f"deploymentController: {{type: CODE_DEPLOY}}\ndeploymentConfiguration: {{{key}: 100}}\n"
    message, where = refusal(text)
    assert message == (
        f"InvalidParameterException: A custom {key} cannot be specified for a service with the CODE_DEPLOY "
        "deployment controller whose tasks use the EC2 launch type."
    )
    assert where == at(text, "100}")
    assert load(FARGATE + f"deploymentController: {{type: CODE_DEPLOY}}\ndeploymentConfiguration: {{{key}: 100}}\n")
    assert load(EC2 + "deploymentController: {type: CODE_DEPLOY}\n")


def test_daemon_maximum_percent_must_be_100() -> None:
    """A DAEMON service with maximumPercent above 100 gets ECS's text."""
    text = DAEMON + "deploymentConfiguration: {maximumPercent: 200}\n"
    message, where = refusal(text)
    assert message.startswith("InvalidParameterException: The daemon scheduling strategy does not support values above 100")
    assert where == at(text, "200")


@pytest.mark.parametrize("value", [-1, 101])
def test_minimum_healthy_percent_is_between_0_and_100(value: int) -> None:
    """minimumHealthyPercent outside 0–100 is refused at the value."""
    text = EC2 + f"deploymentConfiguration: {{minimumHealthyPercent: {value}}}\n"
    message, where = refusal(text)
    assert "minimumHealthyPercent must be between 0 and 100" in message
    assert where == at(text, f"{value}}}")


def test_maximum_percent_below_100_is_refused() -> None:
    """maximumPercent below 100 is refused (it could never start a replacement)."""
    message, _ = refusal(EC2 + "deploymentConfiguration: {maximumPercent: 50}\n")
    assert message == "InvalidParameterException: maximumPercent must be at least 100, got 50."


def test_stuck_deployment_bounds_are_accepted() -> None:
    """min 100 / max 100 is legal at creation; it only stalls deployments (§4.2)."""
    service = load(EC2 + "deploymentConfiguration: {minimumHealthyPercent: 100, maximumPercent: 100}\n")
    assert service.deployment_configuration.max_percent() == 100


def test_more_than_five_load_balancers_are_refused() -> None:
    """Six target groups on one service get ECS's list-length text."""
    entries = "".join(f"  - {{targetGroupArn: tg{i}, containerName: web, containerPort: 8080}}\n" for i in range(6))
    text = EC2.split("loadBalancers:")[0] + "loadBalancers:\n" + entries
    message, where = refusal(text)
    assert (message, where) == ("InvalidParameterException: load balancers can have at most 5 items.", (6, 3))


def test_placement_list_limits() -> None:
    """More than 5 strategies or 10 constraints are refused."""
    strategies = ", ".join(["{type: spread, field: instanceId}"] * 6)
    constraints = ", ".join(["{type: distinctInstance}"] * 11)
    text = EC2 + f"placementStrategy: [{strategies}]\nplacementConstraints: [{constraints}]\n"
    messages = [d.message for d in failures(parse_service, text)]
    assert messages == [
        "InvalidParameterException: placement strategies can have at most 5 items.",
        "InvalidParameterException: placement constraints can have at most 10 items.",
    ]


def test_fargate_refuses_placement_constraints_and_strategies() -> None:
    """Fargate places tasks itself: constraints and strategies are refused with ECS's texts."""
    text = FARGATE + "placementConstraints: [{type: distinctInstance}]\nplacementStrategy: [{type: random}]\n"
    assert [d.message for d in failures(parse_service, text)] == [
        "InvalidParameterException: Placement constraints are not supported with FARGATE launch type.",
        "InvalidParameterException: Placement strategies are not supported with FARGATE launch type.",
    ]


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ("{type: binpack, field: disk}", "disk"),
        ("{type: spread}", "{type: spread}"),
        ("{type: random, field: cpu}", "cpu"),
    ],
)
def test_strategy_fields_must_fit_their_type(entry: str, needle: str) -> None:
    """binpack takes cpu/memory, spread needs a field, random takes none."""
    text = EC2 + f"placementStrategy: [{entry}]\n"
    assert refusal(text)[1] == at(text, needle)


def test_member_of_needs_an_expression() -> None:
    """A memberOf constraint without an expression is refused."""
    message, _ = refusal(EC2 + "placementConstraints: [{type: memberOf}]\n")
    assert message == "InvalidParameterException: A memberOf placement constraint requires an expression."


def test_grace_period_without_load_balancer_is_a_note() -> None:
    """Current ECS accepts a grace period without load balancers; the lab notes the older refusal."""
    text = EC2.split("loadBalancers:")[0] + "healthCheckGracePeriodSeconds: 60\n"
    parsed = parse_service(doc(text))
    assert parsed.service.health_check_grace_period_seconds == 60
    (note,) = parsed.notes
    assert note.severity == "note" and position(note) == at(text, "healthCheckGracePeriodSeconds")
    assert "Health check grace period is only valid for services configured to use load balancers" in note.message


def test_grace_period_with_load_balancer_has_no_note() -> None:
    """With a load balancer the grace period needs no comment."""
    assert parse_service(doc(EC2 + "healthCheckGracePeriodSeconds: 60\n")).notes == []


def test_negative_grace_period_is_refused() -> None:
    """healthCheckGracePeriodSeconds is 0 or more."""
    assert "healthCheckGracePeriodSeconds must be between 0" in refusal(EC2 + "healthCheckGracePeriodSeconds: -5\n")[0]


def test_launch_type_and_capacity_providers_are_exclusive() -> None:
    """Setting both gets ECS's text, at the strategy."""
    text = EC2 + "capacityProviderStrategy: [{capacityProvider: spot, weight: 1}]\n"
    message, where = refusal(text)
    assert message == (
        "InvalidParameterException: Specifying both a launch type and capacity provider strategy is not supported. "
        "Remove one and try again."
    )
    assert where == at(text, "[{capacityProvider")


def test_only_one_capacity_provider_may_set_a_base() -> None:
    """A second provider with a base is refused at its base."""
    text = EC2.replace("launchType: EC2\n", "") + (
        "capacityProviderStrategy:\n  - {capacityProvider: a, base: 1, weight: 1}\n  - {capacityProvider: b, base: 2, weight: 1}\n"
    )
    message, where = refusal(text)
    assert "Only one capacity provider" in message and where == at(text, "2, weight")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("base: 100001", "'base' must be at most 100000, got 100001"),
        ("weight: 1001", "'weight' must be at most 1000, got 1001"),
        ("weight: -1", "'weight' must be at least 0, got -1"),
    ],
)
def test_capacity_provider_ranges_come_from_the_api_model(item: str, message: str) -> None:
    """base 0–100000 and weight 0–1000 (§4.7) are enforced by the shape check."""
    text = EC2.replace("launchType: EC2\n", "") + f"capacityProviderStrategy: [{{capacityProvider: a, {item}}}]\n"
    assert refusal(text)[0] == message


def test_a_strategy_holds_at_most_20_capacity_providers() -> None:
    """API: CreateServiceRequest.capacityProviderStrategy: "a maximum of 20 capacity providers"."""
    items = "".join(f"  - {{capacityProvider: cp{i}, weight: 1}}\n" for i in range(21))
    text = EC2.replace("launchType: EC2\n", "") + "capacityProviderStrategy:\n" + items
    assert refusal(text)[0] == "InvalidParameterException: capacity provider strategy can have at most 20 items."
    assert len(load(text.replace(items, items.split("\n", 1)[1])).capacity_provider_strategy) == 20


def test_several_capacity_providers_need_a_weight_above_zero() -> None:
    """API: CapacityProviderStrategyItem.weight: with several providers, all at weight 0, CreateService fails;
    one provider alone may have weight 0 (its base places the tasks)."""
    both = "capacityProviderStrategy:\n  - {capacityProvider: a, base: 1}\n  - {capacityProvider: b, weight: 0}\n"
    text = EC2.replace("launchType: EC2\n", "") + both
    message, where = refusal(text)
    assert message == (
        "InvalidParameterException: At least one capacity provider in a capacity provider strategy must have a weight greater than zero."
    )
    assert where == at(text, "- {capacityProvider: a")
    assert load(text.replace("weight: 0", "weight: 1")).capacity_provider_strategy
    assert load(EC2.replace("launchType: EC2\n", "") + "capacityProviderStrategy: [{capacityProvider: a, base: 1}]\n").capacity_provider_strategy


@pytest.mark.parametrize("name", ["web app", "web.app", "w" * 256])
def test_a_service_name_is_letters_digits_hyphens_and_underscores(name: str) -> None:
    """API: CreateServiceRequest.serviceName: up to 255 letters, numbers, underscores and hyphens."""
    text = EC2.replace("serviceName: web", f"serviceName: {name}")
    message, where = refusal(text)
    assert message.startswith("InvalidParameterException: Service name must be up to 255 letters")
    assert where == at(text, name)
    assert load(EC2.replace("serviceName: web", "serviceName: Web_app-2")).service_name == "Web_app-2"


def test_empty_subnets_are_refused() -> None:
    """An awsvpc configuration needs at least one subnet."""
    message, _ = refusal(FARGATE.replace("[subnet-a, subnet-b]", "[]"))
    assert message == "InvalidParameterException: subnets can not be empty."


def test_public_ip_is_refused_on_ec2() -> None:
    """assignPublicIp ENABLED is a Fargate-only setting."""
    text = FARGATE.replace("launchType: FARGATE", "launchType: EC2") + "    assignPublicIp: ENABLED\n"
    message, where = refusal(text)
    assert message == "InvalidParameterException: Assign public IP is not supported for this launch type."
    assert where == at(text, "ENABLED")


# --- cross-file checks ------------------------------------------------------------------------


def test_consistent_files_pass_the_cross_checks() -> None:
    """A bridge service on an instance target group and an awsvpc one on an ip group pass."""
    assert cross(EC2, BRIDGE_TD) == []
    fargate = FARGATE + "loadBalancers: [{targetGroupArn: api, containerName: api, containerPort: 8080}]\n"
    assert cross(fargate, AWSVPC_TD) == []


def test_target_group_may_be_named_by_arn() -> None:
    """A target-group ARN matches the target group of that name."""
    arn = target_group_arn("web", "us-east-1", "123456789012")
    assert cross(EC2.replace("targetGroupArn: web", f"targetGroupArn: {arn}"), BRIDGE_TD) == []


def test_unknown_target_group_gets_ecs_text() -> None:
    """A load balancer naming no known target group gets what ECS answers when it cannot describe it."""
    ((message, path),) = cross(EC2.replace("targetGroupArn: web", "targetGroupArn: missing"), BRIDGE_TD)
    assert message.startswith("InvalidParameterException: Unable to assume role and validate the specified targetGroupArn.")
    assert path == ("loadBalancers", 0, "targetGroupArn")


def test_container_must_exist_in_the_task_definition() -> None:
    """containerName must name a container of the task definition."""
    ((message, path),) = cross(EC2.replace("containerName: web", "containerName: app"), BRIDGE_TD)
    assert message == "InvalidParameterException: The container app does not exist in the task definition."
    assert path == ("loadBalancers", 0, "containerName")


def test_container_port_must_be_mapped() -> None:
    """containerPort must be one of the container's port mappings."""
    ((message, path),) = cross(EC2.replace("containerPort: 8080", "containerPort: 80"), BRIDGE_TD)
    assert message == "InvalidParameterException: The container web did not have a container port 80 defined."
    assert path == ("loadBalancers", 0, "containerPort")


def test_awsvpc_needs_network_configuration() -> None:
    """An awsvpc task definition without networkConfiguration is refused."""
    text = FARGATE.split("networkConfiguration:")[0]
    assert cross(text, AWSVPC_TD) == [
        ("InvalidParameterException: Network Configuration must be provided when networkMode 'awsvpc' is specified.", ())
    ]


def test_network_configuration_is_refused_for_bridge() -> None:
    """networkConfiguration with a bridge task definition is refused."""
    ((message, path),) = cross(FARGATE.replace("launchType: FARGATE", "launchType: EC2"), BRIDGE_TD)
    assert message.endswith("Network Configuration is not valid for the given networkMode of this task definition.")
    assert path == ("networkConfiguration",)


def test_instance_target_group_is_incompatible_with_awsvpc() -> None:
    """awsvpc tasks need ip targets; the message quotes the target group's ARN."""
    fargate = FARGATE + "loadBalancers: [{targetGroupArn: web-ip, containerName: api, containerPort: 8080}]\n"
    groups = {"web-ip": TargetGroup.with_defaults("web-ip")}
    ((message, path),) = cross(fargate, AWSVPC_TD, groups)
    arn = target_group_arn("web-ip", "us-east-1", "123456789012")
    assert message == (
        f"InvalidParameterException: The provided target group {arn} has target type instance, which is "
        "incompatible with the awsvpc network mode specified in the task definition."
    )
    assert path == ("loadBalancers", 0, "targetGroupArn")


def test_ip_target_group_is_incompatible_with_bridge() -> None:
    """bridge tasks register instances; an ip target group is refused."""
    ((message, _),) = cross(EC2, BRIDGE_TD, {"web": TargetGroup.with_defaults("web", target_type="ip")})
    assert "has target type ip, which is incompatible with the bridge network mode" in message


def test_fargate_needs_a_fargate_task_definition() -> None:
    """A FARGATE service whose task definition does not require FARGATE is refused."""
    td = AWSVPC_TD.replace("requiresCompatibilities: [FARGATE]\n", "")
    assert cross(FARGATE, td) == [
        ("InvalidParameterException: Task definition does not support launch_type FARGATE.", ("launchType",))
    ]


def test_constraint_limit_counts_the_task_definition() -> None:
    """Service plus task-definition constraints above 10 are refused."""
    td = BRIDGE_TD + "placementConstraints:\n" + "  - {type: memberOf, expression: 'attribute:a == b'}\n" * 2
    service = EC2 + "placementConstraints: [" + ", ".join(["{type: distinctInstance}"] * 9) + "]\n"
    assert cross(service, td) == [
        ("InvalidParameterException: placement constraints can have at most 10 items.", ("placementConstraints",))
    ]


def test_ec2_may_run_a_fargate_task_definition() -> None:
    """ECS registers FARGATE-only definitions as EC2-compatible too, so an EC2 service may run one."""
    service = FARGATE.replace("launchType: FARGATE", "launchType: EC2")
    assert cross(service, AWSVPC_TD) == []


# --- ECS quotas (§11.1) ------------------------------------------------------------------------


def test_a_desired_count_past_the_tasks_per_service_quota_is_refused_with_ecs_text() -> None:
    """5,000 tasks per service: CreateService answers "Desired count exceeds limit." (§11.1)."""
    text = EC2.replace("desiredCount: 3", "desiredCount: 100000")
    found = only(parse_service, text)
    assert found.message == "InvalidParameterException: Desired count exceeds limit."
    assert position(found) == at(text, "100000")
    assert load(EC2.replace("desiredCount: 3", "desiredCount: 5000")).desired_count == 5000


def test_force_new_deployment_is_updateservices_parameter_in_the_file() -> None:
    """``forceNewDeployment`` (UpdateService, not CreateService) is read from the file; a non-boolean is refused."""
    assert load(EC2 + "forceNewDeployment: true\n").force_new_deployment is True
    assert load(EC2 + "forceNewDeployment: false\n").force_new_deployment is False
    message, _ = refusal(EC2 + "forceNewDeployment: yes please\n")
    assert message == "forceNewDeployment must be true or false"
