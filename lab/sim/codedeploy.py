"""Provides the CodeDeploy deployment controller of ECS services (docs/ecs-facts.md §4.10).

A service whose ``deploymentController.type`` is ``CODE_DEPLOY`` is deployed by CodeDeploy, never
by UpdateService: a ``deployment-group`` file names the service, its two target groups and
production (and optional test) listener, the deployment configuration, the termination wait
of the original task set, the alarms and the automatic rollback; an ``appspec`` file names
the task definition, container and port, and the Lambda hooks. A deployment (applying an
appspec, or a ``create-deployment`` timeline entry):

1. ``BeforeInstall`` hook; ``Install``: the replacement (green) task set scales up to the
   service's desired count in the target group that carries no production traffic;
2. ``AfterInstall`` hook; ``AllowTestTraffic``: the test listener goes to green (if the group
   has one); ``AfterAllowTestTraffic`` and ``BeforeAllowTraffic`` hooks;
3. ``AllowTraffic``: production traffic moves to green all at once, in a canary's two steps, or
   in linear steps (``WeightedForward`` weights); ``AfterAllowTraffic`` hook;
4. the original (blue) task set keeps running for the termination wait, then stops: Succeeded.

A hook is a Lambda function (``world.functions``) that reports Succeeded or Failed after its
duration, or never (the hook then fails after an hour). A failed hook or install fails the
deployment; an alarm of the group's alarm configuration in ALARM stops it. With automatic
rollback for that event, production goes back to blue at once and green is stopped.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from typing import Any

from lab.errors import ClientException
from lab.sim.elb import TargetGroupRuntime
from lab.sim.events import CodeDeployDeploymentStateChanged, CodeDeployLifecycleEvent, ServiceEvent, TrafficShifted
from lab.sim.kernel import Kernel
from lab.sim.service import Deployment, ServiceRuntime

__all__ = ["HOOK_TIMEOUT_S", "CodeDeploy", "CodeDeployRollout"]

HOOK_TIMEOUT_S = 3600.0
"""A hook whose Lambda function reports no status fails after an hour (§4.10)."""

NOT_CODE_DEPLOY = "Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller."
"""CreateDeploymentGroup's refusal for a service deployed by ECS (InvalidECSServiceException; wording UNCONFIRMED)."""


class CodeDeploy:
    """CodeDeploy for the cluster's ECS services: deployment groups, the AppSpec in force, deployments."""

    def __init__(self, kernel: Kernel, services: Callable[[], dict[str, ServiceRuntime]], lb: Any, metrics: Any, functions: Iterable[Any] = ()) -> None:
        self.kernel = kernel
        self._services = services
        self.lb = lb
        self.metrics = metrics
        self.functions = {f.name: f for f in functions}
        """Lambda function name → its ``FunctionSpec`` (what it reports, after how long)."""
        self.groups: dict[str, Any] = {}
        """Deployment group name → ``DeploymentGroup`` (lab.config)."""
        self.appspec: Any = None
        """The AppSpec in force (the revision the next deployment deploys)."""
        self.rollouts: dict[str, CodeDeployRollout] = {}
        """Service name → its controller."""

    def put_deployment_group(self, model: Any) -> None:
        """CreateDeploymentGroup / UpdateDeploymentGroup.

        Raises:
            ClientException: the service does not exist or is not deployed by CodeDeploy.
        """
        svc = self._services().get(model.service_name)
        if svc is None:
            raise ClientException(f"InvalidECSServiceException: ECS service {model.service_name} not found.")  # wording UNCONFIRMED
        if svc.model.deployment_controller.type != "CODE_DEPLOY":
            raise ClientException(f"InvalidECSServiceException: {NOT_CODE_DEPLOY}")
        for tg in model.pair.target_groups:
            if tg.name not in self.lb.target_groups:
                raise ClientException(f"InvalidTargetGroupPairException: Target group {tg.name} does not exist.")  # wording UNCONFIRMED
        self.groups[model.deployment_group_name] = model
        rollout = self.rollouts.get(svc.name)
        if rollout is not None:
            rollout.group = model

    def put_appspec(self, model: Any, *, deploy: bool) -> str | None:
        """Store the AppSpec; ``deploy``: CreateDeployment with it (a live apply), returning the id."""
        self.appspec = model
        return self.create_deployment() if deploy else None

    def create_deployment(self, group_name: str | None = None) -> str:
        """CreateDeployment of the AppSpec in force through a deployment group.

        Raises:
            ClientException: no such group, no AppSpec, or the group has a deployment in progress.
        """
        if group_name is None:
            if len(self.groups) != 1:
                raise ClientException("DeploymentGroupNameRequiredException: The deployment group name was not specified.")  # wording UNCONFIRMED
            group = next(iter(self.groups.values()))
        elif group_name in self.groups:
            group = self.groups[group_name]
        else:
            raise ClientException(f"DeploymentGroupDoesNotExistException: No Deployment Group found for name: {group_name}")  # wording UNCONFIRMED
        if self.appspec is None:
            raise ClientException("RevisionRequiredException: The revision ID was not specified.")  # wording UNCONFIRMED
        svc = self._services().get(group.service_name)
        if svc is None:
            raise ClientException(f"InvalidECSServiceException: ECS service {group.service_name} not found.")  # wording UNCONFIRMED
        rollout = self.rollouts.get(svc.name)
        if rollout is not None and rollout.in_progress:
            raise ClientException(
                f"DeploymentLimitExceededException: The Deployment Group '{group.deployment_group_name}' already has an active Deployment '{rollout.deployment_id}'"
            )  # wording UNCONFIRMED
        if rollout is None:
            rollout = self.rollouts[svc.name] = CodeDeployRollout(self, svc, group)
            if self.metrics is not None:
                self.metrics.listeners.append(rollout.alarms_evaluated)
        rollout.group = group
        svc.rollout = rollout
        deployment_id = "d-" + "".join(self.kernel.rng.choice(string.ascii_uppercase + string.digits) for _ in range(9))
        rollout.start(deployment_id, self.appspec)
        return deployment_id


