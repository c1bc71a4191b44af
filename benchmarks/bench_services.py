"""Benchmark, run by hand: ``python benchmarks/bench_services.py``.

A 50-instance cluster running 10 web services (6 tasks each, dynamic ports behind one ALB
target group per service) at 1,000 requests per second in total, simulated for one hour with
a rolling deployment of every service half-way. Measured side by side with the bare SimPy
reference (the same number of SimPy events in a loop of timeouts). Target: <= 2 s wall, i.e.
>= 1,800 times real time. Prints a Markdown table for benchmarks/README.md.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_sim import bare_simpy_events_per_second  # noqa: E402

from lab.scenario.simdoc import build_world, load_sim_document  # noqa: E402

SERVICES = 10
HOUR_S = 3600.0


def document() -> dict:
    policy = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
    doc: dict = {
        "world": {
            "cluster": {"name": "bench"},
            "instances": [{"count": 50, "type": "m5.xlarge", "azs": ["us-east-1a", "us-east-1b", "us-east-1c"], "role": "ecsInstanceRole"}],
            "registry": [],
            "roles": [
                {
                    "RoleName": "ecsInstanceRole",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
                    },
                    "ManagedPolicyArns": [policy],
                }
            ],
            "load_balancers": [{"name": "web-alb", "target_groups": [f"svc{i}" for i in range(SERVICES)]}],
            "target_groups": [{"Name": f"svc{i}", "Protocol": "HTTP", "Port": 80} for i in range(SERVICES)],
            "timeline": [],
        },
        "files": {},
        "run": {"duration": HOUR_S},
    }
    for i in range(SERVICES):
        name = f"svc{i}"
        doc["world"]["registry"].append({"repository": name, "tag": "1", "size_mb": 150, "base": "python-3.12-slim"})
        doc["world"]["timeline"] += [
            {"at": 0, "event": "traffic", "target_group": name, "rps": 1000 / SERVICES},
            {"at": 1800, "event": "push-image", "image": {"repository": name, "tag": "1", "size_mb": 155, "base": "python-3.12-slim"}},
            {"at": 1800 + 10 * i, "event": "update-service", "service": name, "forceNewDeployment": True},
        ]
        doc["files"][f"{name}-td.yaml"] = {
            "kind": "task-definition",
            "content": {
                "family": name,
                "containerDefinitions": [
                    {
                        "name": "app",
                        "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:1",
                        "cpu": 256,
                        "memoryReservation": 512,
                        "portMappings": [{"containerPort": 8080, "hostPort": 0}],
                    }
                ],
            },
        }
        doc["files"][f"{name}-service.yaml"] = {
            "kind": "service",
            "content": {
                "serviceName": name,
                "taskDefinition": name,
                "desiredCount": 6,
                "launchType": "EC2",
                "loadBalancers": [{"targetGroupArn": name, "containerName": "app", "containerPort": 8080}],
            },
        }
    return doc


def run_once(path: Path) -> tuple[float, int, int, float]:
    loaded = load_sim_document(path)
    start = time.perf_counter()
    world = build_world(loaded, seed=1)
    steps = 0
    env = world.env
    while env.peek() <= HOUR_S:
        env.step()
        steps += 1
    elapsed = time.perf_counter() - start
    failed = 0.0
    for tg in world.target_groups.values():
        tg.flush()
        failed += tg.totals.elb_5xx
    return elapsed, len(world.log), steps, failed


def main() -> None:
    path = Path("/tmp/ecs-lab-bench-services.yaml")
    path.write_text(yaml.safe_dump(document(), sort_keys=False))
    runs = sorted(run_once(path) for _ in range(5))
    elapsed, events, steps, failed = runs[len(runs) // 2]
    bare = statistics.median(bare_simpy_events_per_second(steps) for _ in range(5))
    print("| workload | wall s (median of 5) | x real time | log events | SimPy events | SimPy events/s | bare SimPy events/s | ratio | target |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| 50 instances, 10 services, 1,000 rps, 1 h, 10 deployments | {elapsed:.2f} | {HOUR_S / elapsed:,.0f} | {events:,} | {steps:,} "
        f"| {steps / elapsed:,.0f} | {bare:,.0f} | {steps / elapsed / bare:.2f} | <= 2 s |"
    )
    print(f"(failed requests over the hour: {failed:.0f})")


if __name__ == "__main__":
    main()
