"""A load balancer reaches its targets through the targets' security groups, by group or by address."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import TargetHealthChanged
from lab.sim.world import World

ROLE = {
    "RoleName": "ecsInstanceRole",
    "AssumeRolePolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    },
    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"],
}
TASK_DEFINITION = """\
family: web
networkMode: bridge
containerDefinitions:
  - name: web
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0
    cpu: 256
    memoryReservation: 256
    portMappings:
      - {containerPort: 8080, hostPort: 0}
"""
SERVICE = """\
serviceName: web
taskDefinition: web
desiredCount: 2
launchType: EC2
loadBalancers:
  - {targetGroupArn: web, containerName: web, containerPort: 8080}
"""


def world_with_instance_rule(tmp_path: Path, rule: dict[str, object]) -> World:
    """Two instances behind an ALB with group ``alb``; the instances' group has SSH plus ``rule``."""
    document = {
        "world": {
            "instances": [{"count": 2, "type": "t3.medium", "azs": ["us-east-1a", "us-east-1b"], "security_groups": ["instances"]}],
            "registry": [{"repository": "web", "tag": "1.0.0", "size_mb": 80, "app": {"boot_s": 5}}],
            "roles": [ROLE],
            "load_balancers": [{"name": "web-alb", "azs": ["us-east-1a", "us-east-1b"], "security_groups": ["alb"], "target_groups": ["web"]}],
            "target_groups": [{"Name": "web", "Protocol": "HTTP", "Port": 80, "TargetType": "instance"}],
            "security_groups": [
                {"GroupName": "alb", "GroupDescription": "alb", "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}]},
                {
                    "GroupName": "instances",
                    "GroupDescription": "instances",
                    "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "10.0.0.0/16"}, rule],
                },
            ],
        },
        "files": {
            "task-definition.yaml": {"kind": "task-definition", "content": TASK_DEFINITION},
            "service.yaml": {"kind": "service", "content": SERVICE},
        },
        "run": {"duration": 150},
    }
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    world = build_world(load_sim_document(path), seed=1)
    world.run(until=150)
    return world


def health(world: World) -> list[tuple[str, str]]:
    return [(e.state, e.description) for e in world.log if isinstance(e, TargetHealthChanged) and e.state in ("healthy", "unhealthy")]


@pytest.mark.parametrize(
    "rule",
    [
        {"IpProtocol": "tcp", "FromPort": 32768, "ToPort": 65535, "SourceSecurityGroupName": "alb"},
        {"IpProtocol": "-1", "SourceSecurityGroupName": "alb"},
        {"IpProtocol": "tcp", "FromPort": 32768, "ToPort": 65535, "CidrIp": "10.0.0.0/16"},
        {"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"},
    ],
    ids=["alb-group-range", "alb-group-all", "vpc-cidr", "whole-internet"],
)
def test_a_rule_naming_the_alb_group_or_covering_its_address_lets_health_checks_in(tmp_path: Path, rule: dict[str, object]) -> None:
    """The ALB's nodes connect from their private VPC address: a CIDR rule covering it works like a group rule."""
    states = health(world_with_instance_rule(tmp_path, rule))
    assert [s for s, _ in states] == ["healthy", "healthy"]


@pytest.mark.parametrize(
    "rule",
    [
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "SourceSecurityGroupName": "alb"},
        {"IpProtocol": "tcp", "FromPort": 32768, "ToPort": 65535, "CidrIp": "192.168.0.0/16"},
    ],
    ids=["wrong-port", "cidr-elsewhere"],
)
def test_a_rule_on_other_ports_or_addresses_times_the_health_checks_out(tmp_path: Path, rule: dict[str, object]) -> None:
    """Dynamic host ports not covered for the ALB: every target goes unhealthy with Request timed out."""
    states = health(world_with_instance_rule(tmp_path, rule))
    assert states and all(s == ("unhealthy", "Request timed out") for s in states)
