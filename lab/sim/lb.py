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
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from lab.errors import ClientException, ElbException
from lab.sim.app import app_up
from lab.sim.elb import Target, TargetGroupRuntime, target_group_arn
from lab.sim.events import ListenerRouted
from lab.sim.fleet import Fleet
from lab.sim.kernel import Kernel
from lab.sim.model import target_container, task_cpu_capacity
from lab.sim.registry import Ecr
from lab.sim.timing import round_ms

__all__ = ["CONNECTION_FAILED", "LB_NODE_IP", "LoadBalancerRuntime", "LoadBalancing", "RequestCounts"]

CONNECTION_FAILED = "connection failed"
"""Where requests go that reach no listener: an internal load balancer's private addresses from
the internet, no listener on the port, or no such load balancer (§6.4)."""

CREATE_ONLY = (("target_type", "TargetType"), ("protocol", "Protocol"), ("port", "Port"))
"""Target-group settings ModifyTargetGroup has no parameter for (API: ModifyTargetGroup)."""

LB_NODE_IP = "10.0.0.10"
"""Private address a load balancer's health checks and requests come from (inside the VPC)."""


@dataclass
class LoadBalancerRuntime:
    """A load balancer created from a ``load-balancer`` file (``lab.config.load_balancer.LoadBalancer``)."""

    name: str
    type: str
    scheme: str
    azs: list[str]
    """Availability Zones of its subnets (``subnet-0laba`` is ``<region>a``)."""
    security_groups: list[str]
    target_groups: list[str]
    """Names of the target groups its listeners forward to."""
    model: Any
    """The ``LoadBalancer`` config: listeners and rules."""


@dataclass
class _Offered:
    """Traffic offered to one load balancer (a ``traffic`` timeline entry with ``load_balancer``)."""

    rps: float
    request_s: float | None
    requests: list[Any]
    source: str
    port: int | None


