"""Benchmark, run by hand: ``python benchmarks/bench_scale.py [--scale F] [--profile]``.

A cluster at ECS's quotas: 5,000 container instances (m5.xlarge) and 50 services behind one
ALB target group each, 40,000 tasks after the first minute and up to 50,000 (each service 800
to 1,000 tasks of 256 CPU units and 1 GiB) under one simulated hour of traffic. Every service
tracks 50 % CPU with Service Auto Scaling (Application Auto Scaling target tracking); traffic
rises by a quarter at 15 minutes (the services scale out to their maximum of 1,000) and falls
by a tenth at 40 minutes for half of them (they scale in gradually).

The services start with 2 tasks and are scaled to 800 at 60 s (``update-service
desiredCount``), once their first targets are healthy, as a rollout of a new cluster would.
``--cold`` creates them with 800 tasks each instead: every target then registers into a group
with no healthy target, which the load balancer fails open to, and each registration re-routes
the whole group (quadratic in the tasks per target group until session 13; now routed by
counts, docs/simulator.md "Load balancers and traffic").

Measured in one process: the simulator's wall seconds and peak memory, then the bare SimPy
reference (a loop of timeouts processing the same number of SimPy events) and the ratio.
Peak memory is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` — the whole process's peak
resident set, interpreter and imports included — read right after the simulated hour,
before the bare SimPy loop runs. Target: <= 60 s wall and <= 2 GiB peak. Prints a Markdown
table, with this process's CPU seconds beside the wall ones (compare those on a loaded
machine). ``--scale 0.1`` runs a tenth of the cluster (quick checks); ``--profile`` writes
cProfile statistics to /tmp/ecs-lab-bench-scale.prof and prints the top functions.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_sim import bare_simpy_events_per_second  # noqa: E402

from lab.scenario.simdoc import build_world, load_sim_document  # noqa: E402

HOUR_S = 3600.0
INSTANCES = 5000
SERVICES = 50
START_TASKS = 800
MAX_TASKS = 1000
RPS_PER_TASK = 61.0
"""Requests per second that keep a 256-unit task near 50 % CPU (2 units per rps, 5 idle)."""


def document(scale: float, cold: bool = False) -> dict:
    """The simulation document: instances, services, target groups, scaling, traffic."""
    instances = max(3, round(INSTANCES * scale))
    start = max(2, round(START_TASKS * scale))
    top = max(start + 1, round(MAX_TASKS * scale))
    policy = "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
    names = [f"svc{i:02d}" for i in range(SERVICES)]
    doc: dict = {
        "world": {
            "cluster": {"name": "scale"},
            "instances": [{"count": instances, "type": "m5.xlarge", "azs": ["us-east-1a", "us-east-1b", "us-east-1c"], "role": "ecsInstanceRole"}],
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
            "load_balancers": [{"name": f"alb{k}", "target_groups": names[k * 10 : k * 10 + 10]} for k in range(SERVICES // 10)],
            "target_groups": [
                {"Name": n, "Protocol": "HTTP", "Port": 80, "TargetType": "instance", "HealthCheckPath": "/health"} for n in names
            ],
            "timeline": [],
        },
        "files": {},
        "run": {"duration": HOUR_S},
    }
    first = start if cold else 2
    for i, name in enumerate(names):
        base = start * RPS_PER_TASK
        doc["world"]["registry"].append({"repository": name, "tag": "1", "size_mb": 150, "base": "python-3.12-slim", "app": {"boot_s": 5, "health_path": "/health"}})
        doc["world"]["timeline"] += [
            *([] if cold else [
                {"at": 0, "event": "traffic", "target_group": name, "rps": first * RPS_PER_TASK},
                {"at": 60, "event": "update-service", "service": name, "desiredCount": start},
            ]),
            {"at": 0 if cold else 60, "event": "traffic", "target_group": name, "rps": base},
            {"at": 900 + 6 * i, "event": "traffic", "target_group": name, "rps": base * 1.25},
        ]
        if i % 2 == 0:
            doc["world"]["timeline"].append({"at": 2400 + 6 * i, "event": "traffic", "target_group": name, "rps": base * 0.9})
        doc["files"][f"{name}-td.yaml"] = {
            "kind": "task-definition",
            "content": {
                "family": name,
                "networkMode": "bridge",
                "cpu": "256",
                "memory": "1024",
                "containerDefinitions": [
                    {
                        "name": "app",
                        "image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:1",
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
                "desiredCount": first,
                "launchType": "EC2",
                "loadBalancers": [{"targetGroupArn": name, "containerName": "app", "containerPort": 8080}],
            },
        }
        doc["files"][f"{name}-target.yaml"] = {
            "kind": "scalable-target",
            "content": {
                "ServiceNamespace": "ecs",
                "ResourceId": f"service/scale/{name}",
                "ScalableDimension": "ecs:service:DesiredCount",
                "MinCapacity": first,
                "MaxCapacity": top,
            },
        }
        doc["files"][f"{name}-policy.yaml"] = {
            "kind": "scaling-policy",
            "content": {
                "PolicyName": "cpu50",
                "ServiceNamespace": "ecs",
                "ResourceId": f"service/scale/{name}",
                "ScalableDimension": "ecs:service:DesiredCount",
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": {
                    "TargetValue": 50,
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
                },
            },
        }
    return doc


def run(path: Path) -> dict:
    """Build and run the world for one simulated hour; return what was measured."""
    loaded = load_sim_document(path)
    start = time.perf_counter()
    cpu_start = time.process_time()
    world = build_world(loaded, seed=1)
    built = time.perf_counter() - start
    env = world.env
    steps = 0
    while env.peek() <= HOUR_S:
        env.step()
        steps += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    live = [service.counts() for service in world.services.values()]
    scaling = sum(1 for e in world.log if type(e).__name__ == "ScalingActivity")
    return {
        "wall": elapsed,
        "cpu": cpu,
        "build": built,
        "steps": steps,
        "log": len(world.log),
        "peak_mib": peak_kib / 1024,
        "instances": len(world.instances),
        "desired": sum(d for d, _, _ in live),
        "running": sum(r for _, r, _ in live),
        "peak_tasks": len(world.tasks),
        "scaling": scaling,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 5,000-instance cluster")
    parser.add_argument("--profile", action="store_true", help="run under cProfile")
    parser.add_argument("--cold", action="store_true", help="create every service with its 800 tasks at once")
    args = parser.parse_args()
    # A file of its own: other runs of this benchmark on the machine write theirs meanwhile.
    path = Path(tempfile.mkdtemp(prefix="ecs-lab-bench-scale-")) / "world.yaml"
    path.write_text(yaml.safe_dump(document(args.scale, args.cold), sort_keys=False))
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(run, path)
        profiler.dump_stats("/tmp/ecs-lab-bench-scale.prof")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    else:
        result = run(path)
    bare_cpu_start = time.process_time()
    bare = bare_simpy_events_per_second(result["steps"])
    bare_cpu = time.process_time() - bare_cpu_start
    bare_wall = result["steps"] / bare
    # CPU seconds (this process's user + system) beside the wall ones: on a shared, loaded
    # machine the wall seconds measure the other processes too.
    print(
        "| workload | wall s | CPU s | build s | peak RSS MiB | SimPy events | log events "
        "| bare SimPy wall s | bare SimPy CPU s | ratio (wall) | ratio (CPU) | target |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| {result['instances']:,} instances, {SERVICES} services, target tracking, 1 h{', cold start' if args.cold else ''} "
        f"| {result['wall']:.1f} | {result['cpu']:.1f} | {result['build']:.1f} "
        f"| {result['peak_mib']:,.0f} | {result['steps']:,} | {result['log']:,} | {bare_wall:.2f} | {bare_cpu:.2f} "
        f"| {result['wall'] / bare_wall:.1f} | {result['cpu'] / bare_cpu:.1f} "
        "| <= 60 s, <= 2,048 MiB |"
    )
    print(
        f"(end of the hour: desired {result['desired']:,}, running {result['running']:,}; tasks ever started {result['peak_tasks']:,}; "
        f"{result['scaling']:,} Service Auto Scaling activities)"
    )


if __name__ == "__main__":
    main()
