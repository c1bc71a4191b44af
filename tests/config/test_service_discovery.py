"""serviceRegistries and serviceConnectConfiguration: what the lab models and what ECS refuses
(§14.1 and §14.2)."""

from __future__ import annotations

from lab.config.service import parse_service, service_errors
from lab.config.task_definition import parse_task_definition
from tests.config.support import doc, only

FARGATE = """\
serviceName: payments
taskDefinition: payments
desiredCount: 2
launchType: FARGATE
networkConfiguration:
  awsvpcConfiguration:
    subnets: [subnet-a]
"""

TD = """\
family: payments
networkMode: awsvpc
requiresCompatibilities: [FARGATE]
cpu: "256"
memory: "512"
containerDefinitions:
  - name: payments
    image: payments:1.0
    portMappings:
      - {containerPort: 8080, name: http}
"""

CONNECT = """\
serviceConnectConfiguration:
  enabled: true
  namespace: internal
  services:
    - portName: http
      clientAliases: [{port: 8080, dnsName: payments.internal}]
"""


def _errors(service_text: str, td_text: str = TD) -> list[str]:
    service = parse_service(doc(service_text, "service.yaml")).service
    td = parse_task_definition(doc(td_text)).task_definition
    return [str(e) for e in service_errors(service, td, {})]


def test_registries_and_service_connect_are_modelled_without_notes() -> None:
    parsed = parse_service(doc(FARGATE + "serviceRegistries: [{registryArn: payments.internal}]\n" + CONNECT))
    assert parsed.notes == []
    assert parsed.service.service_registries[0].registry_arn == "payments.internal"
    config = parsed.service.service_connect_configuration
    assert config is not None and config.services[0].client_aliases[0].dns_name == "payments.internal"


def test_a_port_name_must_name_a_port_mapping() -> None:
    assert _errors(FARGATE + CONNECT) == []
    wrong = _errors(FARGATE + CONNECT.replace("portName: http", "portName: web"))
    assert len(wrong) == 1 and "port name web" in wrong[0]


def test_service_connect_refuses_host_mode() -> None:
    td = TD.replace("networkMode: awsvpc", "networkMode: host").replace("requiresCompatibilities: [FARGATE]", "requiresCompatibilities: [EC2]")
    service = FARGATE.replace("launchType: FARGATE", "launchType: EC2").split("networkConfiguration")[0]
    assert any("host network mode" in e for e in _errors(service + CONNECT, td))


def test_bridge_mode_registry_needs_a_container_and_port() -> None:
    td = TD.replace("networkMode: awsvpc", "networkMode: bridge").replace("requiresCompatibilities: [FARGATE]", "requiresCompatibilities: [EC2]")
    service = FARGATE.replace("launchType: FARGATE", "launchType: EC2").split("networkConfiguration")[0]
    errors = _errors(service + "serviceRegistries: [{registryArn: payments.internal}]\n", td)
    assert len(errors) == 1 and "containerName and containerPort" in errors[0]
    ok = "serviceRegistries: [{registryArn: payments.internal, containerName: payments, containerPort: 8080}]\n"
    assert _errors(service + ok, td) == []


def test_one_registry_per_service() -> None:
    text = FARGATE + "serviceRegistries: [{registryArn: a.internal}, {registryArn: b.internal}]\n"
    assert "Multiple service registries" in only(parse_service, text).message
