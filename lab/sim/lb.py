"""Provides ``LoadBalancing``: the account's load balancers, target groups and security groups.

It creates target groups (``lab.sim.elb``) and answers what they ask about their targets —
can the load balancer reach the port (security groups, §6.2, §6.3), does the app answer the
health-check path, how much traffic can it serve — from the images' app models (``lab.sim.app``)
and the tasks' CPU share (§2.1). A target's health change is passed on to the service that
registered it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import partial
from typing import Any

from lab.errors import ClientException
from lab.sim.app import app_up
from lab.sim.elb import Target, TargetGroupRuntime, target_group_arn
from lab.sim.fleet import Fleet
from lab.sim.kernel import Kernel
from lab.sim.model import target_container, task_cpu_capacity
from lab.sim.registry import Ecr

__all__ = ["LB_NODE_IP", "LoadBalancing"]

CREATE_ONLY = (("target_type", "TargetType"), ("protocol", "Protocol"), ("port", "Port"))
"""Target-group settings ModifyTargetGroup has no parameter for (API: ModifyTargetGroup)."""

LB_NODE_IP = "10.0.0.10"
"""Private address a load balancer's health checks and requests come from (inside the VPC)."""


class LoadBalancing:
    """Load balancers, target groups and security groups; the ``Routing`` seam of every target group."""

    def __init__(self, kernel: Kernel, ecr: Ecr, fleet: Fleet, load_balancers: Iterable[Any], security_groups: Iterable[Any] = ()) -> None:
        self.kernel = kernel
        self.ecr = ecr
        self.fleet = fleet
        self.load_balancers = {lb.name: lb for lb in load_balancers}
        self.security_groups: dict[str, Any] = {sg.name: sg for sg in security_groups}
        self.target_groups: dict[str, TargetGroupRuntime] = {}
        self.routing_epoch = 0
        """Bumped by whatever may change a health probe's answer other than the task itself."""
        self._lb_of: dict[str, Any] = {}
        """Target group name → the load balancer it was attached to when created."""
        self.forwards: dict[str, Any] = {}
        """Target group name → the weighted forward action (``lab.sim.bluegreen``) that splits its
        listener rule's requests between it and another group; only for blue/green services."""

    # -- API ------------------------------------------------------------------------------

    def put_target_group(self, model: Any) -> TargetGroupRuntime:
        """Create a target group, or apply new settings to an existing one."""
        existing = self.target_groups.get(model.name)
        if existing is not None:
            for attribute, name in CREATE_ONLY:
                old, new = getattr(existing.model, attribute), getattr(model, attribute)
                if old != new:
                    # ModifyTargetGroup has no such parameter; CloudFormation would replace the
                    # group (a new one, with no targets). The lab's wording (UNCONFIRMED).
                    raise ClientException(
                        f"ValidationError: ModifyTargetGroup cannot change {name} of target group {model.name} from {old} "
                        f"to {new}: it is set when the target group is created. Create a new target group instead.",
                        (name,),
                    )
            existing.set_model(model)
            return existing
        k = self.kernel
        lb = next((lb for lb in self.load_balancers.values() if model.name in lb.target_groups), None)
        self._lb_of[model.name] = lb
        runtime = TargetGroupRuntime(
            k,
            self,
            model,
            target_group_arn(model.name, k.region, k.account),
            load_balancer=lb.name if lb else None,
            lb_azs=frozenset(lb.azs) if lb else frozenset(),
        )
        runtime.listeners.append(partial(_dispatch_target_state, runtime))
        self.target_groups[model.name] = runtime
        return runtime

    def put_security_group(self, model: Any) -> None:
        """Create or replace a security group (its rules apply from now on)."""
        self.security_groups[model.name] = model
        self.routing_epoch += 1
        for tg in self.target_groups.values():
            tg.refresh()

    def find_target_group(self, ref: str | None) -> TargetGroupRuntime | None:
        """A target group by ARN or name."""
        if not ref:
            return None
        for tg in self.target_groups.values():
            if ref in (tg.arn, tg.name) or ref.startswith("arn:") and ref.split("/")[1:2] == [tg.name]:
                return tg
        return None

    def service_target_groups(self, model: Any) -> list[tuple[TargetGroupRuntime, str, int]]:
        """A service's ``loadBalancers`` as (target group, container name, container port).

        Raises:
            ClientException: a target group that does not exist.
        """
        pairs = []
        for lb in model.load_balancers:
            tg = self.find_target_group(lb.target_group_arn)
            if tg is None:
                raise ClientException(f"Unable to find target group {lb.target_group_arn}.", ("loadBalancers",))
            pairs.append((tg, lb.container_name, lb.container_port))
        return pairs

    def set_load(self, target_group: str, rps: float, request_s: float | None = None) -> None:
        """Offer ``rps`` requests per second to a target group from now on."""
        tg = self.target_groups.get(target_group)
        if tg is None:
            raise ClientException(f"One or more target groups not found: {target_group}")
        forward = self.forwards.get(tg.name)
        if forward is not None:
            # The requests arrive at the listener rule, which splits them by weight (§4.9).
            forward.offer(rps, request_s)
            return
        tg.set_load(rps, request_s)

    def weighted_forward(self, rule: str | None, primary: TargetGroupRuntime, alternate: TargetGroupRuntime) -> Any:
        """The forward action of ``rule`` between two target groups (made on first use).

        Requests offered to either group from then on reach the rule and are split by its
        weights; at first everything goes to the group that had the traffic.
        """
        from lab.sim.bluegreen import WeightedForward

        forward = self.forwards.get(primary.name) or self.forwards.get(alternate.name)
        if forward is None:
            forward = WeightedForward(rule or primary.name, [primary, alternate])
            self.forwards[primary.name] = self.forwards[alternate.name] = forward
        return forward

    # -- the Routing seam -------------------------------------------------------------------

    def reachable(self, tg: TargetGroupRuntime, target: Target) -> bool:
        """Whether the load balancer may open a connection to the target's port (security groups)."""
        lb = self._lb_of.get(tg.name)
        if not self.security_groups or lb is None:
            return True
        # Imported here: its pydantic models cost milliseconds to build, and only worlds
        # with security groups need it.
        from lab.config.security_group import allows_ingress

        task = target.task
        if task.needs.eni or task.launch_type == "FARGATE":
            groups = tuple(task.service.network_groups) if task.service is not None else ()
        else:
            groups = task.instance.security_groups if task.instance is not None else ()
        if not groups:
            return True
        sources = list(lb.security_groups)
        for name in groups:
            sg = self.security_groups.get(name)
            if sg is None:
                continue
            # The load balancer's nodes connect from their private address in the VPC, so a
            # CIDR rule covering it (the VPC range, 0.0.0.0/0) lets them in as well as a rule
            # naming one of its security groups; an NLB without groups has only the address (§6.3).
            if allows_ingress(sg, protocol="tcp", port=target.port, source_ip=LB_NODE_IP):
                return True
            if any(allows_ingress(sg, protocol="tcp", port=target.port, source_group=src) for src in sources):
                return True
        return False

    def _target_app(self, tg: TargetGroupRuntime, target: Target) -> tuple[Any, Any]:
        """(container, app model) behind a target; None, None when no container serves it.

        Cached on the target until an image is pushed or the service's load balancers change,
        the only things that change the answer: health checks and routing ask it for every
        target, many times a minute.
        """
        task = target.task
        routes = task.service.target_groups_for(task) if task.service is not None else None
        generation = self.ecr.registry.generation
        info = target.info
        if info is not None and info[0] == generation and info[1] is routes and info[2] is tg:
            return info[3], info[4]
        container = next((c for c in task.rev.containers if c.name == target_container(task, tg)), None)
        spec = self.ecr.app_spec(container.image) if container is not None else None
        target.info = (generation, routes, tg, container, spec)
        return container, spec

    def responds(self, tg: TargetGroupRuntime, target: Target) -> tuple[bool, int]:
        """(app up, HTTP status of the health-check path) for a target's container."""
        task = target.task
        container, spec = self._target_app(tg, target)
        if container is None or not app_up(self.kernel.now, task, container, spec):
            return False, 0
        if tg.model.is_network or tg.model.health_check_protocol in ("TCP", "UDP", "TLS"):
            return True, 200
        return True, 200 if tg.model.health_check_path == spec.health_path else 404

    def settings(self) -> object:
        """Changes when an image is pushed or security groups or services' settings change."""
        return (self.ecr.registry.generation, self.routing_epoch)

    def lasting(self, tg: TargetGroupRuntime, target: Target) -> bool:
        """Whether a target's app, once it answers, keeps answering (it never hangs by itself)."""
        container, spec = self._target_app(tg, target)
        return container is not None and spec.hang_after_s is None

    def answer_until(self, tg: TargetGroupRuntime, target: Target) -> float:
        """Until when ``app_up`` keeps its present answer for a target's app, if nothing else changes.

        Its boot ends or its hang starts then; a task that is not running changes only
        through its task (which clears the answer). A microsecond early, so that float
        rounding at the boundary cannot keep a stale answer.
        """
        task = target.task
        container, spec = self._target_app(tg, target)
        if container is None or task.started_at is None or task.last != "RUNNING" or container.name in task.exited:
            return math.inf
        alive_for = self.kernel.now - task.started_at
        if alive_for < spec.boot_s:
            return task.started_at + spec.boot_s - 1e-6
        if spec.hang_after_s is not None and alive_for < spec.hang_after_s:
            return task.started_at + spec.hang_after_s - 1e-6
        return math.inf

    def profile(self, tg: TargetGroupRuntime, target: Target) -> tuple[float, float] | None:
        """(error rate, requests per second the task can serve) for a target's container."""
        task = target.task
        container, spec = self._target_app(tg, target)
        if container is None:
            return None
        if spec.cpu_units_per_rps <= 0:
            return spec.error_rate, 0.0
        return spec.error_rate, max(0.0, task_cpu_capacity(self.fleet, task) - spec.idle_cpu_units) / spec.cpu_units_per_rps

    def load_changed(self, tg: TargetGroupRuntime, targets: Iterable[Target] | None = None) -> None:
        """Traffic shares changed: bring every affected task's CPU accounting up to date.

        Args:
            tg: the target group whose shares changed.
            targets: only these targets changed (default: all of the group's).
        """
        now = self.kernel.now
        for target in tg.targets if targets is None else targets:
            task = target.task
            if not target.serving and task.cpu_demand == 0.0:
                continue  # nothing accrues at zero demand, before or after: no accounting to do
            task.cpu_account(now)
            if target.serving:
                container, spec = self._target_app(tg, target)
                per_rps = spec.cpu_units_per_rps if container is not None else 0.0
                task.cpu_demand = target.rate * (1.0 - target.error_fraction) * per_rps
            else:
                task.cpu_demand = 0.0


def _dispatch_target_state(tg: TargetGroupRuntime, target: Target, state: str) -> None:
    service = target.task.service
    if service is not None:
        service.on_target_state(target, state, tg)
