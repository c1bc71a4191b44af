"""Provides load-balancer target groups: registration, health checks, draining and traffic.

Health checks follow the target group's settings (docs/ecs-facts.md §6.1): a new
target is ``initial`` until it passes one check; a healthy target turns ``unhealthy`` after
UnhealthyThresholdCount consecutive failures and back after HealthyThresholdCount passes.
A deregistered target is ``draining`` for the deregistration delay, then ``unused``.

Traffic is modelled in aggregate: between two changes (a target joining, leaving, changing
health, or the offered load changing) every routable target receives an equal share of the
requests per second (round robin for an ALB, flow hash for an NLB — equal shares on average),
so an hour at a thousand requests per second costs a handful of arithmetic steps, not a
SimPy process per request. Requests in flight on a target that stops are counted as failed
(``HTTPCode_ELB_5XX``); a target that leaves through draining loses only the requests that
outlast the deregistration delay.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import simpy

from lab.sim.events import TargetHealthChanged
from lab.sim.kernel import Kernel
from lab.sim.model import Task

__all__ = ["MetricsMinute", "Routing", "Target", "TargetGroupRuntime", "target_group_arn"]

REASONS = {
    "Target.Timeout": "Request timed out",
    "Target.FailedHealthChecks": "Health checks failed",
    "Target.NotInUse": "Target is in an Availability Zone that is not enabled for the load balancer",
    "Elb.InitialHealthChecking": "Initial health checks in progress",
    "Target.DeregistrationInProgress": "Target deregistration is in progress",
}
"""ELB target-health reason codes and descriptions; §6.1."""

OPEN_ROUTING_MIN = 64
"""Live targets from which a group failing open is routed by counts (``_OpenRouting``).

Below it the group routes target by target, the exact reference: every shipped scenario and
simulation document has groups of tens of targets, so their logs and metrics do not change."""


def target_group_arn(name: str, region: str, account: str) -> str:
    """A stable target-group ARN for ``name`` (the id part derives from the name)."""
    suffix = hashlib.sha256(name.encode()).hexdigest()[:16]
    return f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/{suffix}"


class Routing(Protocol):
    """What a target group asks about its targets: the one seam between ELB and the rest.

    Implemented by ``lab.sim.lb.LoadBalancing``, which knows the security groups, the images'
    apps and the tasks' CPU.
    """

    def reachable(self, tg: TargetGroupRuntime, target: Target) -> bool:
        """Whether the load balancer may open a connection to the target's port (security groups)."""
        ...

    def responds(self, tg: TargetGroupRuntime, target: Target) -> tuple[bool, int]:
        """(app up, HTTP status of the health-check path) for a target."""
        ...

    def profile(self, tg: TargetGroupRuntime, target: Target) -> tuple[float, float] | None:
        """(app error rate, requests per second it can serve before CPU runs out)."""
        ...

    def fixed_profile(self, tg: TargetGroupRuntime, target: Target) -> tuple[float, float, float] | None:
        """(app error rate, requests per second it can serve, CPU units per request per second)
        when they stay as they are while the task runs and its CPU counts for this group alone;
        None when not (its CPU share follows its host's other tasks, or it serves two groups)."""
        ...

    def settings(self) -> object:
        """A value that changes whenever anything other than the task itself may change a
        probe's answer (security groups, images, the service's settings)."""
        ...

    def lasting(self, tg: TargetGroupRuntime, target: Target) -> bool:
        """Whether a target that passes now keeps passing until its task or ``settings`` change."""
        ...

    def answer_until(self, tg: TargetGroupRuntime, target: Target) -> float:
        """Until when whether the target's app is up stays as it is now, unless its task or
        ``settings`` change (its boot or hang time)."""
        ...

    def load_changed(self, tg: TargetGroupRuntime, targets: Iterable[Target] | None = None) -> None:
        """Traffic shares changed: bring the affected tasks' CPU accounting up to date."""
        ...


@dataclass
class MetricsMinute:
    """One minute of CloudWatch-style target-group metrics (sums; counts are floats)."""

    request_count: float = 0.0
    elb_5xx: float = 0.0
    target_5xx: float = 0.0
    response_time_sum: float = 0.0
    healthy_seconds: float = 0.0
    """Healthy targets integrated over the minute (÷ 60 gives HealthyHostCount)."""
    unhealthy_seconds: float = 0.0


