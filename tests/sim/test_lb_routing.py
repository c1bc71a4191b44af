"""A load-balancer file's listener routes each request class by its rules (§6.4): shares, schemes, NLBs and their weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.config.load_balancer import parse_load_balancer
from lab.errors import ClientException, SourceErrors
from lab.scenario.simdoc import build_world, load_sim_document
from lab.sim.events import ListenerRouted, TargetHealthChanged
from lab.sim.world import World
from lab.yaml_source import load_text

ROLE = {
    "RoleName": "ecsInstanceRole",
    "AssumeRolePolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    },
    "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"],
}


def _task(name: str) -> str:
    return (
        f"family: {name}\nnetworkMode: bridge\ncontainerDefinitions:\n  - name: {name}\n"
        f"    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:1.0.0\n    cpu: 128\n    memoryReservation: 128\n"
        "    portMappings:\n      - {containerPort: 8080, hostPort: 0}\n"
    )


def _service(name: str) -> str:
    return (
        f"serviceName: {name}\ntaskDefinition: {name}\ndesiredCount: 1\nlaunchType: EC2\n"
        f"loadBalancers:\n  - {{targetGroupArn: {name}, containerName: {name}, containerPort: 8080}}\n"
    )


ALB = """\
Name: front
Scheme: {scheme}
Subnets: [subnet-0laba, subnet-0labb]
Listeners:
  - Port: 80
    Protocol: HTTP
    DefaultActions:
      - {{Type: fixed-response, FixedResponseConfig: {{StatusCode: "404"}}}}
    Rules:
      - Priority: 10
        Conditions: [{{Field: path-pattern, Values: ["/api/*"]}}]
        Actions:
          - Type: forward
            ForwardConfig: {{TargetGroups: [{{TargetGroupArn: api, Weight: 3}}, {{TargetGroupArn: web, Weight: 1}}]}}
      - Priority: 20
        Conditions: [{{Field: host-header, Values: [www.example.com]}}]
        Actions: [{{Type: forward, TargetGroupArn: web}}]
"""

NLB = """\
Name: front
Type: network
Subnets: [subnet-0laba, subnet-0labb]
Listeners:
  - {Port: 7000, Protocol: TCP, DefaultActions: [{Type: forward, TargetGroupArn: api}]}
  - {Port: 7001, Protocol: TCP, DefaultActions: [{Type: forward, TargetGroupArn: web}]}
"""

NLB_WEIGHTED = """\
Name: front
Type: network
Subnets: [subnet-0laba, subnet-0labb]
Listeners:
  - Port: 7000
    Protocol: TCP
    DefaultActions:
      - Type: forward
        ForwardConfig: {{TargetGroups: [{{TargetGroupArn: api, Weight: {api}}}, {{TargetGroupArn: web, Weight: {web}}}]}}
