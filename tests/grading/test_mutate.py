"""Tests of mutation testing (``lab validate --mutate``): the catalogue, the classification, the CLI."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from lab.cli import main
from lab.grading.mutate import ECR_PULL_ACTIONS, MUTATIONS, format_mutation_report, mutate
from lab.grading.mutate import _reparse as reparse
from lab.scenario.loader import load_scenario
from lab.scenario.scaffold import scaffold
from lab.scenario.schema import FILE_KINDS
from lab.scenario.simdoc import iam_role
from lab.sim.iam import actions_allowed

REPO = Path(__file__).resolve().parents[2]
ECR_PULL_DENIED = REPO / "scenarios" / "ecr-pull-denied.yaml"

HARMLESS_IN_ECR_PULL_DENIED = {
    # Three tasks on three instances and no deployment: a static port never collides.
    ("static-host-port", "task-definition.yaml"),
    # Placement has room either way and the app's use stays under both.
    ("shrink-memory-reservation", "task-definition.yaml"),
    ("shrink-cpu", "task-definition.yaml"),
    # The service is created once and never deployed again.
    ("no-deployment-headroom", "service.yaml"),
}
"""Mutations of ecr-pull-denied's solution no check catches, each harmless in that scenario."""

SAMPLES: dict[str, dict[str, Any]] = {
    "appspec": {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {"TaskDefinition": "orders:2", "LoadBalancerInfo": {"ContainerName": "orders", "ContainerPort": 8000}},
                }
            }
        ],
        "Hooks": [{"AfterAllowTestTraffic": "orders-smoke-test"}],
    },
    "deployment-group": {
        "ApplicationName": "orders",
        "DeploymentGroupName": "orders-dg",
        "ServiceRoleArn": "arn:aws:iam::123456789012:role/CodeDeployRoleForECS",
        "DeploymentConfigName": "CodeDeployDefault.ECSCanary10Percent5Minutes",
        "DeploymentStyle": {"DeploymentType": "BLUE_GREEN", "DeploymentOption": "WITH_TRAFFIC_CONTROL"},
        "ECSServices": [{"ClusterName": "prod", "ServiceName": "orders"}],
        "LoadBalancerInfo": {
            "TargetGroupPairInfoList": [
                {
                    "TargetGroups": [{"Name": "orders-blue"}, {"Name": "orders-green"}],
                    "ProdTrafficRoute": {"ListenerArns": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/orders-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"]},
                }
            ]
        },
        "AutoRollbackConfiguration": {"Enabled": True, "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
        "AlarmConfiguration": {"Enabled": True, "Alarms": [{"Name": "orders-green-5xx"}]},
    },
    "load-balancer": {
        "Name": "shop-alb",
        "Type": "application",
        "Scheme": "internet-facing",
        "Subnets": ["subnet-0laba", "subnet-0labb"],
        "Listeners": [
            {
                "Port": 80,
                "Protocol": "HTTP",
                "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"}}],
                "Rules": [
                    {"Priority": 10, "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}], "Actions": [{"Type": "forward", "TargetGroupArn": "api"}]},
                    {"Priority": 20, "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}], "Actions": [{"Type": "forward", "TargetGroupArn": "web"}]},
                ],
            }
        ],
    },
    "task-definition": {
        "family": "web",
        "networkMode": "bridge",
        "requiresCompatibilities": ["EC2"],
        "cpu": "1024",
        "memory": "2048",
        "executionRoleArn": "arn:aws:iam::123456789012:role/webExecutionRole",
        "taskRoleArn": "arn:aws:iam::123456789012:role/webTaskRole",
        "containerDefinitions": [
            {
                "name": "web",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.0.0",
                "cpu": 512,
                "memory": 1024,
                "memoryReservation": 512,
                "portMappings": [{"containerPort": 8080, "hostPort": 0}],
                "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]},
                "environment": [{"name": "MODE", "value": "prod"}],
                "secrets": [{"name": "TOKEN", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/token"}],
            }
        ],
    },
    "iam-role": {
        "RoleName": "webTaskRole",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        },
        "ManagedPolicyArns": [
            "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        ],
        "Policies": [
            {
                "PolicyName": "app",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "ecr:BatchGetImage"], "Resource": "*"}],
                },
            }
        ],
    },
    "service": {
        "serviceName": "web",
        "taskDefinition": "web",
        "desiredCount": 3,
        "launchType": "EC2",
        "deploymentConfiguration": {
            "minimumHealthyPercent": 50,
            "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
        "loadBalancers": [{"targetGroupArn": "web", "containerName": "web", "containerPort": 8080}],
        "healthCheckGracePeriodSeconds": 30,
        "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
    },
    "security-group": {
        "GroupName": "web-instances",
        "GroupDescription": "web container instances",
        "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 32768, "ToPort": 65535, "SourceSecurityGroupName": "web-alb"}],
    },
    "target-group": {
        "Name": "web",
        "Protocol": "HTTP",
        "Port": 80,
        "TargetType": "instance",
        "HealthCheckPath": "/health",
        "TargetGroupAttributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "300"}],
    },
    "scalable-target": {
        "ServiceNamespace": "ecs",
        "ResourceId": "service/prod/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "MinCapacity": 2,
        "MaxCapacity": 10,
    },
    "scaling-policy": {
        "PolicyName": "cpu50",
        "ServiceNamespace": "ecs",
        "ResourceId": "service/prod/web",
        "ScalableDimension": "ecs:service:DesiredCount",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 50,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
    },
    "auto-scaling-group": {
        "AutoScalingGroupName": "ecs-asg",
        "MinSize": "1",
        "MaxSize": "8",
        "DesiredCapacity": "2",
        "AvailabilityZones": ["us-east-1a", "us-east-1b", "us-east-1c"],
        "LaunchTemplate": {"LaunchTemplateName": "ecs-node"},
        "NewInstancesProtectedFromScaleIn": True,
    },
    "capacity-provider": {
        "name": "web-capacity",
        "autoScalingGroupProvider": {
            "autoScalingGroupArn": "ecs-asg",
            "managedScaling": {"status": "ENABLED", "targetCapacity": 100},
            "managedTerminationProtection": "ENABLED",
        },
    },
    "account-setting": {"name": "awsvpcTrunking", "value": "enabled"},
    "event-rule": {
        "Name": "web-capacity",
        "EventPattern": '{"source": ["aws.ecs"], "detail-type": ["ECS Service Action"], "detail": {"eventName": ["SERVICE_TASK_PLACEMENT_FAILURE"]}}',
        "Targets": [{"Id": "oncall", "Arn": "arn:aws:sns:us-east-1:123456789012:oncall"}],
    },
    "agent-config": {"ECS_CLUSTER": "prod", "ECS_ENABLE_SPOT_INSTANCE_DRAINING": "true"},
    "dockerfile": {
        "text": (
            "FROM python:3.12-slim\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*\n"
            "WORKDIR /app\n"
            "COPY requirements.txt .\n"
            "RUN pip install --no-cache-dir -r requirements.txt\n"
            "COPY . .\n"
            'CMD ["python", "app.py"]\n'
        )
    },
}
"""One realistic file per kind with something for every mutation of that kind to change."""