class Target:
    """A task registered in a target group."""

    __slots__ = (
        "az", "deregistered_at", "error_fraction", "fails", "info", "listed", "open_base", "open_class", "open_live",
        "open_unhealthy", "passes", "port", "rate", "reason", "request_s", "seq", "serves_memo", "serving", "settled",
        "state", "target_id", "task",
    )

    def __init__(self, task: Task, target_id: str, port: int, az: str, request_s: float = 0.05) -> None:
        self.task = task
        self.target_id = target_id
        self.port = port
        self.az = az
        self.state = "initial"
        self.reason = "Elb.InitialHealthChecking"
        self.passes = 0
        self.fails = 0
        self.rate = 0.0
        """Requests per second currently routed to it."""
        self.serving = False
        """Whether requests routed to it succeed right now."""
        self.deregistered_at: float | None = None
        self.request_s = request_s
        """How long one request to this target lasts (the app's model, or the traffic's)."""
        self.error_fraction = 0.0
        """Share of the requests it serves that the app answers with a 5xx (errors, overload)."""
        self.info: Any = None
        """The world's cache of what the target's container is and how its app behaves."""
        self.settled: object = None
        """The group's settings stamp under which this target last passed for good (see ``check_all``)."""
        self.seq = 0
        """Registration order within its group."""
        self.listed = False
        """Whether it is in its group's list of targets."""
        self.serves_memo: tuple[object, bool, float] | None = None
        """(settings stamp, whether it serves, until when that answer holds) — see ``_route``."""
        self.open_live = False
        """Counted as a live target by its group's ``_OpenRouting`` (its ``rate`` is the share then)."""
        self.open_unhealthy = False
        """Counted as unhealthy there."""
        self.open_class: _ShareClass | None = None
        """The class it serves in there (its task's CPU is taken from the class's integral)."""
        self.open_base = 0.0
        """The class's integral when its task's CPU was last brought up to date."""


def error_fraction_at(error_rate: float, capacity_rps: float, rate: float) -> float:
    """Share of the requests a target answers with a 5xx: the app's own error rate, plus what
    it cannot serve at ``rate`` requests per second when CPU-bound (``capacity_rps`` > 0)."""
    overload = max(0.0, 1.0 - capacity_rps / rate) if rate > 0 and capacity_rps > 0 else 0.0
    return min(1.0, error_rate + (1.0 - error_rate) * overload)


class _ShareClass:
    """The serving targets of a group failing open whose apps answer alike at any share.

    They all get the same share, so they have the same error fraction and CPU demand: the
    class integrates one demand over time, and each member's task takes its CPU from the
    integral when it is next touched.
    """

    __slots__ = ("capacity_rps", "demand", "durations", "error_fraction", "error_rate", "integral", "members", "per_rps", "since")

    def __init__(self, profile: tuple[float, float, float], share: float, now: float) -> None:
        self.error_rate, self.capacity_rps, self.per_rps = profile
        self.integral = 0.0
        """CPU unit-seconds one member accrued from the class's start up to ``since``."""
        self.since = now
        self.error_fraction = 0.0
        self.demand = 0.0
        """CPU units each member's traffic keeps busy now."""
        self.members = 0
        self.durations: dict[float, int] = {}
        """A request's duration by the target's app (``Target.request_s``) → members."""
        self.reshare(share, now)

    def value(self, now: float) -> float:
        """The integral up to ``now``."""
        return self.integral + self.demand * (now - self.since)

    def reshare(self, share: float, now: float) -> None:
        """Each member gets ``share`` requests per second from ``now`` on."""
        self.integral = self.value(now)
        self.since = now
        self.error_fraction = error_fraction_at(self.error_rate, self.capacity_rps, share)
        self.demand = share * (1.0 - self.error_fraction) * self.per_rps


