"""Provides ``World``: one simulated ECS cluster, built from its subsystems, with the API shells call.

The world is a thin builder and facade over a one-way stack (see docs/architecture.md):
the ``Kernel`` (clock, seeded randomness, event log), the entities of ``lab.sim.model``, the
subsystems that each take the kernel and the few collaborators they use (IAM, ECR, the
cluster's records, the agent, load balancing, services, metrics, scaling, capacity, faults,
the timeline), and the read-only ``lab.sim.views``. Nothing in it reads the wall clock, so
the same inputs and seed give the same log byte for byte. Shells drive it with
``run(until=...)`` and read ``log``, ``snapshot()`` and ``metrics()``.

The API mirrors ECS: ``register_task_definition``, ``run_task``, ``stop_task``,
``create_service``, ``update_service``, ``put_attributes``, plus ``put_role`` for IAM and
``push_image`` for ECR.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from lab.config.quotas import MAX_RUN_TASK_COUNT
from lab.errors import ClientException, SourceError
from lab.sim.agent import Agent
from lab.sim.alarms import Alarms
from lab.sim.asg import AutoScalingGroups
from lab.sim.bluegreen import LambdaFunctions
from lab.sim.autoscaling import ServiceAutoScaling
from lab.sim.capacity import CapacityProviders
from lab.sim.cluster import Cluster
from lab.sim.codedeploy import CodeDeploy
from lab.sim.discovery import Discovery
from lab.sim.elb import MetricsMinute, TargetGroupRuntime
from lab.sim.eventbridge import EventRule, EventRules
from lab.sim.events import EventLog, TargetInvocationFailed
from lab.sim.faults import Faults
from lab.sim.fleet import Fleet
from lab.sim.iam import IamDecision, denial_message
from lab.sim.kernel import Kernel
from lab.sim.lb import LoadBalancing
from lab.sim.metrics import Metrics
from lab.sim.model import ContainerInstance, IamRole, Revision, RunTaskResult, Task
from lab.sim.placement import Constraint, InstanceVerdict, Strategy
from lab.sim.images import Builds, trial_build
from lab.sim.registry import Ecr, Image, Registry
from lab.sim.roles import Roles
from lab.sim.service import ServiceRuntime
from lab.sim.services import Services
from lab.sim.spec import BuildSpec, ImageSpec, InstanceGroupSpec, WorldSpec
from lab.sim.standalone import StandaloneTasks
from lab.sim.timeline import Timeline
from lab.sim.views import (
    InstanceView,
    MetricsView,
    ServiceCounts,
    TargetGroupCounts,
    TaskView,
    WorldSnapshot,
    cost_usd,
    explain_placement,
    metrics_view,
    snapshot,
    target_group_minutes,
)

if TYPE_CHECKING:
    from lab.sim.build import BuiltImage

__all__ = [
    "MAX_RUN_TASK_COUNT",
    "ContainerInstance",
    "IamRole",
    "InstanceView",
    "MetricsView",
    "RunTaskResult",
    "ServiceCounts",
    "TargetGroupCounts",
    "TaskView",
    "World",
    "WorldSnapshot",
]


class World:
    """One simulated cluster: build it, call its API, ``run(until=...)``, read ``log``."""

    def __init__(
        self,
        spec: WorldSpec,
        *,
        seed: int,
        roles: Iterable[IamRole] = (),
        target_groups: Iterable[Any] = (),
        security_groups: Iterable[Any] = (),
        setup: Callable[[World], object] | None = None,
    ) -> None:
        """Build a world at simulated time 0.

        Args:
            spec: what exists (instances, images, timeline).
            seed: seeds the world's only random generator.
            roles: IAM roles that exist from the start (world roles and learner files).
            target_groups: ``TargetGroup`` models (lab.config) that exist from the start.
            security_groups: ``SecurityGroup`` models (lab.config) that exist from the start.
            setup: called with the world before its images and instances exist (the files
                instances and targets need: roles, security groups, target groups).

        Raises:
            ClientException: the spec names an unknown instance type or base image.
        """
        self.spec = spec
        self.seed = seed
        k = self.kernel = Kernel(seed=seed, cluster=spec.cluster.name, region=spec.region, account=spec.account, start=spec.start)
        self.iam = Roles(k)
        self.ecr = Ecr(k.account, k.region)
        self.ecs = Cluster(k, self.iam)
        """The control plane's records: instances, task definitions, tasks, services."""
        self.agent = Agent(k, self.iam, self.ecr, self.ecs.fleet)
        self.lb = LoadBalancing(k, self.ecr, self.ecs.fleet, spec.load_balancers, security_groups)
        self.cloudwatch = Metrics(k, self.ecs, self.ecr, self.lb)
        """CloudWatch-style one-minute metrics and alarms (sampled once a document opts in)."""
        self.app_autoscaling = ServiceAutoScaling(k, self.ecs, self.cloudwatch, self.lb)
        """Service Auto Scaling: scalable targets and scaling policies."""
        self.autoscaling_groups = AutoScalingGroups(k, self.ecs, self.agent, self.cloudwatch, spec.launch_templates)
        """EC2 Auto Scaling groups, by name."""
        self.capacity = CapacityProviders(k, self.ecs, self.agent, self.cloudwatch, self.autoscaling_groups)
        """Capacity providers and the cluster's default strategy."""
        self.alarms = Alarms(self.cloudwatch, self.app_autoscaling, self.autoscaling_groups)
        self.standalone = StandaloneTasks(k, self.ecs, self.agent, self.capacity)
        self.discovery = Discovery(k, self.ecs, self.ecr, spec.cloud_map, spec.namespaces, spec.clients)
        """AWS Cloud Map services, Service Connect endpoints, and the calls between services."""
        self.service_api = Services(k, self.ecs, self.agent, self.lb, self.capacity, self.discovery, self.cloudwatch)
        self.service_api.functions = LambdaFunctions(k, self.iam, spec.functions)
        self.faults = Faults(k, self.ecs, self.agent, self.autoscaling_groups, self.capacity)
        self.event_rules = EventRules(k, self._invoke_target)
        """EventBridge rules on the default bus, matched against every ECS event or run on a schedule."""
        self.builds = Builds(k, self.ecr, spec.builds)
        """The world's image builder (one build cache) for ``dockerfile`` files."""
        self.codedeploy = CodeDeploy(k, lambda: self.ecs.services, self.lb, self.cloudwatch, spec.functions)
        """CodeDeploy: deployment groups and deployments of CODE_DEPLOY services (§4.10)."""
        self.timeline = Timeline(k, self.ecs, self.ecr, self.lb, self.standalone, self.service_api, self.autoscaling_groups, self.faults)
        self.timeline.codedeploy = self.codedeploy
        if spec.metrics:
            self.cloudwatch.start()
        for tg in target_groups:
            self.put_target_group(tg)
        for role in roles:
            self.put_role(role)
        if setup is not None:
            setup(self)
        for image_spec in spec.registry:
            self.push_image(image_spec)
        for group in spec.instances:
            self.add_instances(group, at=group.at)
        for entry in spec.timeline:
            self.timeline.schedule(entry)

    # -- clock and log (the kernel's) ---------------------------------------------------------

    @property
    def now(self) -> float:
        """Simulated seconds since the world started."""
        return float(self.kernel.env.now)

    @property
    def log(self) -> EventLog:
        """The append-only event log."""
        return self.kernel.log

    @property
    def env(self) -> Any:
        """The SimPy environment (benchmarks count its events)."""
        return self.kernel.env

    @property
    def cluster(self) -> str:
        """The cluster's name."""
        return self.kernel.cluster

    def run(self, until: float) -> None:
        """Advance the simulation to ``until`` seconds (no-op if already there)."""
        self.kernel.run(until)

    def step(self, should_yield: Callable[[], bool] | None = None) -> None:
        """Process the next scheduled SimPy event (one tick of the simulation).

        With ``should_yield`` (the shell's: the core reads no clock), a long scheduler pass
        pauses when it says so and the next ``step`` goes on with it (``Kernel.step``).
        """
        self.kernel.step(should_yield)

    def peek(self) -> float:
        """Time of the next scheduled SimPy event (``inf`` when nothing is scheduled; now while a pass is paused)."""
        return self.kernel.peek()

    @property
    def pausing(self) -> bool:
        """A long scheduler pass is paused halfway (the next ``step`` goes on with it)."""
        return self.kernel.pausing

    def at(self, delay: float, action: Callable[[], object]) -> None:
        """Call ``action`` after ``delay`` simulated seconds."""
        self.kernel.at(delay, action)

    # -- records, read by tests and shells -----------------------------------------------------

    @property
    def fleet(self) -> Fleet:
        """The placement engine's columns over every registered instance."""
        return self.ecs.fleet

    @property
    def instances(self) -> list[ContainerInstance]:
        """Registered container instances, in fleet order."""
        return self.ecs.instances

    @property
    def tasks(self) -> dict[str, Task]:
        """Every task by id, STOPPED ones included."""
        return self.ecs.tasks

    @property
    def services(self) -> dict[str, ServiceRuntime]:
        """Services by name."""
        return self.ecs.services

    @property
    def families(self) -> dict[str, list[Revision]]:
        """Task-definition revisions by family."""
        return self.ecs.families

    @property
    def roles(self) -> dict[str, IamRole]:
        """IAM roles by name."""
        return self.iam.roles

    @property
    def registry(self) -> Registry:
        """ECR: repositories and images."""
        return self.ecr.registry

    @property
    def target_groups(self) -> dict[str, TargetGroupRuntime]:
        """Target groups by name."""
        return self.lb.target_groups

    @property
    def load_balancers(self) -> dict[str, Any]:
        """Load balancers by name."""
        return self.lb.load_balancers

    # -- API ------------------------------------------------------------------------------------

    def put_role(self, role: IamRole) -> None:
        """Create or replace a role (as CreateRole / Put*Policy / Attach*Policy would)."""
        self.iam.put(role)

    def role_allows(self, role_name: str | None, action: str, resource: str = "*") -> IamDecision:
        """Evaluate ``action`` on ``resource`` for a role's identity policies."""
        return self.iam.allows(role_name, action, resource)

    @staticmethod
    def role_name(arn_or_name: str) -> str:
        """The role name from a role ARN (or the name itself)."""
        return Roles.name(arn_or_name)

    @staticmethod
    def query_problem(expression: str) -> str | None:
        """Why a cluster query language expression (``memberOf``) does not parse, or None when it does."""
        from lab.sim.query import QueryError, parse

        try:
            parse(expression)
        except QueryError as exc:
            return exc.message
        return None

    def push_image(self, spec: ImageSpec) -> Image:
        """Push an image (or move a tag). Raises ClientException for an unknown base or impossible size."""
        return self.ecr.push(spec)

    @staticmethod
    def build_problem(spec: BuildSpec, dockerfile: Any) -> SourceError | None:
        """Why a Dockerfile cannot build with its build spec's context (a fresh cache), or None."""
        try:
            trial_build(spec, dockerfile)
        except SourceError as exc:
            return exc
        return None

    def build_image(self, name: str, dockerfile: Any) -> BuiltImage:
        """Build the ``dockerfile`` file ``name`` with its ``world.builds`` context and push it to ECR.

        Raises:
            ClientException: the build failed (BuildKit's message, positioned) or no build uses the file.
        """
        return self.builds.build_and_push(name, dockerfile)

    def rebuild_after(self, image: str, changes: Mapping[str, str]) -> BuiltImage | None:
        """What rebuilding ``image`` (``repository:tag`` of a ``world.builds`` entry) would reuse
        after the context files ``changes`` changed, on a copy of the world's build cache (None
        when it was never built). Raises SourceError when the rebuild fails."""
        return self.builds.rebuild_after(image, changes)

    def add_instances(self, group: InstanceGroupSpec, *, at: float | None = None) -> None:
        """Launch a group of instances; with ``at`` None they are registered right away."""
        self.ecs.add_instances(group, at=at)

    def put_attributes(self, attributes: dict[str, str | None], *, instance_type: str | None = None, az: str | None = None) -> int:
        """PutAttributes / DeleteAttributes on the matching instances; returns how many matched."""
        return self.ecs.put_attributes(attributes, instance_type=instance_type, az=az)

    def register_task_definition(self, definition: Any) -> Revision:
        """Register a new revision of ``definition.family``."""
        return self.ecs.register_task_definition(definition)

    def resolve_task_definition(self, ref: str) -> Revision:
        """Find a revision by ``family``, ``family:revision`` or ARN (latest when no revision)."""
        return self.ecs.resolve_task_definition(ref)

    def run_task(self, task_definition: str, **options: Any) -> RunTaskResult:
        """RunTask (see ``StandaloneTasks.run_task`` for the options)."""
        return self.standalone.run_task(task_definition, **options)

    def stop_task(self, task_id: str, reason: str = "Task stopped by user", *, stop_code: str = "UserInitiated") -> None:
        """Ask a task to stop (desiredStatus STOPPED); the agent does the rest."""
        self.standalone.stop_task(task_id, reason, stop_code=stop_code)

    def stop_group(self, group: str, *, count: int | None = None, reason: str = "Task stopped by user") -> int:
        """Stop the live tasks of a group, oldest first; returns how many were asked to stop."""
        return self.standalone.stop_group(group, count=count, reason=reason)

    def put_target_group(self, model: Any) -> TargetGroupRuntime:
        """Create a target group, or apply new settings to an existing one."""
        return self.lb.put_target_group(model)

    def put_security_group(self, model: Any) -> None:
        """Create or replace a security group (its rules apply from now on)."""
        self.lb.put_security_group(model)

    def put_load_balancer(self, model: Any) -> object:
        """CreateLoadBalancer with its listeners and rules, or the changes to an existing one (§6.4)."""
        return self.lb.put_load_balancer(model)

    def load_balancer_requests(self, name: str) -> dict[int, dict[tuple[str, str], float]]:
        """Per-minute requests a load balancer received, by (request class, where they went), up to now."""
        return self.lb.request_minutes(name)

    def set_load(self, target_group: str, rps: float, request_s: float | None = None) -> None:
        """Offer ``rps`` requests per second to a target group from now on."""
        self.lb.set_load(target_group, rps, request_s)

    def create_service(self, model: Any) -> ServiceRuntime:
        """CreateService: the scheduler starts placing tasks now."""
        return self.service_api.create_service(model)

    def update_service(self, model: Any) -> ServiceRuntime:
        """UpdateService with a whole service file (what applying a learner's edit does)."""
        return self.service_api.update_service(model)

    def deploy(self, service: str, task_definition: str | None = None, *, desired_count: int | None = None, force: bool = False) -> ServiceRuntime:
        """UpdateService with only these parameters (``update-service --task-definition ...``)."""
        return self.service_api.deploy(service, task_definition, desired_count=desired_count, force=force)

    def set_instance_state(self, index: int, status: str) -> None:
        """UpdateContainerInstancesState: DRAINING or ACTIVE."""
        self.ecs.set_instance_state(index, status)

    def drain_instances(self, *, az: str | None = None, instance_type: str | None = None, count: int | None = None, status: str = "DRAINING") -> int:
        """Set matching instances DRAINING (or ACTIVE); returns how many changed."""
        return self.ecs.drain_instances(az=az, instance_type=instance_type, count=count, status=status)

    def put_account_setting(self, model: Any) -> None:
        """PutAccountSetting (``lab.config.account_setting``)."""
        self.ecs.put_account_setting(model.name, model.value)

    def put_event_rule(self, model: Any) -> None:
        """PutRule + PutTargets (``lab.config.event_rule``): the rule matches events from now on."""
        import json

        from lab.config.event_pattern import compile_pattern

        pattern = model.EventPattern
        if pattern is None:
            # A schedule-only rule matches no event.
            test: Callable[[dict[str, Any]], bool] = lambda event: False  # noqa: E731
        else:
            test = compile_pattern(json.loads(pattern) if isinstance(pattern, str) else pattern).matches
        schedule = None
        if model.ScheduleExpression is not None:
            from lab.config.schedule import parse_schedule

            schedule = parse_schedule(model.ScheduleExpression)
        targets = tuple(model.Targets)
        self.event_rules.put(EventRule(model.Name, test, model.enabled, tuple(t.Id for t in targets), schedule, targets))

    def _invoke_target(self, rule: EventRule, target: Any) -> None:
        """EventBridge invokes one target of a scheduled rule: an ECS task target calls RunTask (§13.5).

        EventBridge assumes the target's role (it must trust ``events.amazonaws.com``), which
        must allow ``ecs:RunTask`` on the task definition and ``iam:PassRole`` on each of the
        task's roles; RunTask then checks the request as it does any other. A refusal is logged
        as ``TargetInvocationFailed``; other target types are shown by ``EventRuleMatched`` alone.
        """
        params = target.EcsParameters
        if params is None or not target.Arn.startswith("arn:") or target.Arn.split(":")[2] != "ecs":
            return
        k, roles = self.kernel, self.iam

        def failed(error: str) -> None:
            k.log.append(TargetInvocationFailed(k.now, rule.name, target.Id, error))

        if target.Arn != k.cluster_arn:
            return failed("ClusterNotFoundException: Cluster not found.")
        if target.RoleArn is None:
            return failed("no RoleArn: EventBridge needs a role to call ecs:RunTask for an ECS task target")
        role_name = roles.name(target.RoleArn)
        role = roles.roles.get(role_name)
        if role is None or "events.amazonaws.com" not in role.trusted_services:
            return failed(f"EventBridge cannot assume the role '{target.RoleArn}': it must exist and trust events.amazonaws.com")
        try:
            rev = self.ecs.resolve_task_definition(params.task_definition)
        except ClientException as exc:
            return failed(str(exc))
        session = f"arn:aws:sts::{k.account}:assumed-role/{role_name}/{rule.name}"
        requests = [("ecs:RunTask", k.arn("ecs", f"task-definition/{rev.name}"))]
        requests += [("iam:PassRole", r if r.startswith("arn:") else roles.arn(r)) for r in (rev.execution_role, rev.task_role) if r]
        for action, resource in requests:
            decision = roles.allows(role_name, action, resource)
            if not decision.allowed:
                denial = denial_message(session, action, resource, explicit_deny=decision.reason == "explicit-deny")
                return failed(f"AccessDeniedException: {denial}")
        network = None
        if params.NetworkConfiguration is not None:
            vpc = params.NetworkConfiguration.awsvpcConfiguration
            network = {"awsvpcConfiguration": {"subnets": list(vpc.Subnets), "securityGroups": list(vpc.SecurityGroups), "assignPublicIp": vpc.AssignPublicIp}}
        try:
            self.standalone.run_task(
                rev.name, count=params.TaskCount, launch_type=params.LaunchType, capacity_provider_strategy=params.CapacityProviderStrategy,
                strategies=tuple(Strategy(s.type or "", s.field) for s in params.PlacementStrategy),
                constraints=tuple(Constraint(c.type or "", c.expression) for c in params.PlacementConstraints),
                group=params.Group, network_configuration=network,
            )
        except ClientException as exc:
            failed(str(exc))

    def put_deployment_group(self, model: Any) -> None:
        """CodeDeploy CreateDeploymentGroup (or UpdateDeploymentGroup)."""
        self.codedeploy.put_deployment_group(model)

    def put_appspec(self, model: Any, *, deploy: bool = True) -> str | None:
        """Store the AppSpec in force; ``deploy``: CodeDeploy CreateDeployment with it (returns its id)."""
        return self.codedeploy.put_appspec(model, deploy=deploy)

    def put_metric_alarm(self, model: Any) -> Any:
        """PutMetricAlarm."""
        return self.alarms.put_metric_alarm(model)

    # -- views ---------------------------------------------------------------------------------

    def snapshot(self) -> WorldSnapshot:
        """A read-only picture of the cluster now."""
        return snapshot(self.kernel, self.ecs)

    def metrics(self) -> MetricsView:
        """Read-only service counts, target health, request totals and capacity now."""
        return metrics_view(self.kernel, self.ecs, self.lb, self.cloudwatch)

    def cost_usd(self) -> float:
        """What the run cost so far (EC2 instance-hours and Fargate task time)."""
        return cost_usd(self.kernel, self.ecs, self.autoscaling_groups, self.capacity)

    def explain_placement(self, group: str) -> list[InstanceVerdict]:
        """"Why not placed?" for ``service:<name>`` or ``family:<family>`` now."""
        return explain_placement(self.ecs, group)

    def traffic(self, target_group: str | None = None) -> list[tuple[str, dict[int, MetricsMinute]]]:
        """Per-minute request metrics of one target group (or all), up to now."""
        return target_group_minutes(self.lb, target_group)