@dataclass
class RequestCounts:
    """Requests a load balancer received, per (request class, where they went), per minute."""

    rates: dict[tuple[str, str], float] = field(default_factory=dict)
    """(request class label, destination) → requests per second now."""
    minutes: dict[int, dict[tuple[str, str], float]] = field(default_factory=dict)
    last: float = 0.0

    def flush(self, now: float) -> None:
        """Account the requests since the last change, split over minute buckets."""
        t = self.last
        if now <= t:
            return
        self.last = now
        while t < now:
            edge = min(now, (math.floor(t / 60) + 1) * 60)
            bucket = self.minutes.setdefault(int(t // 60), {})
            for key, rate in self.rates.items():
                if rate > 0:
                    bucket[key] = bucket.get(key, 0.0) + rate * (edge - t)
            t = edge


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
        self._direct: dict[str, tuple[float, float | None]] = {}
        """Target group name → (rps, request_s) offered straight to it (``traffic`` with ``target_group``)."""
        self._offered: dict[str, _Offered] = {}
        """Load balancer name → the traffic its clients send (``traffic`` with ``load_balancer``)."""
        self._routed: dict[str, dict[str, float]] = {}
        """Load balancer name → target group name → requests per second its listener forwards there."""
        self._routes_seen: dict[str, dict[str, tuple[str, str]]] = {}
        """Load balancer name → request class label → (rule, destination) last logged."""
        self.requests: dict[str, RequestCounts] = {}
        """Load balancer name → what its clients' requests became (grading reads it)."""
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
        """Offer ``rps`` requests per second to a target group from now on (plus what listeners forward there)."""
        tg = self.target_groups.get(target_group)
        if tg is None:
            # observed: "(TargetGroupNotFound) ... One or more target groups not found" (aws-samples/service-screener-v2#212)
            raise ElbException("TargetGroupNotFound", f"One or more target groups not found: {target_group}")
        forward = self.forwards.get(tg.name)
        if forward is not None:
            # The requests arrive at the listener rule, which splits them by weight (§4.9). A
            # load-balancer file's listeners do not forward through it yet (docs/simulator.md).
            forward.offer(rps, request_s)
            return
        self._direct[target_group] = (rps, request_s)
        tg.set_load(rps + self._forwarded(target_group), request_s)

    # -- load balancers and listeners (docs/ecs-facts.md §6.4) --------------------------------

    def put_load_balancer(self, model: Any) -> LoadBalancerRuntime:
        """CreateLoadBalancer + CreateListener + CreateRule, or the changes to an existing one.

        Raises:
            ClientException: a target group that does not exist or belongs to another load
                balancer; a change ELB has no call for (type, scheme); security groups on a
                Network Load Balancer created without them.
        """
        existing = self.load_balancers.get(model.name)
        if isinstance(existing, LoadBalancerRuntime):
            for attribute, key in (("type", "Type"), ("scheme", "Scheme")):
                old, new = getattr(existing, attribute), getattr(model, attribute)
                if old != new:
                    # No ModifyLoadBalancer parameter for it; CloudFormation would replace the load balancer.
                    raise ElbException(
                        "ValidationError",
                        f"The {key} of load balancer {model.name} is set when it is created ({old}); "
                        f"create a new load balancer to make it {new}",
                        (key,),
                    )  # wording UNCONFIRMED
            if existing.type == "network" and not existing.security_groups and model.security_groups:
                # API: SetSecurityGroups (the text of its reference page)
                raise ElbException(
                    "InvalidConfigurationRequest",
                    "You can't perform this operation on a Network Load Balancer unless you "
                    "specified a security group for the load balancer when you created it.",
                    ("SecurityGroups",),
                )
        from lab.config.load_balancer import association_limit_text

        groups: list[TargetGroupRuntime] = []
        for ref in model.target_group_refs:
            tg = self.find_target_group(ref)
            if tg is None:
                raise ElbException("TargetGroupNotFound", f"The specified target group does not exist. ({ref})", ("Listeners",))
            if tg.load_balancer is not None and tg.load_balancer != model.name:
                raise ElbException("TargetGroupAssociationLimit", association_limit_text(tg.arn), ("Listeners",))
            if tg not in groups:
                groups.append(tg)
        region = self.kernel.region
        azs = sorted({f"{region}{subnet[-1]}" for subnet in model.subnets})
        runtime = LoadBalancerRuntime(
            model.name, model.type, model.scheme, azs, list(model.security_groups), [tg.name for tg in groups], model
        )
        self.load_balancers[model.name] = runtime
        self.routing_epoch += 1  # its security groups may have changed: reachability may differ
        for tg in groups:
            self._lb_of[tg.name] = runtime
            tg.attach(model.name, frozenset(azs))
        self._reroute(model.name)
        return runtime

    def set_forward_weights(self, name: str, port: int, priority: int | None, weights: dict[str, int]) -> LoadBalancerRuntime:
        """ModifyRule (or ModifyListener for the default action): new weights for a forward action's target groups.

        The seam deployments use to shift traffic (blue/green, canary, linear): the rule keeps
        its conditions, its forward action gets ``weights`` (target group name → 0–999), and the
        listener routes again from now on.

        Args:
            name: the load balancer.
            port: the listener's port.
            priority: the rule's priority (None: the listener's default action).
            weights: target group name or ARN → weight.

        Raises:
            ElbException: no such load balancer, listener or rule (ELB's error codes; wording UNCONFIRMED).
        """
        lb = self.load_balancers.get(name)
        if not isinstance(lb, LoadBalancerRuntime):
            raise ElbException("LoadBalancerNotFound", f"One or more load balancers not found: {name}")  # wording UNCONFIRMED
        model = lb.model
        listener = next((li for li in model.listeners if li.port == port), None)
        if listener is None:
            raise ElbException("ListenerNotFound", f"{name} has no listener on port {port}")  # wording UNCONFIRMED
        action = replace(listener.default_action, type="forward", target_groups=tuple(weights.items()), status_code=0)
        if priority is None:
            listener2 = replace(listener, default_action=action)
        else:
            if not any(r.priority == priority for r in listener.rules):
                raise ElbException("RuleNotFound", f"{name}:{port} has no rule with priority {priority}")
            rules = tuple(replace(r, action=action) if r.priority == priority else r for r in listener.rules)
            listener2 = replace(listener, rules=rules)
        listeners = tuple(listener2 if li is listener else li for li in model.listeners)
        return self.put_load_balancer(replace(model, listeners=listeners))

    def file_load_balancers(self) -> dict[str, Any]:
        """The ``LoadBalancer`` models of the load balancers created from files, by name."""
        return {name: lb.model for name, lb in self.load_balancers.items() if isinstance(lb, LoadBalancerRuntime)}

    def listener_rule(self, ref: str | None) -> tuple[str, int, int | None] | None:
        """(load balancer, listener port, rule priority or None for the default action) that a
        listener or listener-rule ARN names, when it is one of a load-balancer file's (§4.9)."""
        from lab.config.load_balancer import find_listener_rule

        found = find_listener_rule(ref, self.file_load_balancers())
        if found is None:
            return None
        lb, listener, rule = found
        return lb.name, listener.port, rule.priority if rule is not None else None

    def rule_action(self, name: str, port: int, priority: int | None) -> Any:
        """The action a listener rule (or the listener's default action) takes now."""
        lb = self.load_balancers[name]
        listener = next(li for li in lb.model.listeners if li.port == port)
        if priority is None:
            return listener.default_action
        return next(r.action for r in listener.rules if r.priority == priority)

    def rule_split(self, name: str, port: int, priority: int | None) -> dict[str, float]:
        """Target group name → fraction of a listener rule's requests its forward action sends there now."""
        return dict(self._split(self.rule_action(name, port, priority).target_groups))

    def probe(self, name: str, port: int | None, request: Any) -> tuple[str, list[tuple[TargetGroupRuntime, float]]]:
        """Where one request class sent to a load balancer's listener goes now, without counting it.

        Returns:
            (the rule that matched, as ``ListenerRouted`` names it, or "" when nothing answers;
            (target group, fraction of the requests) for a forward).
        """
        lb = self.load_balancers.get(name)
        if not isinstance(lb, LoadBalancerRuntime):
            return "", []
        listener = next((li for li in lb.model.listeners if port is None or li.port == port), None)
        if listener is None:
            return "", []
        if lb.type == "network":
            priority, action = None, listener.default_action
        else:
            priority, action = listener.route(request.path, request.host, request.headers, request.method)
        rule = "default" if priority is None else f"priority {priority}"
        if action.type != "forward":
            return rule, []
        return rule, [(self.target_groups[tg_name], fraction) for tg_name, fraction in self._split(action.target_groups)]

    def offer(self, load_balancer: str, rps: float, *, requests: list[Any], source: str = "internet",
              port: int | None = None, request_s: float | None = None) -> None:
        """Clients send ``rps`` requests per second to a load balancer's listener from now on.

        Args:
            load_balancer: its name (one that does not exist takes no connections).
            rps: requests per second, split over ``requests`` by their ``share``.
            requests: request classes (``lab.sim.spec.RequestClass``); empty: one ``GET /``.
            source: ``internet`` or ``vpc``: an internal load balancer answers only the VPC.
            port: the listener's port (default: its first listener).
            request_s: overrides the apps' request duration.
        """
        if not requests:
            from lab.sim.spec import RequestClass

            requests = [RequestClass()]
        self._offered[load_balancer] = _Offered(rps, request_s, list(requests), source, port)
        self._reroute(load_balancer)

    def _forwarded(self, target_group: str) -> float:
        """Requests per second listeners forward to a target group now."""
        return sum(routes.get(target_group, 0.0) for routes in self._routed.values())

    def _reroute(self, name: str) -> None:
        """Route one load balancer's offered traffic through its listener again (§6.4)."""
        offered = self._offered.get(name)
        lb = self.load_balancers.get(name)
        now = self.kernel.now
        counts = self.requests.get(name)
        if offered is None:
            return
        if counts is None:
            counts = self.requests[name] = RequestCounts(last=now)
        counts.flush(now)
        total_share = sum(r.share for r in offered.requests)
        rates: dict[tuple[str, str], float] = {}
        forwarded: dict[str, float] = {}
        seen = self._routes_seen.setdefault(name, {})
        listener = None
        if isinstance(lb, LoadBalancerRuntime):
            listeners = lb.model.listeners
            listener = next((li for li in listeners if offered.port is None or li.port == offered.port), None)
            if offered.source == "internet" and lb.scheme == "internal":
                listener = None  # its DNS name resolves to private addresses: clients on the internet cannot connect
        port = listener.port if listener is not None else (offered.port or 0)
        for request in offered.requests:
            rps = offered.rps * request.share / total_share
            label = request.label()
            rule, destination, splits = "", CONNECTION_FAILED, []
            if listener is not None:
                if lb is not None and lb.type == "network":
                    priority, action = None, listener.default_action  # layer 4: no request is read (§6.3)
                else:
                    priority, action = listener.route(request.path, request.host, request.headers, request.method)
                rule = "default" if priority is None else f"priority {priority}"
                if action.type == "forward":
                    splits = self._split(action.target_groups)
                    destination = _describe_split(splits)
                else:
                    destination = f"{action.type} {action.status_code}"
            if splits:
                for tg_name, fraction in splits:
                    key = (label, f"target group {tg_name}")
                    rates[key] = rates.get(key, 0.0) + rps * fraction
                    forwarded[tg_name] = forwarded.get(tg_name, 0.0) + rps * fraction
            else:
                rates[(label, destination)] = rates.get((label, destination), 0.0) + rps
            if seen.get(label) != (rule, destination):
                self.kernel.log.append(ListenerRouted(now, name, port, label, rule, destination, round_ms(rps)))
                seen[label] = (rule, destination)
        counts.rates = rates
        before = self._routed.get(name, {})
        self._routed[name] = forwarded
        for tg_name in dict.fromkeys([*before, *forwarded]):
            tg = self.target_groups.get(tg_name)
            if tg is None:
                continue
            direct_rps, direct_s = self._direct.get(tg_name, (0.0, None))
            tg.set_load(direct_rps + self._forwarded(tg_name), offered.request_s if offered.request_s is not None else direct_s)

    def _split(self, weighted: Iterable[tuple[str, int]]) -> list[tuple[str, float]]:
        """(target group name, fraction of the requests) of a forward action, by weight."""
        found = [(tg.name, weight) for ref, weight in weighted if (tg := self.find_target_group(ref)) is not None]
        total = sum(weight for _, weight in found)
        return [(name, weight / total) for name, weight in found if weight > 0] if total > 0 else []

    def request_minutes(self, name: str) -> dict[int, dict[tuple[str, str], float]]:
        """Per-minute requests a load balancer received, by (request class, destination), up to now."""
        counts = self.requests.get(name)
        if counts is None:
            return {}
        counts.flush(self.kernel.now)
        return counts.minutes

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
        spec = self.ecr.app_for(task.pinned, container) if container is not None else None
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

    def fixed_profile(self, tg: TargetGroupRuntime, target: Target) -> tuple[float, float, float] | None:
        """(error rate, requests per second it can serve, CPU units per request per second) for a
        target's container, when they hold while its task runs and its CPU counts for ``tg`` alone.

        None when its capacity is a share of its host (no task-level cpu: it follows the
        host's other tasks, §2.1) or its task serves more than one target group (each would
        set its CPU demand). A target without a serving container never errs and costs no CPU.
        """
        task = target.task
        routes = task.service.target_groups_for(task) if task.service is not None else ()
        if len(routes) > 1:
            return None
        container, spec = self._target_app(tg, target)
        if container is None:
            return 0.0, 0.0, 0.0
        if spec.cpu_units_per_rps <= 0:
            return spec.error_rate, 0.0, spec.cpu_units_per_rps
        if task.rev.task_cpu_units is None:
            return None
        capacity = max(0.0, task_cpu_capacity(self.fleet, task) - spec.idle_cpu_units) / spec.cpu_units_per_rps
        return spec.error_rate, capacity, spec.cpu_units_per_rps

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


def _describe_split(splits: list[tuple[str, float]]) -> str:
    """``target group web`` or ``target groups blue 90%, green 10%``."""
    if not splits:
        return "no target group (every weight is 0)"
    if len(splits) == 1:
        return f"target group {splits[0][0]}"
    return "target groups " + ", ".join(f"{name} {100 * fraction:g}%" for name, fraction in splits)