class _OpenRouting:
    """A group failing open, routed by counts (``TargetGroupRuntime._route_open``).

    With no healthy target every live target gets the same share (§6.1), and each
    registration changes it: routed target by target that is quadratic in the targets.
    Here a route costs the targets whose answer may have changed (``dirty``: registered,
    deregistered, their task or health state changed; ``expiry``: their app's boot or hang
    time came) plus the share classes.
    """

    __slots__ = ("classes", "counted", "dirty", "expiry", "live", "serving", "share", "stamp", "unhealthy")

    def __init__(self, share: float, stamp: object) -> None:
        self.share = share
        self.stamp = stamp
        self.live = 0
        self.serving = 0
        self.unhealthy = 0
        self.classes: dict[tuple[float, float, float], _ShareClass] = {}
        self.counted: dict[int, Target] = {}
        """Targets counted live or serving, by ``seq``."""
        self.dirty: dict[int, Target] = {}
        self.expiry: list[tuple[float, int]] = []
        """Heap of (until when a target's "does it serve" answer holds, its ``seq``)."""


@dataclass
class _Load:
    """Piecewise-constant offered load on the target group."""

    rps: float = 0.0
    request_s: float | None = None
    """Overrides the apps' request duration when set."""


class TargetGroupRuntime:
    """One target group: its targets, their health, and the traffic routed to them."""

    def __init__(self, kernel: Kernel, routing: Routing, model: Any, arn: str, *, load_balancer: str | None, lb_azs: frozenset[str]) -> None:
        """Create the runtime.

        Args:
            routing: what the group asks about its targets' apps and network (see ``Routing``).
            model: the ``TargetGroup`` config (health-check settings, attributes).
            load_balancer: the load balancer's name (None: not attached to one).
            lb_azs: Availability Zones enabled on the load balancer.
        """
        self.kernel = kernel
        self.routing = routing
        self.model = model
        self.arn = arn
        self.name: str = model.name
        self.load_balancer = load_balancer
        self.lb_azs = lb_azs
        self._stamp: tuple[object, int] = (routing.settings(), 0)
        """The settings stamp of the last check round; a new object whenever they changed."""
        self.targets: list[Target] = []
        self._live: dict[int, Target] = {}
        """The listed targets neither draining nor unused, by ``seq`` (in list order): a route
        and the health rounds walk these, not the draining ones a crash loop piles up."""
        self._healthy = 0
        """How many listed targets are ``healthy``: kept where a target's state changes."""
        self.load = _Load()
        self.minutes: dict[int, MetricsMinute] = {}
        self.totals = MetricsMinute()
        self._last = kernel.now
        self.listeners: list[Callable[[Target, str], None]] = []
        """Called with (target, new state) whenever a target's health state changes."""
        self._matched: dict[int, bool] = {}
        """Health-check status codes the matcher accepts (cleared when the settings change)."""
        self._totals_now: tuple[bool, float, float, float, float, int, int] = (False, 0.0, 0.0, 0.0, 0.0, 0, 0)
        """What the targets add up to since the last routing change (see ``_sum_up``)."""
        self._route_pending = False
        """A re-route is due at the end of this instant (see ``_route_soon``)."""
        self._registered = 0
        self._watch: dict[int, Target] = {}
        """Targets the next round probes, by ``seq``: all but the settled and the draining."""
        self._watch_stamp: object = None
        """The settings stamp ``_watch`` was kept under (another stamp: probe every target)."""
        self.forward_weighted = False
        """Whether a blue/green listener rule splits traffic onto this group (``lab.sim.bluegreen``)."""
        self._open: _OpenRouting | None = None
        """Set while the group fails open with at least ``OPEN_ROUTING_MIN`` live targets."""
        self._left: dict[int, Target] = {}
        """Listed targets that stopped being live (draining) since the last target-by-target
        route, by ``seq``: the route zeroes their rate once. Every other target that is not
        live is already at zero, so a route walks the live targets and these, not the
        draining ones of the last five minutes (a crash loop leaves hundreds)."""
        self._checker: simpy.Process | None = None
        if load_balancer is not None:
            self._checker = kernel.env.process(self._health_loop())

    # -- configuration -----------------------------------------------------------------------

    def set_model(self, model: Any) -> None:
        """Apply changed settings (ModifyTargetGroup / ModifyTargetGroupAttributes)."""
        self.flush()
        self.model = model
        self._matched = {}
        self._stamp = (self._stamp[0], self._stamp[1] + 1)
        self._route()

    def attach(self, load_balancer: str, lb_azs: frozenset[str]) -> None:
        """A load balancer's listener now forwards here: health checks start (a ``load-balancer`` file).

        Also called again when the load balancer's subnets change (its enabled AZs).
        """
        self.flush()
        self.load_balancer = load_balancer
        self.lb_azs = lb_azs
        self._stamp = (self._stamp[0], self._stamp[1] + 1)  # probes of settled targets may answer otherwise now
        if self._checker is None:
            self._checker = self.kernel.env.process(self._health_loop())
        self._route()

    def set_load(self, rps: float, request_s: float | None = None) -> None:
        """Change the offered load from now on."""
        self.flush()
        self.load.rps = rps
        if request_s is not None:
            self.load.request_s = request_s
        self._route()

    # -- registration ------------------------------------------------------------------------

    def register(self, task: Task, target_id: str, port: int, az: str, request_s: float = 0.05) -> Target:
        """Register a task's (instance or IP, port) as a target; it starts ``initial``."""
        self.flush()
        target = Target(task, target_id, port, az, request_s)
        target.seq = self._registered
        self._registered += 1
        target.listed = True
        self.targets.append(target)
        self._live[target.seq] = target
        self._watch[target.seq] = target
        self.emit(target)
        self._touch(target)
        if self._any_healthy():
            # A new target starts ``initial``: while a healthy target exists it gets no
            # traffic, so the shares of the others do not change (and neither do the sums).
            self.routing.load_changed(self, (target,))
        else:
            self._route()
        return target

    def deregister(self, target: Target) -> float:
        """Start draining a target; returns the deregistration delay in seconds."""
        self.flush()
        self._leave_live(target)
        target.state = "draining"
        target.reason = "Target.DeregistrationInProgress"
        target.deregistered_at = self.kernel.now
        self._watch.pop(target.seq, None)
        self._left[target.seq] = target
        rate_before = self._rate(target) if target.serving else 0.0
        self.emit(target)
        self._touch(target)
        self._route_soon()
        delay = float(self.model.deregistration_delay_s)
        # Requests in flight when draining starts finish within request_s; those that
        # would outlast the delay are cut when the target is finally stopped.
        lost = rate_before * max(0.0, self._duration(target) - delay)
        self.kernel.at(delay, lambda: self._finish_draining(target, lost))
        return delay

    def _route_soon(self) -> None:
        """Route again once everything happening at this instant has happened.

        A scale-in deregisters its targets one by one at the same moment: routed once for
        all of them, each loses the requests of the share it had, as when the load balancer
        takes them out together, and a thousand-target group is not re-routed per target.
        """
        if not self._route_pending:
            self._route_pending = True
            self.kernel.at(0.0, self._route_if_pending)

    def _route_if_pending(self) -> None:
        if self._route_pending:
            self.flush()
            self._route()

    def _finish_draining(self, target: Target, lost: float) -> None:
        if target.state != "draining":
            return
        self.flush()
        self._add_failures(lost)
        self._now_unused(target)
        self._unlist(target)

    def target_lost(self, target: Target) -> None:
        """The task behind a target died without draining: its requests in flight fail."""
        if not target.listed:
            return
        self.flush()
        if target.serving and target.state != "draining":
            self._add_failures(self._rate(target) * self._duration(target))
        target.serving = False
        self._touch(target)
        self._route()

    def remove(self, target: Target) -> None:
        """Drop a target at once (its task is gone and ECS deregistered it)."""
        if target.listed:
            self.flush()
            self._unlist(target)
            self._route()

    def drop(self, target: Target) -> None:
        """The task's host is gone: its requests in flight fail and it leaves the group (``unused``)."""
        self.target_lost(target)
        if target.state != "unused":
            self._now_unused(target)
        self.remove(target)

    def _now_unused(self, target: Target) -> None:
        """``target`` leaves the group: out of the live ones, and logged ``unused``."""
        self._leave_live(target)
        target.state = "unused"
        target.reason = ""
        self.emit(target)

    def _leave_live(self, target: Target) -> None:
        """Take ``target`` out of the live ones (before its state changes to draining or unused)."""
        if self._live.pop(target.seq, None) is not None and target.state == "healthy":
            self._healthy -= 1

    def _unlist(self, target: Target) -> None:
        self._leave_live(target)
        self.targets.remove(target)
        target.listed = False
        self._watch.pop(target.seq, None)
        self._left.pop(target.seq, None)
        self._touch(target)

    def unsettle(self, target: Target) -> None:
        """The target's task changed (its state, a container's exit): probe it again next round."""
        target.settled = None
        target.serves_memo = None
        if target.listed and target.state not in ("draining", "unused"):
            self._watch[target.seq] = target
        self._touch(target)

    # -- health ------------------------------------------------------------------------------

    def _health_loop(self) -> Generator[simpy.Event, None, None]:
        while True:
            yield self.kernel.env.timeout(float(self.model.health_check_interval_s))
            self.check_all()

    def check_all(self) -> None:
        """Run one round of health checks on every target that is not draining.

        A healthy target whose last probe passed under the same settings and whose app
        does not hang later is settled: it passes again without being probed, until its task
        changes (``unsettle``, which the world calls on every task state change and container
        exit) or the settings do. Nothing observable is lost — its failure count is already 0
        and its pass count matters only on the way to healthy — and a round over a group of
        thousands of stable targets probes only those on their way in or out.
        """
        changed = False
        stamp = self._current_stamp()
        if stamp is not self._watch_stamp:
            self._watch_stamp = stamp
            self._watch = dict(self._live)
        # In registration order, as the targets are listed (the order of the events logged).
        watch = self._watch
        for seq in sorted(watch):
            target = watch.get(seq)
            if target is None or target.state in ("draining", "unused"):
                continue  # deregistered or gone during this round
            ok, reason = self._probe(target)
            if ok:
                target.passes += 1
                target.fails = 0
                need = 1 if target.state == "initial" else int(self.model.healthy_threshold)
                if target.state != "healthy" and target.passes >= need:
                    changed |= self._set_state(target, "healthy", "")
                if target.state == "healthy" and self.routing.lasting(self, target):
                    target.settled = stamp
                    watch.pop(seq, None)
                else:
                    target.settled = None
            else:
                target.settled = None
                target.fails += 1
                target.passes = 0
                if target.state != "unhealthy" and target.fails >= int(self.model.unhealthy_threshold):
                    changed |= self._set_state(target, "unhealthy", reason)
                elif target.state == "unhealthy":
                    target.reason = reason
        if changed:
            self.flush()
            self._route()

    def _current_stamp(self) -> tuple[object, int]:
        """The settings stamp now: the same object for as long as the settings stay the same."""
        settings = self.routing.settings()
        if settings != self._stamp[0]:
            self._stamp = (settings, self._stamp[1] + 1)
        return self._stamp

    def _probe(self, target: Target) -> tuple[bool, str]:
        if target.az not in self.lb_azs:
            return False, "Target.NotInUse"
        if not self.routing.reachable(self, target):
            return False, "Target.Timeout"
        up, code = self.routing.responds(self, target)
        if not up:
            return False, "Target.FailedHealthChecks"
        matched = self._matched.get(code)
        if matched is None:
            matched = self._matched[code] = self.model.matches(code)
        if not matched:
            return False, f"Target.ResponseCodeMismatch:{code}"
        return True, ""

    def _set_state(self, target: Target, state: str, reason: str) -> bool:
        self.flush()
        self._healthy += (state == "healthy") - (target.state == "healthy")
        target.state = state
        target.reason = reason
        self.emit(target)
        self._touch(target)
        for listener in list(self.listeners):
            listener(target, state)
        return True

    @staticmethod
    def describe(reason: str) -> str:
        """The console description of a reason code."""
        if reason.startswith("Target.ResponseCodeMismatch:"):
            return f"Health checks failed with these codes: [{reason.partition(':')[2]}]"
        return REASONS.get(reason, reason)

    def emit(self, target: Target) -> None:
        """Log a target's health state."""
        reason = target.reason.partition(":")[0]
        self.kernel.log.append(
            TargetHealthChanged(
                self.kernel.now, self.name, target.target_id, target.port, target.task.id, target.state,
                reason, self.describe(target.reason) if target.reason else "",
            )
        )

    # -- traffic -----------------------------------------------------------------------------

    def _route(self) -> None:
        """Recompute which targets get traffic, and whether each one serves it."""
        self._route_pending = False
        if self._open is not None:
            if self._route_open(self._open):
                return
            self._close_open(self._open)
        live = list(self._live.values())
        healthy = [t for t in live if t.state == "healthy"] if self._healthy else []
        # Fail open: with no healthy target the load balancer routes to all of them (§6.1).
        routed = healthy or live
        share = self.load.rps / len(routed) if routed else 0.0
        error_fraction = self._error_fraction
        stamp = self._current_stamp()
        now = self.kernel.now
        for t in routed:
            t.rate = share
            t.serving = share > 0 and self._serves_now(t, stamp, now)
            t.error_fraction = error_fraction(t, share) if t.serving else 0.0
        # Everything else gets nothing: the live targets not routed (unhealthy ones while
        # another is healthy) and those that left since the last route.
        idle = [t for t in live if t.state != "healthy"] if healthy else []
        left = list(self._left.values())
        self._left = {}
        for t in idle + left:
            t.rate = 0.0
            t.serving = False
            t.error_fraction = 0.0
        self._sum_up(live)
        # The other listed targets left before an earlier route, which zeroed their tasks' CPU demand.
        self.routing.load_changed(self, live + left)
        if not healthy and len(live) >= OPEN_ROUTING_MIN and share > 0:
            self._open_from(live, share, stamp)

    def _sum_up(self, live: list[Target]) -> None:
        """Add up what ``flush`` accounts per second; targets only change where this is called.

        ``live``: the listed targets neither draining nor unused, in list order; the others
        are neither healthy nor unhealthy and get no traffic, so they add nothing.
        """
        any_routed = False
        served = target_5xx = good_time = bad_rate = 0.0
        healthy = unhealthy = 0
        for t in live:
            if t.state == "healthy":
                healthy += 1
            elif t.state == "unhealthy":
                unhealthy += 1
            if t.rate > 0:
                any_routed = True
                if t.serving:
                    served += t.rate
                    target_5xx += t.rate * t.error_fraction
                    good_time += t.rate * (1.0 - t.error_fraction) * self._duration(t)
                else:
                    bad_rate += t.rate
        self._totals_now = (any_routed, served, target_5xx, good_time, bad_rate, healthy, unhealthy)

    def _error_fraction(self, target: Target, rate: float) -> float:
        """The app's own error rate, plus what it cannot serve when CPU-bound."""
        profile = self.routing.profile(self, target)
        if profile is None:
            return 0.0
        error_rate, capacity_rps = profile
        return error_fraction_at(error_rate, capacity_rps, rate)

    # -- failing open, routed by counts ------------------------------------------------------
    #
    # While no target is healthy every live target gets the same share, so the group keeps
    # counts (live, serving, unhealthy; serving per share class and request duration) and one
    # CPU integral per class instead of a rate, error fraction and CPU account per target.
    # The per-second sums are then counts × share, and a task's CPU is the integral's growth
    # since it was last touched: the same quantities as the target-by-target route, added up
    # in another order, so they may differ from it in their last bits (docs/simulator.md).

    def _touch(self, target: Target) -> None:
        """Something about ``target`` changed: count it again at the next route."""
        if self._open is not None:
            self._open.dirty[target.seq] = target

    def _rate(self, target: Target) -> float:
        """Requests per second routed to ``target`` now."""
        return self._open.share if self._open is not None and target.open_live else target.rate

    def _any_healthy(self) -> bool:
        op = self._open
        if op is None:
            return self._healthy > 0
        # Failing open none was healthy at the last route; one that turned healthy since is dirty.
        return any(t.state == "healthy" for t in op.dirty.values())

    def _open_from(self, live: list[Target], share: float, stamp: object) -> None:
        """Start routing by counts, from the state the target-by-target route just left."""
        profiles = {}
        for t in live:
            if t.serving:
                profile = self.routing.fixed_profile(self, t)
                if profile is None:
                    return  # its CPU capacity follows its host, or it serves two groups: route target by target
                profiles[t.seq] = profile
        now = self.kernel.now
        op = _OpenRouting(share, stamp)
        for t in live:
            self._count_in(op, t, profiles.get(t.seq), now)
        self._open = op

    def _count_in(self, op: _OpenRouting, t: Target, profile: tuple[float, float, float] | None, now: float) -> None:
        """Count a live target in (serving with ``profile``, or not serving: None)."""
        op.counted[t.seq] = t
        op.live += 1
        t.open_live = True
        t.rate = op.share
        if t.state == "unhealthy":
            op.unhealthy += 1
            t.open_unhealthy = True
        memo = t.serves_memo
        if memo is not None and memo[2] != math.inf:
            heapq.heappush(op.expiry, (memo[2], t.seq))
        task = t.task
        if profile is None:
            t.error_fraction = 0.0
            if task.cpu_demand != 0.0:
                task.cpu_account(now)
                task.cpu_demand = 0.0
            return
        cls = op.classes.get(profile)
        if cls is None:
            cls = op.classes[profile] = _ShareClass(profile, op.share, now)
        cls.members += 1
        cls.durations[t.request_s] = cls.durations.get(t.request_s, 0) + 1
        op.serving += 1
        t.open_class = cls
        t.open_base = cls.value(now)
        t.error_fraction = cls.error_fraction
        task.cpu_account(now)
        task.cpu_demand = cls.demand

    def _count_out(self, op: _OpenRouting, t: Target, now: float) -> None:
        """Take a target out of the counts; its task's CPU is brought up to ``now``."""
        if op.counted.pop(t.seq, None) is None:
            return
        op.live -= 1
        t.open_live = False
        if t.open_unhealthy:
            op.unhealthy -= 1
            t.open_unhealthy = False
        cls = t.open_class
        if cls is None:
            return
        t.open_class = None
        op.serving -= 1
        cls.members -= 1
        left = cls.durations[t.request_s] - 1
        if left:
            cls.durations[t.request_s] = left
        else:
            del cls.durations[t.request_s]
        task = t.task
        value = cls.value(now)
        task.cpu_unit_seconds += value - t.open_base
        task.cpu_since = now
        task.cpu_demand = cls.demand
        if cls.members == 0:
            del op.classes[(cls.error_rate, cls.capacity_rps, cls.per_rps)]

    def _route_open(self, op: _OpenRouting) -> bool:
        """Route by counts; False when the group must be routed target by target again."""
        stamp = self._current_stamp()
        if stamp is not op.stamp or self.load.rps <= 0:
            return False  # the settings changed (every answer may have) or nothing is offered
        now = self.kernel.now
        due = op.dirty
        op.dirty = {}
        expiry = op.expiry
        while expiry and expiry[0][0] <= now:
            seq = heapq.heappop(expiry)[1]
            t = op.counted.get(seq)
            if t is not None:
                due.setdefault(seq, t)
        order = sorted(due)
        live = op.live
        for seq in order:
            t = due[seq]
            if t.state == "healthy":
                op.dirty = due
                return False  # no longer failing open
            was = op.counted.get(seq) is t
            now_live = t.listed and t.state not in ("draining", "unused")
            live += int(now_live) - int(was)
        if live < OPEN_ROUTING_MIN:
            op.dirty = due
            return False
        share = self.load.rps / live
        if share != op.share:
            op.share = share
            for cls in op.classes.values():
                cls.reshare(share, now)
        for seq in order:
            t = due[seq]
            self._count_out(op, t, now)
            if not (t.listed and t.state not in ("draining", "unused")):
                t.rate = 0.0
                t.serving = False
                t.error_fraction = 0.0
                if t.task.cpu_demand != 0.0:
                    t.task.cpu_account(now)
                    t.task.cpu_demand = 0.0
                continue
            t.serving = self._serves_now(t, stamp, now)
            profile = None
            if t.serving:
                profile = self.routing.fixed_profile(self, t)
                if profile is None:
                    op.dirty = due
                    return False
            self._count_in(op, t, profile, now)
        s = op.share
        target_5xx = good_time = 0.0
        request_s = self.load.request_s
        for cls in op.classes.values():
            target_5xx += cls.members * s * cls.error_fraction
            per_request = s * (1.0 - cls.error_fraction)
            for duration, n in cls.durations.items():
                good_time += n * per_request * (request_s if request_s is not None else duration)
        self._totals_now = (True, op.serving * s, target_5xx, good_time, (op.live - op.serving) * s, 0, op.unhealthy)
        return True

    def _close_open(self, op: _OpenRouting) -> None:
        """Back to routing target by target: every counted task's CPU up to now."""
        now = self.kernel.now
        for seq in list(op.counted):
            t = op.counted[seq]
            self._count_out(op, t, now)
            t.rate = op.share
        self._open = None

    def settle_cpu(self) -> None:
        """Bring the CPU accounts of the tasks this group routes by counts up to now (before reading them)."""
        op = self._open
        if op is None:
            return
        now = self.kernel.now
        values = {id(cls): cls.value(now) for cls in op.classes.values()}
        for t in op.counted.values():
            cls = t.open_class
            if cls is None:
                continue
            value = values[id(cls)]
            task = t.task
            task.cpu_unit_seconds += value - t.open_base
            task.cpu_since = now
            task.cpu_demand = cls.demand
            t.open_base = value

    def _serves_now(self, target: Target, stamp: object, now: float) -> bool:
        """``_serves``, without asking again what cannot have changed.

        A settled target passed its probe under these settings and its task has not changed
        since: it serves (the probe asks what serving needs). Any other answer is kept until
        the settings or the task change or its app's boot or hang time comes: while no
        target is healthy the group fails open and is routed again at every registration.
        """
        task = target.task
        if target.settled is stamp and task.last == "RUNNING" and not task.exited:
            return True
        memo = target.serves_memo
        if memo is not None and memo[0] is stamp and now < memo[2]:
            return memo[1]
        answer = self._serves(target)
        target.serves_memo = (stamp, answer, self.routing.answer_until(self, target))
        return answer

    def _serves(self, target: Target) -> bool:
        if target.task.last != "RUNNING" or target.az not in self.lb_azs or not self.routing.reachable(self, target):
            return False
        up, _ = self.routing.responds(self, target)
        return up

    def refresh(self) -> None:
        """Re-evaluate which targets serve (an app finished booting, a rule changed)."""
        self.flush()
        self._route()

    def target_booted(self, target: Target) -> None:
        """The app behind ``target`` finished booting: re-evaluate whether it serves.

        A target that gets no traffic while a healthy one exists cannot start serving until
        it passes a health check (which routes again), so only a routed target, or a group
        failing open, needs the whole group re-evaluated.
        """
        if self._rate(target) == 0 and self._any_healthy():
            return
        self.refresh()

    def _duration(self, target: Target) -> float:
        return self.load.request_s if self.load.request_s is not None else target.request_s

    def _add_failures(self, count: float) -> None:
        # Requests cut in flight were counted in RequestCount when they arrived; here they
        # only turn into ELB 5xx (the ALB answers 502 for a target that closed the connection).
        if count <= 0:
            return
        bucket = self._bucket(self.kernel.now)
        bucket.elb_5xx += count
        self.totals.elb_5xx += count

    def _bucket(self, t: float) -> MetricsMinute:
        minute = int(t // 60)
        bucket = self.minutes.get(minute)
        if bucket is None:
            bucket = self.minutes[minute] = MetricsMinute()
        return bucket

    def flush(self) -> None:
        """Account the traffic since the last change, split over minute buckets."""
        now = self.kernel.now
        start = self._last
        if now <= start:
            return
        self._last = now
        rps = self.load.rps
        routed, served, target_5xx, good_time, bad_rate, healthy, unhealthy = self._totals_now
        # Requests to targets that cannot answer, or to no target at all, fail at the ELB.
        if not routed:
            bad_rate = rps
        t = start
        while t < now:
            edge = min(now, (math.floor(t / 60) + 1) * 60)
            dt = edge - t
            bucket = self._bucket(t)
            bucket.request_count += rps * dt
            bucket.elb_5xx += bad_rate * dt
            bucket.target_5xx += target_5xx * dt
            bucket.response_time_sum += good_time * dt
            bucket.healthy_seconds += healthy * dt
            bucket.unhealthy_seconds += unhealthy * dt
            t = edge
        span = now - start
        self.totals.request_count += rps * span
        self.totals.elb_5xx += bad_rate * span
        self.totals.target_5xx += target_5xx * span
        self.totals.response_time_sum += good_time * span

    @property
    def flushed_until(self) -> float:
        """Until when ``minutes`` and ``totals`` hold this group's requests (``flush`` brings it to now)."""
        return self._last

    def healthy_count(self) -> int:
        """Targets in state ``healthy`` now."""
        return self._healthy

    def target_of(self, task: Task) -> Target | None:
        """The target a task registered, if it is still in the group."""
        for t in self.targets:
            if t.task is task:
                return t
        return None