"""


def write_document(tmp_path: Path, lb_text: str, traffic: dict[str, Any], *, protocol: str = "HTTP", until: float = 180, fixed: list[dict[str, Any]] = ()) -> Path:
    """A document with two services behind the ``lb_text`` file (and the world's own load balancers ``fixed``)."""
    document = {
        "world": {
            "instances": [{"count": 2, "type": "t3.medium", "azs": ["us-east-1a", "us-east-1b"]}],
            "registry": [
                {"repository": name, "tag": "1.0.0", "size_mb": 80, "app": {"boot_s": 5}} for name in ("web", "api")
            ],
            "roles": [ROLE],
            "target_groups": [
                {"Name": name, "Protocol": protocol, "Port": 80, "TargetType": "instance", "HealthCheckIntervalSeconds": 10}
                for name in ("web", "api")
            ],
            "timeline": [{"at": 0, "event": "traffic", "load_balancer": "front", **traffic}],
        },
        "files": {
            "lb.yaml": {"kind": "load-balancer", "content": lb_text},
            **{f"{n}-td.yaml": {"kind": "task-definition", "content": _task(n)} for n in ("web", "api")},
            **{f"{n}-svc.yaml": {"kind": "service", "content": _service(n)} for n in ("web", "api")},
        },
        "run": {"duration": until},
    }
    if fixed:
        document["world"]["load_balancers"] = list(fixed)
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def run_world(tmp_path: Path, lb_text: str, traffic: dict[str, Any], *, protocol: str = "HTTP", until: float = 180) -> World:
    world = build_world(load_sim_document(write_document(tmp_path, lb_text, traffic, protocol=protocol, until=until)), seed=1)
    world.run(until=until)
    return world


def routed(world: World) -> dict[str, str]:
    return {e.request: e.routed_to for e in world.log if isinstance(e, ListenerRouted)}


def totals(world: World) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = {}
    for counts in world.load_balancer_requests("front").values():
        for key, n in counts.items():
            out[key] = out.get(key, 0.0) + n
    return out


REQUESTS = [{"path": "/api/cart", "share": 1}, {"path": "/", "host": "www.example.com", "share": 1}, {"path": "/x", "share": 2}]


def test_rules_route_each_request_class_and_weights_split_it(tmp_path: Path) -> None:
    world = run_world(tmp_path, ALB.format(scheme="internet-facing"), {"rps": 40, "requests": REQUESTS})
    assert routed(world) == {
        "GET /api/cart": "target groups api 75%, web 25%",
        "GET www.example.com/": "target group web",
        "GET /x": "fixed-response 404",
    }
    counted = totals(world)
    assert counted[("GET /api/cart", "target group api")] == pytest.approx(3 * counted[("GET /api/cart", "target group web")])
    assert counted[("GET /x", "fixed-response 404")] == pytest.approx(20 * 180)
    # Both target groups are attached by the file: their targets are health checked.
    assert {e.target_group for e in world.log if isinstance(e, TargetHealthChanged) and e.state == "healthy"} == {"api", "web"}


def test_an_internal_load_balancer_takes_no_internet_clients_but_serves_the_vpc(tmp_path: Path) -> None:
    internal = ALB.format(scheme="internal")
    world = run_world(tmp_path, internal, {"rps": 40, "requests": REQUESTS})
    assert set(routed(world).values()) == {"connection failed"}
    ((_, minutes),) = world.traffic("web")
    assert sum(m.request_count for m in minutes.values()) == 0
    world = run_world(tmp_path, internal, {"rps": 40, "requests": REQUESTS, "source": "vpc"})
    assert routed(world)["GET /api/cart"] == "target groups api 75%, web 25%"


def test_an_nlb_reads_no_path_and_forwards_every_connection_to_its_target_group(tmp_path: Path) -> None:
    world = run_world(tmp_path, NLB, {"rps": 40, "requests": REQUESTS}, protocol="TCP")
    assert set(routed(world).values()) == {"target group api"}
    ((_, minutes),) = world.traffic("api")
    assert sum(m.request_count for m in minutes.values()) == pytest.approx(40 * 180)


def test_an_nlb_splits_its_connections_between_weighted_target_groups_by_weight(tmp_path: Path) -> None:
    world = run_world(tmp_path, NLB_WEIGHTED.format(api=3, web=1), {"rps": 40, "requests": REQUESTS}, protocol="TCP")
    assert set(routed(world).values()) == {"target groups api 75%, web 25%"}
    served = {name: sum(m.request_count for _, minutes in world.traffic(name) for m in minutes.values()) for name in ("api", "web")}
    assert served["api"] + served["web"] == pytest.approx(40 * 180)
    assert served["api"] == pytest.approx(3 * served["web"])


def test_an_nlb_target_group_at_weight_0_gets_no_connections(tmp_path: Path) -> None:
    world = run_world(tmp_path, NLB_WEIGHTED.format(api=0, web=5), {"rps": 40}, protocol="TCP")
    assert routed(world) == {"GET /": "target group web"}
    ((_, api_minutes),) = world.traffic("api")
    assert sum(m.request_count for m in api_minutes.values()) == 0
    ((_, web_minutes),) = world.traffic("web")
    assert sum(m.request_count for m in web_minutes.values()) == pytest.approx(40 * 180)


def test_traffic_to_a_port_without_listener_fails_to_connect(tmp_path: Path) -> None:
    world = run_world(tmp_path, NLB, {"rps": 10, "port": 8080}, protocol="TCP")
    assert routed(world) == {"GET /": "connection failed"}


def test_security_groups_cannot_be_added_to_an_nlb_created_without_them(tmp_path: Path) -> None:
    world = run_world(tmp_path, NLB, {"rps": 10}, protocol="TCP", until=10)
    with_groups = parse_load_balancer(load_text(NLB + "SecurityGroups: [nlb]\n", "lb.yaml")).load_balancer
    with pytest.raises(ClientException, match="unless you specified a security group"):
        world.put_load_balancer(with_groups)


def test_the_scheme_is_set_at_creation(tmp_path: Path) -> None:
    world = run_world(tmp_path, ALB.format(scheme="internet-facing"), {"rps": 10}, until=10)
    internal = parse_load_balancer(load_text(ALB.format(scheme="internal"), "lb.yaml")).load_balancer
    with pytest.raises(ClientException, match="Scheme"):
        world.put_load_balancer(internal)


def test_shifting_a_rules_forward_weights_moves_the_traffic_from_then_on(tmp_path: Path) -> None:
    """The seam deployments use: ModifyRule with new weights re-routes the rule's requests."""
    world = run_world(tmp_path, ALB.format(scheme="internet-facing"), {"rps": 40, "requests": REQUESTS}, until=60)
    world.lb.set_forward_weights("front", 80, 10, {"api": 0, "web": 1})
    world.run(until=120)
    moved = [e for e in world.log if isinstance(e, ListenerRouted) and e.request == "GET /api/cart"]
    assert [e.routed_to for e in moved] == ["target groups api 75%, web 25%", "target group web"]
    assert moved[-1].at == 60


def refused(path: Path) -> list[str]:
    with pytest.raises(SourceErrors) as caught:
        load_sim_document(path)
    return [str(d) for d in caught.value.diagnostics]


def test_a_tcp_listener_forwarding_to_udp_target_groups_is_refused_where_the_document_loads(tmp_path: Path) -> None:
    found = refused(write_document(tmp_path, NLB, {"rps": 10}, protocol="UDP"))
    assert len(found) == 2  # one per listener
    assert all("IncompatibleProtocols: The listener and its associated target group" in m for m in found)


def test_a_target_group_the_worlds_own_load_balancer_forwards_to_is_refused_to_a_load_balancer_file(tmp_path: Path) -> None:
    fixed = [{"name": "legacy", "type": "network", "target_groups": ["api"]}]
    found = refused(write_document(tmp_path, NLB, {"rps": 10}, protocol="TCP", fixed=fixed))
    assert len(found) == 1
    assert "TargetGroupAssociationLimit" in found[0] and "targetgroup/api/" in found[0] and "legacy" in found[0]


def test_a_service_in_a_target_group_no_load_balancer_forwards_to_is_refused_in_ecs_words(tmp_path: Path) -> None:
    only_api = NLB.replace("  - {Port: 7001, Protocol: TCP, DefaultActions: [{Type: forward, TargetGroupArn: web}]}\n", "")
    found = refused(write_document(tmp_path, only_api, {"rps": 10}, protocol="TCP"))
    assert len(found) == 1
    assert found[0].endswith(
        "InvalidParameterException: The target group with targetGroupArn "
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/4b5e57f6eb2f42b9 does not have an associated load balancer."
    )


def test_the_worlds_own_load_balancers_are_held_to_elbs_type_and_association_rules(tmp_path: Path) -> None:
    alb = ALB.format(scheme="internet-facing")
    fixed = [{"name": "legacy", "type": "network", "target_groups": ["api"]}]
    found = refused(write_document(tmp_path, alb, {"rps": 10}, protocol="HTTP", fixed=fixed))
    assert any("Target group 'api' uses protocol HTTP, which a Network Load Balancer cannot forward to" in m for m in found)
    twice = [{"name": "one", "target_groups": ["api", "web"]}, {"name": "two", "target_groups": ["web"]}]
    found = refused(write_document(tmp_path, alb, {"rps": 10}, protocol="HTTP", fixed=twice))
    assert any("TargetGroupAssociationLimit" in m and "targetgroup/web/" in m and "load balancer one" in m for m in found)