_CANARY_SERVICE = {
    "serviceName": "orders",
    "taskDefinition": "orders",
    "desiredCount": 4,
    "launchType": "EC2",
    "deploymentConfiguration": {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 10, "canaryBakeTimeInMinutes": 5},
        "alarms": {"alarmNames": ["orders-5xx"], "enable": True, "rollback": True},
    },
    "loadBalancers": [
        {
            "targetGroupArn": "orders-blue",
            "containerName": "orders",
            "containerPort": 8000,
            "advancedConfiguration": {
                "alternateTargetGroupArn": "orders-green",
                "productionListenerRule": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/1/2/3",
                "roleArn": "arn:aws:iam::123456789012:role/ecsInfrastructureRoleForLoadBalancers",
            },
        }
    ],
}

MUTATION_SAMPLES = {
    "drop-service-connect": {
        "serviceName": "payments",
        "taskDefinition": "payments",
        "desiredCount": 2,
        "launchType": "EC2",
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-0a1b2c3d"]}},
        "serviceConnectConfiguration": {
            "enabled": True,
            "namespace": "internal",
            "services": [{"portName": "http", "clientAliases": [{"port": 8080, "dnsName": "payments.internal"}]}],
        },
    },
    "daemon-to-replica": {"serviceName": "log-shipper", "taskDefinition": "log-shipper", "launchType": "EC2", "schedulingStrategy": "DAEMON"},
    "late-archive-cleanup": {
        "text": (
            "FROM python:3.12-slim\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
            "RUN curl -fsSL -o /tmp/node-v20.18.0-linux-x64.tar.xz https://nodejs.org/dist/v20.18.0/node-v20.18.0-linux-x64.tar.xz"
            " && tar -xJf /tmp/node-v20.18.0-linux-x64.tar.xz -C /opt && rm /tmp/node-v20.18.0-linux-x64.tar.xz\n"
            'CMD ["python", "app.py"]\n'
        )
    },
    "no-alarm-rollback": _CANARY_SERVICE,
    "disable-deployment-alarms": _CANARY_SERVICE,
    "all-at-once": _CANARY_SERVICE,
    "drop-test-listener-rule": {
        **_CANARY_SERVICE,
        "loadBalancers": [
            {
                **_CANARY_SERVICE["loadBalancers"][0],
                "advancedConfiguration": {
                    **_CANARY_SERVICE["loadBalancers"][0]["advancedConfiguration"],
                    "testListenerRule": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/alb/1/2/4",
                },
            }
        ],
    },
    "drop-lifecycle-hooks": {
        **_CANARY_SERVICE,
        "deploymentConfiguration": {
            **_CANARY_SERVICE["deploymentConfiguration"],
            "lifecycleHooks": [
                {
                    "hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:smoke",
                    "roleArn": "arn:aws:iam::123456789012:role/ecsLifecycleHookRole",
                    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                }
            ],
        },
    },
}
"""Samples for mutations whose kind's sample cannot have what they need (a DAEMON service has no
count; the dockerfile sample downloads no archive)."""