class CodeDeployRollout:
    """One service's CodeDeploy deployments: the ``TrafficShift`` the service hands its passes to."""

    def __init__(self, codedeploy: CodeDeploy, service: ServiceRuntime, group: Any) -> None:
        self.codedeploy = codedeploy
        self.kernel = codedeploy.kernel
        self.service = service
        self.group = group
        self.active = False
        """Whether the service's scheduler passes come here (from Install until the deployment ends)."""
        self.in_progress = False
        """Whether a deployment is Created or InProgress."""
        self.deployment_id = ""
        self.stage = ""
        """The lifecycle event under way."""
        self.appspec: Any = None
        self.green: Deployment | None = None
        self.blue: Deployment | None = None
        self.blue_tg: TargetGroupRuntime | None = None
        self.green_tg: TargetGroupRuntime | None = None
        self.forward: Any = None
        self._revision = ""
        """``family:revision`` the deployment runs, once resolved."""
        self._moved = False
        """Whether production traffic went to green in this deployment."""
        self._token = 0
        """Bumped whenever the deployment ends: a timer set earlier then does nothing."""

    # -- the service's interface (TrafficShift) ---------------------------------------------------

    def begin(self, green: Deployment, blue: Deployment) -> None:
        """Not used: UpdateService never starts a deployment of a CODE_DEPLOY service."""

    def reconcile(self) -> None:
        """A scheduler pass: keep the replacement task set at the desired count."""
        svc, green = self.service, self.green
        if green is None or not self.in_progress:
            return
        live = svc.replace_and_count(green)
        need = svc.desired - len(live)
        if need > 0:
            svc.start_tasks(green, need)
            return
        if self.stage == "Install" and len(live) == svc.desired and all(svc.is_healthy(t) for t in live):
            self._lifecycle("Install", "Succeeded")
            self._hook("AfterInstall", self._allow_test_traffic)

    def fail(self, why: str, *, rollback: bool) -> None:
        """The ECS side failed the replacement task set: the deployment fails (rollback per the group)."""
        self._end("Failed", why, rollback=self.group.rolls_back_on("DEPLOYMENT_FAILURE"))

    def alarms_evaluated(self, _now: float) -> None:
        """After a CloudWatch evaluation: an alarm of the group in ALARM stops the deployment."""
        if not self.in_progress:
            return
        config = self.group.alarm_configuration
        if not config.enabled:
            return
        for alarm in config.alarms:
            state = self.codedeploy.metrics.alarms.get(alarm.name)
            if state is not None and state.state == "ALARM":
                # The reason's wording is the lab's (UNCONFIRMED).
                self._end("Stopped", f"alarm {alarm.name} is in ALARM state", rollback=self.group.rolls_back_on("DEPLOYMENT_STOP_ON_ALARM"))
                return

    # -- the deployment -----------------------------------------------------------------------------

    def start(self, deployment_id: str, appspec: Any) -> None:
        """CreateDeployment: Created, InProgress, then the lifecycle events in order."""
        if self.green is not None and self.blue is not None:
            # A deployment that ended Failed or Stopped without rollback left green running:
            # the new one starts from the task set that had production (the lab's reading, UNCONFIRMED).
            self._stop_tasks(self.green)
            if self._moved:
                self._set_production(0.0)
        self._moved = False
        self._token += 1
        self.deployment_id = deployment_id
        self.appspec = appspec
        self._revision = ""
        self.in_progress = True
        self.green = None
        svc = self.service
        self.blue = svc.deployments[0] if svc.deployments else None
        self._state("Created")
        self._state("InProgress")
        self._hook("BeforeInstall", self._install)

    def _install(self) -> None:
        svc, k = self.service, self.kernel
        target = self.appspec.target
        self.stage = "Install"
        try:
            rev = svc.cluster.resolve_task_definition(target.task_definition)
        except ClientException as exc:
            self._lifecycle("Install", "Failed", detail=exc.message)
            self._end("Failed", exc.message, rollback=self.group.rolls_back_on("DEPLOYMENT_FAILURE"))
            return
        self._revision = rev.name
        from lab.config.codedeploy import appspec_errors

        problems = appspec_errors(self.appspec, rev.definition)
        if problems:
            # ECS refuses the replacement task set (CreateTaskSet), so Install fails.
            self._lifecycle("Install", "Failed", detail=problems[0].message)
            self._end("Failed", problems[0].message, rollback=self.group.rolls_back_on("DEPLOYMENT_FAILURE"))
            return
        names = [tg.name for tg in self.group.pair.target_groups]
        blue = self.blue
        blue_routes = blue.target_groups if blue is not None and blue.target_groups is not None else svc.target_groups
        blue_name = next((tg.name for tg, _c, _p in blue_routes if tg.name in names), names[0])
        green_name = names[1] if blue_name == names[0] else names[0]
        lb = self.codedeploy.lb
        self.blue_tg, self.green_tg = lb.target_groups[blue_name], lb.target_groups[green_name]
        info = target.load_balancer_info
        green = Deployment(f"ecs-svc/{k.rng.randrange(10**18, 10**19)}", rev, k.now, images=svc.agent.ecr.resolve_images(rev.containers))
        green.status = "ACTIVE"
        green.target_groups = [(self.green_tg, info.container_name, info.container_port)]
        self.green = green
        svc.deployments = [d for d in (blue, green) if d is not None]
        self.forward = lb.weighted_forward(self._production_rule, self.blue_tg, self.green_tg)
        self.active = True
        # An UpdateService during a hook may have let go of the controller: take the passes back.
        svc.rollout = self
        svc.kick()

    def _allow_test_traffic(self) -> None:
        test = self.group.pair.test_traffic_route
        if test is not None and self.blue_tg is not None and self.green_tg is not None:
            # Test traffic is not modelled as load: the listener's target is logged only.
            weights = ((self.blue_tg.name, 0.0), (self.green_tg.name, 100.0))
            self.kernel.log.append(TrafficShifted(self.kernel.now, self.service.name, self.deployment_id, test.listener_arns[0], "test", weights))
            self._lifecycle("AllowTestTraffic", "Succeeded")
        self._hook("AfterAllowTestTraffic", lambda: self._hook("BeforeAllowTraffic", self._ready))

    def _ready(self) -> None:
        ready = self.group.blue_green_deployment_configuration.deployment_ready_option
        if ready.action_on_timeout == "STOP_DEPLOYMENT":
            # Nobody reroutes traffic by hand in the lab (no ContinueDeployment): the
            # deployment stops when the wait ends (§4.10).
            token = self._token
            self.stage = "Ready"
            self.kernel.at(
                ready.wait_time_in_minutes * 60.0,
                lambda: self._end("Stopped", "traffic was not rerouted within the deployment ready wait time", rollback=True) if token == self._token else None,
            )
            return
        self._allow_traffic()

    def _allow_traffic(self) -> None:
        self.stage = "AllowTraffic"
        self._step(self.group.routing.steps(), 0)

    def _step(self, steps: list[tuple[float, float]], i: int) -> None:
        share, wait_min = steps[i]
        self._set_production(share)
        token = self._token
        if i + 1 < len(steps):
            self.kernel.at(wait_min * 60.0, lambda: self._step(steps, i + 1) if token == self._token else None)
            return
        self._lifecycle("AllowTraffic", "Succeeded")
        self._hook("AfterAllowTraffic", self._wait_termination)

    def _wait_termination(self) -> None:
        self.stage = "TerminationWait"
        option = self.group.blue_green_deployment_configuration.terminate_blue_instances_on_deployment_success
        token = self._token
        # KEEP_ALIVE is not simulated: the original task set is stopped as with TERMINATE.
        self.kernel.at(option.termination_wait_time_in_minutes * 60.0, lambda: self._succeed() if token == self._token else None)

    def _succeed(self) -> None:
        svc, green, blue = self.service, self.green, self.blue
        assert green is not None
        self._token += 1
        if blue is not None:
            self._stop_tasks(blue)
        green.status = "PRIMARY"
        green.rollout = "COMPLETED"
        svc.deployments = [green]
        svc.last_completed = green
        self._state("Succeeded")
        self._close()

    def _end(self, state: str, reason: str, *, rollback: bool) -> None:
        """The deployment Failed or was Stopped; with ``rollback`` production goes back to blue at once."""
        if not self.in_progress:
            return
        self._token += 1
        svc = self.service
        if rollback and self.green is not None:
            if self._moved:
                self._set_production(0.0)
            self._stop_tasks(self.green)
            self.green.rollout = "FAILED"
            svc.deployments = [d for d in (self.blue,) if d is not None]
            self.green = None
        self._state(state, reason, rollback=rollback)
        if self.green is None:
            self._close()
        else:
            # Without rollback both task sets keep running with the traffic as it is (UNCONFIRMED);
            # the service's passes stay here so the rolling scheduler does not retire either.
            self.in_progress = False
            self.stage = state

    def _close(self) -> None:
        self.in_progress = False
        self.active = False
        self.stage = ""
        self.green = None
        self.service.kick()

    # -- pieces ---------------------------------------------------------------------------------

    @property
    def _production_rule(self) -> str:
        return str(self.group.pair.prod_traffic_route.listener_arns[0])

    def _set_production(self, share: float) -> None:
        forward, blue_tg, green_tg = self.forward, self.blue_tg, self.green_tg
        if forward is None or blue_tg is None or green_tg is None:
            return
        forward.set_weights({blue_tg.name: 100.0 - share, green_tg.name: share})
        self._moved = self._moved or share > 0
        weights = tuple((tg.name, forward.weights[tg.name]) for tg in (blue_tg, green_tg))
        self.kernel.log.append(TrafficShifted(self.kernel.now, self.service.name, self.deployment_id, forward.rule, "production", weights))

    def _hook(self, event: str, then: Callable[[], None]) -> None:
        """Run the AppSpec's hook for ``event`` (if any); ``then`` when its function reports Succeeded."""
        name = self.appspec.hook_functions.get(event) if self.appspec is not None else None
        if name is None:
            then()
            return
        self.stage = event
        function = self.codedeploy.functions.get(name)
        token = self._token

        def report(status: str, detail: str = "") -> None:
            if token != self._token:
                return
            self._lifecycle(event, status, hook=name, detail=detail)
            if status == "Succeeded":
                then()
            else:
                self._end("Failed", f"the {event} hook {name} reported {detail or 'Failed'}", rollback=self.group.rolls_back_on("DEPLOYMENT_FAILURE"))

        if function is None:
            # The lab's wording (UNCONFIRMED): CodeDeploy cannot invoke a function that does not exist.
            report("Failed", f"Lambda function {name} not found")
        elif function.status is None:
            self.kernel.at(HOOK_TIMEOUT_S, lambda: report("Failed", "no status within 60 minutes"))
        else:
            status = "Succeeded" if function.status == "SUCCEEDED" else "Failed"
            self.kernel.at(function.duration_s, lambda: report(status))

    def _lifecycle(self, event: str, status: str, *, hook: str = "", detail: str = "") -> None:
        self.kernel.log.append(CodeDeployLifecycleEvent(self.kernel.now, self.service.name, self.deployment_id, event, status, hook, detail))

    def _state(self, state: str, reason: str = "", *, rollback: bool = False) -> None:
        revision = self._revision or str(self.appspec.target.task_definition).rsplit("/", 1)[-1]
        self.kernel.log.append(
            CodeDeployDeploymentStateChanged(
                self.kernel.now, self.service.name, self.deployment_id, self.group.deployment_group_name, state, revision, reason, rollback
            )
        )

    def _stop_tasks(self, deployment: Deployment) -> None:
        """Stop every task of a task set (their targets drain as usual)."""
        svc = self.service
        stopped = [t for t in svc.tasks.values() if t.deployment is deployment and t.desired != "STOPPED"]
        for task in stopped:
            svc.stop_task(task, f"Scaling activity initiated by (deployment {deployment.id})")
        if stopped:
            ids = " ".join(f"(task {t.id})" for t in stopped)
            self.kernel.log.append(ServiceEvent(self.kernel.now, svc.name, "stopped-tasks", f"(service {svc.name}) has stopped {len(stopped)} running tasks: {ids}."))