EXPECTED_REFUSALS = {"drop-execution-role": "When you are specifying container secrets"}
"""Mutations AWS refuses on their sample, and why: a refusal the report counts as caught."""


def mutated(name: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """Every variant of mutation ``name`` on the sample of ``kind``."""
    mutation = next(m for m in MUTATIONS if m.name == name)
    return list(mutation.variants(SAMPLES[kind]))


def test_catalogue_names_are_unique_kebab_case_and_documented() -> None:
    """Each mutation has a unique kebab-case name, a summary, what it needs, and a real file kind."""
    names = [m.name for m in MUTATIONS]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", n) for n in names)
    assert all(m.summary and m.needs and m.kind in FILE_KINDS for m in MUTATIONS)
    assert {m.kind for m in MUTATIONS} == set(SAMPLES)


def test_files_of_a_kind_without_mutations_are_named_in_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file whose kind the catalogue does not mutate is still listed, so the report hides no file."""
    import lab.grading.mutate as mutate_module

    monkeypatch.setattr(mutate_module, "MUTATIONS", tuple(m for m in MUTATIONS if m.kind != "service"))
    (tmp_path / "demo.yaml").write_text(scaffold("demo"), encoding="utf-8")
    results = mutate(load_scenario(tmp_path / "demo.yaml"))
    [service] = [r for r in results if r.file == "service.yaml"]
    assert (service.mutation, service.status, service.change) == ("(none)", "not-applicable", "no standard mutations for service files yet")


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_every_mutation_changes_its_sample_into_a_file_aws_accepts(mutation) -> None:
    """On a file that has what it needs, a mutation yields a valid file of the same kind that differs."""
    sample = copy.deepcopy(MUTATION_SAMPLES.get(mutation.name, SAMPLES[mutation.kind]))
    original = reparse("sample.yaml", mutation.kind, sample, "none")
    variants = list(mutation.variants(sample))
    assert variants, f"{mutation.name} changed nothing"
    for change, data in variants:
        parsed = reparse("sample.yaml", mutation.kind, data, mutation.name)
        if mutation.name in EXPECTED_REFUSALS:
            assert EXPECTED_REFUSALS[mutation.name] in parsed.refusals[0].message
        else:
            assert not parsed.refusals, parsed.refusals
        assert parsed.model != original.model, change
    assert sample == MUTATION_SAMPLES.get(mutation.name, SAMPLES[mutation.kind]), "the input must be left untouched"


def test_remove_ecr_actions_leaves_the_rest_of_the_role() -> None:
    """The role can no longer pull from ECR, but keeps S3 and the execution policy's log actions."""
    [(change, data)] = mutated("remove-ecr-actions", "iam-role")
    role = iam_role(reparse("role.yaml", "iam-role", data, "remove-ecr-actions").model)
    assert actions_allowed(role.policies, ECR_PULL_ACTIONS) == []
    assert actions_allowed(role.policies, ["s3:GetObject", "logs:PutLogEvents"]) == ["s3:GetObject", "logs:PutLogEvents"]
    assert "AmazonECSTaskExecutionRolePolicy by an inline copy" in change


def test_widen_service_prefix_turns_an_action_into_its_service_wildcard() -> None:
    """s3:GetObject becomes s3:* (the example the catalogue documents)."""
    [(change, data)] = mutated("widen-service-prefix", "iam-role")
    assert data["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"] == ["s3:*", "ecr:*"]
    assert "s3:GetObject → s3:*" in change


def test_drop_managed_policy_has_one_variant_per_policy() -> None:
    """Each attached managed policy is dropped on its own."""
    variants = mutated("drop-managed-policy", "iam-role")
    assert [data["ManagedPolicyArns"] for _, data in variants] == [
        ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
    ]


def test_mutations_that_need_something_absent_do_not_apply() -> None:
    """A task definition in awsvpc mode without roles gives no host-port or role mutations."""
    bare = {"family": "web", "networkMode": "awsvpc", "containerDefinitions": [{"name": "web", "image": "web", "portMappings": [{"containerPort": 80}]}]}
    for name in ("static-host-port", "drop-execution-role", "drop-task-role", "drop-health-check"):
        mutation = next(m for m in MUTATIONS if m.name == name)
        assert list(mutation.variants(bare)) == [], name


def test_ecr_pull_denied_catches_every_mutation_but_the_listed_harmless_ones() -> None:
    """Every applicable mutation of ecr-pull-denied is caught, except the ones listed as harmless there."""
    loaded = load_scenario(ECR_PULL_DENIED)
    results = mutate(loaded)
    assert not [r for r in results if r.status == "survived"]
    harmless = {(r.mutation, r.file) for r in results if r.status == "harmless"}
    assert harmless == HARMLESS_IN_ECR_PULL_DENIED
    assert {name for name, _ in harmless} == set(loaded.scenario.mutations.harmless)
    assert all(r.message == loaded.scenario.mutations.harmless[r.mutation] for r in results if r.status == "harmless")
    by_name = {(r.mutation, r.file): r for r in results}
    assert by_name["widen-to-star", "instance-role.yaml"].failed_checks == ("no-admin", "no-ecr-wildcard")
    assert "no-pull-errors" in by_name["remove-ecr-actions", "instance-role.yaml"].failed_checks
    assert by_name["lower-desired-count", "service.yaml"].status == "caught"
    assert by_name["drop-execution-role", "task-definition.yaml"].status == "not-applicable"
    assert results == mutate(loaded), "results are deterministic"


def test_fargate_refusals_count_as_caught_and_say_so() -> None:
    """A mutated file AWS refuses is reported as refused, with AWS's message, and counted as caught."""
    path = REPO / "scenarios" / "fargate-no-execution-role.yaml"
    if not path.is_file():
        pytest.skip("the Fargate scenario is not in this tree")
    loaded = load_scenario(path)
    results = [r for r in mutate(loaded) if r.status == "refused"]
    assert results and all(r.counts_as_caught for r in results)
    assert all(r.message.startswith("ClientException: ") for r in results)
    assert "refused by AWS, counted as caught: ClientException:" in format_mutation_report(loaded, results)


def weak_copy(tmp_path: Path, **changes: object) -> Path:
    """ecr-pull-denied without its least-privilege checks (and its lesson), written to tmp_path."""
    data = yaml.safe_load(ECR_PULL_DENIED.read_text(encoding="utf-8"))
    data["checks"] = [c for c in data["checks"] if c["kind"] != "policy-not-allows"]
    del data["lesson"]
    data.update(changes)
    path = tmp_path / "ecr-pull-denied.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_cli_reports_a_weak_grader_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without least-privilege checks, widening the role to "*" survives and the command exits 1."""
    path = weak_copy(tmp_path)
    assert main(["validate", "--mutate", str(path)]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "widen-to-star" in line)
    assert line.split()[:3] == ["survived", "instance-role.yaml", "widen-to-star"]
    assert 'Allow Action "*" on Resource "*"' in line
    assert re.search(r"^\d+ caught, \d+ refused by AWS \(counted as caught\), 1 survived, 4 harmless, \d+ not applicable$", out, re.MULTILINE)
    assert "weak grader? " in out and "widen-to-star (instance-role.yaml)" in out


def test_cli_refuses_a_scenario_whose_solution_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Mutating a scenario whose own solution fails exits 2 with one line: nothing can be learnt."""
    data = yaml.safe_load(ECR_PULL_DENIED.read_text(encoding="utf-8"))
    data["solution"]["instance-role.yaml"] = data["files"]["instance-role.yaml"]["content"]
    del data["lesson"]
    path = tmp_path / "ecr-pull-denied.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["validate", "--mutate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "the solution fails web-running" in err and len(err.strip().splitlines()) == 1


def test_listing_a_survivor_as_harmless_lets_the_command_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A survivor the scenario lists under mutations.harmless is reported with its reason and does not fail."""
    harmless = dict(yaml.safe_load(ECR_PULL_DENIED.read_text(encoding="utf-8"))["mutations"]["harmless"])
    harmless["widen-to-star"] = "this copy does not grade least privilege"
    path = weak_copy(tmp_path, mutations={"harmless": harmless})
    assert main(["validate", "--mutate", str(path)]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "widen-to-star" in line)
    assert line.lstrip().startswith("harmless") and "this copy does not grade least privilege" in line
    assert "weak grader?" not in out


def test_an_unknown_harmless_mutation_is_positioned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt mutation name under mutations.harmless is a file:line:col error, exit 2."""
    path = weak_copy(tmp_path, mutations={"harmless": {"widen-to-stars": "typo"}})
    assert main(["validate", "--mutate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and "unknown mutation 'widen-to-stars'" in err


def test_read_only_files_are_never_mutated() -> None:
    """A learner cannot change a read-only file, so its breakages say nothing about the grader."""
    loaded = load_scenario(Path(__file__).resolve().parents[2] / "scenarios/log-agent-everywhere.yaml")
    assert loaded.scenario.files["task-definition.yaml"].readonly
    results = mutate(loaded)
    assert {r.file for r in results} == {"service.yaml"}
    assert not [r for r in results if r.status == "survived"]


SHIPPED = sorted(p.stem for p in (Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_every_shipped_scenario_catches_every_standard_mutation(scenario_id: str) -> None:
    """No standard mutation of a shipped solution survives: each is caught, refused, or listed harmless."""
    path = Path(__file__).resolve().parents[2] / "scenarios" / f"{scenario_id}.yaml"
    results = mutate(load_scenario(path))
    survivors = [f"{r.file} {r.mutation}: {r.change}" for r in results if r.status == "survived"]
    assert survivors == []
    assert any(r.status in ("caught", "refused") for r in results)


def test_an_agent_config_written_as_text_loses_its_cluster_line() -> None:
    """ecs.config is KEY=value text: drop-ecs-cluster mutates its settings, and the instances then join default."""
    loaded = load_scenario(Path(__file__).resolve().parents[2] / "scenarios/instances-join-default.yaml")
    [result] = [r for r in mutate(loaded) if r.mutation == "drop-ecs-cluster"]
    assert (result.file, result.status, result.change) == ("ecs.config", "caught", "removed ECS_CLUSTER=payments")
    assert "no-stray-instances" in result.failed_checks


def test_dockerfile_mutations_change_the_build_as_their_summaries_say() -> None:
    """copy-all-first puts `COPY . .` before the first RUN; split-chained-run makes one RUN per command."""
    [(_, first)] = mutated("copy-all-first", "dockerfile")
    lines = first["text"].splitlines()
    assert lines[1] == "COPY . ." and lines.count("COPY . .") == 1
    [(_, split)] = mutated("split-chained-run", "dockerfile")
    assert split["text"].splitlines()[1:4] == [
        "RUN apt-get update",
        "RUN apt-get install -y --no-install-recommends libpq5",
        "RUN rm -rf /var/lib/apt/lists/*",
    ]
    [(change, bloated)] = mutated("bloat-package-install", "dockerfile")
    assert "--no-cache-dir" not in bloated["text"] and "--no-install-recommends" not in bloated["text"]
    assert "--no-install-recommends" in change


def test_fat_base_image_swaps_a_slim_base_for_the_full_one() -> None:
    """fat-base-image turns the first slim or alpine FROM into the full image of the same runtime."""
    [(change, fat)] = mutated("fat-base-image", "dockerfile")
    assert fat["text"].splitlines()[0] == "FROM python:3.12"
    assert "python:3.12-slim" in change
    mutation = next(m for m in MUTATIONS if m.name == "fat-base-image")
    assert list(mutation.variants({"text": "FROM python:3.12\nRUN true\n"})) == []
    [(_, staged)] = list(mutation.variants({"text": "FROM golang:1.22 AS build\nFROM --platform=linux/amd64 node:20-alpine AS web\n"}))
    assert staged["text"].splitlines()[1] == "FROM --platform=linux/amd64 node:20 AS web"


def test_late_archive_cleanup_moves_the_rm_of_the_archive_into_its_own_run() -> None:
    """late-archive-cleanup splits off only the rm of an archive; a RUN that only cleans lists is left alone."""
    mutation = next(m for m in MUTATIONS if m.name == "late-archive-cleanup")
    text = "FROM debian:bookworm-slim\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\nRUN curl -o /tmp/d.tar.gz https://x/d.tar.gz && tar -xzf /tmp/d.tar.gz -C /opt && rm /tmp/d.tar.gz\n"
    [(change, late)] = list(mutation.variants({"text": text}))
    assert late["text"].splitlines()[2:] == ["RUN curl -o /tmp/d.tar.gz https://x/d.tar.gz && tar -xzf /tmp/d.tar.gz -C /opt", "RUN rm /tmp/d.tar.gz"]
    assert "line 3" in change
    assert list(mutation.variants({"text": "FROM debian:bookworm-slim\nRUN apt-get update && rm -rf /var/lib/apt/lists/*\n"})) == []
